// SPDX-License-Identifier: GPL-2.0
/*
 * Seal requests on a file received from a client.  The fd is the client's
 * own struct file (SCM_RIGHTS), so its open mode is the client's.
 */
#include "seal_ops.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <linux/magic.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fence.h"
#include "idle.h"
#include "log.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* How long a WRITE seal waits for writable mmaps already past mmap_file. */
#define PENDING_WAIT_NS (200LL * 1000 * 1000)

static int open_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	/* fcntl() on an O_PATH fd fails with EBADF before anything else. */
	return (fl & O_PATH) ? -EBADF : fl;
}

static int check_regular(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* What fcntl(F_ADD_SEALS) says of files it cannot seal. */
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

/* Seals the kernel keeps itself, or -1 when the file cannot be sealed
 * natively.  A memfd whose only seal is F_SEAL_SEAL looks exactly like one
 * created without MFD_ALLOW_SEALING; both are sealguard's to seal.  One
 * with SEAL and more was sealed shut by its holder, natively. */
static int native_seals(int fd)
{
	int s = fcntl(fd, F_GET_SEALS);

	return (s >= 0 && s != F_SEAL_SEAL) ? s : -1;
}

static int native_add(int fd, unsigned int seals)
{
	if (fcntl(fd, F_ADD_SEALS, seals) == 0)
		return 0;
	/* Kernels before 6.3 lack F_SEAL_EXEC: sealguard enforces it alone. */
	if (errno == EINVAL && (seals & F_SEAL_EXEC) && !(seals & ~SG_SEAL_ALL)) {
		if (fcntl(fd, F_ADD_SEALS, seals & ~F_SEAL_EXEC) == 0)
			return 0;
	}
	return -errno;
}

/* The file_ioctl program answers with an errno; SG_IOC_DONE_ERRNO is
 * success, SG_IOC_RETRY_ERRNO a lock held by another task for a moment
 * (5.10), anything else (ENOTTY: no program attached) is reported. */
static int bpf_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long long deadline = now_ns() + PENDING_WAIT_NS;

	while (ioctl(fd, cmd, arg) < 0) {
		if (errno == SG_IOC_DONE_ERRNO)
			return 0;
		if (errno != SG_IOC_RETRY_ERRNO)
			return -errno;
		if (now_ns() >= deadline)
			return -EAGAIN;
		usleep(50);
	}
	return -ENOTTY;
}

static int bpf_add(int fd, unsigned int seals)
{
	long long deadline = now_ns() + PENDING_WAIT_NS;
	int r = bpf_ioctl(fd, SG_IOC_ADD, seals);

	while (r == -SG_IOC_PENDING_ERRNO && now_ns() < deadline) {
		usleep(100);
		r = bpf_ioctl(fd, SG_IOC_CONFIRM, 0);
	}
	if (r == -SG_IOC_PENDING_ERRNO) {
		/* Writable mmaps never drained: fail as a busy mapping would. */
		bpf_ioctl(fd, SG_IOC_ABORT, 0);
		r = -EBUSY;
	}
	return r;
}

static unsigned int bpf_seals(struct sg_daemon *d, int fd)
{
	struct sg_inode v;

	if (bpf_map_lookup_elem(d->inodes_fd, &fd, &v) == 0)
		return v.seals;
	/* No storage: maybe an inode read back after an eviction, whose
	 * seals the kernel puts back on its first check; ask for one. */
	if (errno != ENOENT || bpf_ioctl(fd, SG_IOC_SYNC, 0) < 0 ||
	    bpf_map_lookup_elem(d->inodes_fd, &fd, &v) < 0)
		return 0;
	return v.seals;
}

