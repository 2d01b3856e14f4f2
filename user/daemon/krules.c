// SPDX-License-Identifier: GPL-2.0
#include "krules.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"
#include "sg_kcompile.h"
#include "sg_resolve.h"

/* Removes every entry of one half from sg_kmatch or sg_kname: both keys
 * start with the half.  Collected first: deleting while walking would
 * restart the walk. */
static int clear_half(int fd, __u32 half)
{
	union anykey {
		struct sg_kmatch_key m;
		struct sg_kname_key n;
	} key, *doomed = NULL;
	size_t n = 0, cap = 0;
	bool first = true;
	int r = 0;

	while (bpf_map_get_next_key(fd, first ? NULL : &key, &key) == 0) {
		__u32 h;

		first = false;
		memcpy(&h, &key, sizeof(h));
		if (h != half)
			continue;
		if (n == cap) {
			union anykey *more = realloc(doomed, (cap = cap ? 2 * cap : 64) * sizeof(*more));

			if (!more) {
				free(doomed);
				return -ENOMEM;
			}
			doomed = more;
		}
		doomed[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &doomed[i]) < 0 && errno != ENOENT)
			r = -errno;
	free(doomed);
	return r;
}

int sg_krules_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len)
{
	struct sg_left_out_list left = { 0 };
	int r;

	r = sg_krules_install_maps(d->skel, p, &left, why, len);
	if (r < 0) {
		sg_left_out_free(&left);
		return r;
	}
	/* The rules in force now, and so what they left out. */
	sg_left_out_free(&d->left_out);
	d->left_out = left;
	return 0;
}

int sg_krules_install_maps(struct sealguard_bpf *skel, const struct sg_policy *p, struct sg_left_out_list *left,
			   char *why, size_t len)
{
	int cfg_fd = bpf_map__fd(skel->maps.sg_config);
	int pol_fd = bpf_map__fd(skel->maps.sg_kpolicy);
	int match_fd = bpf_map__fd(skel->maps.sg_kmatch);
	int name_fd = bpf_map__fd(skel->maps.sg_kname);
	struct sg_kcompiled *k = calloc(1, sizeof(*k));
	struct sg_config cfg;
	__u32 zero = 0, half, old;
	const char *what = "read the configuration map";
	int r = 0;

	if (!k) {
		snprintf(why, len, "cannot compile the kernel rules: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(cfg_fd, &zero, &cfg) < 0)
		goto fail_errno;
	old = cfg.kpol_half & 1;
	half = old ^ 1; /* the half not in force */

	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_rule *rule = &p->rules[i];
		struct sg_kresolved res;
		struct sg_left_out lo;

		if (rule->kind == SG_RULE_ALLOW)
			continue;
		if (k->nrules == SG_KRULE_MAX)
			break; /* the parser refuses more */
		if (sg_rule_resolve(rule, &res, &lo) < 0) {
			sg_log_fields(LOG_WARNING, &(struct sg_log_fields){ .op = "krules", .rule = rule->name },
				      "%s: %s rule '%s' left out: %s", rule->where, sg_rule_kind_name(rule->kind),
				      rule->name, lo.reason);
			if (left && (r = sg_left_out_add(left, &lo)) < 0) {
				snprintf(why, len, "cannot compile the kernel rules: %s", strerror(-r));
				goto out;
			}
			continue;
		}
		r = sg_kcompile_rule(k, half, rule, &res);
		if (r < 0) {
			snprintf(why, len, "cannot compile the kernel rules: %s", strerror(-r));
			goto out;
		}
	}

	/* Leftovers of an install interrupted before its switch. */
	what = "clear the inactive rule maps";
	if ((r = clear_half(match_fd, half)) < 0 || (r = clear_half(name_fd, half)) < 0)
		goto fail_r;
	what = "write the rule maps";
	for (size_t i = 0; i < k->n; i++)
		if (bpf_map_update_elem(match_fd, &k->m[i].key, &k->m[i].bits, BPF_ANY) < 0)
			goto fail_errno;
	for (size_t i = 0; i < k->nnames; i++)
		if (bpf_map_update_elem(name_fd, &k->names[i].key, &k->names[i].bits, BPF_ANY) < 0)
			goto fail_errno;
	if (bpf_map_update_elem(pol_fd, &half, &k->pol, BPF_ANY) < 0)
		goto fail_errno;
	what = "switch the rules in force";
	cfg.kpol_half = half;
	cfg.kpol_sets = k->sets;
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) < 0)
		goto fail_errno;
	/* The old half is out of use now; a program that read the switch
	 * just before it may still look there once, and then finds nothing. */
	if ((r = clear_half(match_fd, old)) < 0 || (r = clear_half(name_fd, old)) < 0)
		sg_log_fields(LOG_WARNING, &(struct sg_log_fields){ .op = "krules", .err = -r },
			      "cannot clear the previous kernel rules: %s", strerror(-r));
	r = 0;
	goto out;

fail_errno:
	r = -errno;
fail_r:
	snprintf(why, len, "cannot %s: %s", what, strerror(-r));
out:
	sg_kcompiled_free(k);
	free(k);
	return r;
}
