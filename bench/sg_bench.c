// SPDX-License-Identifier: GPL-2.0
/*
 * sg_bench: what enforcement costs, measured in one boot (run as root in
 * the VM by `script/bench`; not a test).
 *
 * Configurations, switched by attaching and detaching links of programs
 * loaded once, and interleaved every --block repetitions so drift hits
 * them alike:
 *   none      no BPF program attached (twice: "none" and "none-b", the A/A row)
 *   floor     bench/floor.bpf.c: programs that decide nothing, on the same hooks
 *   sealguard sealguard's programs, no policy, the measured file unsealed
 *   sealguard-idle  (first phase only) the programs sealguardd
 *             --detach-idle keeps attached while nothing is sealed
 * With --rules N (default 10000; 0 skips it) a policy of N rules is
 * written under /dev/shm/sg-bench/policy.d, its reload (read the directory,
 * install its kernel rules) timed 20 times, and none, floor and sealguard
 * measured again with its kernel rules installed; they are cleared after.
 * Phase 2 repeats them with --sealed N other inodes sealed.  Every figure is
 * the minimum over the repetitions of the mean over one repetition's
 * iterations: under emulation minima repeat within a few percent, medians
 * do not (docs/benchmarks.md).
 *
 * Then, with sealguard attached and kernel.bpf_stats_enabled on, each
 * operation runs again and each program's run count and average run time
 * are read back, with the instructions its verification processed.
 *
 * Usage: sg_bench [--reps N] [--iters N] [--block N] [--sealed N] [--rules N]
 * Prints Markdown tables on stdout.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "floor.skel.h"
#include "kernel_check.h"
#include "krules.h"
#include "sg_policy.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"

#define DIR_PATH  "/dev/shm/sg-bench"
#define MAX_LINKS 64
#define BIG	  (4096 * 4)

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x10
#endif

enum config { CFG_NONE, CFG_NONE_B, CFG_FLOOR, CFG_SEALGUARD, CFG_SG_IDLE, CFG_COUNT };
static const char *const config_names[CFG_COUNT] = { "none", "none-b", "floor", "sealguard", "sealguard-idle" };

/* The one context: files, loaded objects, attached links. */
struct bench {
	int reps, iters, block;
	long sealed;
	long rules;		    /* in the generated policy; 0: no policy phase */
	int krules;		    /* kernel rules in force after the reloads, read back from the map */
	bool idle;		    /* this phase also measures CFG_SG_IDLE */
	double switch_ns, switches; /* time spent attaching and detaching */
	int fd, rfd, tfd;	    /* plain file, its reader, a file to truncate */
	int sealed_fd, native_fd;   /* sealguard-sealed file, natively sealed memfd */
	int pipe[2], sock[2];	    /* files sealguard cannot seal: a pipe, a unix socket pair */
	char *map;		    /* shared RW mapping of the plain file */
	char buf[BIG];
	struct sealguard_bpf *sg;
	struct floor_bpf *floor;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
};

typedef int (*op_fn)(struct bench *b);

static int op_getpid(struct bench *b)
{
	return (int)syscall(SYS_getpid) > 0 ? 0 : -1;
}

static int op_write1(struct bench *b)
{
	return write(b->fd, b->buf, 1) == 1 ? 0 : -1;
}

static int op_write4k(struct bench *b)
{
	return write(b->fd, b->buf, 4096) == 4096 ? 0 : -1;
}

static int op_read4k(struct bench *b)
{
	return read(b->rfd, b->buf, 4096) == 4096 ? 0 : -1;
}

static int op_pwrite(struct bench *b)
{
	return pwrite(b->fd, b->buf, 1, 0) == 1 ? 0 : -1;
}

static int op_mmap(struct bench *b)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);

	return p == MAP_FAILED ? -1 : munmap(p, 4096);
}

/* Two calls: adding write (the hook's interesting case), then dropping it. */
static int op_mprotect(struct bench *b)
{
	if (mprotect(b->map, 4096, PROT_READ | PROT_WRITE) < 0)
		return -1;
	return mprotect(b->map, 4096, PROT_READ);
}

static int op_ftruncate(struct bench *b)
{
	return ftruncate(b->tfd, BIG); /* same size: the whole path, no page freed */
}

static int op_open(struct bench *b)
{
	int fd = open(DIR_PATH "/plain", O_RDWR);

	return fd < 0 ? -1 : close(fd);
}

