// SPDX-License-Identifier: GPL-2.0
#include "sg_resolve.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#define CGROUP2_SUPER_MAGIC 0x63677270
#define CGROUP_ROOT	    "/sys/fs/cgroup"

static __u64 kdev(dev_t dev)
{
	return ((__u64)major(dev) << 20) | minor(dev); /* the kernel's dev_t */
}

const char *sg_missing_name(enum sg_missing m)
{
	switch (m) {
	case SG_MISSING_EXE: return "exe";
	case SG_MISSING_PATH: return "path";
	case SG_MISSING_CGROUP: return "cgroup";
	default: return "?";
	}
}

static int missing(const struct sg_rule *r, struct sg_left_out *why, enum sg_missing m, int err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int missing(const struct sg_rule *r, struct sg_left_out *why, enum sg_missing m, int err, const char *fmt, ...)
{
	va_list ap;

	snprintf(why->name, sizeof(why->name), "%s", r->name);
	snprintf(why->where, sizeof(why->where), "%s", r->where);
	why->kind = r->kind;
	why->missing = m;
	why->err = err;
	va_start(ap, fmt);
	vsnprintf(why->reason, sizeof(why->reason), fmt, ap);
	va_end(ap);
	return -err;
}

/* Resolved before any of the rule is recorded, so a rule left out leaves
 * no trace. */
int sg_rule_resolve(const struct sg_rule *r, struct sg_kresolved *out, struct sg_left_out *why)
{
	struct statfs sfs;
	struct stat st;
	char path[sizeof(CGROUP_ROOT) + SG_POLICY_PATH_MAX];
	int e;

	memset(out, 0, sizeof(*out));
	memset(why, 0, sizeof(*why));
	/* By inode: the kernel sees the executable, not its name.  A binary
	 * replaced on disk is a new inode: reload after updates. */
	if (r->process.exe[0]) {
		if (stat(r->process.exe, &st) < 0) {
			e = errno;
			return missing(r, why, SG_MISSING_EXE, e, "exe %s: %s", r->process.exe, strerror(e));
		}
		out->exe_dev = kdev(st.st_dev);
		out->exe_ino = st.st_ino;
	}
	if (r->file.path[0]) {
		if (stat(r->file.path, &st) < 0) {
			e = errno;
			return missing(r, why, SG_MISSING_PATH, e, "path %s: %s", r->file.path, strerror(e));
		}
		out->dir_dev = kdev(st.st_dev);
		out->dir_ino = st.st_ino;
	}
	if (r->process.cgroup[0]) {
		/* A cgroup v2 directory's inode number is the cgroup's id. */
		snprintf(path, sizeof(path), "%s%s", CGROUP_ROOT,
			 strcmp(r->process.cgroup, "/") ? r->process.cgroup : "");
		if (statfs(CGROUP_ROOT, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
			return missing(r, why, SG_MISSING_CGROUP, ENOENT, "cgroup %s: no cgroup v2 hierarchy at %s",
				       r->process.cgroup, CGROUP_ROOT);
		if (stat(path, &st) < 0) {
			e = errno;
			return missing(r, why, SG_MISSING_CGROUP, e, "cgroup %s: %s: %s", r->process.cgroup, path,
				       strerror(e));
		}
		out->cgroup_id = st.st_ino;
	}
	return 0;
}

int sg_left_out_add(struct sg_left_out_list *l, const struct sg_left_out *lo)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct sg_left_out *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *lo;
	return 0;
}

void sg_left_out_free(struct sg_left_out_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int sg_policy_left_out(const struct sg_policy *p, struct sg_left_out_list *l)
{
	unsigned int nkernel = 0;

	for (size_t i = 0; i < p->nrules && nkernel < SG_KRULE_MAX; i++) {
		const struct sg_rule *rule = &p->rules[i];
		struct sg_kresolved res;
		struct sg_left_out why;
		int r;

		if (rule->kind == SG_RULE_ALLOW)
			continue;
		if (sg_rule_resolve(rule, &res, &why) == 0) {
			nkernel++;
			continue;
		}
		r = sg_left_out_add(l, &why);
		if (r < 0)
			return r;
	}
	return 0;
}
