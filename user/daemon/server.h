/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_SERVER_H
#define SG_SERVER_H

#include <stddef.h>

#include "daemon.h"
#include "sealguard_abi.h"

/* Binds the control socket and sets up the epoll loop.  -errno and a
 * sentence in why on failure. */
int sg_server_open(struct sg_daemon *d, char *why, size_t len);

/* Serves until SIGTERM or SIGINT, or an answered UNLOAD.  0 or -errno. */
int sg_server_run(struct sg_daemon *d);

void sg_server_close(struct sg_daemon *d);

/* Sends ev to every subscriber, naming the file by path, or by the
 * registry when path is NULL.  A subscriber that does not keep up loses
 * the event (counted in events_unsent), the daemon waits for nobody. */
void sg_server_fan_out(struct sg_daemon *d, const struct sg_event *ev, const char *path);

#endif
