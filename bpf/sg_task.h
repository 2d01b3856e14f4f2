/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one task's calls in progress leave for the programs that come
 * after them in the same call: the position and length of its write or
 * fallocate (struct sg_access, for file_permission and the fence), the
 * slot its write holds a count in (sg_pending.h), and the buckets of its
 * writable mmap and its fallocate in flight.
 *
 * Task local storage: one record per task, gone with the task, with no
 * global bound one user could fill to leave everyone's writes uncounted.
 * Tracing programs may use it since 5.15.  Before (Debian's 5.10) the
 * loader turns the same map into a hash keyed by thread id, of
 * SG_TASKS_HASH_MAX records (sealguard_abi.h); a task whose
 * record cannot be made then goes uncounted, as before.  The record
 * (struct sg_task) and the map (sg_tasks) are in sg_maps.h.
 */
#ifndef SG_TASK_H
#define SG_TASK_H

#include <bpf/bpf_helpers.h>
#include "sealguard_abi.h"
#include "sg_maps.h"

/* Set by the loader: false where tracing programs have no task storage. */
const volatile bool sg_has_task_storage = true;

/* The current task's record; made if create and missing. */
static __always_inline struct sg_task *sg_task(bool create)
{
	struct sg_task zero = {}, *t;
	__u32 tid;

	if (sg_has_task_storage)
		return bpf_task_storage_get(&sg_tasks, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	tid = (__u32)bpf_get_current_pid_tgid();
	t = bpf_map_lookup_elem(&sg_tasks, &tid);
	if (t || !create)
		return t;
	bpf_map_update_elem(&sg_tasks, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&sg_tasks, &tid);
}

/*
 * Makes task's record ahead of its first write, from an LSM program: the
 * fentry programs that otherwise make it run as tracing programs, whose
 * task-storage creation gives up while another task holds this CPU's
 * task-storage lock (one preempted inside a program: 6.18 and 7.3 are
 * built with PREEMPT_LAZY); that write then had no record, and
 * file_permission refused it on a sealed file (fail closed, a false EPERM:
 * conf/write+shrink+grow/write-zero/memfd on 7.3, a zero-length write, in
 * a .ci/run).  LSM programs take that lock unconditionally.  Made for the
 * children and threads of a task that has one (lsm/task_alloc), on a
 * writable open (lsm/file_open) and on receiving a writable fd
 * (lsm/file_receive); a task that only writes through an fd inherited
 * from a parent that never wrote still makes its record on its first
 * write.  Lookups never
 * give up, so a record made once stays found.  Not before 5.15: the hash
 * there is bounded, and a record for every task would fill it.
 */
static __always_inline void sg_task_prepare(struct task_struct *task)
{
	if (sg_has_task_storage)
		bpf_task_storage_get(&sg_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* The same for the current task.  The helper is called inside the test:
 * bpf_get_current_task_btf() is 5.11+, and the verifier only skips a call
 * in a branch the loader's constant rules out. */
static __always_inline void sg_task_prepare_current(void)
{
	if (sg_has_task_storage)
		bpf_task_storage_get(&sg_tasks, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* The exiting task's record goes (task storage goes by itself). */
static __always_inline void sg_task_forget(void)
{
	__u32 tid;

	if (sg_has_task_storage)
		return;
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&sg_tasks, &tid);
}

/* The record left by the fentry program of the call that is asking, if it
 * is about this file and not judged yet: a stale one is never reused.  It
 * stays, marked with the seals it was judged by, for the fence
 * (sg_fence.h) to find once the write holds the inode lock. */
static __always_inline bool sg_take_access(struct file *file, struct sg_access *out, __u32 seals)
{
	struct sg_task *t = sg_task(false);
	struct sg_access *acc = t ? &t->access : NULL;

	if (!acc || acc->file != (__u64)file || acc->checked ||
	    (acc->kind != SG_ACCESS_RW && acc->kind != SG_ACCESS_FALLOCATE))
		return false;
	*out = *acc;
	acc->checked = SG_ACCESS_CHECKED | seals;
	return true;
}

#endif
