/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the daemon tells its service manager (sd_notify(3)) besides
 * READY=1 at start: the start and end of each policy reload, and watchdog
 * pings from the event loop.  docs/design.md, "Reload and watchdog".
 */
#ifndef SG_DAEMON_NOTIFY_H
#define SG_DAEMON_NOTIFY_H

#include <stddef.h>

#include "daemon.h"

/* RELOADING=1 with MONOTONIC_USEC=, as Type=notify-reload requires. */
void sg_notify_reloading(void);

/* READY=1 after a reload, with ERRNO= the refusal's errno (0 when r is
 * 0) and a STATUS= naming the generation in force and msg on refusal. */
void sg_notify_reloaded(const struct sg_daemon *d, int r, const char *msg);

/* Reads WATCHDOG_USEC (and WATCHDOG_PID) once: pings are due at half
 * that interval from now on.  No watchdog asked: no pings. */
void sg_watchdog_init(struct sg_daemon *d);

/* Sends WATCHDOG=1 when due; returns the ms until the next one is due,
 * or -1 without a watchdog.  Called every turn of the event loop. */
int sg_watchdog_tick(struct sg_daemon *d);

#endif
