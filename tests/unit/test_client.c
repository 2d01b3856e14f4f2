// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsealguard against a fake sealguardd: a thread that serves one
 * connection on a socket in a temporary directory, as scripted by the test,
 * and records what it received.  cmocka's asserts longjmp, so only the main
 * thread asserts, after joining the fake daemon.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocol.h"
#include "sealguard.h"
#include "sealguard_abi.h"

/* Bounds the fake daemon's waits, so a broken client fails instead of hanging. */
#define FAKE_TIMEOUT_MS 15000

enum fake_mode {
	FAKE_REPLY,         /* answer with reply_op (0: the request's op) and result */
	FAKE_REPLY_WITH_FD, /* the same, with an fd the client did not ask for */
	FAKE_RAW,           /* answer with raw[0..raw_len) */
	FAKE_HANG_UP,       /* close without answering */
	FAKE_SILENT,        /* say nothing until the client gives up */
};

struct fake_daemon {
	char dir[64];
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	int listen_fd;
	pthread_t thread;

	/* Script, set before fake_start(). */
	enum fake_mode mode;
	uint16_t reply_op;
	int32_t result;
	unsigned char raw[64];
	size_t raw_len;

	/* Observations, read after fake_finish(). */
	int err; /* first thing that went wrong in the daemon, as -errno */
	ssize_t req_len;
	struct sg_request req;
	int nfds;
	struct stat st; /* of the first fd received */
	int client_closed;
};

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int fake_recv_request(struct fake_daemon *d, int conn)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = &d->req, .iov_len = sizeof(d->req) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};

	d->req_len = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (d->req_len < 0)
		return -errno;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (d->nfds++ == 0 && fstat(fd, &d->st) < 0)
				d->err = -errno;
			close(fd);
		}
	}
	return 0;
}

