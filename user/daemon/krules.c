// SPDX-License-Identifier: GPL-2.0
#include "krules.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel_keys.h"
#include "log.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"
#include "sg_kcompile.h"
#include "sg_resolve.h"

static __u64 kdev(dev_t dev)
{
	return ((__u64)major(dev) << 20) | minor(dev); /* the kernel's dev_t */
}

/* A file a rule names, held open (O_PATH) while its keys are in the maps:
 * its inode cannot be freed, so its number is not reused by another file,
 * and an overlay directory keeps the inode number it was given
 * (docs/design.md, "Rules on overlayfs"). */
struct sg_kpin {
	char rule[SG_POLICY_NAME_MAX];
	bool exe; /* the rule's executable; else its path */
	int fd;
	struct sg_kkeys keys;
};

struct sg_kpins {
	struct sg_kpin *v;
	size_t n, cap;
};

static void pins_free(struct sg_kpins *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].fd >= 0)
			close(p->v[i].fd);
	free(p->v);
	free(p);
}

static int pins_add(struct sg_kpins *p, const struct sg_kpin *pin)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct sg_kpin *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *pin;
	return 0;
}

/* Whether a running process has the file of key (stat's view) as its
 * executable. */
static bool exe_in_use(const struct sg_kkey *key)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	bool used = false;

	if (!proc)
		return true; /* cannot tell: keep it */
	while (!used && (de = readdir(proc))) {
		char link[sizeof(de->d_name) + 16];
		struct stat st;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%s/exe", de->d_name);
		used = stat(link, &st) == 0 && kdev(st.st_dev) == key->dev && st.st_ino == key->ino;
	}
	closedir(proc);
	return used;
}

/*
 * An executable replaced on disk (a package upgrade renames the new file
 * over the old) is a new inode, but the processes started before still run
 * the old one: the rule keeps the old keys, and the old file stays held,
 * for as long as one of them runs.
 */
static void keep_running(const struct sg_rule *r, struct sg_kresolved *res, struct sg_kpins *old, struct sg_kpins *pins)
{
	for (size_t i = 0; old && i < old->n; i++) {
		struct sg_kpin *pin = &old->v[i];
		bool same = res->exe.n && pin->keys.k[0].dev == res->exe.k[0].dev &&
			    pin->keys.k[0].ino == res->exe.k[0].ino;

		if (!pin->exe || pin->fd < 0 || same || strcmp(pin->rule, r->name) || !exe_in_use(&pin->keys.k[0]))
			continue;
		if (res->exe.n + pin->keys.n > SG_KKEYS_MAX) {
			sg_log_fields(LOG_WARNING, &(struct sg_log_fields){ .op = "krules", .rule = r->name },
				      "%s: rule '%s': processes of an older executable %s no longer match", r->where,
				      r->name, r->process.exe);
			continue;
		}
		for (size_t k = 0; k < pin->keys.n; k++)
			sg_kkeys_add(&res->exe, pin->keys.k[k].dev, pin->keys.k[k].ino);
		if (pins_add(pins, pin) == 0)
			pin->fd = -1; /* moved */
	}
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
		   struct sg_left_out_list *left, const struct sg_left_out_list *before, struct sg_kpins *held,
		   struct sg_kpins *pins, char *why, size_t len);

int sg_krules_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len)
{
	static sg_krule_names names;
	struct sg_left_out_list left = { 0 };
	struct sg_kpins *pins = calloc(1, sizeof(*pins));
	int r;

	if (!pins) {
		snprintf(why, len, "cannot compile the kernel rules: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	r = install(d->skel, p, d->audit, names, &left, &d->left_out, d->kpins, pins, why, len);
	if (r < 0) {
		sg_left_out_free(&left);
		pins_free(pins);
		return r;
	}
	/* The rules in force now, and so what they left out.  The old files
	 * are let go only now that no key of theirs is in force. */
	sg_left_out_free(&d->left_out);
	d->left_out = left;
	pins_free(d->kpins);
	d->kpins = pins;
	memcpy(d->krule_names, names, sizeof(names));
	return 0;
}

void sg_krules_release(struct sg_daemon *d)
{
	pins_free(d->kpins);
	d->kpins = NULL;
}

int sg_krules_install_maps(struct sealguard_bpf *skel, const struct sg_policy *p, struct sg_left_out_list *left,
			   char *why, size_t len)
{
	static sg_krule_names names;

	return install(skel, p, false, names, left, NULL, NULL, NULL, why, len);
}

const char *sg_krule_name(const struct sg_daemon *d, int bit)
{
	return bit >= 0 && bit < SG_KRULE_MAX && d->krule_names[bit][0] ? d->krule_names[bit] : NULL;
}

/* The rule's files, held in pins, under its name. */
static int hold(const struct sg_rule *r, const struct sg_kresolved *res, const int fds[2], struct sg_kpins *pins)
{
	struct sg_kpin exe = { .exe = true, .fd = fds[0], .keys = res->exe },
		       dir = { .exe = false, .fd = fds[1], .keys = res->dir };
	int e = 0;

	snprintf(exe.rule, sizeof(exe.rule), "%s", r->name);
	snprintf(dir.rule, sizeof(dir.rule), "%s", r->name);
	if (exe.fd >= 0 && (e = pins_add(pins, &exe)) < 0)
		close(exe.fd);
	if (dir.fd >= 0 && (e = e ?: pins_add(pins, &dir)) < 0)
		close(dir.fd);
	return e;
}

/* Whether the rules in force already leave lo out, for the same reason:
 * said once, not at every install the rule watch makes. */
static bool said_before(const struct sg_left_out_list *before, const struct sg_left_out *lo)
{
	for (size_t i = 0; before && i < before->n; i++)
		if (!strcmp(before->v[i].name, lo->name) && !strcmp(before->v[i].reason, lo->reason))
			return true;
	return false;
}

/* audit_all: sealguardd --audit, every apply rule in audit mode. */
static int install(struct sealguard_bpf *skel, const struct sg_policy *p, bool audit_all, sg_krule_names names,
		   struct sg_left_out_list *left, const struct sg_left_out_list *before, struct sg_kpins *held,
		   struct sg_kpins *pins, char *why, size_t len)
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
		struct sg_left_out lo;

		if (rule->kind == SG_RULE_ALLOW)
			continue;
		if (k->nrules == SG_KRULE_MAX)
			break; /* the parser refuses more */
		int fds[2] = { -1, -1 };

		if (sg_rule_resolve_held(rule, &res, pins ? fds : NULL, &lo) < 0) {
			if (!said_before(before, &lo))
				sg_log_fields(LOG_WARNING,
					      &(struct sg_log_fields){ .op = "krules", .rule = rule->name },
					      "%s: %s rule '%s' left out: %s", rule->where,
					      sg_rule_kind_name(rule->kind), rule->name, lo.reason);
			if (left && (r = sg_left_out_add(left, &lo)) < 0) {
				snprintf(why, len, "cannot compile the kernel rules: %s", strerror(-r));
				goto out;
			}
			continue;
		}
		if (pins) {
			if (rule->process.exe[0])
				keep_running(rule, &res, held, pins);
			r = hold(rule, &res, fds, pins);
			if (r < 0) {
				snprintf(why, len, "cannot compile the kernel rules: %s", strerror(-r));
				goto out;
			}
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
