/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seals of disk files, kept in an SQLite database so that they outlive a
 * reboot (the pinned BPF state does not).  Files are named by file handle
 * (name_to_handle_at) and filesystem id, which stay the same across
 * reboots; paths are only a hint for people.  Without a database the
 * daemon still enforces everything pinned: it only forgets more.
 */
#ifndef SG_STATE_DB_H
#define SG_STATE_DB_H

#include <stddef.h>

#include "daemon.h"
#include "seal_request.h"

#define SG_STATE_DB_DEFAULT "/var/lib/sealguard/state.db"
#define SG_STATE_SCHEMA	    1

/* Opens d->state_path, creating the file and schema when missing.  0, or
 * -errno with *why naming the file and the problem (d->state_db stays
 * NULL: the daemon runs without it). */
int sg_state_open(struct sg_daemon *d, char *why, size_t len);

/* Puts back every recorded seal that the kernel does not hold (after a
 * reboot, or a file whose seals were lost); drops records of files that
 * no longer exist.  Logs one line per file it could not restore.  Needs
 * the privileges of before sg_drop_privileges(): it opens files for
 * writing, as F_ADD_SEALS wants. */
void sg_state_restore(struct sg_daemon *d);

/* Records that the request's file carries seals, if it lives on a
 * filesystem whose content outlives a reboot, under the request's name and
 * requester (no /proc read of its own).  0 (also when there is nothing to record),
 * -EOPNOTSUPP when its filesystem gives no file handles, or -errno; never
 * undoes the seal. */
int sg_state_save(struct sg_daemon *d, const struct sg_seal_request *req, unsigned int seals);

void sg_state_close(struct sg_daemon *d);

#endif
