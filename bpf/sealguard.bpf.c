// SPDX-License-Identifier: GPL-2.0
/*
 * sealguard enforcement: memfd seal semantics for any file, from BPF LSM.
 * Every program starts by chaining an earlier refusal, and returns before
 * any map work when the operation cannot be affected by a seal.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_compat.h"
#include "sg_maps.h"
#include "sg_task.h"
#include "sg_live.h"
#include "sg_evict.h"
#include "sg_core.h"
#include "sg_rules.h"
#include "sg_add.h"
#include "sg_report.h"
#include "sg_krules.h"
#include "sg_guard.h"
#include "sg_bypass.h"
#include "sg_overlay.h"
#include "sg_receive.h"
#include "sg_fence.h"
#include "sg_pending.h"

char LICENSE[] SEC("license") = "GPL";

/* ---- position and length of write-permission checks ------------------ */

/* This task's record, created on first use: every later write reuses it in
 * place, one lookup and no map update on the hot path. */
static __always_inline struct sg_access *sg_slot(void)
{
	struct sg_task *t = sg_task(true);

	return t ? &t->access : NULL;
}

static __always_inline void sg_fill(struct sg_access *a, struct file *file, __s64 pos, __u64 len, __u32 kind,
				    __u32 mode, __u32 flags)
{
	a->file = (__u64)file;
	a->pos = pos;
	a->len = len;
	a->kind = kind;
	a->mode = mode;
	a->flags = flags;
	a->checked = 0;
}

/* A note (kind NONE) left for the vfs_fallocate or rw_verify_area call that
 * follows on the same file in the same task: its mode, and flags. */
static __always_inline __u32 sg_note_of(struct sg_access *a, struct file *file, __u32 *flags)
{
	if (a->file != (__u64)file || a->kind != SG_ACCESS_NONE)
		return 0;
	*flags = a->flags;
	return a->mode;
}

static __always_inline void sg_record_flags(struct file *file, __s64 pos, __u64 len, __u32 kind, __u32 mode,
					    __u32 flags)
{
	struct sg_access *a = sg_slot();

	if (a)
		sg_fill(a, file, pos, len, kind, mode, flags);
}

/* pwritev2, io_submit and io_uring with RWF_APPEND append whatever the
 * position says; rw_verify_area, which runs next, cannot see the flag. */
static __always_inline void sg_note_append(struct file *file)
{
	/* Not for a pipe or socket: its rw_verify_area and its call's exit
	 * leave at once (sg_unsealable), and would not take the note back. */
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return;
	sg_record_flags(file, -1, 0, SG_ACCESS_NONE, RWF_APPEND, 0);
}

SEC("fentry/vfs_writev")
int BPF_PROG(sg_vfs_writev, struct file *file, const void *vec, unsigned long vlen, loff_t *pos, int flags)
{
	if (flags & RWF_APPEND)
		sg_note_append(file);
	return 0;
}

SEC("fentry/aio_write")
int BPF_PROG(sg_aio_write, struct kiocb *req, const struct iocb *iocb)
{
	if (BPF_CORE_READ(iocb, aio_rw_flags) & RWF_APPEND)
		sg_note_append(BPF_CORE_READ(req, ki_filp));
	return 0;
}

/* io_uring keeps the request's RWF_* in struct io_rw, which overlays the
 * io_kiocb's command area (io_kiocb_to_cmd). */
SEC("fentry/io_write")
int BPF_PROG(sg_io_write, struct io_kiocb *req)
{
	struct io_rw *rw = (void *)req;

	if (BPF_CORE_READ(rw, flags) & RWF_APPEND)
		sg_note_append(BPF_CORE_READ(rw, kiocb.ki_filp));
	return 0;
}

/* Before 5.19 (struct io_rw without flags): the SQE's RWF_APPEND, kept
 * per request from io_prep_rw to io_write (sg_compat.h). */
SEC("fentry/io_prep_rw")
int BPF_PROG(sg_io_prep_rw, struct io_kiocb *req, const struct io_uring_sqe *sqe)
{
	__u64 key = (__u64)req;
	__u32 append = BPF_CORE_READ(sqe, rw_flags) & RWF_APPEND;

	bpf_map_update_elem(&sg_uring_append, &key, &append, BPF_ANY);
	return 0;
}

