// SPDX-License-Identifier: GPL-2.0
/*
 * Files under test, the operation table, result measurement and traces for
 * the differential VM tests.  See conformance_ops.h.
 */
#include "conformance_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <liburing.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealguard.h"

#ifndef RWF_APPEND
#define RWF_APPEND 0x00000010
#endif
#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif

struct conf_env conf_env = { .page = 4096 };

/* Data written by the write-family operations: differs from the pattern. */
static unsigned char wbuf[16384];

static const char *const kind_names[CONF_NKINDS] = { "native", "memfd", "shm" };

const char *conf_kind_name(enum conf_kind kind)
{
	return kind < CONF_NKINDS ? kind_names[kind] : "?";
}

static int env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static int memfd_compat(const char *name, unsigned int flags)
{
	/*
	 * MFD_EXEC (6.3+) keeps vm.memfd_noexec=1 from turning the "cannot be
	 * sealed" memfd into a sealable one (MFD_NOEXEC_SEAL implies
	 * ALLOW_SEALING) and keeps the kernel log quiet; 6.1 refuses the flag.
	 */
	int fd = memfd_create(name, flags | MFD_EXEC | MFD_CLOEXEC);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, flags | MFD_CLOEXEC);
	return fd;
}

void conf_env_init(void)
{
	int fd;

	conf_env.page = sysconf(_SC_PAGESIZE);
	conf_env.native_only = env_flag("SG_CONFORMANCE_NATIVE_ONLY");
	conf_env.verbose = env_flag("SG_CONFORMANCE_VERBOSE");
	conf_env.filter = getenv("SG_CONFORMANCE_FILTER");
	if (conf_env.filter && !*conf_env.filter)
		conf_env.filter = NULL;
	for (size_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (unsigned char)(0xa5 ^ (i * 7u) ^ (i >> 8));

	/* F_SEAL_EXEC: 6.3+.  6.1 answers EINVAL for the unknown bit. */
	conf_env.native_exec = 0;
	fd = memfd_compat("sg-probe-exec", MFD_ALLOW_SEALING);
	if (fd >= 0) {
		conf_env.native_exec = fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC) == 0;
		close(fd);
	}
	if (env_flag("SG_CONFORMANCE_FORCE_NO_EXEC"))
		conf_env.native_exec = 0;

	/* Read-only shared maps of WRITE-sealed memfds: refused (EPERM) by
	 * kernels without the 2023 VM_MAYWRITE fix, such as Debian's 5.10. */
	conf_env.native_ro_map = 0;
	fd = memfd_compat("sg-probe-ro-map", MFD_ALLOW_SEALING);
	if (fd >= 0) {
		void *p;

		if (ftruncate(fd, conf_env.page) == 0 && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0) {
			p = mmap(NULL, (size_t)conf_env.page, PROT_READ, MAP_SHARED, fd, 0);
			conf_env.native_ro_map = p != MAP_FAILED;
			if (p != MAP_FAILED)
				munmap(p, (size_t)conf_env.page);
		}
		close(fd);
	}

	/* The sealguard memfd must really be one the kernel cannot seal. */
	fd = memfd_compat("sg-probe-nosealing", 0);
	if (fd >= 0) {
		int s = fcntl(fd, F_GET_SEALS);

		if (s != F_SEAL_SEAL)
			fprintf(stderr, "warning: memfd without MFD_ALLOW_SEALING has seals %#x, not F_SEAL_SEAL\n", s);
		close(fd);
	}
	fprintf(stderr,
		"conformance: page %ld, native F_SEAL_EXEC %s, read-only shared maps of WRITE-sealed memfds %s%s\n",
		conf_env.page, conf_env.native_exec ? "yes" : "no (EXEC cases checked against the documented rules)",
		conf_env.native_ro_map ? "allowed" : "refused (divergence write-ro-map-old-kernels asserted)",
		conf_env.native_only ? ", NATIVE ONLY (sealguard files replaced by native memfds)" : "");
}

int conf_selected(const char *name)
{
	return !conf_env.filter || strstr(name, conf_env.filter) != NULL;
}

const char *conf_errname(int err)
{
	static __thread char buf[16];

	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ETXTBSY: return "ETXTBSY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EPIPE: return "EPIPE";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECANCELED: return "ECANCELED";
	case EPROTO: return "EPROTO";
	case EBADMSG: return "EBADMSG";
	default: snprintf(buf, sizeof(buf), "errno%d", err); return buf;
	}
}

/* ---- files ---- */

static unsigned int shm_counter;

static int fill_pattern(int fd, size_t size)
{
	unsigned char buf[4096];
	size_t off = 0;

	while (off < size) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = conf_pattern(off + i);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			return -1;
		off += n;
	}
	return 0;
}

int conf_file_create(struct conf_file *f, enum conf_kind kind, mode_t mode, size_t size)
{
	int native = kind == CONF_NATIVE || conf_env.native_only;

	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->fd = -1;
	f->emul_exec = kind == CONF_NATIVE && !conf_env.native_exec;

	if (native || kind == CONF_SG_MEMFD) {
		f->fd = memfd_compat(native ? "native" : "sg", native ? MFD_ALLOW_SEALING : 0);
		if (f->fd < 0) {
			fprintf(stderr, "memfd_create(%s): %s\n", conf_kind_name(kind), strerror(errno));
			return -1;
		}
	} else {
		snprintf(f->path, sizeof(f->path), "/dev/shm/sgconf-%d-%u", (int)getpid(), shm_counter++);
		f->fd = open(f->path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (f->fd < 0) {
			fprintf(stderr, "open(%s): %s\n", f->path, strerror(errno));
			f->path[0] = 0;
			return -1;
		}
	}
	if (fchmod(f->fd, mode) < 0 || fill_pattern(f->fd, size) < 0 || lseek(f->fd, 0, SEEK_SET) < 0) {
		int e = errno;

		fprintf(stderr, "preparing %s file: %s\n", conf_kind_name(kind), strerror(e));
		conf_file_destroy(f);
		errno = e;
		return -1;
	}
	return 0;
}

void conf_file_destroy(struct conf_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->path[0])
		unlink(f->path);
	f->path[0] = 0;
}

