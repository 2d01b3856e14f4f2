// SPDX-License-Identifier: GPL-2.0
/* Warnings about rules that parse but may not mean what their author thinks. */
#include <stdio.h>

#include "sg_policy.h"

const char *sg_rule_warning(const struct sg_rule *r, char *buf, size_t len)
{
	const struct sg_match_process *m = &r->process;

	/* An exempt rule lifts seals: who it names must be hard to forge. */
	if (r->kind == SG_RULE_EXEMPT && m->comm[0] && !m->nuids && !m->ngids && !m->cgroup[0] && !m->exe[0]) {
		snprintf(buf, len,
			 "%s: warning: exempt rule '%s' names its processes by comm alone: any process can "
			 "take that name (prctl(PR_SET_NAME)) and write the sealed files; add uid, cgroup or exe",
			 r->where, r->name);
		return buf;
	}
	return NULL;
}
