/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writes in flight across a seal.
 *
 * The fence (sg_fence.h) judges a write under the inode lock only while
 * the inode is not marked S_NOSEC, and any operation the seals allow that
 * reaches file_remove_privs sets that mark again: an in-size write under
 * GROW, an in-size fallocate under WRITE on ext4.  A write checked before
 * the seal that takes the lock after such an operation would land
 * unjudged.  So every write counts itself from rw_verify_area (before the
 * seal check) to the return of the call that made it, and the daemon's
 * fence waits for the writes counted before the seal to return
 * (user/daemon/fence.c): they land, if at all, before the client hears
 * that its seal holds.  Only a write still pending when that wait gives up
 * (a splice waiting for pipe data) is left to the S_NOSEC fence.
 *
 * A count is given back when one of the write calls returns, or
 * rw_verify_area refuses (the fexit programs), when the task's next write
 * counts itself, or when the task exits; those programs are never
 * detached while idle.
 */
#ifndef SG_PENDING_H
#define SG_PENDING_H

static __always_inline void sg_write_done(void)
{
	__u32 tid = sg_tid(), slot, *held = bpf_map_lookup_elem(&sg_write_tasks, &tid);
	__s64 *n;

	if (!held)
		return;
	slot = *held;
	n = bpf_map_lookup_elem(&sg_write_pending, &slot);
	if (n)
		__sync_fetch_and_add(n, -1);
	bpf_map_delete_elem(&sg_write_tasks, &tid);
}

/* Counted before the seal check reads the seals, in the phase read
 * before the count: a fence that flipped the phase after the seal and
 * then read the old phase's count either sees this write, or this write's
 * check sees the seal. */
static __always_inline void sg_write_begin(struct file *file, __u64 count)
{
	struct inode *inode = file->f_inode;
	__u32 tid, idx, slot, *phase;
	__s64 *n;

	sg_write_done();
	if (!count || !inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return;
	idx = (__u32)inode->i_ino & (SG_INFLIGHT_BUCKETS - 1);
	phase = bpf_map_lookup_elem(&sg_write_phase, &idx);
	if (!phase)
		return;
	slot = 2 * idx + (*phase & 1);
	n = bpf_map_lookup_elem(&sg_write_pending, &slot);
	tid = sg_tid();
	if (!n || bpf_map_update_elem(&sg_write_tasks, &tid, &slot, BPF_ANY))
		return;
	__sync_fetch_and_add(n, 1);
}

#endif
