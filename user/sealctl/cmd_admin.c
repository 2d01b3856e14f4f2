// SPDX-License-Identifier: LGPL-2.1-or-later
/* sealctl status / list / reload / unload: the daemon's admin requests. */
#include <errno.h>
#include <time.h>

#include "seal_names.h"
#include "sealctl.h"

/* EPERM on an admin request means the caller is not an admin: say how to
 * become one rather than just "Operation not permitted". */
static int admin_failed(const struct sealctl *ctl, const char *cmd)
{
	char what[128];

	if (errno == EPERM) {
		fprintf(stderr, "sealctl: %s is for root and members of sealguardd's --admin-group\n", cmd);
		return EXIT_FAILED;
	}
	snprintf(what, sizeof(what), "%s failed", cmd);
	return sealctl_call_failed(ctl, what);
}

static void format_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
}

static struct json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* The rules the policy in force left out, gathered for print_status. */
struct left_out {
	struct sg_left_out_rule v[64]; /* SG_KRULE_MAX */
	unsigned int n;
	int err; /* errno when the daemon could not say */
};

static int gather_left_out(const struct sg_left_out_rule *r, void *data)
{
	struct left_out *lo = data;

	if (lo->n == sizeof(lo->v) / sizeof(lo->v[0]))
		return 1;
	lo->v[lo->n++] = *r;
	return 0;
}

static int print_status(const struct sealctl *ctl, const struct sg_status *s, const struct left_out *lo)
{
	char started[64];
	struct json_object *o, *den;

	format_time(s->started_at, started, sizeof(started));
	if (ctl->json) {
		o = json_object_new_object();
		json_object_object_add(o, "version", json_object_new_string(s->version));
		json_object_object_add(o, "pid", u64(s->daemon_pid));
		json_object_object_add(o, "started_at", json_object_new_string(started));
		json_object_object_add(o, "clients", u64(s->clients));
		json_object_object_add(o, "max_clients", u64(s->max_clients));
		json_object_object_add(o, "subscribers", u64(s->subscribers));
		json_object_object_add(o, "sealed_files", u64(s->sealed_files));
		json_object_object_add(o, "requests_allowed", u64(s->requests_allowed));
		json_object_object_add(o, "requests_refused", u64(s->requests_refused));
		json_object_object_add(o, "requests_malformed", u64(s->requests_malformed));
		den = json_object_new_object();
		for (unsigned int i = 0; i < SG_DENIED_OP_COUNT; i++)
			json_object_object_add(den, sg_denied_op_name(i), u64(s->denials[i]));
		json_object_object_add(o, "denials", den);
		json_object_object_add(o, "events_suppressed", u64(s->events_suppressed));
		json_object_object_add(o, "events_dropped", u64(s->events_dropped));
		json_object_object_add(o, "events_unsent", u64(s->events_unsent));
		json_object_object_add(o, "policy_generation", u64(s->policy_generation));
		json_object_object_add(o, "policy_rules", u64(s->policy_rules));
		if (lo->err) {
			json_object_object_add(o, "left_out", NULL);
		} else {
			struct json_object *a = json_object_new_array();

			for (unsigned int i = 0; i < lo->n; i++)
				json_object_array_add(a, sealctl_left_out_json(&lo->v[i]));
			json_object_object_add(o, "left_out", a);
		}
		den = json_object_new_object();
		json_object_object_add(den, "all", json_object_new_boolean(s->audit_all));
		json_object_object_add(den, "rules", u64(s->audit_rules));
		json_object_object_add(den, "would_seal", u64(s->audit_would_seal));
		json_object_object_add(den, "would_refuse", u64(s->audit_would_refuse));
		json_object_object_add(den, "suppressed", u64(s->audit_suppressed));
		json_object_object_add(den, "dropped", u64(s->audit_dropped));
		json_object_object_add(o, "audit", den);
		return sealctl_print_json(o);
	}
	printf("sealguardd %s, pid %u, running since %s\n", s->version, s->daemon_pid, started);
	printf("clients:   %u of %u connected, %u following events\n", s->clients, s->max_clients, s->subscribers);
	printf("sealed:    %llu files\n", (unsigned long long)s->sealed_files);
	printf("requests:  %llu allowed, %llu refused, %llu malformed\n", (unsigned long long)s->requests_allowed,
	       (unsigned long long)s->requests_refused, (unsigned long long)s->requests_malformed);
	printf("denials:  ");
	for (unsigned int i = 0; i < SG_DENIED_OP_COUNT; i++)
		printf(" %s %llu%s", sg_denied_op_name(i), (unsigned long long)s->denials[i],
		       i + 1 < SG_DENIED_OP_COUNT ? "," : "\n");
	printf("events:    %llu held back by the rate limit, %llu dropped (ring full), %llu unsent (slow subscriber)\n",
	       (unsigned long long)s->events_suppressed, (unsigned long long)s->events_dropped,
	       (unsigned long long)s->events_unsent);
	printf("policy:    generation %u, %u rules\n", s->policy_generation, s->policy_rules);
	printf("audit:     %s, %u apply rules in audit mode; %llu would seal, %llu would refuse "
	       "(%llu held back, %llu dropped)\n",
	       s->audit_all ? "--audit" : "per rule", s->audit_rules, (unsigned long long)s->audit_would_seal,
	       (unsigned long long)s->audit_would_refuse, (unsigned long long)s->audit_suppressed,
	       (unsigned long long)s->audit_dropped);
	if (lo->err)
		printf("left out:  unknown: the daemon did not say (%s)\n", strerror(lo->err));
	else
		printf("left out:  %u rules%s\n", lo->n,
		       lo->n ? " (they match nothing until what they name appears):" : "");
	for (unsigned int i = 0; !lo->err && i < lo->n; i++) {
		fputs("  ", stdout);
		sealctl_left_out_print(stdout, &lo->v[i]);
	}
	return sealctl_flush();
}

