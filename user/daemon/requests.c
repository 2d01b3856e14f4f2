// SPDX-License-Identifier: GPL-2.0
/*
 * Seal requests are for everyone, decided as fcntl would (the policy
 * narrows this); the other requests are for admins only.
 */
#include "requests.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "peer.h"
#include "policy.h"
#include "registry.h"
#include "seal_names.h"
#include "seal_ops.h"
#include "server.h"
#include "state_db.h"

/* fd's name as /proc/self/fd gives it, "" when it cannot: read once per
 * request, as every syscall here counts in its latency (docs/benchmarks.md). */
static void fd_name(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/* Who sealed what: one line per seal added (refusals with --verbose). */
static void log_request(struct sg_daemon *d, const struct sg_client *c, int fd, const char *raw,
			unsigned int asked, int r, const char *cgroup, const char *why)
{
	/* A refusal with a reason is the policy's or the fence pool's, which
	 * the admin wants to see; without, it is fcntl's own answer (a
	 * read-only fd...), the client's business. */
	int level = r >= 0 ? LOG_INFO : why ? LOG_NOTICE : LOG_DEBUG;
	char path[SG_PATH_MAX], names[SG_SEALS_FORMAT_MAX];
	struct sg_log_fields f = {
		.op = r < 0 ? "refused" : "sealed", .seals = names, .cgroup = cgroup,
		.pid = c->peer.pid, .has_uid = true, .uid = c->peer.uid, .err = r < 0 ? -r : 0,
	};
	struct stat st;

	if (r < 0 && !d->verbose && !why)
		return;
	sg_printable(path, raw, sizeof(path));
	if (sg_seals_format(asked, names, sizeof(names)) < 0)
		snprintf(names, sizeof(names), "0x%x", asked);
	if (path[0])
		f.path = path;
	if (sg_log_wants_fields(level) && fstat(fd, &st) == 0) {
		f.ino = st.st_ino;
		f.dev_major = major(st.st_dev);
		f.dev_minor = minor(st.st_dev);
	}
	sg_log_fields(level, &f, "%s %s on %s for pid %d uid %u cgroup %s%s%s", r < 0 ? "refused seals" : "sealed",
		      names, path[0] ? path : "?", (int)c->peer.pid, (unsigned int)c->peer.uid, cgroup,
		      r < 0 ? ": " : "", r < 0 ? (why ? why : strerror(-r)) : "");
}

/* Subscribers learn of refused requests as of refused operations; the
 * log line is log_request()'s, so the event is only fanned out. */
static void report_refusal(struct sg_daemon *d, const struct sg_client *c, int fd, unsigned int seals)
{
	struct sg_event ev = { .op = SG_EV_REQUEST, .err = -EPERM, .seals = seals };
	char link[64], path[SG_PATH_MAX] = "";
	struct stat st;
	ssize_t n;

	ev.ts_ns = (uint64_t)now_ns();
	if (fstat(fd, &st) == 0) {
		ev.ino = st.st_ino;
		ev.dev_major = major(st.st_dev);
		ev.dev_minor = minor(st.st_dev);
	}
	ev.pid = ev.tid = (uint32_t)c->peer.pid;
	ev.uid = c->peer.uid;
	if (sg_peer_comm(&c->peer, ev.comm, sizeof(ev.comm)) < 0)
		memset(ev.comm, 0, sizeof(ev.comm));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	sg_server_fan_out(d, &ev, path);
}

static int32_t add_seals(struct sg_daemon *d, struct sg_client *c, const struct sg_msg_hdr *h,
			 const void *body, int fd)
{
	struct sg_fence_reply late = { .sock = c->fd, .type = h->type, .seq = h->seq };
	bool deferred = false;
	struct sg_body_seals b;
	struct sg_file_key key;
	int reserved;
	char raw[256], cgroup[256], name[SG_PATH_MAX] = "";
	unsigned int denied;
	bool known;
	int r, seals;

	memcpy(&b, body, sizeof(b));
	/* Read at request time, and only trusted if the pid did not change
	 * hands meanwhile (peer.c); the policy decides on it. */
	known = sg_peer_cgroup(&c->peer, raw, sizeof(raw)) == 0;
	sg_printable(cgroup, known ? raw : "?", sizeof(cgroup));
	r = sg_policy_check_request(d, c, fd, known ? raw : NULL, b.seals & SG_SEAL_ALL, &denied);
	if (r < 0) {
		char names[SG_SEALS_FORMAT_MAX], why[128];

		sg_seals_format(denied, names, sizeof(names));
		snprintf(why, sizeof(why), "the policy allows no %s here", names);
		fd_name(fd, name, sizeof(name));
		log_request(d, c, fd, name, b.seals, r, cgroup, why);
		report_refusal(d, c, fd, b.seals);
		return r;
	}
	/* A seal that would need a fence this user cannot have now is refused
	 * before anything changes (fence.c: FENCES_PER_USER). */
	if (b.seals & (SG_SEAL_ANY_WRITE | SG_SEAL_GROW | SG_SEAL_SHRINK)) {
		r = sg_fence_admit(d->fences, c->peer.uid);
		if (r < 0) {
			fd_name(fd, name, sizeof(name));
			log_request(d, c, fd, name, b.seals, r, cgroup,
				    "this user's earlier seals still wait for writes that hold their inode locks");
			return r;
		}
	}
	/* Its registry entry first: a seal without one would escape the
	 * checks that read the registry.  Full, or this user's share used up:
	 * refused before anything changes. */
	reserved = b.seals & SG_SEAL_ALL ? sg_registry_reserve(d, fd, c->peer.uid, &key) : 0;
	if (reserved < 0) {
		fd_name(fd, name, sizeof(name));
		log_request(d, c, fd, name, b.seals, reserved, cgroup,
			    reserved == -EDQUOT ? "this user's requests already fill their share of the registry "
						  "(SG_SEALED_PER_USER files)"
			    : reserved == -ENOSPC ? "the registry of sealed files is full"
						  : "its registry entry cannot be made");
		return reserved;
	}
	r = sg_seal_add(d, fd, b.seals);
	if (r >= 0 || d->verbose)
		fd_name(fd, name, sizeof(name));
	log_request(d, c, fd, name, b.seals, r, cgroup, NULL);
	seals = r < 0 ? 0 : sg_seal_in_force(d, fd);
	if (seals <= 0 && reserved == 1)
		sg_registry_unreserve(d, &key);
	if (r < 0)
		return r;
	/* F_ADD_SEALS with nothing to add on an unsealed file leaves nothing
	 * to list. */
	if (seals > 0) {
		int rr = sg_registry_record_named(d, fd, &c->peer, (unsigned int)seals, name);

		/* The seal is in force either way; only the listing lacks it. */
		if (rr < 0) {
			log_error("cannot record a sealed file in the registry: %s", strerror(-rr));
		} else {
			sg_seal_propagate(fd);
			deferred = sg_seal_fence(d, fd, b.seals, c->peer.uid, &late) == 1;
		}
		/* Nor does a failure here: the file is sealed until reboot. */
		rr = sg_state_save(d, fd, &c->peer, (unsigned int)seals);
		if (rr < 0)
			log_warning("state database %s: cannot record a sealed file: %s; its "
				    "seals will not be restored after a reboot", d->state_path,
				    rr == -EOPNOTSUPP ? "its filesystem gives no file handles" : strerror(-rr));
	}
	return deferred ? SG_REPLY_DEFERRED : 0;
}

static void fill_status(struct sg_daemon *d, struct sg_body_status *s)
{
	struct sg_event_stats st;

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
}

static int32_t list_page(struct sg_daemon *d, const struct sg_msg_hdr *h, const void *body,
			 void *reply, size_t *reply_len)
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

int32_t sg_request_run(struct sg_daemon *d, struct sg_client *c, const struct sg_msg_hdr *h,
		       const void *body, int fd, void *reply, size_t *reply_len)
{
	*reply_len = 0;

	switch (h->type) {
	case SG_OP_ADD_SEALS:
		return add_seals(d, c, h, body, fd);
	case SG_OP_GET_SEALS:
		return sg_seal_get(d, fd);
	default:
		break;
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
	case SG_OP_LIST:
		return list_page(d, h, body, reply, reply_len);
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
		r = sg_policy_reload(d, rb->message, sizeof(rb->message));
		rb->generation = d->policy_generation;
		rb->rules = d->policy_rules;
		*reply_len = sizeof(*rb);
		sg_log(r < 0 ? LOG_WARNING : LOG_INFO, "reload asked by pid %d uid %u: %s", (int)c->peer.pid,
		       (unsigned int)c->peer.uid, rb->message);
		return r;
	}
	default:
		return -EOPNOTSUPP;
	}
}
