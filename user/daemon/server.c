// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: SOCK_SEQPACKET, one request per message, the file
 * passed with SCM_RIGHTS, one reply per request.  Issue #3 extends it;
 * for now authorization is native-equivalent (the BPF side checks that the
 * passed file is open for writing, as memfd_add_seals does).
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "protocol.h"
#include "seal_ops.h"

#define MAX_CLIENTS 256
#define MAX_FDS 8 /* more than one is an error, but all must be closed */

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int sg_server_open(struct sg_daemon *d, char *why, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	int r;

	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(why, len, "socket path %s is too long", d->socket_path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->socket_path);

	r = make_parent_dir(d->socket_path);
	if (r < 0) {
		snprintf(why, len, "cannot create the directory of %s (%s)", d->socket_path, strerror(-r));
		return r;
	}
	d->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0)
		goto fail_errno;
	/* A socket file left by a daemon that died is stale by now. */
	unlink(d->socket_path);
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail_errno;
	/* Anyone may ask; what is granted is decided per request. */
	if (chmod(d->socket_path, 0666) < 0 || listen(d->listen_fd, 64) < 0)
		goto fail_errno;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->signal_fd < 0 || d->epoll_fd < 0)
		goto fail_errno;
	ev.data.fd = d->listen_fd;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->listen_fd, &ev) < 0)
		goto fail_errno;
	ev.data.fd = d->signal_fd;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->signal_fd, &ev) < 0)
		goto fail_errno;
	return 0;

fail_errno:
	r = -errno;
	snprintf(why, len, "cannot serve the control socket %s (%s)", d->socket_path, strerror(-r));
	return r;
}

static void accept_client(struct sg_daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (d->nclients >= MAX_CLIENTS) {
		close(fd);
		return;
	}
	ev.data.fd = fd;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return;
	}
	d->nclients++;
}

static void drop_client(struct sg_daemon *d, int fd)
{
	epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	d->nclients--;
}

static int32_t handle(struct sg_daemon *d, const struct sg_request *req, const int *fds, int nfds)
{
	if (nfds != 1)
		return -EBADMSG;
	switch (req->op) {
	case SG_OP_ADD_SEALS:
		return sg_seal_add(d, fds[0], req->seals);
	case SG_OP_GET_SEALS:
		return sg_seal_get(d, fds[0]);
	default:
		return -EOPNOTSUPP;
	}
}

/* One message, one reply.  false when the client is gone. */
static bool serve_client(struct sg_daemon *d, int cfd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	char data[256];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct sg_request req = { 0 };
	struct sg_reply rep;
	struct cmsghdr *c;
	int fds[MAX_FDS], nfds = 0, i;
	int32_t result;
	ssize_t n;

	n = recvmsg(cfd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k, cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt && nfds < MAX_FDS; k++)
			memcpy(&fds[nfds++], CMSG_DATA(c) + k * sizeof(int), sizeof(int));
	}
	if (n == 0 && nfds == 0)
		return false;

	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		result = -EMSGSIZE;
	else
		result = sg_request_decode(data, (size_t)n, &req);
	if (result == 0)
		result = handle(d, &req, fds, nfds);
	for (i = 0; i < nfds; i++)
		close(fds[i]);

	sg_reply_init(&rep, req.op, result);
	if (send(cfd, &rep, sizeof(rep), MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
		return false;
	if (d->verbose)
		fprintf(stderr, "sealguardd: request op=%u seals=0x%x -> %d\n", req.op, req.seals, result);
	return true;
}

int sg_server_run(struct sg_daemon *d)
{
	struct epoll_event evs[16];
	int i, n;

	for (;;) {
		n = epoll_wait(d->epoll_fd, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d->signal_fd)
				return 0;
			if (fd == d->listen_fd)
				accept_client(d);
			else if (!serve_client(d, fd) || (evs[i].events & (EPOLLHUP | EPOLLERR) && !(evs[i].events & EPOLLIN)))
				drop_client(d, fd);
		}
	}
}

void sg_server_close(struct sg_daemon *d)
{
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->socket_path);
	}
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	d->listen_fd = d->epoll_fd = d->signal_fd = -1;
}
