// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

ssize_t sg_fdpass_send(int sock, const struct iovec *iov, size_t iovcnt, int fd, int flags)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	n = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
}

ssize_t sg_fdpass_recv(int sock, void *buf, size_t len, int max_fds, int flags, struct sg_fdpass_in *in)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * SG_FDPASS_MAX_FDS)];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (max_fds < 0 || max_fds > SG_FDPASS_MAX_FDS)
		return -EINVAL;
	/* Only as much room as asked for: what does not fit is MSG_CTRUNC. */
	if (max_fds > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)max_fds);
	}
	n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	in->nfds = 0;
	in->msg_flags = msg.msg_flags;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t cnt;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			/* Cannot happen with the room offered; never leak one. */
			if (in->nfds == max_fds)
				close(fd);
			else
				in->fds[in->nfds++] = fd;
		}
	}
	return n;
}
