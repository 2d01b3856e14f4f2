/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy rules the kernel enforces by itself (sealguard_abi.h, "rules the
 * kernel enforces"): apply rules add seals on a trigger -- a file received
 * over SCM_RIGHTS, a shared mmap, an open -- and exempt rules name the
 * processes a seal does not bind.  A rule is a bit; each attribute of the
 * process or file narrows the candidate bits with one map lookup, and only
 * attributes some candidate has a condition on are read at all.
 */
#ifndef SG_KRULES_H
#define SG_KRULES_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_key.h"
#include "sg_compat.h"
#include "sg_live.h"
#include "sg_evict.h"
#include "sg_core.h"
#include "sg_report.h"

/* Supplementary groups a gid condition looks through. */
#define SG_KPOLICY_GROUPS 16

/* Seals a trigger can add: WRITE and EXEC must fail while the file is
 * mapped writable or executable, which a seal added at a moment the holder
 * does not choose cannot check (the parser refuses them too). */
#define SG_KAPPLY_SEALS (SG_SEAL_SEAL | SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_FUTURE_WRITE)

/* memfds live on the internal shm (or hugetlbfs) mount as "memfd:NAME". */
static __always_inline bool sg_is_memfd(struct dentry *dentry)
{
	const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
	char prefix[6];

	if (bpf_probe_read_kernel(prefix, sizeof(prefix), name))
		return false;
	return prefix[0] == 'm' && prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
	       prefix[5] == ':';
}

static __always_inline __u32 sg_fs_kind(struct dentry *dentry, struct inode *inode)
{
	unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);

	if (magic == TMPFS_MAGIC)
		return sg_is_memfd(dentry) ? SG_KFS_MEMFD : SG_KFS_TMPFS;
	if (magic == HUGETLBFS_MAGIC)
		return sg_is_memfd(dentry) ? SG_KFS_MEMFD : SG_KFS_HUGETLBFS;
	return SG_KFS_OTHER;
}

/* The policy in force if it has rules of this set, else NULL. */
static __always_inline const struct sg_kpolicy *sg_kpol(__u32 set, __u32 *half)
{
	struct sg_config *cfg = sg_cfg();

	if (!cfg || !(cfg->kpol_sets & SG_KSET_F(set)))
		return NULL;
	*half = cfg->kpol_half & 1;
	return bpf_map_lookup_elem(&sg_kpolicy, half);
}

/* The rules whose condition on attr accepts the value (a, b). */
static __always_inline __u64 sg_kbits(__u32 half, __u32 attr, __u64 a, __u64 b)
{
	struct sg_kmatch_key key;
	__u64 *bits;

	key.half = half;
	key.attr = attr;
	key.a = a;
	key.b = b;
	bits = bpf_map_lookup_elem(&sg_kmatch, &key);
	return bits ? *bits : 0;
}

/* Effective gid and supplementary groups (SO_PEERCRED's view, as for allow). */
static __always_inline __u64 sg_gid_bits(__u32 half, struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct group_info *gi = BPF_CORE_READ(cred, group_info);
	__u64 bits = sg_kbits(half, SG_KATTR_GID, BPF_CORE_READ(cred, egid.val), 0);
	int n = gi ? BPF_CORE_READ(gi, ngroups) : 0;

	for (int i = 0; i < SG_KPOLICY_GROUPS; i++) {
		kgid_t g;

		if (i >= n)
			break;
		if (bpf_core_read(&g, sizeof(g), &gi->gid[i]))
			break;
		bits |= sg_kbits(half, SG_KATTR_GID, g.val, 0);
	}
	return bits;
}

static __always_inline __u64 sg_exe_bits(__u32 half, struct task_struct *task)
{
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);

	if (!exe)
		return 0;
	return sg_kbits(half, SG_KATTR_EXE, sg_inode_dev(BPF_CORE_READ(exe, f_inode)),
			BPF_CORE_READ(exe, f_inode, i_ino));
}

