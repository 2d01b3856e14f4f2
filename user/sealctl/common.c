// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>

#include "protocol.h"
#include "seal_names.h"
#include "sealctl.h"

bool sealctl_unreachable(int err)
{
	/* libsealguard's errnos for the transport; the daemon answers with
	 * fcntl's (EBADF, EINVAL, EPERM, EBUSY), which do not overlap. */
	switch (err) {
	case ENOENT:
	case ECONNREFUSED:
	case EACCES:
	case ENAMETOOLONG:
	case ETIMEDOUT:
	case ECONNRESET:
	case EPIPE:
	case EAGAIN:
	case EBADMSG:
	case EPROTO: return true;
	default: return false;
	}
}

static const char *socket_path(const struct sealctl *ctl)
{
	const char *p = ctl->socket ? ctl->socket : getenv(SG_SOCKET_ENV);

	return p && *p ? p : SG_DEFAULT_SOCKET;
}

int sealctl_call_failed(const struct sealctl *ctl, const char *what)
{
	int err = errno;

	if (sealctl_unreachable(err)) {
		const char *hint = "";

		if (err == ENOENT || err == ECONNREFUSED)
			hint = " (is sealguardd running?)";
		else if (err == EAGAIN)
			hint = " (it has too many clients; try again)";
		else if (err == EPROTO)
			hint = " (sealctl and sealguardd are of different versions)";
		fprintf(stderr, "sealctl: cannot talk to sealguardd at '%s': %s%s\n", socket_path(ctl), strerror(err),
			hint);
		return EXIT_UNREACHABLE;
	}
	fprintf(stderr, "sealctl: %s: %s\n", what, strerror(err));
	return EXIT_FAILED;
}

int sealctl_usage_error(const struct sealctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("sealctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'sealctl %s --help')\n", cmd ? cmd->name : "");
	return EXIT_USAGE;
}

int sealctl_parse_common(struct sealctl *ctl, const struct sealctl_cmd *cmd, int *argc, char ***argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 0; /* glibc: a full restart of its scanning */
	opterr = 0;
	while ((c = getopt_long(*argc, *argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': ctl->json = true; break;
		case 'h': fputs(cmd->help, stdout); return sealctl_flush();
		default: return sealctl_usage_error(cmd, "unknown option '%s'", (*argv)[optind - 1]);
		}
	}
	*argc -= optind;
	*argv += optind;
	return -1;
}

struct sg_conn *sealctl_connect(const struct sealctl *ctl, int *status)
{
	struct sg_conn *c = sg_connect(ctl->socket, 0);

	if (!c)
		*status = sealctl_call_failed(ctl, "cannot connect");
	return c;
}

struct json_object *sealctl_seals_json(unsigned int seals)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int bit = 1; bit; bit <<= 1) {
		const char *name;
		char hex[16];

		if (!(seals & bit))
			continue;
		name = sg_seal_name(bit);
		if (!name) {
			snprintf(hex, sizeof(hex), "%#x", bit);
			name = hex;
		}
		json_object_array_add(a, json_object_new_string(name));
	}
	return a;
}

int sealctl_flush(void)
{
	/* A full disk or closed pipe must not look like success to a script. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sealctl: cannot write to stdout: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	return 0;
}

int sealctl_print_json(struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	int r = printf("%s\n", s) < 0 ? EXIT_FAILED : 0;

	json_object_put(obj);
	return r ? r : sealctl_flush();
}

void sealctl_left_out_print(FILE *f, const struct sg_left_out_rule *r)
{
	/* The daemon's log line (krules.c). */
	fprintf(f, "%s: %s rule '%s' left out: %s\n", r->where, r->exempt ? "exempt" : "apply", r->rule, r->reason);
}

struct json_object *sealctl_left_out_json(const struct sg_left_out_rule *r)
{
	static const char *const missing[] = {
		[SG_LEFT_OUT_EXE] = "exe", [SG_LEFT_OUT_PATH] = "path", [SG_LEFT_OUT_CGROUP] = "cgroup"
	};
	struct json_object *o = json_object_new_object();
	const char *err = strerrorname_np(r->err);

	json_object_object_add(o, "rule", json_object_new_string(r->rule));
	json_object_object_add(o, "where", json_object_new_string(r->where));
	json_object_object_add(o, "kind", json_object_new_string(r->exempt ? "exempt" : "apply"));
	json_object_object_add(o, "missing",
			       json_object_new_string(r->missing <= SG_LEFT_OUT_CGROUP && missing[r->missing]
							      ? missing[r->missing]
							      : "?"));
	json_object_object_add(o, "errno", json_object_new_string(err ? err : "?"));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	return o;
}
