/* SPDX-License-Identifier: GPL-2.0 */
/* UAPI and kernel-internal constants that vmlinux.h cannot carry (macros). */
#ifndef SG_DEFS_H
#define SG_DEFS_H

#define EPERM			 1
#define EAGAIN			 11
#define ENOMEM			 12
#define ENOSPC			 28
#define EACCES			 13
#define EFAULT			 14
#define EBUSY			 16
#define EINVAL			 22
#define EOPNOTSUPP		 95
#define EDQUOT			 122

#define WRITE			 1 /* rw_verify_area read_write */
#define MAY_WRITE		 0x00000002
#define FMODE_WRITE		 0x2
#define O_APPEND		 00002000
#define F_SETFL			 4
#define RWF_APPEND		 0x00000010

#define PROT_WRITE		 0x2
#define MAP_SHARED		 0x01
#define MAP_SHARED_VALIDATE	 0x03
#define MAP_TYPE		 0x0f
#define VM_WRITE		 0x00000002
#define VM_SHARED		 0x00000008

#define ATTR_MODE		 (1 << 0)
#define ATTR_SIZE		 (1 << 3)

#define FALLOC_FL_KEEP_SIZE	 0x01
#define FALLOC_FL_PUNCH_HOLE	 0x02
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#define FALLOC_FL_ZERO_RANGE	 0x10
#define FALLOC_FL_INSERT_RANGE	 0x20
#define FALLOC_FL_UNSHARE_RANGE	 0x40
#define SG_S64_MAX		 0x7fffffffffffffffLL

/* The modes sg_check_fallocate() knows; any other is refused under a seal. */
#define SG_FALLOC_KNOWN                                                                                 \
	(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | \
	 FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)

#define MADV_REMOVE	9

#define TMPFS_MAGIC	0x01021994
#define HUGETLBFS_MAGIC 0x958458f6

#define SG_MINORBITS	20 /* kernel dev_t: major << 20 | minor */

#define S_IFMT		00170000
#define S_IFREG		0100000

#endif
