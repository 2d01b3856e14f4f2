/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_SEAL_OPS_H
#define SG_SEAL_OPS_H

#include "daemon.h"
#include "fence.h"
#include "seal_request.h"

/* fcntl(F_ADD_SEALS) for any regular file: 0 or the kernel's -errno. */
int sg_seal_add(struct sg_daemon *d, int fd, unsigned int seals);

/* The same for a request whose facts are read (seal_request.h): the seals
 * in force after it, as the kernel answered them (SG_IOC_SEALS_ERRNO), or
 * -errno. */
int sg_seal_add_request(struct sg_daemon *d, const struct sg_seal_request *req);

/* fcntl(F_GET_SEALS) for any regular file: seals or -errno. */
int sg_seal_get(struct sg_daemon *d, int fd);

/* fcntl(F_GETFL), -EBADF for an O_PATH fd as fcntl(F_ADD_SEALS) says. */
int sg_seal_open_flags(int fd);

/* Seals the kernel keeps itself on fd's file, or -1 when it cannot be
 * sealed natively (then they are sealguard's alone). */
int sg_seal_native(int fd);

/* After the registry lists the request's file as sealed: for a file
 * reached through overlayfs, opens it once more, which gives the real file
 * in the layer below the same seals (bpf/sg_overlay.h).  Otherwise nothing. */
void sg_seal_propagate(const struct sg_seal_request *req);

/* After the registry lists fd's file with seals: makes every write already
 * checked against the file either land before the client is answered or
 * be judged again under the inode lock (bpf/sg_fence.h).  Returns 1 when
 * the fence outlasted a WRITE seal's wait for mappings (200 ms) and its
 * thread answers (reply), else 0.  A fence that fails is logged: the seals
 * stay in force with the window of a check made before the lock. */
int sg_seal_fence(struct sg_daemon *d, int fd, unsigned int seals, uid_t uid, const struct sg_fence_reply *reply);
int sg_seal_fence_request(struct sg_daemon *d, const struct sg_seal_request *req, uid_t uid,
			  const struct sg_fence_reply *reply);

#endif
