/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Denial events from the BPF programs: the "sg_events" ring buffer, the
 * per-CPU "sg_stats" counters and the "sg_sealed" registry that names the
 * files.
 */
#ifndef SG_EVENTS_H
#define SG_EVENTS_H

#include <stddef.h>

#include "daemon.h"
#include "sealguard_abi.h"

/* Called once per event read from the ring buffer. */
typedef void (*sg_event_fn)(struct sg_daemon *d, const struct sg_event *ev);

/* Opens the ring buffer of the loaded skeleton; its fd goes into epoll
 * (d->events_fd).  0 or -errno. */
int sg_events_open(struct sg_daemon *d, sg_event_fn fn);

/* Reads every event available now without blocking; the number consumed
 * or -errno. */
int sg_events_drain(struct sg_daemon *d);

/* Kernel counters summed over the CPUs.  0 or -errno. */
int sg_events_stats(struct sg_daemon *d, struct sg_event_stats *out);

/* The audit counters (sg_audit_stats) summed over the CPUs.  0 or -errno. */
int sg_events_audit_stats(struct sg_daemon *d, struct sg_audit_stats *out);

void sg_events_close(struct sg_daemon *d);

/* The operation's name in events and counters: "write", "fallocate",
 * "mmap", "mprotect", "truncate", "chmod"; "?" for an unknown one. */
const char *sg_event_op_name(unsigned int op);

#endif
