/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Adding seals, as memfd_add_seals() does, run inside the kernel from the
 * daemon's SG_IOC_* ioctl on the requester's own struct file.
 *
 * WRITE has no window for a new writable shared mapping: the seal is
 * published first (so mmap_file refuses new ones), then the seal waits
 * until every writable mmap that passed mmap_file earlier has been counted
 * in i_mmap_writable (its inflight bucket drains), and only then trusts
 * that counter.  mmap_file increments the bucket before it reads the seals,
 * and this code publishes before it reads the bucket; both sides order the
 * two with a locked (full-barrier) atomic, so one of them always sees the
 * other.
 */
#ifndef SG_ADD_H
#define SG_ADD_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_key.h"
#include "sg_compat.h"
#include "sg_live.h"
#include "sg_core.h"

static __always_inline __s64 *sg_inflight_bucket(struct inode *inode)
{
	__u32 idx = SG_INFLIGHT_BUCKET(inode->i_ino);

	return bpf_map_lookup_elem(&sg_inflight, &idx);
}

static __always_inline int sg_confirm_write(struct file *file, struct sg_inode *st)
{
	struct inode *inode = file->f_inode;
	__s64 *bucket = sg_inflight_bucket(inode), *live = sg_live_counter();
	int writable;
	__u32 seals;

	if (!bucket)
		return -EINVAL;
	/* Full barrier: the published seal is visible before we look. */
	sg_barrier_on(bucket);
	if (*(volatile __s64 *)bucket > 0)
		return -SG_IOC_PENDING_ERRNO;

	writable = BPF_CORE_READ(file, f_mapping, i_mmap_writable.counter);

	if (!sg_lock(st))
		return -SG_IOC_RETRY_ERRNO;
	if (!st->pending) {
		seals = st->seals;
		sg_unlock(st);
		return -SG_IOC_SEALS_ERRNO(seals);
	}
	st->pending = 0;
	if (writable > 0) {
		sg_live_note(live, st->seals, st->revert);
		st->seals = st->revert;
		sg_unlock(st);
		return -EBUSY;
	}
	seals = st->seals;
	sg_unlock(st);
	return -SG_IOC_SEALS_ERRNO(seals);
}

static __always_inline int sg_add(struct file *file, __u32 add)
{
	struct inode *inode = file->f_inode;
	__s64 *live = sg_live_counter();
	struct sg_inode *st;
	bool exec_bits, pending;
	__u32 seals;

	/* memfd_add_seals: the fd check comes before the bit check. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EPERM;
	/* The write path leaves other files at once (sg_unsealable). */
	if (sg_unsealable(file))
		return -EINVAL;
	/* A btrfs file the programs cannot tell from another subvolume's. */
	if (sg_key_ambiguous(inode))
		return -EOPNOTSUPP;
	if (add & ~SG_SEAL_ALL)
		return -EINVAL;

	/* Evicted seals first, or fresh storage would hide them; another
	 * filesystem's left under this key go (sg_evict.h). */
	sg_seals_of(inode);
	sg_drop_foreign_evicted(inode);
	st = bpf_inode_storage_get(&sg_inodes, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st)
		return -ENOMEM;

	/* EXEC on an executable file implies W^X from the start (6.3+). */
	exec_bits = inode->i_mode & 0111;
	if ((add & SG_SEAL_EXEC) && exec_bits)
		add |= SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE | SG_SEAL_FUTURE_WRITE;

	if (!sg_lock(st))
		return -SG_IOC_RETRY_ERRNO;
	pending = st->pending;
	/* While a WRITE is pending, what is committed is st->revert. */
	if ((pending ? st->revert : st->seals) & SG_SEAL_SEAL) {
		sg_unlock(st);
		return -EPERM;
	}
	if (!pending && (add & SG_SEAL_WRITE) && !(st->seals & SG_SEAL_WRITE)) {
		st->revert = st->seals;
		st->pending = 1;
		pending = true;
	} else if (pending && !(add & SG_SEAL_WRITE)) {
		/* Joins a WRITE that a crashed daemon left pending; these
		 * bits stay even if that WRITE ends in EBUSY. */
		st->revert |= add;
	}
	sg_live_note(live, st->seals, st->seals | add);
	st->seals |= add;
	seals = st->seals;
	sg_unlock(st);

	/* A pending WRITE (this one, or one a crashed daemon left) must be
	 * settled before anything else is decided for this inode. */
	if (pending)
		return sg_confirm_write(file, st);
	return -SG_IOC_SEALS_ERRNO(seals);
}

static __always_inline int sg_abort(struct file *file)
{
	struct sg_inode *st = sg_lookup(file->f_inode);
	__s64 *live = sg_live_counter();

	if (!st)
		return -EINVAL;
	if (!sg_lock(st))
		return -SG_IOC_RETRY_ERRNO;
	if (st->pending) {
		st->pending = 0;
		sg_live_note(live, st->seals, st->revert);
		st->seals = st->revert;
	}
	sg_unlock(st);
	return -SG_IOC_DONE_ERRNO;
}

#endif
