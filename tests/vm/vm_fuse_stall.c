// SPDX-License-Identifier: GPL-2.0
/*
 * A client whose file would hold the daemon: a FUSE server (raw
 * /dev/fuse, written here) answers until its file is open, then never
 * answers again.  The client asks sealguard to seal that file.  Whatever
 * the daemon did with it (fstat, statfs, setxattr, even close) would wait
 * for the server for good, and every later request with it.  sealguard
 * refuses such a file when the daemon receives it (bpf/sg_receive.h):
 * the request is answered EOPNOTSUPP, at once, and the next client is
 * served.  The seal request goes out from a child, so that a daemon that
 * does hang shows as a timeout here instead of hanging the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sealguard.h"
#include "sealguard_abi.h"
#include "vmtest.h"

#define FILE_INO 2

static bool stalled;

static void reply(int dev, uint64_t unique, int error, const void *body, size_t len)
{
	struct fuse_out_header out = { .len = sizeof(out) + (error ? 0 : len), .error = error, .unique = unique };
	struct iovec iov[2] = { { &out, sizeof(out) }, { (void *)body, error ? 0 : len } };

	if (writev(dev, iov, 2) < 0 && errno != ENOENT)
		perror("fuse reply");
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = ino == FILE_INO ? 1 : 2;
	a->mode = ino == FILE_INO ? S_IFREG | 0666 : S_IFDIR | 0755;
	a->size = ino == FILE_INO ? 4096 : 0;
	a->blksize = 4096;
}

/* Answers until the file is open, then reads and drops every request. */
static void serve(int dev, const char *ready)
{
	static char buf[1 << 20];

	for (;;) {
		ssize_t n = read(dev, buf, sizeof(buf));
		struct fuse_in_header *in = (void *)buf;
		void *arg = buf + sizeof(*in);

		if (n < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			_exit(0); /* unmounted, or the connection aborted */
		}
		if (stalled || in->opcode == FUSE_INTERRUPT || in->opcode == FUSE_FORGET)
			continue;
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_in *ii = arg;
			struct fuse_init_out o = { .major = FUSE_KERNEL_VERSION,
						   .minor = ii->minor,
						   .max_readahead = ii->max_readahead,
						   .max_write = 65536 };

			reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = FILE_INO, .generation = 1 };

			fill_attr(&o.attr, FILE_INO);
			/* attr_valid 0: every fstat asks the server. */
			reply(dev, in->unique, strcmp(arg, "f") ? -ENOENT : 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			fill_attr(&o.attr, in->nodeid);
			reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1 };
			int fd;

			/* Before the answer: the opener looks for it next. */
			stalled = true;
			fd = open(ready, O_WRONLY | O_CREAT, 0600);
			if (fd >= 0)
				close(fd);
			reply(dev, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPENDIR:
		case FUSE_STATFS: {
			char zero[sizeof(struct fuse_statfs_out)] = { 0 };

			reply(dev, in->unique, 0, zero,
			      in->opcode == FUSE_STATFS ? sizeof(zero) : sizeof(struct fuse_open_out));
			break;
		}
		default: reply(dev, in->unique, -ENOSYS, NULL, 0);
		}
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* sg_add_seals(fd, seals): its errno (0: sealed).  A daemon that does not
 * answer shows as the library's ETIMEDOUT (5 s).  Not in a child: a
 * child's exit would close the FUSE file, which waits for the server. */
static int seal(int fd, unsigned int seals, long long *took)
{
	long long t0 = now_ms();
	int r = sg_add_seals(fd, seals) < 0 ? errno : 0;

	*took = now_ms() - t0;
	return r;
}

int main(void)
{
	char dir[] = "/dev/shm/sg-fuse.XXXXXX", mnt[64], ready[64], path[80], opts[128], shm[80];
	long long took;
	pid_t server;
	int dev, fd, r;

	if (access("/dev/fuse", F_OK) < 0 && getenv("SG_VM_MODROOT")) {
		snprintf(path, sizeof(path), "modprobe -d '%s' fuse", getenv("SG_VM_MODROOT"));
		if (system(path) != 0)
			fprintf(stderr, "modprobe fuse failed\n");
	}
	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (!mkdtemp(dir) || dev < 0) {
		vmtest_fail("fuse/setup", "/dev/fuse: %s", strerror(errno));
		return vmtest_exit();
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", dir);
	snprintf(ready, sizeof(ready), "%s/ready", dir);
	mkdir(mnt, 0755);
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", dev);
	if (mount("sg-stall", mnt, "fuse.sg-stall", MS_NOSUID | MS_NODEV, opts) < 0) {
		vmtest_fail("fuse/setup", "mount: %s", strerror(errno));
		return vmtest_exit();
	}
	server = fork();
	if (server == 0)
		serve(dev, ready);
	close(dev);

	snprintf(path, sizeof(path), "%s/f", mnt);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		vmtest_fail("fuse/setup", "open %s: %s", path, strerror(errno));
		goto out;
	}
	/* The server answers nothing from now on. */
	r = seal(fd, SG_SEAL_WRITE, &took);
	if (r == EOPNOTSUPP)
		vmtest_pass("fuse/stalled-file-refused");
	else
		vmtest_fail("fuse/stalled-file-refused", "expected EOPNOTSUPP, got %s after %lld ms",
			    r ? strerrorname_np(r) : "sealed", took);

	/* The next client is served, at once. */
	snprintf(shm, sizeof(shm), "%s/plain", dir);
	{
		int plain = open(shm, O_RDWR | O_CREAT, 0600);

		r = plain < 0 ? errno : seal(plain, SG_SEAL_GROW, &took);
		if (r == 0 && took < 2000)
			vmtest_pass("fuse/next-client-served");
		else
			vmtest_fail("fuse/next-client-served", "expected sealed within 2 s, got %s after %lld ms",
				    r ? strerrorname_np(r) : "sealed", took);
		if (plain >= 0)
			close(plain);
	}
out:
	/* Killing the server aborts the connection: the close below would
	 * otherwise wait for a FLUSH answer. */
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	umount2(mnt, MNT_DETACH);
	if (fd >= 0)
		close(fd);
	unlink(shm);
	unlink(ready);
	rmdir(mnt);
	rmdir(dir);
	return vmtest_exit();
}
