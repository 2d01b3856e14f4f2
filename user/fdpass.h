/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Records with an fd attached (SCM_RIGHTS) over an AF_UNIX socket: the
 * control-message arithmetic, written once for the library, the daemon,
 * the tests and the benchmarks.  Internal: hidden from libsealguard's
 * exported symbols.
 */
#ifndef SEALGUARD_FDPASS_H
#define SEALGUARD_FDPASS_H

#include <sys/types.h>
#include <sys/uio.h>

/* Most fds one sg_fdpass_recv() makes room for. */
#define SG_FDPASS_MAX_FDS 16

/* What came with a record besides its bytes. */
struct sg_fdpass_in {
	int fds[SG_FDPASS_MAX_FDS]; /* close-on-exec; the caller closes them */
	int nfds;
	int msg_flags; /* recvmsg()'s: MSG_TRUNC, MSG_CTRUNC */
};

/* Sends iov[0..iovcnt) as one record with fd attached, or nothing
 * attached when fd < 0.  flags go to sendmsg() with MSG_NOSIGNAL: a
 * peer that went away is an error, not a signal.  Bytes sent or -errno. */
__attribute__((visibility("hidden"))) ssize_t sg_fdpass_send(int sock, const struct iovec *iov, size_t iovcnt, int fd,
							     int flags);

/* Receives one record into buf (len bytes) with room for max_fds fds
 * (at most SG_FDPASS_MAX_FDS): a record carrying more arrives with
 * MSG_CTRUNC and the kernel closes the rest, so the room offered is
 * the limit a caller enforces.  flags go to recvmsg() with
 * MSG_CMSG_CLOEXEC, so no fd reaches a child another thread execs before
 * the caller closes it.  The record's length (0 at end of file, or an
 * empty record: see in->nfds) or -errno; *in is set whenever it is >= 0. */
__attribute__((visibility("hidden"))) ssize_t sg_fdpass_recv(int sock, void *buf, size_t len, int max_fds, int flags,
							     struct sg_fdpass_in *in);

#endif
