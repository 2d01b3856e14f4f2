// SPDX-License-Identifier: GPL-2.0
/*
 * Seal requests are for everyone, decided as fcntl would (the policy
 * narrows this); the other requests are for admins only.
 */
#include "requests.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "log.h"
#include "notify.h"
#include "policy.h"
#include "registry.h"
#include "seal_ops.h"
#include "seal_request.h"

/* One object filled once, handed to one function (seal_request.c). */
static int32_t add_seals(struct sg_daemon *d, struct sg_client *c, const struct sg_msg_hdr *h, const void *body, int fd)
{
	struct sg_fence_reply late = { .sock = c->fd, .type = h->type, .seq = h->seq };
	struct sg_seal_request r;
	struct sg_body_seals b;

	memcpy(&b, body, sizeof(b));
	sg_seal_request_fill(&r, c, fd, b.seals);
	return sg_seal_request_apply(d, &r, &late);
}

static void fill_status(struct sg_daemon *d, struct sg_body_status *s)
{
	struct sg_event_stats st;
	struct sg_audit_stats au;

	memset(s, 0, sizeof(*s));
	snprintf(s->version, sizeof(s->version), "%s", SG_VERSION);
	s->daemon_pid = (uint32_t)getpid();
	s->clients = d->nclients;
	s->max_clients = SG_MAX_CLIENTS;
	s->subscribers = d->nsubscribers;
	s->started_at = d->started_at;
	s->sealed_files = sg_registry_count(d);
	s->requests_allowed = d->counters.requests_allowed;
	s->requests_refused = d->counters.requests_refused;
	s->requests_malformed = d->counters.requests_malformed;
	if (sg_events_stats(d, &st) == 0) {
		memcpy(s->denials, st.denials, sizeof(s->denials));
		s->events_suppressed = st.suppressed;
		s->events_dropped = st.dropped;
	}
	s->events_unsent = d->counters.events_unsent;
	s->policy_generation = d->policy_generation;
	s->policy_rules = d->policy_rules;
	s->audit_all = d->audit;
	s->audit_rules = d->policy_audit_rules;
	if (sg_events_audit_stats(d, &au) == 0) {
		s->audit_would_seal = au.would_seal;
		s->audit_would_refuse = au.would_refuse;
		s->audit_suppressed = au.suppressed;
		s->audit_dropped = au.dropped;
	}
}

static int32_t list_page(struct sg_daemon *d, const struct sg_msg_hdr *h, const void *body, void *reply,
			 size_t *reply_len)
{
	struct sg_body_list_req req;
	struct sg_body_list out;
	bool more;
	int n;

	memcpy(&req, body, sizeof(req));
	n = sg_registry_page(d, (h->flags & SG_LIST_F_AFTER) ? &req.after : NULL,
			     (struct sg_list_entry *)((char *)reply + sizeof(out)), req.max, &more);
	if (n < 0)
		return n;
	out.count = (uint32_t)n;
	out.more = more;
	memcpy(reply, &out, sizeof(out));
	*reply_len = sizeof(out) + (size_t)n * sizeof(struct sg_list_entry);
	return 0;
}

_Static_assert((int)SG_MISSING_EXE == (int)SG_LO_EXE && (int)SG_MISSING_PATH == (int)SG_LO_PATH &&
		       (int)SG_MISSING_CGROUP == (int)SG_LO_CGROUP,
	       "sg_resolve.h and the wire agree");
_Static_assert(sizeof(((struct sg_left_out_entry *)0)->rule) == SG_POLICY_NAME_MAX &&
		       sizeof(((struct sg_left_out_entry *)0)->where) == sizeof(((struct sg_rule *)0)->where) &&
		       sizeof(((struct sg_left_out_entry *)0)->reason) == SG_LEFT_OUT_REASON_MAX,
	       "a left-out rule fits its wire entry");

