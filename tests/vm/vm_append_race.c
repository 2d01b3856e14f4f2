// SPDX-License-Identifier: GPL-2.0
/*
 * Append mode read at one time and used at another (issue #15, point 3).
 *
 * file_permission judges a write by O_APPEND as f_flags has it then; the
 * write's kiocb takes IOCB_APPEND from f_flags again later.  Another
 * thread's F_SETFL in between turned an in-size write (allowed under GROW)
 * into an append that grew the file.  sealguard refuses F_SETFL changes of
 * O_APPEND on a GROW-sealed file (divergence setfl-append-under-grow; the
 * kernel checks the real position under the inode lock and needs no such
 * rule).
 *
 *  - pwrite race, as nobody: one thread writes a byte inside a 4096-byte
 *    GROW-sealed file, another toggles O_APPEND, for RACE_TRIES rounds or
 *    RACE_SECONDS (before the fix the file grew within 34 to 884 tries); the
 *    size must stay 4096.  The same on a natively sealed
 *    memfd (the control): F_SETFL works there, the size stays too.
 *  - AIO: an IOCB_CMD_PWRITEV on an O_APPEND fd whose iovec array sits on a
 *    page userfaultfd holds back; while aio_prep_rw's copy of it waits,
 *    F_SETFL clears O_APPEND.  Refused with EPERM on the sealguard file, and
 *    the write is refused (EPERM) on both files, size unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/aio_abi.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sealguard.h"
#include "vm_uffd.h"
#include "vmtest.h"

#define PAGE	     4096
#define RACE_TRIES   200000
#define RACE_SECONDS 20
#define NOBODY	     65534

#ifndef F_SEAL_GROW
#define F_SEAL_GROW 0x0004
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif

/* A 4096-byte file sealed GROW: natively (a memfd) or by sealguard. */
static int grow_sealed(bool native, int extra_flags)
{
	char path[64];
	int fd;

	if (native) {
		fd = memfd_create("sg-append-race", MFD_ALLOW_SEALING);
		if (fd < 0 || ftruncate(fd, PAGE) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_GROW) < 0)
			return -1;
		if (extra_flags) {
			int again;

			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
			again = open(path, O_RDWR | extra_flags);
			close(fd);
			fd = again;
		}
		return fd;
	}
	snprintf(path, sizeof(path), "/dev/shm/sg-append-race-%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | extra_flags, 0600);
	unlink(path);
	if (fd < 0 || ftruncate(fd, PAGE) < 0 || sg_add_seals(fd, F_SEAL_GROW) < 0)
		return -1;
	return fd;
}

static long long size_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -1 : (long long)st.st_size;
}

struct race {
	int fd;
	atomic_bool stop;
	long tries, setfl_ok, setfl_eperm, setfl_other;
};

static void *toggler(void *arg)
{
	struct race *r = arg;

	/* Only the calls that turn O_APPEND on are counted: turning it off
	 * is a no-op where it never came on. */
	for (bool on = true; !atomic_load(&r->stop); on = !on) {
		int x = fcntl(r->fd, F_SETFL, on ? O_APPEND : 0);

		if (!on)
			continue;
		if (x == 0)
			r->setfl_ok++;
		else if (errno == EPERM)
			r->setfl_eperm++;
		else
			r->setfl_other++;
	}
	return NULL;
}

/* "<size after> <tries> <setfl ok> <setfl EPERM>", run as nobody. */
static int pwrite_race(bool native, char *out, size_t len)
{
	struct race r = { 0 };
	/* The control only has to show the toggling works. */
	time_t end = time(NULL) + (native ? 5 : RACE_SECONDS);
	pthread_t t;

	r.fd = grow_sealed(native, 0);
	if (r.fd < 0)
		return -1;
	pthread_create(&t, NULL, toggler, &r);
	for (r.tries = 0; r.tries < RACE_TRIES && time(NULL) < end; r.tries++)
		(void)!pwrite(r.fd, "w", 1, 100);
	atomic_store(&r.stop, true);
	pthread_join(t, NULL);
	snprintf(out, len, "%lld %ld %ld %ld", size_of(r.fd), r.tries, r.setfl_ok, r.setfl_eperm);
	close(r.fd);
	return 0;
}