/* The start of a command that takes no arguments: options, then a
 * connection.  NULL with the exit status in *r when there is none. */
static struct sg_conn *connect_no_args(struct sealctl *ctl, const char *name, int argc, char **argv, int *r)
{
	const struct sealctl_cmd *cmd = sealctl_find_cmd(name);

	*r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (*r >= 0)
		return NULL;
	if (argc) {
		*r = sealctl_usage_error(cmd, "%s takes no arguments", name);
		return NULL;
	}
	return sealctl_connect(ctl, r);
}

int sealctl_cmd_status(struct sealctl *ctl, int argc, char **argv)
{
	struct left_out lo = { .n = 0 };
	struct sg_status s;
	struct sg_conn *c;
	int r;

	c = connect_no_args(ctl, "status", argc, argv, &r);
	if (!c)
		return r;
	if (sg_status(c, &s) < 0) {
		r = admin_failed(ctl, "status");
	} else {
		/* A daemon without the request (or gone meanwhile) still had
		 * its counters shown; what it left out is then unknown. */
		if (sg_left_out(c, NULL, gather_left_out, &lo) < 0)
			lo.err = errno;
		r = print_status(ctl, &s, &lo);
	}
	sg_disconnect(c);
	return r;
}

struct list_out {
	const struct sealctl *ctl;
	struct json_object *array;
	unsigned long n;
};

