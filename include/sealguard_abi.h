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
#define SG_SEAL_SEAL	     0x0001u
#define SG_SEAL_SHRINK	     0x0002u
#define SG_SEAL_GROW	     0x0004u
#define SG_SEAL_WRITE	     0x0008u
#define SG_SEAL_FUTURE_WRITE 0x0010u
#define SG_SEAL_EXEC	     0x0020u
#define SG_SEAL_ALL	     0x003fu
#define SG_SEAL_ANY_WRITE    (SG_SEAL_WRITE | SG_SEAL_FUTURE_WRITE)

/*
 * Seals are added from inside the kernel, by the daemon issuing a private
 * ioctl on the requester's own struct file: the file_ioctl program checks
 * the mapping's writable-map count and publishes the seal in one step,
 * which a bpf_map_update_elem() from user space could not do.
 * 'S' 0xe0.. is unused by any in-tree driver; the hook only reacts to the
 * daemon's tgid, for anyone else the ioctl passes through untouched.
 */
#define SG_IOC_ADD     0x5308e0u /* arg: seals to add */
#define SG_IOC_CONFIRM 0x5308e1u /* arg: unused; finish a pending WRITE */
#define SG_IOC_ABORT   0x5308e2u /* arg: unused; undo a pending WRITE */
#define SG_IOC_SYNC    0x5308e3u /* arg: unused; put back the seals of an evicted inode */
/* arg: unused; writes the file's registry key as the kernel's programs
 * compute it (bpf/sg_key.h: stat's device, also on btrfs when the
 * programs could read its subvolumes) to the array "sg_ioc_key"; EOPNOTSUPP for an overlay file, whose stat
 * key is its real file's, the one its seals live under. */
#define SG_IOC_KEY 0x5308e4u

/*
 * The hook cannot let a successful request fall through to the file's own
 * ioctl handler (a driver might interpret it), so success is reported as
 * this errno; no unknown ioctl returns it.
 */
#define SG_IOC_DONE_ERRNO 125 /* ECANCELED */
/* WRITE published, writable mmaps of this inode still in flight: confirm. */
#define SG_IOC_PENDING_ERRNO 11 /* EAGAIN */
/* The inode's seal state was locked by another task (5.10 only, whose LSM
 * programs have no bpf_spin_lock): nothing changed, ask again. */
#define SG_IOC_RETRY_ERRNO 4 /* EINTR */
/* SG_IOC_ADD and SG_IOC_CONFIRM succeed with the seals then in force in
 * the errno's low bits, above every errno they can otherwise return, and
 * within the [-4095, 0] an LSM program may return: the daemon replies
 * with them without reading the inode's storage back. */
#define SG_IOC_SEALS_ERRNO_BASE	  2048
#define SG_IOC_SEALS_ERRNO(seals) (SG_IOC_SEALS_ERRNO_BASE | ((seals)&SG_SEAL_ALL))

/* Per-inode state in the BPF_MAP_TYPE_INODE_STORAGE map "sg_inodes". */
struct sg_inode {
	__u32 seals;   /* SG_SEAL_* in force */
	__u32 pending; /* seals published but not yet confirmed */
	__u32 revert;  /* seals to restore if a pending WRITE aborts */
	__u32 audit;   /* seals apply rules in audit mode would have added
			 * (bpf/sg_krules.h): never enforced, only reported */
	struct bpf_spin_lock lock;
};

/*
 * Writable shared mmaps between the mmap_file check and the moment the
 * kernel counts them in i_mmap_writable, hashed by inode.  A WRITE seal
 * waits for its bucket to drain before trusting i_mmap_writable.
 */
#define SG_INFLIGHT_BUCKETS 1024

/* An inode number's bucket in every in-flight count (mmaps, fallocates,
 * writes): the BPF side and the daemon's fence must agree. */
#define SG_INFLIGHT_BUCKET(ino) ((__u32)(ino) & (SG_INFLIGHT_BUCKETS - 1))

/* Global configuration, array map "sg_config", one element. */
#define SG_EXE_NAME_MAX 16

struct sg_config {
	__u32 daemon_tgid; /* only this process may issue SG_IOC_* */
	__u32 reserved;	   /* unused; keeps the pinned map's layout */
	__u32 kpol_half;   /* 0 or 1: the half of "sg_kpolicy"/"sg_kmatch" in force */
	__u32 kpol_sets;   /* SG_KSET_F_*: which kinds of kernel rule are installed */
	/* Who may open sealguard's maps for writing and remove its pins
	 * (bpf/sg_guard.h): the daemon_tgid above, or a process running an
	 * executable named exe_name in the daemon's directory, so that a
	 * restarted or upgraded daemon can adopt the pins. */
	__u64 exe_dir_ino;
	__u32 exe_dir_dev; /* kernel encoding: major << 20 | minor */
	__u32 pin_dev;	   /* the BPF filesystem holding the pins, same encoding */
	char exe_name[SG_EXE_NAME_MAX];
};