static int fake_send(int conn, const void *buf, size_t len, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(conn, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int fake_serve(struct fake_daemon *d, int conn)
{
	struct sg_reply rep;
	char byte;
	int r, fd;

	r = fake_recv_request(d, conn);
	if (r < 0)
		return r;

	switch (d->mode) {
	case FAKE_REPLY:
		sg_reply_init(&rep, d->reply_op ?: d->req.op, d->result);
		return fake_send(conn, &rep, sizeof(rep), -1);
	case FAKE_REPLY_WITH_FD:
		sg_reply_init(&rep, d->reply_op ?: d->req.op, d->result);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = fake_send(conn, &rep, sizeof(rep), fd);
		close(fd);
		return r;
	case FAKE_RAW:
		return fake_send(conn, d->raw, d->raw_len, -1);
	case FAKE_HANG_UP:
		return 0;
	case FAKE_SILENT:
		/* EOF: the client timed out and closed its end. */
		if (recv(conn, &byte, 1, 0) == 0)
			d->client_closed = 1;
		return 0;
	}
	return -EINVAL;
}

static void *fake_main(void *arg)
{
	const struct timeval tv = { .tv_sec = FAKE_TIMEOUT_MS / 1000 };
	struct fake_daemon *d = arg;
	struct pollfd pfd = { .fd = d->listen_fd, .events = POLLIN };
	int conn, r;

	r = poll(&pfd, 1, FAKE_TIMEOUT_MS);
	if (r <= 0) {
		d->err = r < 0 ? -errno : -ETIMEDOUT;
		return NULL;
	}
	conn = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		d->err = -errno;
		return NULL;
	}
	if (setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		r = -errno;
	else
		r = fake_serve(d, conn);
	if (r < 0 && d->err == 0)
		d->err = r;
	close(conn);
	return NULL;
}

static void fake_reset(struct fake_daemon *d, enum fake_mode mode, int32_t result)
{
	d->mode = mode;
	d->reply_op = 0;
	d->result = result;
	d->raw_len = 0;
	d->err = 0;
	d->req_len = -1;
	memset(&d->req, 0, sizeof(d->req));
	d->nfds = 0;
	memset(&d->st, 0, sizeof(d->st));
	d->client_closed = 0;
}

static void fake_start(struct fake_daemon *d)
{
	assert_int_equal(pthread_create(&d->thread, NULL, fake_main, d), 0);
}

static void fake_finish(struct fake_daemon *d)
{
	assert_int_equal(pthread_join(d->thread, NULL), 0);
}

/* True if nobody connected to the fake daemon since the last accept. */
static int fake_untouched(struct fake_daemon *d)
{
	struct pollfd pfd = { .fd = d->listen_fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

static int group_setup(void **state)
{
	struct fake_daemon *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	strcpy(d->dir, "/tmp/sealguard-test-XXXXXX");
	if (!mkdtemp(d->dir))
		goto fail;
	snprintf(d->path, sizeof(d->path), "%s/control.sock", d->dir);
	d->listen_fd = listen_on(d->path);
	if (d->listen_fd < 0)
		goto fail_dir;
	if (setenv(SG_SOCKET_ENV, d->path, 1) < 0)
		goto fail_listen;
	*state = d;
	return 0;

fail_listen:
	close(d->listen_fd);
	unlink(d->path);
fail_dir:
	rmdir(d->dir);
fail:
	free(d);
	return -1;
}

static int group_teardown(void **state)
{
	struct fake_daemon *d = *state;

	close(d->listen_fd);
	unlink(d->path);
	rmdir(d->dir);
	free(d);
	return 0;
}

/* Each test starts from the fake daemon's socket, whatever the last one set. */
static int test_setup(void **state)
{
	struct fake_daemon *d = *state;

	return setenv(SG_SOCKET_ENV, d->path, 1);
}

/* A file to seal: an unlinked temporary, so nothing is left behind. */
static int temp_file(struct stat *st)
{
	char path[] = "/tmp/sealguard-file-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fstat(fd, st), 0);
	return fd;
}

static int count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(dir);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* errno is taken before anything else can touch it. */
static void assert_fails(int r, int want_errno)
{
	int err = errno;

	assert_int_equal(r, -1);
	assert_int_equal(err, want_errno);
}

static void assert_same_file(const struct fake_daemon *d, const struct stat *st)
{
	assert_int_equal(d->nfds, 1);
	assert_int_equal(d->st.st_dev, st->st_dev);
	assert_int_equal(d->st.st_ino, st->st_ino);
}

static void test_add_refused(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st), r, err;

	fake_reset(d, FAKE_REPLY, -EBUSY);
	fake_start(d);
	errno = 0;
	r = sg_add_seals(fd, SG_SEAL_WRITE | SG_SEAL_GROW);
	err = errno;
	fake_finish(d);

	assert_int_equal(r, -1);
	assert_int_equal(err, EBUSY);
	assert_int_equal(d->err, 0);
	assert_int_equal(d->req_len, sizeof(struct sg_request));
	assert_int_equal(d->req.magic, SG_PROTO_MAGIC);
	assert_int_equal(d->req.version, SG_PROTO_VERSION);
	assert_int_equal(d->req.op, SG_OP_ADD_SEALS);
	assert_int_equal(d->req.seals, SG_SEAL_WRITE | SG_SEAL_GROW);
	assert_int_equal(d->req.reserved, 0);
	assert_same_file(d, &st);
	close(fd);
}

static void test_add_ok(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st);

	fake_reset(d, FAKE_REPLY, 0);
	fake_start(d);
	assert_int_equal(sg_add_seals(fd, SG_SEAL_SEAL), 0);
	fake_finish(d);
	assert_int_equal(d->err, 0);
	assert_int_equal(d->req.seals, SG_SEAL_SEAL);
	assert_same_file(d, &st);
	close(fd);
}

/* Unknown bits are the daemon's to refuse (after its fd checks), like the kernel. */
static void test_add_unknown_bits_passed_on(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st);

	fake_reset(d, FAKE_REPLY, -EINVAL);
	fake_start(d);
	assert_fails(sg_add_seals(fd, 0x40 | SG_SEAL_WRITE), EINVAL);
	fake_finish(d);
	assert_int_equal(d->req.seals, 0x40 | SG_SEAL_WRITE);
	close(fd);
}

static void test_get(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st);

	fake_reset(d, FAKE_REPLY, SG_SEAL_GROW | SG_SEAL_WRITE);
	fake_start(d);
	assert_int_equal(sg_get_seals(fd), 0x0c);
	fake_finish(d);
	assert_int_equal(d->err, 0);
	assert_int_equal(d->req.op, SG_OP_GET_SEALS);
	assert_int_equal(d->req.seals, 0);
	assert_same_file(d, &st);
	close(fd);
}

static void test_get_refused(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st);

	fake_reset(d, FAKE_REPLY, -EINVAL);
	fake_start(d);
	assert_fails(sg_get_seals(fd), EINVAL);
	fake_finish(d);
	close(fd);
}

/* Like fcntl: a bad fd is EBADF, and the daemon never hears of it. */
static void test_bad_fd(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st), opath;

	assert_fails(sg_add_seals(-1, SG_SEAL_WRITE), EBADF);
	assert_fails(sg_get_seals(-1), EBADF);
	assert_fails(sg_get_seals(INT_MAX), EBADF);

	close(fd);
	assert_fails(sg_add_seals(fd, SG_SEAL_WRITE), EBADF);
	assert_fails(sg_get_seals(fd), EBADF);

	/* fcntl(F_GET_SEALS) on an O_PATH fd is EBADF too. */
	opath = open("/tmp", O_PATH | O_CLOEXEC);
	assert_true(opath >= 0);
	assert_fails(sg_get_seals(opath), EBADF);
	assert_fails(sg_add_seals(opath, SG_SEAL_SEAL), EBADF);
	close(opath);

	assert_true(fake_untouched(d));
}