int sg_seal_add(struct sg_daemon *d, int fd, unsigned int seals)
{
	int fl = open_flags(fd), native, r;
	char why[256];

	if (fl < 0)
		return fl;
	/* memfd_add_seals order: write access, unknown bits, file type. */
	if ((fl & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (seals & ~SG_SEAL_ALL)
		return -EINVAL;
	r = check_regular(fd);
	if (r < 0)
		return r;

	native = native_seals(fd);
	if (native >= 0) {
		/* The kernel's own seal first, so its errors are its own. */
		if (native & F_SEAL_SEAL)
			return -EPERM;
		r = native_add(fd, seals);
		if (r < 0)
			return r;
	}
	/* Programs first, then the seal: never a seal with nothing to enforce it. */
	r = sg_idle_attach(d, why, sizeof(why));
	if (r < 0) {
		/* Not the attach error itself: ENOENT and the like tell a
		 * client that no daemon is there. */
		log_error("%s", why);
		return native >= 0 ? 0 : -EIO;
	}
	r = bpf_add(fd, seals);
	/* Natively sealed, the seals are in force whatever happened to our
	 * copy of them; reporting failure would misstate the file. */
	if (r < 0 && native >= 0)
		return 0;

	/* EBUSY can belong to a WRITE that an earlier daemon left pending:
	 * the request succeeded if every bit it asked for is in force. */
	if (r == -EBUSY && (bpf_seals(d, fd) & seals) == seals)
		r = 0;
	return r;
}

int sg_seal_fence(struct sg_daemon *d, int fd, unsigned int seals, uid_t uid, const struct sg_fence_reply *reply)
{
	struct sg_fence_maps maps = { .falloc = -1, .write_pending = -1, .write_phase = -1 };
	struct sg_log_fields f;
	char why[192];
	struct statfs sf;
	struct stat st;
	int r;

	/* The kernel checks its own seals under the lock.  Through overlayfs a
	 * setxattr copies a lower file up first, onto an unsealed inode. */
	if (!(seals & (SG_SEAL_ANY_WRITE | SG_SEAL_GROW | SG_SEAL_SHRINK)) || native_seals(fd) >= 0 ||
	    (fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC))
		return 0;
	if (!d->fences && !(d->fences = sg_fence_pool_new()))
		return 0;
	if (d->skel) {
		maps.falloc = bpf_map__fd(d->skel->maps.sg_falloc_inflight);
		maps.write_pending = bpf_map__fd(d->skel->maps.sg_write_pending);
		maps.write_phase = bpf_map__fd(d->skel->maps.sg_write_phase);
	}
	r = sg_fence(d->fences, fd, uid, &maps, PENDING_WAIT_NS / 1000000, reply);
	if (r == -EINPROGRESS)
		return 1;
	if (r == 0 || fstat(fd, &st) < 0)
		return 0;
	sg_fence_explain(r, why, sizeof(why));
	f = (struct sg_log_fields){ .op = "fence", .ino = st.st_ino, .dev_major = major(st.st_dev),
				    .dev_minor = minor(st.st_dev), .has_uid = true, .uid = uid, .err = -r };
	sg_log_fields(LOG_WARNING, &f, "seal on %u:%u inode %llu: %s", major(st.st_dev), minor(st.st_dev),
		      (unsigned long long)st.st_ino, why);
	return 0;
}

void sg_seal_propagate(int fd)
{
	char link[64];
	struct statfs sf;
	int again;

	if (fstatfs(fd, &sf) < 0 || sf.f_type != OVERLAYFS_SUPER_MAGIC)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	/* Read-only: a write open would copy a lower file up for nothing. */
	again = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (again >= 0)
		close(again);
}

int sg_seal_in_force(struct sg_daemon *d, int fd)
{
	int native = native_seals(fd);

	return (int)(bpf_seals(d, fd) | (native > 0 ? (unsigned int)native : 0));
}

int sg_seal_get(struct sg_daemon *d, int fd)
{
	int r = open_flags(fd), native;

	if (r >= 0)
		r = check_regular(fd);
	if (r < 0)
		return r;
	native = native_seals(fd);
	return (int)(bpf_seals(d, fd) | (native > 0 ? (unsigned int)native : 0));
}
