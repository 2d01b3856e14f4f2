/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_LOADER_H
#define SG_LOADER_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"

/* Loads the programs (reusing pinned maps), attaches them, swaps in their
 * pinned links, and registers this process as the daemon.  On failure
 * -errno and one sentence in why. */
int sg_loader_start(struct sg_daemon *d, char *why, size_t len);

/* Drops this process's handles; pinned links keep enforcing. */
void sg_loader_close(struct sg_daemon *d);

/* The pid of the live daemon registered in pin_dir's pinned maps, other
 * than this process; 0 when there is none; -EPERM when the tamper guard
 * refuses this process the pins and no other process runs this
 * executable (the pins are another path's daemon's). */
pid_t sg_loader_owner(const char *pin_dir);

/* Removes every pin: enforcement stops and all seals are forgotten. */
int sg_loader_unload(const char *pin_dir);

#endif
