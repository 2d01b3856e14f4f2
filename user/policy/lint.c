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
	/* An apply rule on open or mmap seals what its processes can read,
	 * for everyone: who those processes are decides who may seal another
	 * user's file (receive rules need an fd open for writing). */
	if (r->kind == SG_RULE_APPLY && (r->on == SG_ON_OPEN || r->on == SG_ON_MMAP) && !m->nuids && !m->ngids &&
	    !m->cgroup[0] && !r->file.has_owner) {
		snprintf(buf, len,
			 "%s: warning: apply rule '%s' seals every matching file that %s%s%s %s, even read-only: a "
			 "user who can read another's file there seals it for its owner; add uid, cgroup or the "
			 "file's owner",
			 r->where, r->name, m->exe[0] ? "a process running " : "any process", m->exe[0] ? m->exe : "",
			 m->comm[0] ? " (or named by comm)" : "", r->on == SG_ON_OPEN ? "opens" : "maps shared");
		return buf;
	}
	return NULL;
}
