// SPDX-License-Identifier: GPL-2.0
/*
 * The fence (bpf/sg_fence.h, user/daemon/fence.c): a write checked before
 * a seal must not land after sg_add_seals() returns.
 *
 *  - splice: since 6.8 splice checks the file, then waits for pipe data,
 *    then writes without checking again.  A child starts a splice from an
 *    empty pipe, the file is sealed, the pipe is fed: the splice must fail
 *    with EPERM and leave the file as it was (WRITE, FUTURE_WRITE, and GROW
 *    for a splice at the end), on tmpfs, ext4, a memfd without
 *    MFD_ALLOW_SEALING, and a file with capabilities (where the capability
 *    LSM answers inode_need_killpriv first).
 *  - a write inside the inode lock (its source page faulting through
 *    userfaultfd) when the seal comes: the seal returns only once that
 *    write has landed, as F_ADD_SEALS would, however long it takes; the
 *    daemon answers others meanwhile.
 *  - a write still on its way when the seal comes, and an operation the
 *    seal allows (which marks the inode S_NOSEC again) before it arrives:
 *    the seal returns only once that write is over (pending_case).
 *  - what stays allowed: ftruncate and fchown of a WRITE-sealed file by
 *    a thread whose last write, before the seal, was to that file (fchown
 *    needs path_chown, 6.1+), writes within the size under GROW.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conformance_ops.h"
#include "sealguard.h"
#include "vm_uffd.h"
#include "vmtest.h"

#define PAGE	 4096
#define EXT4_DIR "/tmp/sg-fence-ext4"
#define EXT4_IMG "/tmp/sg-fence-ext4.img"

#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A file of `size` bytes of 'A' in dir, or a memfd when dir is NULL. */
static int make_file(const char *dir, const char *name, size_t size, char *path, size_t len)
{
	char buf[PAGE], base[96];
	int fd;

	/* Test names have slashes: one file per name, directly in dir. */
	snprintf(base, sizeof(base), "%s", name);
	for (char *c = base; *c; c++)
		if (*c == '/')
			*c = '-';
	name = base;
	if (dir) {
		snprintf(path, len, "%s/%s", dir, name);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	} else {
		snprintf(path, len, "memfd:%s", name);
		fd = memfd_create(name, 0);
	}
	if (fd < 0)
		return -1;
	memset(buf, 'A', sizeof(buf));
	for (size_t off = 0; off < size; off += PAGE)
		if (pwrite(fd, buf, PAGE, (off_t)off) != PAGE) {
			close(fd);
			return -1;
		}
	return fd;
}

/* Whether the first `size` bytes are all 'A' and the file has that size. */
static bool untouched(int fd, size_t size, char *why, size_t len)
{
	char buf[PAGE];
	struct stat st;

	if (fstat(fd, &st) < 0 || (size_t)st.st_size != size) {
		snprintf(why, len, "size %lld, expected %zu", (long long)st.st_size, size);
		return false;
	}
	for (size_t off = 0; off < size; off += PAGE) {
		if (pread(fd, buf, PAGE, (off_t)off) != PAGE) {
			snprintf(why, len, "read at %zu failed", off);
			return false;
		}
		for (int i = 0; i < PAGE; i++)
			if (buf[i] != 'A') {
				snprintf(why, len, "byte %zu is '%c'", off + (size_t)i, buf[i]);
				return false;
			}
	}
	return true;
}

/* Until pid sleeps in syscall nr (/proc/PID/syscall), at most 10 s. */
static bool wait_in_syscall(pid_t pid, long nr)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen(path, "r");
		long cur = -1;

		if (f) {
			if (fgets(buf, sizeof(buf), f))
				cur = strtol(buf, NULL, 10);
			fclose(f);
		}
		if (cur == nr)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* ---- splice: checked, then waiting for pipe data, then written ------- */

/* A child splicing a page from an empty pipe into a file. */
struct splicer {
	pid_t pid;
	int feed, res; /* the pipe's write end; the child's answer */
};

/* Starts the child and waits until it sleeps in splice: 0, or -1 having
 * failed name. */
