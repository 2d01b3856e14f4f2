// SPDX-License-Identifier: GPL-2.0
/*
 * vm_conformance: differential conformance of sealguard against native
 * memfd seals.
 *
 * Each case is (seal set, operation, target).  A fresh natively sealable
 * memfd (the oracle) and a fresh file the kernel cannot seal -- a memfd
 * without MFD_ALLOW_SEALING ("memfd") or a /dev/shm file ("shm") -- get
 * the same content, mode and seals (fcntl vs sg_add_seals); the operation
 * runs on both and must give the same return value, errno, size, content
 * and mode.  Case names: conf/<seal set>/<operation>/<target>[/suffix].
 *
 * Suffixes:
 *   /expected   the seal set has F_SEAL_EXEC and the kernel lacks it (6.1):
 *               the oracle is the native memfd with EXEC emulated as 6.3+
 *               does it (conformance_ops.c: add_seals_emul_exec), i.e. the
 *               documented rules, not a real kernel.
 *   /divergence-grow-short-write
 *               under GROW a write that starts inside and crosses a page
 *               boundary past EOF is cut short natively; sealguard (which
 *               can only allow or deny the whole write) refuses it with
 *               EPERM and leaves the file untouched.  Asserted.
 *   /divergence-write-ro-map-old-kernels
 *               a kernel without the 2023 VM_MAYWRITE fix (5.10) refuses
 *               read-only shared maps of WRITE-sealed memfds; sealguard
 *               allows them and refuses their upgrade with EACCES, as
 *               fixed kernels do.  Asserted.
 * Seal-adding cases (conf/add/...) compare a whole trace of calls.
 *
 * Runs as root inside the VM with sealguardd up and SEALGUARD_SOCKET set.
 * See conformance_ops.h for the environment switches that allow running it
 * native-against-native on a host.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conformance_ops.h"
#include "conformance_report.h"
#include "vmtest.h"

#ifndef MADV_REMOVE
#define MADV_REMOVE 9
#endif

struct seal_set {
	const char *name;
	unsigned int seals;
};

static const struct seal_set seal_sets[] = {
	{ "none", 0 },
	{ "seal", F_SEAL_SEAL },
	{ "shrink", F_SEAL_SHRINK },
	{ "grow", F_SEAL_GROW },
	{ "write", F_SEAL_WRITE },
	{ "future-write", F_SEAL_FUTURE_WRITE },
	{ "exec", F_SEAL_EXEC },
	{ "shrink+grow", F_SEAL_SHRINK | F_SEAL_GROW },
	{ "write+grow", F_SEAL_WRITE | F_SEAL_GROW },
	{ "write+shrink+grow", F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW },
	{ "future-write+shrink+grow", F_SEAL_FUTURE_WRITE | F_SEAL_SHRINK | F_SEAL_GROW },
	{ "seal+write", F_SEAL_SEAL | F_SEAL_WRITE },
	{ "seal+shrink+grow", F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW },
	{ "exec+future-write", F_SEAL_EXEC | F_SEAL_FUTURE_WRITE },
};

#define NSETS (sizeof(seal_sets) / sizeof(seal_sets[0]))

/* ---- seal set x operation ---- */

struct setup {
	int add_ret, add_err;
	int get, get_err;
	struct conf_result before;
};

static int setup_file(struct conf_file *f, enum conf_kind kind, mode_t mode, unsigned int seals, struct setup *s)
{
	memset(s, 0, sizeof(*s));
	if (conf_file_create(f, kind, mode, CONF_SIZE0) < 0)
		return -1;
	if (seals) {
		s->add_ret = conf_add_seals(f, f->fd, seals);
		s->add_err = s->add_ret < 0 ? errno : 0;
	}
	s->get = conf_get_seals(f, f->fd);
	s->get_err = s->get < 0 ? errno : 0;
	if (conf_measure(f->fd, &s->before) < 0) {
		conf_file_destroy(f);
		return -1;
	}
	return 0;
}

static int setup_equal(const struct setup *a, const struct setup *b)
{
	return a->add_ret == b->add_ret && a->add_err == b->add_err && a->get == b->get && a->get_err == b->get_err;
}

