// SPDX-License-Identifier: GPL-2.0
/*
 * Which allow rules can match a requester, by uid: a seal request is
 * matched against the rules naming its uid and the rules naming none,
 * not against the whole policy.  Each rule is about 1.3 KiB, so a scan of
 * a 10 000-rule policy per request cost milliseconds under emulation
 * (docs/benchmarks.md).  Allow rules grant the union of what matches, so
 * the order they are visited in does not matter.
 */
#include "sg_policy.h"

#include <errno.h>
#include <stdlib.h>

struct sg_uid_rule {
	uid_t uid;
	size_t rule;
};

struct sg_policy_index {
	size_t *any;    /* allow rules with no uid condition */
	size_t nany;
	struct sg_uid_rule *by_uid; /* sorted by uid */
	size_t nby_uid;
};

static int cmp_uid_rule(const void *a, const void *b)
{
	const struct sg_uid_rule *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return (x->rule > y->rule) - (x->rule < y->rule);
}

void sg_policy_index_free(struct sg_policy *p)
{
	if (p->index) {
		free(p->index->any);
		free(p->index->by_uid);
		free(p->index);
	}
	p->index = NULL;
}

int sg_policy_index(struct sg_policy *p)
{
	struct sg_policy_index *ix = calloc(1, sizeof(*ix));
	size_t nuid = 0;

	sg_policy_index_free(p);
	if (!ix)
		return -ENOMEM;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == SG_RULE_ALLOW)
			nuid += p->rules[i].process.nuids;
	ix->any = calloc(p->nrules ? p->nrules : 1, sizeof(*ix->any));
	ix->by_uid = calloc(nuid ? nuid : 1, sizeof(*ix->by_uid));
	if (!ix->any || !ix->by_uid) {
		free(ix->any);
		free(ix->by_uid);
		free(ix);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_rule *r = &p->rules[i];

		if (r->kind != SG_RULE_ALLOW)
			continue;
		if (!r->process.nuids)
			ix->any[ix->nany++] = i;
		for (unsigned int u = 0; u < r->process.nuids; u++)
			ix->by_uid[ix->nby_uid++] = (struct sg_uid_rule){ .uid = r->process.uids[u], .rule = i };
	}
	qsort(ix->by_uid, ix->nby_uid, sizeof(*ix->by_uid), cmp_uid_rule);
	p->index = ix;
	return 0;
}

unsigned int sg_policy_index_grants(const struct sg_policy *p, const struct sg_subject *s, const struct sg_object *o)
{
	const struct sg_policy_index *ix = p->index;
	unsigned int allowed = 0;
	size_t lo = 0, hi = ix->nby_uid;

	for (size_t i = 0; i < ix->nany; i++)
		if (sg_rule_matches(&p->rules[ix->any[i]], s, o))
			allowed |= p->rules[ix->any[i]].seals;
	/* The first entry for s->uid, then every one after it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->by_uid[mid].uid < s->uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->nby_uid && ix->by_uid[lo].uid == s->uid; lo++)
		if (sg_rule_matches(&p->rules[ix->by_uid[lo].rule], s, o))
			allowed |= p->rules[ix->by_uid[lo].rule].seals;
	return allowed;
}
