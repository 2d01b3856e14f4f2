/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_KERNEL_CHECK_H
#define SG_KERNEL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* What the running kernel offers, read from its BTF: never guessed from
 * the version number. */
struct sg_kernel_features {
	int setattr_has_idmap; /* inode_setattr(idmap, dentry, attr) */
	int has_vfs_writev;
	int has_aio_write;
	int has_io_write; /* io_uring */
	int has_do_shmat;
	int has_remap_file_pages;
	int has_remap_file_pages_ia32; /* the 32-bit entry (IA32 emulation) */
	int has_ioctl_compat;	       /* file_ioctl_compat: 32-bit ioctls ask it, not file_ioctl */
	int has_uring_cmd_hook;	       /* uring_cmd: io_uring's URING_CMD asks it (6.0+) */
	int has_madvise_probe;	       /* do_madvise and the bpf_find_vma helper */
	int has_inode_free_hook;       /* registry entries pruned as inodes die */
	int has_io_prep_rw;	       /* io_uring before 5.19: RWF_APPEND from the SQE */
	int has_uffd_probe;	       /* bpf_find_vma for the userfaultfd fill check */
	int can_d_path;		       /* bpf_d_path from LSM programs (5.11+) */
	int has_spin_lock;	       /* bpf_spin_lock from LSM programs (5.11+) */
	int has_task_storage;	       /* task storage from tracing programs (5.15+) */
	int has_chown_hook;	       /* path_chown: its kuid_t arguments need 6.1+ */
	int has_backing_open;	       /* backing_file_open (6.6+): overlay backing files told exactly */
	int has_backing_tmpfile_open;  /* backing_tmpfile_open (6.10+) */
	int backing_open_takes_file;   /* ... whose first argument is the overlay's file, not path */
	unsigned int write_exits;      /* bit i: the kernel has the call of the table's write exit i */
};

/*
 * Checks that this kernel can run sealguard and fills *feat.  On failure
 * returns -errno and writes into why one sentence naming the cause and the
 * fix.
 */
int sg_kernel_check(struct sg_kernel_features *feat, char *why, size_t len);

struct sealguard_bpf;

/* Loads only the programs this kernel has hooks and helpers for, and the
 * variant of each that matches its BTF: the table's load_if
 * (bpf/sg_programs.def; docs/design.md, "The program table"). */
void sg_kernel_select_programs(struct sealguard_bpf *skel, const struct sg_kernel_features *f);

/* Whether the daemon may keep a program detached while no inode carries a
 * seal (user/daemon/idle.c): the table's detachable column.  False for a
 * name not in the table. */
bool sg_kernel_prog_detachable(const char *name);

/* 1 if a program whose link was released can be attached again (5.13+),
 * 0 if not, -errno if the probe could not run. */
int sg_kernel_can_reattach(void);

/* One line naming the paths chosen for this kernel and the checks it
 * cannot have, for the daemon's log. */
void sg_kernel_describe(const struct sg_kernel_features *f, char *buf, size_t len);

/* What the running kernel's own F_SEAL_EXEC does, tried on a memfd. */
enum sg_native_exec {
	SG_NATIVE_EXEC_NONE,	  /* no F_SEAL_EXEC (before 6.3): EINVAL */
	SG_NATIVE_EXEC_CHECKED,	  /* the WRITE it implies is refused (EBUSY) while a writable map exists */
	SG_NATIVE_EXEC_UNCHECKED, /* 6.3 to 6.18: that WRITE is added anyway, the map stays writable */
	SG_NATIVE_EXEC_UNKNOWN,	  /* the probe itself failed */
};
enum sg_native_exec sg_kernel_native_exec(void);

/* The sentence for a program load refused with err (negative errno). */
void sg_kernel_explain_load_error(int err, char *why, size_t len);

#endif
