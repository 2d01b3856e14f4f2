/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writers that go around the write-permission hooks, closed where they
 * start.  The loop driver writes (and discards) through its backing file
 * with ->write_iter and ->fallocate directly, so file_permission never
 * sees the backing file being written: a writable loop device is refused
 * on a write-sealed backing file when it is set up, and writes to the
 * loop device are refused while its backing file is write-sealed.  userfaultfd fills holes
 * of a shared file mapping (UFFDIO_COPY and friends) without any write
 * check, through a mapping that only has to be read-only: the fill is
 * refused when the mapping is of a write-sealed file.
 */
#ifndef SG_BYPASS_H
#define SG_BYPASS_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_key.h"
#include "sg_live.h"
#include "sg_evict.h"
#include "sg_core.h"
#include "sg_rules.h"
#include "sg_krules.h"
#include "sg_report.h"

#define LOOP_MAJOR	   7
#define LOOP_SET_FD	   0x4C00
#define LOOP_CONFIGURE	   0x4C0A
#define LO_FLAGS_READ_ONLY 1
#define S_IFBLK		   0060000

/* The head of the UAPI struct loop_config (linux/loop.h), which vmlinux
 * BTF lacks when loop is a module. */
struct sg_loop_config_head {
	__u32 fd;
	__u32 block_size;
	__u64 lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	__u32 lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
};

/* The file behind this task's fd, as a plain pointer for reads only. */
static __always_inline struct file *sg_fd_file(__u32 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The registry's seals of a file reachable only as a plain pointer (which
 * inode storage cannot take): refused with err when they forbid writing. */
static __always_inline int sg_refuse_backing(struct file *backing, __u32 op, int err)
{
	struct inode *inode = BPF_CORE_READ(backing, f_inode);
	struct sg_sealed_rec *rec;
	struct sg_file_key key;
	__u32 dev;

	dev = sg_inode_dev(inode);
	sg_file_key(dev, BPF_CORE_READ(inode, i_ino), &key);
	rec = sg_registry_lookup(inode, &key);
	if (!rec || !(rec->seals & SG_SEAL_ANY_WRITE))
		return 0;
	return sg_report(dev, key.ino, rec->seals, op, err);
}

/*
 * LOOP_SET_FD and LOOP_CONFIGURE on a loop device.  The backing file is
 * only reachable as a plain pointer here, which inode storage cannot take,
 * so its seals come from the registry (every seal is recorded there, by
 * the daemon or by sg_register()).
 */
static __always_inline int sg_guard_loop(struct file *loop, unsigned int cmd, unsigned long arg)
{
	struct inode *inode = loop->f_inode;
	struct sg_loop_config_head cfg;
	bool read_only = false;
	struct file *backing;
	__u32 fd;

	if ((inode->i_mode & S_IFMT) != S_IFBLK || (inode->i_rdev >> SG_MINORBITS) != LOOP_MAJOR)
		return 0;
	if (cmd == LOOP_CONFIGURE) {
		/* The kernel copies it too, right after: a failure here is its
		 * EFAULT, decided a moment early. */
		if (bpf_probe_read_user(&cfg, sizeof(cfg), (void *)arg))
			return -EFAULT;
		fd = cfg.fd;
		read_only = cfg.lo_flags & LO_FLAGS_READ_ONLY;
	} else {
		fd = (__u32)arg;
	}
	backing = sg_fd_file(fd);
	if (!backing)
		return 0; /* the kernel answers EBADF */
	/* A loop over a read-only fd is read-only whatever it asks. */
	if (read_only || !(BPF_CORE_READ(backing, f_mode) & FMODE_WRITE))
		return 0;
	return sg_refuse_backing(backing, SG_EV_WRITE, -EPERM);
}

/*
 * Writes through a loop device that exists: one set up before the seal,
 * or by a caller that swapped the fd sg_guard_loop() judged before the
 * loop driver's own fget.  /dev/loopN (and its partitions) is written
 * with write(2) and its kin, fallocate, a writable shared mapping, the
 * block layer's discard and zero-out ioctls, and io_uring's block
 * commands, each of which asks a hook here; the loop device's backing
 * file, from the kernel's own struct, answers for it.
 *
 * struct loop_device is the loop module's own (drivers/block/loop.c): CO-RE
 * finds it in the module's BTF if the module is loaded before the programs
 * are (the daemon loads it first, user/daemon/loader.c).  Where it is not
 * (no module BTF before 5.11), loop devices are judged only when they are
 * set up.
 */
