// SPDX-License-Identifier: LGPL-2.1-or-later
/* libsealguard's public calls, each one request and its reply. */
#include "sealguard.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "protocol.h"
#include "seal_names.h"

/* The one piece of state kept between calls: sg_add_seals() and
 * sg_get_seals() reuse this connection. */
static struct sg_conn default_conn = SG_CONN_FROM_ENV;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* fork() in one thread while another is inside a call would leave the
 * child a locked mutex: hold it across fork, and reset it in the child. */
static void prepare_fork(void)
{
	pthread_mutex_lock(&default_conn.lock);
}

static void after_fork_parent(void)
{
	pthread_mutex_unlock(&default_conn.lock);
}

static void after_fork_child(void)
{
	pthread_mutex_init(&default_conn.lock, NULL);
}

static void register_atfork(void)
{
	pthread_atfork(prepare_fork, after_fork_parent, after_fork_child);
}

static int fail(int r)
{
	errno = -r;
	return -1;
}

/* fcntl()'s own checks, without bothering the daemon: a closed fd, and an
 * O_PATH fd, which fcntl() rejects for everything but fd flags. */
static int check_fd(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	return (fl & O_PATH) ? -EBADF : 0;
}

static int seal_call(struct sg_conn *c, int fd, uint16_t type, unsigned int seals)
{
	struct sg_body_seals body = { .seals = seals };
	struct sg_call call = { .type = type, .fd = fd };
	int r;

	r = check_fd(fd);
	if (r < 0)
		return fail(r);
	if (type == SG_OP_ADD_SEALS) {
		call.body = &body;
		call.body_len = sizeof(body);
	}
	r = sg_conn_call(c, &call);
	if (r < 0)
		return fail(r);
	return call.result < 0 ? fail(call.result) : call.result;
}

int sg_add_seals(int fd, unsigned int seals)
{
	pthread_once(&atfork_once, register_atfork);
	return seal_call(&default_conn, fd, SG_OP_ADD_SEALS, seals);
}

int sg_get_seals(int fd)
{
	pthread_once(&atfork_once, register_atfork);
	return seal_call(&default_conn, fd, SG_OP_GET_SEALS, 0);
}

struct sg_conn *sg_connect(const char *socket_path, int timeout_ms)
{
	struct sg_conn *c;
	int r;

