/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The one header shared by bpf/ and user/: map values, ioctl commands and
 * seal bits.  It must compile both against vmlinux.h (BPF side, no libc)
 * and against <linux/types.h> (user side), so it only uses __u32/__u64.
 */
#ifndef SEALGUARD_ABI_H
#define SEALGUARD_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#include <linux/bpf.h> /* struct bpf_spin_lock */
#endif

/* Same values as include/uapi/linux/fcntl.h so requests mirror fcntl(). */
#define SG_SEAL_SEAL         0x0001u
#define SG_SEAL_SHRINK       0x0002u
#define SG_SEAL_GROW         0x0004u
#define SG_SEAL_WRITE        0x0008u
#define SG_SEAL_FUTURE_WRITE 0x0010u
#define SG_SEAL_EXEC         0x0020u
#define SG_SEAL_ALL          0x003fu
#define SG_SEAL_ANY_WRITE    (SG_SEAL_WRITE | SG_SEAL_FUTURE_WRITE)

/*
 * Seals are added from inside the kernel, by the daemon issuing a private
 * ioctl on the requester's own struct file: the file_ioctl program checks
 * the mapping's writable-map count and publishes the seal in one step,
 * which a bpf_map_update_elem() from user space could not do.
 * 'S' 0xe0.. is unused by any in-tree driver; the hook only reacts to the
 * daemon's tgid, for anyone else the ioctl passes through untouched.
 */
#define SG_IOC_MAGIC   'S'
#define SG_IOC_ADD     0x5308e0u /* arg: seals to add */
#define SG_IOC_CONFIRM 0x5308e1u /* arg: unused; finish a pending WRITE */
#define SG_IOC_ABORT   0x5308e2u /* arg: unused; undo a pending WRITE */

/*
 * The hook cannot let a successful request fall through to the file's own
 * ioctl handler (a driver might interpret it), so success is reported as
 * this errno; no unknown ioctl returns it.
 */
#define SG_IOC_DONE_ERRNO    125 /* ECANCELED */
/* WRITE published, writable mmaps of this inode still in flight: confirm. */
#define SG_IOC_PENDING_ERRNO 11  /* EAGAIN */

/* Per-inode state in the BPF_MAP_TYPE_INODE_STORAGE map "sg_inodes". */
struct sg_inode {
	__u32 seals;      /* SG_SEAL_* in force */
	__u32 pending;    /* seals published but not yet confirmed */
	__u32 revert;     /* seals to restore if a pending WRITE aborts */
	__u32 flags;      /* SG_INODE_* */
	struct bpf_spin_lock lock;
};

/*
 * Writable shared mmaps between the mmap_file check and the moment the
 * kernel counts them in i_mmap_writable, hashed by inode.  A WRITE seal
 * waits for its bucket to drain before trusting i_mmap_writable.
 */
#define SG_INFLIGHT_BUCKETS 1024

/* Global configuration, array map "sg_config", one element. */
struct sg_config {
	__u32 daemon_tgid; /* only this process may issue SG_IOC_* */
	__u32 features;    /* SG_FEAT_* chosen by the loader */
};

/* What a write-permission check is about, recorded per task by fentry. */
enum sg_access_kind {
	SG_ACCESS_NONE = 0,
	SG_ACCESS_RW = 1,        /* rw_verify_area(WRITE, ...) */
	SG_ACCESS_FALLOCATE = 2, /* vfs_fallocate() */
};

struct sg_access {
	__u64 file;   /* struct file * the record is for */
	__s64 pos;    /* offset, or -1 when the write has no position */
	__u64 len;    /* count or fallocate length */
	__u32 kind;   /* enum sg_access_kind */
	__u32 mode;   /* fallocate mode, or RWF_APPEND */
	__u32 flags;  /* SG_ACCESS_F_* */
	__u32 pad;
};

/* MADV_REMOVE through a mapping without VM_WRITE: natively the seal has
 * cleared its VM_MAYWRITE and madvise fails with EACCES. */
#define SG_ACCESS_F_MADV_RO 0x1u

#endif /* SEALGUARD_ABI_H */