static int uses_fcntl(const struct conf_file *f)
{
	return f->kind == CONF_NATIVE || conf_env.native_only;
}

/*
 * F_SEAL_EXEC on a kernel without it (6.1), following mm/memfd.c: the
 * usual checks (fd not writable: EPERM; unknown bits: EINVAL; F_SEAL_SEAL:
 * EPERM) apply, and EXEC on a file with any exec bit also adds
 * SHRINK|GROW|WRITE|FUTURE_WRITE.  Whether the implied WRITE goes through
 * the writable-mapping check (EBUSY) changed over time: 6.3..6.8-era
 * memfd_add_seals() applied the implication after that check (so it
 * succeeded with live writable mappings), the 6.18 kernel answers EBUSY.
 * The model follows the newer, stricter kernel: the implication is part of
 * the request, so an implied WRITE is refused with EBUSY like an explicit
 * one.  On kernels with native EXEC the kernel itself is the oracle.
 */
static int add_seals_emul_exec(struct conf_file *f, int fd, unsigned int seals)
{
	unsigned int rest = seals & ~(unsigned int)F_SEAL_EXEC;
	struct stat st;

	if (!(seals & F_SEAL_EXEC))
		return fcntl(fd, F_ADD_SEALS, rest);
	if (fstat(fd, &st) < 0)
		return -1;
	if (st.st_mode & 0111)
		rest |= CONF_WX_SEALS;
	if (fcntl(fd, F_ADD_SEALS, rest) < 0)
		return -1;
	f->emul_seals |= F_SEAL_EXEC;
	return 0;
}

int conf_add_seals(struct conf_file *f, int fd, unsigned int seals)
{
	if (!uses_fcntl(f))
		return sg_add_seals(fd, seals);
	if (f->emul_exec)
		return add_seals_emul_exec(f, fd, seals);
	return fcntl(fd, F_ADD_SEALS, seals);
}

int conf_get_seals(const struct conf_file *f, int fd)
{
	int s;

	if (!uses_fcntl(f))
		return sg_get_seals(fd);
	s = fcntl(fd, F_GET_SEALS);
	if (s >= 0 && f->emul_exec)
		s |= (int)f->emul_seals;
	return s;
}

int conf_chmod(const struct conf_file *f, int fd, const char *path, mode_t mode)
{
	if (f->emul_exec && (f->emul_seals & F_SEAL_EXEC)) {
		/* shmem_setattr: under EXEC, any change of a 0111 bit is EPERM. */
		struct stat st;

		if ((path ? stat(path, &st) : fstat(fd, &st)) < 0)
			return -1;
		if ((st.st_mode ^ mode) & 0111) {
			errno = EPERM;
			return -1;
		}
	}
	return path ? chmod(path, mode) : fchmod(fd, mode);
}

int conf_peer_create(enum conf_kind kind, size_t size)
{
	unsigned char buf[4096];
	int fd;

	if (kind == CONF_SG_SHM && !conf_env.native_only) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/shm/sgpeer-%d-%u", (int)getpid(), shm_counter++);
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd >= 0)
			unlink(path);
	} else {
		fd = memfd_compat("peer", 0);
	}
	if (fd < 0)
		return -1;
	memset(buf, 'P', sizeof(buf));
	for (size_t off = 0; off < size; off += sizeof(buf)) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* ---- results ---- */

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int conf_measure(int fd, struct conf_result *r)
{
	unsigned char buf[65536];
	struct stat st;
	uint64_t h = 0xcbf29ce484222325ULL;
	off_t off = 0;

	if (fstat(fd, &st) < 0)
		return -1;
	r->size = st.st_size;
	r->mode = st.st_mode & 07777;
	while (off < st.st_size) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n <= 0)
			return -1;
		h = fnv1a(h, buf, (size_t)n);
		off += n;
	}
	r->sum = h;
	return 0;
}

int conf_result_equal(const struct conf_result *a, const struct conf_result *b)
{
	return a->ret == b->ret && a->err == b->err && a->step == b->step && a->sig == b->sig && a->size == b->size &&
	       a->sum == b->sum && a->mode == b->mode;
}

void conf_result_format(const struct conf_result *r, char *buf, size_t len)
{
	int n = snprintf(buf, len, "ret=%lld", r->ret);

	if (r->ret < 0 && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " %s", conf_errname(r->err));
	if (n > 0 && (size_t)n < len && r->sig)
		n += snprintf(buf + n, len - (size_t)n, " killed by signal %d", r->sig);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " step=%d size=%lld sum=%016llx mode=%04o", r->step, r->size,
			 (unsigned long long)r->sum, r->mode);
}

/* ---- the operations ---- */

/* Record the outcome of a syscall: call right after it, errno intact. */
static void rset(struct conf_result *r, int step, long long ret)
{
	r->step = step;
	r->ret = ret < 0 ? -1 : ret;
	r->err = ret < 0 ? errno : 0;
}

static void op_write_at0(const struct conf_ctx *c, struct conf_result *r)
{
	lseek(c->fd, 0, SEEK_SET);
	rset(r, 0, write(c->fd, wbuf, 100));
}

static void op_write_at_end(const struct conf_ctx *c, struct conf_result *r)
{
	lseek(c->fd, 0, SEEK_END);
	rset(r, 0, write(c->fd, wbuf, 100));
}

static void op_write_zero(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, write(c->fd, wbuf, 0));
}

/* Inside the file, across the first page boundary. */
static void op_pwrite_inside(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, pwrite(c->fd, wbuf, 200, c->page - 100));
}

static void op_pwrite_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, pwrite(c->fd, wbuf, 100, (off_t)c->size0));
}

/* Past EOF, leaving a hole. */
static void op_pwrite_hole(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, pwrite(c->fd, wbuf, 100, (off_t)c->size0 + 5000));
}

/* Starts inside, ends past EOF within EOF's page: under GROW, EPERM whole. */
static void op_pwrite_past_eof_samepage(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, pwrite(c->fd, wbuf, 100, (off_t)c->size0 - 50));
}

/*
 * Starts 100 bytes before a page boundary that is inside the file, ends
 * past EOF: under GROW the kernel writes those 100 bytes and stops.
 */
