/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seals applied by policy when a process receives a file (file_receive):
 * the compositor case, where a client must not shrink a buffer the
 * compositor has mapped.  Only seals that need no wait can be applied
 * here: SEAL, SHRINK, GROW, FUTURE_WRITE (the daemon refuses others).
 */
#ifndef SG_APPLY_H
#define SG_APPLY_H

#define SG_MINORBITS_APPLY 20

/* memfds live on the internal shm (or hugetlbfs) mount as "memfd:NAME". */
static __always_inline bool sg_is_memfd(struct file *file)
{
	const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	char prefix[6];

	if (bpf_probe_read_kernel(prefix, sizeof(prefix), name))
		return false;
	return prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' &&
	       prefix[4] == 'd' && prefix[5] == ':';
}

static __always_inline __u32 sg_fs_kind(struct file *file)
{
	unsigned long magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic);

	if (magic == TMPFS_MAGIC)
		return sg_is_memfd(file) ? SG_APPLY_FS_MEMFD : SG_APPLY_FS_TMPFS;
	if (magic == HUGETLBFS_MAGIC)
		return sg_is_memfd(file) ? SG_APPLY_FS_MEMFD : SG_APPLY_FS_HUGETLBFS;
	return SG_APPLY_FS_OTHER;
}

struct sg_receiver {
	__u64 exe_dev, exe_ino;
	bool has_exe;
	__u32 uid;
	__u32 fs;
};

static __always_inline bool sg_uid_in(const struct sg_apply_rule *r, __u32 uid)
{
	for (int i = 0; i < SG_APPLY_MAX_UIDS; i++) {
		if (i >= r->nuids)
			break;
		if (r->uids[i] == uid)
			return true;
	}
	return false;
}

static __always_inline bool sg_apply_matches(const struct sg_apply_rule *r, const struct sg_receiver *who)
{
	if (r->fs && !(r->fs & who->fs))
		return false;
	if (r->has_exe && (!who->has_exe || r->exe_dev != who->exe_dev || r->exe_ino != who->exe_ino))
		return false;
	if (r->nuids && !sg_uid_in(r, who->uid))
		return false;
	return true;
}

/* The seals every matching rule applies to this file for this receiver. */
static __always_inline __u32 sg_apply_seals(struct file *file)
{
	struct task_struct *task;
	struct sg_receiver who = {};
	struct file *exe;
	__u32 seals = 0, zero = 0, base;
	struct sg_config *cfg = bpf_map_lookup_elem(&sg_config, &zero);
	const struct sg_apply_rule *first;

	if (!cfg)
		return 0;
	/* The daemon receives its clients' fds: never seal them on arrival. */
	if (cfg->daemon_tgid == (bpf_get_current_pid_tgid() >> 32))
		return 0;
	base = cfg->apply_base ? SG_APPLY_MAX : 0;
	/* No apply rules, the usual case: nothing to read about anyone. */
	first = bpf_map_lookup_elem(&sg_apply, &base);
	if (!first || !first->used)
		return 0;

	who.fs = sg_fs_kind(file);
	who.uid = (__u32)bpf_get_current_uid_gid();
	task = bpf_get_current_task_btf();
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		__u32 dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);

		who.has_exe = true;
		who.exe_dev = dev;
		who.exe_ino = BPF_CORE_READ(exe, f_inode, i_ino);
	}
	for (__u32 i = 0; i < SG_APPLY_MAX; i++) {
		__u32 key = base + i;
		const struct sg_apply_rule *r = bpf_map_lookup_elem(&sg_apply, &key);

		if (!r || !r->used)
			break;
		if (sg_apply_matches(r, &who))
			seals |= r->seals;
	}
	return seals & (SG_SEAL_SEAL | SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_FUTURE_WRITE);
}

/* Adds seals unless SEAL is in force; a WRITE pending in the daemon's
 * hands is left to it (its revert set gains the bits). */
static __always_inline void sg_apply_to(struct inode *inode, __u32 add)
{
	struct sg_inode *st = bpf_inode_storage_get(&sg_inodes, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (!st)
		return;
	bpf_spin_lock(&st->lock);
	if (!((st->pending ? st->revert : st->seals) & SG_SEAL_SEAL)) {
		st->seals |= add;
		if (st->pending)
			st->revert |= add;
	}
	bpf_spin_unlock(&st->lock);
}

#endif