/* What a write-permission check is about, recorded per task by fentry. */
enum sg_access_kind {
	SG_ACCESS_NONE = 0,
	SG_ACCESS_RW = 1,	 /* rw_verify_area(WRITE, ...) */
	SG_ACCESS_FALLOCATE = 2, /* vfs_fallocate() */
	SG_ACCESS_CHOWN = 3,	 /* chown in progress: file holds the inode */
};

struct sg_access {
	__u64 file;    /* struct file * the record is for */
	__s64 pos;     /* offset, or -1 when the write has no position */
	__u64 len;     /* count or fallocate length */
	__u32 kind;    /* enum sg_access_kind */
	__u32 mode;    /* fallocate mode, or RWF_APPEND */
	__u32 flags;   /* SG_ACCESS_F_* */
	__u32 checked; /* SG_ACCESS_CHECKED | the seals a check judged it by */
};

/* MADV_REMOVE through a mapping without VM_WRITE: natively the seal has
 * cleared its VM_MAYWRITE and madvise fails with EACCES. */
#define SG_ACCESS_F_MADV_RO 0x1u

/* Set in sg_access.checked once file_permission has judged the record. */
#define SG_ACCESS_CHECKED 0x80000000u

/* ---- denial events and counters (ring buffer "sg_events") ------------- */

/* What a refused operation was; indexes struct sg_event_stats.denials. */
enum sg_event_op {
	SG_EV_WRITE = 0,     /* write family, splice, copy_file_range, io_uring */
	SG_EV_FALLOCATE = 1, /* fallocate, MADV_REMOVE */
	SG_EV_MMAP = 2,	     /* new writable shared mapping */
	SG_EV_MPROTECT = 3,  /* PROT_WRITE on a read-only shared mapping */
	SG_EV_TRUNCATE = 4,  /* size change: truncate, ftruncate, O_TRUNC */
	SG_EV_CHMOD = 5,     /* exec bits changed under EXEC */
	SG_EV_TAMPER = 6,    /* another process reached for sealguard's own maps,
			      * pins or daemon (bpf/sg_guard.h) */
	SG_EV_OP_COUNT = 7,
	/* Not a kernel refusal: a seal request the policy refused, reported
	 * by the daemon to its subscribers (no counter in denials[]). */
	SG_EV_REQUEST = 0x100,
	/* A policy apply rule could not list a file it was about to seal (the
	 * registry is full): the operation that triggered it was refused with
	 * ENOSPC instead (bpf/sg_krules.h; no counter in denials[]). */
	SG_EV_REGISTRY_FULL = 0x101,
	/* An apply rule in audit mode would have added seals (SG_EVF_AUDIT;
	 * counted in sg_audit_stats, not in denials[]). */
	SG_EV_AUDIT_SEAL = 0x102,
};

/*
 * A refused operation.  dev is split as major/minor so that both sides
 * agree without knowing each other's dev_t encoding.
 */
struct sg_event {
	__u64 ts_ns;	 /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id; /* cgroup v2 id of the task */
	__u64 ino;
	__u32 dev_major;
	__u32 dev_minor;
	__u32 seals; /* seals in force when refused */
	__u32 op;    /* enum sg_event_op */
	__s32 err;   /* the negative errno returned */
	__u32 pid;   /* tgid, as user space calls it */
	__u32 tid;
	__u32 uid;	  /* current_uid() */
	__u32 suppressed; /* denials of this inode by this process not
			   * reported since its previous event */
	__u32 flags;	  /* SG_EVF_* */
	char comm[16];
};

/* sg_event.flags.  An audit event reports what an apply rule in audit mode
 * would have done, and nothing was refused or sealed: op SG_EV_AUDIT_SEAL
 * with the seals it would have added (and the rule, SG_EVF_RULE), or the
 * op and errno of a refusal those seals would have made (seals: the ones
 * in force together with the audit seals). */
#define SG_EVF_AUDIT	   0x1u
#define SG_EVF_RULE_SHIFT  8 /* bits 8..15: 1 + the kernel rule's bit, 0: unknown */
#define SG_EVF_RULE(flags) ((int)(((flags) >> SG_EVF_RULE_SHIFT) & 0xff) - 1)