SEC("fentry/io_write")
int BPF_PROG(sg_io_write_old, struct io_kiocb *req)
{
	struct io_kiocb___old *old = (void *)req;
	__u64 key = (__u64)req;
	__u32 *append = bpf_map_lookup_elem(&sg_uring_append, &key);

	/* No entry: evicted from the LRU by a flood of other requests (or
	 * prepared before this program was attached).  Judged as an append,
	 * which can only refuse more under GROW, never let a size through. */
	if (!append || *append)
		sg_note_append(BPF_CORE_READ(old, rw.kiocb.ki_filp));
	return 0;
}

/* rw_verify_area(int read_write, struct file *file, const loff_t *ppos,
 * size_t count): ppos comes through sg_ctx_arg (sg_compat.h). */
SEC("fentry/rw_verify_area")
int BPF_PROG(sg_rw_verify_area, int read_write, struct file *file)
{
	size_t count = ctx[3];
	__u32 appending, flags = 0;
	const loff_t *ppos;
	struct sg_access *a;
	struct sg_task *t;
	__s64 pos = -1;

	/* Reads, pipes and sockets leave before any helper call. */
	if (read_write != WRITE || sg_unsealable(file))
		return 0;
	/* One record for both: the count and the position. */
	t = sg_task(true);
	if (!t)
		return 0;
	sg_write_begin(t, file, count);
	a = &t->access;
	appending = sg_note_of(a, file, &flags) & RWF_APPEND;
	ppos = (const loff_t *)sg_ctx_arg(ctx, 2);
	if (ppos)
		bpf_probe_read_kernel(&pos, sizeof(pos), ppos);
	sg_fill(a, file, pos, count, SG_ACCESS_RW, appending, 0);
	return 0;
}

/* The record (or note) of the call now returning goes with it, on every
 * path: a call that failed before its check (an EFAULT iovec after an
 * RWF_APPEND note, a pwrite whose position overflows, a fallocate of
 * length 0) must not leave a record that the next check of that file in
 * this task -- a FICLONE's, which records nothing of its own -- would take
 * for its own. */
static __always_inline void sg_access_end(struct sg_task *t)
{
	if (t && t->access.file)
		t->access.file = 0;
}

/* ---- writes in flight (sg_pending.h): the calls that return them ------- */

/* The calls a write returns through (kernel_check.c loads those the
 * kernel has); do_splice_direct is sendfile's.  Each also ends the
 * call's record. */
