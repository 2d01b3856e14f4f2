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
#include "sg_key.h"

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

/* Which filesystem an evicted seal belongs to (struct sg_evicted's magic):
 * its magic, and in the upper half a fold of its UUID, so that a new
 * filesystem given the device number of one unmounted with sealed files
 * (anonymous devices are reused: btrfs, whose new files also repeat the
 * old ones' inode numbers and generations) does not take their seals.
 * A btrfs subvolume other than the top-level one also folds in its id
 * (times an odd constant, so distinct ids below 2^31 fold apart): its
 * device number is handed out anew at each mount (sg_key.h), and another
 * subvolume may get the one it had.  A filesystem without a UUID, outside
 * a subvolume, folds to 0. */
static __always_inline __u64 sg_fs_tag(struct inode *inode)
{
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	__u64 subvol = sg_subvolume_id(inode);
	__u32 u[4] = {}, fold;

	bpf_core_read(u, sizeof(u), &sb->s_uuid);
	fold = u[0] ^ u[1] ^ u[2] ^ u[3] ^ ((__u32)subvol * 2654435761u) << 1;
	if (u[0] | u[1] | u[2] | u[3] | subvol)
		fold |= 1;
	return (__u32)BPF_CORE_READ(sb, s_magic) | ((__u64)fold << 32);
}

/* Entries kept before the fold was (upper half 0) match on the magic. */
static __always_inline bool sg_fs_tag_matches(__u64 kept, __u64 now)
{
	return (__u32)kept == (__u32)now && (!(kept >> 32) || kept >> 32 == now >> 32);
}

static __always_inline void sg_keep_evicted(struct inode *inode, struct sg_file_key *key, __u32 seals)
{
	struct sg_evicted e = {
		.seals = seals,
		.generation = BPF_CORE_READ(inode, i_generation),
		.magic = sg_fs_tag(inode),
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

/* The registry's record for inode's key, unless the key's evicted entry
 * is another filesystem's (one unmounted from the device number inode's
 * filesystem has now): then the record is that file's, not inode's.  For
 * the checks that read the registry (the fence, loop devices, overlays). */
static __always_inline struct sg_sealed_rec *sg_registry_lookup(struct inode *inode, const struct sg_file_key *key)
{
	struct sg_sealed_rec *rec = bpf_map_lookup_elem(&sg_sealed, key);
	struct sg_evicted *e;

	if (!rec || !sg_evicted_any())
		return rec;
	e = bpf_map_lookup_elem(&sg_evicted, key);
	return e && !sg_fs_tag_matches(e->magic, sg_fs_tag(inode)) ? NULL : rec;
}

/* A seal added to inode makes the registry entry of its key inode's: an
 * evicted entry another filesystem's file left under that key goes. */
static __always_inline void sg_drop_foreign_evicted(struct inode *inode)
{
	struct sg_file_key key;
	struct sg_evicted *e;

	if (!sg_evicted_any())
		return;
	sg_inode_key(inode, &key);
	e = bpf_map_lookup_elem(&sg_evicted, &key);
	if (e && !sg_fs_tag_matches(e->magic, sg_fs_tag(inode)))
		sg_forget_evicted(&key);
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
	/* Another filesystem on a device number an unmounted one had: the
	 * entries are that one's, for when it is mounted there again. */
	if (!sg_fs_tag_matches(e->magic, sg_fs_tag(inode)))
		return 0;
	seals = e->seals;
	if (e->generation != BPF_CORE_READ(inode, i_generation)) {
		/* The number belongs to another file now: neither entry is
		 * about it. */
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
