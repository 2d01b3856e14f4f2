/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One seal request (SG_OP_ADD_SEALS): what the daemon knows of the file and
 * of the requester, each fact read once, then handed whole to the steps
 * that add, record, fence and save the seals (docs/protocol.md).
 */
#ifndef SG_SEAL_REQUEST_H
#define SG_SEAL_REQUEST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "daemon.h"
#include "fence.h"
#include "protocol.h"

struct sg_seal_request {
	/* The file: the requester's own struct file (SCM_RIGHTS). */
	int fd;
	unsigned int seals; /* as asked, unknown bits included */
	int flags;	    /* F_GETFL, or -errno (-EBADF for an O_PATH fd) */
	int stat_err;	    /* 0, or -errno of fstat */
	struct stat st;
	int statfs_err; /* 0, or -errno of fstatfs */
	struct statfs sf;
	int native;	     /* seals the kernel keeps itself, -1: not natively sealable */
	char name[PATH_MAX]; /* /proc/self/fd's link, "" when unreadable */

	/* The requester, when the request came from a client. */
	const struct sg_client *client;
	bool cgroup_known;
	char cgroup_raw[256]; /* /proc/PID/cgroup, as the policy matches it */
	char cgroup[256];     /* the same, printable, "?" when unknown */

	/* Set by sg_seal_request_apply(). */
	bool has_key;
	struct sg_file_key key; /* the registry's (SG_IOC_KEY) */
};

/* The file's facts alone (fd, flags, stat, statfs, native seals): what
 * adding seals decides on.  No /proc read. */
void sg_seal_request_file(struct sg_seal_request *r, int fd, unsigned int seals);

/* Everything: the file's facts, its name (/proc/self/fd, once) and the
 * requester's cgroup (/proc/PID/cgroup, once). */
void sg_seal_request_fill(struct sg_seal_request *r, const struct sg_client *c, int fd, unsigned int seals);

/* Decides, adds, records, fences and saves: 0, SG_REPLY_DEFERRED when
 * the reply waits for the fence (sent to late), or -errno as fcntl
 * (F_ADD_SEALS) or the policy would answer. */
int32_t sg_seal_request_apply(struct sg_daemon *d, struct sg_seal_request *r, const struct sg_fence_reply *late);

#endif