#define SG_WRITE_EXIT(prog, func)                   \
	SEC("fexit/" #func)                         \
	int BPF_PROG(prog)                          \
	{                                           \
		struct sg_task *t = sg_task(false); \
                                                    \
		sg_write_done(t);                   \
		sg_access_end(t);                   \
		return 0;                           \
	}

/* The same, for the calls whose first argument is the written file: a
 * pipe's or a socket's write has no record to end (rw_verify_area left
 * it at once). */
#define SG_FILE_WRITE_EXIT(prog, func)        \
	SEC("fexit/" #func)                   \
	int BPF_PROG(prog, struct file *file) \
	{                                     \
		struct sg_task *t;            \
                                              \
		if (sg_unsealable(file))      \
			return 0;             \
		t = sg_task(false);           \
		sg_write_done(t);             \
		sg_access_end(t);             \
		return 0;                     \
	}

SG_FILE_WRITE_EXIT(sg_vfs_write_exit, vfs_write)
SG_FILE_WRITE_EXIT(sg_vfs_writev_exit, vfs_writev)
SG_FILE_WRITE_EXIT(sg_vfs_iter_write_exit, vfs_iter_write)
SG_FILE_WRITE_EXIT(sg_kernel_write_exit, kernel_write)
SG_WRITE_EXIT(sg_vfs_iocb_iter_write_exit, vfs_iocb_iter_write)
SG_WRITE_EXIT(sg_do_splice_exit, do_splice)
SG_WRITE_EXIT(sg_do_splice_direct_exit, do_splice_direct)
SG_WRITE_EXIT(sg_copy_file_range_exit, vfs_copy_file_range)
SG_WRITE_EXIT(sg_io_write_exit, io_write)
SG_WRITE_EXIT(sg_aio_write_exit, aio_write)

/* The daemon is going: no later process that is given its pid (pid
 * reuse, clone3's set_tid) may issue the seal ioctls as it, and the next
 * daemon may adopt the pins (sg_guard.h).  Its last thread is gone, or
 * the whole group is exiting (exit_group, a fatal signal): a thread still
 * stuck in the kernel then (a fence worker in a held inode lock) never
 * returns to user space, and must not keep the registration. */
#define SG_SIGNAL_GROUP_EXIT 0x00000004
static __always_inline void sg_daemon_exit(void)
{
	/* A plain pointer: bpf_get_current_task_btf() came in 5.11. */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct sg_config *cfg = sg_cfg();

	if (!cfg || !cfg->daemon_tgid || cfg->daemon_tgid != (bpf_get_current_pid_tgid() >> 32))
		return;
	if (BPF_CORE_READ(task, signal, live.counter) == 0 ||
	    (BPF_CORE_READ(task, signal, flags) & SG_SIGNAL_GROUP_EXIT))
		cfg->daemon_tgid = 0;
}

/* A new task or thread of a task that writes gets its record now
 * (sg_task.h, sg_task_prepare). */
SEC("lsm/task_alloc")
int BPF_PROG(sg_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	if (ret)
		return ret;
	if (sg_has_task_storage && sg_task(false))
		sg_task_prepare(task);
	return 0;
}

/* A write that failed before any of those returned, in a task that never
 * writes again; and the daemon's exit.  The tracepoint comes after the
 * exiting thread has left signal->live. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sg_task_exit)
{
	sg_write_task_exit();
	sg_daemon_exit();
	return 0;
}

SEC("fentry/vfs_fallocate")
int BPF_PROG(sg_vfs_fallocate, struct file *file, int mode, loff_t offset, loff_t len)
{
	__u32 idx = SG_INFLIGHT_BUCKET(file->f_inode->i_ino);
	__s64 *bucket = bpf_map_lookup_elem(&sg_falloc_inflight, &idx);
	struct sg_task *t = sg_task(true);
	struct sg_access *a;
	__u32 flags = 0;

	if (!t)
		return 0;
	/* Counted before the seal check reads the seals; the locked add
	 * orders the two (sg_add.h has the same pairing for mmap).  Once
	 * per call: an overlay's vfs_fallocate calls its layer's. */
	if (bucket && !t->falloc_idx) {
		t->falloc_idx = idx + 1;
		__sync_fetch_and_add(bucket, 1);
	}
	a = &t->access;
	sg_note_of(a, file, &flags);
	sg_fill(a, file, offset, len, SG_ACCESS_FALLOCATE, mode, flags);
	return 0;
}

SEC("fexit/vfs_fallocate")
int BPF_PROG(sg_vfs_fallocate_exit)
{
	struct sg_task *t = sg_task(false);
	__s64 *bucket;
	__u32 i;

	sg_access_end(t);
	if (!t || !t->falloc_idx)
		return 0;
	i = t->falloc_idx - 1;
	t->falloc_idx = 0;
	bucket = bpf_map_lookup_elem(&sg_falloc_inflight, &i);
	if (bucket)
		__sync_fetch_and_add(bucket, -1);
	return 0;
}

struct sg_vma_probe {
	__u64 file;
	bool readonly_shared;
};

static long sg_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct sg_vma_probe *p = data;
	unsigned long f = BPF_CORE_READ(vma, vm_flags);

	p->file = (__u64)BPF_CORE_READ(vma, vm_file);
	p->readonly_shared = (f & VM_SHARED) && !(f & VM_WRITE);
	return 0;
}

/* MADV_REMOVE reaches vfs_fallocate without saying which mapping asked;
 * look at the mapping here (bpf_find_vma: 5.17+, optional). */
