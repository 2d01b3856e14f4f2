/* SPDX-License-Identifier: GPL-2.0 */
/* The fence after a seal: see fence.c and bpf/sg_fence.h. */
#ifndef SG_FENCE_H
#define SG_FENCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The pinned maps a fence reads: sg_falloc_inflight, sg_write_pending and
 * sg_write_phase (bpf/sg_maps.h); -1 where there are none (no BPF). */
struct sg_fence_maps {
	int falloc;
	int write_pending;
	int write_phase;
};

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
 * Fences fd's inode from a thread of its own, waiting at most wait_ms.
 * 0 once it is done; -errno when it was not done in full: writes in
 * flight did not return within 2 s (-ETIME), the inode lock was not taken
 * or its S_NOSEC mark not cleared (-EEXIST: file capabilities appeared
 * meanwhile and were emptied), fallocates in flight did not return within
 * 2 s (-EBUSY), uid already has as many fences waiting as one user may
 * (-EAGAIN; sg_fence_admit says so before the seal is added).  A fence for
 * which every worker is busy waits for one.  When the fence goes on past
 * wait_ms: -EINPROGRESS if reply was given (the thread answers the client
 * once the fence is done, as F_ADD_SEALS returns once the inode lock is
 * free), else -ETIMEDOUT.
 */
int sg_fence(struct sg_fence_pool *pool, int fd, uid_t uid, const struct sg_fence_maps *maps, unsigned int wait_ms,
	     const struct sg_fence_reply *reply);

/* 0 if uid may start one more fence now, -EAGAIN if not: its earlier
 * fences still wait for their inode locks (at most 4 per user). */
int sg_fence_admit(struct sg_fence_pool *pool, uid_t uid);

/* What sg_fence's answer r (not 0) leaves unfenced, for the log. */
void sg_fence_explain(int r, char *buf, size_t len);

#endif