/* A task's start and end: lsm/task_alloc makes the child's record when
 * the parent has one (this process writes, so it has), and
 * sched_process_exit ends it (bpf/sg_task.h). */
static int op_fork(struct bench *b)
{
	int status;
	pid_t pid = fork();

	(void)b;
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	return waitpid(pid, &status, 0) == pid ? 0 : -1;
}

/* Writes to files no seal can be on (issue #19: no more than the floor);
 * each reads its byte back so the buffer never fills. */
static int op_pipe(struct bench *b)
{
	char c;

	if (write(b->pipe[1], b->buf, 1) != 1)
		return -1;
	return read(b->pipe[0], &c, 1) == 1 ? 0 : -1;
}

static int op_socket(struct bench *b)
{
	char c;

	if (write(b->sock[0], b->buf, 1) != 1)
		return -1;
	return read(b->sock[1], &c, 1) == 1 ? 0 : -1;
}

/* The refusal paths: -1 with EPERM is the expected outcome. */
static int refused(ssize_t r)
{
	return r < 0 && errno == EPERM ? 0 : -1;
}

static int op_refuse_sg(struct bench *b)
{
	return refused(pwrite(b->sealed_fd, b->buf, 1, 0));
}

static int op_refuse_native(struct bench *b)
{
	return refused(pwrite(b->native_fd, b->buf, 1, 0));
}

static int op_refuse_mmap_sg(struct bench *b)
{
	return refused(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b->sealed_fd, 0) == MAP_FAILED ? -1 : 0);
}

static int op_refuse_mmap_native(struct bench *b)
{
	return refused(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, b->native_fd, 0) == MAP_FAILED ? -1 : 0);
}

struct op {
	const char *name;
	op_fn fn;
	bool rewind; /* sequential write/read: back to offset 0 before each repetition */
	bool refusal;
	bool sg_only; /* refused only with sealguard attached */
	int slow;     /* run iters / slow times a repetition (a fork is ~1000 writes) */
};

static const struct op ops[] = {
	{ .name = "getpid (control)", .fn = op_getpid },
	{ .name = "write 1 B", .fn = op_write1, .rewind = true },
	{ .name = "write 4 KiB", .fn = op_write4k, .rewind = true },
	{ .name = "read 4 KiB", .fn = op_read4k, .rewind = true },
	{ .name = "pwrite 1 B", .fn = op_pwrite },
	{ .name = "mmap+munmap shared RW", .fn = op_mmap },
	{ .name = "mprotect RW+RO", .fn = op_mprotect },
	{ .name = "ftruncate", .fn = op_ftruncate },
	{ .name = "open+close", .fn = op_open },
	{ .name = "fork+exit+wait", .fn = op_fork, .slow = 50 },
	{ .name = "pipe write+read 1 B", .fn = op_pipe },
	{ .name = "unix socket write+read 1 B", .fn = op_socket },
	{ .name = "refused pwrite, sealguard seal", .fn = op_refuse_sg, .refusal = true, .sg_only = true },
	{ .name = "refused pwrite, native seal", .fn = op_refuse_native, .refusal = true },
	{ .name = "refused mmap RW, sealguard seal", .fn = op_refuse_mmap_sg, .refusal = true, .sg_only = true },
	{ .name = "refused mmap RW, native seal", .fn = op_refuse_mmap_native, .refusal = true },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

/* Mean ns per call over one repetition; < 0 if the operation failed. */
static double run_rep(struct bench *b, const struct op *op)
{
	int n = op->slow ? b->iters / op->slow : b->iters;
	double t0;

	if (n < 1)
		n = 1;
	if (op->rewind && (lseek(b->fd, 0, SEEK_SET) < 0 || lseek(b->rfd, 0, SEEK_SET) < 0))
		return -1;
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (op->fn(b) < 0)
			return -1;
	return (now_ns() - t0) / n;
}

static void detach(struct bench *b)
{
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	b->nlinks = 0;
}

/* idle: only what sealguardd --detach-idle keeps attached while nothing
 * is sealed (sg_kernel_prog_detachable). */
static int attach_obj(struct bench *b, struct bpf_object *obj, bool idle)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *l;

		if (!bpf_program__autoload(prog) || (idle && sg_kernel_prog_detachable(bpf_program__name(prog))))
			continue;
		l = bpf_program__attach(prog);
		if (!l || b->nlinks == MAX_LINKS) {
			fprintf(stderr, "sg_bench: cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			bpf_link__destroy(l);
			detach(b);
			return -1;
		}
		b->links[b->nlinks++] = l;
	}
	return 0;
}

