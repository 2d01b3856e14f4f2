// SPDX-License-Identifier: GPL-2.0
/* sealctl policy check: validate policy files without a daemon. */
#include <errno.h>

#include "sealctl.h"
#include "sg_policy.h"
#include "sg_resolve.h"

/* Drops every "--resolve" before a "--" from argv; whether there was one. */
static bool take_resolve(int *argc, char **argv)
{
	bool found = false;
	int n = 0, i;

	for (i = 0; i < *argc && strcmp(argv[i], "--"); i++) {
		if (strcmp(argv[i], "--resolve") == 0)
			found = true;
		else
			argv[n++] = argv[i];
	}
	while (i < *argc)
		argv[n++] = argv[i++];
	*argc = n;
	return found;
}

/* The rules of p from first on that this machine would leave out, as
 * sealguardd would (sg_resolve.h): printed, or added to o. */
static int resolve_rules(const struct sg_policy *p, size_t first, struct json_object *o)
{
	struct sg_policy view = *p;
	struct sg_left_out_list l = { 0 };
	struct json_object *a = NULL;
	int r;

	view.rules = p->rules + first;
	view.nrules = p->nrules - first;
	r = sg_policy_left_out(&view, &l);
	if (r < 0) {
		fprintf(stderr, "sealctl: cannot resolve the rules: %s\n", strerror(-r));
		return r;
	}
	if (o)
		a = json_object_new_array();
	for (size_t i = 0; i < l.n; i++) {
		struct sg_left_out_rule lo = {
			.exempt = l.v[i].kind == SG_RULE_EXEMPT,
			.missing = (uint32_t)l.v[i].missing,
			.err = l.v[i].err,
		};

		snprintf(lo.rule, sizeof(lo.rule), "%s", l.v[i].name);
		snprintf(lo.where, sizeof(lo.where), "%s", l.v[i].where);
		snprintf(lo.reason, sizeof(lo.reason), "%s", l.v[i].reason);
		if (a)
			json_object_array_add(a, sealctl_left_out_json(&lo));
		else
			sealctl_left_out_print(stdout, &lo);
	}
	if (o)
		json_object_object_add(o, "left_out", a);
	sg_left_out_free(&l);
	return 0;
}

/* The files are checked together, as the daemon loads a directory:
 * rule names must be unique across them. */
int sealctl_cmd_policy(struct sealctl *ctl, int argc, char **argv)
{
	const struct sealctl_cmd *cmd = sealctl_find_cmd("policy");
	struct json_object *all = NULL;
	struct sg_policy p = { 0 };
	bool resolve;
	int r, bad = 0;

	r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc < 1 || strcmp(argv[0], "check") != 0)
		return sealctl_usage_error(
			cmd, argc < 1 ? "missing subcommand 'check'" : "unknown subcommand '%s' (known: check)",
			argc ? argv[0] : "");
	/* Options may also follow the subcommand; argv[0] is "check". */
	resolve = take_resolve(&argc, argv);
	r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc < 1)
		return sealctl_usage_error(cmd, "policy check needs at least one FILE");
	if (ctl->json)
		all = json_object_new_array();
	for (int i = 0; i < argc; i++) {
		size_t before = p.nrules, audit = 0;
		char err[512] = "";

		struct json_object *warnings = NULL;

		r = sg_policy_parse_file(&p, argv[i], err, sizeof(err));
		bad += r < 0;
		if (ctl->json)
			warnings = json_object_new_array();
		/* Warnings do not change the exit status. */
		for (size_t k = before; r == 0 && k < p.nrules; k++) {
			char w[1024];

			audit += p.rules[k].audit;
			if (!sg_rule_warning(&p.rules[k], w, sizeof(w)))
				continue;
			if (ctl->json)
				json_object_array_add(warnings, json_object_new_string(w));
			else
				fprintf(stderr, "%s\n", w);
		}
		if (ctl->json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "file", json_object_new_string(argv[i]));
			json_object_object_add(o, "ok", json_object_new_boolean(r == 0));
			if (r == 0) {
				json_object_object_add(o, "rules", json_object_new_uint64(p.nrules - before));
				json_object_object_add(o, "audit_rules", json_object_new_uint64(audit));
			} else
				json_object_object_add(o, "error", json_object_new_string(err));
			json_object_object_add(o, "warnings", warnings);
			/* Rules left out are not errors either: the daemon
			 * loads the policy and installs the rest. */
			if (r == 0 && resolve)
				bad += resolve_rules(&p, before, o) < 0;
			json_object_array_add(all, o);
		} else if (r == 0) {
			if (audit)
				printf("%s: ok, %zu rules (%zu apply rules in audit mode: they report, seal nothing)\n",
				       argv[i], p.nrules - before, audit);
			else
				printf("%s: ok, %zu rules\n", argv[i], p.nrules - before);
			if (resolve)
				bad += resolve_rules(&p, before, NULL) < 0;
			fflush(stdout); /* in file order when stderr goes to the same place */
		} else {
			fprintf(stderr, "%s\n", err);
		}
	}
	sg_policy_free(&p);
	if (ctl->json)
		return sealctl_print_json(all) ? EXIT_FAILED : (bad ? EXIT_FAILED : 0);
	r = sealctl_flush();
	return r ? r : (bad ? EXIT_FAILED : 0);
}
