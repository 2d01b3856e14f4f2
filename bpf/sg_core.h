/* SPDX-License-Identifier: GPL-2.0 */
/*
 * General helpers every part uses: the one reading of sg_config, whether
 * the caller is the daemon, an inode's seals, the LSM return check.  The
 * decisions are in sg_rules.h, the maps in sg_maps.h.
 */
#ifndef SG_CORE_H
#define SG_CORE_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_evict.h"

#define READ_ONCE_U32(x) (*(volatile __u32 *)&(x))

/*
 * Every computed LSM return goes through here.  Since 6.x the verifier
 * insists on [-MAX_ERRNO, 0] but does not track BPF_NEG, which clang emits
 * for branchless "cond ? -EPERM : 0"; hiding the value from the compiler
 * forces real comparisons the verifier can follow.
 */
static __always_inline int sg_verdict(int r)
{
	long v = r; /* widened first: the register compared is the one returned */

	asm volatile("" : "+r"(v));
	if (v < -4095 || v > 0)
		return -EPERM;
	return (int)v;
}

/* The daemon's settings (struct sg_config), written by the daemon. */
static __always_inline struct sg_config *sg_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_config, &zero);
}

/* The caller is the registered daemon process (for the tamper guard's
 * wider "the daemon", see sg_guard.h). */
static __always_inline bool sg_from_daemon(void)
{
	struct sg_config *cfg = sg_cfg();

	return cfg && cfg->daemon_tgid && cfg->daemon_tgid == (bpf_get_current_pid_tgid() >> 32);
}

/* Pipes, sockets, ttys, devices: seals are only ever added to regular
 * files (the daemon's requests, apply rules and sg_add.h check), so
 * their writes leave the write path's programs at once. */
static __always_inline bool sg_unsealable(struct file *file)
{
	return (file->f_inode->i_mode & S_IFMT) != S_IFREG;
}

static __always_inline struct sg_inode *sg_lookup(struct inode *inode)
{
	return bpf_inode_storage_get(&sg_inodes, inode, 0, 0);
}

/* The seals in force on inode; those it had when it was evicted are
 * put back first (sg_evict.h). */
static __always_inline __u32 sg_seals_of(struct inode *inode)
{
	struct sg_inode *st = sg_lookup(inode);

	if (st)
		return READ_ONCE_U32(st->seals);
	return sg_evicted_any() ? sg_reinstate(inode) : 0;
}

/* The same, and in *audit the seals apply rules in audit mode would have
 * added (sg_krules.h), from the same lookup: a hook that reports audit
 * refusals pays one more load and branch. */
static __always_inline __u32 sg_seals_audit_of(struct inode *inode, __u32 *audit)
{
	struct sg_inode *st = sg_lookup(inode);

	*audit = 0;
	if (st) {
		*audit = READ_ONCE_U32(st->audit);
		return READ_ONCE_U32(st->seals);
	}
	return sg_evicted_any() ? sg_reinstate(inode) : 0;
}

static __always_inline bool sg_fs_is_shmem(struct inode *inode)
{
	unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);

	return magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC;
}

#endif