struct loop_device___sg {
	struct file *lo_backing_file;
} __attribute__((preserve_access_index));

static __always_inline struct file *sg_loop_backing(struct file *file)
{
	struct loop_device___sg *lo;
	struct block_device *bdev;
	struct gendisk *disk;
	void *host;

	if (!bpf_core_type_exists(struct loop_device___sg))
		return NULL;
	if ((file->f_inode->i_mode & S_IFMT) != S_IFBLK)
		return NULL;
	/* I_BDEV(file->f_mapping->host), as file_bdev() does. */
	host = BPF_CORE_READ(file, f_mapping, host);
	if (!host)
		return NULL;
	bdev = host - bpf_core_field_offset(struct bdev_inode, vfs_inode) +
	       bpf_core_field_offset(struct bdev_inode, bdev);
	disk = BPF_CORE_READ(bdev, bd_disk);
	if (!disk || BPF_CORE_READ(disk, major) != LOOP_MAJOR)
		return NULL;
	lo = BPF_CORE_READ(disk, private_data);
	return lo ? BPF_CORE_READ(lo, lo_backing_file) : NULL;
}

/* A write of kind op through file, refused with err when file is a loop
 * device whose backing file is sealed WRITE or FUTURE_WRITE. */
static __always_inline int sg_guard_loop_write(struct file *file, __u32 op, int err)
{
	struct file *backing = sg_loop_backing(file);

	return backing ? sg_refuse_backing(backing, op, err) : 0;
}

/* The block layer's ioctls that write a device's data (blkdev_ioctl). */
#define BLKDISCARD    0x1277u
#define BLKSECDISCARD 0x127du
#define BLKZEROOUT    0x127fu

static __always_inline bool sg_blk_ioctl_writes(unsigned int cmd)
{
	return cmd == BLKDISCARD || cmd == BLKSECDISCARD || cmd == BLKZEROOUT;
}

/* ---- userfaultfd ----------------------------------------------------- */

/* _IOWR(0xAA, nr, struct ...): each struct starts with the destination. */
#define UFFDIO_COPY	0xC028AA03u
#define UFFDIO_ZEROPAGE 0xC020AA04u
#define UFFDIO_CONTINUE 0xC020AA07u
#define UFFDIO_POISON	0xC020AA08u

struct sg_uffd_probe {
	__u32 seals;
	__u32 dev;
	__u64 ino;
};

static long sg_uffd_vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct sg_uffd_probe *p = data;
	struct file *file = vma->vm_file;

	if (file && (vma->vm_flags & VM_SHARED)) {
		p->seals = sg_seals_of(file->f_inode);
		p->dev = sg_inode_dev(file->f_inode);
		p->ino = file->f_inode->i_ino;
	}
	return 0;
}

static __always_inline bool sg_is_uffd(struct file *file)
{
	static const char name[] = "[userfaultfd]";
	char buf[sizeof(name)] = {};
	int i;

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), BPF_CORE_READ(file, f_path.dentry, d_name.name)) < 0)
		return false;
	for (i = 0; i < sizeof(name); i++)
		if (buf[i] != name[i])
			return false;
	return true;
}

/*
 * A fill on a userfaultfd.  The destination range lies in one mapping of
 * the userfaultfd's mm (the kernel requires it), looked up here in the
 * caller's mm.  A fill from another process (the userfaultfd was passed
 * on) cannot be looked up: BPF can only search a task's mappings, and the
 * mm's owner is not reachable as one.  It is refused, since it could be
 * aimed at a sealed file; such fills are rare (CRIU's lazy-pages daemon).
 */
