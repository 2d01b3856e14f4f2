// SPDX-License-Identifier: GPL-2.0
/*
 * vm_memfd_scenarios: the scenarios of the kernel's memfd selftests
 * (tools/testing/selftests/memfd/memfd_test.c), run differentially.
 *
 * Each scenario records every call it makes (return value and errno),
 * plus size/content/mode snapshots, into a trace.  It runs once on a
 * natively sealable memfd (fcntl seals, the oracle) and once on each file
 * sealguard seals (a memfd without MFD_ALLOW_SEALING, a /dev/shm file);
 * the traces must be identical.  Case names: scen/<scenario>/<memfd|shm>.
 *
 * Unlike the selftest, nothing asserts a fixed expectation: whatever the
 * running kernel does natively is what sealguard must do.  Where the
 * kernel lacks F_SEAL_EXEC (6.1), the EXEC scenarios compare against the
 * emulated documented rules instead and are named .../expected.  Where
 * the kernel refuses read-only shared maps of WRITE-sealed memfds (5.10:
 * no 2023 VM_MAYWRITE fix), sealguard's steps on such a map are checked
 * against the fixed kernels' (mprotect EACCES) and the case is named
 * .../divergence-write-ro-map-old-kernels.  The
 * selftest's sysctl (vm.memfd_noexec, pid namespaces), hugetlbfs, create()
 * name checks and shared-file-table variants have no sealguard
 * counterpart and are left out.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conformance_ops.h"
#include "conformance_report.h"
#include "vmtest.h"

#define S			    CONF_SIZE0

#define ADD(t, label, f, fd, seals) TCALL((t), (label), conf_add_seals((f), (fd), (seals)))
#define GET(t, label, f, fd)	    TCALL((t), (label), conf_get_seals((f), (fd)))

static void proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

static int reopen(int fd, int flags)
{
	char p[32];

	proc_path(p, sizeof(p), fd);
	return open(p, flags | O_CLOEXEC, 0600);
}

/* ---- the selftest's building blocks, recording instead of asserting ---- */

