// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsealguard against a fake sealguardd (fake_daemon.h).
 *
 * cmocka's asserts longjmp, so only the main thread asserts.  SIGPIPE is
 * left at its default: a library that let it through on a closed
 * connection would kill the test.
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

#include "fake_daemon.h"
#include "fdpass.h"
#include "protocol.h"
#include "sealguard.h"
#include "sealguard_abi.h"

static int tmpfile_fd(off_t size)
{
	int fd = open("/tmp", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, size), 0);
	return fd;
}

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* As the real daemon closing an idle connection after its answer. */
static bool answer_once_then_close(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	answer_seals(f, conn, h, body, fd);
	return false;
}

/* Read the request, then hang up without a word. */
static bool hang_up(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	return false;
}

static bool answer_never(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	return true;
}

/* The first request is never answered, every later one is. */
static bool answer_all_but_first(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	if (fake_get(f, &f->requests) == 1)
		return true;
	return answer_seals(f, conn, h, body, fd);
}

/* Answers GET with the file's size after *(int *)f->data milliseconds. */
static bool answer_slowly(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	struct stat st;

	usleep((useconds_t) * (int *)f->data * 1000);
	reply(conn, h->type, h->seq, fstat(fd, &st) == 0 ? (int32_t)st.st_size : -EBADF, NULL, 0);
	return true;
}

