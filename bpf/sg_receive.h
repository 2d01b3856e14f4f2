/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files the daemon does not take from its clients.  The daemon serves
 * every client from one thread, and each request touches the client's
 * file (fstat, fstatfs, the fence's setxattr; even close() asks FUSE to
 * flush).  On a filesystem that a process or a network server answers
 * for, any of these waits for that server: a FUSE server that never
 * answers would hold the daemon, and every seal request behind it, for
 * good.  So such a file is refused when the daemon receives it
 * (security_file_receive, before the fd exists in the daemon), and the
 * daemon answers EOPNOTSUPP (user/daemon/server.c).  An overlay counts
 * by its real file's filesystem, which its getattr and statfs reach.
 */
#ifndef SG_RECEIVE_H
#define SG_RECEIVE_H

#include <bpf/bpf_core_read.h>
#include "sg_overlay.h"

#define SG_FUSE_SUPER_MAGIC	0x65735546 /* fuse, fuseblk, virtiofs */
#define SG_NFS_SUPER_MAGIC	0x6969
#define SG_SMB2_SUPER_MAGIC	0xfe534d42 /* smb3, cifs */
#define SG_CIFS_SUPER_MAGIC	0xff534d42
#define SG_V9FS_SUPER_MAGIC	0x01021997
#define SG_CEPH_SUPER_MAGIC	0x00c36400
#define SG_AFS_SUPER_MAGIC	0x5346414f
#define SG_CODA_SUPER_MAGIC	0x73757245
#define SG_ORANGEFS_SUPER_MAGIC 0x20030528

static __always_inline bool sg_magic_served(unsigned long magic)
{
	switch (magic) {
	case SG_FUSE_SUPER_MAGIC:
	case SG_NFS_SUPER_MAGIC:
	case SG_SMB2_SUPER_MAGIC:
	case SG_CIFS_SUPER_MAGIC:
	case SG_V9FS_SUPER_MAGIC:
	case SG_CEPH_SUPER_MAGIC:
	case SG_AFS_SUPER_MAGIC:
	case SG_CODA_SUPER_MAGIC:
	case SG_ORANGEFS_SUPER_MAGIC: return true;
	}
	return false;
}

/* Whether a file's operations may wait on a server process. */
static __always_inline bool sg_file_served(struct file *file)
{
	struct file *real;

	if (sg_magic_served(BPF_CORE_READ(file, f_inode, i_sb, s_magic)))
		return true;
	if (!sg_on_overlay(file->f_inode))
		return false;
	real = sg_overlay_real_file(file);
	return real && sg_magic_served(BPF_CORE_READ(real, f_inode, i_sb, s_magic));
}

#endif