static int configure(struct bench *b, enum config c)
{
	double t0 = now_ns();
	int r = 0;

	detach(b);
	if (c == CFG_FLOOR)
		r = attach_obj(b, b->floor->obj, false);
	else if (c == CFG_SEALGUARD || c == CFG_SG_IDLE)
		r = attach_obj(b, b->sg->obj, c == CFG_SG_IDLE);
	b->switch_ns += now_ns() - t0;
	b->switches++;
	return r;
}

/*
 * min[c][op] over the repetitions, configurations interleaved by blocks
 * of b->block repetitions: attaching and detaching a trampoline costs
 * tens of milliseconds under emulation, far more than a repetition.
 */
static int measure(struct bench *b, double min[CFG_COUNT][NOPS])
{
	for (int c = 0; c < CFG_COUNT; c++)
		for (size_t o = 0; o < NOPS; o++)
			min[c][o] = 1e18;
	for (int done = 0; done < b->reps; done += b->block) {
		for (int c = 0; c < CFG_COUNT; c++) {
			if (c == CFG_SG_IDLE && !b->idle)
				continue;
			if (configure(b, (enum config)c) < 0)
				return -1;
			for (int r = done; r < done + b->block && r < b->reps; r++) {
				for (size_t o = 0; o < NOPS; o++) {
					double t;

					if (ops[o].sg_only && c != CFG_SEALGUARD)
						continue;
					t = run_rep(b, &ops[o]);
					if (t < 0) {
						fprintf(stderr, "sg_bench: %s failed under %s: %s\n", ops[o].name,
							config_names[c], strerror(errno));
						return -1;
					}
					if (t < min[c][o])
						min[c][o] = t;
				}
			}
		}
	}
	detach(b);
	return 0;
}

static void print_table(const char *title, double min[CFG_COUNT][NOPS], bool idle)
{
	printf("\n### %s\n\n", title);
	printf("| operation | none ns | floor ns | sealguard ns | A/A (none-b/none) | floor/none | sealguard/floor | sealguard/none |%s\n",
	       idle ? " sealguard-idle ns | sealguard-idle/none |" : "");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|%s\n", idle ? "---:|---:|" : "");
	for (size_t o = 0; o < NOPS; o++) {
		if (ops[o].refusal)
			continue;
		printf("| %s | %.0f | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f |", ops[o].name, min[CFG_NONE][o],
		       min[CFG_FLOOR][o], min[CFG_SEALGUARD][o], min[CFG_NONE_B][o] / min[CFG_NONE][o],
		       min[CFG_FLOOR][o] / min[CFG_NONE][o], min[CFG_SEALGUARD][o] / min[CFG_FLOOR][o],
		       min[CFG_SEALGUARD][o] / min[CFG_NONE][o]);
		if (idle)
			printf(" %.0f | %.3f |", min[CFG_SG_IDLE][o], min[CFG_SG_IDLE][o] / min[CFG_NONE][o]);
		printf("\n");
	}
}

/* The refusal rows: sealguard's refusal under sealguard, against the
 * native refusal with nothing attached and with sealguard attached. */
static void print_refusals(double min[CFG_COUNT][NOPS])
{
	printf("\n### Refusal path (sealguard attached for its own seal)\n\n");
	printf("| operation | sealguard seal ns | native seal, none ns | native seal, sealguard attached ns | sealguard / native (none) |\n");
	printf("|---|---:|---:|---:|---:|\n");
	for (size_t o = 0; o + 1 < NOPS; o++) {
		if (!ops[o].refusal || ops[o].fn == op_refuse_native || ops[o].fn == op_refuse_mmap_native)
			continue;
		printf("| %s | %.0f | %.0f | %.0f | %.3f |\n", ops[o].name, min[CFG_SEALGUARD][o], min[CFG_NONE][o + 1],
		       min[CFG_SEALGUARD][o + 1], min[CFG_SEALGUARD][o] / min[CFG_NONE][o + 1]);
	}
}

static int seal_fd(struct bench *b, int fd, __u32 seals)
{
	struct sg_inode st = { .seals = seals };

	return bpf_map_update_elem(bpf_map__fd(b->sg->maps.sg_inodes), &fd, &st, BPF_ANY);
}