/* A stale reply (earlier seq), an event, then the real one. */
static bool answer_after_noise(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	struct sg_body_event ev = { .ev = { .op = SG_EV_MMAP } };

	reply(conn, h->type, h->seq - 1, 1, NULL, 0);
	reply(conn, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
	reply(conn, h->type, h->seq, 2, NULL, 0);
	return true;
}

/* Only replies to other requests: the call's own never comes. */
static bool answer_wrong_seq(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	reply(conn, h->type, h->seq - 1, 1, NULL, 0);
	reply(conn, h->type, h->seq + 1, 1, NULL, 0);
	return true;
}

/* Ways for a daemon to answer that the library must not accept. */
enum bad_reply {
	GOOD,
	BAD_MAGIC,
	WRONG_TYPE,   /* a valid STATUS reply to a GET */
	INVALID_TYPE, /* SG_MSG_INVALID, the daemon's answer to a non-request */
	OLD_VERSION,  /* a version 1 daemon's 16-byte reply */
	NEW_VERSION,
	SIZE_FIELD,
	TOO_LONG,     /* SG_MSG_MAX + 1 bytes */
	RESULT_RANGE, /* below -4095 */
	TOO_MANY_SEALS,
	REPLY_FLAGS,
	REPLY_BODY,
	EVENT_SEQ,    /* an event with a seq: not an event */
	EMPTY_RECORD, /* 0 bytes: end of file on SEQPACKET */
	STRAY_FD,     /* a good reply with an fd attached */
	STRAY_FDS,    /* a good reply with more fds than the client has room for */
};

struct bad {
	enum bad_reply mode;
	int fd; /* for STRAY_FD(S) */
};

static bool answer_badly(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	static char big[SG_MSG_MAX + 1];
	const struct bad *b = f->data;
	struct sg_body_status st = { .daemon_pid = 1 };
	struct sg_body_event ev = { .ev = { .op = SG_EV_WRITE } };
	struct sg_msg_hdr r;

	sg_hdr_init(&r, h->type, h->seq, 3, 0);
	switch (b->mode) {
	case GOOD: break;
	case BAD_MAGIC: r.magic = 0x12345678; break;
	case WRONG_TYPE: reply(conn, SG_OP_STATUS, h->seq, 0, &st, sizeof(st)); return true;
	case INVALID_TYPE:
		r.type = SG_MSG_INVALID;
		r.result = -EBADMSG;
		break;
	case OLD_VERSION:
		r.version = 1;
		r.size = 16;
		send_record(conn, &r, 16, -1, 0);
		return true;
	case NEW_VERSION: r.version = SG_PROTO_VERSION + 1; break;
	case SIZE_FIELD: r.size += 4; break;
	case TOO_LONG:
		r.size = sizeof(big);
		memcpy(big, &r, sizeof(r));
		send_record(conn, big, sizeof(big), -1, 0);
		return true;
	case RESULT_RANGE: r.result = -5000; break;
	case TOO_MANY_SEALS: r.result = SG_SEAL_ALL + 1; break;
	case REPLY_FLAGS: r.flags = 1; break;
	case REPLY_BODY: reply(conn, h->type, h->seq, 3, &st, 8); return true;
	case EVENT_SEQ: reply(conn, SG_MSG_EVENT, h->seq, 0, &ev, sizeof(ev)); return true;
	case EMPTY_RECORD: send_record(conn, "", 0, -1, 0); return true;
	case STRAY_FD: send_record(conn, &r, sizeof(r), b->fd, 1); return true;
	case STRAY_FDS: send_record(conn, &r, sizeof(r), b->fd, MAX_FDS + 1); return true;
	}
	send_record(conn, &r, sizeof(r), -1, 0);
	return true;
}

static bool answer_busy(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	reply(conn, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
	return false;
}

/* Admin requests, as requests.c answers them. */
struct admin {
	bool admin;
	bool reload_fails;
	bool reload_malformed; /* as the daemon answers a malformed RELOAD: no body */
	bool farewell;	       /* SG_MSG_ERROR after the events */
	bool bad_event;	       /* an event with a seq after the good ones */
};

static bool answer_admin(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	const struct admin *a = f->data;

	if (h->type == SG_OP_RELOAD && a->reload_malformed) {
		reply(conn, h->type, h->seq, -EBADMSG, NULL, 0);
		return true;
	}
	if (!a->admin) {
		if (h->type == SG_OP_RELOAD) {
			struct sg_body_reload rb = { .generation = 12, .rules = 3 };

			strcpy(rb.message, "reload is for root or the admin group");
			reply(conn, h->type, h->seq, -EPERM, &rb, sizeof(rb));
		} else {
			reply(conn, h->type, h->seq, -EPERM, NULL, 0);
		}
		return true;
	}

	switch (h->type) {
	case SG_OP_STATUS: {
		struct sg_body_status st = {
			.daemon_pid = 4321,
			.clients = 3,
			.max_clients = 256,
			.subscribers = 1,
			.started_at = 1700000000,
			.sealed_files = 11,
			.requests_allowed = 7,
			.requests_refused = 6,
			.requests_malformed = 5,
			.events_suppressed = 4,
			.events_dropped = 2,
			.events_unsent = 9,
			.policy_generation = 8,
			.policy_rules = 10,
		};

		/* 32 bytes without a NUL: the library must terminate it. */
		memcpy(st.version, "0123456789abcdef0123456789abcdef", sizeof(st.version));
		for (int i = 0; i < SG_EV_OP_COUNT; i++)
			st.denials[i] = 100 + (uint64_t)i;
		reply(conn, h->type, h->seq, 0, &st, sizeof(st));
		return true;
	}
	case SG_OP_RELOAD: {
		struct sg_body_reload rb = { .generation = 12, .rules = 3 };

		if (a->reload_fails) {
			strcpy(rb.message, "policy.yaml:4:7: unknown seal 'wrte'");
			reply(conn, h->type, h->seq, -EINVAL, &rb, sizeof(rb));
		} else {
			rb.generation = 13;
			rb.rules = 0;
			strcpy(rb.message, "built-in policy in force");
			reply(conn, h->type, h->seq, 0, &rb, sizeof(rb));
		}
		return true;
	}
	case SG_OP_UNLOAD: reply(conn, h->type, h->seq, 0, NULL, 0); return true;
	case SG_OP_SUBSCRIBE: {
		struct sg_body_event ev = {
			.ev = { .ts_ns = 123456789,
				.cgroup_id = 4242,
				.ino = 99,
				.dev_major = 8,
				.dev_minor = 3,
				.seals = SG_SEAL_WRITE,
				.op = SG_EV_WRITE,
				.err = -EPERM,
				.pid = 77,
				.tid = 78,
				.uid = 1000,
				.suppressed = 4 },
		};

		reply(conn, h->type, h->seq, 0, NULL, 0);
		memcpy(ev.ev.comm, "sixteen-chars-xx", 16); /* not NUL-terminated */
		strcpy(ev.path, "/dev/shm/x");
		reply(conn, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
		ev.ev.op = SG_EV_CHMOD;
		ev.ev.err = -EACCES;
		memset(ev.path, 'p', sizeof(ev.path)); /* nor this */
		reply(conn, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
		if (a->farewell)
			reply(conn, SG_MSG_ERROR, 0, -ESHUTDOWN, NULL, 0);
		if (a->bad_event)
			reply(conn, SG_MSG_EVENT, 5, 0, &ev, sizeof(ev));
		return true;
	}
	default: reply(conn, h->type, h->seq, -EOPNOTSUPP, NULL, 0); return true;
	}
}

/* This one's path fills the record without a NUL. */
#define LONG_PATH_INO 1003

/* LIST over a registry of size files, ino 1000.., in pages of the size
 * asked, continuing after the key given, as the kernel's hash walk does
 * when nothing changes.  Every request is checked against docs section
 * 4.1; errors counts those that were not as the library must send them. */
struct registry {
	int size;
	int fail_at;	     /* this request (1-based) gets -EPERM */
	bool empty_but_more; /* count 0, more 1: the library must stop */
	int requests;
	int errors;
	uint64_t last_sent; /* ino of the last entry of the previous page */
};

static bool answer_list(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	static char buf[SG_MSG_MAX];
	struct registry *reg = f->data;
	struct sg_body_list *out = (struct sg_body_list *)buf;
	struct sg_body_list_req req;
	uint64_t next = 1000, end = 1000 + (uint64_t)reg->size;

	if (h->type != SG_OP_LIST) {
		reply(conn, h->type, h->seq, -EOPNOTSUPP, NULL, 0);
		return true;
	}
	memcpy(&req, body, sizeof(req));
	reg->requests++;
	if (req.max != SG_LIST_PAGE)
		reg->errors++;
	if (reg->requests == 1 && h->flags != 0)
		reg->errors++;
	if (reg->requests > 1 && (h->flags != SG_LIST_F_AFTER || req.after.ino != reg->last_sent ||
				  req.after.dev_major != 7 || req.after.dev_minor != 42))
		reg->errors++;
	if (reg->requests == reg->fail_at) {
		reply(conn, h->type, h->seq, -EPERM, NULL, 0);
		return true;
	}
	if (h->flags & SG_LIST_F_AFTER)
		next = req.after.ino + 1;
	memset(buf, 0, sizeof(buf));
	while (!reg->empty_but_more && out->count < req.max && next < end) {
		struct sg_list_entry *e = &out->entries[out->count++];

		e->key = (struct sg_file_key){ .dev_major = 7, .dev_minor = 42, .ino = next };
		e->rec.seals = SG_SEAL_GROW;
		e->rec.uid = 1000;
		e->rec.pid = (uint32_t)next * 2;
		e->rec.sealed_at = 1700000000 + next;
		if (next == LONG_PATH_INO)
			memset(e->rec.path, 'q', sizeof(e->rec.path)); /* no NUL */
		else
			snprintf(e->rec.path, sizeof(e->rec.path), "/dev/shm/f%llu", (unsigned long long)next);
		reg->last_sent = next++;
	}
	out->more = reg->empty_but_more || next < end;
	reply(conn, h->type, h->seq, 0, buf, sizeof(*out) + out->count * sizeof(struct sg_list_entry));
	return true;
}

/* ---- seal calls ---------------------------------------------------------- */

static void test_add_and_get(void **state)
{
	struct seal_answers answers = { .add = 0, .get = NO_ANSWER };
	struct fake *f = *state;
	int fd = tmpfile_fd(0x0c), ro;
	char proc[64];
	struct stat st;

	fake_answer(f, answer_seals, &answers);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(sg_add_seals(fd, SG_SEAL_WRITE | SG_SEAL_GROW), 0);
	/* The daemon got this very file, with one fd (the decoder insists),
	 * and the seals asked for. */
	assert_int_equal(fake_get(f, &f->requests), 1);
	assert_int_equal(fake_last(f).h.type, SG_OP_ADD_SEALS);
	assert_int_equal(fake_last(f).h.flags, 0);
	assert_int_equal(fake_last(f).seals, SG_SEAL_WRITE | SG_SEAL_GROW);
	assert_int_equal(fake_last(f).ino, st.st_ino);
	assert_int_equal(fake_last(f).accmode, O_RDWR);

	/* The daemon's errno, as fcntl would set it. */
	answers.add = -EBUSY;
	errno = 0;
	assert_int_equal(sg_add_seals(fd, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, EBUSY);
	answers.add = -EPERM;
	errno = 0;
	assert_int_equal(sg_add_seals(fd, SG_SEAL_SEAL), -1);
	assert_int_equal(errno, EPERM);

	/* Unknown bits are the daemon's EINVAL to give, after its fd checks
	 * (the kernel's order), so they go out as they are. */
	answers.add = -EINVAL;
	errno = 0;
	assert_int_equal(sg_add_seals(fd, 0x40 | SG_SEAL_WRITE), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fake_last(f).seals, 0x40 | SG_SEAL_WRITE);

	/* GET returns the seals themselves. */
	assert_int_equal(sg_get_seals(fd), 0x0c);
	assert_int_equal(fake_last(f).h.type, SG_OP_GET_SEALS);
	answers.get = 0;
	assert_int_equal(sg_get_seals(fd), 0);
	answers.get = SG_SEAL_ALL;
	assert_int_equal(sg_get_seals(fd), SG_SEAL_ALL);
	answers.get = -EINVAL; /* not a regular file */
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, EINVAL);

	/* A read-only fd is the daemon's to judge (GET is fine with it,
	 * ADD is EPERM): the library passes the open file as it is. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ro = open(proc, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	answers.get = SG_SEAL_GROW;
	assert_int_equal(sg_get_seals(ro), SG_SEAL_GROW);
	assert_int_equal(fake_last(f).accmode, O_RDONLY);
	assert_int_equal(fake_last(f).ino, st.st_ino);

	/* One connection for all of them. */
	assert_int_equal(fake_get(f, &f->connections), 1);
	assert_int_equal(fake_get(f, &f->requests), 9);
	close(ro);
	close(fd);
}

/* fcntl's own fd checks happen before anything is sent. */
static void test_bad_fds_not_sent(void **state)
{
	struct fake *f = *state;
	int opath = open("/tmp", O_PATH | O_CLOEXEC);
	/* High enough that the fake's sockets never take the number. */
	int closed = fcntl(opath, F_DUPFD_CLOEXEC, 900);

	assert_true(closed >= 900);
	close(closed);
	errno = 0;
	assert_int_equal(sg_add_seals(-1, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(sg_get_seals(closed), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(sg_add_seals(opath, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_int_equal(sg_get_seals(opath), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fake_get(f, &f->requests), 0);
	close(opath);
}

/* seq is per connection, from 1, one more per request, and not reset by
 * a reconnect (docs section 7). */
static void test_seq(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(2);
	uint32_t before;

	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(sg_conn_get_seals(c, fd), 2);
		assert_int_equal(fake_last(f).h.seq, i);
	}
	assert_int_equal(sg_conn_add_seals(c, fd, SG_SEAL_GROW), 0);
	assert_int_equal(fake_last(f).h.seq, 4);

	/* The daemon hangs up; the next request on the new connection goes
	 * on counting. */
	fake_answer(f, answer_once_then_close, NULL);
	assert_int_equal(sg_conn_get_seals(c, fd), 2);
	before = fake_last(f).h.seq;
	usleep(50000); /* let the close land */
	fake_answer(f, answer_seals, NULL);
	assert_int_equal(sg_conn_get_seals(c, fd), 2);
	assert_true(fake_last(f).h.seq > before);
	assert_int_equal(fake_get(f, &f->connections), 2);
	sg_disconnect(c);
	close(fd);
}

/* ---- reaching the daemon ------------------------------------------------- */

static void test_no_daemon(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/sg-test-client.XXXXXX", path[sizeof(sa.sun_path) + 8];
	int fd = tmpfile_fd(1), sk;

	assert_non_null(mkdtemp(dir));

	/* No socket file at all. */
	snprintf(path, sizeof(path), "%s/none.sock", dir);
	setenv(SG_SOCKET_ENV, path, 1);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(sg_add_seals(fd, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(sg_connect(path, 100));
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_null(sg_connect(NULL, 100)); /* NULL: $SEALGUARD_SOCKET */
	assert_int_equal(errno, ENOENT);

	/* The file of a daemon that died: nobody listens. */
	snprintf(path, sizeof(path), "%s/dead.sock", dir);
	strcpy(sa.sun_path, path);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(sk >= 0);
	assert_int_equal(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(sk);
	setenv(SG_SOCKET_ENV, path, 1);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, ECONNREFUSED);
	errno = 0;
	assert_null(sg_connect(path, 100));
	assert_int_equal(errno, ECONNREFUSED);
	unlink(path);

	/* A path that does not fit sun_path (107 bytes and its NUL). */
	memset(path, 'x', sizeof(path));
	memcpy(path, "/tmp/", 5);
	path[sizeof(sa.sun_path)] = '\0';
	errno = 0;
	assert_null(sg_connect(path, 100));
	assert_int_equal(errno, ENAMETOOLONG);
	setenv(SG_SOCKET_ENV, path, 1);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	/* One byte less fits, and is then just missing. */
	path[sizeof(sa.sun_path) - 1] = '\0';
	errno = 0;
	assert_null(sg_connect(path, 100));
	assert_int_equal(errno, ENOENT);

	rmdir(dir);
	close(fd);
}

static void test_timeout(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	struct timespec a;
	int fd = tmpfile_fd(1);
	long ms;

	fake_answer(f, answer_never, NULL);
	c = sg_connect(f->path, 300);
	assert_non_null(c);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, ETIMEDOUT);
	ms = elapsed_ms(&a);
	assert_true(ms >= 280 && ms < 2000);
	/* Giving up is not a reason to retry: one request. */
	assert_int_equal(fake_get(f, &f->requests), 1);
	sg_disconnect(c);
	close(fd);
}

/* A call that timed out closed its connection: the next call is answered
 * on a new one, with its own answer. */
static void test_timeout_then_answer(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(8);

	fake_answer(f, answer_all_but_first, NULL);
	c = sg_connect(f->path, 200);
	assert_non_null(c);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(sg_conn_get_seals(c, fd), 8);
	assert_int_equal(fake_get(f, &f->connections), 2);
	sg_disconnect(c);
	close(fd);
}

/* timeout_ms <= 0 is the default (5 s), not "no time at all". */
static void test_default_timeout(void **state)
{
	int delay = 300, ms[] = { 0, -1, 100 };
	struct fake *f = *state;
	int fd = tmpfile_fd(6);

	fake_answer(f, answer_slowly, &delay);
	for (int i = 0; i < 3; i++) {
		struct sg_conn *c = sg_connect(f->path, ms[i]);

		assert_non_null(c);
		errno = 0;
		if (ms[i] > 0) {
			assert_int_equal(sg_conn_get_seals(c, fd), -1);
			assert_int_equal(errno, ETIMEDOUT);
		} else {
			assert_int_equal(sg_conn_get_seals(c, fd), 6);
		}
		sg_disconnect(c);
	}
	close(fd);
}

/* connect() itself is bounded: with the listen backlog full it blocks, and
 * the call's timeout ends it with ETIMEDOUT. */
static void test_connect_timeout(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/sg-test-client.XXXXXX";
	struct sg_conn *held[4] = { NULL };
	struct sg_conn *c = NULL;
	struct timespec a;
	int sk, i;
	long ms = 0;

	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/full.sock", dir);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(sk >= 0);
	assert_int_equal(bind(sk, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* Backlog 0, never accepted: the kernel queues at most one or two. */
	assert_int_equal(listen(sk, 0), 0);
	for (i = 0; i < 4; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		errno = 0;
		c = sg_connect(sa.sun_path, 200);
		ms = elapsed_ms(&a);
		if (!c)
			break;
		held[i] = c;
	}
	assert_null(c);
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(ms >= 180 && ms < 2000);
	for (i = 0; i < 4; i++)
		sg_disconnect(held[i]);
	close(sk);
	unlink(sa.sun_path);
	rmdir(dir);
}

/* The daemon closed the connection (idle timeout): the next call
 * reconnects once, transparently. */
static void test_reconnect_after_close(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(5);

	fake_answer(f, answer_once_then_close, NULL);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_conn_get_seals(c, fd), 5);
	usleep(50000); /* let the close land */
	assert_int_equal(sg_conn_get_seals(c, fd), 5);
	assert_int_equal(fake_get(f, &f->connections), 2);
	/* The request is not repeated on the new connection: the dead one
	 * never got it. */
	assert_int_equal(fake_get(f, &f->requests), 2);
	sg_disconnect(c);
	close(fd);
}

/* Reconnecting is done once, not forever, and never for a connection
 * that was new: a daemon that hangs up on every request costs two
 * attempts on a used connection, one on a fresh one. */
static void test_reconnect_once(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(5);

	fake_answer(f, hang_up, NULL);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(fake_get(f, &f->requests), 2);
	assert_int_equal(fake_get(f, &f->connections), 2);
	errno = 0;
	assert_int_equal(sg_conn_add_seals(c, fd, SG_SEAL_WRITE), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(fake_get(f, &f->requests), 3);
	assert_int_equal(fake_get(f, &f->connections), 3);
	sg_disconnect(c);
	close(fd);
}

/* A restart: listening socket and connections closed, the socket made
 * anew at the same path. */
static void test_reconnect_after_restart(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(6);

	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_conn_get_seals(c, fd), 6);
	assert_int_equal(sg_get_seals(fd), 6);
	assert_int_equal(fake_get(f, &f->connections), 2);

	/* Down and up again between two calls: nobody notices. */
	fake_down(f);
	fake_listen(f);
	assert_int_equal(sg_conn_get_seals(c, fd), 6);
	assert_int_equal(sg_get_seals(fd), 6);
	assert_int_equal(fake_get(f, &f->connections), 4);

	/* Down: a "no daemon" errno, not a hang. */
	fake_down(f);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, ENOENT);

	/* Up again: the same objects work. */
	fake_listen(f);
	assert_int_equal(sg_conn_get_seals(c, fd), 6);
	assert_int_equal(sg_get_seals(fd), 6);
	sg_disconnect(c);
	close(fd);
}

static void test_daemon_full(void **state)
{
	struct fake *f = *state;
	int fd = tmpfile_fd(1);

	fake_answer(f, answer_busy, NULL);
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

/* Turned away with the request already queued: the close resets the
 * connection, and the reason must still come through. */
static void test_daemon_full_unread(void **state)
{
	struct fake *f = *state;
	int fd = tmpfile_fd(1);

	f->turn_away = true;
	errno = 0;
	assert_int_equal(sg_get_seals(fd), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
}

/* ---- what comes back ----------------------------------------------------- */

static void test_stale_replies_skipped(void **state)
{
	struct fake *f = *state;
	int fd = tmpfile_fd(1);

	fake_answer(f, answer_after_noise, NULL);
	assert_int_equal(sg_get_seals(fd), 2);
	close(fd);
}

/* Replies to other seqs are never taken for the call's own: the call
 * waits for its own, and times out without it. */
static void test_wrong_seq_only(void **state)
{
	struct fake *f = *state;
	struct sg_conn *c;
	struct timespec a;
	int fd = tmpfile_fd(1);
	long ms;

	fake_answer(f, answer_wrong_seq, NULL);
	c = sg_connect(f->path, 250);
	assert_non_null(c);
	clock_gettime(CLOCK_MONOTONIC, &a);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, ETIMEDOUT);
	ms = elapsed_ms(&a);
	assert_true(ms >= 230 && ms < 2000);
	sg_disconnect(c);
	close(fd);
}

/* Every reply the decoder refuses fails the call with the decoder's
 * errno, is not retried, and costs the connection: the next call gets a
 * new one and its proper answer. */
static void test_malformed_replies(void **state)
{
	static const struct {
		enum bad_reply mode;
		int err;
		int attempts;
	} cases[] = {
		{ BAD_MAGIC, EBADMSG, 1 },
		{ WRONG_TYPE, EBADMSG, 1 },
		{ INVALID_TYPE, EBADMSG, 1 },
		{ OLD_VERSION, EPROTO, 1 },
		{ NEW_VERSION, EPROTO, 1 },
		{ SIZE_FIELD, EBADMSG, 1 },
		{ TOO_LONG, EBADMSG, 1 },
		{ RESULT_RANGE, EBADMSG, 1 },
		{ TOO_MANY_SEALS, EBADMSG, 1 },
		{ REPLY_FLAGS, EBADMSG, 1 },
		{ REPLY_BODY, EBADMSG, 1 },
		{ EVENT_SEQ, EBADMSG, 1 },
		/* A 0-byte record is end of file: ECONNRESET, which on a used
		 * connection is worth the one retry. */
		{ EMPTY_RECORD, ECONNRESET, 2 },
	};
	struct bad bad = { .mode = GOOD };
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(1);

	fake_answer(f, answer_badly, &bad);
	c = sg_connect(f->path, 1000);
	assert_non_null(c);
	assert_int_equal(sg_conn_get_seals(c, fd), 3);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int requests = fake_get(f, &f->requests), conns = fake_get(f, &f->connections);

		bad.mode = cases[i].mode;
		errno = 0;
		assert_int_equal(sg_conn_get_seals(c, fd), -1);
		assert_int_equal(errno, cases[i].err);
		assert_int_equal(fake_get(f, &f->requests), requests + cases[i].attempts);

		bad.mode = GOOD;
		assert_int_equal(sg_conn_get_seals(c, fd), 3);
		assert_int_equal(fake_get(f, &f->connections), conns + cases[i].attempts);
	}
	sg_disconnect(c);
	close(fd);
}

/* True when nothing holds the write end of the pipe any more. */
static bool pipe_closed(int rfd)
{
	char x;

	return read(rfd, &x, 1) == 0;
}

/* The daemon never sends fds; any that come are closed, not leaked,
 * even when there are more than the client has room for. */
static void test_stray_fds(void **state)
{
	struct bad bad = { .mode = STRAY_FD };
	struct fake *f = *state;
	struct sg_conn *c;
	int fd = tmpfile_fd(1), p[2];

	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	bad.fd = p[1];
	fake_answer(f, answer_badly, &bad);
	c = sg_connect(f->path, 1000);
	assert_non_null(c);
	/* One fd with a good reply: the reply counts, the fd goes. */
	assert_int_equal(sg_conn_get_seals(c, fd), 3);
	fake_down(f);
	close(p[1]);
	assert_true(pipe_closed(p[0]));
	close(p[0]);

	/* More than 8: the kernel cuts the control data, the reply is
	 * EBADMSG, and the fds that did arrive are closed too. */
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	bad.fd = p[1];
	bad.mode = STRAY_FDS;
	fake_listen(f);
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, EBADMSG);
	fake_down(f);
	close(p[1]);
	assert_true(pipe_closed(p[0]));
	close(p[0]);

	sg_disconnect(c);
	close(fd);
}

/* ---- admin calls --------------------------------------------------------- */

static void test_status(void **state)
{
	struct admin a = { .admin = true };
	struct fake *f = *state;
	struct sg_status st;
	struct sg_conn *c;

	fake_answer(f, answer_admin, &a);
	c = sg_connect(NULL, 2000); /* NULL: $SEALGUARD_SOCKET */
	assert_non_null(c);
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(sg_status(c, &st), 0);
	assert_int_equal(fake_last(f).h.type, SG_OP_STATUS);
	/* Every field, copied from the right place. */
	assert_string_equal(st.version, "0123456789abcdef0123456789abcde");
	assert_int_equal(st.daemon_pid, 4321);
	assert_int_equal(st.clients, 3);
	assert_int_equal(st.max_clients, 256);
	assert_int_equal(st.subscribers, 1);
	assert_int_equal(st.started_at, 1700000000);
	assert_int_equal(st.sealed_files, 11);
	assert_int_equal(st.requests_allowed, 7);
	assert_int_equal(st.requests_refused, 6);
	assert_int_equal(st.requests_malformed, 5);
	for (int i = 0; i < SG_DENIED_OP_COUNT; i++)
		assert_int_equal(st.denials[i], 100 + i);
	assert_int_equal(st.events_suppressed, 4);
	assert_int_equal(st.events_dropped, 2);
	assert_int_equal(st.events_unsent, 9);
	assert_int_equal(st.policy_generation, 8);
	assert_int_equal(st.policy_rules, 10);

	/* Not an admin: EPERM, and the connection stays usable. */
	a.admin = false;
	errno = 0;
	assert_int_equal(sg_status(c, &st), -1);
	assert_int_equal(errno, EPERM);
	a.admin = true;
	assert_int_equal(sg_status(c, &st), 0);
	assert_int_equal(fake_get(f, &f->connections), 1);
	sg_disconnect(c);
}

static void test_unload(void **state)
{
	struct admin a = { .admin = true };
	struct fake *f = *state;
	struct sg_conn *c;

	fake_answer(f, answer_admin, &a);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_unload(c), 0);
	assert_int_equal(fake_last(f).h.type, SG_OP_UNLOAD);
	assert_int_equal(fake_last(f).h.size, sizeof(struct sg_msg_hdr));
	a.admin = false;
	errno = 0;
	assert_int_equal(sg_unload(c), -1);
	assert_int_equal(errno, EPERM);
	sg_disconnect(c);
}

static void test_reload(void **state)
{
	struct admin a = { .admin = true };
	struct fake *f = *state;
	struct sg_conn *c;
	char msg[64];
	uint32_t gen = 0;

	fake_answer(f, answer_admin, &a);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	assert_int_equal(sg_reload(c, &gen, msg, sizeof(msg)), 0);
	assert_int_equal(fake_last(f).h.type, SG_OP_RELOAD);
	assert_int_equal(gen, 13);
	assert_string_equal(msg, "built-in policy in force");
	/* Both out-params are optional; a short buffer is cut, terminated. */
	assert_int_equal(sg_reload(c, NULL, NULL, 0), 0);
	assert_int_equal(sg_reload(c, NULL, msg, 9), 0);
	assert_string_equal(msg, "built-in");

	/* A refused policy still says why, and which one is in force. */
	a.reload_fails = true;
	errno = 0;
	assert_int_equal(sg_reload(c, &gen, msg, sizeof(msg)), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(gen, 12);
	assert_string_equal(msg, "policy.yaml:4:7: unknown seal 'wrte'");

	/* Not an admin: the daemon's explanation comes through too. */
	a.admin = false;
	errno = 0;
	assert_int_equal(sg_reload(c, &gen, msg, sizeof(msg)), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(gen, 12);
	assert_string_equal(msg, "reload is for root or the admin group");

	/* An error without a body: no message.  (generation is not checked:
	 * see the report on sg_reload() reading it from an empty reply.) */
	a.reload_malformed = true;
	errno = 0;
	strcpy(msg, "stale");
	assert_int_equal(sg_reload(c, &gen, msg, sizeof(msg)), -1);
	assert_int_equal(errno, EBADMSG);
	assert_string_equal(msg, "");
	sg_disconnect(c);
}

static void test_events(void **state)
{
	struct admin a = { .admin = true };
	struct fake *f = *state;
	struct sg_event_info ev;
	struct sg_conn *c;
	struct pollfd p;
	int fd = tmpfile_fd(1);

	fake_answer(f, answer_admin, &a);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	/* Not subscribed: no events to wait for. */
	errno = 0;
	assert_int_equal(sg_next_event(c, &ev, 0), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(sg_subscribe(c), 0);
	assert_int_equal(fake_last(f).h.type, SG_OP_SUBSCRIBE);
	/* sg_conn_fd() is the socket to poll. */
	p = (struct pollfd){ .fd = sg_conn_fd(c), .events = POLLIN };
	assert_true(p.fd >= 0);
	assert_int_equal(poll(&p, 1, 1000), 1);

	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(sg_next_event(c, &ev, 1000), 0);
	assert_int_equal(ev.ts_ns, 123456789);
	assert_int_equal(ev.cgroup_id, 4242);
	assert_int_equal(ev.dev_major, 8);
	assert_int_equal(ev.dev_minor, 3);
	assert_int_equal(ev.ino, 99);
	assert_int_equal(ev.seals, SG_SEAL_WRITE);
	assert_int_equal(ev.op, SG_DENIED_WRITE);
	assert_int_equal(ev.err, EPERM); /* positive, like errno */
	assert_int_equal(ev.pid, 77);
	assert_int_equal(ev.tid, 78);
	assert_int_equal(ev.uid, 1000);
	assert_int_equal(ev.suppressed, 4);
	assert_string_equal(ev.comm, "sixteen-chars-xx");
	assert_string_equal(ev.path, "/dev/shm/x");

	assert_int_equal(sg_next_event(c, &ev, 1000), 0);
	assert_int_equal(ev.op, SG_DENIED_CHMOD);
	assert_int_equal(ev.err, EACCES);
	/* A path filling all 256 bytes is cut to 255 and terminated. */
	assert_int_equal(strlen(ev.path), sizeof(ev.path) - 1);

	/* Drained: nothing to poll for, and a timeout that is only that. */
	assert_int_equal(poll(&p, 1, 0), 0);
	errno = 0;
	assert_int_equal(sg_next_event(c, &ev, 100), -1);
	assert_int_equal(errno, ETIMEDOUT);
	errno = 0;
	assert_int_equal(sg_next_event(c, &ev, 0), -1);
	assert_int_equal(errno, ETIMEDOUT);

	/* An event stream answers no requests, nor a second subscription. */
	errno = 0;
	assert_int_equal(sg_conn_get_seals(c, fd), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(sg_subscribe(c), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(fake_get(f, &f->requests), 1);

	/* The daemon going away ends the stream. */
	fake_down(f);
	errno = 0;
	assert_int_equal(sg_next_event(c, &ev, 2000), -1);
	assert_int_equal(errno, ECONNRESET);
	sg_disconnect(c);
	close(fd);
}

/* A farewell ends the stream with its errno; a malformed event with
 * EBADMSG.  Either way the events before it were delivered. */
static void test_events_end(void **state)
{
	struct admin a = { .admin = true, .farewell = true };
	struct fake *f = *state;
	struct sg_event_info ev;
	struct sg_conn *c;

	fake_answer(f, answer_admin, &a);
	for (int round = 0; round < 2; round++) {
		c = sg_connect(f->path, 2000);
		assert_non_null(c);
		assert_int_equal(sg_subscribe(c), 0);
		assert_int_equal(sg_next_event(c, &ev, 1000), 0);
		assert_int_equal(sg_next_event(c, &ev, 1000), 0);
		errno = 0;
		assert_int_equal(sg_next_event(c, &ev, 1000), -1);
		assert_int_equal(errno, round == 0 ? ESHUTDOWN : EBADMSG);
		/* And the stream is over for good. */
		assert_int_equal(sg_conn_fd(c), -1);
		sg_disconnect(c);
		a.farewell = false;
		a.bad_event = true;
	}

	/* Refused: the connection is still a request connection. */
	a.admin = false;
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	errno = 0;
	assert_int_equal(sg_subscribe(c), -1);
	assert_int_equal(errno, EPERM);
	a.admin = true;
	assert_int_equal(sg_reload(c, NULL, NULL, 0), 0);
	sg_disconnect(c);
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

	char long_path[sizeof(file->path)];

	/* A path that fills the record is cut by one byte for the NUL. */
	memset(long_path, 'q', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	snprintf(want, sizeof(want), "/dev/shm/f%llu", (unsigned long long)file->ino);
	if (file->ino != c->next_ino || strcmp(file->path, file->ino == LONG_PATH_INO ? long_path : want) != 0 ||
	    file->seals != SG_SEAL_GROW || file->dev_major != 7 || file->dev_minor != 42 || file->uid != 1000 ||
	    file->pid != file->ino * 2 || file->sealed_at != 1700000000 + file->ino)
		c->in_order = false;
	c->next_ino = file->ino + 1;
	return ++c->n == c->stop_at ? 99 : 0;
}

/* Walks the fake registry; returns sg_list()'s value. */
static int list_walk(struct fake *f, struct sg_conn *c, struct registry *reg, struct collected *col)
{
	*reg = (struct registry){ .size = reg->size, .fail_at = reg->fail_at, .empty_but_more = reg->empty_but_more };
	*col = (struct collected){ .next_ino = 1000, .in_order = true, .stop_at = col->stop_at };
	return sg_list(c, collect, col);
}

static void test_list_pages(void **state)
{
	const int pages = (130 + SG_LIST_PAGE - 1) / SG_LIST_PAGE;
	struct registry reg = { .size = 130 };
	struct collected col = { .stop_at = -1 };
	struct fake *f = *state;
	struct sg_conn *c;

	fake_answer(f, answer_list, &reg);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);

	/* Three pages of SG_LIST_PAGE, each continuing after the last key. */
	assert_int_equal(list_walk(f, c, &reg, &col), 0);
	assert_int_equal(col.n, 130);
	assert_true(col.in_order);
	assert_int_equal(reg.requests, pages);
	assert_int_equal(reg.errors, 0);

	/* The callback stops the walk, its value is returned, and no page
	 * is asked for after it: mid-page, and at a page's last entry. */
	col.stop_at = 60;
	assert_int_equal(list_walk(f, c, &reg, &col), 99);
	assert_int_equal(col.n, 60);
	assert_int_equal(reg.requests, 2);
	col.stop_at = SG_LIST_PAGE;
	assert_int_equal(list_walk(f, c, &reg, &col), 99);
	assert_int_equal(col.n, SG_LIST_PAGE);
	assert_int_equal(reg.requests, 1);

	/* Exactly one full page: "more" is 0, one request. */
	col.stop_at = -1;
	reg.size = SG_LIST_PAGE;
	assert_int_equal(list_walk(f, c, &reg, &col), 0);
	assert_int_equal(col.n, SG_LIST_PAGE);
	assert_int_equal(reg.requests, 1);

	/* Nothing sealed: no callback. */
	reg.size = 0;
	assert_int_equal(list_walk(f, c, &reg, &col), 0);
	assert_int_equal(col.n, 0);
	assert_int_equal(reg.requests, 1);

	/* "more" with an empty page: the library stops rather than loop. */
	reg.size = 10;
	reg.empty_but_more = true;
	assert_int_equal(list_walk(f, c, &reg, &col), 0);
	assert_int_equal(col.n, 0);
	assert_int_equal(reg.requests, 1);
	reg.empty_but_more = false;

	/* A page refused midway: the error, after the entries before it. */
	reg.size = 130;
	reg.fail_at = 2;
	errno = 0;
	assert_int_equal(list_walk(f, c, &reg, &col), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(col.n, SG_LIST_PAGE);
	assert_int_equal(reg.errors, 0);

	sg_disconnect(c);
}

/* ---- threads, fork, environment ------------------------------------------ */

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

/* Calls from several threads on one connection take turns: each gets its
 * own answer, on the one connection, in sequence. */
static void test_threads(void **state)
{
	struct worker w[8];
	pthread_t t[8];
	struct fake *f = *state;
	struct sg_conn *c;

	c = sg_connect(f->path, 5000);
	assert_non_null(c);
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .c = c, .size = 10 + i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].wrong, 0);
	}
	assert_int_equal(fake_get(f, &f->requests), 8 * 200);
	/* Neither connection was dropped (the seq check is in fake_teardown). */
	assert_int_equal(fake_get(f, &f->connections), 2);
	sg_disconnect(c);
}

/* A child never talks on its parent's connection. */
static void test_fork(void **state)
{
	struct fake *f = *state;
	int fd = tmpfile_fd(3), status;
	pid_t pid;

	assert_int_equal(sg_get_seals(fd), 3);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(sg_get_seals(fd) == 3 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(sg_get_seals(fd), 3);
	assert_int_equal(fake_get(f, &f->connections), 2);
	assert_int_equal(fake_get(f, &f->requests), 3);
	close(fd);
}

/* The cached connection follows $SEALGUARD_SOCKET. */
static void test_env_change(void **state)
{
	struct fake *a = *state, b;
	int fd = tmpfile_fd(4);

	assert_int_equal(sg_get_seals(fd), 4);
	fake_start(&b, answer_seals, NULL); /* points the environment at b */
	assert_int_equal(sg_get_seals(fd), 4);
	assert_int_equal(fake_get(a, &a->requests), 1);
	assert_int_equal(fake_get(&b, &b.requests), 1);
	/* And back, to a's still open socket. */
	setenv(SG_SOCKET_ENV, a->path, 1);
	assert_int_equal(sg_get_seals(fd), 4);
	assert_int_equal(fake_get(a, &a->requests), 2);
	assert_int_equal(fake_get(a, &a->connections), 2);
	fake_stop(&b);
	close(fd);
}

/* LEFT_OUT over a policy with `total` rules left out, in pages of the size
 * asked from the index asked; the generation changes once after
 * `reload_after` requests, as when a reload comes in between pages. */
struct left_out_fake {
	uint32_t total;
	int reload_after; /* 0: never */
	bool bad_page;	  /* the second page's entry has no NUL in its name */
	bool unknown;	  /* a daemon without the request: SG_MSG_INVALID */
	int requests;
	int errors; /* requests not as docs/protocol.md 3.8 says */
	uint32_t expect_first;
};

static bool answer_left_out(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd)
{
	static struct {
		struct sg_body_left_out b;
		struct sg_left_out_entry e[SG_LEFT_OUT_PAGE];
	} page;
	struct left_out_fake *lo = f->data;
	struct sg_body_left_out_req req;

	if (h->type != SG_OP_LEFT_OUT || lo->unknown) {
		reply(conn, lo->unknown ? SG_MSG_INVALID : h->type, h->seq, -EOPNOTSUPP, NULL, 0);
		return true;
	}
	memcpy(&req, body, sizeof(req));
	lo->requests++;
	if (req.max != SG_LEFT_OUT_PAGE || req.first != lo->expect_first)
		lo->errors++;
	memset(&page, 0, sizeof(page));
	page.b.generation = lo->reload_after && lo->requests > lo->reload_after ? 8 : 7;
	page.b.total = lo->total;
	for (uint32_t i = req.first; i < lo->total && page.b.count < req.max; i++, page.b.count++) {
		struct sg_left_out_entry *e = &page.e[page.b.count];

		snprintf(e->rule, sizeof(e->rule), "r%u", i);
		snprintf(e->where, sizeof(e->where), "p.yaml:%u:5", 3 * i + 3);
		e->kind = i % 2 ? 2 : 1;
		e->missing = 1 + i % 3;
		e->err = ENOENT;
		snprintf(e->reason, sizeof(e->reason), "path /x/%u: No such file or directory", i);
		if (lo->bad_page && req.first > 0)
			memset(e->rule, 'x', sizeof(e->rule));
	}
	lo->expect_first = req.first + page.b.count >= lo->total ? 0 : req.first + page.b.count;
	reply(conn, h->type, h->seq, 0, &page, sizeof(page.b) + page.b.count * sizeof(page.e[0]));
	return true;
}

struct left_out_seen {
	struct sg_left_out_rule v[64];
	int n;
	int stop_at; /* fn returns 5 at this entry; -1: never */
};

static int left_out_collect(const struct sg_left_out_rule *r, void *data)
{
	struct left_out_seen *s = data;

	s->v[s->n++] = *r;
	return s->n - 1 == s->stop_at ? 5 : 0;
}

static void test_left_out(void **state)
{
	struct left_out_fake lo = { .total = 20 };
	struct left_out_seen seen = { .stop_at = -1 };
	struct fake *f = *state;
	struct sg_conn *c;
	uint32_t gen = 0;

	fake_answer(f, answer_left_out, &lo);
	c = sg_connect(f->path, 2000);
	assert_non_null(c);
	/* Two pages, every field of every entry, in order. */
	assert_int_equal(sg_left_out(c, &gen, left_out_collect, &seen), 0);
	assert_int_equal(gen, 7);
	assert_int_equal(lo.requests, 2);
	assert_int_equal(lo.errors, 0);
	assert_int_equal(seen.n, 20);
	for (int i = 0; i < 20; i++) {
		char want[64];

		snprintf(want, sizeof(want), "r%d", i);
		assert_string_equal(seen.v[i].rule, want);
		snprintf(want, sizeof(want), "p.yaml:%d:5", 3 * i + 3);
		assert_string_equal(seen.v[i].where, want);
		assert_int_equal(seen.v[i].exempt, i % 2);
		assert_int_equal(seen.v[i].missing, 1 + i % 3);
		assert_int_equal(seen.v[i].err, ENOENT);
		snprintf(want, sizeof(want), "path /x/%d: No such file or directory", i);
		assert_string_equal(seen.v[i].reason, want);
	}
	assert_int_equal(SG_LEFT_OUT_EXE, SG_LO_EXE);
	assert_int_equal(SG_LEFT_OUT_PATH, SG_LO_PATH);
	assert_int_equal(SG_LEFT_OUT_CGROUP, SG_LO_CGROUP);

	/* A reload between the pages: the walk starts over, each rule seen
	 * once, of the new generation. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = -1;
	lo = (struct left_out_fake){ .total = 20, .reload_after = 1 };
	assert_int_equal(sg_left_out(c, &gen, left_out_collect, &seen), 0);
	assert_int_equal(gen, 8);
	assert_int_equal(seen.n, 20);
	assert_int_equal(lo.requests, 4);

	/* fn stops the walk with its value. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	lo = (struct left_out_fake){ .total = 20 };
	assert_int_equal(sg_left_out(c, NULL, left_out_collect, &seen), 5);
	assert_int_equal(seen.n, 3);

	/* None left out: fn is never called. */
	memset(&seen, 0, sizeof(seen));
	lo = (struct left_out_fake){ .total = 0 };
	assert_int_equal(sg_left_out(c, &gen, left_out_collect, &seen), 0);
	assert_int_equal(seen.n, 0);

	/* A bad second page: EBADMSG, and fn saw nothing of the first. */
	memset(&seen, 0, sizeof(seen));
	lo = (struct left_out_fake){ .total = 20, .bad_page = true };
	errno = 0;
	assert_int_equal(sg_left_out(c, &gen, left_out_collect, &seen), -1);
	assert_int_equal(errno, EBADMSG);
	assert_int_equal(seen.n, 0);

	/* A daemon that does not know the request. */
	lo = (struct left_out_fake){ .unknown = true };
	errno = 0;
	assert_int_equal(sg_left_out(c, &gen, left_out_collect, &seen), -1);
	assert_int_equal(errno, EBADMSG);
	sg_disconnect(c);
}

static void test_denied_op_name(void **state)
{
	/* The public enum is the kernel's, value for value. */
	assert_int_equal(SG_DENIED_WRITE, SG_EV_WRITE);
	assert_int_equal(SG_DENIED_FALLOCATE, SG_EV_FALLOCATE);
	assert_int_equal(SG_DENIED_MMAP, SG_EV_MMAP);
	assert_int_equal(SG_DENIED_MPROTECT, SG_EV_MPROTECT);
	assert_int_equal(SG_DENIED_TRUNCATE, SG_EV_TRUNCATE);
	assert_int_equal(SG_DENIED_CHMOD, SG_EV_CHMOD);
	assert_int_equal(SG_DENIED_TAMPER, SG_EV_TAMPER);
	assert_int_equal(SG_DENIED_OP_COUNT, SG_EV_OP_COUNT);

	assert_string_equal(sg_denied_op_name(SG_DENIED_WRITE), "write");
	assert_string_equal(sg_denied_op_name(SG_DENIED_FALLOCATE), "fallocate");
	assert_string_equal(sg_denied_op_name(SG_DENIED_MMAP), "mmap");
	assert_string_equal(sg_denied_op_name(SG_DENIED_MPROTECT), "mprotect");
	assert_string_equal(sg_denied_op_name(SG_DENIED_TRUNCATE), "truncate");
	assert_string_equal(sg_denied_op_name(SG_DENIED_CHMOD), "chmod");
	assert_string_equal(sg_denied_op_name(SG_DENIED_TAMPER), "tamper");
	assert_string_equal(sg_denied_op_name(SG_DENIED_OP_COUNT), "?");
	assert_string_equal(sg_denied_op_name(~0u), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_and_get, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_bad_fds_not_sent, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_seq, fake_setup, fake_teardown),
		cmocka_unit_test(test_no_daemon),
		cmocka_unit_test_setup_teardown(test_timeout, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_timeout_then_answer, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_default_timeout, fake_setup, fake_teardown),
		cmocka_unit_test(test_connect_timeout),
		cmocka_unit_test_setup_teardown(test_reconnect_after_close, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_once, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_after_restart, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_daemon_full, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_daemon_full_unread, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_stale_replies_skipped, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_seq_only, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_malformed_replies, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_stray_fds, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_status, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_reload, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_unload, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_events, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_events_end, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_list_pages, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_threads, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_fork, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_env_change, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_left_out, fake_setup, fake_teardown),
		cmocka_unit_test(test_denied_op_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
