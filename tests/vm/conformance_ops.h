/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by vm_conformance and vm_memfd_scenarios: the files under test
 * (a natively sealable memfd as the oracle, and two files the kernel cannot
 * seal, sealed through libsealguard), the operation table, result
 * measurement, and "traces" (a recorded list of syscall outcomes that is
 * compared step by step between the native file and the sealguard files).
 *
 * This file never prints PASS/FAIL lines: vmtest.h keeps its counters per
 * translation unit, so only the programs themselves call vmtest_*().
 *
 * Environment switches (for checking the harness on a host whose kernel
 * cannot run sealguard; the kernel must support native seals):
 *   SG_CONFORMANCE_NATIVE_ONLY=1  the "sealguard" files are natively
 *                                 sealable memfds sealed with fcntl(), so
 *                                 native is compared against native
 *   SG_CONFORMANCE_FORCE_NO_EXEC=1 treat the kernel as lacking F_SEAL_EXEC:
 *                                 the native oracle then emulates EXEC
 *                                 (the model used on 6.1) -- together with
 *                                 NATIVE_ONLY this checks the model against
 *                                 a kernel that has the real thing
 *   SG_CONFORMANCE_FILTER=substr  only run cases whose name contains substr
 *   SG_CONFORMANCE_VERBOSE=1      print every native/sealguard result pair
 *                                 to stderr
 */
#ifndef SG_CONFORMANCE_OPS_H
#define SG_CONFORMANCE_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef F_LINUX_SPECIFIC_BASE
#define F_LINUX_SPECIFIC_BASE 1024
#endif
#ifndef F_ADD_SEALS
#define F_ADD_SEALS (F_LINUX_SPECIFIC_BASE + 9)
#define F_GET_SEALS (F_LINUX_SPECIFIC_BASE + 10)
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL   0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW   0x0004
#define F_SEAL_WRITE  0x0008
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define CONF_WX_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

/*
 * Initial size of every file: two full pages and 1808 bytes, so EOF sits
 * inside the third page.  A write that starts inside and ends past EOF can
 * then either stay within EOF's page or cross a page boundary first, and a
 * mapping of the file has a partial last page.
 */
#define CONF_SIZE0 10000
#define CONF_MODE0 0644

enum conf_kind {
	CONF_NATIVE = 0, /* memfd_create(MFD_ALLOW_SEALING) + fcntl(F_ADD_SEALS) */
	CONF_SG_MEMFD,	 /* memfd_create() without MFD_ALLOW_SEALING + sg_add_seals() */
	CONF_SG_SHM,	 /* /dev/shm file + sg_add_seals() */
	CONF_NKINDS,
};

struct conf_env {
	int native_only;   /* SG_CONFORMANCE_NATIVE_ONLY */
	int native_exec;   /* the running kernel has F_SEAL_EXEC (6.3+) */
	int native_ro_map; /* it maps WRITE-sealed memfds read-only shared (2023 fix) */
	int verbose;
	const char *filter;
	long page;
};

extern struct conf_env conf_env;

/* Name used in case names: "native", "memfd", "shm". */
const char *conf_kind_name(enum conf_kind kind);

/* Read the environment and probe the kernel.  Call once at start. */
void conf_env_init(void);

/* Whether a case name passes SG_CONFORMANCE_FILTER. */
int conf_selected(const char *name);

struct conf_file {
	enum conf_kind kind;
	int fd;			 /* O_RDWR */
	char path[64];		 /* /dev/shm path (CONF_SG_SHM), "" otherwise */
	int emul_exec;		 /* native oracle on a kernel without F_SEAL_EXEC */
	unsigned int emul_seals; /* seals only emulated (F_SEAL_EXEC) */
};

/*
 * A fresh file of `kind`, `size` bytes of the base pattern, mode `mode`,
 * file offset 0.  Returns 0 or -1 with errno (and a message on stderr).
 */
int conf_file_create(struct conf_file *f, enum conf_kind kind, mode_t mode, size_t size);
void conf_file_destroy(struct conf_file *f);

