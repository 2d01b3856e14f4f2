/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Apply and exempt rules compiled into what the kernel's maps hold
 * (sealguard_abi.h, "rules the kernel enforces"): in memory, with no
 * syscall, so the daemon installs the result and the tests inspect it.
 */
#ifndef SG_KCOMPILE_H
#define SG_KCOMPILE_H

#include <stddef.h>

#include "kernel_keys.h"
#include "sealguard_abi.h"
#include "sg_policy.h"

/* Seals an exempt rule naming none exempts from. */
#define SG_EXEMPTABLE (SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE | SG_SEAL_FUTURE_WRITE | SG_SEAL_EXEC)

struct sg_kmatch_entry {
	struct sg_kmatch_key key;
	__u64 bits;
};

struct sg_kname_entry {
	struct sg_kname_key key;
	__u64 bits;
};

struct sg_kcompiled {
	struct sg_kpolicy pol;
	struct sg_kmatch_entry *m; /* for "sg_kmatch" */
	size_t n, cap;
	struct sg_kname_entry *names; /* for "sg_kname" */
	size_t nnames;
	__u32 sets;   /* SG_KSET_F_* of the sets with rules */
	__u32 nrules; /* rules compiled: bits 0 .. nrules-1 */
};

/* What a rule names on disk, as the kernel will see it: each file under
 * every key the kernel may see it by (kernel_keys.h), cgroup by its v2 id. */
struct sg_kresolved {
	struct sg_kkeys exe;
	struct sg_kkeys dir;
	__u64 cgroup_id;
};

/*
 * Adds apply or exempt rule r as bit k->nrules, its keys in half.  The
 * parser has already refused what the kernel cannot do.  0, or -E2BIG /
 * -ENOMEM (k then holds part of the rule: discard it).
 */
int sg_kcompile_rule(struct sg_kcompiled *k, __u32 half, const struct sg_rule *r, const struct sg_kresolved *res);

void sg_kcompiled_free(struct sg_kcompiled *k);

#endif
