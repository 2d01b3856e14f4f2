/* SPDX-License-Identifier: GPL-2.0 */
/*
 * overlayfs: a file reached through an overlay has two inodes, the
 * overlay's (what stat, open and mmap see) and the real one in the upper
 * or lower layer (what reads, writes, truncates and the mapping's pages
 * go to).  A seal must hold whichever of them it was added to, and
 * whichever path reaches the file.
 *
 *  - Overlay to real: the overlay opens a "backing" file on the real inode
 *    every time its file is opened; file_open sees that open, finds the
 *    overlay inode it is for, and gives the real inode the overlay inode's
 *    seals.  (The daemon reopens a file it sealed through an overlay, so
 *    that this happens at once.)
 *  - Real to overlay: writes through the overlay reach the backing file,
 *    whose checks see the real inode's seals; a new mapping is only checked
 *    on the overlay's file, so the mmap check also reads the seals of the
 *    real file behind it.
 *
 * Both directions read the other inode through plain pointers, which
 * inode storage cannot take, so its seals come from the registry (every
 * seal is recorded there), as for loop devices.
 */
#ifndef SG_OVERLAY_H
#define SG_OVERLAY_H

#define OVERLAYFS_SUPER_MAGIC 0x794c7630
/* FMODE_BACKING from 6.5 to 6.13 (1 << 24 since); a wrong guess can only
 * miss: the overlay inode found must also be on an overlay. */
#define SG_FMODE_BACKING (1u << 25)

/* Since 6.5 a backing file keeps the overlay's path beside the file;
 * before, the backing file's own f_path was the overlay's. */
struct backing_file___sg {
	struct file file;
	struct path user_path;
} __attribute__((preserve_access_index));

/* The overlay inode a backing file was opened for, or NULL. */
static __always_inline struct inode *sg_backing_user_inode(struct file *file)
{
	struct inode *user;

	/* Every open passes here: plain BTF loads first, probe reads only
	 * for a backing file. */
	if (bpf_core_type_exists(struct backing_file___sg)) {
		if (!(file->f_mode & SG_FMODE_BACKING))
			return NULL;
		user = BPF_CORE_READ((struct backing_file___sg *)file, user_path.dentry, d_inode);
	} else {
		user = file->f_path.dentry->d_inode;
	}
	if (!user || user == file->f_inode || BPF_CORE_READ(user, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return NULL;
	return user;
}

/* file_open of a backing file: the real inode gains the overlay's seals. */
static __always_inline void sg_overlay_open(struct file *file)
{
	struct inode *real = file->f_inode, *user = sg_backing_user_inode(file);
	struct sg_sealed_rec *rec;
	struct sg_file_key key;
	__u32 seals;

	if (!user)
		return;
	sg_inode_key(user, &key);
	rec = bpf_map_lookup_elem(&sg_sealed, &key);
	if (!rec)
		return;
	seals = rec->seals;
	if (!seals || (sg_seals_of(real) & seals) == seals)
		return;
	sg_apply_to(real, seals);
	sg_inode_key(real, &key);
	sg_register_key(file, &key, sg_seals_of(real), rec);
}

/* The seals of the real file behind an overlay file (its private_data up
 * to 6.13), for the checks that only see the overlay's file. */
static __always_inline __u32 sg_overlay_real_seals(struct file *file)
{
	struct sg_sealed_rec *rec;
	struct sg_file_key key;
	struct file *real;

	if (file->f_inode->i_sb->s_magic != OVERLAYFS_SUPER_MAGIC)
		return 0;
	real = BPF_CORE_READ(file, private_data);
	if (!real)
		return 0;
	sg_file_key(BPF_CORE_READ(real, f_inode, i_sb, s_dev), BPF_CORE_READ(real, f_inode, i_ino), &key);
	rec = bpf_map_lookup_elem(&sg_sealed, &key);
	return rec ? rec->seals : 0;
}

#endif
