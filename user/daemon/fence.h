/* SPDX-License-Identifier: GPL-2.0 */
/* The fence after a seal: see fence.c and bpf/sg_fence.h. */
#ifndef SG_FENCE_H
#define SG_FENCE_H

#include <stdint.h>

/* Fences fd's inode in the calling thread: 0, or -errno when the inode
 * lock was not taken or its S_NOSEC mark not cleared (-EEXIST: file
 * capabilities appeared meanwhile and were emptied), or fallocates in
 * flight did not drain (-EBUSY; falloc_fd: sg_falloc_inflight, or -1). */
int sg_fence_fd(int fd, int falloc_fd);

/* The threads fences run in, kept between fences (fence.c). */
struct sg_fence_pool;
struct sg_fence_pool *sg_fence_pool_new(void);

/* The answer a fence sends itself when it outlasts the request's wait:
 * a header with result 0, on a socket of the fence's own (sock >= 0). */
struct sg_fence_reply {
	int sock;
	uint16_t type;
	uint32_t seq;
};

/*
 * Fences fd's inode from a thread of its own, waiting at most wait_ms:
 * sg_fence_fd's answer, or -EMFILE when every worker is still busy with
 * an earlier fence (16 of them).  When the fence goes on past wait_ms: -EINPROGRESS if reply was
 * given (the thread answers the client once the fence is done, as
 * F_ADD_SEALS returns once the inode lock is free), else -ETIMEDOUT.
 */
int sg_fence(struct sg_fence_pool *pool, int fd, int falloc_fd, unsigned int wait_ms,
	     const struct sg_fence_reply *reply);

#endif