	if (!socket_path)
		socket_path = sg_conn_default_path();
	if (strlen(socket_path) >= sizeof(c->path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	c->fd = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : sg_conn_default_timeout();
	strcpy(c->path, socket_path);

	/* Now, so that "no daemon" shows here rather than at the first call. */
	r = sg_conn_open(c);
	if (r < 0) {
		sg_disconnect(c);
		errno = -r;
		return NULL;
	}
	return c;
}

void sg_disconnect(struct sg_conn *c)
{
	if (!c)
		return;
	sg_conn_close_locked(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int sg_conn_add_seals(struct sg_conn *c, int fd, unsigned int seals)
{
	return seal_call(c, fd, SG_OP_ADD_SEALS, seals);
}

int sg_conn_get_seals(struct sg_conn *c, int fd)
{
	return seal_call(c, fd, SG_OP_GET_SEALS, 0);
}

const char *sg_denied_op_name(unsigned int op)
{
	return sg_op_name(op);
}

int sg_status(struct sg_conn *c, struct sg_status *out)
{
	struct sg_body_status st;
	struct sg_call call = { .type = SG_OP_STATUS, .fd = -1, .reply = &st, .reply_cap = sizeof(st) };
	int r = sg_conn_call(c, &call);

	if (r < 0)
		return fail(r);
	if (call.result < 0)
		return fail(call.result);
	memset(out, 0, sizeof(*out));
	memcpy(out->version, st.version, sizeof(out->version));
	out->version[sizeof(out->version) - 1] = '\0';
	out->daemon_pid = st.daemon_pid;
	out->clients = st.clients;
	out->max_clients = st.max_clients;
	out->subscribers = st.subscribers;
	out->started_at = st.started_at;
	out->sealed_files = st.sealed_files;
	out->requests_allowed = st.requests_allowed;
	out->requests_refused = st.requests_refused;
	out->requests_malformed = st.requests_malformed;
	memcpy(out->denials, st.denials, sizeof(out->denials));
	out->events_suppressed = st.events_suppressed;
	out->events_dropped = st.events_dropped;
	out->events_unsent = st.events_unsent;
	out->policy_generation = st.policy_generation;
	out->policy_rules = st.policy_rules;
	out->audit_all = st.audit_all;
	out->audit_rules = st.audit_rules;
	out->audit_would_seal = st.audit_would_seal;
	out->audit_would_refuse = st.audit_would_refuse;
	out->audit_suppressed = st.audit_suppressed;
	out->audit_dropped = st.audit_dropped;
	return 0;
}

int sg_list(struct sg_conn *c, int (*fn)(const struct sg_sealed_file *f, void *data), void *data)
{
	union {
		struct sg_body_list list;
		char buf[SG_MSG_MAX];
	} reply;
	struct sg_body_list_req req = { .max = SG_LIST_PAGE };
	struct sg_call call = { .type = SG_OP_LIST, .fd = -1, .body = &req, .body_len = sizeof(req) };
	unsigned long long seen = 0;

	for (;;) {
		int r;

		call.reply = reply.buf;
		call.reply_cap = sizeof(reply.buf);
		r = sg_conn_call(c, &call);
		if (r < 0)
			return fail(r);
		if (call.result < 0)
			return fail(call.result);
		for (uint32_t i = 0; i < reply.list.count; i++) {
			const struct sg_list_entry *e = &reply.list.entries[i];
			struct sg_sealed_file f = {
				.dev_major = e->key.dev_major,
				.dev_minor = e->key.dev_minor,
				.ino = e->key.ino,
				.seals = e->rec.seals,
				.uid = e->rec.uid,
				.pid = e->rec.pid,
				.by_policy = !!(e->rec.flags & SG_REC_POLICY),
				.sealed_at = e->rec.sealed_at,
				.evicted = !!(e->rec.flags & SG_REC_EVICTED),
			};

			memcpy(f.path, e->rec.path, sizeof(f.path));
			f.path[sizeof(f.path) - 1] = '\0';
			r = fn(&f, data);
			if (r)
				return r;
			req.after = e->key;
		}
		/* Hash order restarts when the entry we continue from was
		 * freed meanwhile; the registry's size bounds the walk. */
		if (!reply.list.more || reply.list.count == 0 || (seen += reply.list.count) > SG_SEALED_MAX)
			return 0;
		call.flags = SG_LIST_F_AFTER;
	}
}

int sg_reload(struct sg_conn *c, uint32_t *generation, char *message, size_t len)
{
	struct sg_body_reload rb = { 0 }; /* an error reply may come without a body */
	struct sg_call call = { .type = SG_OP_RELOAD, .fd = -1, .reply = &rb, .reply_cap = sizeof(rb) };
	int r = sg_conn_call(c, &call);

	if (r < 0)
		return fail(r);
	rb.message[sizeof(rb.message) - 1] = '\0';
	if (generation)
		*generation = rb.generation;
	if (message && len)
		snprintf(message, len, "%s", call.reply_len == sizeof(rb) ? rb.message : "");
	return call.result < 0 ? fail(call.result) : 0;
}

/* Every page of one generation, or -EAGAIN when reloads kept coming. */
static int left_out_fetch(struct sg_conn *c, struct sg_left_out_entry *all, uint32_t *n, uint32_t *generation)
{
	union {
		struct sg_body_left_out page;
		char buf[SG_MSG_MAX];
	} reply;

	for (int attempt = 0; attempt < 4; attempt++) {
		struct sg_body_left_out_req req = { .first = 0, .max = SG_LEFT_OUT_PAGE };
		bool same = true;

		*n = 0;
		do {
			struct sg_call call = { .type = SG_OP_LEFT_OUT,
						.fd = -1,
						.body = &req,
						.body_len = sizeof(req),
						.reply = reply.buf,
						.reply_cap = sizeof(reply.buf) };
			int r = sg_conn_call(c, &call);

			if (r < 0)
				return r;
			if (call.result < 0)
				return call.result;
			if (req.first == 0)
				*generation = reply.page.generation;
			else if (reply.page.generation != *generation) {
				same = false;
				break;
			}
			/* The decoder checked count <= total <= SG_KRULE_MAX. */
			if (req.first + reply.page.count > reply.page.total)
				return -EBADMSG;
			memcpy(all + req.first, reply.page.entries, reply.page.count * sizeof(*all));
			req.first += reply.page.count;
			*n = req.first;
			if (reply.page.count == 0 && req.first < reply.page.total)
				return -EBADMSG; /* no progress */
		} while (req.first < reply.page.total);
		if (same)
			return 0;
	}
	return -EAGAIN;
}

int sg_left_out(struct sg_conn *c, uint32_t *generation, int (*fn)(const struct sg_left_out_rule *r, void *data),
		void *data)
{
	struct sg_left_out_entry *all = calloc(SG_KRULE_MAX, sizeof(*all));
	uint32_t n = 0, gen = 0;
	int r;

	if (!all)
		return fail(-ENOMEM);
	r = left_out_fetch(c, all, &n, &gen);
	if (r < 0) {
		free(all);
		return fail(r);
	}
	if (generation)
		*generation = gen;
	for (uint32_t i = 0; i < n; i++) {
		struct sg_left_out_rule lo = {
			.exempt = all[i].kind == 2,
			.missing = all[i].missing,
			.err = all[i].err,
		};

		/* The decoder checked that each string ends in its field. */
		memcpy(lo.rule, all[i].rule, sizeof(lo.rule));
		memcpy(lo.where, all[i].where, sizeof(lo.where));
		memcpy(lo.reason, all[i].reason, sizeof(lo.reason));
		r = fn(&lo, data);
		if (r)
			break;
	}
	free(all);
	return r;
}

int sg_unload(struct sg_conn *c)
{
	struct sg_call call = { .type = SG_OP_UNLOAD, .fd = -1 };
	int r = sg_conn_call(c, &call);

	if (r < 0)
		return fail(r);
	return call.result < 0 ? fail(call.result) : 0;
}

int sg_subscribe(struct sg_conn *c)
{
	struct sg_call call = { .type = SG_OP_SUBSCRIBE, .fd = -1 };
	int r = sg_conn_call(c, &call);
	bool ok;

	if (r < 0)
		return fail(r);
	if (call.result < 0)
		return fail(call.result);
	pthread_mutex_lock(&c->lock);
	ok = c->subscribed = c->fd >= 0;
	pthread_mutex_unlock(&c->lock);
	return ok ? 0 : fail(-ECONNRESET);
}

int sg_next_event(struct sg_conn *c, struct sg_event_info *out, int timeout_ms)
{
	struct sg_body_event ev;
	int r = sg_conn_recv_event(c, &ev, timeout_ms);

	if (r < 0)
		return fail(r);
	memset(out, 0, sizeof(*out));
	out->ts_ns = ev.ev.ts_ns;
	out->cgroup_id = ev.ev.cgroup_id;
	out->dev_major = ev.ev.dev_major;
	out->dev_minor = ev.ev.dev_minor;
	out->ino = ev.ev.ino;
	out->seals = ev.ev.seals;
	out->op = ev.ev.op;
	out->err = -ev.ev.err;
	out->pid = ev.ev.pid;
	out->tid = ev.ev.tid;
	out->uid = ev.ev.uid;
	out->suppressed = ev.ev.suppressed;
	memcpy(out->comm, ev.ev.comm, sizeof(ev.ev.comm));
	out->comm[sizeof(out->comm) - 1] = '\0';
	memcpy(out->path, ev.path, sizeof(out->path));
	out->path[sizeof(out->path) - 1] = '\0';
	out->audit = !!(ev.ev.flags & SG_EVF_AUDIT);
	memcpy(out->rule, ev.rule, sizeof(out->rule));
	out->rule[sizeof(out->rule) - 1] = '\0';
	return 0;
}

int sg_conn_fd(const struct sg_conn *c)
{
	return c->fd;
}
