/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reporting refusals: every one is counted per operation; an event goes
 * to the daemon's ring buffer unless this process already had
 * SG_EVENT_BURST events about this inode in the current window.  The
 * decision itself never depends on anything here.
 */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "sealguard_abi.h"
#include "sg_defs.h"
#include "sg_maps.h"

static __always_inline struct sg_event_stats *sg_stats_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sg_stats, &zero);
}

/* Whether to send an event; *held gets the count it should carry of the
 * denials held back since the previous one. */
static __always_inline bool sg_rate_ok(struct sg_rl_key *key, __u32 *held)
{
	struct sg_rl_window *w, fresh;
	__u64 now = bpf_ktime_get_ns();

	*held = 0;
	w = bpf_map_lookup_elem(&sg_ratelimit, key);
	if (!w) {
		/* Field by field: an initializer would become a .rodata map. */
		fresh.start_ns = now;
		fresh.count = 1;
		fresh.suppressed = 0;
		bpf_map_update_elem(&sg_ratelimit, key, &fresh, BPF_ANY);
		return true;
	}
	if (now - w->start_ns >= SG_EVENT_WINDOW_NS) {
		*held = w->suppressed;
		w->start_ns = now;
		w->count = 1;
		w->suppressed = 0;
		return true;
	}
	if (w->count >= SG_EVENT_BURST) {
		__sync_fetch_and_add(&w->suppressed, 1);
		return false;
	}
	__sync_fetch_and_add(&w->count, 1);
	return true;
}

/* Reports the refusal of op on (dev, ino) and returns err. */
static __always_inline int sg_report(__u32 dev, __u64 ino, __u32 seals, __u32 op, int err)
{
	struct sg_event_stats *stats = sg_stats_cpu();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sg_rl_key key = {};
	struct sg_event *ev;
	__u32 held;

	if (stats && op < SG_EV_OP_COUNT)
		__sync_fetch_and_add(&stats->denials[op], 1);

	key.dev = dev;
	key.tgid = pid_tgid >> 32;
	key.ino = ino;
	if (!sg_rate_ok(&key, &held)) {
		if (stats)
			__sync_fetch_and_add(&stats->suppressed, 1);
		return err;
	}

	ev = bpf_ringbuf_reserve(&sg_events, sizeof(*ev), 0);
	if (!ev) {
		if (stats)
			__sync_fetch_and_add(&stats->dropped, 1);
		return err;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->ino = key.ino;
	ev->dev_major = dev >> SG_MINORBITS;
	ev->dev_minor = dev & ((1u << SG_MINORBITS) - 1);
	ev->seals = seals;
	ev->op = op;
	ev->err = err;
	ev->pid = key.tgid;
	ev->tid = (__u32)pid_tgid;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->suppressed = held;
	ev->pad = 0;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
	return err;
}

/* Reports the refusal of op on inode and returns err, so call sites read
 * "return sg_refuse(...)". */
static __always_inline int sg_refuse(struct inode *inode, __u32 seals, __u32 op, int err)
{
	return sg_report(BPF_CORE_READ(inode, i_sb, s_dev), BPF_CORE_READ(inode, i_ino), seals, op, err);
}

#endif