static __always_inline int sg_guard_uffd(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct userfaultfd_ctx *ctx = file->private_data;
	struct sg_uffd_probe p = {};
	__u64 dst;

	if (!sg_is_uffd(file))
		return 0;
	if ((__u64)BPF_CORE_READ(ctx, mm) != (__u64)task->mm)
		return sg_report(0, 0, 0, SG_EV_WRITE, -EPERM);
	/* The kernel copies it too, right after. */
	if (bpf_probe_read_user(&dst, sizeof(dst), (void *)arg))
		return -EFAULT;
	if (bpf_find_vma(task, dst, sg_uffd_vma_cb, &p, 0) || !(p.seals & SG_SEAL_ANY_WRITE))
		return 0;
	return sg_report(p.dev, p.ino, p.seals, SG_EV_WRITE, -EPERM);
}

/* ---- filesystem ioctls ------------------------------------------------ */

/* An ioctl command's type and number, without its direction and size,
 * which differ between the 64-bit and 32-bit forms of one command. */
#define SG_IOCTL_ID(type, nr) ((((type)&0xff) << 8) | ((nr)&0xff))
#define SG_IOCTL_ID_OF(cmd)   ((cmd)&0xffff)

/*
 * Commands that move, swap or exchange blocks (and sizes) between the
 * file they are called on and another file named by an fd inside their
 * argument, without a write or truncate hook on either.  The kernel reads
 * that fd from user memory and looks it up after this hook: a look here
 * would judge a file the caller can swap before the kernel's own fget.
 * So they are refused outright while any seal is in force anywhere
 * (docs/semantics.md, divergence "block-movers-while-sealed").
 */
static __always_inline bool sg_ioctl_moves_blocks(unsigned int cmd)
{
	switch (SG_IOCTL_ID_OF(cmd)) {
	case SG_IOCTL_ID('f', 15):  /* EXT4_IOC_MOVE_EXT */
	case SG_IOCTL_ID('X', 109): /* XFS_IOC_SWAPEXT */
	case SG_IOCTL_ID(0xf5, 9): /* F2FS_IOC_MOVE_RANGE */ return true;
	}
	return false;
}

/*
 * Commands known to leave a file's content and size alone, or to ask a
 * write hook themselves (the clone and dedupe family ask
 * remap_verify_area).  Anything else a filesystem implements on a sealed
 * file is refused: the filesystems' own ioctls are many, and some write
 * (ext4's block moves, btrfs's encoded writes, XFS's space ioctls).
 */
static __always_inline bool sg_ioctl_harmless(unsigned int cmd)
{
	switch (SG_IOCTL_ID_OF(cmd)) {
	case SG_IOCTL_ID(0, 1):	    /* FIBMAP */
	case SG_IOCTL_ID(0, 2):	    /* FIGETBSZ */
	case SG_IOCTL_ID('f', 1):   /* FS_IOC_GETFLAGS */
	case SG_IOCTL_ID('f', 2):   /* FS_IOC_SETFLAGS: attributes, not data */
	case SG_IOCTL_ID('f', 11):  /* FS_IOC_FIEMAP */
	case SG_IOCTL_ID('f', 21):  /* FS_IOC_GET_ENCRYPTION_POLICY */
	case SG_IOCTL_ID('f', 22):  /* FS_IOC_GET_ENCRYPTION_PWSALT */
	case SG_IOCTL_ID('f', 25):  /* FS_IOC_GET_ENCRYPTION_POLICY_EX */
	case SG_IOCTL_ID('f', 26):  /* FS_IOC_GET_ENCRYPTION_KEY_STATUS */
	case SG_IOCTL_ID('f', 27):  /* FS_IOC_GET_ENCRYPTION_NONCE */
	case SG_IOCTL_ID('f', 133): /* FS_IOC_ENABLE_VERITY: read-only for good */
	case SG_IOCTL_ID('f', 134): /* FS_IOC_MEASURE_VERITY */
	case SG_IOCTL_ID('f', 135): /* FS_IOC_READ_VERITY_METADATA */
	case SG_IOCTL_ID('v', 1):   /* FS_IOC_GETVERSION */
	case SG_IOCTL_ID('X', 31):  /* FS_IOC_FSGETXATTR */
	case SG_IOCTL_ID('X', 32):  /* FS_IOC_FSSETXATTR */
	case SG_IOCTL_ID('X', 119): /* FIFREEZE: the filesystem's, not the file's */
	case SG_IOCTL_ID('X', 120): /* FITHAW */
	case SG_IOCTL_ID(0x94, 9):  /* FICLONE (BTRFS_IOC_CLONE) */
	case SG_IOCTL_ID(0x94, 13): /* FICLONERANGE */
	case SG_IOCTL_ID(0x94, 49): /* FS_IOC_GETFSLABEL */
	case SG_IOCTL_ID(0x94, 54): /* FIDEDUPERANGE */
	case SG_IOCTL_ID(0x15, 0):  /* FS_IOC_GETFSUUID */
	case SG_IOCTL_ID(0x15, 1): /* FS_IOC_GETFSSYSFSPATH */ return true;
	}
	/* The 'T' commands that reach a regular file (FIONREAD, FIONBIO,
	 * FIOCLEX, FIOQSIZE, isatty's TCGETS) are the VFS's own or ENOTTY. */
	return SG_IOCTL_ID_OF(cmd) >> 8 == 'T';
}