static void op_pwrite_cross_page(const struct conf_ctx *c, struct conf_result *r)
{
	off_t boundary = (off_t)(c->size0 / (size_t)c->page) * c->page;

	rset(r, 0, pwrite(c->fd, wbuf, (size_t)c->page, boundary - 100));
}

static void op_pwrite_zero_past_eof(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, pwrite(c->fd, wbuf, 0, (off_t)c->size0 + 100));
}

static void op_append_write(const struct conf_ctx *c, struct conf_result *r)
{
	int fd2 = open(c->proc, O_WRONLY | O_APPEND | O_CLOEXEC);

	rset(r, 0, fd2 < 0 ? -1 : 0);
	if (fd2 < 0)
		return;
	rset(r, 1, write(fd2, wbuf, 100));
	close(fd2);
}

static void iov2(struct iovec iov[2])
{
	iov[0].iov_base = wbuf;
	iov[0].iov_len = 50;
	iov[1].iov_base = wbuf + 50;
	iov[1].iov_len = 70;
}

static void op_writev_inside(const struct conf_ctx *c, struct conf_result *r)
{
	struct iovec iov[2];

	iov2(iov);
	lseek(c->fd, 0, SEEK_SET);
	rset(r, 0, writev(c->fd, iov, 2));
}

static void op_writev_at_end(const struct conf_ctx *c, struct conf_result *r)
{
	struct iovec iov[2];

	iov2(iov);
	lseek(c->fd, 0, SEEK_END);
	rset(r, 0, writev(c->fd, iov, 2));
}

static void op_pwritev2_inside(const struct conf_ctx *c, struct conf_result *r)
{
	struct iovec iov[2];

	iov2(iov);
	rset(r, 0, pwritev2(c->fd, iov, 2, 1000, 0));
}

static void op_pwritev2_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	struct iovec iov[2];

	iov2(iov);
	rset(r, 0, pwritev2(c->fd, iov, 2, (off_t)c->size0, 0));
}

/* RWF_APPEND with an offset inside the file: the write lands at EOF. */
static void op_pwritev2_append_off0(const struct conf_ctx *c, struct conf_result *r)
{
	struct iovec iov[2];

	iov2(iov);
	rset(r, 0, pwritev2(c->fd, iov, 2, 0, RWF_APPEND));
}

static void op_pwritev2_append_fpos(const struct conf_ctx *c, struct conf_result *r)
{
	struct iovec iov[2];

	iov2(iov);
	rset(r, 0, pwritev2(c->fd, iov, 2, -1, RWF_APPEND));
}

static void sendfile_at(const struct conf_ctx *c, struct conf_result *r, off_t pos)
{
	int peer = conf_peer_create(c->f->kind, 4096);
	off_t in = 0;

	rset(r, 0, peer < 0 ? -1 : 0);
	if (peer < 0)
		return;
	lseek(c->fd, pos, SEEK_SET);
	rset(r, 1, sendfile(c->fd, peer, &in, 200));
	close(peer);
}

static void op_sendfile_inside(const struct conf_ctx *c, struct conf_result *r)
{
	sendfile_at(c, r, 500);
}

static void op_sendfile_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	sendfile_at(c, r, (off_t)c->size0);
}

static void splice_at(const struct conf_ctx *c, struct conf_result *r, loff_t pos)
{
	int p[2];
	loff_t off = pos;

	rset(r, 0, pipe2(p, O_CLOEXEC));
	if (r->ret < 0)
		return;
	if (write(p[1], wbuf, 200) != 200) {
		rset(r, 0, -1);
	} else {
		rset(r, 1, splice(p[0], NULL, c->fd, &off, 200, 0));
	}
	close(p[0]);
	close(p[1]);
}

static void op_splice_inside(const struct conf_ctx *c, struct conf_result *r)
{
	splice_at(c, r, 700);
}

static void op_splice_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	splice_at(c, r, (loff_t)c->size0);
}

static void cfr_at(const struct conf_ctx *c, struct conf_result *r, loff_t pos)
{
	int peer = conf_peer_create(c->f->kind, 4096);
	loff_t in = 0, out = pos;

	rset(r, 0, peer < 0 ? -1 : 0);
	if (peer < 0)
		return;
	rset(r, 1, copy_file_range(peer, &in, c->fd, &out, 200, 0));
	close(peer);
}

static void op_cfr_inside(const struct conf_ctx *c, struct conf_result *r)
{
	cfr_at(c, r, 1500);
}

static void op_cfr_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	cfr_at(c, r, (loff_t)c->size0);
}

static void op_falloc_inside(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, 0, 0, c->page));
}

static void op_falloc_past_eof(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, 0, (off_t)c->size0, c->page));
}

static void op_falloc_straddle(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, 0, (off_t)c->size0 - 100, 200));
}

static void op_falloc_keep_inside(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, FALLOC_FL_KEEP_SIZE, 0, c->page));
}

static void op_falloc_keep_past_eof(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, FALLOC_FL_KEEP_SIZE, (off_t)c->size0, 2 * c->page));
}

static void op_falloc_punch(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, c->page, c->page));
}

static void op_falloc_punch_partial(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 200));
}

/* tmpfs has no ZERO_RANGE: EOPNOTSUPP from shmem_fallocate. */
static void op_falloc_zero_range(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, fallocate(c->fd, FALLOC_FL_ZERO_RANGE, 0, c->page));
}

static void op_ftruncate_shrink(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, ftruncate(c->fd, (off_t)c->size0 / 2));
}

static void op_ftruncate_grow(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, ftruncate(c->fd, (off_t)c->size0 * 2));
}

static void op_ftruncate_same(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, ftruncate(c->fd, (off_t)c->size0));
}

static void op_truncate_path_shrink(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, truncate(c->proc, (off_t)c->size0 / 2));
}

static void op_truncate_path_grow(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, truncate(c->proc, (off_t)c->size0 * 2));
}

static void op_open_trunc(const struct conf_ctx *c, struct conf_result *r)
{
	int fd2 = open(c->proc, O_RDWR | O_TRUNC | O_CLOEXEC);

	rset(r, 0, fd2 < 0 ? -1 : 0);
	if (fd2 >= 0)
		close(fd2);
}