/*
 * fcntl(F_ADD_SEALS)/fcntl(F_GET_SEALS) for the native file, sg_add_seals()/
 * sg_get_seals() for the others; fd is any fd of f's file.  Where the
 * kernel lacks F_SEAL_EXEC, the native file emulates it (see
 * conformance_ops.c) so that it still serves as the oracle of the
 * documented EXEC rules.
 */
int conf_add_seals(struct conf_file *f, int fd, unsigned int seals);
int conf_get_seals(const struct conf_file *f, int fd);
/* fchmod(fd) or chmod(path) when path != NULL, honouring an emulated EXEC. */
int conf_chmod(const struct conf_file *f, int fd, const char *path, mode_t mode);

/*
 * An unsealed scratch file on the same filesystem as files of `kind`
 * (copy_file_range refuses to cross superblocks), unlinked already, filled
 * with `size` bytes of 'P'.  Returns the fd or -1.
 */
int conf_peer_create(enum conf_kind kind, size_t size);

/* Byte i of the base content. */
static inline unsigned char conf_pattern(size_t i)
{
	return (unsigned char)(i * 131u + i / 251u + 7u);
}

/* Outcome of one operation, plus the state of the file afterwards. */
struct conf_result {
	long long ret;	   /* syscall return (bytes, 0, fd normalised to 0, -1) */
	int err;	   /* errno when ret < 0, else 0 */
	int step;	   /* which syscall of a multi-step operation ret/err is from */
	int sig;	   /* signal that killed the operation's process, or 0 */
	long long size;	   /* st_size afterwards */
	uint64_t sum;	   /* FNV-1a of the content afterwards */
	unsigned int mode; /* st_mode & 07777 afterwards */
};

/* Fill size/sum/mode from the file (fd is read with pread only). */
int conf_measure(int fd, struct conf_result *r);
int conf_result_equal(const struct conf_result *a, const struct conf_result *b);
/* "ret=-1 EPERM step=1 size=10000 sum=0123... mode=0644" */
void conf_result_format(const struct conf_result *r, char *buf, size_t len);

/* What an operation gets to work with. */
struct conf_ctx {
	const struct conf_file *f;
	int fd;	       /* f->fd */
	char proc[32]; /* "/proc/self/fd/<fd>" */
	size_t size0;  /* size before the operation */
	long page;
	mode_t mode0; /* mode before the operation */
};

/*
 * The op starts inside the file and ends past EOF across a page boundary:
 * under GROW the kernel writes up to the boundary and returns a short
 * count, sealguard refuses the whole write (divergence grow-short-write).
 */
#define OPF_GROW_SHORT 0x1
/* Needs io_uring: skipped, with the reason, where the kernel refuses rings. */
#define OPF_IO_URING 0x2
/*
 * Starts with a read-only shared mmap.  Kernels without the 2023
 * VM_MAYWRITE fix refuse it (EPERM) on a WRITE-sealed memfd; sealguard
 * follows the fixed kernels (divergence write-ro-map-old-kernels): the
 * map succeeds, and with OPF_RO_MAP_WRITE the op's next step, which
 * needs the mapping writable (mprotect, MADV_REMOVE), fails with EACCES.
 */
#define OPF_RO_MAP	 0x4
#define OPF_RO_MAP_WRITE 0x8

/* 0 when io_uring rings can be created here, else -errno. */
int conf_io_uring_probe(void);
/* Whether the running kernel knows this io_uring opcode (its probe). */
int conf_io_uring_has_op(int opcode);

struct conf_op {
	const char *name;
	void (*fn)(const struct conf_ctx *c, struct conf_result *r);
	unsigned int flags;
	mode_t base_mode; /* mode to create the file with; 0: CONF_MODE0 */
	int uring_opcode; /* an io_uring opcode not every kernel has, or 0 */
};

extern const struct conf_op conf_ops[];
extern const size_t conf_nops;

/*
 * Run op on f in a child process (a refused store must not take the whole
 * suite down), then measure f.  Returns 0, or -1 if the harness itself
 * failed (fork, pipe).
 */