/* A /proc/meminfo field in KiB, or -1. */
static long meminfo_kb(const char *field)
{
	char line[128];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/* The map's own memory accounting, "memlock" in its fdinfo (bytes). */
static long map_memlock(int map_fd)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", map_fd);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "memlock:", 8) == 0)
			v = atol(line + 8);
	if (f)
		fclose(f);
	return v;
}

struct scale {
	long n;		       /* inodes sealed so far */
	double secs;	       /* to seal them, files already created */
	long slab_kb, memlock; /* growth of SUnreclaim and of the map's memlock */
};

#define SCALE_STEP 100000 /* a row at this many inodes, and one at --sealed */

/* N other tmpfs inodes, each with a seal: the hot path must not notice.
 * The files are made first, so the memory measured while sealing them is
 * the seals' own. */
/* sc[0] at SCALE_STEP inodes (when n is larger), sc[1] at n. */
static int seal_many(struct bench *b, long n, struct scale sc[2])
{
	int map_fd = bpf_map__fd(b->sg->maps.sg_inodes);
	long slab0, lock0;
	char path[64];
	double t0;

	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), DIR_PATH "/many.%ld", i);
		fd = open(path, O_RDWR | O_CREAT, 0600);
		if (fd < 0) {
			fprintf(stderr, "sg_bench: creating %s: %s\n", path, strerror(errno));
			return -1;
		}
		close(fd);
	}
	slab0 = meminfo_kb("SUnreclaim");
	lock0 = map_memlock(map_fd);
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), DIR_PATH "/many.%ld", i);
		fd = open(path, O_RDWR);
		if (fd < 0 || seal_fd(b, fd, SG_SEAL_GROW) < 0) {
			fprintf(stderr, "sg_bench: sealing %s: %s\n", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		if (i + 1 == n || (i + 1 == SCALE_STEP && n > SCALE_STEP)) {
			struct scale *s = &sc[i + 1 == n];

			s->n = i + 1;
			s->secs = (now_ns() - t0) / 1e9;
			s->slab_kb = meminfo_kb("SUnreclaim") - slab0;
			s->memlock = map_memlock(map_fd) - lock0;
		}
	}
	return 0;
}

/*
 * A policy of b->rules rules in files of 1000: as many apply and exempt
 * rules as the kernel takes (SG_KRULE_MAX), on open, mmap and receive, for
 * directories that hold nothing measured; the rest allow rules, which only
 * the daemon reads.  The directories are created: the daemon resolves a
 * kernel rule's path to its inode with stat() and leaves out a rule whose
 * path does not exist (krules.c).  They are on the measured file's tmpfs,
 * so its opens and mmaps do walk up its directories (bpf/sg_krules.h).
 */
static int write_policy(struct bench *b, const char *dir)
{
	static const char *const on[] = { "open", "mmap", "receive" };
	long nkernel = b->rules < SG_KRULE_MAX ? b->rules : SG_KRULE_MAX;
	char path[256];
	FILE *f = NULL;
	int e;

	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(DIR_PATH "/ruled", 0700) < 0 && errno != EEXIST))
		return -1;
	for (long i = 0; i < b->rules; i++) {
		if (i % 1000 == 0) {
			if (f && fclose(f) != 0)
				return -1;
			snprintf(path, sizeof(path), "%s/%03ld.yaml", dir, i / 1000);
			f = fopen(path, "we");
			if (!f)
				return -1;
			fprintf(f, "version: 1\nrules:\n");
		}
		if (i < nkernel) {
			snprintf(path, sizeof(path), DIR_PATH "/ruled/%ld", i);
			if (mkdir(path, 0700) < 0 && errno != EEXIST)
				goto fail;
			if (i % 16 == 15)
				fprintf(f,
					"  - name: exempt-%ld\n    kind: exempt\n    process: { uid: %ld }\n"
					"    file: { path: %s }\n",
					i, 2000 + i, path);
			else
				fprintf(f,
					"  - name: apply-%ld\n    kind: apply\n    on: %s\n    file: { fs: tmpfs, path: %s }\n"
					"    seals: [shrink, grow]\n",
					i, on[i % 3], path);
		} else if (i == b->rules - 1) {
			/* Last, so a request is matched against every rule:
			 * the request benchmark's files (guest.sh). */
			fprintf(f, "  - name: allow-bench\n    kind: allow\n    process: { uid: 0 }\n"
				   "    file: { path: /dev/shm }\n    seals: [shrink]\n");
		} else {
			fprintf(f,
				"  - name: allow-%ld\n    kind: allow\n    process: { uid: [%ld, %ld] }\n"
				"    file: { path: /srv/app/%ld }\n    seals: [shrink, grow, future-write]\n",
				i, 1000 + i % 500, 1500 + i % 500, i);
		}
	}
	return f ? fclose(f) : 0;