/* mfd_assert_read: read(), private mappings (read-only and writable). */
static void s_read(struct conf_trace *t, int fd)
{
	char buf[16];
	void *p;

	TCALL(t, "read 16", read(fd, buf, sizeof(buf)));
	p = TMMAP(t, "mmap private ro", mmap(NULL, S, PROT_READ, MAP_PRIVATE, fd, 0));
	if (p != MAP_FAILED)
		munmap(p, S);
	p = TMMAP(t, "mmap private rw", mmap(NULL, S, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	if (p != MAP_FAILED)
		munmap(p, S);
}

/* mfd_assert_read_shared */
static void s_read_shared(struct conf_trace *t, int fd)
{
	void *p = TMMAP(t, "mmap shared ro", mmap(NULL, S, PROT_READ, MAP_SHARED, fd, 0));

	if (p != MAP_FAILED)
		munmap(p, S);
}

/*
 * mfd_assert_write / mfd_fail_write: write(), shared writable mappings,
 * read-only shared mapping + mprotect(RW), PUNCH_HOLE of the whole file.
 */
static void s_write(struct conf_trace *t, int fd)
{
	char *p;

	TCALL(t, "write 4", write(fd, "\0\0\0\0", 4));
	p = TMMAP(t, "mmap shared rw", mmap(NULL, S, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	if (p != MAP_FAILED) {
		p[0] = 0;
		munmap(p, S);
	}
	p = TMMAP(t, "mmap shared wo", mmap(NULL, S, PROT_WRITE, MAP_SHARED, fd, 0));
	if (p != MAP_FAILED) {
		p[0] = 0;
		munmap(p, S);
	}
	p = TMMAP(t, "mmap shared ro (for mprotect)", mmap(NULL, S, PROT_READ, MAP_SHARED, fd, 0));
	if (p != MAP_FAILED) {
		if (TCALL(t, "mprotect rw", mprotect(p, S, PROT_READ | PROT_WRITE)) == 0)
			p[0] = 0;
		munmap(p, S);
	}
	TCALL(t, "punch hole", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, S));
	conf_trace_state(t, "after write", fd);
}

/* mfd_assert_shrink / mfd_fail_shrink */
static void s_shrink(struct conf_trace *t, int fd)
{
	char p[32];
	int fd2;

	TCALL(t, "ftruncate S/2", ftruncate(fd, S / 2));
	conf_trace_state(t, "after ftruncate S/2", fd);
	proc_path(p, sizeof(p), fd);
	fd2 = TFD(t, "open O_RDWR|O_CREAT|O_TRUNC", open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
	if (fd2 >= 0)
		close(fd2);
	conf_trace_state(t, "after O_TRUNC", fd);
}

/* mfd_assert_grow / mfd_fail_grow */
static void s_grow(struct conf_trace *t, int fd)
{
	TCALL(t, "ftruncate 2S", ftruncate(fd, S * 2));
	conf_trace_state(t, "after ftruncate 2S", fd);
	TCALL(t, "fallocate 0..4S", fallocate(fd, 0, 0, S * 4));
	conf_trace_state(t, "after fallocate", fd);
}

/* mfd_assert_grow_write / mfd_fail_grow_write */
static void s_grow_write(struct conf_trace *t, int fd)
{
	char *buf = calloc(1, S * 8);

	if (!buf) {
		conf_trace_add(t, "harness: calloc", -1, ENOMEM);
		return;
	}
	TCALL(t, "pwrite 8S at 0", pwrite(fd, buf, S * 8, 0));
	free(buf);
}

/* mfd_assert_fork_private_write: COW survives a child's store. */
static void s_fork_private_write(struct conf_trace *t, int fd)
{
	int *p = TMMAP(t, "mmap private rw (fork)", mmap(NULL, S, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	pid_t pid;

	if (p == MAP_FAILED)
		return;
	p[0] = 22;
	pid = fork();
	if (pid == 0) {
		p[0] = 33;
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	conf_trace_add(t, "private value after child store", p[0], 0);
	munmap(p, S);
}

/* ---- scenarios ---- */

static void sc_basic(struct conf_file *f, struct conf_trace *t)
{
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK|WRITE", f, f->fd, F_SEAL_SHRINK | F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK|WRITE again", f, f->fd, F_SEAL_SHRINK | F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	ADD(t, "add GROW|SEAL", f, f->fd, F_SEAL_GROW | F_SEAL_SEAL);
	GET(t, "get", f, f->fd);
	ADD(t, "add GROW", f, f->fd, F_SEAL_GROW);
	ADD(t, "add 0", f, f->fd, 0);
	GET(t, "get", f, f->fd);
}

static void sc_seal_write(struct conf_file *f, struct conf_trace *t)
{
	GET(t, "get", f, f->fd);
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	s_read(t, f->fd);
	s_write(t, f->fd);
	s_shrink(t, f->fd);
	s_grow(t, f->fd);
	s_grow_write(t, f->fd);
	conf_trace_state(t, "end", f->fd);
}

static void sc_seal_future_write(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw (before seal)", mmap(NULL, S, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));
	int fd2;

	if (p == MAP_FAILED)
		return;
	GET(t, "get", f, f->fd);
	ADD(t, "add FUTURE_WRITE", f, f->fd, F_SEAL_FUTURE_WRITE);
	GET(t, "get", f, f->fd);

	s_read(t, f->fd);
	s_read_shared(t, f->fd);
	s_write(t, f->fd);

	/* A separate open file description: open works, writing does not. */
	fd2 = TFD(t, "reopen O_RDWR", reopen(f->fd, O_RDWR));
	if (fd2 >= 0) {
		s_read(t, fd2);
		s_read_shared(t, fd2);
		s_write(t, fd2);
		close(fd2);
	}
	s_fork_private_write(t, f->fd);

	/* The mapping made before the seal keeps working. */
	memcpy(p + 100, "through the old mapping", 23);
	conf_trace_state(t, "after store via old mapping", f->fd);
	munmap(p, S);
}

/* A read-only shared mapping after WRITE (kernel-dependent before 6.7). */
static void sc_seal_write_map_read_shared(struct conf_file *f, struct conf_trace *t)
{
	volatile char *p;

	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	p = TMMAP(t, "mmap shared ro", mmap(NULL, S, PROT_READ, MAP_SHARED, f->fd, 0));
	if (p != MAP_FAILED) {
		conf_trace_add(t, "read through mapping", (unsigned char)p[1], 0);
		TCALL(t, "mprotect rw", mprotect((void *)p, S, PROT_READ | PROT_WRITE));
		munmap((void *)p, S);
	}
	TCALL(t, "write", write(f->fd, "x", 1));
	conf_trace_state(t, "end", f->fd);
}

static void sc_seal_shrink(struct conf_file *f, struct conf_trace *t)
{
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK", f, f->fd, F_SEAL_SHRINK);
	GET(t, "get", f, f->fd);
	s_read(t, f->fd);
	s_write(t, f->fd);
	s_shrink(t, f->fd);
	s_grow(t, f->fd);
	s_grow_write(t, f->fd);
	conf_trace_state(t, "end", f->fd);
}

static void sc_seal_grow(struct conf_file *f, struct conf_trace *t)
{
	GET(t, "get", f, f->fd);
	ADD(t, "add GROW", f, f->fd, F_SEAL_GROW);
	GET(t, "get", f, f->fd);
	s_read(t, f->fd);
	s_write(t, f->fd);
	s_shrink(t, f->fd); /* ends with size 0 */
	s_grow(t, f->fd);
	s_grow_write(t, f->fd); /* from size 0: refused whole natively too */
	conf_trace_state(t, "end", f->fd);
}

/*
 * SHRINK|GROW.  The selftest's final grow-write (8*S bytes at 0 into an
 * S-byte file) is cut short natively at the last page boundary inside the
 * file; sealguard refuses it with EPERM (divergence grow-short-write), so
 * it is the last step.
 */
static void sc_seal_resize(struct conf_file *f, struct conf_trace *t)
{
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK|GROW", f, f->fd, F_SEAL_SHRINK | F_SEAL_GROW);
	GET(t, "get", f, f->fd);
	s_read(t, f->fd);
	s_write(t, f->fd);
	s_shrink(t, f->fd);
	s_grow(t, f->fd);
	s_grow_write(t, f->fd);
}

/* Same, with the grow-write starting at EOF's page: refused whole natively. */
static void sc_seal_resize_eof_write(struct conf_file *f, struct conf_trace *t)
{
	char buf[200] = { 0 };

	ADD(t, "add SHRINK|GROW", f, f->fd, F_SEAL_SHRINK | F_SEAL_GROW);
	TCALL(t, "pwrite 200 at S-100", pwrite(f->fd, buf, sizeof(buf), S - 100));
	TCALL(t, "pwrite 100 at S-100", pwrite(f->fd, buf, 100, S - 100));
	conf_trace_state(t, "end", f->fd);
}

static void sc_share_dup(struct conf_file *f, struct conf_trace *t)
{
	int fd = f->fd, fd2 = TFD(t, "dup", dup(fd));

	if (fd2 < 0)
		return;
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);
	ADD(t, "add WRITE via fd", f, fd, F_SEAL_WRITE);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);
	ADD(t, "add SHRINK via fd2", f, fd2, F_SEAL_SHRINK);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);
	ADD(t, "add SEAL via fd", f, fd, F_SEAL_SEAL);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);
	ADD(t, "add GROW via fd", f, fd, F_SEAL_GROW);
	ADD(t, "add GROW via fd2", f, fd2, F_SEAL_GROW);
	ADD(t, "add SEAL via fd", f, fd, F_SEAL_SEAL);
	ADD(t, "add SEAL via fd2", f, fd2, F_SEAL_SEAL);
	close(fd2);
	ADD(t, "add GROW via fd after close(fd2)", f, fd, F_SEAL_GROW);
	GET(t, "get fd", f, fd);
}

static void sc_share_mmap(struct conf_file *f, struct conf_trace *t)
{
	void *p;

	GET(t, "get", f, f->fd);
	p = TMMAP(t, "mmap shared rw", mmap(NULL, S, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));
	if (p == MAP_FAILED)
		return;
	ADD(t, "add WRITE with shared rw map", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK with shared rw map", f, f->fd, F_SEAL_SHRINK);
	GET(t, "get", f, f->fd);
	munmap(p, S);

	p = TMMAP(t, "mmap private ro", mmap(NULL, S, PROT_READ, MAP_PRIVATE, f->fd, 0));
	if (p == MAP_FAILED)
		return;
	ADD(t, "add WRITE with private map", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	munmap(p, S);
}

static void sc_share_open(struct conf_file *f, struct conf_trace *t)
{
	int fd = TFD(t, "dup", dup(f->fd)), fd2;

	if (fd < 0)
		return;
	fd2 = TFD(t, "open O_RDWR", reopen(fd, O_RDWR));
	if (fd2 < 0)
		return;
	ADD(t, "add WRITE via fd", f, fd, F_SEAL_WRITE);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);
	ADD(t, "add SHRINK via fd2", f, fd2, F_SEAL_SHRINK);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);

	close(fd);
	fd = TFD(t, "open O_RDONLY", reopen(fd2, O_RDONLY));
	if (fd < 0)
		return;
	ADD(t, "add SEAL via O_RDONLY fd", f, fd, F_SEAL_SEAL);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);

	close(fd2);
	fd2 = TFD(t, "open O_RDWR from O_RDONLY fd", reopen(fd, O_RDWR));
	if (fd2 < 0)
		return;
	ADD(t, "add SEAL via fd2", f, fd2, F_SEAL_SEAL);
	GET(t, "get fd", f, fd);
	GET(t, "get fd2", f, fd2);
	close(fd);
	close(fd2);
}

/* memfd_test's share_fork: an idle child holding the fd changes nothing. */
static void sc_share_fork(struct conf_file *f, struct conf_trace *t)
{
	pid_t pid;

	GET(t, "get", f, f->fd);
	pid = fork();
	if (pid == 0) {
		alarm(30);
		pause();
		_exit(0);
	}
	ADD(t, "add SEAL", f, f->fd, F_SEAL_SEAL);
	GET(t, "get", f, f->fd);
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	ADD(t, "add WRITE after child exit", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
}

/* Seals added by the parent are seen and enforced in a child, and back. */
static void sc_share_fork_child(struct conf_file *f, struct conf_trace *t)
{
	int p[2];
	pid_t pid;

	ADD(t, "add WRITE|SHRINK", f, f->fd, F_SEAL_WRITE | F_SEAL_SHRINK);
	if (pipe2(p, O_CLOEXEC) < 0) {
		conf_trace_add(t, "harness: pipe", -1, errno);
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct conf_trace *ct = calloc(1, sizeof(*ct));

		alarm(30);
		close(p[0]);
		if (ct) {
			GET(ct, "get", f, f->fd);
			TCALL(ct, "write", write(f->fd, "c", 1));
			TCALL(ct, "ftruncate shrink", ftruncate(f->fd, S / 2));
			ADD(ct, "add GROW", f, f->fd, F_SEAL_GROW);
			GET(ct, "get", f, f->fd);
			conf_trace_send(p[1], ct);
		}
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		conf_trace_add(t, "harness: fork", -1, errno);
	} else {
		conf_trace_recv(p[0], t, "child: ");
		waitpid(pid, NULL, 0);
	}
	close(p[0]);
	GET(t, "get after child", f, f->fd);
	TCALL(t, "ftruncate grow", ftruncate(f->fd, S * 2));
	conf_trace_state(t, "end", f->fd);
}

/* test_exec_seal, first half: created 0777, chmod 0644, then EXEC. */
static void sc_exec_seal(struct conf_file *f, struct conf_trace *t)
{
	static const mode_t fail_modes[] = { 0777, 0670, 0605, 0700, 0100 };
	char l[CONF_LABEL_MAX];

	conf_trace_state(t, "created", f->fd);
	TCALL(t, "chmod 0644", conf_chmod(f, f->fd, NULL, 0644));
	GET(t, "get", f, f->fd);
	ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	TCALL(t, "chmod 0600", conf_chmod(f, f->fd, NULL, 0600));
	for (size_t i = 0; i < sizeof(fail_modes) / sizeof(fail_modes[0]); i++) {
		snprintf(l, sizeof(l), "chmod 0%o", (unsigned int)fail_modes[i]);
		TCALL(t, l, conf_chmod(f, f->fd, NULL, fail_modes[i]));
	}
	TCALL(t, "chmod 0666", conf_chmod(f, f->fd, NULL, 0666));
	s_write(t, f->fd);
}

/* test_exec_seal, second half: 0700 then EXEC implies the write seals. */
static void sc_exec_seal_all(struct conf_file *f, struct conf_trace *t)
{
	TCALL(t, "chmod 0700", conf_chmod(f, f->fd, NULL, 0700));
	GET(t, "get", f, f->fd);
	ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	TCALL(t, "chmod 0711", conf_chmod(f, f->fd, NULL, 0711));
	TCALL(t, "chmod 0600", conf_chmod(f, f->fd, NULL, 0600));
	s_write(t, f->fd);
	s_shrink(t, f->fd);
	s_grow(t, f->fd);
}

/* test_exec_no_seal: without seals, exec bits can be dropped. */
static void sc_exec_no_seal(struct conf_file *f, struct conf_trace *t)
{
	conf_trace_state(t, "created", f->fd);
	GET(t, "get", f, f->fd);
	TCALL(t, "chmod 0666", conf_chmod(f, f->fd, NULL, 0666));
	conf_trace_state(t, "end", f->fd);
}

/* test_noexec_seal, as sealguard would do MFD_NOEXEC_SEAL: 0666 + EXEC. */
static void sc_noexec_seal(struct conf_file *f, struct conf_trace *t)
{
	TCALL(t, "chmod 0666", conf_chmod(f, f->fd, NULL, 0666));
	ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	TCALL(t, "chmod 0777", conf_chmod(f, f->fd, NULL, 0777));
	TCALL(t, "chmod 0644", conf_chmod(f, f->fd, NULL, 0644));
	s_write(t, f->fd);
	conf_trace_state(t, "end", f->fd);
}

static const struct conf_tcase scenarios[] = {
	{ .name = "basic", .fn = sc_basic },
	{ .name = "seal_write", .fn = sc_seal_write },
	{ .name = "seal_future_write", .fn = sc_seal_future_write },
	{ .name = "seal_write_map_read_shared", .fn = sc_seal_write_map_read_shared },
	{ .name = "seal_shrink", .fn = sc_seal_shrink },
	{ .name = "seal_grow", .fn = sc_seal_grow },
	{ .name = "seal_resize",
	  .fn = sc_seal_resize,
	  .div_name = "grow-short-write",
	  .div_label = "pwrite 8S at 0",
	  .div_assert = 1,
	  .div_ret = -1,
	  .div_err = EPERM },
	{ .name = "seal_resize_eof_write", .fn = sc_seal_resize_eof_write },
	{ .name = "share_dup", .fn = sc_share_dup },
	{ .name = "share_mmap", .fn = sc_share_mmap },
	{ .name = "share_open", .fn = sc_share_open },
	{ .name = "share_fork", .fn = sc_share_fork },
	{ .name = "share_fork_child", .fn = sc_share_fork_child },
	{ .name = "exec_seal", .fn = sc_exec_seal, .mode = 0777, .flags = CONF_TC_EXEC },
	{ .name = "exec_seal_all", .fn = sc_exec_seal_all, .mode = 0777, .flags = CONF_TC_EXEC },
	{ .name = "exec_no_seal", .fn = sc_exec_no_seal, .mode = 0777 },
	{ .name = "noexec_seal", .fn = sc_noexec_seal, .mode = 0777, .flags = CONF_TC_EXEC },
};

int main(void)
{
	conf_env_init();
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		conf_run_tcase("scen", &scenarios[i], conf_report);
	return vmtest_exit();
}
