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
#include "sg_key.h"

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

/* Sends one event unless the rate limit holds it back: 0 sent, 1 held
 * back, 2 lost (ring buffer full); the caller counts. */
static __always_inline int sg_emit(__u32 dev, __u64 ino, __u32 seals, __u32 op, int err, __u32 flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct sg_rl_key key = {};
	struct sg_event *ev;
	__u32 held;

	key.dev = dev;
	key.tgid = pid_tgid >> 32;
	key.ino = ino;
	if (!sg_rate_ok(&key, &held))
		return 1;

	ev = bpf_ringbuf_reserve(&sg_events, sizeof(*ev), 0);
	if (!ev)
		return 2;
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
	ev->flags = flags;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/* Counts one refusal (or, with SG_EVF_AUDIT in the high half of
 * op_flags, one audit finding) and sends its event: op in the low half,
 * the event's flags in the high half (five arguments at most).  A global
 * function, verified once per program, not at every refusal it reports
 * (docs/design.md, "What the verifier walks"). */
__noinline int sg_report_event(__u32 dev, __u64 ino, __u32 seals, __u64 op_flags, int err)
{
	__u32 op = (__u32)op_flags, flags = op_flags >> 32, zero = 0;
	struct sg_audit_stats *audit = NULL;
	struct sg_event_stats *stats = NULL;
	int sent;

	/* One register for op, checked and then used as the index (clang
	 * would otherwise take it from op_flags again, unchecked). */
	barrier_var(op);

	if (flags & SG_EVF_AUDIT) {
		audit = bpf_map_lookup_elem(&sg_audit_stats, &zero);
		if (audit)
			__sync_fetch_and_add(op == SG_EV_AUDIT_SEAL ? &audit->would_seal : &audit->would_refuse, 1);
	} else {
		stats = sg_stats_cpu();
		if (stats && op < SG_EV_OP_COUNT)
			__sync_fetch_and_add(&stats->denials[op], 1);
	}
	sent = sg_emit(dev, ino, seals, op, err, flags);
	if (sent == 1) {
		if (audit)
			__sync_fetch_and_add(&audit->suppressed, 1);
		if (stats)
			__sync_fetch_and_add(&stats->suppressed, 1);
	} else if (sent == 2) {
		if (audit)
			__sync_fetch_and_add(&audit->dropped, 1);
		if (stats)
			__sync_fetch_and_add(&stats->dropped, 1);
	}
	return 0;
}

/* Reports the refusal of op on (dev, ino) and returns err. */
static __always_inline int sg_report(__u32 dev, __u64 ino, __u32 seals, __u32 op, int err)
{
	sg_report_event(dev, ino, seals, op, err);
	return err;
}

/* Reports what an apply rule in audit mode would have done (sealguard_abi.h,
 * SG_EVF_AUDIT): the seals it would have added (op SG_EV_AUDIT_SEAL, rule:
 * its bit, or -1), or a refusal they would have made.  Nothing is refused. */
static __always_inline void sg_report_audit(struct inode *inode, __u32 seals, __u32 op, int err, int rule)
{
	__u32 flags = SG_EVF_AUDIT | ((__u32)(rule + 1) & 0xff) << SG_EVF_RULE_SHIFT;

	sg_report_event(sg_inode_dev(inode), BPF_CORE_READ(inode, i_ino), seals, (__u64)flags << 32 | op, err);
}

/* Reports the refusal of op on inode and returns err, so call sites read
 * "return sg_refuse(...)". */
static __always_inline int sg_refuse(struct inode *inode, __u32 seals, __u32 op, int err)
{
	return sg_report(sg_inode_dev(inode), BPF_CORE_READ(inode, i_ino), seals, op, err);
}

#endif
