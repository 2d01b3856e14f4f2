// SPDX-License-Identifier: GPL-2.0
/* sealctl policy check: validate policy files without a daemon. */
#include <errno.h>

#include "sealctl.h"
#include "sg_policy.h"

/* The files are checked together, as the daemon loads a directory:
 * rule names must be unique across them. */
int sealctl_cmd_policy(struct sealctl *ctl, int argc, char **argv)
{
	const struct sealctl_cmd *cmd = sealctl_find_cmd("policy");
	struct json_object *all = NULL;
	struct sg_policy p = { 0 };
	int r, bad = 0;

	r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc < 1 || strcmp(argv[0], "check") != 0)
		return sealctl_usage_error(
			cmd, argc < 1 ? "missing subcommand 'check'" : "unknown subcommand '%s' (known: check)",
			argc ? argv[0] : "");
	/* Options may also follow the subcommand; argv[0] is "check". */
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
			json_object_array_add(all, o);
		} else if (r == 0) {
			if (audit)
				printf("%s: ok, %zu rules (%zu apply rules in audit mode: they report, seal nothing)\n",
				       argv[i], p.nrules - before, audit);
			else
				printf("%s: ok, %zu rules\n", argv[i], p.nrules - before);
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
