/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an apply or exempt rule names on disk (its executable, directory
 * and cgroup), resolved on this machine as the kernel will see it.  A
 * rule whose file does not exist is left out of the kernel's rules until
 * a reload finds it: the daemon (krules.c) and `sealctl policy check
 * --resolve` both ask here, so they say the same.
 */
#ifndef SG_RESOLVE_H
#define SG_RESOLVE_H

#include <stddef.h>

#include "sg_kcompile.h"
#include "sg_policy.h"

/* What a left-out rule names that is not there (wire values, protocol.h). */
enum sg_missing {
	SG_MISSING_NONE = 0,
	SG_MISSING_EXE = 1,
	SG_MISSING_PATH = 2,
	SG_MISSING_CGROUP = 3,
};

#define SG_LEFT_OUT_REASON_MAX 512

/* Why one rule is left out. */
struct sg_left_out {
	char name[SG_POLICY_NAME_MAX];
	char where[SG_POLICY_PATH_MAX + 32]; /* the rule's file:line:column */
	enum sg_rule_kind kind;		     /* apply or exempt */
	enum sg_missing missing;
	int err;			     /* positive errno */
	char reason[SG_LEFT_OUT_REASON_MAX]; /* "exe /usr/bin/x: No such file or directory" */
};

/* "exe", "path", "cgroup", or "?". */
const char *sg_missing_name(enum sg_missing m);

/*
 * Resolves rule r (exe, then path, then cgroup): 0 with *out filled, or
 * -errno with what is missing and why in *why (its name, where and kind
 * too).  The cgroup is looked up under /sys/fs/cgroup, which must be a
 * cgroup v2 hierarchy (-ENOENT otherwise).
 */
int sg_rule_resolve(const struct sg_rule *r, struct sg_kresolved *out, struct sg_left_out *why);

/* The same, with the files it names held open (O_PATH) in held[0] (the
 * executable) and held[1] (the path), -1 for none, when it succeeds: the
 * caller closes them.  held NULL: closed. */
int sg_rule_resolve_held(const struct sg_rule *r, struct sg_kresolved *out, int held[2], struct sg_left_out *why);

/* A growing list of left-out rules. */
struct sg_left_out_list {
	struct sg_left_out *v;
	size_t n, cap;
};

/* Appends a copy of lo.  0 or -ENOMEM. */
int sg_left_out_add(struct sg_left_out_list *l, const struct sg_left_out *lo);
void sg_left_out_free(struct sg_left_out_list *l);

/*
 * Every apply and exempt rule of p that would be left out on this
 * machine, in policy order, as the daemon would leave them out (at most
 * SG_KRULE_MAX rules are looked at, as the parser allows).  Appended to
 * *l; 0 or -ENOMEM.
 */
int sg_policy_left_out(const struct sg_policy *p, struct sg_left_out_list *l);

#endif