static int splicer_start(const char *name, struct splicer *sp, int fd, loff_t off)
{
	int p[2], res[2];

	sp->pid = -1;
	sp->feed = sp->res = -1;
	if (pipe(p) < 0 || pipe(res) < 0) {
		vmtest_fail(name, "pipe: %s", strerror(errno));
		return -1;
	}
	sp->pid = fork();
	if (sp->pid == 0) {
		ssize_t n;
		int err;

		close(p[1]);
		n = splice(p[0], NULL, fd, &off, PAGE, 0);
		err = n < 0 ? errno : 0;
		if (write(res[1], &n, sizeof(n)) < 0 || write(res[1], &err, sizeof(err)) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[0]);
	close(res[1]);
	sp->feed = p[1];
	sp->res = res[0];
	if (!wait_in_syscall(sp->pid, SYS_splice)) {
		vmtest_fail(name, "the splice never waited for its pipe");
		return -1;
	}
	return 0;
}

/* Feeds the pipe a page of 'S' and reads the child's answer: 0, or -1
 * having failed name. */
static int splicer_finish(const char *name, struct splicer *sp, ssize_t *n, int *err)
{
	char data[PAGE];

	memset(data, 'S', sizeof(data));
	if (write(sp->feed, data, sizeof(data)) != (ssize_t)sizeof(data)) {
		vmtest_fail(name, "feeding the pipe: %s", strerror(errno));
		return -1;
	}
	close(sp->feed);
	sp->feed = -1;
	if (read(sp->res, n, sizeof(*n)) != sizeof(*n) || read(sp->res, err, sizeof(*err)) != sizeof(*err)) {
		vmtest_fail(name, "the splicing child reported nothing");
		return -1;
	}
	return 0;
}

static void splicer_reap(struct splicer *sp)
{
	int status;

	if (sp->feed >= 0)
		close(sp->feed);
	if (sp->res >= 0)
		close(sp->res);
	if (sp->pid > 0) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, &status, 0);
	}
}

static void splice_case(const char *name, const char *dir, unsigned int seals, bool at_end, bool caps)
{
	char path[128], why[160];
	struct splicer sp = { .pid = -1, .feed = -1, .res = -1 };
	ssize_t n = 0;
	int fd, err = 0;

	fd = make_file(dir, name, PAGE, path, sizeof(path));
	if (fd < 0) {
		vmtest_fail(name, "cannot create the file: %s", strerror(errno));
		return;
	}
	if (caps) {
		/* VFS_CAP_REVISION_2, CAP_NET_BIND_SERVICE permitted. */
		unsigned int v[5] = { 0x02000000, 1u << 10, 0, 0, 0 };

		if (fsetxattr(fd, "security.capability", v, sizeof(v), 0) < 0) {
			vmtest_skip(name, "cannot set file capabilities here: %s", strerror(errno));
			goto out;
		}
	}
	if (splicer_start(name, &sp, fd, at_end ? PAGE : 0) < 0)
		goto out;
	if (sg_add_seals(fd, seals) < 0) {
		vmtest_fail(name, "sg_add_seals: %s", strerror(errno));
		goto out;
	}
	if (splicer_finish(name, &sp, &n, &err) < 0)
		goto out;
	if (n >= 0)
		vmtest_fail(name, "splice after the seal wrote %zd bytes into %s", n, path);
	else if (err != EPERM)
		vmtest_fail(name, "splice answered %s, expected EPERM", strerrorname_np(err));
	else if (!untouched(fd, PAGE, why, sizeof(why)))
		vmtest_fail(name, "%s changed: %s", path, why);
	else if (caps && fgetxattr(fd, "security.capability", NULL, 0) < 0)
		vmtest_fail(name, "the refused write removed the file's capabilities");
	else
		vmtest_pass(name);
out:
	splicer_reap(&sp);
	close(fd);
	if (dir)
		unlink(path);
}

/* ---- a write inside the inode lock when the seal comes ---------------- */

struct stalled_write {
	int fd;
	char *src; /* a missing page watched by uffd */
	ssize_t n;
	int err;
};

static void *do_write(void *arg)
{
	struct stalled_write *w = arg;

	w->n = pwrite(w->fd, w->src, PAGE, 0);
	w->err = w->n < 0 ? errno : 0;
	return NULL;
}

