// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsealguard: one connection per call, so there is no shared state and
 * the calls are trivially thread-safe (cached connections: issue #3).
 *
 * Errors that come from the daemon are the kernel's fcntl errnos (EBADF,
 * EINVAL, EPERM, EBUSY, ...).  Errors from reaching it are left as the
 * socket calls report them, so a caller can tell the two apart:
 *   ENOENT, ECONNREFUSED, EACCES  connect(): no daemon, or not allowed
 *   ENAMETOOLONG                  socket path does not fit sun_path
 *   ETIMEDOUT                     no progress within SG_CLIENT_TIMEOUT_SEC
 *   ECONNRESET, EPIPE             the daemon hung up mid-call
 *   EBADMSG, EPROTO               the reply is not one we understand
 * None of these is returned by fcntl(F_ADD_SEALS/F_GET_SEALS) itself.
 */
#include "sealguard.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "protocol.h"

/*
 * Long enough for a WRITE seal that waits for in-flight mmaps to drain,
 * short enough that a wedged daemon does not hang its clients.
 */
#define SG_CLIENT_TIMEOUT_SEC 5

/*
 * Room for fds the daemon never sends but which must not leak if it does;
 * any beyond this the kernel drops itself and flags MSG_CTRUNC.
 */
#define SG_CLIENT_MAX_STRAY_FDS 8

static int timeout_errno(int err)
{
	/* SO_{RCV,SND}TIMEO expiry shows up as EAGAIN, which for fcntl callers
	 * would read as "try again now" rather than "the daemon is stuck". */
	return err == EAGAIN || err == EWOULDBLOCK ? ETIMEDOUT : err;
}

static const char *socket_path(void)
{
	/* secure_getenv: a set-id program must not be pointed at a fake
	 * daemon that reports whatever seals the invoking user likes. */
	const char *p = secure_getenv(SG_SOCKET_ENV);

	return p && *p ? p : SG_DEFAULT_SOCKET;
}

static int connect_daemon(void)
{
	const struct timeval tv = { .tv_sec = SG_CLIENT_TIMEOUT_SEC };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = socket_path();
	size_t len = strlen(path);
	int sk, r;

	if (len >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, len + 1);

	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -errno;

	/* Before connect(): a full listen backlog blocks connect() for the
	 * send timeout, so an overloaded daemon times out here too. */
	if (setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		goto fail;
	}

	/* An interrupted AF_UNIX connect() leaves the socket unconnected,
	 * so it can simply be issued again. */
	do
		r = connect(sk, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + len + 1);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -timeout_errno(errno);
		goto fail;
	}
	return sk;

fail:
	close(sk);
	return r;
}

static int send_request(int sk, int fd, enum sg_op op, unsigned int seals)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct sg_request req;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	sg_request_init(&req, op, seals);
	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	do
		n = sendmsg(sk, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -timeout_errno(errno);
	/* SEQPACKET sends a record whole or not at all. */
	if ((size_t)n != sizeof(req))
		return -EPROTO;
	return 0;
}

static void close_stray_fds(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int stray;

			memcpy(&stray, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(stray);
		}
	}
}

static int recv_reply(int sk, enum sg_op op, int32_t *result)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(SG_CLIENT_MAX_STRAY_FDS * sizeof(int))];
	} control;
	char buf[sizeof(struct sg_reply)];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct sg_reply rep;
	ssize_t n;
	int r;

	/* MSG_CMSG_CLOEXEC: a stray fd must not reach a child that another
	 * thread execs before close_stray_fds() runs. */
	do
		n = recvmsg(sk, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -timeout_errno(errno);

	close_stray_fds(&msg);

	/* EOF: the daemon closed the connection without answering. */
	if (n == 0)
		return -ECONNRESET;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EBADMSG;

	r = sg_reply_decode(buf, (size_t)n, (uint16_t)op, &rep);
	if (r < 0)
		return r;
	/* F_ADD_SEALS succeeds with exactly 0; anything else is a broken daemon. */
	if (op == SG_OP_ADD_SEALS && rep.result > 0)
		return -EBADMSG;
	*result = rep.result;
	return 0;
}

/*
 * Returns the daemon's result (>= 0 or -errno from the operation), or
 * -errno if the call itself failed; both end up in errno the same way.
 */
static int call(int fd, enum sg_op op, unsigned int seals)
{
	int32_t result = 0;
	int sk, r, fl;

	/* fcntl()'s own checks, without bothering the daemon: a closed fd,
	 * and an O_PATH fd, which fcntl() rejects for everything but fd flags. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (fl & O_PATH)
		return -EBADF;

	sk = connect_daemon();
	if (sk < 0)
		return sk;

	r = send_request(sk, fd, op, seals);
	if (r == 0)
		r = recv_reply(sk, op, &result);
	close(sk);

	return r < 0 ? r : result;
}

static int to_fcntl_result(int r)
{
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

int sg_add_seals(int fd, unsigned int seals)
{
	return to_fcntl_result(call(fd, SG_OP_ADD_SEALS, seals));
}

int sg_get_seals(int fd)
{
	return to_fcntl_result(call(fd, SG_OP_GET_SEALS, 0));
}