fail:
	e = errno; /* for the caller's message, not fclose's */
	fclose(f);
	errno = e;
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Kernel rules in force, per set (SG_KSET_*), as the kernel's map holds
 * them: what the install kept, not what the files asked for. */
static int installed_rules(struct bench *b, int n[SG_KSET_COUNT])
{
	struct sg_kpolicy pol;
	struct sg_config cfg;
	__u32 zero = 0, half;

	if (bpf_map_lookup_elem(bpf_map__fd(b->sg->maps.sg_config), &zero, &cfg) < 0)
		return -errno;
	half = cfg.kpol_half & 1;
	if (bpf_map_lookup_elem(bpf_map__fd(b->sg->maps.sg_kpolicy), &half, &pol) < 0)
		return -errno;
	for (int set = 0; set < SG_KSET_COUNT; set++)
		n[set] = __builtin_popcountll(pol.set[set]);
	return 0;
}

/* Reading the policy directory, and installing its kernel rules, as the
 * daemon's reload does; reps times, min and median in ms.  Leaves the
 * rules installed. */
static int time_reloads(struct bench *b, const char *dir, int reps)
{
	double parse[64], install[64], total[64], t0, t1;
	size_t nkind[3] = { 0 }; /* by enum sg_rule_kind, in the parsed policy */
	int inst[SG_KSET_COUNT];
	char why[1024];
	int n = reps > 64 ? 64 : reps;

	for (int i = 0; i < n; i++) {
		struct sg_policy p;

		t0 = now_ns();
		if (sg_policy_load_dir(&p, dir, why, sizeof(why)) < 0) {
			fprintf(stderr, "sg_bench: the generated policy: %s\n", why);
			return -1;
		}
		t1 = now_ns();
		if (sg_krules_install_maps(b->sg, &p, NULL, why, sizeof(why)) < 0) {
			fprintf(stderr, "sg_bench: installing the kernel rules: %s\n", why);
			sg_policy_free(&p);
			return -1;
		}
		install[i] = (now_ns() - t1) / 1e6;
		parse[i] = (t1 - t0) / 1e6;
		total[i] = parse[i] + install[i];
		if (i == 0 && (long)p.nrules != b->rules) {
			fprintf(stderr, "sg_bench: the generated policy has %zu rules, not %ld\n", p.nrules, b->rules);
			sg_policy_free(&p);
			return -1;
		}
		if (i == 0)
			for (size_t r = 0; r < p.nrules; r++)
				nkind[p.rules[r].kind]++;
		sg_policy_free(&p);
	}
	if (installed_rules(b, inst) < 0) {
		fprintf(stderr, "sg_bench: cannot read the kernel rules back: %s\n", strerror(errno));
		return -1;
	}
	b->krules = 0;
	for (int set = 0; set < SG_KSET_COUNT; set++)
		b->krules += inst[set];
	qsort(parse, (size_t)n, sizeof(double), cmp_double);
	qsort(install, (size_t)n, sizeof(double), cmp_double);
	qsort(total, (size_t)n, sizeof(double), cmp_double);
	printf("\n### Policy reload (%ld rules: %zu allow, %zu apply, %zu exempt)\n\n", b->rules, nkind[SG_RULE_ALLOW],
	       nkind[SG_RULE_APPLY], nkind[SG_RULE_EXEMPT]);
	printf("| step | min ms | median ms |\n|---|---:|---:|\n");
	printf("| read and validate the directory (%ld files) | %.1f | %.1f |\n", (b->rules + 999) / 1000, parse[0],
	       parse[n / 2]);
	printf("| compile and install the kernel rules, switch halves | %.1f | %.1f |\n", install[0], install[n / 2]);
	/* Per reload, not the sum of the rows: their minima need not fall
	 * on the same reload. */
	printf("| total | %.1f | %.1f |\n", total[0], total[n / 2]);
	printf("\n%d reloads. Kernel rules in force, read back from the kernel's sg_kpolicy map: %d apply on open, %d on mmap, "
	       "%d on receive, %d exempt.\n",
	       n, inst[SG_KSET_OPEN], inst[SG_KSET_MMAP], inst[SG_KSET_RECEIVE], inst[SG_KSET_EXEMPT]);
	if ((size_t)b->krules != nkind[SG_RULE_APPLY] + nkind[SG_RULE_EXEMPT])
		printf("\n%zu kernel rules were left out (their reasons are on stderr).\n",
		       nkind[SG_RULE_APPLY] + nkind[SG_RULE_EXEMPT] - (size_t)b->krules);
	return 0;
}