SEC("fentry/do_madvise")
int BPF_PROG(sg_do_madvise, struct mm_struct *mm, unsigned long start, size_t len, int behavior)
{
	struct sg_vma_probe p = {};

	if (behavior != MADV_REMOVE)
		return 0;
	if (bpf_find_vma(bpf_get_current_task_btf(), start, sg_vma_cb, &p, 0) || !p.readonly_shared)
		return 0;
	sg_record_flags((struct file *)p.file, -1, 0, SG_ACCESS_NONE, 0, SG_ACCESS_F_MADV_RO);
	return 0;
}

/* A madvise refused before vfs_fallocate must not leave its note behind. */
SEC("fexit/do_madvise")
int BPF_PROG(sg_do_madvise_exit)
{
	struct sg_task *t = sg_task(false);
	struct sg_access *acc = t ? &t->access : NULL;

	if (acc && acc->kind == SG_ACCESS_NONE && acc->flags) {
		acc->file = 0;
		acc->flags = 0;
	}
	return 0;
}

/* ---- write permission: write family, fallocate, MADV_REMOVE ----------- */

SEC("lsm/file_permission")
int BPF_PROG(sg_file_permission, struct file *file, int mask, int ret)
{
	__u32 seals, audit, judged, op = SG_EV_WRITE;
	struct inode *inode;
	struct sg_access acc;
	bool measured;
	int r;

	if (ret)
		return ret;
	if (!(mask & MAY_WRITE))
		return 0;
	/* A loop device writes its backing file (sg_bypass.h). */
	if (sg_unsealable(file))
		return sg_guard_loop_write(file, SG_EV_WRITE, -EPERM);
	inode = file->f_inode;
	/* A splice or sendfile into an overlay file writes its real file
	 * without asking again (sg_overlay.h). */
	seals = sg_seals_audit_of(inode, &audit) | sg_overlay_real_seals(file);
	if (!((seals | audit) & SG_SEALS_WRITE_PATH))
		return 0;
	measured = sg_take_access(file, &acc, seals);
	if (measured && acc.kind == SG_ACCESS_FALLOCATE)
		op = SG_EV_FALLOCATE;
	judged = seals;
	r = sg_judge_write(file->f_path.dentry, file->f_flags, inode, &judged, measured ? &acc : NULL, op);
	/* No write follows a refusal; sendfile returns from here without a
	 * call the write-count fexits watch (sg_pending.h). */
	if (r)
		sg_write_done(sg_task(false));
	else if (audit)
		sg_audit_write(file->f_path.dentry, file->f_flags, inode, seals, audit, measured ? &acc : NULL, op);
	return sg_verdict(r);
}

/* Where a write lands is decided twice: file_permission reads O_APPEND
 * from f_flags, the write's kiocb takes it from f_flags again later
 * (init_sync_kiocb; AIO before it copies the iovec).  Another thread's
 * F_SETFL in between made an in-size write append under GROW.  So the
 * flag cannot change on a GROW-sealed file: EPERM (docs/semantics.md: divergence
 * setfl-append-under-grow). */
SEC("lsm/file_fcntl")
int BPF_PROG(sg_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	struct inode *inode;
	__u32 seals;

	if (ret)
		return ret;
	if (cmd != F_SETFL || !((arg ^ file->f_flags) & O_APPEND))
		return 0;
	inode = file->f_inode;
	seals = sg_seals_of(inode) | sg_overlay_real_seals(file);
	if (!(seals & SG_SEAL_GROW) || (sg_exempt_seals(file->f_path.dentry, inode) & SG_SEAL_GROW))
		return 0;
	return sg_refuse(inode, seals, SG_EV_WRITE, -EPERM);
}

/* ---- mappings ---------------------------------------------------------- */

/* A writable shared mapping of a write-sealed file: EPERM, as
 * shmem_mmap_prepare (memfd_check_seals_mmap) answers. */
