/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fence: a write checked before a seal must not land after it.
 *
 * The kernel checks a memfd's seals under the inode lock, in the write
 * itself; sealguard's check (file_permission) runs before the write takes
 * that lock, so a write that passed it just before a seal could still land
 * long after (since 6.8 splice waits for pipe data between the two).
 *
 * One security hook does run under the lock on the way to every write,
 * and to the fallocates that call file_modified (ext4; tmpfs's does not,
 * and the daemon waits for those in flight instead, sg_falloc_inflight):
 * file_remove_privs asks security_inode_need_killpriv whether file
 * capabilities must go, and fails the write with any error it returns.
 * It skips the question on an inode marked S_NOSEC ("nothing to remove"),
 * which tmpfs and most filesystems set after the first write.  After
 * sealing, the daemon clears that mark (user/daemon/fence.c: a setxattr of
 * security.* that changes nothing), which also takes and drops the inode
 * lock, waiting out any write already inside it.  Every write that takes
 * the lock after that comes here, and is judged by the seals now in force
 * and the record its rw_verify_area or vfs_fallocate left.
 *
 * BPF LSM programs may not attach to inode_need_killpriv since 6.9, so
 * this is an fmod_ret program on security_inode_need_killpriv (allowed
 * on every security_ function since 5.7), which also runs before the
 * capability module's answer.  Tracing programs cannot read inode
 * storage: the seals come from the registry (sg_sealed), which the daemon
 * writes before it fences.
 *
 * The function is also called outside the lock (do_truncate, whose size
 * change inode_setattr judges under the lock) and under it for chown
 * (notify_change; no seal forbids chown): only the lock's holder is
 * judged, and chown marks itself through path_chown.
 */
#ifndef SG_FENCE_H
#define SG_FENCE_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_task.h"
#include "sg_evict.h"
#include "sg_rules.h"

/* rw_semaphore.owner: the writer's task_struct, low bits flags (bit 0:
 * owned by readers); 5.10 to 6.12. */
#define SG_RWSEM_READER_OWNED 1UL
#define SG_RWSEM_FLAG_BITS    7UL

static __always_inline bool sg_locked_by_me(struct inode *inode)
{
	unsigned long owner = BPF_CORE_READ(inode, i_rwsem.owner.counter);

	return !(owner & SG_RWSEM_READER_OWNED) &&
	       (owner & ~SG_RWSEM_FLAG_BITS) == (unsigned long)bpf_get_current_task();
}

static __always_inline __u32 sg_registry_seals(struct inode *inode)
{
	struct sg_sealed_rec *rec;
	struct sg_file_key key;

	sg_inode_key(inode, &key);
	rec = sg_registry_lookup(inode, &key);
	return rec ? rec->seals : 0;
}

/* The write or fallocate holding inode's lock, judged by the seals in
 * force now unless its check already saw all of them. */
static __always_inline int sg_fence_check(struct dentry *dentry, struct inode *inode)
{
	__u32 seals, f_flags = 0, op = SG_EV_WRITE;
	struct sg_task *t;
	struct sg_access *rec, acc = {};
	bool measured = false;
	int r;

	if (!sg_locked_by_me(inode))
		return 0;
	seals = sg_registry_seals(inode);
	if (!(seals & SG_SEALS_WRITE_PATH))
		return 0;
	t = sg_task(false);
	rec = t ? &t->access : NULL;
	if (rec) {
		acc = *rec;
		if (acc.kind == SG_ACCESS_CHOWN)
			return 0;
		if ((acc.kind == SG_ACCESS_RW || acc.kind == SG_ACCESS_FALLOCATE) && acc.file) {
			struct file *file = (struct file *)acc.file;

			measured = BPF_CORE_READ(file, f_inode) == inode;
			if (measured)
				f_flags = BPF_CORE_READ(file, f_flags);
		}
	}
	/* tmpfs asks here after its fallocate is done (6.1+) and ignores the
	 * answer: a refusal changes nothing but leaves S_NOSEC clear, where
	 * letting it through would set it again (sg_pending.h), and the
	 * daemon has waited for the fallocates checked before the seal. */
	if (measured && acc.kind == SG_ACCESS_FALLOCATE && BPF_CORE_READ(inode, i_sb, s_magic) == TMPFS_MAGIC)
		return -EPERM;
	/* Without a record (lost, or a path that keeps none) it is let
	 * through: file_permission refused what it could not measure. */
	if (!measured || (acc.checked && !(seals & SG_SEALS_WRITE_PATH & ~acc.checked)))
		return 0;
	if (acc.kind == SG_ACCESS_FALLOCATE)
		op = SG_EV_FALLOCATE;
	r = sg_judge_write(dentry, f_flags, inode, &seals, &acc, op);
	if (r)
		return r;
	if (rec)
		rec->checked = SG_ACCESS_CHECKED | seals;
	return 0;
}

/* Marks the task's chown, whichever inode it reaches the hook with (an
 * overlay's chown asks for the real one). */
static __always_inline void sg_note_chown(struct inode *inode)
{
	struct sg_access a = { .file = (__u64)inode, .kind = SG_ACCESS_CHOWN };
	struct sg_task *t = sg_task(true);

	if (t)
		t->access = a;
}

#endif