/*
 * Mappings cover the file's size (a partial last page); stores stay below
 * EOF, and only go through mappings that mmap()/mprotect() granted
 * PROT_WRITE.
 */
static void op_mmap_shared_rw(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	p[0] = 'M';
	p[c->size0 - 1] = 'M';
	munmap(p, c->size0);
}

static void op_mmap_shared_wo(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_WRITE, MAP_SHARED, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	p[1] = 'w';
	munmap(p, c->size0);
}

static void op_mmap_shared_rw_rdonly_fd(const struct conf_ctx *c, struct conf_result *r)
{
	int fd2 = open(c->proc, O_RDONLY | O_CLOEXEC);
	char *p;

	rset(r, 0, fd2 < 0 ? -1 : 0);
	if (fd2 < 0)
		return;
	p = mmap(NULL, c->size0, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	rset(r, 1, p == MAP_FAILED ? -1 : 0);
	if (p != MAP_FAILED) {
		p[2] = 'R';
		munmap(p, c->size0);
	}
	close(fd2);
}

static void op_mmap_shared_ro(const struct conf_ctx *c, struct conf_result *r)
{
	volatile char *p = mmap(NULL, c->size0, PROT_READ, MAP_SHARED, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	(void)p[0];
	munmap((void *)p, c->size0);
}

static void op_mmap_shared_ro_mprotect(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_READ, MAP_SHARED, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	rset(r, 1, mprotect(p, c->size0, PROT_READ | PROT_WRITE));
	if (r->ret == 0)
		p[3] = 'm';
	munmap(p, c->size0);
}

static void op_mmap_ro_rdonly_fd_mprotect(const struct conf_ctx *c, struct conf_result *r)
{
	int fd2 = open(c->proc, O_RDONLY | O_CLOEXEC);
	char *p;

	rset(r, 0, fd2 < 0 ? -1 : 0);
	if (fd2 < 0)
		return;
	p = mmap(NULL, c->size0, PROT_READ, MAP_SHARED, fd2, 0);
	rset(r, 1, p == MAP_FAILED ? -1 : 0);
	if (p != MAP_FAILED) {
		rset(r, 2, mprotect(p, c->size0, PROT_READ | PROT_WRITE));
		if (r->ret == 0)
			p[4] = 'r';
		munmap(p, c->size0);
	}
	close(fd2);
}

/* Copy-on-write: the stores must not reach the file. */
static void op_mmap_private_rw(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_READ | PROT_WRITE, MAP_PRIVATE, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	memset(p, 'c', c->size0);
	munmap(p, c->size0);
}

static void op_mmap_private_ro_mprotect(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_READ, MAP_PRIVATE, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	rset(r, 1, mprotect(p, c->size0, PROT_READ | PROT_WRITE));
	if (r->ret == 0)
		memset(p, 'C', (size_t)c->page);
	munmap(p, c->size0);
}

static void op_madv_remove_ro(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_READ, MAP_SHARED, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	rset(r, 1, madvise(p, (size_t)c->page, MADV_REMOVE));
	munmap(p, c->size0);
}

static void op_madv_remove_rw(const struct conf_ctx *c, struct conf_result *r)
{
	char *p = mmap(NULL, c->size0, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);

	rset(r, 0, p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED)
		return;
	rset(r, 1, madvise(p + c->page, (size_t)c->page, MADV_REMOVE));
	munmap(p, c->size0);
}

static void op_chmod_add_x(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, conf_chmod(c->f, c->fd, NULL, c->mode0 | 0111));
}

static void op_chmod_remove_x(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, conf_chmod(c->f, c->fd, NULL, c->mode0 & ~0111u));
}

static void op_chmod_add_one_x(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, conf_chmod(c->f, c->fd, NULL, c->mode0 | 0001));
}

/* Not touching the exec bits: allowed under EXEC. */
static void op_chmod_other(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, conf_chmod(c->f, c->fd, NULL, (c->mode0 ^ 0060) & ~0111u));
}

static void op_chmod_path_add_x(const struct conf_ctx *c, struct conf_result *r)
{
	rset(r, 0, conf_chmod(c->f, c->fd, c->proc, c->mode0 | 0111));
}

/*
 * AIO through the raw syscalls.  A refusal can surface from io_submit()
 * (a check before the write starts, e.g. an LSM hook) or in the completion
 * event (shmem_write_begin): both are normalised to ret -1 / errno at
 * step 1, since an application sees the same refusal either way.
 */
static void aio_write_at(const struct conf_ctx *c, struct conf_result *r, long long off, int rwflags)
{
	aio_context_t ctx = 0;
	struct iocb cb;
	struct iocb *cbs[1] = { &cb };
	struct io_event ev;
	long n;

	rset(r, 0, syscall(SYS_io_setup, 1, &ctx));
	if (r->ret < 0)
		return;
	memset(&cb, 0, sizeof(cb));
	cb.aio_lio_opcode = IOCB_CMD_PWRITE;
	cb.aio_fildes = (__u32)c->fd;
	cb.aio_buf = (__u64)(uintptr_t)wbuf;
	cb.aio_nbytes = 100;
	cb.aio_offset = off;
	cb.aio_rw_flags = rwflags;
	n = syscall(SYS_io_submit, ctx, 1, cbs);
	if (n != 1) {
		rset(r, 1, -1);
	} else if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1) {
		rset(r, 2, -1);
	} else if ((long long)ev.res < 0) {
		r->step = 1;
		r->ret = -1;
		r->err = (int)-(long long)ev.res;
	} else {
		r->step = 1;
		r->ret = (long long)ev.res;
		r->err = 0;
	}
	syscall(SYS_io_destroy, ctx);
}

static void op_aio_inside(const struct conf_ctx *c, struct conf_result *r)
{
	aio_write_at(c, r, 2000, 0);
}

static void op_aio_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	aio_write_at(c, r, (long long)c->size0, 0);
}

static void op_aio_rwf_append(const struct conf_ctx *c, struct conf_result *r)
{
	aio_write_at(c, r, 0, RWF_APPEND);
}

/*
 * io_uring: one fresh ring per operation; the result is the CQE's res, as
 * an application sees it (a negative res is the errno).
 */
