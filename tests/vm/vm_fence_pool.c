// SPDX-License-Identifier: GPL-2.0
/*
 * The fence's workers cannot all be taken by one user (issue #15, point 5).
 *
 * The attacker, as nobody (with vm.unprivileged_userfaultfd=1, as on a
 * machine that allows it), creates ATTACK files of its own in /dev/shm,
 * starts a write into each whose source page never arrives (userfaultfd),
 * so each write holds its inode lock, then asks sealguard to WRITE-seal
 * every file, each on a connection of its own.  Each of those seals needs
 * a fence that waits for its lock.  At most FENCES_PER_USER (4) of them
 * may wait; the rest must be refused at once with EAGAIN.
 *
 * Then root seals its own file while a write of its own holds that
 * file's lock: the seal must still be fenced -- it returns only after the
 * write has landed -- where before the attacker's sixteen stuck fences
 * made it answered unfenced, ahead of the write.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "sealguard.h"
#include "vm_uffd.h"
#include "vmtest.h"

#define PAGE	    4096
#define ATTACK	    16
#define PER_USER    4 /* user/daemon/fence.c: FENCES_PER_USER */
#define NOBODY	    65534
#define UFFD_SYSCTL "/proc/sys/vm/unprivileged_userfaultfd"

#ifndef F_SEAL_WRITE
#define F_SEAL_WRITE 0x0008
#endif

struct writer {
	int fd;
	char *src;
	ssize_t n;
};

static void *do_write(void *arg)
{
	struct writer *w = arg;

	w->n = pwrite(w->fd, w->src, PAGE, 0);
	return NULL;
}

struct sealer {
	int fd;
	int r, err;
	long long ms; /* how long it took */
	atomic_bool done;
};

static void *do_seal(void *arg)
{
	struct sealer *s = arg;
	struct sg_conn *c = sg_connect(NULL, 60000);
	long long t0 = now_ms();

	s->r = c ? sg_conn_add_seals(c, s->fd, F_SEAL_WRITE) : -1;
	s->err = errno;
	s->ms = now_ms() - t0;
	atomic_store(&s->done, true);
	if (c)
		sg_disconnect(c);
	return NULL;
}

static int make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd >= 0 && ftruncate(fd, PAGE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The attacker, in a child as nobody: reports "<stalled> <pending> <eagain>
 * <other>" on out once its seals are in, then holds everything until a
 * byte comes on in. */
static int attacker(int out, int in)
{
	static struct writer w[ATTACK];
	static struct sealer s[ATTACK];
	pthread_t wt[ATTACK], st[ATTACK];
	int uffd, stalled, pending = 0, eagain = 0, other = 0;
	char path[64], buf[64], *region;

	if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0)
		return 2;
	uffd = vm_uffd_region(&region, ATTACK);
	if (uffd < 0) {
		dprintf(out, "no-uffd %s\n", strerrorname_np(errno));
		return 2;
	}
	for (int i = 0; i < ATTACK; i++) {
		snprintf(path, sizeof(path), "/dev/shm/sg-pool-%d", i);
		w[i].fd = make_file(path);
		w[i].src = region + (size_t)i * PAGE;
		s[i].fd = w[i].fd;
		pthread_create(&wt[i], NULL, do_write, &w[i]);
	}
	stalled = vm_uffd_wait_faults(uffd, ATTACK);
	for (int i = 0; i < ATTACK; i++)
		pthread_create(&st[i], NULL, do_seal, &s[i]);
	/* The daemon waits 200 ms for each fence before it defers its answer,
	 * one request after another: 4 of them, under TCG. */
	usleep(3000 * 1000);
	for (int i = 0; i < ATTACK; i++) {
		if (!atomic_load(&s[i].done))
			pending++;
		else if (s[i].r < 0 && s[i].err == EAGAIN)
			eagain++;
		else
			other++;
	}
	dprintf(out, "%d %d %d %d\n", stalled, pending, eagain, other);
	if (read(in, buf, 1) < 0)
		return 2;
	for (int i = 0; i < ATTACK; i++)
		vm_uffd_fill(uffd, region + (size_t)i * PAGE, 'W', NULL);
	for (int i = 0; i < ATTACK; i++) {
		pthread_join(wt[i], NULL);
		pthread_join(st[i], NULL);
		close(w[i].fd);
		snprintf(path, sizeof(path), "/dev/shm/sg-pool-%d", i);
		unlink(path);
	}
	return 0;
}