/* One page of the rules the policy in force left out (krules.c). */
static int32_t left_out_page(struct sg_daemon *d, const void *body, void *reply, size_t *reply_len)
{
	const struct sg_left_out_list *l = &d->left_out;
	struct sg_body_left_out_req req;
	struct sg_body_left_out out;
	char *at = (char *)reply + sizeof(out);

	memcpy(&req, body, sizeof(req));
	memset(&out, 0, sizeof(out));
	out.generation = d->policy_generation;
	out.total = (uint32_t)l->n;
	for (size_t i = req.first; i < l->n && out.count < req.max; i++, out.count++) {
		const struct sg_left_out *lo = &l->v[i];
		struct sg_left_out_entry e;

		memset(&e, 0, sizeof(e));
		snprintf(e.rule, sizeof(e.rule), "%s", lo->name);
		snprintf(e.where, sizeof(e.where), "%s", lo->where);
		e.kind = lo->kind == SG_RULE_EXEMPT ? 2 : 1;
		e.missing = (uint32_t)lo->missing;
		e.err = lo->err;
		snprintf(e.reason, sizeof(e.reason), "%s", lo->reason);
		memcpy(at + out.count * sizeof(e), &e, sizeof(e));
	}
	memcpy(reply, &out, sizeof(out));
	*reply_len = sizeof(out) + out.count * sizeof(struct sg_left_out_entry);
	return 0;
}

int32_t sg_request_run(struct sg_daemon *d, struct sg_client *c, const struct sg_msg_hdr *h, const void *body, int fd,
		       void *reply, size_t *reply_len)
{
	*reply_len = 0;

	switch (h->type) {
	case SG_OP_ADD_SEALS: return add_seals(d, c, h, body, fd);
	case SG_OP_GET_SEALS: return sg_seal_get(d, fd);
	default: break;
	}

	/* Stopping enforcement for everyone is root's alone, not the admin
	 * group's: it is what the tamper guard keeps everyone else from. */
	if (h->type == SG_OP_UNLOAD) {
		if (c->peer.uid != 0)
			return -EPERM;
		log_notice("unload asked by pid %d: removing every pin and exiting", (int)c->peer.pid);
		d->unload = true;
		return 0;
	}

	/* Everything else shows other users' files or changes the daemon. */
	if (!c->peer.admin) {
		if (h->type == SG_OP_RELOAD) {
			struct sg_body_reload *rb = reply;

			memset(rb, 0, sizeof(*rb));
			rb->generation = d->policy_generation;
			rb->rules = d->policy_rules;
			snprintf(rb->message, sizeof(rb->message), "reload is for root or the admin group");
			*reply_len = sizeof(*rb);
		}
		return -EPERM;
	}

	switch (h->type) {
	case SG_OP_STATUS:
		fill_status(d, reply);
		*reply_len = sizeof(struct sg_body_status);
		return 0;
	case SG_OP_LIST: return list_page(d, h, body, reply, reply_len);
	case SG_OP_LEFT_OUT: return left_out_page(d, body, reply, reply_len);
	case SG_OP_SUBSCRIBE:
		if (!c->subscribed) {
			c->subscribed = true;
			d->nsubscribers++;
		}
		return 0;
	case SG_OP_RELOAD: {
		struct sg_body_reload *rb = reply;
		int r;

		memset(rb, 0, sizeof(*rb));
		/* Told to the service manager as a SIGHUP's is: `sealctl
		 * reload` is the unit's ExecReload=. */
		sg_notify_reloading();
		r = sg_policy_reload(d, rb->message, sizeof(rb->message));
		sg_notify_reloaded(d, r, rb->message);
		rb->generation = d->policy_generation;
		rb->rules = d->policy_rules;
		*reply_len = sizeof(*rb);
		sg_log(r < 0 ? LOG_WARNING : LOG_INFO, "reload asked by pid %d uid %u: %s", (int)c->peer.pid,
		       (unsigned int)c->peer.uid, rb->message);
		return r;
	}
	default: return -EOPNOTSUPP;
	}
}
