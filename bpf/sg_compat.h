/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels one build runs on (5.10 to 6.12), for
 * code shared by programs that every kernel loads.  Programs that only
 * some kernels can run are separate and chosen by the loader with
 * bpf_program__set_autoload (user/daemon/kernel_check.c); inside a shared
 * program, the loader sets the constants below from the running kernel's
 * BTF before loading.  They live in .rodata, which the verifier reads as
 * known values, so the branch a kernel cannot run is never verified there.
 */
#ifndef SG_COMPAT_H
#define SG_COMPAT_H

#include <bpf/bpf_helpers.h>
#include "sealguard_abi.h"
#include "sg_maps.h"

/* bpf_d_path from LSM programs: allowed on the sleepable hooks since 5.11
 * (file_open, mmap_file, file_receive among them), on none before. */
const volatile bool sg_can_d_path = false;

/*
 * Argument n of a tracing program, read with a helper instead of a load
 * from the context.  5.10's verifier refuses a context load of a pointer
 * argument whose target is not a struct ("arg2 type INT is not a
 * struct": rw_verify_area's const loff_t *ppos); the value is only read
 * with bpf_probe_read_kernel anyway, so its type does not matter.
 */
static __always_inline __u64 sg_ctx_arg(unsigned long long *ctx, int n)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ctx[n]);
	return v;
}

/* The current task as a plain pointer, read with BPF_CORE_READ only.
 * bpf_get_current_task_btf() is 5.11+. */
static __always_inline struct task_struct *sg_current_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/* A kernel pointer as a plain number, for a global function's argument:
 * the verifier passes only scalars there, and a pointer read back through
 * the stack is one. */
static __always_inline __u64 sg_addr(const void *p)
{
	__u64 a = 0;

	bpf_probe_read_kernel(&a, sizeof(a), &p);
	return a;
}

/*
 * A full barrier through a locked add of 0 to *p.  The zero is hidden
 * from clang, which otherwise turns the idempotent add into an atomic OR
 * (BPF_ATOMIC | BPF_OR, 5.12+; 5.10's verifier answers "BPF_STX uses
 * reserved fields").
 */
static __always_inline void sg_barrier_on(__s64 *p)
{
	__s64 zero = 0;

	asm volatile("" : "+r"(zero));
	__sync_fetch_and_add(p, zero);
}

/*
 * The per-inode lock of struct sg_inode.  LSM programs may call
 * bpf_spin_lock since 5.11; on 5.10 a lock is an entry in sg_locks
 * (sg_maps.h), keyed by the storage's address, that only one task can
 * create (BPF_NOEXIST
 * is decided under the hash bucket's lock, which also orders the stores
 * made while holding it).  Holders run a few instructions and cannot
 * sleep (and are not preempted on a PREEMPT_VOLUNTARY kernel such as
 * Debian's), so a bounded retry almost always gets it; when it does not, the caller fails with SG_IOC_RETRY_ERRNO,
 * which the daemon retries.
 */
const volatile bool sg_has_spin_lock = true;

#define SG_LOCK_TRIES 256

static __always_inline bool sg_lock(struct sg_inode *st)
{
	__u64 key = (__u64)st;
	__u32 one = 1;

	if (sg_has_spin_lock) {
		bpf_spin_lock(&st->lock);
		return true;
	}
	for (int i = 0; i < SG_LOCK_TRIES; i++)
		if (bpf_map_update_elem(&sg_locks, &key, &one, BPF_NOEXIST) == 0)
			return true;
	return false;
}

static __always_inline void sg_unlock(struct sg_inode *st)
{
	__u64 key = (__u64)st;

	if (sg_has_spin_lock)
		bpf_spin_unlock(&st->lock);
	else
		bpf_map_delete_elem(&sg_locks, &key);
}

/*
 * io_uring before 5.19 keeps a request's RWF_* only in its kiocb's
 * ki_flags once io_prep_rw has read the SQE, translated to IOCB_* bits
 * whose values depend on the kernel (IOCB_APPEND was 1 << 1 until 5.16;
 * Debian's 5.10 has it equal to RWF_APPEND since it imported 5.15's
 * io_uring).  So the SQE's rw_flags are read where io_prep_rw reads them
 * and kept per request, for io_write, which may run later in an io-wq
 * worker.  Every prep overwrites its request's entry, so a reused
 * io_kiocb never inherits an older request's flag.  LRU: an entry lost
 * to eviction is a request whose RWF_APPEND goes unseen, as before this
 * existed; 16384 requests in flight is far beyond a queue's depth
 * (sg_uring_append, sg_maps.h).
 */

/* struct io_rw overlaid the start of struct io_kiocb then. */
struct io_rw___old {
	struct kiocb kiocb;
};

struct io_kiocb___old {
	union {
		struct file *file;
		struct io_rw___old rw;
	};
};

#endif
