// SPDX-License-Identifier: LGPL-2.1-or-later
/* sealctl events: follow denials as the daemon reports them. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "seal_names.h"
#include "sealctl.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static int print_event(const struct sealctl *ctl, const struct sg_event_info *e)
{
	char when[64], seals[SG_SEALS_FORMAT_MAX], dev[32];
	const char *err = strerrorname_np(e->err);
	struct timespec ts;
	struct tm tm;

	/* The event carries CLOCK_MONOTONIC; shown as the wall time it was
	 * received, which is within a few milliseconds of it. */
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	sg_seals_format(e->seals, seals, sizeof(seals));
	snprintf(dev, sizeof(dev), "%u:%u", e->dev_major, e->dev_minor);
	if (ctl->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "ts_ns", json_object_new_uint64(e->ts_ns));
		json_object_object_add(o, "op", json_object_new_string(sg_denied_op_name(e->op)));
		json_object_object_add(o, "errno", json_object_new_int(e->err));
		json_object_object_add(o, "error", json_object_new_string(err ? err : "?"));
		json_object_object_add(o, "path", json_object_new_string(e->path));
		json_object_object_add(o, "dev", json_object_new_string(dev));
		json_object_object_add(o, "ino", json_object_new_uint64(e->ino));
		json_object_object_add(o, "seals", sealctl_seals_json(e->seals));
		json_object_object_add(o, "pid", json_object_new_uint64(e->pid));
		json_object_object_add(o, "tid", json_object_new_uint64(e->tid));
		json_object_object_add(o, "comm", json_object_new_string(e->comm));
		json_object_object_add(o, "uid", json_object_new_uint64(e->uid));
		json_object_object_add(o, "cgroup_id", json_object_new_uint64(e->cgroup_id));
		json_object_object_add(o, "suppressed", json_object_new_uint64(e->suppressed));
		json_object_object_add(o, "audit", json_object_new_boolean(e->audit));
		if (e->audit && e->rule[0])
			json_object_object_add(o, "rule", json_object_new_string(e->rule));
		return sealctl_print_json(o);
	}
	if (e->audit && e->op == SG_AUDIT_SEAL)
		printf("%s audit: rule '%s' would add seals %s on %s (dev %s ino %llu); pid %u (%s) uid %u cgroup %llu",
		       when, e->rule[0] ? e->rule : "?", seals, e->path[0] ? e->path : "?", dev,
		       (unsigned long long)e->ino, e->pid, e->comm, e->uid, (unsigned long long)e->cgroup_id);
	else
		printf("%s %s %s on %s (dev %s ino %llu, seals %s): %s; pid %u (%s) uid %u cgroup %llu", when,
		       e->audit ? "audit: would deny" : "denied", sg_denied_op_name(e->op), e->path[0] ? e->path : "?",
		       dev, (unsigned long long)e->ino, seals, err ? err : "?", e->pid, e->comm, e->uid,
		       (unsigned long long)e->cgroup_id);
	if (e->suppressed)
		printf(" (+%u not reported)", e->suppressed);
	putchar('\n');
	return sealctl_flush();
}

static int parse_number(const struct sealctl_cmd *cmd, const char *opt, const char *arg, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	if (errno || end == arg || *end || *out < 1 || *out > max)
		return sealctl_usage_error(cmd, "%s needs a whole number in 1..%ld, not '%s'", opt, max, arg);
	return 0;
}

int sealctl_cmd_events(struct sealctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{},
	};
	const struct sealctl_cmd *cmd = sealctl_find_cmd("events");
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waiting;
	long count = 0, timeout = 0, seen = 0;
	int64_t deadline = -1;
	struct sg_conn *conn;
	int c, r;

	optind = 0; /* glibc: a full restart of its scanning */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jhn:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ctl->json = true; break;
		case 'h': fputs(cmd->help, stdout); return sealctl_flush();
		case 'n':
			if ((r = parse_number(cmd, "--count", optarg, 1000000000L, &count)))
				return r;
			break;
		case 't':
			if ((r = parse_number(cmd, "--timeout", optarg, 86400L * 365, &timeout)))
				return r;
			break;
		default:
			if (optopt)
				return sealctl_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
			return sealctl_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sealctl_usage_error(cmd, "events takes no arguments");

	conn = sealctl_connect(ctl, &r);
	if (!conn)
		return r;
	if (sg_subscribe(conn) < 0) {
		r = errno == EPERM ? EXIT_FAILED : sealctl_call_failed(ctl, "cannot follow events");
		if (errno == EPERM)
			fprintf(stderr, "sealctl: events are for root and members of sealguardd's --admin-group\n");
		sg_disconnect(conn);
		return r;
	}
	/* The library waits through EINTR: the wait is ours, in ppoll() with
	 * SIGINT and SIGTERM blocked everywhere else, so a signal ends it
	 * whenever it comes. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fprintf(stderr, "sealctl: following denials\n");
	if (timeout)
		deadline = now_ms() + timeout * 1000;

	r = 0;
	while (!interrupted && (!count || seen < count)) {
		struct pollfd p = { .fd = sg_conn_fd(conn), .events = POLLIN };
		struct sg_event_info e;
		int64_t wait = deadline < 0 ? -1 : deadline - now_ms();
		struct timespec ts = { .tv_sec = wait / 1000, .tv_nsec = (wait % 1000) * 1000000 };

		if (deadline >= 0 && wait <= 0)
			break;
		if (ppoll(&p, 1, wait < 0 ? NULL : &ts, &waiting) <= 0)
			continue; /* interrupted, or the deadline */
		if (sg_next_event(conn, &e, 0) < 0) {
			if (errno == ETIMEDOUT || errno == EINTR)
				continue;
			r = sealctl_call_failed(ctl, "lost the event stream");
			break;
		}
		seen++;
		r = print_event(ctl, &e);
		if (r)
			break;
	}
	sg_disconnect(conn);
	if (r == 0 && count && seen < count) {
		fprintf(stderr, "sealctl: %ld of %ld events in %ld s\n", seen, count, timeout);
		return EXIT_FAILED;
	}
	return r;
}
