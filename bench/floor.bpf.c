// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's floor: a program that decides nothing on every hook and
 * probe sealguard uses, named as sealguard's, so sg_bench loads exactly
 * the same set.  What it costs is what any BPF LSM design pays for the
 * trampolines; sealguard's own cost is measured against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define SG_FLOOR_LSM(hook, name, ...)                 \
	SEC("lsm/" #hook)                             \
	int BPF_PROG(name, __VA_ARGS__, int ret)      \
	{                                             \
		return ret;                           \
	}

#define SG_FLOOR_TRACE(kind, fn, name)                \
	SEC(#kind "/" #fn)                            \
	int BPF_PROG(name)                            \
	{                                             \
		return 0;                             \
	}

SG_FLOOR_TRACE(fentry, vfs_writev, sg_vfs_writev)
SG_FLOOR_TRACE(fentry, aio_write, sg_aio_write)
SG_FLOOR_TRACE(fentry, io_write, sg_io_write)
SG_FLOOR_TRACE(fentry, rw_verify_area, sg_rw_verify_area)
SG_FLOOR_TRACE(fentry, vfs_fallocate, sg_vfs_fallocate)
SG_FLOOR_TRACE(fentry, do_madvise, sg_do_madvise)
SG_FLOOR_TRACE(fexit, do_madvise, sg_do_madvise_exit)
SG_FLOOR_TRACE(fexit, vm_mmap_pgoff, sg_vm_mmap_pgoff_exit)
SG_FLOOR_TRACE(fexit, do_shmat, sg_do_shmat_exit)
SG_FLOOR_TRACE(fexit, __x64_sys_remap_file_pages, sg_remap_file_pages_exit)
SG_FLOOR_TRACE(fexit, __ia32_sys_remap_file_pages, sg_remap_file_pages_ia32_exit)
SG_FLOOR_TRACE(fexit, vfs_fallocate, sg_vfs_fallocate_exit)
SG_FLOOR_TRACE(fexit, vfs_write, sg_vfs_write_exit)
SG_FLOOR_TRACE(fexit, vfs_writev, sg_vfs_writev_exit)
SG_FLOOR_TRACE(fexit, vfs_iter_write, sg_vfs_iter_write_exit)
SG_FLOOR_TRACE(fexit, vfs_iocb_iter_write, sg_vfs_iocb_iter_write_exit)
SG_FLOOR_TRACE(fexit, kernel_write, sg_kernel_write_exit)
SG_FLOOR_TRACE(fexit, do_splice, sg_do_splice_exit)
SG_FLOOR_TRACE(fexit, do_splice_direct, sg_do_splice_direct_exit)
SG_FLOOR_TRACE(fexit, vfs_copy_file_range, sg_copy_file_range_exit)
SG_FLOOR_TRACE(fexit, io_write, sg_io_write_exit)
SG_FLOOR_TRACE(fexit, aio_write, sg_aio_write_exit)
SG_FLOOR_TRACE(tp_btf, sched_process_exit, sg_task_exit)
SG_FLOOR_TRACE(fentry, backing_file_open, sg_backing_file_open)
SG_FLOOR_TRACE(fexit, backing_file_open, sg_backing_file_open_exit)
SG_FLOOR_TRACE(fentry, backing_tmpfile_open, sg_backing_tmpfile_open)
SG_FLOOR_TRACE(fentry, backing_file_open, sg_backing_file_open_file)
SG_FLOOR_TRACE(fentry, backing_tmpfile_open, sg_backing_tmpfile_open_file)
SG_FLOOR_TRACE(fexit, backing_tmpfile_open, sg_backing_tmpfile_open_exit)

SEC("fmod_ret/security_inode_need_killpriv")
int BPF_PROG(sg_need_killpriv, struct dentry *dentry, int ret)
{
	return ret;
}

SG_FLOOR_LSM(file_permission, sg_file_permission, struct file *file, int mask)
SG_FLOOR_LSM(mmap_file, sg_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags)
SG_FLOOR_LSM(file_mprotect, sg_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
SG_FLOOR_LSM(inode_setattr, sg_inode_setattr, struct dentry *dentry, struct iattr *attr)
SG_FLOOR_LSM(inode_setattr, sg_inode_setattr_idmap, void *idmap, struct dentry *dentry, struct iattr *attr)
SG_FLOOR_LSM(file_ioctl, sg_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg)
SG_FLOOR_LSM(file_ioctl, sg_file_ioctl_uffd, struct file *file, unsigned int cmd, unsigned long arg)
SG_FLOOR_LSM(file_ioctl_compat, sg_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg)
SG_FLOOR_LSM(uring_cmd, sg_uring_cmd, struct io_uring_cmd *ioucmd)
SG_FLOOR_LSM(file_ioctl_compat, sg_file_ioctl_compat_uffd, struct file *file, unsigned int cmd, unsigned long arg)
SG_FLOOR_LSM(path_chown, sg_path_chown, const struct path *path, __u64 uid, __u64 gid)
SG_FLOOR_LSM(file_receive, sg_file_receive, struct file *file)
SG_FLOOR_LSM(file_fcntl, sg_file_fcntl, struct file *file, unsigned int cmd, unsigned long arg)
SG_FLOOR_LSM(file_open, sg_file_open, struct file *file)
SG_FLOOR_LSM(file_open, sg_file_open_backing, struct file *file)

SEC("lsm/inode_free_security")
int BPF_PROG(sg_inode_free_security, struct inode *inode)
{
	return 0;
}

SG_FLOOR_LSM(bpf_map, sg_bpf_map, struct bpf_map *map, fmode_t fmode)
SG_FLOOR_LSM(inode_unlink, sg_inode_unlink, struct inode *dir, struct dentry *dentry)
SG_FLOOR_LSM(inode_rmdir, sg_inode_rmdir, struct inode *dir, struct dentry *dentry)
SG_FLOOR_LSM(inode_rename, sg_inode_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry)
SG_FLOOR_LSM(sb_umount, sg_sb_umount, struct vfsmount *mnt, int flags)
SG_FLOOR_LSM(ptrace_access_check, sg_ptrace_access_check, struct task_struct *child, unsigned int mode)