static __always_inline __u64 sg_comm_bits(__u32 half)
{
	__u64 comm[2] = {};

	bpf_get_current_comm(comm, sizeof(comm));
	return sg_kbits(half, SG_KATTR_COMM, comm[0], comm[1]);
}

/* The process's cgroup v2 and its ancestors: a rule names a subtree. */
static __always_inline __u64 sg_cgroup_bits(__u32 half, struct task_struct *task)
{
	struct cgroup *cg = BPF_CORE_READ(task, cgroups, dfl_cgrp);
	__u64 bits = 0;

	for (int i = 0; i < SG_KCGROUP_DEPTH && cg; i++) {
		bits |= sg_kbits(half, SG_KATTR_CGROUP, BPF_CORE_READ(cg, kn, id), 0);
		cg = BPF_CORE_READ(cg, self.parent, cgroup);
	}
	return bits;
}

/* The file and the directories above it, up to its filesystem's root: a
 * rule names a directory by (dev, ino), dev as stat() reports it
 * (sg_key.h).  (dev, 0) says whether any rule names a directory on this
 * filesystem at all, so most files cost one lookup; on btrfs the
 * directories above may be other subvolumes', with other devices, so
 * every one is looked up. */
static __always_inline __u64 sg_dir_bits(__u32 half, struct dentry *d, struct inode *inode)
{
	__u64 dev = sg_inode_dev(inode), bits = 0;
	bool btrfs = sg_on_btrfs(inode);

	if (!btrfs && !sg_kbits(half, SG_KATTR_DIR, dev, 0))
		return 0;
	for (int i = 0; i < SG_KPATH_DEPTH && d; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		struct inode *di = BPF_CORE_READ(d, d_inode);

		if (di)
			bits |= sg_kbits(half, SG_KATTR_DIR, btrfs ? sg_inode_dev(di) : dev, BPF_CORE_READ(di, i_ino));
		if (parent == d)
			break;
		d = parent;
	}
	return bits;
}

/* The rules whose memfd condition accepts this file's name: the whole
 * name, then each prefix length some rule uses.  A name shorter than a
 * prefix reads with its NUL inside the prefix, so it cannot match. */
static __always_inline __u64 sg_memfd_bits(const struct sg_kpolicy *pol, __u32 half, struct dentry *d)
{
	const unsigned char *name = BPF_CORE_READ(d, d_name.name) + 6; /* after "memfd:" */
	struct sg_kname_key key;
	__u64 bits = 0, *hit;
	long n;

	if (!sg_is_memfd(d))
		return 0;
	if (pol->memfd_exact) {
		__builtin_memset(&key, 0, sizeof(key));
		key.half = half;
		n = bpf_probe_read_kernel_str(key.name, sizeof(key.name), name);
		if (n > 0 && n <= SG_KMEMFD_MAX) {
			hit = bpf_map_lookup_elem(&sg_kname, &key);
			bits |= hit ? *hit : 0;
		}
	}
	for (int i = 0; i < SG_KMEMFD_LENS; i++) {
		__u32 len = pol->memfd_lens[i];

		if (!len || len > SG_KMEMFD_MAX)
			break;
		__builtin_memset(&key, 0, sizeof(key));
		key.half = half;
		key.len = len;
		if (bpf_probe_read_kernel_str(key.name, len + 1, name) < 0)
			break;
		hit = bpf_map_lookup_elem(&sg_kname, &key);
		bits |= hit ? *hit : 0;
	}
	return bits;
}

/*
 * The rules among cand whose process and file conditions hold for the
 * current task and this file.  Each attribute is read only if a remaining
 * candidate has a condition on it.
 */
static __always_inline __u64 sg_kmatch_rules(const struct sg_kpolicy *pol, __u32 half, __u64 cand,
					     struct dentry *dentry, struct inode *inode)
{
	struct task_struct *task = sg_current_task();
	__u32 fs = sg_fs_kind(dentry, inode);

