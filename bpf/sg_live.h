/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How many in-memory inodes carry seals.  While none does (and nothing is
 * evicted, and no kernel rule can add one), the daemon may detach the
 * write-path programs (user/daemon/idle.c), so a machine with no seal pays
 * nothing on its writes.  An over-count only keeps them attached; an
 * under-count would leave a seal unenforced, so every change of st->seals
 * between zero and non-zero goes through here, under the inode's lock.
 */
#ifndef SG_LIVE_H
#define SG_LIVE_H

#include <bpf/bpf_helpers.h>
#include "sg_maps.h"

/* Looked up before the inode's lock is taken: no helper call may run
 * under a bpf_spin_lock. */
static __always_inline __s64 *sg_live_counter(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_live_count, &zero);
}

static __always_inline bool sg_live_any(void)
{
	__s64 *n = sg_live_counter();

	return n && *(volatile __s64 *)n != 0;
}

static __always_inline void sg_live_note(__s64 *n, __u32 before, __u32 after)
{
	if (n && !before != !after)
		__sync_fetch_and_add(n, after ? 1 : -1);
}

#endif
