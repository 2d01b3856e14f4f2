// SPDX-License-Identifier: GPL-2.0
/*
 * What the kernel sees of a path, explained in docs/design.md ("Rules on
 * overlayfs").  A file on overlayfs has the overlay's inode in the kernel
 * (mm->exe_file, the dentries a file's path walks up), whose device is the
 * overlay superblock's; stat reports, for a file that is not a directory,
 * the layer's device or a per-layer pseudo device instead, with the same
 * inode number.  The superblock's device is the mount's, from mountinfo.
 */
#include "kernel_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#ifndef OVERLAYFS_SUPER_MAGIC
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#endif

static __u64 kdev(unsigned int maj, unsigned int min)
{
	return ((__u64)maj << 20) | min; /* the kernel's dev_t */
}

int sg_kkeys_add(struct sg_kkeys *keys, __u64 dev, __u64 ino)
{
	for (size_t i = 0; i < keys->n; i++)
		if (keys->k[i].dev == dev && keys->k[i].ino == ino)
			return 0;
	if (keys->n == SG_KKEYS_MAX)
		return 0;
	keys->k[keys->n++] = (struct sg_kkey){ .dev = dev, .ino = ino };
	return 1;
}

/* The device of the superblock of mount mnt_id: 0, or -errno. */
static int mount_dev(__u64 mnt_id, __u64 *dev)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long id;
		unsigned int maj, min;

		/* "36 35 98:0 /mnt1 /mnt2 ..." (proc(5)) */
		if (sscanf(line, "%llu %*u %u:%u ", &id, &maj, &min) == 3 && id == mnt_id) {
			*dev = kdev(maj, min);
			r = 0;
			break;
		}
	}
	free(line);
	fclose(f);
	return r;
}

int sg_kernel_keys(int fd, struct sg_kkeys *keys)
{
	struct statx stx;
	struct statfs sfs;
	__u64 dev = 0;

	memset(keys, 0, sizeof(*keys));
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_INO | STATX_MNT_ID, &stx) < 0)
		return -errno;
	sg_kkeys_add(keys, kdev(stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino);
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != OVERLAYFS_SUPER_MAGIC)
		return 0;
	/* STATX_MNT_ID: 5.8 and later, every kernel sealguard runs on. */
	if (!(stx.stx_mask & STATX_MNT_ID) || mount_dev(stx.stx_mnt_id, &dev) < 0)
		return 0; /* stat's key alone: a rule that may not match, logged by the caller */
	sg_kkeys_add(keys, dev, stx.stx_ino);
	return 0;
}
