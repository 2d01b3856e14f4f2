/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tamper guard: sealguard's seals live in its own maps and its
 * programs stay attached through pinned links, so anyone who could write
 * those maps, remove those pins or take over the daemon could undo every
 * seal.  Only "the daemon" may: the registered daemon process while one
 * is registered (until its thread group exits, sealguard.bpf.c), and only
 * when none is, a root process with CAP_SYS_ADMIN running an executable of
 * the daemon's name in the daemon's directory, which is how a restarted or
 * upgraded daemon adopts the pins (the kernel keeps no other identity a
 * new process could prove).  A second process running that executable
 * while the daemon runs (under LD_PRELOAD, say) is nobody, and no process
 * running it may be ptraced, so the next daemon is not taken over on its
 * way to registering.
 * Read-only fds are refused too: a program loaded with a read-only map fd
 * may still write the map (the verifier does not look at the fd's mode),
 * and inode storage handed to such a program is its seals, writable.
 *
 * Links need no guard of their own: tracing and LSM links have no detach
 * or update operation, so a link fd obtained from a pin only keeps the
 * link alive; what can end a link is dropping its pin (unlink, rename
 * over it, unmounting the BPF filesystem), and that is guarded.
 */
#ifndef SG_GUARD_H
#define SG_GUARD_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_key.h"
#include "sg_core.h"
#include "sg_report.h"

#define PTRACE_MODE_ATTACH 0x02
#define BPF_FS_MAGIC	   0xcafe4a11

/* The guard's maps, sg_guard_maps and sg_guard_inodes, are in sg_maps.h. */

/* task's executable is cfg->exe_name in cfg's directory. */
static __always_inline bool sg_exe_is_daemon(struct task_struct *task, const struct sg_config *cfg)
{
	struct dentry *exe = BPF_CORE_READ(task, mm, exe_file, f_path.dentry);
	char name[SG_EXE_NAME_MAX] = {};
	struct inode *dir;
	int i;

	if (!exe || !cfg->exe_dir_ino)
		return false;
	dir = BPF_CORE_READ(exe, d_parent, d_inode);
	if (BPF_CORE_READ(dir, i_ino) != cfg->exe_dir_ino || sg_inode_dev(dir) != cfg->exe_dir_dev)
		return false;
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(exe, d_name.name)) < 0)
		return false;
	for (i = 0; i < SG_EXE_NAME_MAX; i++)
		if (name[i] != cfg->exe_name[i])
			return false;
	return true;
}

/* root with CAP_SYS_ADMIN, as the daemon is until it has registered: a
 * process given CAP_BPF alone, running the daemon's executable while no
 * daemon runs, is not it.  kernel_cap_t is 64 bits in both of its
 * layouts (two __u32 before 6.3). */
#define SG_CAP_SYS_ADMIN 21
static __always_inline bool sg_root_admin(struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u64 caps = 0;

	if (BPF_CORE_READ(cred, euid.val) != 0)
		return false;
	bpf_core_read(&caps, sizeof(caps), &cred->cap_effective);
	return caps & (1ULL << SG_CAP_SYS_ADMIN);
}

static __always_inline bool sg_is_daemon(const struct sg_config *cfg)
{
	struct task_struct *task;

	if (cfg->daemon_tgid)
		return cfg->daemon_tgid == (bpf_get_current_pid_tgid() >> 32);
	task = (struct task_struct *)bpf_get_current_task();
	return sg_root_admin(task) && sg_exe_is_daemon(task, cfg);
}

static __always_inline int sg_tamper(__u32 dev, __u64 ino)
{
	return sg_report(dev, ino, 0, SG_EV_TAMPER, -EPERM);
}

/* Any fd of a guarded map (BPF_OBJ_GET of its pin, or by id). */
static __always_inline int sg_guard_map(struct bpf_map *map)
{
	struct sg_config *cfg;
	__u32 id;

	id = BPF_CORE_READ(map, id);
	if (!bpf_map_lookup_elem(&sg_guard_maps, &id))
		return 0;
	cfg = sg_cfg();
	if (!cfg || sg_is_daemon(cfg))
		return 0;
	return sg_tamper(0, id);
}

/* Removing or replacing a pin (unlink, rmdir, rename). */
static __always_inline int sg_guard_dentry(struct dentry *dentry)
{
	struct inode *inode = dentry->d_inode;
	struct sg_config *cfg;

	/* Pins live on the BPF filesystem: everywhere else, no lookup. */
	if (!inode || inode->i_sb->s_magic != BPF_FS_MAGIC || !bpf_inode_storage_get(&sg_guard_inodes, inode, 0, 0))
		return 0;
	cfg = sg_cfg();
	if (!cfg || sg_is_daemon(cfg))
		return 0;
	return sg_tamper(inode->i_sb->s_dev, inode->i_ino);
}

/* Unmounting the BPF filesystem that holds the pins drops them all. */
static __always_inline int sg_guard_umount(struct vfsmount *mnt)
{
	struct sg_config *cfg = sg_cfg();
	__u32 dev = BPF_CORE_READ(mnt, mnt_sb, s_dev);

	if (!cfg || !cfg->pin_dev || dev != cfg->pin_dev || sg_is_daemon(cfg))
		return 0;
	return sg_tamper(dev, 0);
}

/* ptrace, /proc/PID/mem, process_vm_writev and pidfd_getfd on the daemon
 * would hand its map fds to someone else; on a process running its
 * executable, the next daemon's, once it registers. */
static __always_inline int sg_guard_ptrace(struct task_struct *child, unsigned int mode)
{
	struct sg_config *cfg;
	__u32 me, tgid;

	if (!(mode & PTRACE_MODE_ATTACH))
		return 0;
	cfg = sg_cfg();
	if (!cfg)
		return 0;
	me = bpf_get_current_pid_tgid() >> 32;
	tgid = BPF_CORE_READ(child, tgid);
	if (me == tgid || (cfg->daemon_tgid && me == cfg->daemon_tgid))
		return 0;
	if ((cfg->daemon_tgid && tgid == cfg->daemon_tgid) || sg_exe_is_daemon(child, cfg))
		return sg_tamper(0, tgid);
	return 0;
}

#endif
