/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_SERVER_H
#define SG_SERVER_H

#include <stddef.h>

#include "daemon.h"

/* Binds the control socket and sets up the epoll loop.  -errno and a
 * sentence in why on failure. */
int sg_server_open(struct sg_daemon *d, char *why, size_t len);

/* Serves until SIGTERM or SIGINT, or an answered UNLOAD.  0 or -errno. */
int sg_server_run(struct sg_daemon *d);

void sg_server_close(struct sg_daemon *d);

#endif
