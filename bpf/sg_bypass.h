/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writers that go around the write-permission hooks, closed where they
 * start.  The loop driver writes (and discards) through its backing file
 * with ->write_iter and ->fallocate directly, so file_permission never
 * sees /dev/loopN being written: a writable loop device is refused on a
 * write-sealed backing file when it is set up.
 */
#ifndef SG_BYPASS_H
#define SG_BYPASS_H

#define LOOP_MAJOR 7
#define LOOP_SET_FD 0x4C00
#define LOOP_CONFIGURE 0x4C0A
#define LO_FLAGS_READ_ONLY 1
#define S_IFBLK 0060000

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
	struct sg_file_key key = {};
	struct sg_sealed_rec *rec;
	bool read_only = false;
	struct file *backing;
	__u32 dev, fd;

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
	dev = BPF_CORE_READ(backing, f_inode, i_sb, s_dev);
	key.dev_major = dev >> SG_MINORBITS;
	key.dev_minor = dev & ((1u << SG_MINORBITS) - 1);
	key.ino = BPF_CORE_READ(backing, f_inode, i_ino);
	rec = bpf_map_lookup_elem(&sg_sealed, &key);
	if (!rec || !(rec->seals & SG_SEAL_ANY_WRITE))
		return 0;
	return sg_report(dev, key.ino, rec->seals, SG_EV_WRITE, -EPERM);
}

#endif
