// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every wait is bounded by the call's deadline (poll, plus socket timeouts
 * for connect(), which cannot be polled on AF_UNIX).  Replies carry the
 * request's sequence number, so a reply that arrives after its call gave
 * up is never taken for the next one; giving up closes the connection
 * anyway.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fdpass.h"

/* Room for fds the daemon never sends but which must not leak if it does;
 * any beyond this the kernel drops itself and flags MSG_CTRUNC. */
#define SG_CLIENT_MAX_STRAY_FDS 8

const char *sg_conn_default_path(void)
{
	/* secure_getenv: a set-id program must not be pointed at a fake
	 * daemon that reports whatever seals the invoking user likes. */
	const char *p = secure_getenv(SG_SOCKET_ENV);

	return p && *p ? p : SG_DEFAULT_SOCKET;
}

int sg_conn_default_timeout(void)
{
	/* secure_getenv, as for the path; anything but a number in range
	 * (a typo) leaves the default. */
	const char *p = secure_getenv(SG_TIMEOUT_ENV);
	char *end;
	long ms;

	if (!p || !*p)
		return SG_DEFAULT_TIMEOUT_MS;
	errno = 0;
	ms = strtol(p, &end, 10);
	if (errno || *end || ms < 1 || ms > 3600000)
		return SG_DEFAULT_TIMEOUT_MS;
	return (int)ms;
}

/* Milliseconds left before deadline (-1: none), at least 0. */
static int left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : (int)(left > 0x7fffffff ? 0x7fffffff : left);
}

void sg_conn_close_locked(struct sg_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->subscribed = false;
}

static int do_connect(struct sg_conn *c, int64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ms = left_ms(deadline);
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	size_t len;
	int sk, r;

	if (c->path_from_env) {
		const char *p = sg_conn_default_path();

		if (strlen(p) >= sizeof(c->path))
			return -ENAMETOOLONG;
		strcpy(c->path, p);
	}
	len = strlen(c->path);
	memcpy(sa.sun_path, c->path, len + 1);

	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -errno;
	/* A full listen backlog blocks connect() for the send timeout. */
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	if (setsockopt(sk, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		goto fail;
	}
	/* An interrupted AF_UNIX connect() leaves the socket unconnected,
	 * so it can simply be issued again. */
	do
		r = connect(sk, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + len + 1);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		goto fail;
	}
	c->fd = sk;
	c->pid = getpid();
	return 0;
fail:
	close(sk);
	return r;
}

int sg_conn_open(struct sg_conn *c)
{
	int r = 0;

	pthread_mutex_lock(&c->lock);
	if (c->fd < 0)
		r = do_connect(c, now_ms() + (c->timeout_ms > 0 ? c->timeout_ms : sg_conn_default_timeout()));
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, left_ms(deadline));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	return 0;
}

static int send_request(struct sg_conn *c, struct sg_call *call, int64_t deadline)
{
	struct sg_msg_hdr h;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)call->body, .iov_len = call->body_len },
	};
	ssize_t n;
	int r;

	sg_hdr_init(&h, call->type, ++c->seq, 0, call->body_len);
	h.flags = call->flags;
	r = wait_for(c->fd, POLLOUT, deadline);
	if (r < 0)
		return r;
	do
		n = sg_fdpass_send(c->fd, iov, call->body_len ? 2 : 1, call->fd, MSG_DONTWAIT);
	while (n == -EINTR);
	if (n < 0)
		return n == -EAGAIN ? -ETIMEDOUT : (int)n;
	/* SEQPACKET sends a record whole or not at all. */
	return (size_t)n == sizeof(h) + call->body_len ? 0 : -EPROTO;
}

