/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seals of disk files whose inodes leave the inode cache (sealguard_abi.h,
 * struct sg_evicted).  The seal belongs to the file, not to the in-memory
 * inode: a file sealed, closed, and evicted under memory pressure must
 * come back sealed, daemon or no daemon.
 */
#ifndef SG_EVICT_H
#define SG_EVICT_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"
#include "sg_compat.h"
#include "sg_live.h"

static __always_inline void sg_file_key(__u32 dev, __u64 ino, struct sg_file_key *key)
{
	key->dev_major = dev >> SG_MINORBITS;
	key->dev_minor = dev & ((1u << SG_MINORBITS) - 1);
	key->ino = ino;
}

static __always_inline void sg_inode_key(struct inode *inode, struct sg_file_key *key)
{
	sg_file_key(BPF_CORE_READ(inode, i_sb, s_dev), BPF_CORE_READ(inode, i_ino), key);
}

static __always_inline __s64 *sg_evicted_counter(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_evicted_count, &zero);
}

static __always_inline bool sg_evicted_any(void)
{
	__s64 *n = sg_evicted_counter();

	return n && *(volatile __s64 *)n > 0;
}

static __always_inline void sg_forget_evicted(struct sg_file_key *key)
{
	__s64 *n;

	/* Only the caller whose delete succeeded counts it. */
	if (bpf_map_delete_elem(&sg_evicted, key) == 0 && (n = sg_evicted_counter()))
		__sync_fetch_and_add(n, -1);
}

static __always_inline void sg_keep_evicted(struct inode *inode, struct sg_file_key *key, __u32 seals)
{
	struct sg_evicted e = {
		.seals = seals,
		.generation = BPF_CORE_READ(inode, i_generation),
		.magic = BPF_CORE_READ(inode, i_sb, s_magic),
	};
	__s64 *n;

	if (bpf_map_update_elem(&sg_evicted, key, &e, BPF_NOEXIST) == 0) {
		if ((n = sg_evicted_counter()))
			__sync_fetch_and_add(n, 1);
		return;
	}
	/* Already there (a stale entry of a number now reused): replace.
	 * It cannot be full: it is as large as the registry, and holds only
	 * files that have an entry there, which every seal gets before it is
	 * added (user/daemon/registry.c, sg_register_key). */
	bpf_map_update_elem(&sg_evicted, key, &e, BPF_EXIST);
}

/* The first check of an inode read back from disk: its seals, put back
 * into fresh storage.  Under the inode's lock, not an atomic OR: 5.10 has
 * no BPF_ATOMIC fetch-or. */
static __always_inline __u32 sg_reinstate(struct inode *inode)
{
	struct sg_file_key key;
	struct sg_evicted *e;
	struct sg_inode *st;
	__s64 *live;
	__u32 seals;

	sg_inode_key(inode, &key);
	e = bpf_map_lookup_elem(&sg_evicted, &key);
	if (!e)
		return 0;
	seals = e->seals;
	if (e->generation != BPF_CORE_READ(inode, i_generation) || e->magic != BPF_CORE_READ(inode, i_sb, s_magic)) {
		/* The number belongs to another file now (a filesystem made
		 * anew on the same device): neither entry is about it. */
		seals = 0;
		bpf_map_delete_elem(&sg_sealed, &key);
	} else {
		live = sg_live_counter();
		st = bpf_inode_storage_get(&sg_inodes, inode, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		/* No memory, or the lock busy (5.10, sg_compat.h): enforce
		 * this once, and try again next time. */
		if (!st || !sg_lock(st))
			return seals;
		sg_live_note(live, st->seals, st->seals | seals);
		st->seals |= seals;
		sg_unlock(st);
	}
	sg_forget_evicted(&key);
	return seals;
}

#endif