static void setup_format(const struct setup *s, char *buf, size_t len)
{
	char a[32], g[32];

	if (s->add_ret < 0)
		snprintf(a, sizeof(a), "-1 %s", conf_errname(s->add_err));
	else
		snprintf(a, sizeof(a), "%d", s->add_ret);
	if (s->get < 0)
		snprintf(g, sizeof(g), "-1 %s", conf_errname(s->get_err));
	else
		snprintf(g, sizeof(g), "%#x", (unsigned int)s->get);
	snprintf(buf, len, "add seals -> %s, get seals -> %s", a, g);
}

static int expected_mode(unsigned int seals)
{
	return (seals & F_SEAL_EXEC) && !conf_env.native_exec;
}

/* conf/<set>/get-seals/<kind>: the seals reported right after adding. */
static void run_get_seals_case(const struct seal_set *ss)
{
	const char *sfx = expected_mode(ss->seals) ? "/expected" : "";
	struct conf_file nf, sf;
	struct setup ns, s;
	char name[160], a[128], b[128];

	if (setup_file(&nf, CONF_NATIVE, CONF_MODE0, ss->seals, &ns) < 0) {
		snprintf(name, sizeof(name), "conf/%s/get-seals", ss->name);
		vmtest_fail(name, "cannot create the native file");
		return;
	}
	for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++) {
		snprintf(name, sizeof(name), "conf/%s/get-seals/%s%s", ss->name, conf_kind_name(k), sfx);
		if (!conf_selected(name))
			continue;
		if (setup_file(&sf, (enum conf_kind)k, CONF_MODE0, ss->seals, &s) < 0) {
			vmtest_fail(name, "cannot create the %s file", conf_kind_name(k));
			continue;
		}
		setup_format(&ns, a, sizeof(a));
		setup_format(&s, b, sizeof(b));
		if (setup_equal(&ns, &s) && ns.add_ret == 0)
			vmtest_pass(name);
		else
			vmtest_fail(name, "native %s; sealguard %s", a, b);
		conf_file_destroy(&sf);
	}
	conf_file_destroy(&nf);
}

static void run_op_case(const struct seal_set *ss, const struct conf_op *op)
{
	mode_t mode = op->base_mode ? op->base_mode : CONF_MODE0;
	const char *exp_sfx = expected_mode(ss->seals) ? "/expected" : "";
	char base[CONF_NKINDS][160];
	struct conf_file nf, sf;
	struct setup ns, s;
	struct conf_result nr, sr;
	int any = 0;

	for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++) {
		snprintf(base[k], sizeof(base[k]), "conf/%s/%s/%s", ss->name, op->name, conf_kind_name(k));
		any |= conf_selected(base[k]);
	}
	if (!any)
		return;

	if (setup_file(&nf, CONF_NATIVE, mode, ss->seals, &ns) < 0 || ns.add_ret < 0) {
		char a[128];

		setup_format(&ns, a, sizeof(a));
		for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++)
			vmtest_fail(base[k], "native oracle could not be set up (%s)", a);
		if (nf.fd >= 0)
			conf_file_destroy(&nf);
		return;
	}
	if (conf_run_op(&nf, op, &nr) < 0) {
		for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++)
			vmtest_fail(base[k], "harness: running the op on the native file failed");
		conf_file_destroy(&nf);
		return;
	}

	for (int k = CONF_SG_MEMFD; k < CONF_NKINDS; k++) {
		char name[200], a[256], b[256], e[256];
		struct conf_result exp = nr;
		const char *sfx = exp_sfx;
		int divergent = 0;

		if (!conf_selected(base[k]))
			continue;
		if (setup_file(&sf, (enum conf_kind)k, mode, ss->seals, &s) < 0) {
			snprintf(name, sizeof(name), "%s%s", base[k], sfx);
			vmtest_fail(name, "cannot create the %s file", conf_kind_name(k));
			continue;
		}
		/*
		 * Divergence grow-short-write: the kernel cut the write short at
		 * the page boundary; sealguard refuses it whole.
		 */
		if ((op->flags & OPF_GROW_SHORT) && !conf_env.native_only && ns.get >= 0 && (ns.get & F_SEAL_GROW) &&
		    !(ns.get & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) && nr.ret > 0 && !nr.sig) {
			exp = s.before;
			exp.ret = -1;
			exp.err = EPERM;
			exp.step = nr.step;
			exp.sig = 0;
			sfx = "/divergence-grow-short-write";
			divergent = 1;
		}
		/*
		 * Divergence write-ro-map-old-kernels: the kernel refused the
		 * read-only shared map of a WRITE-sealed memfd; sealguard
		 * allows it and refuses its upgrade, as fixed kernels do.
		 */
		if ((op->flags & OPF_RO_MAP) && !conf_env.native_only && !conf_env.native_ro_map && ns.get >= 0 &&
		    (ns.get & F_SEAL_WRITE) && nr.ret == -1 && nr.err == EPERM && nr.step == 0 && !nr.sig) {
			exp = s.before;
			exp.ret = (op->flags & OPF_RO_MAP_WRITE) ? -1 : 0;
			exp.err = (op->flags & OPF_RO_MAP_WRITE) ? EACCES : 0;
			exp.step = (op->flags & OPF_RO_MAP_WRITE) ? 1 : 0;
			exp.sig = 0;
			sfx = "/divergence-write-ro-map-old-kernels";
			divergent = 1;
		}
		snprintf(name, sizeof(name), "%s%s", base[k], sfx);

		if (!setup_equal(&ns, &s)) {
			setup_format(&ns, a, sizeof(a));
			setup_format(&s, b, sizeof(b));
			vmtest_fail(name, "setup differs: native %s; sealguard %s", a, b);
			conf_file_destroy(&sf);
			continue;
		}
		if (conf_run_op(&sf, op, &sr) < 0) {
			vmtest_fail(name, "harness: running the op on the %s file failed", conf_kind_name(k));
			conf_file_destroy(&sf);
			continue;
		}
		conf_result_format(&nr, a, sizeof(a));
		conf_result_format(&sr, b, sizeof(b));
		if (conf_env.verbose)
			fprintf(stderr, "  %s: native %s | sealguard %s\n", name, a, b);
		if (conf_result_equal(&exp, &sr)) {
			vmtest_pass(name);
		} else if (divergent) {
			conf_result_format(&exp, e, sizeof(e));
			vmtest_fail(name, "expected (documented divergence) %s; sealguard %s; native %s", e, b, a);
		} else {
			vmtest_fail(name, "native %s; sealguard %s", a, b);
		}
		conf_file_destroy(&sf);
	}
	conf_file_destroy(&nf);
}

