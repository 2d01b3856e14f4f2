/* SPDX-License-Identifier: GPL-2.0 */
/* The registry of sealed files (pinned hash "sg_sealed"): written here
 * after each granted request, pruned by the kernel when an inode is freed. */
#ifndef SG_REGISTRY_H
#define SG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"
#include "protocol.h"

/* Records that fd's file now carries seals, requested by peer, naming the
 * file by hint when fd's own name does not lead back to it (a file opened
 * by handle, whose dentry is not connected yet).  0 or -errno; a failure
 * here never undoes the seal. */
int sg_registry_record_as(struct sg_daemon *d, int fd, const struct sg_peer *peer, unsigned int seals,
			  const char *hint);

/* The same, with fd's name as the caller already read it from
 * /proc/self/fd ("" when it could not). */
int sg_registry_record_named(struct sg_daemon *d, int fd, const struct sg_peer *peer, unsigned int seals,
			     const char *name);

/* Makes sure fd's file has an entry before seals are added to it, so that
 * no seal is in force without one.  1: a placeholder was made (key filled
 * in, for sg_registry_unreserve() if the seal fails), 0: it had one,
 * -EDQUOT: uid (not root) has SG_SEALED_PER_USER entries, -ENOSPC: the
 * registry is full, other -errno. */
int sg_registry_reserve(struct sg_daemon *d, int fd, uint32_t uid, struct sg_file_key *key);

/* Removes a placeholder made by sg_registry_reserve() that got no seals. */
void sg_registry_unreserve(struct sg_daemon *d, const struct sg_file_key *key);

/* The path recorded for a file, or "" when none.  */
void sg_registry_path(struct sg_daemon *d, unsigned int major, unsigned int minor,
		      unsigned long long ino, char *buf, size_t len);

/* Up to max entries following *after (NULL: from the start), in hash
 * order.  The number filled in, or -errno; *more says whether more may
 * follow. */
int sg_registry_page(struct sg_daemon *d, const struct sg_file_key *after,
		     struct sg_list_entry *out, unsigned int max, bool *more);

/* Entries in the registry now. */
unsigned long long sg_registry_count(struct sg_daemon *d);

#endif
