/* SPDX-License-Identifier: GPL-2.0 */
/* Who sent a request: credentials fixed at connect time, and facts read
 * from /proc at request time without trusting a pid that may be reused. */
#ifndef SG_PEER_H
#define SG_PEER_H

#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"

/* Fills *p from the connected socket fd (SO_PEERCRED, SO_PEERGROUPS,
 * SO_PEERPIDFD or pidfd_open).  0 or -errno. */
int sg_peer_init(struct sg_peer *p, int fd, gid_t admin_gid);

void sg_peer_release(struct sg_peer *p);

/* The peer's cgroup v2 path as /proc shows it now.  -ESRCH when the
 * process is gone or its pid now belongs to another process. */
int sg_peer_cgroup(const struct sg_peer *p, char *buf, size_t len);

/* readlink of /proc/PID/<what> ("exe"), and the task name, under the same
 * guarantee. */
int sg_peer_proc_link(const struct sg_peer *p, const char *what, char *buf, size_t len);
int sg_peer_comm(const struct sg_peer *p, char *buf, size_t len);

/* Reads a /proc/PID/stat start time; 0 when unavailable. */
unsigned long long sg_proc_start_time(pid_t pid);

#endif
