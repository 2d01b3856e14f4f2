// SPDX-License-Identifier: GPL-2.0
#include "sg_kcompile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int add_match(struct sg_kcompiled *k, __u32 half, __u32 attr, __u64 a, __u64 b, __u64 bit)
{
	for (size_t i = 0; i < k->n; i++) {
		struct sg_kmatch_key *key = &k->m[i].key;

		if (key->attr == attr && key->a == a && key->b == b) {
			k->m[i].bits |= bit;
			return 0;
		}
	}
	if (k->n == SG_KMATCH_MAX)
		return -E2BIG;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct sg_kmatch_entry *m = realloc(k->m, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		k->m = m;
		k->cap = cap;
	}
	memset(&k->m[k->n], 0, sizeof(k->m[k->n]));
	k->m[k->n].key.half = half;
	k->m[k->n].key.attr = attr;
	k->m[k->n].key.a = a;
	k->m[k->n].key.b = b;
	k->m[k->n].bits = bit;
	k->n++;
	return 0;
}

/* A memfd name condition: "name" exactly, or "prefix*". */
static int add_name(struct sg_kcompiled *k, __u32 half, const char *pattern, __u64 bit)
{
	size_t n = strlen(pattern);
	struct sg_kname_key key;
	struct sg_kname_entry *names;

	memset(&key, 0, sizeof(key));
	key.half = half;
	if (n && pattern[n - 1] == '*') {
		unsigned int i;

		key.len = (__u32)(n - 1);
		for (i = 0; i < SG_KMEMFD_LENS && k->pol.memfd_lens[i] && k->pol.memfd_lens[i] != key.len; i++)
			;
		if (i == SG_KMEMFD_LENS)
			return -E2BIG; /* the parser refuses more lengths */
		k->pol.memfd_lens[i] = key.len;
	} else {
		k->pol.memfd_exact = 1;
	}
	/* A bare "*" is any memfd: no name to compare, only the kind. */
	if (key.len == 0 && n && pattern[n - 1] == '*') {
		k->pol.memfd &= ~bit;
		for (unsigned int fs = 0; fs < SG_KFS_COUNT; fs++)
			if (fs != SG_KFS_MEMFD)
				k->pol.fs[fs] &= ~bit;
		return 0;
	}
	memcpy(key.name, pattern, key.len ? key.len : n);
	for (size_t i = 0; i < k->nnames; i++)
		if (memcmp(&k->names[i].key, &key, sizeof(key)) == 0) {
			k->names[i].bits |= bit;
			return 0;
		}
	if (k->nnames == SG_KMATCH_MAX)
		return -E2BIG;
	names = realloc(k->names, (k->nnames + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	k->names = names;
	k->names[k->nnames].key = key;
	k->names[k->nnames].bits = bit;
	k->nnames++;
	return 0;
}

static __u32 kernel_set(const struct sg_rule *r)
{
	if (r->kind == SG_RULE_EXEMPT)
		return SG_KSET_EXEMPT;
	switch (r->on) {
	case SG_ON_MMAP: return SG_KSET_MMAP;
	case SG_ON_OPEN: return SG_KSET_OPEN;
	default: return SG_KSET_RECEIVE;
	}
}

static int add_ids(struct sg_kcompiled *k, __u32 half, __u32 attr, const unsigned int *ids, unsigned int n, __u64 bit)
{
	int r = 0;

	if (!n)
		k->pol.any[attr] |= bit;
	for (unsigned int i = 0; i < n && r == 0; i++)
		r = add_match(k, half, attr, ids[i], 0, bit);
	return r;
}

int sg_kcompile_rule(struct sg_kcompiled *k, __u32 half, const struct sg_rule *r, const struct sg_kresolved *res)
{
	const struct sg_match_process *p = &r->process;
	const struct sg_match_file *f = &r->file;
	unsigned int i = k->nrules;
	__u64 bit = 1ull << i;
	__u32 set = kernel_set(r), seals;
	int e = 0;

	k->pol.set[set] |= bit;
	k->sets |= SG_KSET_F(set);
	seals = r->kind == SG_RULE_EXEMPT ? (r->seals ? r->seals : SG_EXEMPTABLE) : r->seals;
	for (unsigned int b = 0; b < SG_KSEAL_BITS; b++)
		if (seals & (1u << b))
			k->pol.sealed_by[b] |= bit;

	e = e ?: add_ids(k, half, SG_KATTR_UID, p->uids, p->nuids, bit);
	e = e ?: add_ids(k, half, SG_KATTR_GID, p->gids, p->ngids, bit);
	if (p->exe[0]) {
		for (size_t j = 0; j < res->exe.n; j++)
			e = e ?: add_match(k, half, SG_KATTR_EXE, res->exe.k[j].dev, res->exe.k[j].ino, bit);
	} else {
		k->pol.any[SG_KATTR_EXE] |= bit;
	}
	if (p->comm[0]) {
		__u64 comm[2] = { 0, 0 };

		memcpy(comm, p->comm, strnlen(p->comm, sizeof(comm) - 1));
		e = e ?: add_match(k, half, SG_KATTR_COMM, comm[0], comm[1], bit);
	} else {
		k->pol.any[SG_KATTR_COMM] |= bit;
	}
	if (p->cgroup[0])
		e = e ?: add_match(k, half, SG_KATTR_CGROUP, res->cgroup_id, 0, bit);
	else
		k->pol.any[SG_KATTR_CGROUP] |= bit;
	if (f->has_owner)
		e = e ?: add_match(k, half, SG_KATTR_OWNER, f->owner, 0, bit);
	else
		k->pol.any[SG_KATTR_OWNER] |= bit;
	if (f->path[0]) {
		/* (dev, 0) tells the kernel a rule names a directory on this
		 * filesystem, so other files skip the walk up. */
		for (size_t j = 0; j < res->dir.n; j++) {
			e = e ?: add_match(k, half, SG_KATTR_DIR, res->dir.k[j].dev, res->dir.k[j].ino, bit);
			e = e ?: add_match(k, half, SG_KATTR_DIR, res->dir.k[j].dev, 0, bit);
		}
	} else {
		k->pol.any[SG_KATTR_DIR] |= bit;
	}
	for (unsigned int fs = 0; fs < SG_KFS_COUNT; fs++)
		if (!f->fs || (f->fs & (1u << fs)))
			k->pol.fs[fs] |= bit;
	if (f->memfd[0]) {
		/* The parser let through only "name" and "prefix*". */
		k->pol.memfd |= bit;
		e = e ?: add_name(k, half, f->memfd, bit);
	}
	/* Audit mode: the kernel reports what the rule would seal, and seals
	 * nothing (bpf/sg_krules.h). */
	if (r->kind == SG_RULE_APPLY && r->audit) {
		k->pol.flags |= SG_KPOL_F_AUDIT;
		e = e ?: add_match(k, half, SG_KATTR_AUDIT, 0, 0, bit);
	}
	if (e == 0)
		k->nrules++;
	return e;
}

void sg_kcompiled_free(struct sg_kcompiled *k)
{
	free(k->m);
	free(k->names);
	k->m = NULL;
	k->names = NULL;
	k->n = k->cap = k->nnames = 0;
}