struct seal_call {
	int fd;
	unsigned int seals;
	int r, err;
	long long returned_ms;
	atomic_bool done;
};

static void *do_seal(void *arg)
{
	struct seal_call *s = arg;

	s->r = sg_add_seals(s->fd, s->seals);
	s->err = errno;
	s->returned_ms = now_ms();
	atomic_store(&s->done, true);
	return NULL;
}

/*
 * Either way the seal must return after the write, with the write's bytes
 * in the file, as F_ADD_SEALS would.  hold_ms past the daemon's own wait
 * (200 ms): the fence's thread answers, and the daemon answers another
 * request meanwhile.
 */
static void locked_write_case(const char *name, const char *dir, int hold_ms)
{
	struct stalled_write w = { 0 };
	struct seal_call s = { 0 };
	pthread_t wt, st;
	char path[128], buf[PAGE];
	long long released;
	int uffd, other = -1;
	char *page;

	w.fd = make_file(dir, name, PAGE, path, sizeof(path));
	uffd = vm_uffd_region(&page, 1);
	if (w.fd < 0 || uffd < 0) {
		vmtest_skip(name, "no file or no userfaultfd: %s", strerror(errno));
		if (w.fd >= 0)
			close(w.fd);
		return;
	}
	w.src = page;
	pthread_create(&wt, NULL, do_write, &w);
	if (vm_uffd_wait_faults(uffd, 1) != 1) {
		vmtest_fail(name, "the write never faulted on its source page");
		vm_uffd_fill(uffd, page, 'W', NULL);
		pthread_join(wt, NULL);
		goto out;
	}
	s.fd = w.fd;
	s.seals = F_SEAL_WRITE;
	pthread_create(&st, NULL, do_seal, &s);
	if (hold_ms > 1000) {
		/* The daemon must answer someone else meanwhile (on a
		 * connection of its own: the default one is the seal's until
		 * its answer comes). */
		struct sg_conn *conn = sg_connect(NULL, 1000);
		long long t0;
		int g = -1;

		sleep_ms(300);
		other = make_file(dir, "other", PAGE, buf, sizeof(buf));
		t0 = now_ms();
		if (conn && other >= 0)
			g = sg_conn_get_seals(conn, other);
		char served[160];

		snprintf(served, sizeof(served), "%s/daemon-serves-meanwhile", name);
		if (g < 0 || now_ms() - t0 > 1000)
			vmtest_fail(served, "while a fence waited the daemon answered in %lld ms (%s)",
				    (long long)(now_ms() - t0), g < 0 ? strerror(errno) : "ok");
		else
			vmtest_pass(served);
		if (conn)
			sg_disconnect(conn);
		if (other >= 0)
			close(other);
		unlink(buf);
	}
	sleep_ms(hold_ms);
	released = now_ms();
	bool sealed_early = atomic_load(&s.done);
	vm_uffd_fill(uffd, page, 'W', NULL);
	pthread_join(wt, NULL);
	pthread_join(st, NULL);

	if (w.n != PAGE) {
		vmtest_fail(name, "the write started before the seal failed: %s", strerrorname_np(w.err));
	} else if (s.r < 0) {
		vmtest_fail(name, "sg_add_seals: %s", strerror(s.err));
	} else if (sealed_early) {
		vmtest_fail(name, "sg_add_seals returned while a write held the inode lock");
	} else if (s.returned_ms < released) {
		vmtest_fail(name, "sg_add_seals returned before the lock was released");
	} else if (pread(w.fd, buf, PAGE, 0) != PAGE || buf[0] != 'W' || buf[PAGE - 1] != 'W') {
		vmtest_fail(name, "the write inside the lock did not land before the seal returned");
	} else if (pwrite(w.fd, "x", 1, 0) != -1 || errno != EPERM) {
		vmtest_fail(name, "a write after the seal was not refused with EPERM");
	} else {
		vmtest_pass(name);
	}
out:
	munmap(page, PAGE);
	close(uffd);
	close(w.fd);
	if (dir)
		unlink(path);
}

/* ---- a write pending across the seal, and an operation it allows ------- */