/*
 * Rate limit, per (inode, process): at most SG_EVENT_BURST events per
 * SG_EVENT_WINDOW_NS; further denials are only counted.
 */
#define SG_EVENT_BURST	   5
#define SG_EVENT_WINDOW_NS 1000000000ull

/* Per-CPU array "sg_stats", one element; user space sums the CPUs. */
struct sg_event_stats {
	__u64 denials[SG_EV_OP_COUNT]; /* every refusal, rate-limited or not */
	__u64 suppressed;	       /* held back by the rate limit */
	__u64 dropped;		       /* ring buffer full */
};

/* Per-CPU array "sg_audit_stats", one element: what apply rules in audit
 * mode reported (every one, rate-limited or not).  A map of its own, so
 * that sg_stats keeps its pinned layout. */
struct sg_audit_stats {
	__u64 would_seal;   /* triggers that would have added seals */
	__u64 would_refuse; /* operations the audit seals would have refused */
	__u64 suppressed;   /* audit events held back by the rate limit */
	__u64 dropped;	    /* audit events lost: ring buffer full */
};

/* ---- registry of sealed files (hash "sg_sealed") ---------------------- */

/*
 * Written by the daemon after a seal is added, so that files can be listed
 * and events can name a path; the kernel deletes an entry when its inode
 * is freed (inode storage, and so the seal, goes at the same moment).
 */
struct sg_file_key {
	__u32 dev_major;
	__u32 dev_minor;
	__u64 ino;
};

#define SG_PATH_MAX 256

/* sg_sealed_rec.flags */
#define SG_REC_POLICY 0x1u /* added by an apply rule: uid and pid are the triggering process's */
#define SG_REC_BOOTTIME \
	0x2u /* sealed_at is CLOCK_BOOTTIME ns (kernel-written; the daemon
			      * converts it before it leaves the daemon) */
#define SG_REC_CHARGED \
	0x8u /* kernel-written: an apply rule made the entry and counted it
			      * against the file's owner ("sg_policy_owned") */
#define SG_REC_EVICTED \
	0x4u /* set in list answers only: the inode is out of the cache,
			      * its seals wait in "sg_evicted" */

struct sg_sealed_rec {
	__u32 seals;		/* after the latest request, or when the policy added them */
	__u32 uid;		/* uid of the latest requester */
	__u32 pid;		/* pid of the latest requester */
	__u32 flags;		/* SG_REC_* */
	__u64 sealed_at;	/* CLOCK_REALTIME seconds of the first seal */
	char path[SG_PATH_MAX]; /* as /proc/self/fd/N read at request time, or d_path() */
};

#define SG_SEALED_MAX 65536
/* Per-task records (bpf/sg_task.h) where tracing programs have no task
 * storage (before 5.15): a hash keyed by thread id, this large. */
#define SG_TASKS_HASH_MAX 16384
/* Entries one user other than root may make by request: a user at the
 * bound is answered EDQUOT, and a full registry ENOSPC, before any seal is
 * added (user/daemon/registry.c), since a seal without its entry escapes
 * the checks that read the registry (loop devices, the fence, overlays). */
#define SG_SEALED_PER_USER 4096
/* The same bound on the entries apply rules make, counted per owner of the
 * file (the user who made it, whoever triggers the rule): a user who feeds
 * a compositor files of their own cannot fill the registry for everyone;
 * the trigger is refused with EDQUOT (bpf/sg_krules.h).  Owners counted at
 * once; when they are all taken, a new owner's trigger gets ENOSPC. */
#define SG_POLICY_OWNERS_MAX 16384

/*
 * A disk file's inode can leave the inode cache while its file stays
 * (drop_caches, memory pressure), and its inode storage goes with it.
 * inode_free_security keeps the seals in the hash "sg_evicted", keyed like
 * the registry; when the inode is read back, the first seal check finds no
 * storage and puts them back, unless the inode number now belongs to
 * another file (its generation or filesystem differs).  "sg_evicted_count"
 * (array, one __s64) says whether there is anything to look up, so that
 * while nothing was evicted an inode without storage costs no lookup.
 */
struct sg_evicted {
	__u32 seals;
	__u32 generation; /* i_generation: new for each file created */
	__u64 magic;	  /* the filesystem's s_magic; upper half: a fold of its
			   * s_uuid, 0 for none (and in entries kept before) */
};

/* ---- rules the kernel enforces: apply and exempt ----------------------- */