	if (fs < SG_KFS_COUNT)
		cand &= pol->fs[fs];
	if (cand & ~pol->any[SG_KATTR_UID])
		cand &= pol->any[SG_KATTR_UID] | sg_kbits(half, SG_KATTR_UID, BPF_CORE_READ(task, cred, euid.val), 0);
	if (cand & ~pol->any[SG_KATTR_GID])
		cand &= pol->any[SG_KATTR_GID] | sg_gid_bits(half, task);
	if (cand & ~pol->any[SG_KATTR_EXE])
		cand &= pol->any[SG_KATTR_EXE] | sg_exe_bits(half, task);
	if (cand & ~pol->any[SG_KATTR_COMM])
		cand &= pol->any[SG_KATTR_COMM] | sg_comm_bits(half);
	if (cand & ~pol->any[SG_KATTR_CGROUP])
		cand &= pol->any[SG_KATTR_CGROUP] | sg_cgroup_bits(half, task);
	if (cand & ~pol->any[SG_KATTR_OWNER])
		cand &= pol->any[SG_KATTR_OWNER] | sg_kbits(half, SG_KATTR_OWNER, BPF_CORE_READ(inode, i_uid.val), 0);
	if (cand & ~pol->any[SG_KATTR_DIR])
		cand &= pol->any[SG_KATTR_DIR] | sg_dir_bits(half, dentry, inode);
	if (cand & pol->memfd)
		cand &= ~pol->memfd | sg_memfd_bits(pol, half, dentry);
	return cand;
}

/* sg_kmatch_rules for the policy half in force, as a global function:
 * verified once per program, not at each check that matches rules (every
 * exempt check on the way to a refusal, every apply trigger); the dentry
 * and inode come as addresses (sg_addr), read through BPF_CORE_READ only
 * (docs/design.md, "What the verifier walks"). */
__noinline __u64 sg_kmatch_in_force(__u32 half, __u64 cand, __u64 dentry_addr, __u64 inode_addr)
{
	const struct sg_kpolicy *pol = bpf_map_lookup_elem(&sg_kpolicy, &half);

	if (!pol || !dentry_addr || !inode_addr)
		return 0;
	return sg_kmatch_rules(pol, half, cand, (struct dentry *)dentry_addr, (struct inode *)inode_addr);
}

static __always_inline __u32 sg_krule_seals(const struct sg_kpolicy *pol, __u64 rules)
{
	__u32 seals = 0;

#pragma unroll
	for (int b = 0; b < SG_KSEAL_BITS; b++)
		if (rules & pol->sealed_by[b])
			seals |= 1u << b;
	return seals;
}

/* The seals that do not bind the current task on this file (exempt rules).
 * Called only on the way to a refusal, never for an unsealed file. */
static __always_inline __u32 sg_exempt_seals(struct dentry *dentry, struct inode *inode)
{
	const struct sg_kpolicy *pol;
	__u32 half;
	__u64 rules;

	pol = sg_kpol(SG_KSET_EXEMPT, &half);
	if (!pol)
		return 0;
	rules = sg_kmatch_in_force(half, pol->set[SG_KSET_EXEMPT], sg_addr(dentry), sg_addr(inode));
	return rules ? sg_krule_seals(pol, rules) : 0;
}

/* Adds seals unless SEAL is in force; a WRITE pending in the daemon's
 * hands is left to it (its revert set gains the bits). */