/* A command sealguard does not know on a file: refused while seals that
 * guard content or size are in force, unless the caller is exempt from
 * them. */
static __always_inline int sg_refuse_unknown_command(struct file *file, struct inode *inode)
{
	__u32 seals = sg_seals_of(inode) & SG_SEALS_WRITE_PATH, exempt;

	if (!seals)
		return 0;
	exempt = sg_exempt_seals(file->f_path.dentry, inode) & seals;
	if (!(seals & ~exempt))
		return 0;
	return sg_refuse(inode, seals, SG_EV_WRITE, -EPERM);
}

/*
 * An ioctl on any file (32-bit or not).  A file whose filesystem has no
 * ioctls of its own (tmpfs, hugetlbfs: every memfd) only reaches the
 * VFS's, each of which asks the hook of what it does; there nothing
 * changes, and a sealed memfd answers exactly as the kernel's.
 */
static __always_inline int sg_guard_fs_ioctl(struct file *file, unsigned int cmd, bool compat)
{
	struct inode *inode = file->f_inode;
	void *handler;

	if (sg_ioctl_moves_blocks(cmd) && (sg_live_any() || sg_evicted_any()))
		return sg_report(sg_inode_dev(inode), BPF_CORE_READ(inode, i_ino), 0, SG_EV_WRITE, -EPERM);
	if ((inode->i_mode & S_IFMT) == S_IFBLK)
		return sg_blk_ioctl_writes(cmd) ? sg_guard_loop_write(file, SG_EV_WRITE, -EPERM) : 0;
	if ((inode->i_mode & S_IFMT) != S_IFREG || sg_ioctl_harmless(cmd))
		return 0;
	handler = compat ? (void *)BPF_CORE_READ(file, f_op, compat_ioctl)
			 : (void *)BPF_CORE_READ(file, f_op, unlocked_ioctl);
	if (!handler)
		return 0;
	return sg_refuse_unknown_command(file, inode);
}

/*
 * io_uring's URING_CMD (IORING_OP_URING_CMD) on a file whose filesystem
 * implements ->uring_cmd: btrfs's encoded I/O since 6.13, with the
 * filesystem's ioctl numbers.  Judged as those ioctls are on a sealed
 * file.  The kernel asks this hook only once the file has ->uring_cmd,
 * so a memfd never comes here.
 */
static __always_inline int sg_guard_uring_cmd(struct io_uring_cmd *ioucmd)
{
	struct file *file = ioucmd->file;
	struct inode *inode;

	if (!file)
		return 0;
	inode = file->f_inode;
	/* The block layer's commands (discard, 6.12+) write the device. */
	if (inode && (inode->i_mode & S_IFMT) == S_IFBLK)
		return sg_guard_loop_write(file, SG_EV_WRITE, -EPERM);
	if (!inode || (inode->i_mode & S_IFMT) != S_IFREG || sg_ioctl_harmless(ioucmd->cmd_op))
		return 0;
	return sg_refuse_unknown_command(file, inode);
}

#endif
