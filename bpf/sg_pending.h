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
 * A count is given back when one of the write calls returns (the fexit
 * programs), when file_permission refuses the write, when the task's next
 * write counts itself, or when the task exits.  While nothing is sealed
 * the daemon may detach the counting and the fexits (--detach-idle), not
 * the exit program: a write in flight at that moment keeps its count
 * until its task writes again or exits.  A write refused by someone else
 * in rw_verify_area on a path none of the fexits watch (sendfile) keeps
 * its count until then: a fence of that inode waits for it (2 s at most).
 */
#ifndef SG_PENDING_H
#define SG_PENDING_H

#include <bpf/bpf_helpers.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_task.h"

static __always_inline void sg_give_back(struct sg_task *t)
{
	__u32 slot = t->write_slot - 1;
	__s64 *n;

	if (!t->write_slot)
		return;
	t->write_slot = 0;
	n = bpf_map_lookup_elem(&sg_write_pending, &slot);
	if (n)
		__sync_fetch_and_add(n, -1);
}

/* The task's record stays, reused in place by its next write (sg_task.h). */
static __always_inline void sg_write_done(struct sg_task *t)
{
	if (t)
		sg_give_back(t);
}

/* Counted before the seal check reads the seals, in the phase read
 * before the count: a fence that flipped the phase after the seal and
 * then read the old phase's count either sees this write, or this write's
 * check sees the seal. */
static __always_inline void sg_write_begin(struct sg_task *t, struct file *file, __u64 count)
{
	struct inode *inode = file->f_inode;
	__u32 idx, slot, *phase;
	__s64 *n;

	sg_give_back(t);
	if (!count || !inode || (inode->i_mode & S_IFMT) != S_IFREG)
		return;
	idx = SG_INFLIGHT_BUCKET(inode->i_ino);
	phase = bpf_map_lookup_elem(&sg_write_phase, &idx);
	if (!phase)
		return;
	slot = 2 * idx + (*phase & 1);
	n = bpf_map_lookup_elem(&sg_write_pending, &slot);
	if (!n)
		return;
	t->write_slot = slot + 1;
	__sync_fetch_and_add(n, 1);
}

static __always_inline void sg_write_task_exit(void)
{
	struct sg_task *t = sg_task(false);

	if (!t)
		return;
	sg_give_back(t);
	sg_task_forget();
}

#endif