static __always_inline void sg_apply_to(struct inode *inode, __u32 add)
{
	__s64 *live = sg_live_counter();
	struct sg_inode *st;

	/* Evicted seals first, or fresh storage would hide them. */
	sg_seals_of(inode);
	sg_drop_foreign_evicted(inode);
	st = bpf_inode_storage_get(&sg_inodes, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* A lock not had (5.10, see sg_compat.h) leaves the seals to the next
	 * trigger. */
	if (!st || !sg_lock(st))
		return;
	if (!((st->pending ? st->revert : st->seals) & SG_SEAL_SEAL)) {
		sg_live_note(live, st->seals, st->seals | add);
		st->seals |= add;
		if (st->pending)
			st->revert |= add;
	}
	sg_unlock(st);
}

/* Counts a new registry entry against the owner of inode (root is not
 * counted, as for requests): 0 with SG_REC_CHARGED set in *flags, or
 * -EDQUOT at the owner's bound, -ENOSPC when no owner slot is left.  Two
 * CPUs at the bound at once may both pass: at most one entry per CPU
 * more. */
static __always_inline int sg_charge_owner(struct inode *inode, __u32 *flags)
{
	__u32 owner = BPF_CORE_READ(inode, i_uid.val), zero = 0, *count;

	if (!owner)
		return 0;
	count = bpf_map_lookup_elem(&sg_policy_owned, &owner);
	if (!count) {
		bpf_map_update_elem(&sg_policy_owned, &owner, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&sg_policy_owned, &owner);
		if (!count)
			return -ENOSPC;
	}
	if (*count >= SG_SEALED_PER_USER)
		return -EDQUOT;
	__sync_fetch_and_add(count, 1);
	*flags |= SG_REC_CHARGED;
	return 0;
}

/* Gives back what sg_charge_owner counted for an entry going away. */
static __always_inline void sg_uncharge_owner(struct inode *inode, const struct sg_sealed_rec *rec)
{
	__u32 owner, *count;

	if (!rec || !(rec->flags & SG_REC_CHARGED))
		return;
	owner = BPF_CORE_READ(inode, i_uid.val);
	count = bpf_map_lookup_elem(&sg_policy_owned, &owner);
	if (count && *count)
		__sync_fetch_and_add(count, -1);
}

/*
 * Lists a file in the registry "sg_sealed" (sealctl list), as the daemon
 * does for requests: sealed by the policy (from NULL: the current task
 * triggered it), or given the seals of the record from (an overlay's real
 * file).  inode_free_security removes it with the inode.  Only hooks that
 * may call bpf_d_path (5.11+) use this: file_open, file_receive, mmap_file.
 */
static __always_inline int sg_register_key(struct file *file, const struct sg_file_key *key, __u32 seals,
					   const struct sg_sealed_rec *from)
{
	struct sg_sealed_rec *rec = bpf_map_lookup_elem(&sg_sealed, key);
	__u32 zero = 0;
	int err;

	if (sg_key_ambiguous(file->f_inode))
		return -EOPNOTSUPP;
	if (rec) {
		rec->seals |= seals; /* a lost race only shows fewer bits in the list */
		return 0;
	}
	rec = bpf_map_lookup_elem(&sg_rec_scratch, &zero);
	if (!rec)
		return -ENOMEM;
	rec->seals = seals;
	if (from) {
		rec->uid = from->uid;
		rec->pid = from->pid;
		rec->flags = from->flags & ~SG_REC_CHARGED;
		rec->sealed_at = from->sealed_at;
	} else {
		rec->uid = BPF_CORE_READ(sg_current_task(), cred, euid.val);
		rec->pid = bpf_get_current_pid_tgid() >> 32;
		rec->flags = SG_REC_POLICY | SG_REC_BOOTTIME;
		rec->sealed_at = bpf_ktime_get_boot_ns();
	}
	/* Without bpf_d_path (5.10) the list shows the file by dev and ino. */
	rec->path[0] = '\0';
	if (sg_can_d_path && bpf_d_path((struct path *)&file->f_path, rec->path, sizeof(rec->path)) < 0)
		rec->path[0] = '\0';
	err = sg_charge_owner(file->f_inode, &rec->flags);
	if (err)
		return err;
	/* Full: the caller must not seal (a seal without its entry escapes
	 * the checks that read the registry).  EEXIST: another CPU's, which
	 * counted itself. */
	if (bpf_map_update_elem(&sg_sealed, key, rec, BPF_NOEXIST) < 0) {
		sg_uncharge_owner(file->f_inode, rec);
		if (!bpf_map_lookup_elem(&sg_sealed, key))
			return -ENOSPC;
	}
	return 0;
}

static __always_inline int sg_register(struct file *file, struct inode *inode, __u32 seals)
{
	struct sg_file_key key;

	sg_inode_key(inode, &key);
	return sg_register_key(file, &key, seals, NULL);
}

/* The lowest bit set in v (v != 0): the rule an audit event names. */
static __always_inline int sg_lowest_bit(__u64 v)
{
	int b = 0;

	if (!(v & 0xffffffffull)) {
		b += 32;
		v >>= 32;
	}
	if (!(v & 0xffff)) {
		b += 16;
		v >>= 16;
	}
	if (!(v & 0xff)) {
		b += 8;
		v >>= 8;
	}
	if (!(v & 0xf)) {
		b += 4;
		v >>= 4;
	}
	if (!(v & 0x3)) {
		b += 2;
		v >>= 2;
	}
	return (v & 0x1) ? b : b + 1;
}

/*
 * Apply rules in audit mode (docs/design.md, "Audit mode"): the seals they
 * would add, less those in force, are recorded as the inode's audit seals
 * and reported once (SG_EV_AUDIT_SEAL); nothing is sealed or listed.  The
 * hooks that refuse by seals then report what the audit seals would have
 * refused, and allow it.  Unlocked: a lost race only reports twice.
 */
static __always_inline void sg_kaudit(struct inode *inode, const struct sg_kpolicy *pol, __u64 rules)
{
	__u32 would = (sg_krule_seals(pol, rules) & SG_KAPPLY_SEALS) & ~sg_seals_of(inode);
	struct sg_inode *st;

	if (!would)
		return;
	st = bpf_inode_storage_get(&sg_inodes, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st || (READ_ONCE_U32(st->audit) & would) == would)
		return;
	st->audit |= would;
	sg_report_audit(inode, would, SG_EV_AUDIT_SEAL, 0, sg_lowest_bit(rules));
}

/* Runs the apply rules of one trigger for the current task and file: 0,
 * or -ENOSPC when the file would be sealed but cannot be listed in the
 * registry, for the trigger to be refused (fail closed: the receiver of a
 * file that should be sealed does not get it unsealed). */
static __always_inline int sg_kapply(__u32 set, struct file *file)
{
	struct inode *inode = file->f_inode; /* a BTF pointer: inode storage needs one */
	const struct sg_kpolicy *pol;
	__u32 half, add;
	__u64 rules;
	int err;

	if (set >= SG_KSET_COUNT)
		return 0;
	/* Seals are for regular files (F_ADD_SEALS says EINVAL to others);
	 * an open rule's directory is opened too. */
	if ((inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	/* A received file is sealed only if it was sent open for writing, as
	 * F_ADD_SEALS asks of its caller: otherwise anyone could have a
	 * compositor seal another user's file they can only read, by sending
	 * it a read-only fd of it.  (A sender that keeps its buffer unsealed
	 * this way gets what an unsealed buffer gets: libwayland's SIGBUS
	 * handling.) */
	if (set == SG_KSET_RECEIVE && !(BPF_CORE_READ(file, f_mode) & FMODE_WRITE))
		return 0;
	pol = sg_kpol(set, &half);
	if (!pol)
		return 0;
	/* The daemon receives and opens its clients' files: never seal them
	 * on its account. */
	if (sg_from_daemon())
		return 0;
	rules = sg_kmatch_in_force(half, pol->set[set], sg_addr(file->f_path.dentry), sg_addr(inode));
	if (!rules)
		return 0;
	if (pol->flags & SG_KPOL_F_AUDIT) {
		__u64 audit = rules & sg_kbits(half, SG_KATTR_AUDIT, 0, 0);

		if (audit) {
			sg_kaudit(inode, pol, audit);
			rules &= ~audit;
			if (!rules)
				return 0;
		}
	}
	add = sg_krule_seals(pol, rules) & SG_KAPPLY_SEALS;
	/* Already there, the usual case for a second open or mapping: no lock. */
	if (!add || (sg_seals_of(inode) & add) == add)
		return 0;
	err = sg_register(file, inode, sg_seals_of(inode));
	if (err)
		return sg_refuse(inode, add, SG_EV_REGISTRY_FULL, err == -EDQUOT || err == -EOPNOTSUPP ? err : -ENOSPC);
	sg_apply_to(inode, add);
	sg_register(file, inode, sg_seals_of(inode));
	return 0;
}

#endif
