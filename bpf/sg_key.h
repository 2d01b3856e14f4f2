/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The identity of a file in every map keyed by device and inode number
 * (the registry, evicted seals, rate limits, kernel rules): the device
 * number stat() reports, not always the superblock's.
 *
 * On btrfs every subvolume numbers its inodes from 256 on, under one
 * superblock: keyed by the superblock's device, the first file of one
 * subvolume was the first file of every other, and a file of one took,
 * or dropped, another's registry entry and evicted seals.  btrfs gives
 * each subvolume its own anonymous device, which is what stat() reports
 * (btrfs_getattr: the subvolume root's anon_dev), so the key uses it, and
 * the daemon's stat() and the programs agree.  Those numbers are handed
 * out as the subvolumes are first read, so they are not the same across
 * mounts: evicted seals also carry the subvolume (sg_evict.h, sg_fs_tag).
 *
 * The btrfs types come from the btrfs module's BTF, if the module is
 * loaded before the programs are (no module BTF before 5.11).  Without
 * them a btrfs file cannot be told from another subvolume's: it cannot be
 * sealed (EOPNOTSUPP, sg_key_ambiguous), rather than be sealed under a key
 * another file shares.  docs/threat-model.md, "Identity keys".
 */
#ifndef SG_KEY_H
#define SG_KEY_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"

#define BTRFS_SUPER_MAGIC      0x9123683E
#define BTRFS_FS_TREE_OBJECTID 5ULL

struct btrfs_key___sg {
	__u64 objectid;
} __attribute__((preserve_access_index));

struct btrfs_root___sg {
	struct btrfs_key___sg root_key;
	dev_t anon_dev;
} __attribute__((preserve_access_index));

struct btrfs_inode___sg {
	struct btrfs_root___sg *root;
	struct inode vfs_inode;
} __attribute__((preserve_access_index));

static __always_inline bool sg_on_btrfs(struct inode *inode)
{
	return BPF_CORE_READ(inode, i_sb, s_magic) == BTRFS_SUPER_MAGIC;
}

/* A btrfs inode's subvolume: its device in the upper half, its id in the
 * lower (0 for the top-level subvolume); 0 for any other inode.  The
 * inode comes as a plain address.  A global function, verified once per
 * program, not at every key and report (docs/design.md, "What the
 * verifier walks"). */
__noinline __u64 sg_btrfs_ids(__u64 addr)
{
	struct inode *inode = (struct inode *)addr;
	struct btrfs_inode___sg *bi;
	struct btrfs_root___sg *root;
	__u64 id;
	__u32 dev;

	if (!bpf_core_type_exists(struct btrfs_inode___sg) || !addr ||
	    BPF_CORE_READ(inode, i_sb, s_magic) != BTRFS_SUPER_MAGIC)
		return 0;
	bi = (struct btrfs_inode___sg *)(addr - bpf_core_field_offset(struct btrfs_inode___sg, vfs_inode));
	root = BPF_CORE_READ(bi, root);
	if (!root)
		return 0;
	dev = BPF_CORE_READ(root, anon_dev);
	id = BPF_CORE_READ(root, root_key.objectid);
	return (__u64)dev << 32 | (id == BTRFS_FS_TREE_OBJECTID ? 0 : (__u32)id);
}

/* The inode's address as a plain number (i_mapping->host is the inode
 * itself), for sg_btrfs_ids. */
static __always_inline __u64 sg_btrfs_ids_of(struct inode *inode)
{
	if (!bpf_core_type_exists(struct btrfs_inode___sg))
		return 0;
	return sg_btrfs_ids((__u64)BPF_CORE_READ(inode, i_mapping, host));
}

/* A btrfs file whose subvolume the programs cannot read. */
static __always_inline bool sg_key_ambiguous(struct inode *inode)
{
	return !bpf_core_type_exists(struct btrfs_inode___sg) && sg_on_btrfs(inode);
}

/* The subvolume's id for the evicted seals' tag: 0 outside btrfs and for
 * the top-level subvolume (entries kept before it carry none). */
static __always_inline __u64 sg_subvolume_id(struct inode *inode)
{
	return (__u32)sg_btrfs_ids_of(inode);
}

/* The device number stat() reports for inode. */
static __always_inline __u32 sg_inode_dev(struct inode *inode)
{
	__u32 dev = sg_btrfs_ids_of(inode) >> 32;

	return dev ? dev : BPF_CORE_READ(inode, i_sb, s_dev);
}

static __always_inline void sg_file_key(__u32 dev, __u64 ino, struct sg_file_key *key)
{
	key->dev_major = dev >> SG_MINORBITS;
	key->dev_minor = dev & ((1u << SG_MINORBITS) - 1);
	key->ino = ino;
}

static __always_inline void sg_inode_key(struct inode *inode, struct sg_file_key *key)
{
	sg_file_key(sg_inode_dev(inode), BPF_CORE_READ(inode, i_ino), key);
}

#endif
