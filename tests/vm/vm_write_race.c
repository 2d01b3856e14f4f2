// SPDX-License-Identifier: GPL-2.0
/*
 * Adding WRITE races new writable shared mmaps.  The kernel's rule: the
 * seal fails with EBUSY while a writable shared mapping exists, and once it
 * succeeded no new one can appear.  Children map, store and unmap in a
 * tight loop while the parent seals; after a successful seal the content
 * must never change again (a store that lands is a mapping that slipped
 * through the window).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sealguard.h"
#include "vmtest.h"

#define ROUNDS	 60
#define CHILDREN 3
#define SIZE	 4096

static void hammer(int fd, int id)
{
	unsigned char v = (unsigned char)(id + 1);

	for (;;) {
		unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			continue;
		p[id] = v++;
		munmap(p, SIZE);
		/* Gaps, so some seals find no mapping and succeed. */
		if (v % 8 == 0)
			usleep(200);
	}
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One round: 1 if sealed and stable, 0 if EBUSY, -1 on failure. */
static int round_once(int round, char *why, size_t len)
{
	char path[64], before[SIZE], after[SIZE];
	pid_t kids[CHILDREN];
	int fd, i, r, err = 0;

	snprintf(path, sizeof(path), "/dev/shm/sg-race-%d-%d", getpid(), round);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, SIZE) < 0) {
		snprintf(why, len, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	unlink(path);
	for (i = 0; i < CHILDREN; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			hammer(fd, i);
	}
	sleep_ms(5 + round % 7);
	r = sg_add_seals(fd, F_SEAL_WRITE);
	if (r < 0)
		err = errno;
	if (r == 0 && pread(fd, before, SIZE, 0) != SIZE)
		err = errno ? errno : EIO;
	/* Give any mapping that slipped in the time to store. */
	sleep_ms(30);
	if (r == 0 && pread(fd, after, SIZE, 0) != SIZE)
		err = errno ? errno : EIO;
	for (i = 0; i < CHILDREN; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	close(fd);
	if (r < 0) {
		if (err == EBUSY)
			return 0;
		snprintf(why, len, "round %d: sg_add_seals(WRITE) failed with %s, expected 0 or EBUSY", round,
			 strerrorname_np(err));
		return -1;
	}
	if (err) {
		snprintf(why, len, "round %d: reading back failed: %s", round, strerror(err));
		return -1;
	}
	if (memcmp(before, after, SIZE) != 0) {
		snprintf(why, len,
			 "round %d: content changed after WRITE was sealed: a writable "
			 "mapping slipped in",
			 round);
		return -1;
	}
	return 1;
}

int main(void)
{
	int sealed = 0, busy = 0, i, r;
	char why[256];

	for (i = 0; i < ROUNDS; i++) {
		r = round_once(i, why, sizeof(why));
		if (r < 0) {
			vmtest_fail("race/write-vs-mmap", "%s", why);
			return vmtest_exit();
		}
		if (r)
			sealed++;
		else
			busy++;
	}
	printf("# race/write-vs-mmap: %d rounds sealed, %d EBUSY\n", sealed, busy);
	if (!sealed || !busy)
		/* Both outcomes must occur, or the race was not exercised. */
		vmtest_fail("race/write-vs-mmap", "%d sealed, %d EBUSY: the race was not exercised", sealed, busy);
	else
		vmtest_pass("race/write-vs-mmap");
	return vmtest_exit();
}