/* One message into buf (SG_MSG_MAX bytes); its length or -errno. */
static ssize_t recv_msg(int fd, void *buf, int64_t deadline)
{
	struct sg_fdpass_in in;
	ssize_t n;
	int r;

	r = wait_for(fd, POLLIN, deadline);
	if (r < 0)
		return r;
	do
		n = sg_fdpass_recv(fd, buf, SG_MSG_MAX, SG_CLIENT_MAX_STRAY_FDS, MSG_DONTWAIT, &in);
	while (n == -EINTR);
	if (n < 0)
		return n == -EAGAIN ? -ETIMEDOUT : n;
	/* The daemon never sends fds: whatever came is closed unused. */
	for (int i = 0; i < in.nfds; i++)
		close(in.fds[i]);
	if (n == 0)
		return -ECONNRESET; /* the daemon closed without answering */
	if (in.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EBADMSG;
	return n;
}

/* Waits for the reply to the request just sent; events are skipped. */
static int recv_reply(struct sg_conn *c, struct sg_call *call, int64_t deadline)
{
	char buf[SG_MSG_MAX];
	struct sg_msg_hdr h;
	size_t body_len;
	ssize_t n;
	int r;

	for (;;) {
		n = recv_msg(c->fd, buf, deadline);
		if (n < 0)
			return (int)n;
		r = sg_reply_decode(buf, (size_t)n, call->type, &h);
		if (r < 0)
			return r;
		if (h.type == SG_MSG_ERROR)
			return h.result; /* e.g. -EAGAIN: too many clients */
		if (h.type == SG_MSG_EVENT || h.seq != c->seq)
			continue;
		body_len = (size_t)n - sizeof(h);
		if (body_len > call->reply_cap)
			return -EBADMSG;
		memcpy(call->reply, buf + sizeof(h), body_len);
		call->reply_len = body_len;
		call->result = h.result;
		return 0;
	}
}

/*
 * A daemon that turns a connection away (too many clients) says why in
 * SG_MSG_ERROR and closes; if our request was already queued, the close
 * resets the connection and recv() reports ECONNRESET (or send() EPIPE)
 * before the message that explains it, which is still queued.
 */
static int queued_error(struct sg_conn *c, int r)
{
	char buf[SG_MSG_MAX];
	struct sg_msg_hdr h;
	ssize_t n;

	if (r != -ECONNRESET && r != -EPIPE)
		return r;
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n > 0 && sg_reply_decode(buf, (size_t)n, 0, &h) == 0 && h.type == SG_MSG_ERROR)
		return h.result;
	return r;
}

/* Errors that mean the daemon closed a connection we were reusing. */
static bool stale_connection(int r)
{
	return r == -EPIPE || r == -ECONNRESET || r == -ENOTCONN || r == -ECONNREFUSED;
}

int sg_conn_call(struct sg_conn *c, struct sg_call *call)
{
	int64_t deadline;
	int r = 0;

	/* The timeout counts from our turn on the connection: time spent
	 * behind other threads' calls (each bounded by its own timeout) must
	 * not make this one send a request and then give up on its answer,
	 * which for a seal would report failure for a seal applied. */
	pthread_mutex_lock(&c->lock);
	deadline = now_ms() + (c->timeout_ms > 0 ? c->timeout_ms : sg_conn_default_timeout());
	if (c->subscribed) {
		r = -EINVAL; /* an event stream answers no requests */
		goto out;
	}
	if (c->fd >= 0 && c->pid != getpid()) {
		/* Inherited across fork(): the parent owns the conversation.
		 * Closing our copy does not disturb it. */
		close(c->fd);
		c->fd = -1;
	}
	if (c->fd >= 0 && c->path_from_env && strcmp(c->path, sg_conn_default_path()) != 0)
		sg_conn_close_locked(c);

	for (int attempt = 0; attempt < 2; attempt++) {
		bool fresh = c->fd < 0;

		if (fresh) {
			r = do_connect(c, deadline);
			if (r < 0)
				break;
		}
		r = send_request(c, call, deadline);
		if (r == 0)
			r = recv_reply(c, call, deadline);
		if (r == 0)
			break;
		r = queued_error(c, r);
		sg_conn_close_locked(c);
		/* A daemon restarted since our last call: try once on a new
		 * connection.  Seal requests are idempotent, so a reply lost
		 * with the old daemon does no harm when repeated. */
		if (fresh || !stale_connection(r))
			break;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}

int sg_conn_recv_event(struct sg_conn *c, struct sg_body_event *ev, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	char buf[SG_MSG_MAX];
	struct sg_msg_hdr h;
	ssize_t n;
	int r;

	pthread_mutex_lock(&c->lock);
	if (!c->subscribed || c->fd < 0) {
		r = -EINVAL;
		goto out;
	}
	for (;;) {
		n = recv_msg(c->fd, buf, deadline);
		if (n < 0) {
			r = (int)n;
			break;
		}
		r = sg_reply_decode(buf, (size_t)n, SG_MSG_EVENT, &h);
		if (r < 0)
			break;
		if (h.type == SG_MSG_ERROR) {
			r = h.result;
			break;
		}
		if (h.type != SG_MSG_EVENT)
			continue;
		memcpy(ev, buf + sizeof(h), sizeof(*ev));
		r = 0;
		break;
	}
	if (r < 0 && r != -ETIMEDOUT)
		sg_conn_close_locked(c);
out:
	pthread_mutex_unlock(&c->lock);
	return r;
}
