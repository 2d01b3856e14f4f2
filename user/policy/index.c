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
	size_t *any; /* allow rules with no uid condition */
	size_t nany;
	uid_t *uids; /* sorted; rule by_uid[i] names uids[i] */
	size_t *by_uid;
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
		free(p->index->uids);
		free(p->index->by_uid);
		free(p->index);
	}
	p->index = NULL;
}

int sg_policy_index(struct sg_policy *p)
{
	struct sg_policy_index *ix = calloc(1, sizeof(*ix));
	struct sg_uid_rule *pairs;
	size_t nuid = 0, npairs = 0;

	sg_policy_index_free(p);
	if (!ix)
		return -ENOMEM;
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == SG_RULE_ALLOW)
			nuid += p->rules[i].process.nuids;
	pairs = calloc(nuid ? nuid : 1, sizeof(*pairs));
	ix->any = calloc(p->nrules ? p->nrules : 1, sizeof(*ix->any));
	ix->uids = calloc(nuid ? nuid : 1, sizeof(*ix->uids));
	ix->by_uid = calloc(nuid ? nuid : 1, sizeof(*ix->by_uid));
	if (!pairs || !ix->any || !ix->uids || !ix->by_uid) {
		free(pairs);
		free(ix->any);
		free(ix->uids);
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
			pairs[npairs++] = (struct sg_uid_rule){ .uid = r->process.uids[u], .rule = i };
	}
	qsort(pairs, npairs, sizeof(*pairs), cmp_uid_rule);
	/* Apart, so that a uid's rules are one run of positions in p->rules. */
	for (size_t i = 0; i < npairs; i++) {
		ix->uids[i] = pairs[i].uid;
		ix->by_uid[i] = pairs[i].rule;
	}
	ix->nby_uid = npairs;
	free(pairs);
	p->index = ix;
	return 0;
}

void sg_policy_index_candidates(const struct sg_policy *p, uid_t uid, struct sg_policy_candidates *c)
{
	const struct sg_policy_index *ix = p->index;
	size_t lo = 0, hi = ix->nby_uid, end;

	/* The first entry for uid, then every one after it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->nby_uid && ix->uids[end] == uid; end++)
		;
	*c = (struct sg_policy_candidates){
		.any = ix->any,
		.nany = ix->nany,
		.named = ix->by_uid + lo,
		.nnamed = end - lo,
	};
}
