// SPDX-License-Identifier: GPL-2.0
#include "sg_policy.h"

#include <fnmatch.h>
#include <string.h>

#include "sealguard_abi.h"

/* "/a/b" is under "/a" and "/a/b", not under "/a/bc"; everything is
 * under "/". */
static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!path)
		return false;
	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool in_ids(unsigned int id, const unsigned int *ids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool process_matches(const struct sg_match_process *m, const struct sg_subject *s)
{
	if (m->nuids && !in_ids(s->uid, m->uids, m->nuids))
		return false;
	if (m->ngids) {
		bool any = in_ids(s->gid, m->gids, m->ngids);

		for (size_t i = 0; !any && i < s->ngroups; i++)
			any = in_ids(s->groups[i], m->gids, m->ngids);
		if (!any)
			return false;
	}
	if (m->cgroup[0] && !under(s->cgroup, m->cgroup))
		return false;
	if (m->exe[0] && (!s->exe || strcmp(s->exe, m->exe) != 0))
		return false;
	if (m->comm[0] && (!s->comm || strcmp(s->comm, m->comm) != 0))
		return false;
	return true;
}

static bool file_matches(const struct sg_match_file *m, const struct sg_object *o)
{
	if (m->fs && !(m->fs & o->fs))
		return false;
	if (m->path[0] && !under(o->path, m->path))
		return false;
	if (m->memfd[0] && (!o->memfd || fnmatch(m->memfd, o->memfd, 0) != 0))
		return false;
	if (m->has_owner && (!o->has_owner || o->owner != m->owner))
		return false;
	return true;
}

bool sg_rule_matches(const struct sg_rule *r, const struct sg_subject *s, const struct sg_object *o)
{
	return process_matches(&r->process, s) && file_matches(&r->file, o);
}

/* The seals granted by those of the n rules at positions rules[] that match. */
static unsigned int grants(const struct sg_policy *p, const size_t *rules, size_t n, const struct sg_subject *s,
			   const struct sg_object *o)
{
	unsigned int allowed = 0;

	for (size_t i = 0; i < n; i++)
		if (sg_rule_matches(&p->rules[rules[i]], s, o))
			allowed |= p->rules[rules[i]].seals;
	return allowed;
}

bool sg_policy_allows(const struct sg_policy *p, const struct sg_subject *s, const struct sg_object *o,
		      unsigned int seals, unsigned int *denied)
{
	unsigned int allowed = 0;

	*denied = 0;
	if (p->builtin)
		return true;
	if (p->index) {
		struct sg_policy_candidates c;

		sg_policy_index_candidates(p, s->uid, &c);
		allowed = grants(p, c.any, c.nany, s, o) | grants(p, c.named, c.nnamed, s, o);
	} else {
		for (size_t i = 0; i < p->nrules; i++)
			if (p->rules[i].kind == SG_RULE_ALLOW && sg_rule_matches(&p->rules[i], s, o))
				allowed |= p->rules[i].seals;
	}
	*denied = seals & ~allowed;
	return *denied == 0;
}
