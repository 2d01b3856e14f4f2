// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsealguard against a fake sealguardd: a thread serving any number of
 * connections on a socket in a temporary directory, answering each
 * request through the test's handler and recording what it received.
 * cmocka's asserts longjmp, so only the main thread asserts.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocol.h"
#include "sealguard.h"
#include "sealguard_abi.h"

#define MAX_CONNS 32

struct fake;

/* Answers one request on conn (with reply()), or not.  Returns false to
 * close the connection afterwards. */
typedef bool (*fake_handler)(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body,
			     int fd);

struct fake {
	char dir[64];
	char path[108];
	int listen_fd;
	int stop[2];
	pthread_t thread;
	fake_handler handler;
	void *data;
	bool turn_away; /* as the real daemon when full: SG_MSG_ERROR, close, unread */

	pthread_mutex_t lock; /* guards what follows */
	int connections;
	int requests;
	uint16_t last_type;
	uint32_t last_seals;
	ino_t last_ino;
};

static void reply(int conn, uint16_t type, uint32_t seq, int32_t result, const void *body, size_t len)
{
	char buf[SG_MSG_MAX];
	struct sg_msg_hdr h;

	sg_hdr_init(&h, type, seq, result, len);
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), body, len);
	(void)!send(conn, buf, sizeof(h) + len, MSG_NOSIGNAL);
}

/* One message in, decoded; false when the connection is to go. */
static bool serve(struct fake *f, int conn)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} ctl;
	char data[SG_MSG_MAX];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct sg_msg_hdr h;
	int fd = -1, nfds = 0;
	struct stat st;
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	bool keep;

	if (n <= 0)
		return false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
		}
	if (sg_request_decode(data, (size_t)n, nfds, &h) < 0) {
		/* The library must never send what the daemon rejects. */
		reply(conn, 0, 0, -EBADMSG, NULL, 0);
		keep = false;
		goto out;
	}
	pthread_mutex_lock(&f->lock);
	f->requests++;
	f->last_type = h.type;
	if (h.type == SG_OP_ADD_SEALS)
		memcpy(&f->last_seals, data + sizeof(h), sizeof(f->last_seals));
	f->last_ino = fd >= 0 && fstat(fd, &st) == 0 ? st.st_ino : 0;
	pthread_mutex_unlock(&f->lock);
	keep = f->handler(f, conn, &h, data + sizeof(h), fd);
out:
	if (fd >= 0)
		close(fd);
	return keep;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct pollfd p[MAX_CONNS + 2];
	int nconn = 0;

	p[0] = (struct pollfd){ .fd = f->stop[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = f->listen_fd, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)(nconn + 2), 20000) <= 0 || p[0].revents)
			break;
		if (p[1].revents && nconn < MAX_CONNS) {
			int c = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && f->turn_away) {
				/* Late enough that the client's request is queued. */
				usleep(100000);
				reply(c, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
				close(c);
			} else if (c >= 0) {
				p[2 + nconn++] = (struct pollfd){ .fd = c, .events = POLLIN };
				pthread_mutex_lock(&f->lock);
				f->connections++;
				pthread_mutex_unlock(&f->lock);
			}
		}
		for (int i = 0; i < nconn; i++) {
			if (!p[2 + i].revents)
				continue;
			if (!(p[2 + i].revents & POLLIN) || !serve(f, p[2 + i].fd)) {
				close(p[2 + i].fd);
				p[2 + i] = p[2 + --nconn];
				i--;
			}
		}
	}
	for (int i = 0; i < nconn; i++)
		close(p[2 + i].fd);
	return NULL;
}

static void fake_listen(struct fake *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(sa.sun_path, f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 16), 0);
	assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_start(struct fake *f, fake_handler handler, void *data)
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

/* Stops serving and removes the socket, as a daemon that exits does. */
static void fake_down(struct fake *f)
{
	(void)!write(f->stop[1], "x", 1);
	pthread_join(f->thread, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->listen_fd);
	unlink(f->path);
}