static int clear_rules(struct bench *b)
{
	struct sg_policy none = { 0 };
	char why[256];

	if (sg_krules_install_maps(b->sg, &none, NULL, why, sizeof(why)) < 0) {
		fprintf(stderr, "sg_bench: clearing the kernel rules: %s\n", why);
		return -1;
	}
	return 0;
}

/* Per-program average run time and verifier work, sealguard attached. */
static void program_stats(struct bench *b)
{
	struct bpf_program *prog;
	int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	if (stats_fd < 0 || configure(b, CFG_SEALGUARD) < 0) {
		printf("\n(per-program statistics unavailable: %s)\n", strerror(errno));
		return;
	}
	for (size_t o = 0; o < NOPS; o++)
		run_rep(b, &ops[o]);
	detach(b);
	close(stats_fd);
	printf("\n### Per program (sealguard attached, one repetition of every operation above)\n\n");
	printf("| program | runs | average ns per run | verifier: instructions processed |\n");
	printf("|---|---:|---:|---:|\n");
	bpf_object__for_each_program(prog, b->sg->obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		if (!bpf_program__autoload(prog))
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) < 0)
			continue;
		printf("| %s | %llu | %.0f | %u |\n", bpf_program__name(prog), (unsigned long long)info.run_cnt,
		       info.run_cnt ? (double)info.run_time_ns / info.run_cnt : 0.0, info.verified_insns);
	}
}

static int setup_files(struct bench *b)
{
	int memfd;

	mkdir(DIR_PATH, 0700);
	/* A tmpfs of its own: the default one of a 4 GiB VM holds about
	 * 500 000 inodes, short of --sealed 1000000. */
	if (mount("tmpfs", DIR_PATH, "tmpfs", 0, "mode=0700,nr_inodes=0") < 0)
		fprintf(stderr, "sg_bench: cannot mount a tmpfs on %s (%s): using the one there\n", DIR_PATH,
			strerror(errno));
	b->fd = open(DIR_PATH "/plain", O_RDWR | O_CREAT | O_TRUNC, 0600);
	b->rfd = open(DIR_PATH "/plain", O_RDONLY);
	b->tfd = open(DIR_PATH "/truncated", O_RDWR | O_CREAT | O_TRUNC, 0600);
	b->sealed_fd = open(DIR_PATH "/sealed", O_RDWR | O_CREAT | O_TRUNC, 0600);
	memfd = (int)syscall(SYS_memfd_create, "sg-bench-native", 2 /* MFD_ALLOW_SEALING */);
	b->native_fd = memfd;
	if (b->fd < 0 || b->rfd < 0 || b->tfd < 0 || b->sealed_fd < 0 || memfd < 0)
		return -1;
	if (pipe(b->pipe) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, b->sock) < 0)
		return -1;
	memset(b->buf, 'x', sizeof(b->buf));
	/* Room for one repetition of sequential 4 KiB reads. */
	for (int i = 0; i < b->iters; i++)
		if (write(b->fd, b->buf, 4096) != 4096)
			return -1;
	if (ftruncate(b->tfd, BIG) < 0 || ftruncate(b->sealed_fd, BIG) < 0 || ftruncate(memfd, BIG) < 0)
		return -1;
	if (fcntl(memfd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) < 0)
		return -1;
	b->map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, b->fd, 0);
	return b->map == MAP_FAILED ? -1 : 0;
}