static __always_inline int sg_mmap_check(struct file *file, unsigned long prot)
{
	struct inode *inode = file->f_inode;
	struct sg_task *t;
	__u32 idx, seals, audit;
	__s64 *bucket;
	bool counted;

	if (!(prot & PROT_WRITE))
		return 0;
	/* Without FMODE_WRITE do_mmap refuses with EACCES, as natively. */
	if (!(file->f_mode & FMODE_WRITE))
		return 0;

	idx = SG_INFLIGHT_BUCKET(inode->i_ino);
	bucket = bpf_map_lookup_elem(&sg_inflight, &idx);
	if (!bucket)
		return 0;
	/* Counted before the seals are read: see sg_add.h.  Once per mmap
	 * call: while a restarting daemon swaps its links, two generations
	 * of this program run on the same call, and the fexit that uncounts
	 * it finds one record.  (A full map, 8192 mmaps in flight, leaves the
	 * call uncounted: a weaker EBUSY check, never a lost seal.) */
	t = sg_task(true);
	counted = t && !t->mmap_idx;
	if (counted) {
		t->mmap_idx = idx + 1;
		__sync_fetch_and_add(bucket, 1);
	}
	seals = sg_seals_audit_of(inode, &audit) | sg_overlay_real_seals(file);
	if ((seals & SG_SEAL_ANY_WRITE) &&
	    ((seals & ~sg_exempt_seals(file->f_path.dentry, inode)) & SG_SEAL_ANY_WRITE)) {
		if (counted) {
			__sync_fetch_and_add(bucket, -1);
			t->mmap_idx = 0;
		}
		return sg_refuse(inode, seals, SG_EV_MMAP, -EPERM);
	}
	/* Audit seals (sg_krules.h): reported, not refused. */
	if ((audit & SG_SEAL_ANY_WRITE) && ((audit & ~sg_exempt_seals(file->f_path.dentry, inode)) & SG_SEAL_ANY_WRITE))
		sg_report_audit(inode, seals | audit, SG_EV_MMAP, -EPERM, -1);
	return 0;
}

SEC("lsm/mmap_file")
int BPF_PROG(sg_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot, unsigned long flags, int ret)
{
	unsigned long type = flags & MAP_TYPE;
	int r;

	if (ret)
		return ret;
	if (!file || (type != MAP_SHARED && type != MAP_SHARED_VALIDATE))
		return 0;
	if (sg_unsealable(file))
		return (prot & PROT_WRITE) ? sg_guard_loop_write(file, SG_EV_MMAP, -EPERM) : 0;
	r = sg_mmap_check(file, prot);
	/* Policy seals go on after the mapping is allowed: like a holder that
	 * maps, then seals, the mapping that triggered them keeps working. */
	if (!r)
		r = sg_kapply(SG_KSET_MMAP, file);
	return r;
}

/* Called by fexit of every syscall whose mmap went through mmap_file. */
static __always_inline void sg_mmap_done(void)
{
	struct sg_task *t = sg_task(false);
	__s64 *n;
	__u32 i;

	if (!t || !t->mmap_idx)
		return;
	i = t->mmap_idx - 1;
	t->mmap_idx = 0;
	n = bpf_map_lookup_elem(&sg_inflight, &i);
	if (n)
		__sync_fetch_and_add(n, -1);
}

SEC("fexit/vm_mmap_pgoff")
int BPF_PROG(sg_vm_mmap_pgoff_exit)
{
	sg_mmap_done();
	return 0;
}

SEC("fexit/do_shmat")
int BPF_PROG(sg_do_shmat_exit)
{
	sg_mmap_done();
	return 0;
}

SEC("fexit/__x64_sys_remap_file_pages")
int BPF_PROG(sg_remap_file_pages_exit)
{
	sg_mmap_done();
	return 0;
}

/* The same call made by a 32-bit program, or with int $0x80. */
SEC("fexit/__ia32_sys_remap_file_pages")
int BPF_PROG(sg_remap_file_pages_ia32_exit)
{
	sg_mmap_done();
	return 0;
}

/* The kernel clears VM_MAYWRITE on read-only shared maps of write-sealed
 * memfds, so upgrading them fails with EACCES; refuse the same upgrade. */