static void fake_stop(struct fake *f)
{
	fake_down(f);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->lock);
}

static int fake_get(struct fake *f, int *field)
{
	int v;

	pthread_mutex_lock(&f->lock);
	v = *field;
	pthread_mutex_unlock(&f->lock);
	return v;
}

static int tmpfile_fd(off_t size)
{
	int fd = open("/tmp", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	return fd;
}

/* ---- handlers ------------------------------------------------------------ */

/* ADD answers with f->data's int; GET with the file's size, so that every
 * caller can tell its own answer. */
static bool answer_seals(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	struct stat st;

	if (h->type == SG_OP_ADD_SEALS)
		reply(conn, h->type, h->seq, f->data ? *(int *)f->data : 0, NULL, 0);
	else if (fstat(fd, &st) == 0)
		reply(conn, h->type, h->seq, (int32_t)st.st_size, NULL, 0);
	return true;
}

static bool answer_once_then_close(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body,
				   int fd)
{
	answer_seals(f, conn, h, body, fd);
	return false;
}

static bool answer_never(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	return true;
}

/* A stale reply (earlier seq), an event, then the real one. */
static bool answer_after_noise(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body,
			       int fd)
{
	struct sg_body_event ev = { .ev = { .op = SG_EV_MMAP } };

	reply(conn, h->type, h->seq - 1, 1, NULL, 0);
	reply(conn, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
	reply(conn, h->type, h->seq, 2, NULL, 0);
	return true;
}

static bool answer_garbage(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	struct sg_msg_hdr bad;

	sg_hdr_init(&bad, h->type, h->seq, 0, 0);
	bad.magic = 0x12345678;
	(void)!send(conn, &bad, sizeof(bad), MSG_NOSIGNAL);
	return true;
}

static bool answer_busy(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	reply(conn, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
	return false;
}

static bool answer_admin(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	switch (h->type) {
	case SG_OP_STATUS: {
		struct sg_body_status st = { .daemon_pid = 4321, .clients = 3, .max_clients = 256,
					     .requests_allowed = 7, .events_dropped = 2 };

		strcpy(st.version, "9.9.9");
		st.denials[SG_EV_MPROTECT] = 5;
		reply(conn, h->type, h->seq, 0, &st, sizeof(st));
		return true;
	}
	case SG_OP_RELOAD: {
		struct sg_body_reload rb = { .generation = 12, .rules = 3 };

		strcpy(rb.message, "policy.yaml:4:7: unknown seal 'wrte'");
		reply(conn, h->type, h->seq, -EINVAL, &rb, sizeof(rb));
		return true;
	}
	case SG_OP_SUBSCRIBE: {
		struct sg_body_event ev = { .ev = { .op = SG_EV_WRITE, .err = -EPERM, .pid = 77, .ino = 99,
						    .seals = SG_SEAL_WRITE, .suppressed = 4 } };

		reply(conn, h->type, h->seq, 0, NULL, 0);
		memcpy(ev.ev.comm, "sixteen-chars-xx", 16); /* not NUL-terminated */
		strcpy(ev.path, "/dev/shm/x");
		reply(conn, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
		ev.ev.op = SG_EV_CHMOD;
		reply(conn, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
		return true;
	}
	default:
		reply(conn, h->type, h->seq, -EPERM, NULL, 0);
		return true;
	}
}

#define REGISTRY_SIZE 130

/* LIST over a registry of REGISTRY_SIZE files, ino 1000.., in pages of
 * the size asked, continuing after the key given. */
static bool answer_list(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	static char buf[SG_MSG_MAX];
	struct sg_body_list_req req;
	struct sg_body_list *out = (struct sg_body_list *)buf;
	uint64_t next = 1000;

	memcpy(&req, body, sizeof(req));
	if (h->flags & SG_LIST_F_AFTER)
		next = req.after.ino + 1;
	memset(buf, 0, sizeof(buf));
	out->count = 0;
	while (out->count < req.max && next < 1000 + REGISTRY_SIZE) {
		struct sg_list_entry *e = &out->entries[out->count++];

		e->key.ino = next;
		e->key.dev_major = 0;
		e->key.dev_minor = 42;
		e->rec.seals = SG_SEAL_GROW;
		snprintf(e->rec.path, sizeof(e->rec.path), "/dev/shm/f%llu", (unsigned long long)next);
		next++;
	}
	out->more = next < 1000 + REGISTRY_SIZE;
	reply(conn, h->type, h->seq, 0, buf, sizeof(*out) + out->count * sizeof(struct sg_list_entry));
	return true;
}

/* ---- tests --------------------------------------------------------------- */

static void test_add_and_get(void **state)
{
	struct fake f;
	int answer = 0, fd = tmpfile_fd(0x0c), r;
	struct stat st;

	fake_start(&f, answer_seals, &answer);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(sg_add_seals(fd, SG_SEAL_WRITE | SG_SEAL_GROW), 0);
	/* The daemon got this very file, and the seals asked for. */
	assert_int_equal(fake_get(&f, &f.requests), 1);
	assert_int_equal(f.last_type, SG_OP_ADD_SEALS);
	assert_int_equal(f.last_seals, SG_SEAL_WRITE | SG_SEAL_GROW);
	assert_int_equal(f.last_ino, st.st_ino);

	/* The daemon's errno, as fcntl would set it. */
	answer = -EBUSY;
	errno = 0;
	assert_int_equal(sg_add_seals(fd, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, EBUSY);

	r = sg_get_seals(fd);
	assert_int_equal(r, 0x0c);
	/* One connection for all three calls. */
	assert_int_equal(fake_get(&f, &f.connections), 1);
	fake_stop(&f);
	close(fd);
}

/* fcntl's own fd checks happen before anything is sent. */
static void test_bad_fds_not_sent(void **state)
{
	struct fake f;
	int opath = open("/tmp", O_PATH | O_CLOEXEC);

	fake_start(&f, answer_seals, NULL);
	errno = 0;
	assert_int_equal(sg_add_seals(-1, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(sg_get_seals(opath), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fake_get(&f, &f.requests), 0);
	fake_stop(&f);
	close(opath);
}

static void test_no_daemon(void **state)
{
	int fd = tmpfile_fd(1);
	char path[] = "/tmp/sg-test-client-none.sock";

	unlink(path);
	setenv(SG_SOCKET_ENV, path, 1);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(sg_connect(path, 100));
	assert_int_equal(errno, ENOENT);
	close(fd);
}

static void test_timeout(void **state)
{
	struct fake f;
	struct sg_conn *c;
	struct timespec a, b;
	int fd = tmpfile_fd(1);
	long ms;

	fake_start(&f, answer_never, NULL);
	c = sg_connect(f.path, 300);
	assert_non_null(c);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	assert_true(ms >= 250 && ms < 2000);
	sg_disconnect(c);
	fake_stop(&f);
	close(fd);
}

/* The daemon closed the connection (it restarted, or timed us out): the
 * next call reconnects once, transparently. */
static void test_reconnect_after_close(void **state)
{
	struct fake f;
	struct sg_conn *c;
	int fd = tmpfile_fd(5);

	fake_start(&f, answer_once_then_close, NULL);
	c = sg_connect(f.path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_conn_get_seals(c, fd), 5);
	usleep(50000); /* let the close land */
	assert_int_equal(sg_conn_get_seals(c, fd), 5);
	assert_int_equal(fake_get(&f, &f.connections), 2);
	sg_disconnect(c);
	fake_stop(&f);
	close(fd);
}

static void test_reconnect_after_restart(void **state)
{
	struct fake f;
	struct sg_conn *c;
	int fd = tmpfile_fd(6);

	fake_start(&f, answer_seals, NULL);
	c = sg_connect(f.path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_conn_get_seals(c, fd), 6);
	assert_int_equal(sg_get_seals(fd), 6);

	/* Down: a "no daemon" errno, not a hang. */
	fake_down(&f);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_true(errno == ENOENT || errno == ECONNREFUSED);

	/* Up again at the same path: the same objects work. */
	fake_listen(&f);
	assert_int_equal(sg_conn_get_seals(c, fd), 6);
	assert_int_equal(sg_get_seals(fd), 6);
	sg_disconnect(c);
	fake_stop(&f);
	close(fd);
}

static void test_stale_replies_skipped(void **state)
{
	struct fake f;
	int fd = tmpfile_fd(1);

	fake_start(&f, answer_after_noise, NULL);
	assert_int_equal(sg_get_seals(fd), 2);
	fake_stop(&f);
	close(fd);
}

static void test_garbage_reply(void **state)
{
	struct fake f;
	int fd = tmpfile_fd(1);

	fake_start(&f, answer_garbage, NULL);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, EBADMSG);
	fake_stop(&f);
	close(fd);
}

static void test_daemon_full(void **state)
{
	struct fake f;
	int fd = tmpfile_fd(1);

	fake_start(&f, answer_busy, NULL);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, EAGAIN);
	fake_stop(&f);
	close(fd);
}

/* Turned away with the request already queued: the close resets the
 * connection, and the reason must still come through. */
static void test_daemon_full_unread(void **state)
{
	struct fake f;
	int fd = tmpfile_fd(1);

	fake_start(&f, answer_seals, NULL);
	f.turn_away = true;
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, EAGAIN);
	fake_stop(&f);
	close(fd);
}

static void test_status_reload(void **state)
{
	struct fake f;
	struct sg_status st;
	struct sg_conn *c;
	char msg[64];
	uint32_t gen = 0;

	fake_start(&f, answer_admin, NULL);
	c = sg_connect(NULL, 2000); /* NULL: $SEALGUARD_SOCKET */
	assert_non_null(c);
	assert_int_equal(sg_status(c, &st), 0);
	assert_string_equal(st.version, "9.9.9");
	assert_int_equal(st.daemon_pid, 4321);
	assert_int_equal(st.clients, 3);
	assert_int_equal(st.requests_allowed, 7);
	assert_int_equal(st.denials[SG_DENIED_MPROTECT], 5);
	assert_int_equal(st.events_dropped, 2);

	/* A refused reload still says why, and which policy is in force. */
	errno = 0;
	assert_int_equal(sg_reload(c, &gen, msg, sizeof(msg)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(gen, 12);
	assert_string_equal(msg, "policy.yaml:4:7: unknown seal 'wrte'");

	errno = 0;
	assert_int_equal(sg_list(c, NULL, NULL), -1);
	assert_int_equal(errno, EPERM);
	sg_disconnect(c);
	fake_stop(&f);
}

static void test_events(void **state)
{
	struct fake f;
	struct sg_event_info ev;
	struct sg_conn *c;
	int fd = tmpfile_fd(1);

	fake_start(&f, answer_admin, NULL);
	c = sg_connect(f.path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_subscribe(c), 0);
	assert_int_equal(sg_next_event(c, &ev, 1000), 0);
	assert_int_equal(ev.op, SG_DENIED_WRITE);
	assert_int_equal(ev.err, EPERM); /* positive, like errno */
	assert_int_equal(ev.pid, 77);
	assert_int_equal(ev.ino, 99);
	assert_int_equal(ev.suppressed, 4);
	assert_string_equal(ev.comm, "sixteen-chars-xx");
	assert_string_equal(ev.path, "/dev/shm/x");
	assert_int_equal(sg_next_event(c, &ev, 1000), 0);
	assert_int_equal(ev.op, SG_DENIED_CHMOD);
	errno = 0;
	assert_int_equal(sg_next_event(c, &ev, 100), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* An event stream answers no requests. */
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, EINVAL);

	/* The daemon going away ends the stream. */
	fake_down(&f);
	errno = 0;
	assert_int_equal(sg_next_event(c, &ev, 2000), -1);
	assert_int_equal(errno, ECONNRESET);
	sg_disconnect(c);
	rmdir(f.dir);
	close(fd);
}

struct collected {
	int n;
	uint64_t next_ino;
	bool in_order;
	int stop_at;
};

static int collect(const struct sg_sealed_file *file, void *data)
{
	struct collected *c = data;
	char want[32];

	snprintf(want, sizeof(want), "/dev/shm/f%llu", (unsigned long long)file->ino);
	if (file->ino != c->next_ino || strcmp(file->path, want) != 0 || file->seals != SG_SEAL_GROW ||
	    file->dev_minor != 42)
		c->in_order = false;
	c->next_ino = file->ino + 1;
	return ++c->n == c->stop_at ? 99 : 0;
}

static void test_list_pages(void **state)
{
	struct fake f;
	struct sg_conn *c;
	struct collected all = { .next_ino = 1000, .in_order = true, .stop_at = -1 };
	struct collected some = { .next_ino = 1000, .in_order = true, .stop_at = 60 };

	fake_start(&f, answer_list, NULL);
	c = sg_connect(f.path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_list(c, collect, &all), 0);
	assert_int_equal(all.n, REGISTRY_SIZE);
	assert_true(all.in_order);
	/* Three pages of SG_LIST_PAGE. */
	assert_int_equal(fake_get(&f, &f.requests), (REGISTRY_SIZE + SG_LIST_PAGE - 1) / SG_LIST_PAGE);

	/* The callback stops the walk, and its value is returned. */
	assert_int_equal(sg_list(c, collect, &some), 99);
	assert_int_equal(some.n, 60);
	sg_disconnect(c);
	fake_stop(&f);
}

struct worker {
	struct sg_conn *c;
	int size; /* the fake answers GET with the file's size */
	int wrong;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int fd = open("/tmp", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, w->size) < 0) {
		w->wrong = -1;
		return NULL;
	}
	for (int i = 0; i < 200; i++) {
		/* Half on the shared explicit connection, half on the cached one. */
		int r = (i & 1) ? sg_conn_get_seals(w->c, fd) : sg_get_seals(fd);

		w->wrong += r != w->size;
	}
	close(fd);
	return NULL;
}

static void test_threads(void **state)
{
	struct worker w[8];
	pthread_t t[8];
	struct fake f;
	struct sg_conn *c;

	fake_start(&f, answer_seals, NULL);
	c = sg_connect(f.path, 5000);
	assert_non_null(c);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .c = c, .size = 10 + i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].wrong, 0);
	}
	assert_int_equal(fake_get(&f, &f.requests), 8 * 200);
	sg_disconnect(c);
	fake_stop(&f);
}

/* A child never talks on its parent's connection. */
static void test_fork(void **state)
{
	struct fake f;
	int fd = tmpfile_fd(3), status;
	pid_t pid;

	fake_start(&f, answer_seals, NULL);
	assert_int_equal(sg_get_seals(fd), 3);
	pid = fork();
	if (pid == 0)
		_exit(sg_get_seals(fd) == 3 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(sg_get_seals(fd), 3);
	assert_int_equal(fake_get(&f, &f.connections), 2);
	fake_stop(&f);
	close(fd);
}

/* The cached connection follows $SEALGUARD_SOCKET. */
static void test_env_change(void **state)
{
	struct fake a, b;
	int fd = tmpfile_fd(4);

	fake_start(&a, answer_seals, NULL);
	assert_int_equal(sg_get_seals(fd), 4);
	fake_start(&b, answer_seals, NULL); /* points the environment at b */
	assert_int_equal(sg_get_seals(fd), 4);
	assert_int_equal(fake_get(&a, &a.requests), 1);
	assert_int_equal(fake_get(&b, &b.requests), 1);
	fake_stop(&a);
	fake_stop(&b);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_get),
		cmocka_unit_test(test_bad_fds_not_sent),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_reconnect_after_close),
		cmocka_unit_test(test_reconnect_after_restart),
		cmocka_unit_test(test_stale_replies_skipped),
		cmocka_unit_test(test_garbage_reply),
		cmocka_unit_test(test_daemon_full),
		cmocka_unit_test(test_daemon_full_unread),
		cmocka_unit_test(test_status_reload),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_list_pages),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_env_change),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