static void uring_run(const struct conf_ctx *c, struct conf_result *r,
		      void (*prep)(const struct conf_ctx *c, struct io_uring_sqe *sqe))
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct iovec fixed = { .iov_base = wbuf, .iov_len = sizeof(wbuf) };
	int e = io_uring_queue_init(4, &ring, 0);

	/* wbuf is buffer 0 for the *_FIXED opcodes. */
	if (e == 0 && (e = io_uring_register_buffers(&ring, &fixed, 1)) < 0)
		io_uring_queue_exit(&ring);
	if (e < 0) {
		r->step = 0;
		r->ret = -1;
		r->err = -e;
		return;
	}
	prep(c, io_uring_get_sqe(&ring));
	e = io_uring_submit(&ring);
	if (e != 1) {
		r->step = 1;
		r->ret = -1;
		r->err = e < 0 ? -e : EIO;
	} else if ((e = io_uring_wait_cqe(&ring, &cqe)) < 0) {
		r->step = 2;
		r->ret = -1;
		r->err = -e;
	} else {
		r->step = 1;
		r->ret = cqe->res < 0 ? -1 : cqe->res;
		r->err = cqe->res < 0 ? -cqe->res : 0;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
}

static void prep_uring_write_inside(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_write(sqe, c->fd, wbuf, 100, 2000);
}

static void prep_uring_write_at_eof(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_write(sqe, c->fd, wbuf, 100, c->size0);
}

static void prep_uring_rwf_append(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_write(sqe, c->fd, wbuf, 100, 0);
	sqe->rw_flags = RWF_APPEND;
}

static struct iovec uring_iov[2] = {
	{ .iov_base = wbuf, .iov_len = 50 },
	{ .iov_base = wbuf + 50, .iov_len = 50 },
};

static void prep_uring_writev_inside(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_writev(sqe, c->fd, uring_iov, 2, 1000);
}

static void prep_uring_fallocate_past_eof(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_fallocate(sqe, c->fd, 0, (off_t)c->size0, 4096);
}

static void prep_uring_punch_hole(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_fallocate(sqe, c->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096);
}

static void prep_uring_write_fixed_at_eof(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_write_fixed(sqe, c->fd, wbuf, 100, c->size0, 0);
}

/* Opcodes newer than this liburing (2.3): the kernel's numbers, from
 * enum io_uring_op (vmlinux BTF). */
#define SG_IORING_OP_FTRUNCATE	  55 /* 6.9+ */
#define SG_IORING_OP_WRITEV_FIXED 61 /* 6.15+ */

static void prep_uring_ftruncate_shrink(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_rw(SG_IORING_OP_FTRUNCATE, sqe, c->fd, NULL, 0, c->size0 / 2);
}

static void prep_uring_ftruncate_grow(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_rw(SG_IORING_OP_FTRUNCATE, sqe, c->fd, NULL, 0, c->size0 * 2);
}

static void prep_uring_writev_fixed_inside(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_rw(SG_IORING_OP_WRITEV_FIXED, sqe, c->fd, uring_iov, 2, 1000);
	sqe->buf_index = 0;
}

static void op_uring_write_fixed_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_write_fixed_at_eof);
}

static void op_uring_ftruncate_shrink(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_ftruncate_shrink);
}

static void op_uring_ftruncate_grow(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_ftruncate_grow);
}

static void op_uring_writev_fixed_inside(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_writev_fixed_inside);
}

static void op_uring_write_inside(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_write_inside);
}

static void op_uring_write_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_write_at_eof);
}

static void op_uring_rwf_append(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_rwf_append);
}

static void op_uring_writev_inside(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_writev_inside);
}

static void op_uring_fallocate_past_eof(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_fallocate_past_eof);
}

static void op_uring_punch_hole(const struct conf_ctx *c, struct conf_result *r)
{
	uring_run(c, r, prep_uring_punch_hole);
}

/*
 * IORING_OP_SPLICE from a pipe holding 200 bytes into the file at pos.
 * Step 0: the pipe (or, as in uring_run, the ring); step 1: the CQE.
 */
static int uring_splice_in = -1;
static loff_t uring_splice_pos;

static void prep_uring_splice(const struct conf_ctx *c, struct io_uring_sqe *sqe)
{
	io_uring_prep_splice(sqe, uring_splice_in, -1, c->fd, uring_splice_pos, 200, 0);
}

static void uring_splice_at(const struct conf_ctx *c, struct conf_result *r, loff_t pos)
{
	int p[2];

	rset(r, 0, pipe2(p, O_CLOEXEC));
	if (r->ret < 0)
		return;
	if (write(p[1], wbuf, 200) != 200) {
		rset(r, 0, -1);
	} else {
		uring_splice_in = p[0];
		uring_splice_pos = pos;
		uring_run(c, r, prep_uring_splice);
	}
	close(p[0]);
	close(p[1]);
}

static void op_uring_splice_inside(const struct conf_ctx *c, struct conf_result *r)
{
	uring_splice_at(c, r, 700);
}

static void op_uring_splice_at_eof(const struct conf_ctx *c, struct conf_result *r)
{
	uring_splice_at(c, r, (loff_t)c->size0);
}