SEC("lsm/file_mprotect")
int BPF_PROG(sg_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot, int ret)
{
	unsigned long vm_flags;
	struct file *file;
	__u32 seals, audit;

	if (ret)
		return ret;
	if (!(prot & PROT_WRITE))
		return 0;
	file = vma->vm_file;
	if (!file)
		return 0;
	vm_flags = BPF_CORE_READ(vma, vm_flags);
	if (!(vm_flags & VM_SHARED) || (vm_flags & VM_WRITE))
		return 0;
	if (sg_unsealable(file))
		return sg_guard_loop_write(file, SG_EV_MPROTECT, -EACCES);
	seals = sg_seals_audit_of(file->f_inode, &audit);
	if ((seals & SG_SEAL_ANY_WRITE) &&
	    ((seals & ~sg_exempt_seals(file->f_path.dentry, file->f_inode)) & SG_SEAL_ANY_WRITE))
		return sg_refuse(file->f_inode, seals, SG_EV_MPROTECT, -EACCES);
	if ((audit & SG_SEAL_ANY_WRITE) &&
	    ((audit & ~sg_exempt_seals(file->f_path.dentry, file->f_inode)) & SG_SEAL_ANY_WRITE))
		sg_report_audit(file->f_inode, seals | audit, SG_EV_MPROTECT, -EACCES, -1);
	return 0;
}

/* ---- size and mode: shmem_setattr -------------------------------------- */

/* Whether seals refuse this size or mode change: the errno, *op says which. */
static __always_inline int sg_setattr_check(struct dentry *dentry, struct inode *inode, struct iattr *attr, __u32 seals,
					    __u32 *op)
{
	unsigned int valid = attr->ia_valid;

	if (valid & ATTR_SIZE) {
		__s64 newsize = attr->ia_size, oldsize = inode->i_size;
		__u32 binding = (newsize < oldsize ? SG_SEAL_SHRINK : 0) | (newsize > oldsize ? SG_SEAL_GROW : 0);

		/* Exempt rules are read only on the way to a refusal. */
		*op = SG_EV_TRUNCATE;
		if ((seals & binding) && (seals & binding & ~sg_exempt_seals(dentry, inode)))
			return -EPERM;
	}
	*op = SG_EV_CHMOD;
	if ((valid & ATTR_MODE) && (seals & SG_SEAL_EXEC) && ((inode->i_mode ^ attr->ia_mode) & 0111) &&
	    !(sg_exempt_seals(dentry, inode) & SG_SEAL_EXEC))
		return -EPERM;
	return 0;
}

static __always_inline int sg_setattr(struct dentry *dentry, struct iattr *attr)
{
	__u32 seals, audit, op = SG_EV_TRUNCATE;
	struct inode *inode;
	int r;

	if (!(attr->ia_valid & (ATTR_SIZE | ATTR_MODE)))
		return 0;
	inode = dentry->d_inode;
	if (!inode)
		return 0;
	seals = sg_seals_audit_of(inode, &audit);
	if (!((seals | audit) & (SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_EXEC)))
		return 0;
	r = sg_setattr_check(dentry, inode, attr, seals, &op);
	if (r)
		return sg_refuse(inode, seals, op, r);
	/* Audit seals (sg_krules.h): reported, not refused. */
	if ((audit & ~seals) && (r = sg_setattr_check(dentry, inode, attr, seals | audit, &op)))
		sg_report_audit(inode, seals | audit, op, r, -1);
	return 0;
}

/* Up to 6.1 the hook has no idmap argument; the loader picks the variant
 * that matches the running kernel's BTF. */
SEC("lsm/inode_setattr")
int BPF_PROG(sg_inode_setattr, struct dentry *dentry, struct iattr *attr, int ret)
{
	return ret ? ret : sg_verdict(sg_setattr(dentry, attr));
}

SEC("lsm/inode_setattr")
int BPF_PROG(sg_inode_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr, int ret)
{
	return ret ? ret : sg_verdict(sg_setattr(dentry, attr));
}

/* ---- the fence (sg_fence.h) ------------------------------------------- */

SEC("fmod_ret/security_inode_need_killpriv")
int BPF_PROG(sg_need_killpriv, struct dentry *dentry, int ret)
{
	struct inode *inode;

	if (ret)
		return ret;
	inode = dentry->d_inode;
	return inode ? sg_fence_check(dentry, inode) : 0;
}