/*
 * Any operation a seal allows that reaches file_remove_privs marks the
 * inode S_NOSEC again (an in-size write under GROW, an in-size fallocate
 * under WRITE on ext4; tmpfs asks only after its fallocate), and a write
 * that then takes the inode lock is not judged there.  So the seal must
 * not return while a write checked before it is still on its way
 * (bpf/sg_pending.h): a splice waiting for pipe data when the seal comes,
 * the allowed operation, then the pipe fed, all while sg_add_seals() runs.
 * The splice may land before the seal returns or be refused (5.10 and 6.1
 * check it again), never land after.  With during_seal false the pipe is
 * fed after the seal returned, past the daemon's wait: on tmpfs the fence
 * must then still refuse the splice.
 */
enum allowed_op { ALLOW_PWRITE, ALLOW_FALLOCATE };

/* The file's size and how many of its bytes a splice wrote ('S'). */
static void splice_view(int fd, off_t *size, int *spliced)
{
	char buf[2 * PAGE];
	struct stat st;
	ssize_t n;

	*size = fstat(fd, &st) == 0 ? st.st_size : -1;
	n = pread(fd, buf, sizeof(buf), 0);
	*spliced = 0;
	for (ssize_t i = 0; i < n; i++)
		*spliced += buf[i] == 'S';
}

struct sealing_view {
	struct seal_call call;
	off_t size;
	int spliced;
};

static void *do_seal_and_look(void *arg)
{
	struct sealing_view *v = arg;

	do_seal(&v->call);
	splice_view(v->call.fd, &v->size, &v->spliced);
	return NULL;
}

static int allowed_op(int fd, enum allowed_op op)
{
	if (op == ALLOW_PWRITE)
		return pwrite(fd, "B", 1, 0) == 1 ? 0 : -1;
	return fallocate(fd, 0, 0, PAGE);
}

static void pending_case(const char *name, const char *dir, unsigned int seals, enum allowed_op op, bool during_seal)
{
	struct splicer sp = { .pid = -1, .feed = -1, .res = -1 };
	struct sealing_view v = { .call.seals = seals };
	bool at_end = seals == F_SEAL_GROW, sealing = false, early;
	char path[128];
	int fd, err = 0, spliced;
	pthread_t t;
	off_t size;
	ssize_t n = 0;

	fd = make_file(dir, name, PAGE, path, sizeof(path));
	if (fd < 0) {
		vmtest_fail(name, "cannot create the file: %s", strerror(errno));
		return;
	}
	v.call.fd = fd;
	if (splicer_start(name, &sp, fd, at_end ? PAGE : 0) < 0)
		goto out;
	if (pthread_create(&t, NULL, do_seal_and_look, &v) != 0) {
		vmtest_fail(name, "pthread_create failed");
		goto out;
	}
	sealing = true;
	if (during_seal) {
		sleep_ms(300);
	} else {
		pthread_join(t, NULL);
		sealing = false;
	}
	early = during_seal && atomic_load(&v.call.done);
	if (allowed_op(fd, op) < 0) {
		vmtest_fail(name, "%s after the seal: %s (the seal allows it)",
			    op == ALLOW_PWRITE ? "a write within the size" : "fallocate within the size",
			    strerror(errno));
		goto out;
	}
	if (splicer_finish(name, &sp, &n, &err) < 0)
		goto out;
	pthread_join(t, NULL);
	sealing = false;
	splice_view(fd, &size, &spliced);
	if (v.call.r < 0)
		vmtest_fail(name, "sg_add_seals: %s", strerror(v.call.err));
	else if (n < 0 && err != EPERM)
		vmtest_fail(name, "splice answered %s, expected EPERM or success before the seal returned",
			    strerrorname_np(err));
	else if (size != v.size || spliced != v.spliced)
		vmtest_fail(name,
			    "the splice landed after sg_add_seals() returned: size %lld then %lld, "
			    "%d then %d bytes spliced",
			    (long long)v.size, (long long)size, v.spliced, spliced);
	else if (!during_seal && n >= 0)
		vmtest_fail(name, "the splice wrote %zd bytes although the seal returned first", n);
	else if (early)
		vmtest_fail(name, "sg_add_seals returned while a write checked before it was pending");
	else
		vmtest_pass(name);
out:
	splicer_reap(&sp);
	if (sealing)
		pthread_join(t, NULL);
	close(fd);
	unlink(path);
}

