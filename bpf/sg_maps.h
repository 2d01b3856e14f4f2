/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every map of sealguard.bpf.c, with the types of their keys and values
 * that only BPF uses (the rest are in sealguard_abi.h): the code that
 * uses them lives in the header each comment names.  All are pinned by
 * the loader, so a restarted or upgraded daemon's programs see the same
 * state.
 */
#ifndef SG_MAPS_H
#define SG_MAPS_H

#include <bpf/bpf_helpers.h>
#include "sealguard_abi.h"

/* Per-inode seals; dies with the in-memory inode. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_inode);
} sg_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_config);
} sg_config SEC(".maps");

/* Writable shared mmaps between the mmap_file check and their counting in
 * i_mmap_writable, bucketed by inode number. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_INFLIGHT_BUCKETS);
	__type(key, __u32);
	__type(value, __s64);
} sg_inflight SEC(".maps");

/* fallocates between their vfs_fallocate entry, which comes before the
 * seal check, and their return, bucketed by inode number like sg_inflight:
 * the daemon's fence waits for a sealed file's bucket to drain (tmpfs's
 * fallocate asks no hook under the inode lock; user/daemon/fence.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_INFLIGHT_BUCKETS);
	__type(key, __u32);
	__type(value, __s64);
} sg_falloc_inflight SEC(".maps");

/* Writes between their rw_verify_area, which comes before the seal check,
 * and the return of the call that made it, bucketed by inode number and
 * by phase: slot 2 * bucket + phase.  A fence flips the bucket's phase in
 * sg_write_phase, then waits for the old phase's count to drain, so it
 * waits only for writes counted before the seal (user/daemon/fence.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * SG_INFLIGHT_BUCKETS);
	__type(key, __u32);
	__type(value, __s64);
} sg_write_pending SEC(".maps");

/* Written by the daemon only. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SG_INFLIGHT_BUCKETS);
	__type(key, __u32);
	__type(value, __u32);
} sg_write_phase SEC(".maps");

/* The overlay inode a backing file is being opened for, from the entry of
 * backing_file_open() to the file_open inside it (sg_overlay.h).  Task
 * storage: it dies with the task, and one user's opens cannot crowd out
 * another's.  Not created where the kernel has no backing_file_open. */
struct sg_backing_open {
	struct sg_file_key user;
	__u32 armed;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_backing_open);
} sg_backing_opens SEC(".maps");

/* Denial events for the daemon (struct sg_event).  256 KiB holds ~2900
 * events; the per-inode rate limit keeps a busy loop far below that. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} sg_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_event_stats);
} sg_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_audit_stats);
} sg_audit_stats SEC(".maps");

/* Rate-limit windows per (inode, process).  LRU: a forgotten window only
 * lets one more burst through. */
struct sg_rl_key {
	__u32 dev;
	__u32 tgid;
	__u64 ino;
};

struct sg_rl_window {
	__u64 start_ns;
	__u32 count;
	__u32 suppressed;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct sg_rl_key);
	__type(value, struct sg_rl_window);
} sg_ratelimit SEC(".maps");

/* Sealed files by (dev, ino), written by the daemon; see sealguard_abi.h. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_SEALED_MAX);
	__type(key, struct sg_file_key);
	__type(value, struct sg_sealed_rec);
} sg_sealed SEC(".maps");

/* Registry entries apply rules made, per owner uid of the file
 * (SG_POLICY_OWNERS_MAX, sg_krules.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_POLICY_OWNERS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} sg_policy_owned SEC(".maps");

/* Seals of evicted inodes and how many there are (sealguard_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_SEALED_MAX);
	__type(key, struct sg_file_key);
	__type(value, struct sg_evicted);
} sg_evicted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} sg_evicted_count SEC(".maps");

/* How many in-memory inodes carry seals (bpf/sg_live.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} sg_live_count SEC(".maps");

/* The registry key of the file the daemon last asked SG_IOC_KEY about,
 * written only inside the daemon's own ioctl (one thread asks). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_file_key);
} sg_ioc_key SEC(".maps");

/* A registry record being built: too big for the stack next to the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_sealed_rec);
} sg_rec_scratch SEC(".maps");

/* Apply and exempt rules compiled from the policy by the daemon, in two
 * halves (sealguard_abi.h, "rules the kernel enforces"). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct sg_kpolicy);
} sg_kpolicy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_KMATCH_MAX);
	__type(key, struct sg_kmatch_key);
	__type(value, __u64);
} sg_kmatch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, SG_KMATCH_MAX);
	__type(key, struct sg_kname_key);
	__type(value, __u64);
} sg_kname SEC(".maps");

/* Each task's records of its calls in progress (sg_task.h): task
 * storage, or on 5.10 a hash keyed by thread id (the loader's choice). */
struct sg_task {
	struct sg_access access;
	__u32 write_slot; /* slot + 1 in sg_write_pending; 0: none */
	__u32 mmap_idx;	  /* bucket + 1 in sg_inflight; 0: none */
	__u32 falloc_idx; /* bucket + 1 in sg_falloc_inflight; 0: none */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sg_task);
} sg_tasks SEC(".maps");

/* The per-inode lock where LSM programs have no bpf_spin_lock (5.10):
 * an entry keyed by the storage's address (sg_compat.h, sg_lock). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} sg_locks SEC(".maps");

/* RWF_APPEND of io_uring requests before 5.19, per request from
 * io_prep_rw to io_write (sg_compat.h). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u32);
} sg_uring_append SEC(".maps");

/* The tamper guard (sg_guard.h). */
/* Ids of sealguard's maps, written by the daemon after loading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} sg_guard_maps SEC(".maps");

/* sealguard's pins and pin directories, marked by the daemon. */
struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} sg_guard_inodes SEC(".maps");

#endif
