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
#include "seal_request.h"

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* How long a WRITE seal waits for writable mmaps already past mmap_file. */
#define PENDING_WAIT_NS (200LL * 1000 * 1000)

int sg_seal_open_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	/* fcntl() on an O_PATH fd fails with EBADF before anything else. */
	return (fl & O_PATH) ? -EBADF : fl;
}

/* Seals the kernel keeps itself, or -1 when the file cannot be sealed
 * natively.  A memfd whose only seal is F_SEAL_SEAL looks exactly like one
 * created without MFD_ALLOW_SEALING; both are sealguard's to seal.  One
 * with SEAL and more was sealed shut by its holder, natively. */
int sg_seal_native(int fd)
{
	int s = fcntl(fd, F_GET_SEALS);

	return (s >= 0 && s != F_SEAL_SEAL) ? s : -1;
}

static int check_regular(const struct sg_seal_request *r)
{
	if (r->stat_err < 0)
		return r->stat_err;
	/* What fcntl(F_ADD_SEALS) says of files it cannot seal. */
	return S_ISREG(r->st.st_mode) ? 0 : -EINVAL;
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
 * success (0 here), SG_IOC_SEALS_ERRNO(seals) success with the seals in
 * force (returned as is: SG_IOC_SEALS_ERRNO_BASE and up), SG_IOC_RETRY_ERRNO
 * a lock held by another task for a moment (5.10), anything else (ENOTTY:
 * no program attached) is reported. */
static int bpf_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long long deadline = now_ns() + PENDING_WAIT_NS;

	while (ioctl(fd, cmd, arg) < 0) {
		if (errno == SG_IOC_DONE_ERRNO)
			return 0;
		if ((errno & ~(int)SG_SEAL_ALL) == SG_IOC_SEALS_ERRNO_BASE)
			return errno;
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
	if (errno != ENOENT || bpf_ioctl(fd, SG_IOC_SYNC, 0) < 0 || bpf_map_lookup_elem(d->inodes_fd, &fd, &v) < 0)
		return 0;
	return v.seals;
}

/* The seals in force, read back: the file's storage and its native seals. */
static int in_force(struct sg_daemon *d, int fd)
{
	int native = sg_seal_native(fd);

	return (int)(bpf_seals(d, fd) | (native > 0 ? (unsigned int)native : 0));
}

int sg_seal_add_request(struct sg_daemon *d, const struct sg_seal_request *req)
{
	unsigned int seals = req->seals;
	int native = req->native, r;
	char why[256];

	if (req->flags < 0)
		return req->flags;
	/* memfd_add_seals order: write access, unknown bits, file type. */
	if ((req->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	if (seals & ~SG_SEAL_ALL)
		return -EINVAL;
	r = check_regular(req);
	if (r < 0)
		return r;

	if (native >= 0) {
		/* The kernel's own seal first, so its errors are its own. */
		if (native & F_SEAL_SEAL)
			return -EPERM;
		r = native_add(req->fd, seals);
		if (r < 0)
			return r;
	}
	/* Programs first, then the seal: never a seal with nothing to enforce it. */
	r = sg_idle_attach(d, why, sizeof(why));
	if (r < 0) {
		/* Not the attach error itself: ENOENT and the like tell a
		 * client that no daemon is there. */
		log_error("%s", why);
		return native >= 0 ? in_force(d, req->fd) : -EIO;
	}
	r = bpf_add(req->fd, seals);
	if (r == -EOPNOTSUPP)
		log_warning("cannot seal a btrfs file: the programs cannot tell its subvolume (the btrfs module "
			    "was loaded after they were: restart sealguardd; or a kernel without module BTF, "
			    "before 5.11); see docs/threat-model.md, identity keys");
	/* Natively sealed, the seals are in force whatever happened to our
	 * copy of them; reporting failure would misstate the file. */
	if (r < 0 && native >= 0)
		return in_force(d, req->fd);

	/* EBUSY can belong to a WRITE that an earlier daemon left pending:
	 * the request succeeded if every bit it asked for is in force. */
	if (r == -EBUSY) {
		unsigned int now = bpf_seals(d, req->fd);

		return (now & seals) == seals ? (int)now : -EBUSY;
	}
	if (r < 0)
		return r;
	/* The kernel answered with the seals in force: its own, published
	 * before, are in native (what native_add() added, it added too). */
	if (r >= SG_IOC_SEALS_ERRNO_BASE)
		return (r & (int)SG_SEAL_ALL) | (native > 0 ? native : 0);
	return in_force(d, req->fd);
}

int sg_seal_add(struct sg_daemon *d, int fd, unsigned int seals)
{
	struct sg_seal_request req;
	int r;

	sg_seal_request_file(&req, fd, seals);
	r = sg_seal_add_request(d, &req);
	return r < 0 ? r : 0;
}

int sg_seal_fence_request(struct sg_daemon *d, const struct sg_seal_request *req, uid_t uid,
			  const struct sg_fence_reply *reply)
{
	struct sg_fence_maps maps = { .falloc = -1, .write_pending = -1, .write_phase = -1 };
	const struct stat *st = &req->st;
	struct sg_log_fields f;
	char why[192];
	int r;

	/* The kernel checks its own seals under the lock.  Through overlayfs a
	 * setxattr copies a lower file up first, onto an unsealed inode. */
	if (!(req->seals & (SG_SEAL_ANY_WRITE | SG_SEAL_GROW | SG_SEAL_SHRINK)) || req->native >= 0 ||
	    (req->statfs_err == 0 && req->sf.f_type == OVERLAYFS_SUPER_MAGIC))
		return 0;
	if (!d->fences && !(d->fences = sg_fence_pool_new()))
		return 0;
	if (d->skel) {
		maps.falloc = bpf_map__fd(d->skel->maps.sg_falloc_inflight);
		maps.write_pending = bpf_map__fd(d->skel->maps.sg_write_pending);
		maps.write_phase = bpf_map__fd(d->skel->maps.sg_write_phase);
	}
	r = sg_fence(d->fences, req->fd, uid, &maps, PENDING_WAIT_NS / 1000000, reply);
	if (r == -EINPROGRESS)
		return 1;
	if (r == 0 || req->stat_err < 0)
		return 0;
	sg_fence_explain(r, why, sizeof(why));
	f = (struct sg_log_fields){ .op = "fence",
				    .ino = st->st_ino,
				    .dev_major = major(st->st_dev),
				    .dev_minor = minor(st->st_dev),
				    .has_uid = true,
				    .uid = uid,
				    .err = -r };
	sg_log_fields(LOG_WARNING, &f, "seal on %u:%u inode %llu: %s", major(st->st_dev), minor(st->st_dev),
		      (unsigned long long)st->st_ino, why);
	return 0;
}

int sg_seal_fence(struct sg_daemon *d, int fd, unsigned int seals, uid_t uid, const struct sg_fence_reply *reply)
{
	struct sg_seal_request req;

	sg_seal_request_file(&req, fd, seals);
	return sg_seal_fence_request(d, &req, uid, reply);
}

void sg_seal_propagate(const struct sg_seal_request *req)
{
	char link[64];
	int again;

	if (req->statfs_err < 0 || req->sf.f_type != OVERLAYFS_SUPER_MAGIC)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", req->fd);
	/* Read-only: a write open would copy a lower file up for nothing. */
	again = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (again >= 0)
		close(again);
}

int sg_seal_get(struct sg_daemon *d, int fd)
{
	int r = sg_seal_open_flags(fd), native;
	struct stat st;

	if (r >= 0 && fstat(fd, &st) < 0)
		r = -errno;
	else if (r >= 0 && !S_ISREG(st.st_mode))
		r = -EINVAL;
	if (r < 0)
		return r;
	native = sg_seal_native(fd);
	return (int)(bpf_seals(d, fd) | (native > 0 ? (unsigned int)native : 0));
}
