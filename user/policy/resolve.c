// SPDX-License-Identifier: GPL-2.0
#include "sg_resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kernel_keys.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define CGROUP_ROOT	    "/sys/fs/cgroup"

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

/* The file at path under every key the kernel may see it by (kernel_keys.h),
 * held open in *fd.  0 or -errno (positive in *err). */
static int resolve_file(const char *path, struct sg_kkeys *keys, int *fd)
{
	int e;

	*fd = open(path, O_PATH | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	e = sg_kernel_keys(*fd, keys);
	if (e < 0) {
		close(*fd);
		*fd = -1;
	}
	return e;
}

/* Resolved before any of the rule is recorded, so a rule left out leaves
 * no trace. */
int sg_rule_resolve_held(const struct sg_rule *r, struct sg_kresolved *out, int held[2], struct sg_left_out *why)
{
	struct statfs sfs;
	struct stat st;
	char path[sizeof(CGROUP_ROOT) + SG_POLICY_PATH_MAX];
	int fds[2] = { -1, -1 }, e;

	memset(out, 0, sizeof(*out));
	memset(why, 0, sizeof(*why));
	/* By inode: the kernel sees the executable, not its name.  A binary
	 * replaced on disk is a new inode, found again when its directory
	 * changes (the daemon's rule_watch.c). */
	if (r->process.exe[0] && (e = resolve_file(r->process.exe, &out->exe, &fds[0])) < 0) {
		e = missing(r, why, SG_MISSING_EXE, -e, "exe %s: %s", r->process.exe, strerror(-e));
		goto fail;
	}
	if (r->file.path[0] && (e = resolve_file(r->file.path, &out->dir, &fds[1])) < 0) {
		e = missing(r, why, SG_MISSING_PATH, -e, "path %s: %s", r->file.path, strerror(-e));
		goto fail;
	}
	if (r->process.cgroup[0]) {
		/* A cgroup v2 directory's inode number is the cgroup's id. */
		snprintf(path, sizeof(path), "%s%s", CGROUP_ROOT,
			 strcmp(r->process.cgroup, "/") ? r->process.cgroup : "");
		if (statfs(CGROUP_ROOT, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
			e = missing(r, why, SG_MISSING_CGROUP, ENOENT, "cgroup %s: no cgroup v2 hierarchy at %s",
				    r->process.cgroup, CGROUP_ROOT);
			goto fail;
		}
		if (stat(path, &st) < 0) {
			e = errno;
			e = missing(r, why, SG_MISSING_CGROUP, e, "cgroup %s: %s: %s", r->process.cgroup, path,
				    strerror(e));
			goto fail;
		}
		out->cgroup_id = st.st_ino;
	}
	if (held) {
		held[0] = fds[0];
		held[1] = fds[1];
		return 0;
	}
	e = 0;
fail:
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (e < 0)
		memset(out, 0, sizeof(*out));
	return e;
}

int sg_rule_resolve(const struct sg_rule *r, struct sg_kresolved *out, struct sg_left_out *why)
{
	return sg_rule_resolve_held(r, out, NULL, why);
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
