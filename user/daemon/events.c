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

/* Element 0 of a per-CPU array whose value is __u64 counters only, summed
 * over the CPUs into out (size bytes). */
static int sum_percpu_u64(int map_fd, void *out, size_t size)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *percpu, *sum = out;
	size_t n = size / sizeof(__u64);
	__u32 zero = 0;
	int r = 0;

	memset(out, 0, size);
	if (ncpu < 0)
		return ncpu;
	percpu = calloc((size_t)ncpu, size);
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(map_fd, &zero, percpu) < 0)
		r = -errno;
	for (int i = 0; r == 0 && i < ncpu; i++)
		for (size_t j = 0; j < n; j++)
			sum[j] += percpu[(size_t)i * n + j];
	free(percpu);
	return r;
}

int sg_events_stats(struct sg_daemon *d, struct sg_event_stats *out)
{
	_Static_assert(sizeof(*out) % sizeof(__u64) == 0, "sg_event_stats holds __u64 counters only");
	memset(out, 0, sizeof(*out));
	if (!d->skel)
		return -EINVAL;
	return sum_percpu_u64(bpf_map__fd(d->skel->maps.sg_stats), out, sizeof(*out));
}

int sg_events_audit_stats(struct sg_daemon *d, struct sg_audit_stats *out)
{
	_Static_assert(sizeof(*out) % sizeof(__u64) == 0, "sg_audit_stats holds __u64 counters only");
	memset(out, 0, sizeof(*out));
	if (!d->skel)
		return -EINVAL;
	return sum_percpu_u64(bpf_map__fd(d->skel->maps.sg_audit_stats), out, sizeof(*out));
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
