/* SPDX-License-Identifier: GPL-2.0 */
/*
 * overlayfs: a file reached through an overlay has two inodes, the
 * overlay's (what stat, open and mmap see) and the real one in the upper
 * or lower layer (what reads, writes, truncates and the mapping's pages
 * go to).  A seal must hold whichever of them it was added to, and
 * whichever path reaches the file.
 *
 *  - Overlay to real: the overlay opens a "backing" file on the real inode
 *    every time its file is opened; file_open sees that open, learns which
 *    overlay inode it is for, and gives the real inode the overlay inode's
 *    seals.  (The daemon reopens a file it sealed through an overlay, so
 *    that this happens at once.)  Since 6.6 the overlay inode comes from
 *    the call that opens it, backing_file_open() or backing_tmpfile_open():
 *    its entry notes the overlay inode in the task's storage, the
 *    file_open inside it takes the note, its return drops it.  Nothing is
 *    read from f_mode, whose FMODE_BACKING bit moved (and moved in stable
 *    backports: 6.12.118 has it at bit 24, 6.12.95 at 25).  Before, the
 *    backing file's own f_path was the overlay's (open_with_fake_path).
 *  - Real to overlay: writes through the overlay reach the backing file,
 *    whose checks see the real inode's seals; but a new mapping, and a
 *    splice or sendfile (whose backing_file_splice_write calls the real
 *    file's ->splice_write without rw_verify_area, 6.12+), are only checked
 *    on the overlay's file, so those checks also read the seals of the
 *    real file behind it (sg_overlay_real_seals).
 *
 * Both directions read the other inode through plain pointers, which
 * inode storage cannot take, so its seals come from the registry (every
 * seal is recorded there), as for loop devices.
 */
#ifndef SG_OVERLAY_H
#define SG_OVERLAY_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_key.h"
#include "sg_evict.h"
#include "sg_core.h"
#include "sg_krules.h"
#include "sg_report.h"

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* Since 6.5 a backing file keeps the overlay's path beside the file
 * (inside an anonymous union since 6.18); before, the backing file's own
 * f_path was the overlay's. */
struct backing_file___sg {
	struct file file;
	struct path user_path;
} __attribute__((preserve_access_index));

/* The path a backing file was opened for (the overlay's), as recorded in
 * the backing file itself. */
static __always_inline struct dentry *sg_backing_user_dentry(struct file *backing)
{
	if (bpf_core_type_exists(struct backing_file___sg))
		return BPF_CORE_READ((struct backing_file___sg *)backing, user_path.dentry);
	return BPF_CORE_READ(backing, f_path.dentry);
}

static __always_inline bool sg_on_overlay(struct inode *inode)
{
	return inode && BPF_CORE_READ(inode, i_sb, s_magic) == OVERLAYFS_SUPER_MAGIC;
}

/* The real inode gains the seals the registry holds for the overlay
 * inode user (key ukey): 0, or -ENOSPC when the real file cannot be
 * listed in the registry, for its open to be refused rather than go
 * unsealed. */
static __always_inline int sg_overlay_give(struct file *file, struct inode *user, const struct sg_file_key *ukey)
{
	struct inode *real = file->f_inode;
	struct sg_sealed_rec *rec;
	struct sg_file_key key;
	__u32 seals;
	int err;

	rec = sg_registry_lookup(user, ukey);
	if (!rec)
		return 0;
	seals = rec->seals;
	if (!seals || (sg_seals_of(real) & seals) == seals)
		return 0;
	sg_inode_key(real, &key);
	err = sg_register_key(file, &key, sg_seals_of(real), rec);
	if (err)
		return sg_refuse(real, seals, SG_EV_REGISTRY_FULL,
				 err == -EDQUOT || err == -EOPNOTSUPP ? err : -ENOSPC);
	sg_apply_to(real, seals);
	sg_register_key(file, &key, sg_seals_of(real), rec);
	return 0;
}

/* Up to 6.4: file_open of a file whose f_path is an overlay's but whose
 * inode is not (open_with_fake_path). */
static __always_inline int sg_overlay_open_fake_path(struct file *file)
{
	struct inode *user = file->f_path.dentry->d_inode;
	struct sg_file_key key;

	if (bpf_core_type_exists(struct backing_file___sg))
		return 0; /* sg_file_open_backing's */
	if (!user || user == file->f_inode || !sg_on_overlay(user))
		return 0;
	sg_inode_key(user, &key);
	return sg_overlay_give(file, user, &key);
}

/* Entry of backing_file_open(user_path or user_file, ...): note which
 * overlay inode the backing file about to be opened is for.  Its first
 * argument was the overlay's path up to 6.18 and is the overlay's file
 * since (7.x, and 6.12.118 by backport); the loader picks the program
 * that matches the kernel's BTF. */
static __always_inline void sg_backing_arm(struct inode *user)
{
	struct sg_backing_open *b;

	if (!sg_on_overlay(user))
		return;
	b = bpf_task_storage_get(&sg_backing_opens, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!b)
		return;
	sg_inode_key(user, &b->user);
	b->armed = 1;
}

/* Its return, on every path: a note not taken is dropped. */
static __always_inline void sg_backing_disarm(void)
{
	struct sg_backing_open *b = bpf_task_storage_get(&sg_backing_opens, bpf_get_current_task_btf(), 0, 0);

	if (b)
		b->armed = 0;
}

/* file_open inside it: the first open after the note is the backing
 * file's (vfs_open checks it before the real filesystem's ->open runs, so
 * an overlay stacked on an overlay takes its own note after this one). */
static __always_inline int sg_backing_open(struct file *file)
{
	struct sg_backing_open *b = bpf_task_storage_get(&sg_backing_opens, bpf_get_current_task_btf(), 0, 0);
	struct sg_file_key user;

	if (!b || !b->armed)
		return 0;
	b->armed = 0;
	user = b->user;
	return sg_overlay_give(file, BPF_CORE_READ(sg_backing_user_dentry(file), d_inode), &user);
}

/* The real file behind an overlay file: the overlay's private_data, which
 * is the real file up to 6.12 and a struct ovl_file whose first member is
 * the real file since 6.13 (a module's type, not in vmlinux BTF).  Each
 * reading is trusted only if the file found is a backing file opened for
 * this very overlay path. */
static __always_inline struct file *sg_overlay_real_file(struct file *file)
{
	struct dentry *user = file->f_path.dentry;
	void *priv = BPF_CORE_READ(file, private_data);
	struct file *real = priv;

	if (!priv)
		return NULL;
	if (sg_backing_user_dentry(real) == user)
		return real;
	real = NULL;
	bpf_probe_read_kernel(&real, sizeof(real), priv);
	if (real && sg_backing_user_dentry(real) == user)
		return real;
	return NULL;
}

/* The seals of the real file behind an overlay file, for the checks that
 * only see the overlay's file (mmap_file; file_permission of a splice or
 * sendfile); 0 for any other file. */
static __always_inline __u32 sg_overlay_real_seals(struct file *file)
{
	struct sg_sealed_rec *rec;
	struct sg_file_key key;
	struct inode *inode;
	struct file *real;

	if (!sg_on_overlay(file->f_inode))
		return 0;
	real = sg_overlay_real_file(file);
	if (!real)
		return 0;
	inode = BPF_CORE_READ(real, f_inode);
	sg_inode_key(inode, &key);
	rec = sg_registry_lookup(inode, &key);
	return rec ? rec->seals : 0;
}

#endif