/* Root's own seal while a write of root's holds the lock: fenced means it
 * returns after the write is let go, with the write's bytes in the file. */
static void victim(void)
{
	const char *name = "fence-pool/other-user-still-fenced";
	struct writer w = { 0 };
	struct sealer s = { 0 };
	pthread_t wt, st;
	long long released;
	char *page, buf[PAGE];
	int uffd;
	bool early;

	w.fd = make_file("/dev/shm/sg-pool-root");
	uffd = vm_uffd_region(&page, 1);
	if (w.fd < 0 || uffd < 0) {
		vmtest_fail(name, "setup: %s", strerror(errno));
		return;
	}
	w.src = page;
	pthread_create(&wt, NULL, do_write, &w);
	if (vm_uffd_wait_faults(uffd, 1) != 1)
		vmtest_fail(name, "root's write never faulted on its source page");
	s.fd = w.fd;
	pthread_create(&st, NULL, do_seal, &s);
	usleep(700 * 1000);
	early = atomic_load(&s.done);
	released = now_ms();
	vm_uffd_fill(uffd, page, 'W', NULL);
	pthread_join(wt, NULL);
	pthread_join(st, NULL);
	if (early)
		vmtest_fail(name,
			    "root's seal returned (%d, %s) while its write held the inode lock: answered unfenced", s.r,
			    s.r < 0 ? strerrorname_np(s.err) : "ok");
	else if (s.r < 0)
		vmtest_fail(name, "root's seal failed: %s", strerror(s.err));
	else if (pread(w.fd, buf, PAGE, 0) != PAGE || buf[0] != 'W')
		vmtest_fail(name, "root's write inside the lock did not land before its seal returned");
	else if (pwrite(w.fd, "x", 1, 0) != -1 || errno != EPERM)
		vmtest_fail(name, "a write after root's seal was not refused with EPERM");
	else
		vmtest_pass(name);
	(void)released;
	munmap(page, PAGE);
	close(uffd);
	close(w.fd);
	unlink("/dev/shm/sg-pool-root");
}

int main(void)
{
	int to_parent[2], to_child[2], stalled = -1, pending = -1, eagain = -1, other = -1, status;
	char old[16] = "0", line[128] = "";
	FILE *f;
	pid_t pid;
	ssize_t n;

	f = fopen(UFFD_SYSCTL, "r+");
	if (!f || !fgets(old, sizeof(old), f) || fseek(f, 0, SEEK_SET) < 0 || fputs("1\n", f) < 0) {
		vmtest_fail("fence-pool/setup", "cannot allow unprivileged userfaultfd (%s): %s", UFFD_SYSCTL,
			    strerror(errno));
		return vmtest_exit();
	}
	fclose(f);
	if (pipe(to_parent) < 0 || pipe(to_child) < 0)
		return 2;
	pid = fork();
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		_exit(attacker(to_parent[1], to_child[0]));
	}
	close(to_parent[1]);
	close(to_child[0]);
	n = read(to_parent[0], line, sizeof(line) - 1);
	if (n > 0)
		line[n] = '\0';
	sscanf(line, "%d %d %d %d", &stalled, &pending, &eagain, &other);
	fprintf(stderr, "vm_fence_pool: %d writes stalled as nobody; seals: %d waiting, %d EAGAIN, %d other\n", stalled,
		pending, eagain, other);
	if (stalled != ATTACK)
		vmtest_fail("fence-pool/attacker-stalls-writes", "%s", n > 0 ? line : "the attacker reported nothing");
	else
		vmtest_pass("fence-pool/attacker-stalls-writes");
	if (pending == PER_USER && eagain == ATTACK - PER_USER && other == 0)
		vmtest_pass("fence-pool/per-user-bound");
	else
		vmtest_fail("fence-pool/per-user-bound",
			    "of %d seals by one user with their writes stuck, %d waited, %d got EAGAIN, %d something "
			    "else (want %d waiting, the rest EAGAIN)",
			    ATTACK, pending, eagain, other, PER_USER);
	victim();
	if (write(to_child[1], "x", 1) < 0)
		perror("vm_fence_pool: release");
	waitpid(pid, &status, 0);
	f = fopen(UFFD_SYSCTL, "w");
	if (f) {
		fputs(old, f);
		fclose(f);
	}
	return vmtest_exit();
}