const struct conf_op conf_ops[] = {
	{ "write-at-0", op_write_at0, 0, 0, 0 },
	{ "write-at-end", op_write_at_end, 0, 0, 0 },
	{ "write-zero", op_write_zero, 0, 0, 0 },
	{ "pwrite-inside", op_pwrite_inside, 0, 0, 0 },
	{ "pwrite-at-eof", op_pwrite_at_eof, 0, 0, 0 },
	{ "pwrite-hole", op_pwrite_hole, 0, 0, 0 },
	{ "pwrite-past-eof-samepage", op_pwrite_past_eof_samepage, 0, 0, 0 },
	{ "pwrite-cross-page", op_pwrite_cross_page, OPF_GROW_SHORT, 0, 0 },
	{ "pwrite-zero-past-eof", op_pwrite_zero_past_eof, 0, 0, 0 },
	{ "o-append-write", op_append_write, 0, 0, 0 },
	{ "writev-inside", op_writev_inside, 0, 0, 0 },
	{ "writev-at-end", op_writev_at_end, 0, 0, 0 },
	{ "pwritev2-inside", op_pwritev2_inside, 0, 0, 0 },
	{ "pwritev2-at-eof", op_pwritev2_at_eof, 0, 0, 0 },
	{ "pwritev2-rwf-append-off0", op_pwritev2_append_off0, 0, 0, 0 },
	{ "pwritev2-rwf-append-fpos", op_pwritev2_append_fpos, 0, 0, 0 },
	{ "sendfile-inside", op_sendfile_inside, 0, 0, 0 },
	{ "sendfile-at-eof", op_sendfile_at_eof, 0, 0, 0 },
	{ "splice-inside", op_splice_inside, 0, 0, 0 },
	{ "splice-at-eof", op_splice_at_eof, 0, 0, 0 },
	{ "copy-file-range-inside", op_cfr_inside, 0, 0, 0 },
	{ "copy-file-range-at-eof", op_cfr_at_eof, 0, 0, 0 },
	{ "fallocate-inside", op_falloc_inside, 0, 0, 0 },
	{ "fallocate-past-eof", op_falloc_past_eof, 0, 0, 0 },
	{ "fallocate-straddle-eof", op_falloc_straddle, 0, 0, 0 },
	{ "fallocate-keep-size-inside", op_falloc_keep_inside, 0, 0, 0 },
	{ "fallocate-keep-size-past-eof", op_falloc_keep_past_eof, 0, 0, 0 },
	{ "fallocate-punch-hole", op_falloc_punch, 0, 0, 0 },
	{ "fallocate-punch-partial", op_falloc_punch_partial, 0, 0, 0 },
	{ "fallocate-zero-range", op_falloc_zero_range, 0, 0, 0 },
	{ "ftruncate-shrink", op_ftruncate_shrink, 0, 0, 0 },
	{ "ftruncate-grow", op_ftruncate_grow, 0, 0, 0 },
	{ "ftruncate-same", op_ftruncate_same, 0, 0, 0 },
	{ "truncate-path-shrink", op_truncate_path_shrink, 0, 0, 0 },
	{ "truncate-path-grow", op_truncate_path_grow, 0, 0, 0 },
	{ "open-o-trunc", op_open_trunc, 0, 0, 0 },
	{ "mmap-shared-rw", op_mmap_shared_rw, 0, 0, 0 },
	{ "mmap-shared-wo", op_mmap_shared_wo, 0, 0, 0 },
	{ "mmap-shared-rw-rdonly-fd", op_mmap_shared_rw_rdonly_fd, 0, 0, 0 },
	{ "mmap-shared-ro", op_mmap_shared_ro, OPF_RO_MAP, 0, 0 },
	{ "mmap-shared-ro-mprotect-rw", op_mmap_shared_ro_mprotect, OPF_RO_MAP | OPF_RO_MAP_WRITE, 0, 0 },
	{ "mmap-shared-ro-rdonly-fd-mprotect-rw", op_mmap_ro_rdonly_fd_mprotect, 0, 0, 0 },
	{ "mmap-private-rw", op_mmap_private_rw, 0, 0, 0 },
	{ "mmap-private-ro-mprotect-rw", op_mmap_private_ro_mprotect, 0, 0, 0 },
	{ "madv-remove-shared-ro", op_madv_remove_ro, OPF_RO_MAP | OPF_RO_MAP_WRITE, 0, 0 },
	{ "madv-remove-shared-rw", op_madv_remove_rw, 0, 0, 0 },
	{ "chmod-add-x", op_chmod_add_x, 0, 0, 0 },
	{ "chmod-add-o-x", op_chmod_add_one_x, 0, 0, 0 },
	{ "chmod-remove-x", op_chmod_remove_x, 0, 0755, 0 },
	{ "chmod-other", op_chmod_other, 0, 0, 0 },
	{ "chmod-path-add-x", op_chmod_path_add_x, 0, 0, 0 },
	{ "aio-pwrite-inside", op_aio_inside, 0, 0, 0 },
	{ "aio-pwrite-at-eof", op_aio_at_eof, 0, 0, 0 },
	{ "aio-rwf-append-off0", op_aio_rwf_append, 0, 0, 0 },
	{ "io-uring-write-inside", op_uring_write_inside, OPF_IO_URING, 0, 0 },
	{ "io-uring-write-at-eof", op_uring_write_at_eof, OPF_IO_URING, 0, 0 },
	{ "io-uring-rwf-append-off0", op_uring_rwf_append, OPF_IO_URING, 0, 0 },
	{ "io-uring-writev-inside", op_uring_writev_inside, OPF_IO_URING, 0, 0 },
	{ "io-uring-fallocate-past-eof", op_uring_fallocate_past_eof, OPF_IO_URING, 0, 0 },
	{ "io-uring-punch-hole", op_uring_punch_hole, OPF_IO_URING, 0, 0 },
	{ "io-uring-splice-inside", op_uring_splice_inside, OPF_IO_URING, 0, 0 },
	{ "io-uring-splice-at-eof", op_uring_splice_at_eof, OPF_IO_URING, 0, 0 },
	{ "io-uring-write-fixed-at-eof", op_uring_write_fixed_at_eof, OPF_IO_URING, 0, IORING_OP_WRITE_FIXED },
	{ "io-uring-ftruncate-shrink", op_uring_ftruncate_shrink, OPF_IO_URING, 0, SG_IORING_OP_FTRUNCATE },
	{ "io-uring-ftruncate-grow", op_uring_ftruncate_grow, OPF_IO_URING, 0, SG_IORING_OP_FTRUNCATE },
	{ "io-uring-writev-fixed-inside", op_uring_writev_fixed_inside, OPF_IO_URING, 0, SG_IORING_OP_WRITEV_FIXED },
};

const size_t conf_nops = sizeof(conf_ops) / sizeof(conf_ops[0]);

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)got;
		got += (size_t)n;
	}
	return (int)got;
}

static void write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += (size_t)n;
	}
}