/* kuid_t and kgid_t are structs passed by value: one context slot each. */
SEC("lsm/path_chown")
int BPF_PROG(sg_path_chown, const struct path *path, __u64 uid, __u64 gid, int ret)
{
	if (!ret)
		sg_note_chown(BPF_CORE_READ(path, dentry, d_inode));
	return ret;
}

/* ---- seal requests from the daemon ------------------------------------- */

SEC("lsm/file_ioctl")
int BPF_PROG(sg_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd == LOOP_SET_FD || cmd == LOOP_CONFIGURE)
		return sg_guard_loop(file, cmd, arg);
	if (cmd < SG_IOC_ADD || cmd > SG_IOC_KEY || !sg_from_daemon())
		return sg_guard_fs_ioctl(file, cmd, false);
	switch (cmd) {
	case SG_IOC_KEY: {
		struct sg_file_key *out;
		__u32 zero = 0;

		if (sg_on_overlay(file->f_inode))
			return -EOPNOTSUPP;
		out = bpf_map_lookup_elem(&sg_ioc_key, &zero);
		if (!out)
			return -ENOMEM;
		sg_inode_key(file->f_inode, out);
		return -SG_IOC_DONE_ERRNO;
	}
	case SG_IOC_SYNC: sg_seals_of(file->f_inode); return -SG_IOC_DONE_ERRNO;
	case SG_IOC_ADD: return sg_verdict(sg_add(file, (__u32)arg));
	case SG_IOC_CONFIRM: {
		struct sg_inode *st = sg_lookup(file->f_inode);

		return st ? sg_verdict(sg_confirm_write(file, st)) : -EINVAL;
	}
	default: return sg_verdict(sg_abort(file));
	}
}

/* io_uring commands on a sealed file (sg_bypass.h), where the kernel has
 * the hook (6.0+). */
SEC("lsm/uring_cmd")
int BPF_PROG(sg_uring_cmd, struct io_uring_cmd *ioucmd, int ret)
{
	if (ret)
		return ret;
	return sg_guard_uring_cmd(ioucmd);
}

/* userfaultfd fills (sg_bypass.h), a program of its own: it needs
 * bpf_find_vma (5.17+), and the loader leaves it out where the kernel
 * lacks it, not the seal requests above. */
SEC("lsm/file_ioctl")
int BPF_PROG(sg_file_ioctl_uffd, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd == UFFDIO_COPY || cmd == UFFDIO_ZEROPAGE || cmd == UFFDIO_CONTINUE || cmd == UFFDIO_POISON)
		return sg_guard_uffd(file, cmd, arg);
	return 0;
}

/* A 32-bit ioctl (a 32-bit program, or int $0x80 from a 64-bit one) asks
 * file_ioctl_compat instead, since 6.8 and in backports (Debian's 6.1 has
 * it): the same guards there.  The loop and userfaultfd commands and
 * their structs have the same numbers and layout in both ABIs.  The
 * daemon's own requests never come this way. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(sg_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd == LOOP_SET_FD || cmd == LOOP_CONFIGURE)
		return sg_guard_loop(file, cmd, arg);
	return sg_guard_fs_ioctl(file, cmd, true);
}

SEC("lsm/file_ioctl_compat")
int BPF_PROG(sg_file_ioctl_compat_uffd, struct file *file, unsigned int cmd, unsigned long arg, int ret)
{
	if (ret)
		return ret;
	if (cmd == UFFDIO_COPY || cmd == UFFDIO_ZEROPAGE || cmd == UFFDIO_CONTINUE || cmd == UFFDIO_POISON)
		return sg_guard_uffd(file, cmd, arg);
	return 0;
}

/* ---- registry upkeep --------------------------------------------------- */

/* The inode's storage goes right after this hook.  A file that stays on
 * disk keeps its seals for when its inode is read back (sg_evict.h); one
 * that is gone takes its registry entry with it, or a reused inode number
 * would be listed, or sealed. */
