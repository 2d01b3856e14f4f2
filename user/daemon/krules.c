// SPDX-License-Identifier: GPL-2.0
#include "krules.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"
#include "sg_kcompile.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define CGROUP_ROOT	    "/sys/fs/cgroup"

static __u64 kdev(dev_t dev)
{
	return ((__u64)major(dev) << 20) | minor(dev); /* the kernel's dev_t */
}

/* What the rule names on disk, resolved before any of it is recorded, so a
 * rule left out leaves no trace.  0, or -errno naming in why the file that
 * cannot be used. */
static int resolve(const struct sg_rule *r, struct sg_kresolved *out, char *why, size_t len)
{
	struct statfs sfs;
	struct stat st;
	char path[sizeof(CGROUP_ROOT) + SG_POLICY_PATH_MAX];

	memset(out, 0, sizeof(*out));
	/* By inode: the kernel sees the executable, not its name.  A binary
	 * replaced on disk is a new inode: reload after updates. */
	if (r->process.exe[0]) {
		if (stat(r->process.exe, &st) < 0)
			goto fail_errno_exe;
		out->exe_dev = kdev(st.st_dev);
		out->exe_ino = st.st_ino;
	}
	if (r->file.path[0]) {
		if (stat(r->file.path, &st) < 0) {
			snprintf(why, len, "path %s: %s", r->file.path, strerror(errno));
			return -errno;
		}
		out->dir_dev = kdev(st.st_dev);
		out->dir_ino = st.st_ino;
	}
	if (r->process.cgroup[0]) {
		/* A cgroup v2 directory's inode number is the cgroup's id. */
		snprintf(path, sizeof(path), "%s%s", CGROUP_ROOT,
			 strcmp(r->process.cgroup, "/") ? r->process.cgroup : "");
		if (statfs(CGROUP_ROOT, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
			snprintf(why, len, "cgroup %s: no cgroup v2 hierarchy at %s", r->process.cgroup, CGROUP_ROOT);
			return -ENOENT;
		}
		if (stat(path, &st) < 0) {
			snprintf(why, len, "cgroup %s: %s: %s", r->process.cgroup, path, strerror(errno));
			return -errno;
		}
		out->cgroup_id = st.st_ino;
	}
	return 0;
fail_errno_exe:
	snprintf(why, len, "exe %s: %s", r->process.exe, strerror(errno));
	return -errno;
}

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

/* The kernel rule bits' names, for the events that name a rule. */
typedef char sg_krule_names[SG_KRULE_MAX][SG_POLICY_NAME_MAX];

static int install(struct sealguard_bpf *skel, const struct sg_policy *p, bool audit_all, sg_krule_names names,
		   char *why, size_t len);

int sg_krules_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len)
{
	static sg_krule_names names;
	int r = install(d->skel, p, d->audit, names, why, len);

	if (r == 0)
		memcpy(d->krule_names, names, sizeof(names));
	return r;
}

int sg_krules_install_maps(struct sealguard_bpf *skel, const struct sg_policy *p, char *why, size_t len)
{
	static sg_krule_names names;

	return install(skel, p, false, names, why, len);
}

const char *sg_krule_name(const struct sg_daemon *d, int bit)
{
	return bit >= 0 && bit < SG_KRULE_MAX && d->krule_names[bit][0] ? d->krule_names[bit] : NULL;
}

/* audit_all: sealguardd --audit, every apply rule in audit mode. */
static int install(struct sealguard_bpf *skel, const struct sg_policy *p, bool audit_all, sg_krule_names names,
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
	memset(names, 0, sizeof(sg_krule_names));
	if (bpf_map_lookup_elem(cfg_fd, &zero, &cfg) < 0)
		goto fail_errno;
	old = cfg.kpol_half & 1;
	half = old ^ 1; /* the half not in force */

	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_rule *rule = &p->rules[i];
		struct sg_rule audited;
		struct sg_kresolved res;
		char reason[1024];

		if (rule->kind == SG_RULE_ALLOW)
			continue;
		if (k->nrules == SG_KRULE_MAX)
			break; /* the parser refuses more */
		if (resolve(rule, &res, reason, sizeof(reason)) < 0) {
			sg_log_fields(LOG_WARNING, &(struct sg_log_fields){ .op = "krules", .rule = rule->name },
				      "%s: %s rule '%s' left out: %s", rule->where, sg_rule_kind_name(rule->kind),
				      rule->name, reason);
			continue;
		}
		if (audit_all && rule->kind == SG_RULE_APPLY && !rule->audit) {
			audited = *rule;
			audited.audit = true;
			rule = &audited;
		}
		snprintf(names[k->nrules], sizeof(names[k->nrules]), "%s", rule->name);
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