int conf_run_op(const struct conf_file *f, const struct conf_op *op, struct conf_result *r);

/* ---- traces ---- */

#define CONF_TRACE_MAX 96
#define CONF_LABEL_MAX 48

struct conf_step {
	char label[CONF_LABEL_MAX];
	long long ret;
	int err;
};

struct conf_trace {
	int n;
	int overflow;
	struct conf_step s[CONF_TRACE_MAX];
};

void conf_trace_add(struct conf_trace *t, const char *label, long long ret, int err);
/* Record `ret` with errno if it is negative. */
long long conf_trace_call(struct conf_trace *t, const char *label, long long ret);
/* As conf_trace_call for a call returning an fd: records success, not the number. */
int conf_trace_fd(struct conf_trace *t, const char *label, int fd);
/* Record size, content checksum and mode of fd as three steps. */
void conf_trace_state(struct conf_trace *t, const char *label, int fd);
/* Record an mmap() result: 0 or -1/errno.  Returns p. */
void *conf_trace_mmap(struct conf_trace *t, const char *label, void *p);

#define TCALL(t, label, expr) conf_trace_call((t), (label), (long long)(expr))
#define TMMAP(t, label, expr) conf_trace_mmap((t), (label), (expr))
#define TFD(t, label, expr)   conf_trace_fd((t), (label), (expr))

/* Child side of a fork inside a traced scenario: send its steps back. */
void conf_trace_send(int wfd, const struct conf_trace *t);
/* Parent side: append the steps a child sent (closes nothing). */
void conf_trace_recv(int rfd, struct conf_trace *t, const char *prefix);

typedef void (*conf_scenario_fn)(struct conf_file *f, struct conf_trace *t);

/*
 * Create a file of `kind` (mode, CONF_SIZE0 bytes), run fn on it in a child
 * process and collect its trace.  Returns 0, or -1 if the file could not be
 * created or the harness failed.
 */
int conf_run_trace(enum conf_kind kind, mode_t mode, conf_scenario_fn fn, struct conf_trace *t);

/* Index of the first differing step, or -1 when equal. */
int conf_trace_diff(const struct conf_trace *a, const struct conf_trace *b);
/* "step 3 'add WRITE': native ret=-1 EBUSY, sealguard ret=0" */
void conf_trace_diff_format(const struct conf_trace *a, const struct conf_trace *b, int i, char *buf, size_t len);
/* Index of the step with this label, or -1. */
int conf_trace_find(const struct conf_trace *t, const char *label);
void conf_trace_dump(const char *name, const char *who, const struct conf_trace *t);

/* ---- differential trace cases ---- */

#define CONF_TC_EXEC 0x1 /* adds F_SEAL_EXEC: "/expected" where the kernel lacks it */

struct conf_tcase {
	const char *name;
	conf_scenario_fn fn;
	mode_t mode;	    /* creation mode; 0: CONF_MODE0 */
	unsigned int flags; /* CONF_TC_* */
	/*
	 * A documented divergence that shows at the step labelled div_label.
	 * div_assert: sealguard must give div_ret/div_err there (the case is
	 * then named .../divergence-<div_name>; the scenario ends with that
	 * step).  Otherwise: differential, and SKIP naming the divergence if
	 * the two differ at that step.
	 */
	const char *div_name;
	const char *div_label;
	int div_assert;
	long long div_ret;
	int div_err;
};

enum conf_verdict { CONF_PASS, CONF_FAIL, CONF_SKIP };

struct conf_outcome {
	enum conf_verdict v;
	char name[192];
	char msg[1024];
};

/*
 * Run tc on a native file and on each sealguard kind; report() is called
 * once per sealguard kind with the verdict and the full case name
 * "<prefix>/<tc->name>/<kind>[/expected|/divergence-x]".
 */
void conf_run_tcase(const char *prefix, const struct conf_tcase *tc, void (*report)(const struct conf_outcome *o));

/* "EPERM", "EACCES", ... or the number. */
const char *conf_errname(int err);

#endif
