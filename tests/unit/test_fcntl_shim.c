// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fcntl shim (user/shim/fcntl_seals.c), linked ahead of libc as
 * LD_PRELOAD puts it, against the fake sealguardd: files the kernel seals
 * itself and every other command never reach the daemon; files it cannot
 * seal get the daemon's answer, or the kernel's when no daemon answers or
 * the daemon's error is outside fcntl's contract.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_daemon.h"
#include "sealguard_abi.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int fcntl64(int fd, int cmd, ...);

static int tmp_file(void)
{
	int fd = open("/tmp", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	return fd;
}

/* fcntl(fd, cmd, arg) with errno, as one value to compare. */
static int call(int fd, int cmd, unsigned long arg)
{
	int r = fcntl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

static void test_other_commands_untouched(void **state)
{
	struct fake *f = *state;
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	int fd = tmp_file(), dup;

	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	assert_int_equal(fcntl(fd, F_SETFL, O_APPEND), 0);
	assert_true(fcntl64(fd, F_GETFL) & O_APPEND);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	assert_true(dup >= 100);
	assert_int_equal(fcntl(fd, F_GETLK, &lk), 0); /* a struct argument */
	assert_int_equal(lk.l_type, F_UNLCK);
	assert_int_equal(fcntl(-1, F_GETFL), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(fake_get(f, &f->connections), 0);
	close(dup);
	close(fd);
}

/* A memfd made with MFD_ALLOW_SEALING: the kernel's answers, errors
 * included, and no daemon call. */
static void test_native_memfd_is_the_kernels(void **state)
{
	struct fake *f = *state;
	int fd = memfd_create("shim", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(call(fd, F_GET_SEALS, 0), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	assert_int_equal(fcntl64(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
	assert_int_equal(call(fd, F_ADD_SEALS, 0x8000), -EINVAL);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	assert_int_equal(call(fd, F_ADD_SEALS, F_SEAL_WRITE), -EPERM);
	assert_int_equal(call(fd, F_GET_SEALS, 0), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW);
	assert_int_equal(fake_get(f, &f->requests), 0);
	close(fd);
}

/* A regular file: the daemon's seals, added and read through fcntl. */
static void test_regular_file_asks_the_daemon(void **state)
{
	struct seal_answers a = { .add = 0, .get = F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE };
	struct fake *f = *state;
	struct last_request l;
	int fd = tmp_file();

	fake_answer(f, answer_seals, &a);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE), 0);
	l = fake_last(f);
	assert_int_equal(l.h.type, SG_OP_ADD_SEALS);
	assert_int_equal(l.seals, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE);
	assert_int_equal(fcntl64(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE);
	assert_int_equal(fake_last(f).h.type, SG_OP_GET_SEALS);
	assert_int_equal(fake_get(f, &f->requests), 2);

	/* The daemon's refusals that fcntl's contract has. */
	a.add = -EBUSY;
	assert_int_equal(call(fd, F_ADD_SEALS, F_SEAL_WRITE), -EBUSY);
	a.add = -EPERM;
	assert_int_equal(call(fd, F_ADD_SEALS, F_SEAL_GROW), -EPERM);
	/* One it has not (a full registry): the kernel's EINVAL. */
	a.add = -ENOSPC;
	assert_int_equal(call(fd, F_ADD_SEALS, F_SEAL_GROW), -EINVAL);
	a.get = -EOPNOTSUPP;
	assert_int_equal(call(fd, F_GET_SEALS, 0), -EINVAL);
	close(fd);
}

/* A memfd made without MFD_ALLOW_SEALING answers F_SEAL_SEAL and refuses
 * seals with EPERM: sealguard's to seal. */
static void test_memfd_without_sealing(void **state)
{
	struct seal_answers a = { .add = 0, .get = F_SEAL_SHRINK };
	struct fake *f = *state;
	int fd = memfd_create("shim", MFD_CLOEXEC), ro;
	char link[64];

	assert_true(fd >= 0);
	fake_answer(f, answer_seals, &a);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	assert_int_equal(fake_last(f).seals, F_SEAL_SHRINK);
	assert_int_equal(fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK);
	assert_int_equal(fake_get(f, &f->requests), 2);

	/* Read-only, it is the kernel's EPERM, whatever the daemon. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ro = open(link, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(call(ro, F_ADD_SEALS, F_SEAL_SHRINK), -EPERM);
	close(ro);
	/* A read-only regular file too (the kernel checks access first). */
	ro = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_int_equal(call(ro, F_ADD_SEALS, F_SEAL_SHRINK), -EPERM);
	assert_int_equal(fake_get(f, &f->requests), 2);
	close(ro);
	close(fd);
}

/* No daemon: exactly what the kernel says. */
static void test_no_daemon_is_the_kernels(void **state)
{
	struct fake *f = *state;
	int fd = tmp_file(), mfd = memfd_create("shim", MFD_CLOEXEC);

	fake_down(f);
	assert_int_equal(call(fd, F_GET_SEALS, 0), -EINVAL);
	assert_int_equal(call(fd, F_ADD_SEALS, F_SEAL_SHRINK), -EINVAL);
	assert_int_equal(call(mfd, F_GET_SEALS, 0), F_SEAL_SEAL);
	assert_int_equal(call(mfd, F_ADD_SEALS, F_SEAL_SHRINK), -EPERM);
	assert_int_equal(call(-1, F_GET_SEALS, 0), -EBADF);
	close(mfd);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_other_commands_untouched, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_native_memfd_is_the_kernels, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_regular_file_asks_the_daemon, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_memfd_without_sealing, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_no_daemon_is_the_kernels, fake_setup, fake_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