static int load(struct bench *b)
{
	struct sg_kernel_features feat;
	struct bpf_program *prog;
	char why[512];
	int r;

	r = sg_kernel_check(&feat, why, sizeof(why));
	if (r < 0) {
		fprintf(stderr, "sg_bench: %s\n", why);
		return r;
	}
	b->sg = sealguard_bpf__open();
	b->floor = floor_bpf__open();
	if (!b->sg || !b->floor)
		return -errno;
	sg_kernel_select_programs(b->sg, &feat);
	/* The floor loads exactly the programs sealguard loads. */
	bpf_object__for_each_program(prog, b->floor->obj) {
		struct bpf_program *twin = bpf_object__find_program_by_name(b->sg->obj, bpf_program__name(prog));

		bpf_program__set_autoload(prog, twin && bpf_program__autoload(twin));
	}
	if ((r = sealguard_bpf__load(b->sg)) < 0 || (r = floor_bpf__load(b->floor)) < 0) {
		fprintf(stderr, "sg_bench: cannot load the programs: %s\n", strerror(-r));
		return r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b = { .reps = 100, .iters = 1000, .block = 10, .sealed = 100000, .rules = 10000 };
	static double phase1[CFG_COUNT][NOPS], phase2[CFG_COUNT][NOPS], phase3[CFG_COUNT][NOPS];
	static const struct option opts[] = {
		{ "reps", required_argument, NULL, 'r' },   { "iters", required_argument, NULL, 'i' },
		{ "sealed", required_argument, NULL, 's' }, { "block", required_argument, NULL, 'b' },
		{ "rules", required_argument, NULL, 'p' },  { 0 },
	};
	struct scale sc[2] = { { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': b.reps = atoi(optarg); break;
		case 'i': b.iters = atoi(optarg); break;
		case 's': b.sealed = atol(optarg); break;
		case 'b': b.block = atoi(optarg); break;
		case 'p': b.rules = atol(optarg); break;
		default:
			fprintf(stderr,
				"usage: sg_bench [--reps N] [--iters N] [--block N] [--sealed N] [--rules N]\n");
			return 2;
		}
	}
	if (b.reps < 1 || b.iters < 1 || b.block < 1 || b.sealed < 0 || b.rules < 0) {
		fprintf(stderr,
			"sg_bench: --reps, --iters and --block must be positive, --sealed and --rules not negative\n");
		return 2;
	}
	/* Tables appear as each phase ends, even if a later one fails. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (load(&b) < 0)
		return 1;
	if (setup_files(&b) < 0) {
		fprintf(stderr, "sg_bench: cannot set up the files in %s: %s\n", DIR_PATH, strerror(errno));
		return 1;
	}
	if (seal_fd(&b, b.sealed_fd, SG_SEAL_FUTURE_WRITE) < 0) {
		fprintf(stderr, "sg_bench: cannot seal %s/sealed: %s\n", DIR_PATH, strerror(errno));
		return 1;
	}

	printf("%d repetitions of %d calls per operation and configuration, configurations interleaved "
	       "every %d repetitions; minimum of the per-repetition means.\n",
	       b.reps, b.iters, b.block);
	b.idle = true;
	if (measure(&b, phase1) < 0)
		return 1;
	b.idle = false;
	print_table("Unsealed tmpfs file, nothing else sealed", phase1, true);
	print_refusals(phase1);

	if (b.rules) {
		char title[160];

		if (write_policy(&b, DIR_PATH "/policy.d") < 0) {
			fprintf(stderr, "sg_bench: cannot write the policy in %s/policy.d: %s\n", DIR_PATH,
				strerror(errno));
			return 1;
		}
		if (time_reloads(&b, DIR_PATH "/policy.d", 20) < 0 || measure(&b, phase3) < 0 || clear_rules(&b) < 0)
			return 1;
		snprintf(title, sizeof(title), "Unsealed tmpfs file, %ld-rule policy loaded (%d kernel rules)", b.rules,
			 b.krules);
		print_table(title, phase3, false);
	}

	if (seal_many(&b, b.sealed, sc) < 0)
		return 1;
	if (measure(&b, phase2) < 0)
		return 1;
	print_table("Unsealed tmpfs file, other inodes sealed", phase2, false);
	printf("\n### Scale\n\n");
	printf("| inodes sealed | time to seal (open, storage update, close) | unreclaimable slab growth | per inode | map memlock growth |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < 2; i++)
		if (sc[i].n)
			printf("| %ld | %.2f s | %ld KiB | %.0f B | %ld B |\n", sc[i].n, sc[i].secs, sc[i].slab_kb,
			       sc[i].slab_kb * 1024.0 / sc[i].n, sc[i].memlock);

	program_stats(&b);
	printf("\n%.0f configuration switches took %.1f ms each on average (attach and detach all programs).\n",
	       b.switches, b.switches ? b.switch_ns / b.switches / 1e6 : 0.0);
	return 0;
}
