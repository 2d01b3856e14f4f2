// SPDX-License-Identifier: GPL-2.0
/*
 * One user cannot fill the registry of sealed files for everyone.  The
 * registry (SG_SEALED_MAX files) is what the loop-device guard, the fence
 * and overlays read seals from; a seal in force without its entry escapes
 * them.  So each seal request first makes the file's entry, and a user
 * other than root may make SG_SEALED_PER_USER of them: nobody seals its
 * own /dev/shm files until EDQUOT, and that file is left unsealed and
 * unlisted (fail closed: nothing was added).  root is still served, and
 * nobody is again once some of its files are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sealguard.h"
#include "sealguard_abi.h"
#include "vmtest.h"

#define NOBODY 65534
#define EXTRA  8

static char dir[] = "/dev/shm/sg-quota.XXXXXX";

struct count {
	uint32_t uid;
	unsigned int n;
};

static int count_uid(const struct sg_sealed_file *f, void *data)
{
	struct count *c = data;

	if (f->uid == c->uid && f->seals)
		c->n++;
	return 0;
}

static unsigned int listed_for(uint32_t uid)
{
	struct sg_conn *c = sg_connect(NULL, 5000);
	struct count cnt = { .uid = uid };

	if (!c || sg_list(c, count_uid, &cnt) < 0)
		cnt.n = ~0u;
	if (c)
		sg_disconnect(c);
	return cnt.n;
}

/* As nobody: files 0.. sealed GROW until a request fails; prints how many
 * were sealed and the errno that stopped it, then whether the refused
 * file is unsealed and writable. */
static int seal_until_refused(int first, int max, int *sealed, int *err, int *refused_seals)
{
	int p[2], status;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int out[3] = { 0, 0, -1 };

		close(p[0]);
		if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			_exit(1);
		for (int i = first; i < max; i++) {
			char path[96];
			int fd;

			snprintf(path, sizeof(path), "%s/f%05d", dir, i);
			fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (fd < 0) {
				out[1] = errno;
				break;
			}
			if (sg_add_seals(fd, SG_SEAL_GROW) < 0) {
				out[1] = errno;
				out[2] = sg_get_seals(fd);
				close(fd);
				break;
			}
			out[0]++;
			close(fd);
		}
		if (write(p[1], out, sizeof(out)) != sizeof(out))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	{
		int in[3];
		ssize_t n = read(p[0], in, sizeof(in));

		close(p[0]);
		waitpid(pid, &status, 0);
		if (n != sizeof(in))
			return -1;
		*sealed = in[0];
		*err = in[1];
		*refused_seals = in[2];
	}
	return 0;
}

int main(void)
{
	int sealed = 0, err = 0, refused_seals = -1, fd;
	unsigned int before, after;
	char path[96];
	struct timespec t0, t1;

	if (!mkdtemp(dir) || chmod(dir, 0777) < 0) {
		vmtest_fail("quota/setup", "%s", strerror(errno));
		return vmtest_exit();
	}
	before = listed_for(NOBODY);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (seal_until_refused(0, SG_SEALED_PER_USER + EXTRA, &sealed, &err, &refused_seals) < 0) {
		vmtest_fail("quota/setup", "child failed");
		return vmtest_exit();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# nobody sealed %d files (%u listed before) in %.1f s, then %s\n", sealed, before,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       err ? strerrorname_np(err) : "no refusal");
	if (err == EDQUOT)
		vmtest_pass("quota/nobody-refused-EDQUOT");
	else
		vmtest_fail("quota/nobody-refused-EDQUOT", "got %s after %d seals",
			    err ? strerrorname_np(err) : "no refusal", sealed);
	after = listed_for(NOBODY);
	if (after == SG_SEALED_PER_USER && (unsigned int)sealed + before == SG_SEALED_PER_USER)
		vmtest_pass("quota/nobody-listed-at-bound");
	else
		vmtest_fail("quota/nobody-listed-at-bound", "%u listed, %d sealed now, %u before; bound %d", after,
			    sealed, before, SG_SEALED_PER_USER);
	if (refused_seals == 0)
		vmtest_pass("quota/refused-file-unsealed");
	else
		vmtest_fail("quota/refused-file-unsealed", "its seals: %d", refused_seals);

	/* root is not bounded by nobody's share. */
	snprintf(path, sizeof(path), "%s/root", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && sg_add_seals(fd, SG_SEAL_GROW) == 0)
		vmtest_pass("quota/root-served");
	else
		vmtest_fail("quota/root-served", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);

	/* Files gone take their entries with them (the kernel's inode free):
	 * after the next count (at most once a second) nobody is served. */
	for (int i = 0; i < EXTRA; i++) {
		snprintf(path, sizeof(path), "%s/f%05d", dir, i);
		unlink(path);
	}
	sleep(2);
	if (seal_until_refused(SG_SEALED_PER_USER + EXTRA, SG_SEALED_PER_USER + 2 * EXTRA + 1, &sealed, &err,
			       &refused_seals) == 0 &&
	    sealed == EXTRA && err == EDQUOT)
		vmtest_pass("quota/nobody-served-after-unlink");
	else
		vmtest_fail("quota/nobody-served-after-unlink", "sealed %d, then %s", sealed,
			    err ? strerrorname_np(err) : "no refusal");

	for (int i = 0; i <= SG_SEALED_PER_USER + 2 * EXTRA; i++) {
		snprintf(path, sizeof(path), "%s/f%05d", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/root", dir);
	unlink(path);
	rmdir(dir);
	return vmtest_exit();
}