static void test_no_daemon(void **state)
{
	struct fake_daemon *d = *state;
	char path[sizeof(d->path)], toolong[200];
	struct stat st;
	int fd = temp_file(&st), stale;

	/* No socket at all. */
	snprintf(path, sizeof(path), "%s/absent.sock", d->dir);
	assert_int_equal(setenv(SG_SOCKET_ENV, path, 1), 0);
	assert_fails(sg_add_seals(fd, SG_SEAL_WRITE), ENOENT);
	assert_fails(sg_get_seals(fd), ENOENT);

	/* A socket left behind by a daemon that is gone. */
	snprintf(path, sizeof(path), "%s/stale.sock", d->dir);
	stale = listen_on(path);
	assert_true(stale >= 0);
	close(stale);
	assert_int_equal(setenv(SG_SOCKET_ENV, path, 1), 0);
	assert_fails(sg_get_seals(fd), ECONNREFUSED);
	unlink(path);

	memset(toolong, 'x', sizeof(toolong) - 1);
	toolong[0] = '/';
	toolong[sizeof(toolong) - 1] = '\0';
	assert_int_equal(setenv(SG_SOCKET_ENV, toolong, 1), 0);
	assert_fails(sg_get_seals(fd), ENAMETOOLONG);

	close(fd);
}

static void test_hang_up(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st);

	fake_reset(d, FAKE_HANG_UP, 0);
	fake_start(d);
	assert_fails(sg_add_seals(fd, SG_SEAL_WRITE), ECONNRESET);
	fake_finish(d);
	assert_int_equal(d->err, 0);
	close(fd);
}

static void expect_bad_reply(struct fake_daemon *d, int add, int want_errno)
{
	struct stat st;
	int fd = temp_file(&st);

	fake_start(d);
	assert_fails(add ? sg_add_seals(fd, SG_SEAL_WRITE) : sg_get_seals(fd), want_errno);
	fake_finish(d);
	close(fd);
}

static void test_bad_replies(void **state)
{
	struct fake_daemon *d = *state;
	struct sg_reply rep;

	/* A reply to the other operation. */
	fake_reset(d, FAKE_REPLY, 0);
	d->reply_op = SG_OP_GET_SEALS;
	expect_bad_reply(d, 1, EBADMSG);

	/* F_ADD_SEALS succeeds with 0, nothing else. */
	fake_reset(d, FAKE_REPLY, 1);
	expect_bad_reply(d, 1, EBADMSG);

	fake_reset(d, FAKE_REPLY, -4096);
	expect_bad_reply(d, 0, EBADMSG);

	/* Too short. */
	fake_reset(d, FAKE_RAW, 0);
	sg_reply_init(&rep, SG_OP_GET_SEALS, 0);
	memcpy(d->raw, &rep, sizeof(rep));
	d->raw_len = sizeof(rep) - 1;
	expect_bad_reply(d, 0, EBADMSG);

	/* Too long: the client sees MSG_TRUNC. */
	fake_reset(d, FAKE_RAW, 0);
	memcpy(d->raw, &rep, sizeof(rep));
	d->raw_len = sizeof(rep) + 1;
	expect_bad_reply(d, 0, EBADMSG);

	fake_reset(d, FAKE_RAW, 0);
	rep.version = SG_PROTO_VERSION + 1;
	memcpy(d->raw, &rep, sizeof(rep));
	d->raw_len = sizeof(rep);
	expect_bad_reply(d, 0, EPROTO);
}

/* An fd the daemon should not have sent is closed, not leaked. */
static void test_stray_fd_closed(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st), before;

	before = count_fds();
	fake_reset(d, FAKE_REPLY_WITH_FD, SG_SEAL_SEAL);
	fake_start(d);
	assert_int_equal(sg_get_seals(fd), SG_SEAL_SEAL);
	fake_finish(d);
	assert_int_equal(d->err, 0);
	assert_int_equal(count_fds(), before);
	close(fd);
}

/* A daemon that never answers costs the caller a bounded wait, not a hang. */
static void test_timeout(void **state)
{
	struct fake_daemon *d = *state;
	struct stat st;
	int fd = temp_file(&st), r, err;
	double t0, elapsed;

	fake_reset(d, FAKE_SILENT, 0);
	fake_start(d);
	t0 = now();
	r = sg_get_seals(fd);
	err = errno;
	elapsed = now() - t0;
	fake_finish(d);

	assert_int_equal(r, -1);
	assert_int_equal(err, ETIMEDOUT);
	assert_true(elapsed > 4.0 && elapsed < 10.0);
	assert_int_equal(d->err, 0);
	assert_true(d->client_closed);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add_refused, test_setup),
		cmocka_unit_test_setup(test_add_ok, test_setup),
		cmocka_unit_test_setup(test_add_unknown_bits_passed_on, test_setup),
		cmocka_unit_test_setup(test_get, test_setup),
		cmocka_unit_test_setup(test_get_refused, test_setup),
		cmocka_unit_test_setup(test_bad_fd, test_setup),
		cmocka_unit_test_setup(test_no_daemon, test_setup),
		cmocka_unit_test_setup(test_hang_up, test_setup),
		cmocka_unit_test_setup(test_bad_replies, test_setup),
		cmocka_unit_test_setup(test_stray_fd_closed, test_setup),
		cmocka_unit_test_setup(test_timeout, test_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
