/* SPDX-License-Identifier: GPL-2.0 */
/* The fence after a seal: see fence.c and bpf/sg_fence.h. */
#ifndef SG_FENCE_H
#define SG_FENCE_H

#include <stdatomic.h>

/* Fences fd's inode in the calling thread: 0, or -errno when the inode
 * lock was not taken or its S_NOSEC mark not cleared (-EEXIST: file
 * capabilities appeared meanwhile and were emptied), or fallocates in
 * flight did not drain (-EBUSY; falloc_fd: sg_falloc_inflight, or -1). */
int sg_fence_fd(int fd, int falloc_fd);

/* Fences fd's inode from a thread of its own, waiting at most wait_ms:
 * sg_fence_fd's answer, -ETIMEDOUT when the lock is still held (the fence
 * goes on), -EMFILE when too many earlier fences still wait. */
int sg_fence(atomic_int *waiting, int fd, int falloc_fd, unsigned int wait_ms);

#endif
