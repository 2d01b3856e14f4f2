// SPDX-License-Identifier: GPL-2.0
#include "events.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seal_names.h"
#include "sealguard.skel.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct sg_daemon *d = ctx;
	struct sg_event ev;

	/* A daemon older or newer than the programs that wrote the event
	 * must not read past it: take what fits, zero the rest. */
	memset(&ev, 0, sizeof(ev));
	memcpy(&ev, data, size < sizeof(ev) ? size : sizeof(ev));
	if (d->on_event)
		d->on_event(d, &ev);
	return 0;
}

int sg_events_open(struct sg_daemon *d, sg_event_fn fn)
{
	if (!d->skel)
		return -EINVAL;
	d->on_event = fn;
	d->events = ring_buffer__new(bpf_map__fd(d->skel->maps.sg_events), on_sample, d, NULL);
	if (!d->events)
		return -errno;
	d->events_fd = ring_buffer__epoll_fd(d->events);
	return 0;
}

int sg_events_drain(struct sg_daemon *d)
{
	int n;

	if (!d->events)
		return 0;
	n = ring_buffer__consume(d->events);
	return n;
}

int sg_events_stats(struct sg_daemon *d, struct sg_event_stats *out)
{
	struct sg_event_stats *percpu;
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0;
	int i, j, r = 0;

	memset(out, 0, sizeof(*out));
	if (!d->skel)
		return -EINVAL;
	if (ncpu < 0)
		return ncpu;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.sg_stats), &zero, percpu) < 0) {
		r = -errno;
		goto out;
	}
	for (i = 0; i < ncpu; i++) {
		for (j = 0; j < SG_EV_OP_COUNT; j++)
			out->denials[j] += percpu[i].denials[j];
		out->suppressed += percpu[i].suppressed;
		out->dropped += percpu[i].dropped;
	}
out:
	free(percpu);
	return r;
}

int sg_events_audit_stats(struct sg_daemon *d, struct sg_audit_stats *out)
{
	struct sg_audit_stats *percpu;
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!d->skel)
		return -EINVAL;
	if (ncpu < 0)
		return ncpu;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.sg_audit_stats), &zero, percpu) < 0) {
		r = -errno;
		goto out;
	}
	for (int i = 0; i < ncpu; i++) {
		out->would_seal += percpu[i].would_seal;
		out->would_refuse += percpu[i].would_refuse;
		out->suppressed += percpu[i].suppressed;
		out->dropped += percpu[i].dropped;
	}
out:
	free(percpu);
	return r;
}

void sg_events_close(struct sg_daemon *d)
{
	ring_buffer__free(d->events);
	d->events = NULL;
	d->events_fd = -1;
}

const char *sg_event_op_name(unsigned int op)
{
	return sg_op_name(op);
}