/* ---- seal-adding cases: traces ---- */

static void proc_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

#define ADD(t, label, f, fd, seals) TCALL((t), (label), conf_add_seals((f), (fd), (seals)))
#define GET(t, label, f, fd)	    TCALL((t), (label), conf_get_seals((f), (fd)))

static void tc_after_seal(struct conf_file *f, struct conf_trace *t)
{
	ADD(t, "add SEAL", f, f->fd, F_SEAL_SEAL);
	GET(t, "get", f, f->fd);
	ADD(t, "add GROW", f, f->fd, F_SEAL_GROW);
	ADD(t, "add 0", f, f->fd, 0);
	ADD(t, "add SEAL again", f, f->fd, F_SEAL_SEAL);
	/* Unknown bits are checked before F_SEAL_SEAL: EINVAL. */
	ADD(t, "add 0x40", f, f->fd, 0x40);
	GET(t, "get", f, f->fd);
}

static void tc_rdonly_fd(struct conf_file *f, struct conf_trace *t)
{
	char p[32];
	int fd2;

	proc_path(p, sizeof(p), f->fd);
	fd2 = TFD(t, "open O_RDONLY", open(p, O_RDONLY | O_CLOEXEC));
	if (fd2 < 0)
		return;
	/* Checked before anything else: EPERM even for 0 and unknown bits. */
	ADD(t, "add GROW via rdonly", f, fd2, F_SEAL_GROW);
	ADD(t, "add 0x40 via rdonly", f, fd2, 0x40);
	ADD(t, "add 0 via rdonly", f, fd2, 0);
	GET(t, "get via rdonly", f, fd2);
	ADD(t, "add GROW via rdwr", f, f->fd, F_SEAL_GROW);
	GET(t, "get via rdonly", f, fd2);
	close(fd2);
}

static void tc_wronly_fd(struct conf_file *f, struct conf_trace *t)
{
	char p[32];
	int fd2;

	proc_path(p, sizeof(p), f->fd);
	fd2 = TFD(t, "open O_WRONLY", open(p, O_WRONLY | O_CLOEXEC));
	if (fd2 < 0)
		return;
	ADD(t, "add GROW via wronly", f, fd2, F_SEAL_GROW);
	GET(t, "get via wronly", f, fd2);
	GET(t, "get via rdwr", f, f->fd);
	close(fd2);
}

