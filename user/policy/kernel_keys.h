/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The (device, inode) pairs under which the kernel sees the file a path
 * names, for rules that name executables and paths: stat's, and on
 * overlayfs also the overlay superblock's device, which stat does not
 * report for files (docs/design.md, "Rules on overlayfs").
 */
#ifndef SG_KERNEL_KEYS_H
#define SG_KERNEL_KEYS_H

#include <linux/types.h>
#include <stddef.h>

#define SG_KKEYS_MAX 4

struct sg_kkey {
	__u64 dev; /* the kernel's encoding: major << 20 | minor */
	__u64 ino;
};

struct sg_kkeys {
	struct sg_kkey k[SG_KKEYS_MAX];
	size_t n;
};

/* Adds key to keys unless there already or full: true if added. */
int sg_kkeys_add(struct sg_kkeys *keys, __u64 dev, __u64 ino);

/*
 * Fills keys for the file at path, open as fd (O_PATH is enough): 0, or
 * -errno (the path cannot be read; keys then holds nothing).
 */
int sg_kernel_keys(int fd, struct sg_kkeys *keys);

#endif