/* ---- every write gives its count back ----------------------------------- */

/*
 * Each write counts itself until its call returns (bpf/sg_pending.h), and
 * a fence waits up to 2 s for the counts taken before its seal: a count
 * never given back would make every later fence of that inode wait 2 s.
 * A child that stays alive runs every write call of the conformance suite
 * (write, pwrite, writev, pwritev2, sendfile, splice, copy_file_range,
 * aio, io_uring) against a WRITE-sealed file, where each is refused, and
 * against an unsealed one, where each succeeds; then sealing either file
 * again must not wait.
 */
static bool is_write_call(const char *op)
{
	static const char *const prefixes[] = { "write-",	  "pwrite",	 "o-append-write",   "writev-",
						"sendfile-",	  "splice-",	 "copy-file-range-", "aio-",
						"io-uring-write", "io-uring-rwf" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(op, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static int run_write_calls(const struct conf_file *f, bool uring)
{
	struct conf_ctx c = { .f = f, .fd = f->fd, .page = conf_env.page };
	struct stat st;
	int n = 0;

	for (size_t i = 0; i < conf_nops; i++) {
		struct conf_result r = { 0 };

		if (!is_write_call(conf_ops[i].name) || ((conf_ops[i].flags & OPF_IO_URING) && !uring))
			continue;
		if (fstat(f->fd, &st) < 0)
			return -1;
		c.size0 = (size_t)st.st_size;
		c.mode0 = st.st_mode & 07777;
		snprintf(c.proc, sizeof(c.proc), "/proc/self/fd/%d", f->fd);
		conf_ops[i].fn(&c, &r);
		n++;
	}
	return n;
}

/* How long sg_add_seals(fd, seals) took, in ms, or -1. */
static long long timed_seal(int fd, unsigned int seals)
{
	long long t0 = now_ms();

	return sg_add_seals(fd, seals) < 0 ? -1 : now_ms() - t0;
}

static void counts_case(const char *name)
{
	struct conf_file sealed = { .fd = -1 }, open = { .fd = -1 };
	int ready[2] = { -1, -1 }, calls = 0, status;
	long long t_sealed, t_open;
	pid_t pid = -1;

	if (conf_file_create(&sealed, CONF_SG_SHM, CONF_MODE0, CONF_SIZE0) < 0 ||
	    conf_file_create(&open, CONF_SG_SHM, CONF_MODE0, CONF_SIZE0) < 0 || pipe(ready) < 0) {
		vmtest_fail(name, "setup: %s", strerror(errno));
		goto out;
	}
	if (sg_add_seals(sealed.fd, F_SEAL_WRITE) < 0) {
		vmtest_fail(name, "sg_add_seals: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		bool uring = conf_io_uring_probe() == 0;
		int a = run_write_calls(&sealed, uring), b = run_write_calls(&open, uring);

		calls = a < 0 || b < 0 ? -1 : a + b;
		if (write(ready[1], &calls, sizeof(calls)) < 0)
			_exit(2);
		pause();
		_exit(0);
	}
	if (pid < 0 || read(ready[0], &calls, sizeof(calls)) != sizeof(calls) || calls <= 0) {
		vmtest_fail(name, "the writing child failed");
		goto out;
	}
	t_sealed = timed_seal(sealed.fd, F_SEAL_SHRINK);
	t_open = timed_seal(open.fd, F_SEAL_WRITE);
	if (t_sealed < 0 || t_open < 0)
		vmtest_fail(name, "sg_add_seals: %s", strerror(errno));
	else if (t_sealed >= 1000 || t_open >= 1000)
		vmtest_fail(name,
			    "after %d write calls by a live process, sealing took %lld ms (refused writes) "
			    "and %lld ms (writes that landed): a count was not given back",
			    calls, t_sealed, t_open);
	else
		vmtest_pass(name);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (ready[0] >= 0) {
		close(ready[0]);
		close(ready[1]);
	}
	if (sealed.fd >= 0)
		conf_file_destroy(&sealed);
	if (open.fd >= 0)
		conf_file_destroy(&open);
}

/* ---- what a seal still allows -------------------------------------------- */

/* A thread whose last write is to the file before the seal (its record
 * stays behind, unjudged), then truncates and chowns it after. */
struct after_seal {
	int fd;
	pthread_barrier_t written, sealed;
	int truncate_err, chown_err;
};

static void *write_then_change(void *arg)
{
	struct after_seal *a = arg;

	if (pwrite(a->fd, "BB", 2, 0) != 2)
		a->truncate_err = a->chown_err = errno;
	pthread_barrier_wait(&a->written);
	pthread_barrier_wait(&a->sealed);
	a->truncate_err = ftruncate(a->fd, PAGE) < 0 ? errno : 0;
	a->chown_err = fchown(a->fd, 1000, 1000) < 0 ? errno : 0;
	return NULL;
}

static void allowed_case(const char *name, const char *dir)
{
	struct after_seal a = { 0 };
	char path[128], test[160];
	pthread_t t;

	a.fd = make_file(dir, name, 2 * PAGE, path, sizeof(path));
	if (a.fd < 0) {
		vmtest_fail(name, "cannot create the file: %s", strerror(errno));
		return;
	}
	pthread_barrier_init(&a.written, NULL, 2);
	pthread_barrier_init(&a.sealed, NULL, 2);
	pthread_create(&t, NULL, write_then_change, &a);
	pthread_barrier_wait(&a.written);
	if (sg_add_seals(a.fd, F_SEAL_WRITE) < 0)
		vmtest_fail(name, "sg_add_seals: %s", strerror(errno));
	pthread_barrier_wait(&a.sealed);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&a.written);
	pthread_barrier_destroy(&a.sealed);

	snprintf(test, sizeof(test), "%s/truncate-after-write", name);
	if (a.truncate_err)
		vmtest_fail(test, "ftruncate under WRITE alone: %s (the kernel allows it)", strerror(a.truncate_err));
	else
		vmtest_pass(test);
	/* The write's record ended with its call, so the fence does not take
	 * this chown for it, with path_chown (6.1+) or without (5.10: the
	 * divergence chown-after-write-5.10 that this once asserted is gone). */
	snprintf(test, sizeof(test), "%s/chown-after-write", name);
	if (a.chown_err)
		vmtest_fail(test, "fchown under WRITE: %s", strerror(a.chown_err));
	else
		vmtest_pass(test);
	close(a.fd);
	unlink(path);

	int fd = make_file(dir, name, 2 * PAGE, path, sizeof(path));

	snprintf(test, sizeof(test), "%s/write-within-grow", name);
	if (fd < 0 || sg_add_seals(fd, F_SEAL_GROW) < 0) {
		vmtest_fail(test, "setup: %s", strerror(errno));
	} else if (pwrite(fd, "BB", 2, 10) != 2) {
		vmtest_fail(test, "a write within the size under GROW: %s", strerror(errno));
	} else if (pwrite(fd, "BB", 2, 2 * PAGE - 1) != -1 || errno != EPERM) {
		vmtest_fail(test, "a write crossing the end under GROW was not refused with EPERM");
	} else if (pwrite(fd, "CC", 2, 20) != 2) {
		vmtest_fail(test, "a second write within the size: %s", strerror(errno));
	} else {
		vmtest_pass(test);
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
}

/* COLLAPSE_RANGE shrinks an ext4 file: refused under SHRINK alone, as its
 * fallocate record is judged by every size seal.  The unsealed twin shows
 * the filesystem does collapse. */
static void collapse_case(const char *name, const char *dir)
{
	char path[128], twin[128], why[160];
	int fd = make_file(dir, name, 4 * PAGE, path, sizeof(path));
	int other = make_file(dir, "collapse-twin", 4 * PAGE, twin, sizeof(twin));
	struct stat st;

	if (fd < 0 || other < 0) {
		vmtest_fail(name, "cannot create the files: %s", strerror(errno));
	} else if (fallocate(other, FALLOC_FL_COLLAPSE_RANGE, 0, PAGE) < 0 || fstat(other, &st) < 0 ||
		   st.st_size != 3 * PAGE) {
		vmtest_skip(name, "this filesystem does not collapse: %s", strerror(errno));
	} else if (sg_add_seals(fd, F_SEAL_SHRINK) < 0) {
		vmtest_fail(name, "sg_add_seals: %s", strerror(errno));
	} else if (fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, PAGE) != -1 || errno != EPERM) {
		vmtest_fail(name, "COLLAPSE_RANGE under SHRINK: %s, expected EPERM",
			    errno ? strerror(errno) : "success");
	} else if (!untouched(fd, 4 * PAGE, why, sizeof(why))) {
		vmtest_fail(name, "%s changed: %s", path, why);
	} else {
		vmtest_pass(name);
	}
	if (fd >= 0)
		close(fd);
	if (other >= 0)
		close(other);
	unlink(path);
	unlink(twin);
}

static bool mount_ext4(void)
{
	mkdir(EXT4_DIR, 0755);
	/* vng masks /lib/modules: run-vm.sh passes the modules along. */
	if (system("grep -qw ext4 /proc/filesystems || modprobe -d \"$SG_VM_MODROOT\" ext4; "
		   "[ -e /dev/loop-control ] || modprobe -d \"$SG_VM_MODROOT\" loop; "
		   "truncate -s 64M " EXT4_IMG " && mkfs.ext4 -q -F " EXT4_IMG " >/dev/null 2>&1") != 0)
		return false;
	return system("mount -o loop " EXT4_IMG " " EXT4_DIR " 2>/dev/null") == 0;
}

int main(void)
{
	static const struct {
		const char *tag, *dir;
	} targets[] = { { "tmpfs", "/dev/shm" }, { "ext4", EXT4_DIR }, { "memfd", NULL } };
	bool ext4 = mount_ext4();
	char name[96];

	conf_env_init();

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const char *dir = targets[i].dir;

		if (dir && strcmp(targets[i].tag, "ext4") == 0 && !ext4) {
			vmtest_skip("fence/ext4", "cannot make and mount an ext4 image");
			continue;
		}
		snprintf(name, sizeof(name), "fence/%s/splice-write", targets[i].tag);
		splice_case(name, dir, F_SEAL_WRITE, false, false);
		snprintf(name, sizeof(name), "fence/%s/splice-future-write", targets[i].tag);
		splice_case(name, dir, F_SEAL_FUTURE_WRITE, false, false);
		snprintf(name, sizeof(name), "fence/%s/splice-grow-at-end", targets[i].tag);
		splice_case(name, dir, F_SEAL_GROW, true, false);
		if (!dir)
			continue;
		snprintf(name, sizeof(name), "fence/%s/splice-write-capabilities", targets[i].tag);
		splice_case(name, dir, F_SEAL_WRITE, false, true);
		snprintf(name, sizeof(name), "fence/%s/write-inside-lock", targets[i].tag);
		locked_write_case(name, dir, 100);
		snprintf(name, sizeof(name), "fence/%s", targets[i].tag);
		allowed_case(name, dir);
		if (strcmp(targets[i].tag, "ext4") == 0)
			collapse_case("fence/ext4/collapse-under-shrink", dir);
		snprintf(name, sizeof(name), "fence/%s/pending-write-then-fallocate", targets[i].tag);
		pending_case(name, dir, F_SEAL_WRITE, ALLOW_FALLOCATE, true);
		snprintf(name, sizeof(name), "fence/%s/pending-grow-then-write", targets[i].tag);
		pending_case(name, dir, F_SEAL_GROW, ALLOW_PWRITE, true);
	}
	pending_case("fence/tmpfs/fallocate-then-late-splice", "/dev/shm", F_SEAL_WRITE, ALLOW_FALLOCATE, false);
	counts_case("fence/counts-given-back");
	locked_write_case("fence/tmpfs/lock-held-past-wait", "/dev/shm", 1500);
	if (ext4) {
		umount(EXT4_DIR);
		unlink(EXT4_IMG);
	}
	return vmtest_exit();
}