int conf_run_op(const struct conf_file *f, const struct conf_op *op, struct conf_result *r)
{
	struct conf_ctx c = { .f = f, .fd = f->fd, .page = conf_env.page };
	struct stat st;
	int p[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (fstat(f->fd, &st) < 0)
		return -1;
	c.size0 = (size_t)st.st_size;
	c.mode0 = st.st_mode & 07777;
	snprintf(c.proc, sizeof(c.proc), "/proc/self/fd/%d", f->fd);

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		struct conf_result cr;

		close(p[0]);
		alarm(30);
		memset(&cr, 0, sizeof(cr));
		op->fn(&c, &cr);
		write_full(p[1], &cr, sizeof(cr));
		_exit(0);
	}
	close(p[1]);
	if (read_full(p[0], r, sizeof(*r)) != (int)sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		r->sig = WTERMSIG(status);
		r->ret = -1;
	}
	r->size = 0;
	r->sum = 0;
	r->mode = 0;
	return conf_measure(f->fd, r);
}

/* ---- traces ---- */

void conf_trace_add(struct conf_trace *t, const char *label, long long ret, int err)
{
	struct conf_step *s;

	if (t->n >= CONF_TRACE_MAX) {
		t->overflow = 1;
		return;
	}
	s = &t->s[t->n++];
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->ret = ret;
	s->err = err;
}

long long conf_trace_call(struct conf_trace *t, const char *label, long long ret)
{
	int e = errno;

	conf_trace_add(t, label, ret < 0 ? -1 : ret, ret < 0 ? e : 0);
	errno = e;
	return ret;
}

int conf_trace_fd(struct conf_trace *t, const char *label, int fd)
{
	int e = errno;

	/* Which number a new fd gets depends on what else the process holds
	 * (libsealguard's cached connection, say): only success is compared. */
	conf_trace_add(t, label, fd < 0 ? -1 : 0, fd < 0 ? e : 0);
	errno = e;
	return fd;
}

void *conf_trace_mmap(struct conf_trace *t, const char *label, void *p)
{
	int e = errno;

	conf_trace_add(t, label, p == MAP_FAILED ? -1 : 0, p == MAP_FAILED ? e : 0);
	errno = e;
	return p;
}

void conf_trace_state(struct conf_trace *t, const char *label, int fd)
{
	struct conf_result r = { 0 };
	char l[CONF_LABEL_MAX];
	int e = 0;

	if (conf_measure(fd, &r) < 0)
		e = errno ? errno : EIO;
	snprintf(l, sizeof(l), "%s: size", label);
	conf_trace_add(t, l, e ? -1 : r.size, e);
	snprintf(l, sizeof(l), "%s: content", label);
	conf_trace_add(t, l, e ? -1 : (long long)(r.sum & 0x7fffffffffffffffULL), e);
	snprintf(l, sizeof(l), "%s: mode", label);
	conf_trace_add(t, l, e ? -1 : (long long)r.mode, e);
}

void conf_trace_send(int wfd, const struct conf_trace *t)
{
	write_full(wfd, t, sizeof(*t));
}

void conf_trace_recv(int rfd, struct conf_trace *t, const char *prefix)
{
	struct conf_trace *c = calloc(1, sizeof(*c));
	char l[CONF_LABEL_MAX];

	if (!c) {
		conf_trace_add(t, "harness: calloc", -1, ENOMEM);
		return;
	}
	if (read_full(rfd, c, sizeof(*c)) != (int)sizeof(*c)) {
		snprintf(l, sizeof(l), "%s<no trace>", prefix);
		conf_trace_add(t, l, -1, EPIPE);
	} else {
		for (int i = 0; i < c->n && i < CONF_TRACE_MAX; i++) {
			snprintf(l, sizeof(l), "%s%s", prefix, c->s[i].label);
			conf_trace_add(t, l, c->s[i].ret, c->s[i].err);
		}
		if (c->overflow)
			t->overflow = 1;
	}
	free(c);
}

int conf_run_trace(enum conf_kind kind, mode_t mode, conf_scenario_fn fn, struct conf_trace *t)
{
	struct conf_file f;
	int p[2], status;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	if (conf_file_create(&f, kind, mode ? mode : CONF_MODE0, CONF_SIZE0) < 0)
		return -1;
	if (pipe2(p, O_CLOEXEC) < 0) {
		conf_file_destroy(&f);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		conf_file_destroy(&f);
		return -1;
	}
	if (pid == 0) {
		struct conf_trace *ct = calloc(1, sizeof(*ct));

		close(p[0]);
		alarm(30);
		if (ct) {
			fn(&f, ct);
			conf_trace_send(p[1], ct);
		}
		_exit(0);
	}
	close(p[1]);
	conf_trace_recv(p[0], t, "");
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		char l[CONF_LABEL_MAX];

		/* Keep only the steps before the crash, then say where it died. */
		if (t->n && t->s[t->n - 1].err == EPIPE && strstr(t->s[t->n - 1].label, "<no trace>"))
			t->n--;
		snprintf(l, sizeof(l), "<killed by signal %d>", WTERMSIG(status));
		conf_trace_add(t, l, -1, 0);
	}
	conf_file_destroy(&f);
	return 0;
}

int conf_trace_diff(const struct conf_trace *a, const struct conf_trace *b)
{
	int n = a->n < b->n ? a->n : b->n;

	for (int i = 0; i < n; i++) {
		if (strcmp(a->s[i].label, b->s[i].label) != 0 || a->s[i].ret != b->s[i].ret ||
		    a->s[i].err != b->s[i].err)
			return i;
	}
	if (a->n != b->n || a->overflow != b->overflow)
		return n;
	return -1;
}

static void step_format(const struct conf_trace *t, int i, char *buf, size_t len)
{
	if (i >= t->n) {
		snprintf(buf, len, "<no step>");
		return;
	}
	if (t->s[i].ret < 0)
		snprintf(buf, len, "'%s' -1 %s", t->s[i].label, conf_errname(t->s[i].err));
	else
		snprintf(buf, len, "'%s' %lld", t->s[i].label, t->s[i].ret);
}

void conf_trace_diff_format(const struct conf_trace *a, const struct conf_trace *b, int i, char *buf, size_t len)
{
	char sa[128], sb[128];

	step_format(a, i, sa, sizeof(sa));
	step_format(b, i, sb, sizeof(sb));
	snprintf(buf, len, "step %d: native %s, sealguard %s", i, sa, sb);
}