/*
 * The daemon compiles the policy's apply and exempt rules (docs/policy.md)
 * into two maps, each in two halves: it fills the half not in force, then
 * switches sg_config.kpol_half, so a policy change takes effect in one map
 * update.  A rule is a bit in a __u64, so matching costs one lookup per
 * attribute of the process or file, whatever the number of rules:
 *
 *  - "sg_kmatch" (hash): (half, attribute, value) -> the rules whose
 *    condition on that attribute accepts this value;
 *  - "sg_kname" (hash): the same for memfd names and name prefixes;
 *  - "sg_kpolicy" (array, key = half): which rules each trigger runs, which
 *    rules have no condition on an attribute, which rules carry each seal.
 * No loop in the kernel runs over the rules.
 */
#define SG_KRULE_MAX	 64   /* apply + exempt rules: bits of a __u64 */
#define SG_KPATH_DEPTH	 16   /* directories a path condition looks up through */
#define SG_KCGROUP_DEPTH 16   /* cgroup levels a cgroup condition looks up through */
#define SG_KMEMFD_MAX	 64   /* bytes of a memfd name prefix the kernel compares */
#define SG_KMATCH_MAX	 4096 /* entries in sg_kmatch, and in sg_kname */

/* Sets of rules in sg_kpolicy.set[]; SG_KSET_F_* in sg_config.kpol_sets. */
enum sg_kset {
	SG_KSET_RECEIVE, /* apply, on: receive (file_receive) */
	SG_KSET_MMAP,	 /* apply, on: mmap (a shared mmap_file) */
	SG_KSET_OPEN,	 /* apply, on: open (file_open) */
	SG_KSET_EXEMPT,	 /* exempt: checked before a refusal */
	SG_KSET_COUNT,
};
#define SG_KSET_F(s) (1u << (s))

/* Attributes looked up in sg_kmatch. */
enum sg_kattr {
	SG_KATTR_UID,	 /* a: effective uid */
	SG_KATTR_GID,	 /* a: effective gid or a supplementary group */
	SG_KATTR_EXE,	 /* a: kernel dev_t (major << 20 | minor), b: inode of the executable */
	SG_KATTR_COMM,	 /* a, b: the 16 bytes of the task name, NUL padded */
	SG_KATTR_CGROUP, /* a: cgroup v2 id of the process's cgroup or an ancestor */
	SG_KATTR_DIR,	 /* a: kernel dev_t, b: inode of the file or a directory above it */
	SG_KATTR_OWNER,	 /* a: the file's owner uid */
	SG_KATTR_COUNT,
};

/* Filesystem kinds, the index of sg_kpolicy.fs[] (and the policy's SG_FS_* bit order). */
enum sg_kfs {
	SG_KFS_TMPFS,
	SG_KFS_MEMFD,
	SG_KFS_HUGETLBFS,
	SG_KFS_OTHER,
	SG_KFS_COUNT,
};

struct sg_kmatch_key {
	__u32 half;
	__u32 attr; /* SG_KATTR_* */
	__u64 a, b; /* unused words are 0 */
};

/* memfd names, in "sg_kname": (half, len, first len bytes of the name,
 * zero padded) -> the rules with that prefix; len 0 is an exact name. */
struct sg_kname_key {
	__u32 half;
	__u32 len;
	char name[SG_KMEMFD_MAX + 8]; /* room for a prefix and its NUL */
};

#define SG_KSEAL_BITS  6 /* SG_SEAL_SEAL .. SG_SEAL_EXEC */
#define SG_KMEMFD_LENS 8 /* distinct memfd prefix lengths */

struct sg_kpolicy {
	__u64 set[SG_KSET_COUNT];	  /* rules in each set */
	__u64 any[SG_KATTR_COUNT];	  /* rules with no condition on the attribute */
	__u64 fs[SG_KFS_COUNT];		  /* rules accepting each filesystem kind */
	__u64 sealed_by[SG_KSEAL_BITS];	  /* rules whose seals include bit 1 << i */
	__u64 memfd;			  /* rules with a memfd name condition */
	__u32 memfd_exact;		  /* some rule names an exact memfd name */
	__u32 memfd_lens[SG_KMEMFD_LENS]; /* prefix lengths in use; 0 ends the list */
	__u32 flags;			  /* SG_KPOL_F_* */
};

/* Some apply rule is in audit mode ("mode: audit", or sealguardd --audit):
 * the key (half, SG_KATTR_AUDIT, 0, 0) of sg_kmatch holds those rules.
 * Looked up only when a trigger's rules matched and this flag is set. */
#define SG_KPOL_F_AUDIT 0x1u
#define SG_KATTR_AUDIT	0x100u

#endif /* SEALGUARD_ABI_H */