SEC("lsm/inode_free_security")
int BPF_PROG(sg_inode_free_security, struct inode *inode)
{
	struct sg_inode *st = sg_lookup(inode);
	struct sg_file_key key;
	__u32 seals;

	if (!st && !sg_evicted_any())
		return 0;
	sg_inode_key(inode, &key);
	if (inode->i_nlink && !sg_fs_is_shmem(inode)) {
		seals = st ? READ_ONCE_U32(st->pending) ? st->revert : st->seals : 0;
		if (seals)
			sg_keep_evicted(inode, &key, seals);
		if (st)
			sg_live_note(sg_live_counter(), st->seals, 0);
		return 0;
	}
	if (st)
		sg_live_note(sg_live_counter(), st->seals, 0);
	sg_uncharge_owner(inode, bpf_map_lookup_elem(&sg_sealed, &key));
	bpf_map_delete_elem(&sg_sealed, &key);
	if (!st)
		sg_forget_evicted(&key);
	return 0;
}

/* ---- seals applied by policy ------------------------------------------- */

/* A file arriving over SCM_RIGHTS (or binder) in the receiving task. */
SEC("lsm/file_receive")
int BPF_PROG(sg_file_receive, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (sg_from_daemon() && sg_file_served(file))
		return -EOPNOTSUPP;
	/* A receiver that never wrote: its record now (sg_task.h). */
	if ((file->f_mode & FMODE_WRITE) && !sg_unsealable(file))
		sg_task_prepare_current();
	return sg_kapply(SG_KSET_RECEIVE, file);
}

SEC("lsm/file_open")
int BPF_PROG(sg_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	if ((file->f_mode & FMODE_WRITE) && !sg_unsealable(file))
		sg_task_prepare_current();
	ret = sg_overlay_open_fake_path(file);
	return ret ? ret : sg_kapply(SG_KSET_OPEN, file);
}

/* ---- overlayfs backing files (sg_overlay.h), 6.6+ ----------------------- */

SEC("fentry/backing_file_open")
int BPF_PROG(sg_backing_file_open, const struct path *user_path)
{
	sg_backing_arm(BPF_CORE_READ(user_path, dentry, d_inode));
	return 0;
}

SEC("fentry/backing_file_open")
int BPF_PROG(sg_backing_file_open_file, const struct file *user_file)
{
	sg_backing_arm(BPF_CORE_READ(user_file, f_inode));
	return 0;
}

SEC("fexit/backing_file_open")
int BPF_PROG(sg_backing_file_open_exit)
{
	sg_backing_disarm();
	return 0;
}

SEC("fentry/backing_tmpfile_open")
int BPF_PROG(sg_backing_tmpfile_open, const struct path *user_path)
{
	sg_backing_arm(BPF_CORE_READ(user_path, dentry, d_inode));
	return 0;
}

SEC("fentry/backing_tmpfile_open")
int BPF_PROG(sg_backing_tmpfile_open_file, const struct file *user_file)
{
	sg_backing_arm(BPF_CORE_READ(user_file, f_inode));
	return 0;
}

SEC("fexit/backing_tmpfile_open")
int BPF_PROG(sg_backing_tmpfile_open_exit)
{
	sg_backing_disarm();
	return 0;
}

SEC("lsm/file_open")
int BPF_PROG(sg_file_open_backing, struct file *file, int ret)
{
	return ret ? ret : sg_backing_open(file);
}

/* ---- the tamper guard (sg_guard.h) ------------------------------------- */

SEC("lsm/bpf_map")
int BPF_PROG(sg_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	return ret ? ret : sg_guard_map(map);
}

SEC("lsm/inode_unlink")
int BPF_PROG(sg_inode_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : sg_guard_dentry(dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(sg_inode_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : sg_guard_dentry(dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(sg_inode_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = sg_guard_dentry(old_dentry);
	return ret ? ret : sg_guard_dentry(new_dentry);
}

SEC("lsm/sb_umount")
int BPF_PROG(sg_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	return ret ? ret : sg_guard_umount(mnt);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(sg_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	return ret ? ret : sg_guard_ptrace(child, mode);
}