static void tc_unknown_bits(struct conf_file *f, struct conf_trace *t)
{
	ADD(t, "add 0x40", f, f->fd, 0x40);
	ADD(t, "add GROW|0x40", f, f->fd, F_SEAL_GROW | 0x40);
	ADD(t, "add 0x100", f, f->fd, 0x100);
	ADD(t, "add 0x80000000", f, f->fd, 0x80000000u);
	GET(t, "get", f, f->fd);
}

static void tc_accumulate(struct conf_file *f, struct conf_trace *t)
{
	ADD(t, "add GROW", f, f->fd, F_SEAL_GROW);
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK", f, f->fd, F_SEAL_SHRINK);
	GET(t, "get", f, f->fd);
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	ADD(t, "add FUTURE_WRITE", f, f->fd, F_SEAL_FUTURE_WRITE);
	GET(t, "get", f, f->fd);
	ADD(t, "add SEAL", f, f->fd, F_SEAL_SEAL);
	GET(t, "get", f, f->fd);
}

static void tc_readd(struct conf_file *f, struct conf_trace *t)
{
	ADD(t, "add GROW", f, f->fd, F_SEAL_GROW);
	ADD(t, "add GROW again", f, f->fd, F_SEAL_GROW);
	GET(t, "get", f, f->fd);
	ADD(t, "add GROW|SHRINK", f, f->fd, F_SEAL_GROW | F_SEAL_SHRINK);
	GET(t, "get", f, f->fd);
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	ADD(t, "add WRITE again", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
}

static void tc_add_zero(struct conf_file *f, struct conf_trace *t)
{
	GET(t, "get", f, f->fd);
	ADD(t, "add 0", f, f->fd, 0);
	GET(t, "get", f, f->fd);
	conf_trace_state(t, "after", f->fd);
}

static void tc_write_with_rw_map(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK", f, f->fd, F_SEAL_SHRINK);
	GET(t, "get", f, f->fd);
	p[10] = 'x';
	conf_trace_state(t, "after store", f->fd);
	TCALL(t, "munmap", munmap(p, CONF_SIZE0));
	ADD(t, "add WRITE after munmap", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	TCALL(t, "write", write(f->fd, "data", 4));
	conf_trace_state(t, "end", f->fd);
}

/* A refused WRITE must not let the other bits of the same request in. */
static void tc_write_seal_with_rw_map(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add WRITE|SEAL|GROW", f, f->fd, F_SEAL_WRITE | F_SEAL_SEAL | F_SEAL_GROW);
	GET(t, "get", f, f->fd);
	ADD(t, "add SHRINK", f, f->fd, F_SEAL_SHRINK);
	GET(t, "get", f, f->fd);
	TCALL(t, "ftruncate grow", ftruncate(f->fd, CONF_SIZE0 * 2));
	munmap(p, CONF_SIZE0);
}

/* Kernel-dependent: before 6.7 (and its backports) any shared mapping counted. */
static void tc_write_with_ro_map(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared ro", mmap(NULL, CONF_SIZE0, PROT_READ, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	TCALL(t, "mprotect rw", mprotect(p, CONF_SIZE0, PROT_READ | PROT_WRITE));
	TCALL(t, "munmap", munmap(p, CONF_SIZE0));
	ADD(t, "add WRITE after munmap", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
}

static void tc_write_with_private_map(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap private rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_PRIVATE, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	p[0] = 'a';
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	p[1] = 'b';
	conf_trace_state(t, "after private stores", f->fd);
	munmap(p, CONF_SIZE0);
}

/* A shared mapping made writable, then read-only, keeps VM_MAYWRITE. */
static void tc_write_with_rw_map_now_ro(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	TCALL(t, "mprotect ro", mprotect(p, CONF_SIZE0, PROT_READ));
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	munmap(p, CONF_SIZE0);
}

static void tc_write_after_munmap(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	p[0] = 'z';
	TCALL(t, "munmap", munmap(p, CONF_SIZE0));
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	conf_trace_state(t, "end", f->fd);
}

/* The writable mapping lives in another process. */
static void tc_write_with_rw_map_in_child(struct conf_file *f, struct conf_trace *t)
{
	int ready[2], go[2];
	char c = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
		conf_trace_add(t, "harness: pipe", -1, errno);
		return;
	}
	pid = fork();
	if (pid < 0) {
		conf_trace_add(t, "harness: fork", -1, errno);
		return;
	}
	if (pid == 0) {
		char *p;

		alarm(30);
		close(ready[0]);
		close(go[1]);
		p = mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
		c = p == MAP_FAILED ? 'F' : 'M';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		if (p != MAP_FAILED) {
			p[20] = 'k';
			munmap(p, CONF_SIZE0);
		}
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1)
		c = '?';
	conf_trace_add(t, "child mmap shared rw", c == 'M' ? 0 : -1, 0);
	ADD(t, "add WRITE while child maps", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	close(go[1]);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	ADD(t, "add WRITE after child exit", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	conf_trace_state(t, "end", f->fd);
}

/* FUTURE_WRITE does not look at mappings; the existing one keeps working. */
static void tc_future_write_with_rw_map(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));
	char *q;

	if (p == MAP_FAILED)
		return;
	ADD(t, "add FUTURE_WRITE", f, f->fd, F_SEAL_FUTURE_WRITE);
	GET(t, "get", f, f->fd);
	memcpy(p, "stored after FUTURE_WRITE", 25);
	p[CONF_SIZE0 - 1] = '!';
	conf_trace_state(t, "after stores", f->fd);
	TCALL(t, "write", write(f->fd, "data", 4));
	TCALL(t, "pwrite", pwrite(f->fd, "data", 4, 100));
	q = TMMAP(t, "new mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));
	if (q != MAP_FAILED)
		munmap(q, CONF_SIZE0);
	TCALL(t, "ftruncate grow", ftruncate(f->fd, CONF_SIZE0 + 4096));
	p[1] = '#';
	conf_trace_state(t, "end", f->fd);
	munmap(p, CONF_SIZE0);
}

/* FUTURE_WRITE then WRITE: the old writable mapping still blocks WRITE. */
static void tc_future_write_then_write(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add FUTURE_WRITE", f, f->fd, F_SEAL_FUTURE_WRITE);
	ADD(t, "add WRITE", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
	p[5] = 'q';
	conf_trace_state(t, "after store", f->fd);
	TCALL(t, "munmap", munmap(p, CONF_SIZE0));
	ADD(t, "add WRITE after munmap", f, f->fd, F_SEAL_WRITE);
	GET(t, "get", f, f->fd);
}

/*
 * Divergence pre-future-write-mprotect: a mapping writable before
 * FUTURE_WRITE keeps VM_MAYWRITE natively, so it can be made writable
 * again; sealguard's file_mprotect refuses (EACCES).  Ends at that step.
 */
static void tc_pre_future_write_mprotect(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add FUTURE_WRITE", f, f->fd, F_SEAL_FUTURE_WRITE);
	TCALL(t, "mprotect ro", mprotect(p, CONF_SIZE0, PROT_READ));
	TCALL(t, "mprotect rw again", mprotect(p, CONF_SIZE0, PROT_READ | PROT_WRITE));
	munmap(p, CONF_SIZE0);
}

/* MADV_REMOVE through a mapping writable before FUTURE_WRITE: native EPERM. */
static void tc_madv_remove_prewrite(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add FUTURE_WRITE", f, f->fd, F_SEAL_FUTURE_WRITE);
	TCALL(t, "madvise remove", madvise(p, 4096, MADV_REMOVE));
	conf_trace_state(t, "end", f->fd);
	munmap(p, CONF_SIZE0);
}

/* MADV_REMOVE through a mapping writable before WRITE|... is impossible
 * (WRITE is EBUSY); with SHRINK|GROW only it punches. */
static void tc_madv_remove_resize_sealed(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	ADD(t, "add SHRINK|GROW", f, f->fd, F_SEAL_SHRINK | F_SEAL_GROW);
	TCALL(t, "madvise remove", madvise(p, 4096, MADV_REMOVE));
	conf_trace_state(t, "end", f->fd);
	munmap(p, CONF_SIZE0);
}

/* ---- EXEC ---- */

static void tc_exec_0644(struct conf_file *f, struct conf_trace *t)
{
	ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	TCALL(t, "chmod 0755", conf_chmod(f, f->fd, NULL, 0755));
	TCALL(t, "chmod 0645", conf_chmod(f, f->fd, NULL, 0645));
	TCALL(t, "chmod 0600", conf_chmod(f, f->fd, NULL, 0600));
	TCALL(t, "chmod 0666", conf_chmod(f, f->fd, NULL, 0666));
	TCALL(t, "write", write(f->fd, "data", 4));
	TCALL(t, "ftruncate grow", ftruncate(f->fd, CONF_SIZE0 * 2));
	ADD(t, "add EXEC again", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	conf_trace_state(t, "end", f->fd);
}

/* EXEC on a file with exec bits implies SHRINK|GROW|WRITE|FUTURE_WRITE. */
static void tc_exec_0755(struct conf_file *f, struct conf_trace *t)
{
	void *p;

	ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	TCALL(t, "write", write(f->fd, "data", 4));
	TCALL(t, "ftruncate shrink", ftruncate(f->fd, CONF_SIZE0 / 2));
	TCALL(t, "ftruncate grow", ftruncate(f->fd, CONF_SIZE0 * 2));
	p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));
	if (p != MAP_FAILED)
		munmap(p, CONF_SIZE0);
	TCALL(t, "chmod 0644", conf_chmod(f, f->fd, NULL, 0644));
	TCALL(t, "chmod 0750", conf_chmod(f, f->fd, NULL, 0750));
	TCALL(t, "chmod 0775", conf_chmod(f, f->fd, NULL, 0775));
	conf_trace_state(t, "end", f->fd);
}

/*
 * EXEC on 0755 while a writable shared mapping exists.  Kernel-dependent:
 * some kernels' memfd_add_seals() (6.18.15) add the WRITE that EXEC
 * implies after the writable-mapping check, so they answer 0 and the
 * "write-sealed" file stays writable through that mapping; others (6.12.118,
 * 7.3.4) check the implied WRITE like an explicit one and answer EBUSY.
 * sealguard always answers EBUSY: where the kernel does not, that is the
 * documented divergence exec-implied-write-with-rw-map, asserted.  The /expected model (6.1)
 * follows EBUSY.  A refused add ends the scenario.
 */
static void tc_exec_0755_with_rw_map(struct conf_file *f, struct conf_trace *t)
{
	char *p = TMMAP(t, "mmap shared rw", mmap(NULL, CONF_SIZE0, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0));

	if (p == MAP_FAILED)
		return;
	if (ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC) < 0) {
		munmap(p, CONF_SIZE0);
		return;
	}
	GET(t, "get", f, f->fd);
	p[7] = 'e';
	conf_trace_state(t, "after store", f->fd);
	TCALL(t, "write", write(f->fd, "data", 4));
	munmap(p, CONF_SIZE0);
}

static void tc_exec_after_seal(struct conf_file *f, struct conf_trace *t)
{
	ADD(t, "add SEAL", f, f->fd, F_SEAL_SEAL);
	ADD(t, "add EXEC", f, f->fd, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	TCALL(t, "chmod 0755", conf_chmod(f, f->fd, NULL, 0755));
	conf_trace_state(t, "end", f->fd);
}

static void tc_exec_rdonly_fd(struct conf_file *f, struct conf_trace *t)
{
	char p[32];
	int fd2;

	proc_path(p, sizeof(p), f->fd);
	fd2 = TFD(t, "open O_RDONLY", open(p, O_RDONLY | O_CLOEXEC));
	if (fd2 < 0)
		return;
	ADD(t, "add EXEC via rdonly", f, fd2, F_SEAL_EXEC);
	GET(t, "get", f, f->fd);
	ADD(t, "add EXEC via rdwr", f, f->fd, F_SEAL_EXEC);
	GET(t, "get via rdonly", f, fd2);
	TCALL(t, "chmod path 0755", conf_chmod(f, -1, p, 0755));
	close(fd2);
}

static const struct conf_tcase add_cases[] = {
	{ .name = "after-seal", .fn = tc_after_seal },
	{ .name = "rdonly-fd", .fn = tc_rdonly_fd },
	{ .name = "wronly-fd", .fn = tc_wronly_fd },
	{ .name = "unknown-bits", .fn = tc_unknown_bits },
	{ .name = "accumulate", .fn = tc_accumulate },
	{ .name = "re-add", .fn = tc_readd },
	{ .name = "add-zero", .fn = tc_add_zero },
	{ .name = "write-with-rw-map", .fn = tc_write_with_rw_map },
	{ .name = "write+seal-with-rw-map", .fn = tc_write_seal_with_rw_map },
	{ .name = "write-with-ro-map", .fn = tc_write_with_ro_map },
	{ .name = "write-with-private-map", .fn = tc_write_with_private_map },
	{ .name = "write-with-rw-map-now-ro", .fn = tc_write_with_rw_map_now_ro },
	{ .name = "write-after-munmap", .fn = tc_write_after_munmap },
	{ .name = "write-with-rw-map-in-child", .fn = tc_write_with_rw_map_in_child },
	{ .name = "future-write-with-rw-map", .fn = tc_future_write_with_rw_map },
	{ .name = "future-write-then-write", .fn = tc_future_write_then_write },
	{ .name = "pre-future-write-mprotect",
	  .fn = tc_pre_future_write_mprotect,
	  .div_name = "pre-future-write-mprotect",
	  .div_label = "mprotect rw again",
	  .div_assert = 1,
	  .div_ret = -1,
	  .div_err = EACCES },
	{ .name = "madv-remove-prewrite",
	  .fn = tc_madv_remove_prewrite,
	  .div_name = "madv-remove-prewrite",
	  .div_label = "madvise remove" },
	{ .name = "madv-remove-resize-sealed", .fn = tc_madv_remove_resize_sealed },
	{ .name = "exec-0644", .fn = tc_exec_0644, .mode = 0644, .flags = CONF_TC_EXEC },
	{ .name = "exec-0755", .fn = tc_exec_0755, .mode = 0755, .flags = CONF_TC_EXEC },
	{ .name = "exec-0755-with-rw-map",
	  .fn = tc_exec_0755_with_rw_map,
	  .mode = 0755,
	  .flags = CONF_TC_EXEC,
	  .div_name = "exec-implied-write-with-rw-map",
	  .div_label = "add EXEC",
	  .div_assert = 1,
	  .div_ret = -1,
	  .div_err = EBUSY },
	{ .name = "exec-after-seal", .fn = tc_exec_after_seal, .mode = 0644, .flags = CONF_TC_EXEC },
	{ .name = "exec-rdonly-fd", .fn = tc_exec_rdonly_fd, .mode = 0644, .flags = CONF_TC_EXEC },
};

int main(void)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	conf_env_init();

	int uring = conf_io_uring_probe();

	/* io_uring disabled (ENOSYS, EPERM...): one SKIP per io_uring op, with the reason. */
	for (size_t o = 0; uring < 0 && o < conf_nops; o++) {
		char name[160];

		if (!(conf_ops[o].flags & OPF_IO_URING))
			continue;
		snprintf(name, sizeof(name), "conf/*/%s", conf_ops[o].name);
		if (conf_selected(name))
			vmtest_skip(name, "io_uring rings cannot be created here (%s): not run for any seal set",
				    strerror(-uring));
	}
	/* An opcode this kernel lacks (its io_uring probe says so): one SKIP,
	 * with the reason; a kernel that has it runs it for every seal set. */
	for (size_t o = 0; uring == 0 && o < conf_nops; o++) {
		char name[160];

		if (!conf_ops[o].uring_opcode || conf_io_uring_has_op(conf_ops[o].uring_opcode))
			continue;
		snprintf(name, sizeof(name), "conf/*/%s", conf_ops[o].name);
		if (conf_selected(name))
			vmtest_skip(name, "this kernel's io_uring does not know opcode %d (io_uring_get_probe)",
				    conf_ops[o].uring_opcode);
	}
	for (size_t s = 0; s < NSETS; s++) {
		run_get_seals_case(&seal_sets[s]);
		for (size_t o = 0; o < conf_nops; o++)
			if ((uring == 0 || !(conf_ops[o].flags & OPF_IO_URING)) &&
			    (!conf_ops[o].uring_opcode || conf_io_uring_has_op(conf_ops[o].uring_opcode)))
				run_op_case(&seal_sets[s], &conf_ops[o]);
	}
	for (size_t i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++)
		conf_run_tcase("conf/add", &add_cases[i], conf_report);

	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "vm_conformance: %.1f s\n",
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return vmtest_exit();
}
