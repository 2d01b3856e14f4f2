/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decisions, one helper per native check.  Each mirrors the kernel
 * code named in its comment, so a sealed file answers with the errno a
 * natively sealed memfd gives (see ../shared/seal-semantics.md).
 */
#ifndef SG_RULES_H
#define SG_RULES_H

#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_core.h"
#include "sg_krules.h"
#include "sg_report.h"

/* The seals a write-permission check (write family, fallocate) can refuse for. */
#define SG_SEALS_WRITE_PATH (SG_SEAL_ANY_WRITE | SG_SEAL_GROW | SG_SEAL_SHRINK)

/* shmem_write_begin: WRITE/FUTURE_WRITE refuse every write; GROW refuses
 * one that would extend the file.  An empty write never reaches
 * write_begin (generic_write_checks returns 0 first). */
static __always_inline int sg_check_rw(__u32 f_flags, struct inode *inode, __u32 seals, struct sg_access *acc)
{
	__s64 size;

	if (acc->len == 0)
		return 0;
	if (seals & SG_SEAL_ANY_WRITE)
		return -EPERM;
	if (!(seals & SG_SEAL_GROW))
		return 0;
	if ((f_flags & O_APPEND) || (acc->mode & RWF_APPEND) || acc->pos < 0)
		return -EPERM;
	/* An end past the largest offset wraps: it grows, whatever it says. */
	if (acc->len > (__u64)SG_S64_MAX - (__u64)acc->pos)
		return -EPERM;
	size = inode->i_size;
	/* Natively a write crossing EOF after a page boundary is cut
	 * short; a hook can only refuse it whole (docs/semantics.md: divergences). */
	if (acc->pos + (__s64)acc->len > size)
		return -EPERM;
	return 0;
}

/* shmem_fallocate for tmpfs/hugetlbfs.  Other filesystems by an
 * allow-list: under WRITE or FUTURE_WRITE only a plain allocation (mode 0
 * or KEEP_SIZE) leaves the content as it was, and a mode this code does not
 * know (FALLOC_FL_WRITE_ZEROES came in 6.17; whatever comes next) is
 * refused under every seal, since it may change content or size. */
static __always_inline int sg_check_fallocate(struct inode *inode, __u32 seals, struct sg_access *acc)
{
	__u32 mode = acc->mode;
	__s64 end = acc->pos + (__s64)acc->len;
	bool grows = end > inode->i_size || acc->pos < 0 || acc->len > (__u64)SG_S64_MAX - (__u64)acc->pos;

	if (sg_fs_is_shmem(inode)) {
		/* The filesystem answers EOPNOTSUPP itself for other modes. */
		if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
			return 0;
		if (mode & FALLOC_FL_PUNCH_HOLE) {
			if (!(seals & SG_SEAL_ANY_WRITE))
				return 0;
			return (acc->flags & SG_ACCESS_F_MADV_RO) ? -EACCES : -EPERM;
		}
		return ((seals & SG_SEAL_GROW) && grows) ? -EPERM : 0;
	}
	if (mode & ~SG_FALLOC_KNOWN)
		return -EPERM;
	if ((mode & ~FALLOC_FL_KEEP_SIZE) && (seals & SG_SEAL_ANY_WRITE))
		return -EPERM;
	if ((mode & FALLOC_FL_COLLAPSE_RANGE) && (seals & SG_SEAL_SHRINK))
		return -EPERM;
	if ((mode & FALLOC_FL_INSERT_RANGE) && (seals & SG_SEAL_GROW))
		return -EPERM;
	if (!(mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) &&
	    (seals & SG_SEAL_GROW) && grows)
		return -EPERM;
	return 0;
}

/* The decision for one write-permission check, given what the fentry
 * programs recorded about it (NULL: nothing, a path we cannot measure --
 * FICLONE, FIDEDUPERANGE, XFS_IOC_EXCHANGE_RANGE ask through
 * remap_verify_area -- where whatever might change the file, its size
 * either way included, is refused). */
static __always_inline int sg_check_write(__u32 f_flags, struct inode *inode, __u32 seals, struct sg_access *acc)
{
	if (!(seals & SG_SEALS_WRITE_PATH))
		return 0;
	if (!acc)
		return -EPERM;
	if (acc->kind == SG_ACCESS_FALLOCATE)
		return sg_check_fallocate(inode, seals, acc);
	return sg_check_rw(f_flags, inode, seals, acc);
}

/* The decision for one write-permission check by *seals: sg_check_write;
 * if that refuses, the seals exempt rules take off this task (read only on
 * the way to a refusal) are dropped and the check made again.  *seals is
 * left with the seals the write was judged by. */
static __always_inline int sg_decide_write(struct dentry *dentry, __u32 f_flags, struct inode *inode, __u32 *seals,
					   struct sg_access *acc)
{
	__u32 exempt;
	int r;

	r = sg_check_write(f_flags, inode, *seals, acc);
	if (r && (exempt = sg_exempt_seals(dentry, inode) & *seals)) {
		*seals &= ~exempt;
		r = sg_check_write(f_flags, inode, *seals, acc);
	}
	return r;
}

/* The answer to one write-permission check (file_permission, and the
 * fence under the inode lock): sg_decide_write by the seals in force; a
 * refusal is reported (op: SG_EV_WRITE or SG_EV_FALLOCATE). */
static __always_inline int sg_judge_write(struct dentry *dentry, __u32 f_flags, struct inode *inode, __u32 *seals,
					  struct sg_access *acc, __u32 op)
{
	int r = sg_decide_write(dentry, f_flags, inode, seals, acc);

	return r ? sg_refuse(inode, *seals, op, r) : 0;
}

/* A write the seals in force allowed, judged again with the audit seals
 * (sg_krules.h, sg_kaudit): what they would have refused is reported as an
 * audit event, and the write goes on. */
static __always_inline void sg_audit_write(struct dentry *dentry, __u32 f_flags, struct inode *inode, __u32 seals,
					   __u32 audit, struct sg_access *acc, __u32 op)
{
	__u32 all = seals | audit;
	int r;

	if (!(audit & ~seals & SG_SEALS_WRITE_PATH))
		return;
	r = sg_decide_write(dentry, f_flags, inode, &all, acc);
	if (r)
		sg_report_audit(inode, seals | audit, op, r, -1);
}

#endif
