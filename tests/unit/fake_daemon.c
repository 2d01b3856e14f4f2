// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fake sealguardd of the unit tests (fake_daemon.h).
 *
 * On the wire the fake does what user/daemon/server.c does: one record in
 * (room for SG_MSG_MAX + 1 bytes and 8 fds), decoded by
 * sg_request_decode(), a malformed one answered with its seq and the
 * error and the connection kept, every fd closed.  It also counts what
 * the real daemon would have refused, and seqs that do not go up by one
 * on a connection; every test ends by checking that there were none.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_daemon.h"
#include "fdpass.h"
#include "sealguard.h"
#include "sealguard_abi.h"

static void lock(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
}

static void unlock(struct fake *f)
{
	pthread_mutex_unlock(&f->lock);
}

/* One record, with nfds copies of fd attached (the daemon never sends
 * fds; the library must close any it gets). */
void send_record(int conn, const void *buf, size_t len, int fd, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		for (int i = 0; i < nfds; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
	}
	(void)!sendmsg(conn, &msg, MSG_NOSIGNAL);
}

void reply(int conn, uint16_t type, uint32_t seq, int32_t result, const void *body, size_t len)
{
	static _Thread_local char buf[SG_MSG_MAX];
	struct sg_msg_hdr h;

	sg_hdr_init(&h, type, seq, result, len);
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	send_record(conn, buf, sizeof(h) + len, -1, 0);
}

/* One message in, as server.c's serve_client(); false when the
 * connection is to go. */
static bool serve(struct fake *f, struct fake_conn *fc)
{
	static _Thread_local char data[SG_MSG_MAX + 1];
	struct sg_fdpass_in in;
	struct sg_msg_hdr h;
	int *fds = in.fds, nfds, r;
	struct stat st;
	ssize_t n = sg_fdpass_recv(fc->fd, data, sizeof(data), MAX_FDS, 0, &in);
	bool keep = true;

	if (n < 0)
		return n == -EINTR || n == -EAGAIN;
	nfds = in.nfds;
	if (n == 0 && nfds == 0)
		return false; /* SEQPACKET end of file */

	r = sg_request_decode(data, (size_t)n, nfds, &h);
	if (in.msg_flags & MSG_TRUNC)
		r = -EMSGSIZE;
	else if (in.msg_flags & MSG_CTRUNC)
		r = -EBADMSG;
	if (r < 0) {
		lock(f);
		f->malformed++;
		unlock(f);
		if (h.type < SG_OP_ADD_SEALS || h.type > SG_OP_MAX)
			h.type = SG_MSG_INVALID;
		reply(fc->fd, h.type, h.seq, r, NULL, 0);
		goto out;
	}

	lock(f);
	f->requests++;
	if (fc->seen && h.seq != fc->last_seq + 1)
		f->seq_errors++;
	fc->seen = true;
	fc->last_seq = h.seq;
	f->last = h;
	if (h.type == SG_OP_ADD_SEALS)
		memcpy(&f->last_seals, data + sizeof(h), sizeof(f->last_seals));
	f->last_ino = nfds && fstat(fds[0], &st) == 0 ? st.st_ino : 0;
	f->last_accmode = nfds ? fcntl(fds[0], F_GETFL) & O_ACCMODE : -1;
	unlock(f);
	keep = f->handler(f, fc->fd, &h, data + sizeof(h), nfds ? fds[0] : -1);
out:
	while (nfds--)
		close(fds[nfds]);
	return keep;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct fake_conn conns[MAX_CONNS];
	struct pollfd p[MAX_CONNS + 2];
	int nconn = 0;

	for (;;) {
		p[0] = (struct pollfd){ .fd = f->stop[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = f->listen_fd, .events = POLLIN };
		for (int i = 0; i < nconn; i++)
			p[2 + i] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (poll(p, (nfds_t)(nconn + 2), 20000) <= 0 || p[0].revents)
			break;
		for (int i = nconn - 1; i >= 0; i--) {
			if (!p[2 + i].revents)
				continue;
			if (!(p[2 + i].revents & POLLIN) || !serve(f, &conns[i])) {
				close(conns[i].fd);
				conns[i] = conns[--nconn];
			}
		}
		if (p[1].revents && nconn < MAX_CONNS) {
			int c = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && f->turn_away) {
				/* Late enough that the client's request is queued. */
				usleep(100000);
				reply(c, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
				close(c);
			} else if (c >= 0) {
				conns[nconn++] = (struct fake_conn){ .fd = c };
				lock(f);
				f->connections++;
				unlock(f);
			}
		}
	}
	for (int i = 0; i < nconn; i++)
		close(conns[i].fd);
	return NULL;
}

void fake_listen(struct fake *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(sa.sun_path, f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 16), 0);
	assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	f->up = true;
}

void fake_start(struct fake *f, fake_handler handler, void *data)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	strcpy(f->dir, "/tmp/sg-test-client.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/control.sock", f->dir);
	f->handler = handler;
	f->data = data;
	fake_listen(f);
	setenv(SG_SOCKET_ENV, f->path, 1);
}

/* Stops serving, closes every connection and removes the socket, as a
 * daemon that exits does. */
void fake_down(struct fake *f)
{
	if (!f->up)
		return; /* the test took it down itself */
	f->up = false;
	(void)!write(f->stop[1], "x", 1);
	pthread_join(f->thread, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->listen_fd);
	unlink(f->path);
}

int fake_get(struct fake *f, const int *field)
{
	int v;

	lock(f);
	v = *field;
	unlock(f);
	return v;
}

/* Whatever the test did, the library only sent what the daemon takes. */
void fake_check_clean(struct fake *f)
{
	assert_int_equal(fake_get(f, &f->malformed), 0);
	assert_int_equal(fake_get(f, &f->seq_errors), 0);
}

void fake_stop(struct fake *f)
{
	fake_down(f);
	fake_check_clean(f);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->lock);
}

struct last_request fake_last(struct fake *f)
{
	struct last_request l;

	lock(f);
	l = (struct last_request){
		.h = f->last, .seals = f->last_seals, .ino = f->last_ino, .accmode = f->last_accmode
	};
	unlock(f);
	return l;
}

/* ---- handlers ------------------------------------------------------------ */

bool answer_seals(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	const struct seal_answers *a = f->data;
	struct stat st;

	if (h->type == SG_OP_ADD_SEALS)
		reply(conn, h->type, h->seq, a ? a->add : 0, NULL, 0);
	else if (h->type == SG_OP_GET_SEALS && a && a->get != NO_ANSWER)
		reply(conn, h->type, h->seq, a->get, NULL, 0);
	else if (h->type == SG_OP_GET_SEALS && fstat(fd, &st) == 0)
		reply(conn, h->type, h->seq, (int32_t)st.st_size, NULL, 0);
	else
		reply(conn, h->type, h->seq, -EPERM, NULL, 0);
	return true;
}

/* ---- fixtures ------------------------------------------------------------ */

/* A fake daemon per test, at $SEALGUARD_SOCKET, answering with
 * answer_seals until the test says otherwise (fake_answer). */
int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_start(f, answer_seals, NULL);
	*state = f;
	return 0;
}

/* Stopped even when the test failed; whatever the test did, the library
 * must only have sent what the daemon takes. */
int fake_teardown(void **state)
{
	struct fake *f = *state;

	fake_stop(f);
	free(f);
	return 0;
}

/* Set before the calls it is to answer: the fake reads it per request. */
void fake_answer(struct fake *f, fake_handler handler, void *data)
{
	f->handler = handler;
	f->data = data;
}