static void race_case(bool native)
{
	const char *name = native ? "append-race/pwrite-native-control" : "append-race/pwrite-toggle-o-append";
	char line[128] = "";
	long long size = -1;
	long tries = 0, ok = 0, eperm = 0;
	int p[2], status;
	pid_t pid;

	if (pipe(p) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		char buf[128];

		close(p[0]);
		if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0 || pwrite_race(native, buf, sizeof(buf)) < 0)
			snprintf(buf, sizeof(buf), "setup-failed %s", strerrorname_np(errno));
		(void)!write(p[1], buf, strlen(buf));
		_exit(0);
	}
	close(p[1]);
	(void)!read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	waitpid(pid, &status, 0);
	sscanf(line, "%lld %ld %ld %ld", &size, &tries, &ok, &eperm);
	fprintf(stderr,
		"vm_append_race: %s: %ld pwrites as nobody while another thread turned O_APPEND "
		"on and off (turning it on: %ld ok, %ld EPERM); size after %lld\n",
		name, tries, ok, eperm, size);
	if (size != PAGE)
		vmtest_fail(name, "the GROW-sealed file grew to %lld bytes in %ld tries (%s)", size, tries, line);
	else if (native && (ok == 0 || eperm != 0))
		vmtest_fail(name, "natively F_SETFL is never refused: %ld ok, %ld EPERM", ok, eperm);
	else if (!native && (ok != 0 || eperm == 0))
		vmtest_fail(name,
			    "F_SETFL changing O_APPEND on a GROW-sealed file: %ld ok, %ld EPERM (want EPERM "
			    "only: divergence setfl-append-under-grow)",
			    ok, eperm);
	else
		vmtest_pass(name);
}

/* ---- AIO: the iovec copy held back while O_APPEND is cleared ------------ */

struct submit {
	aio_context_t ctx;
	struct iocb *cb;
	long r;
	int err;
};

static void *do_submit(void *arg)
{
	struct submit *s = arg;

	s->r = syscall(SYS_io_submit, s->ctx, 1L, &s->cb);
	s->err = errno;
	return NULL;
}

static void aio_case(bool native)
{
	const char *name = native ? "append-race/aio-native-control" : "append-race/aio-clear-o-append";
	static char data[8] = "appended";
	struct io_event ev;
	struct submit s = { 0 };
	struct iocb cb = { 0 };
	struct timespec ts = { 5, 0 };
	static char fill[PAGE] __attribute__((aligned(PAGE)));
	struct iovec *iov;
	pthread_t t;
	char *page;
	int fd = grow_sealed(native, O_APPEND), uffd = vm_uffd_region(&page, 1), setfl, setfl_err;
	long got;

	if (fd < 0 || uffd < 0 || syscall(SYS_io_setup, 1, &s.ctx) < 0) {
		vmtest_fail(name, "setup: %s", strerror(errno));
		return;
	}
	cb.aio_lio_opcode = IOCB_CMD_PWRITEV;
	cb.aio_fildes = (unsigned int)fd;
	cb.aio_buf = (unsigned long)page; /* the iovec array: not there yet */
	cb.aio_nbytes = 1;
	cb.aio_offset = 100;
	s.cb = &cb;
	pthread_create(&t, NULL, do_submit, &s);
	if (vm_uffd_wait_faults(uffd, 1) != 1) {
		vmtest_fail(name, "the iovec copy never faulted");
		return;
	}
	/* aio_prep_rw has taken IOCB_APPEND; now clear O_APPEND. */
	setfl = fcntl(fd, F_SETFL, 0);
	setfl_err = errno;
	iov = (struct iovec *)fill;
	iov->iov_base = data;
	iov->iov_len = 1;
	vm_uffd_fill(uffd, page, 0, fill);
	pthread_join(t, NULL);
	got = s.r == 1 ? syscall(SYS_io_getevents, s.ctx, 1L, 1L, &ev, &ts) : -1;
	fprintf(stderr, "vm_append_race: %s: F_SETFL %s; io_submit %ld (%s); event %ld res %lld; size %lld\n", name,
		setfl == 0 ? "ok" : strerrorname_np(setfl_err), s.r, s.r < 0 ? strerrorname_np(s.err) : "ok", got,
		got == 1 ? (long long)ev.res : 0LL, size_of(fd));
	if (size_of(fd) != PAGE)
		vmtest_fail(name, "the GROW-sealed file grew to %lld bytes", size_of(fd));
	else if (!native && (setfl == 0 || setfl_err != EPERM))
		vmtest_fail(name, "F_SETFL clearing O_APPEND on a GROW-sealed file: %s, not EPERM",
			    setfl == 0 ? "ok" : strerrorname_np(setfl_err));
	else if (s.r == 1 && got == 1 && ev.res != -EPERM)
		vmtest_fail(name, "the append was not refused with EPERM (%lld)", (long long)ev.res);
	else if (s.r != 1 && s.err != EPERM)
		vmtest_fail(name, "io_submit: %s, not EPERM", strerrorname_np(s.err));
	else
		vmtest_pass(name);
	syscall(SYS_io_destroy, s.ctx);
	munmap(page, PAGE);
	close(uffd);
	close(fd);
}

int main(void)
{
	race_case(true);
	race_case(false);
	aio_case(true);
	aio_case(false);
	return vmtest_exit();
}
