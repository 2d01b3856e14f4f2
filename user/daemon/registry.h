/* SPDX-License-Identifier: GPL-2.0 */
/* The registry of sealed files (pinned hash "sg_sealed"): written here
 * after each granted request, pruned by the kernel when an inode is freed. */
#ifndef SG_REGISTRY_H
#define SG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "daemon.h"
#include "protocol.h"

/* Records that fd's file now carries seals, requested by peer, naming the
 * file by hint when fd's own name does not lead back to it (a file opened
 * by handle, whose dentry is not connected yet).  0 or -errno; a failure
 * here never undoes the seal. */
int sg_registry_record_as(struct sg_daemon *d, int fd, const struct sg_peer *peer, unsigned int seals,
			  const char *hint);

/* The same for the file under key (sg_registry_key()), with the name its
 * requester's fd had, as read from /proc/self/fd ("" when it could not). */
int sg_registry_record(struct sg_daemon *d, const struct sg_file_key *key, const struct sg_peer *peer,
		       unsigned int seals, const char *name);

/* The key the kernel's programs use for fd's file (SG_IOC_KEY), or its
 * stat's (st, or fstat when NULL) where the kernel gives none.  0 or -errno. */
int sg_registry_key(struct sg_daemon *d, int fd, const struct stat *st, struct sg_file_key *key);

/* Makes sure the file under key has an entry before seals are added to
 * it, so that no seal is in force without one.  1: a placeholder was made
 * (for sg_registry_unreserve() if the seal fails), 0: it had one,
 * -EDQUOT: uid (not root) has SG_SEALED_PER_USER entries, -ENOSPC: the
 * registry is full, other -errno. */
int sg_registry_reserve(struct sg_daemon *d, const struct sg_file_key *key, uint32_t uid);

/* Removes a placeholder made by sg_registry_reserve() that got no seals. */
void sg_registry_unreserve(struct sg_daemon *d, const struct sg_file_key *key);

/* The path recorded for a file, or "" when none.  */
void sg_registry_path(struct sg_daemon *d, unsigned int major, unsigned int minor, unsigned long long ino, char *buf,
		      size_t len);

/* Up to max entries following *after (NULL: from the start), in hash
 * order.  The number filled in, or -errno; *more says whether more may
 * follow. */
int sg_registry_page(struct sg_daemon *d, const struct sg_file_key *after, struct sg_list_entry *out, unsigned int max,
		     bool *more);

/* Entries in the registry now. */
unsigned long long sg_registry_count(struct sg_daemon *d);

#endif