int conf_trace_find(const struct conf_trace *t, const char *label)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->s[i].label, label) == 0)
			return i;
	return -1;
}

void conf_trace_dump(const char *name, const char *who, const struct conf_trace *t)
{
	for (int i = 0; i < t->n; i++) {
		if (t->s[i].ret < 0)
			fprintf(stderr, "  %s [%s] %2d %-40s -1 %s\n", name, who, i, t->s[i].label,
				conf_errname(t->s[i].err));
		else
			fprintf(stderr, "  %s [%s] %2d %-40s %lld\n", name, who, i, t->s[i].label, t->s[i].ret);
	}
}

/* ---- differential trace cases ---- */

/*
 * Divergence write-ro-map-old-kernels in a trace: where the kernel refused
 * a read-only shared map ("mmap shared ro...": -1 EPERM) that sealguard
 * allowed, sealguard's trace has the steps the scenario runs on the
 * mapping ("read through mapping", and "mprotect rw", which must fail with
 * EACCES as on fixed kernels).  Folds those into the native shape, in
 * place: 1 if any was folded, 0 if none, -1 (why in msg) if the steps on
 * the mapping are not what the fixed kernels give.
 */
static int fold_ro_map(const struct conf_trace *nt, struct conf_trace *st, char *msg, size_t len)
{
	int folded = 0;

	for (int i = 0; i < nt->n && i < st->n; i++) {
		int j = i + 1, k;

		if (strncmp(nt->s[i].label, "mmap shared ro", 14) != 0 || strcmp(nt->s[i].label, st->s[i].label) != 0 ||
		    nt->s[i].ret != -1 || nt->s[i].err != EPERM || st->s[i].ret != 0)
			continue;
		if (j < st->n && strcmp(st->s[j].label, "read through mapping") == 0)
			j++;
		if (j < st->n && strcmp(st->s[j].label, "mprotect rw") == 0) {
			if (st->s[j].ret != -1 || st->s[j].err != EACCES) {
				snprintf(msg, len,
					 "step %d: 'mprotect rw' of the read-only map should fail with EACCES, "
					 "got %lld %s",
					 j, st->s[j].ret, conf_errname(st->s[j].err));
				return -1;
			}
			j++;
		}
		st->s[i] = nt->s[i];
		for (k = i + 1; j < st->n; k++, j++)
			st->s[k] = st->s[j];
		st->n = k;
		folded = 1;
	}
	return folded;
}

void conf_run_tcase(const char *prefix, const struct conf_tcase *tc, void (*report)(const struct conf_outcome *o))
{
	int expected = (tc->flags & CONF_TC_EXEC) && !conf_env.native_exec;
	struct conf_trace *nt = calloc(1, sizeof(*nt)), *st = calloc(1, sizeof(*st));
	char base[CONF_NKINDS][160];
	int any = 0, have_native = 0;

	for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++) {
		snprintf(base[k], sizeof(base[k]), "%s/%s/%s", prefix, tc->name, conf_kind_name(k));
		any |= conf_selected(base[k]);
	}
	if (!any || !nt || !st)
		goto out;

	have_native = conf_run_trace(CONF_NATIVE, tc->mode, tc->fn, nt) == 0;
	if (conf_env.verbose && have_native)
		conf_trace_dump(tc->name, "native", nt);

	for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++) {
		struct conf_outcome o = { .v = CONF_FAIL };
		int i;

		if (!conf_selected(base[k]))
			continue;
		snprintf(o.name, sizeof(o.name), "%s%s", base[k], expected ? "/expected" : "");
		if (!have_native) {
			snprintf(o.msg, sizeof(o.msg), "could not run the native oracle (%s)", strerror(errno));
			report(&o);
			continue;
		}
		if (conf_run_trace((enum conf_kind)k, tc->mode, tc->fn, st) < 0) {
			snprintf(o.msg, sizeof(o.msg), "could not create the %s file (%s)", conf_kind_name(k),
				 strerror(errno));
			report(&o);
			continue;
		}
		if (conf_env.verbose)
			conf_trace_dump(tc->name, conf_kind_name(k), st);
		i = conf_trace_diff(nt, st);
		if (i >= 0 && !conf_env.native_ro_map && !conf_env.native_only) {
			int f = fold_ro_map(nt, st, o.msg, sizeof(o.msg));

			if (f) {
				strncat(o.name, "/divergence-write-ro-map-old-kernels",
					sizeof(o.name) - strlen(o.name) - 1);
				if (f < 0) {
					report(&o);
					continue;
				}
				i = conf_trace_diff(nt, st);
			}
		}
		if (i < 0) {
			o.v = CONF_PASS;
		} else if (tc->div_name && !conf_env.native_only && i < nt->n && i < st->n &&
			   strcmp(nt->s[i].label, tc->div_label) == 0 && strcmp(st->s[i].label, tc->div_label) == 0) {
			char d[512];

			conf_trace_diff_format(nt, st, i, d, sizeof(d));
			if (!tc->div_assert) {
				o.v = CONF_SKIP;
				snprintf(o.msg, sizeof(o.msg), "known divergence %s: %s", tc->div_name, d);
			} else {
				snprintf(o.name, sizeof(o.name), "%s/divergence-%s", base[k], tc->div_name);
				if (st->s[i].ret == tc->div_ret && st->s[i].err == tc->div_err && i == st->n - 1) {
					o.v = CONF_PASS;
				} else {
					snprintf(
						o.msg, sizeof(o.msg),
						"sealguard should give %lld %s at this step (documented divergence); %s",
						tc->div_ret, conf_errname(tc->div_err), d);
				}
			}
		} else {
			conf_trace_diff_format(nt, st, i, o.msg, sizeof(o.msg));
		}
		report(&o);
	}
out:
	free(nt);
	free(st);
}

int conf_io_uring_has_op(int opcode)
{
	struct io_uring_probe *p = io_uring_get_probe();
	int r = p && io_uring_opcode_supported(p, opcode);

	if (p)
		io_uring_free_probe(p);
	return r;
}

int conf_io_uring_probe(void)
{
	struct io_uring ring;
	int e = io_uring_queue_init(4, &ring, 0);

	if (e == 0)
		io_uring_queue_exit(&ring);
	return e;
}