static int list_one(const struct sg_sealed_file *f, void *data)
{
	struct list_out *out = data;
	char seals[SG_SEALS_FORMAT_MAX], when[64], dev[32];

	format_time(f->sealed_at, when, sizeof(when));
	snprintf(dev, sizeof(dev), "%u:%u", f->dev_major, f->dev_minor);
	out->n++;
	if (out->array) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(f->path));
		json_object_object_add(o, "dev", json_object_new_string(dev));
		json_object_object_add(o, "ino", u64(f->ino));
		json_object_object_add(o, "seals", sealctl_seals_json(f->seals));
		json_object_object_add(o, "mask", u64(f->seals));
		json_object_object_add(o, "uid", u64(f->uid));
		json_object_object_add(o, "pid", u64(f->pid));
		json_object_object_add(o, "by", json_object_new_string(f->by_policy ? "policy" : "request"));
		json_object_object_add(o, "sealed_at", json_object_new_string(when));
		json_object_object_add(o, "evicted", json_object_new_boolean(f->evicted));
		json_object_array_add(out->array, o);
		return 0;
	}
	sg_seals_format(f->seals, seals, sizeof(seals));
	printf("%-28s %-9s %-10llu %-6u %-7u %-7s %-24s %s\n", seals, dev, (unsigned long long)f->ino, f->uid, f->pid,
	       f->by_policy ? (f->evicted ? "policy*" : "policy") : (f->evicted ? "request*" : "request"), when,
	       f->path);
	return 0;
}

int sealctl_cmd_list(struct sealctl *ctl, int argc, char **argv)
{
	const struct sealctl_cmd *cmd = sealctl_find_cmd("list");
	struct list_out out = { .ctl = ctl };
	struct sg_conn *c;
	int r;

	r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc)
		return sealctl_usage_error(cmd, "list takes no arguments");
	c = sealctl_connect(ctl, &r);
	if (!c)
		return r;
	if (ctl->json)
		out.array = json_object_new_array();
	else
		printf("%-28s %-9s %-10s %-6s %-7s %-7s %-24s %s\n", "SEALS", "DEV", "INODE", "UID", "PID", "BY",
		       "SEALED-AT", "PATH");
	r = sg_list(c, list_one, &out);
	sg_disconnect(c);
	if (r < 0) {
		json_object_put(out.array);
		return admin_failed(ctl, "list");
	}
	return out.array ? sealctl_print_json(out.array) : sealctl_flush();
}

int sealctl_cmd_reload(struct sealctl *ctl, int argc, char **argv)
{
	char message[256] = "";
	uint32_t gen = 0;
	struct sg_conn *c;
	int r, err;

	c = connect_no_args(ctl, "reload", argc, argv, &r);
	if (!c)
		return r;
	r = sg_reload(c, &gen, message, sizeof(message));
	err = errno;
	sg_disconnect(c);
	if (r < 0 && (err == EPERM || sealctl_unreachable(err) || !message[0])) {
		errno = err;
		return admin_failed(ctl, "reload");
	}
	if (ctl->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "ok", json_object_new_boolean(r == 0));
		json_object_object_add(o, "generation", u64(gen));
		json_object_object_add(o, "message", json_object_new_string(message));
		r = r < 0 ? EXIT_FAILED : 0;
		return sealctl_print_json(o) ? EXIT_FAILED : r;
	}
	if (r < 0) {
		/* The old policy stays in force; say where the new one is wrong. */
		fprintf(stderr, "sealctl: reload refused, policy generation %u stays in force: %s\n", gen, message);
		return EXIT_FAILED;
	}
	printf("policy generation %u: %s\n", gen, message);
	return sealctl_flush();
}

int sealctl_cmd_unload(struct sealctl *ctl, int argc, char **argv)
{
	struct sg_conn *c;
	int r, err;

	c = connect_no_args(ctl, "unload", argc, argv, &r);
	if (!c)
		return r;
	r = sg_unload(c);
	err = errno;
	sg_disconnect(c);
	if (r < 0) {
		errno = err;
		if (err == EPERM) {
			fprintf(stderr, "sealctl: unload is for root only\n");
			return EXIT_FAILED;
		}
		return sealctl_call_failed(ctl, "unload failed");
	}
	if (ctl->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "ok", json_object_new_boolean(1));
		return sealctl_print_json(o);
	}
	printf("unloaded: sealguardd removed its pins and exits; no seal is enforced any more\n");
	return sealctl_flush();
}
