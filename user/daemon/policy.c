// SPDX-License-Identifier: GPL-2.0
#include "policy.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>

#include "idle.h"
#include "krules.h"
#include "peer.h"
#include "rule_watch.h"

int sg_policy_reload(struct sg_daemon *d, char *msg, size_t len)
{
	struct sg_policy fresh;
	int r;

	/* Parsed and validated whole before anything changes: a bad file
	 * leaves the policy in force as it was.  Seals already added are
	 * kernel state and never depend on the policy. */
	r = sg_policy_load_dir(&fresh, d->policy_dir, msg, len);
	if (r < 0)
		return r;
	/* At start the programs are loaded after the policy is read. */
	if (d->skel) {
		r = sg_idle_attach_for_policy(d, &fresh, msg, len);
		if (r == 0)
			r = sg_krules_install(d, &fresh, msg, len);
		if (r < 0) {
			sg_policy_free(&fresh);
			return r;
		}
	}
	sg_policy_free(&d->policy);
	d->policy = fresh;
	d->policy_generation++;
	d->policy_rules = (uint32_t)fresh.nrules;
	d->policy_audit_rules = 0;
	for (size_t i = 0; i < fresh.nrules; i++)
		if (fresh.rules[i].kind == SG_RULE_APPLY && (d->audit || fresh.rules[i].audit))
			d->policy_audit_rules++;
	/* Serving already (not at start): watch what the new rules name. */
	if (d->epoll_fd >= 0)
		sg_rule_watch_update(d);
	if (fresh.builtin)
		snprintf(msg, len,
			 "no policy files in %s: built-in policy in force: any holder of a "
			 "writable fd may add seals",
			 d->policy_dir);
	else
		snprintf(msg, len, "%zu rules from %u files in %s%s", fresh.nrules, fresh.nfiles, d->policy_dir,
			 d->policy_audit_rules
				 ? (d->audit ? "; --audit: apply rules report, seal nothing"
					     : "; some apply rules in audit mode: they report, seal nothing")
				 : "");
	return 0;
}

/* What the requester and its file are, for rule matching; fields that
 * cannot be read stay NULL and match no rule that names them.  The file's
 * facts and the cgroup are the request's, read once (seal_request.c). */
static void describe(const struct sg_seal_request *r, struct sg_request_facts *f)
{
	const struct sg_client *c = r->client;

	memset(f, 0, sizeof(*f));
	f->subject.uid = c->peer.uid;
	f->subject.gid = c->peer.gid;
	f->subject.groups = c->peer.groups;
	f->subject.ngroups = c->peer.ngroups;
	if (r->cgroup_known) {
		snprintf(f->cgroup, sizeof(f->cgroup), "%s", r->cgroup_raw);
		f->subject.cgroup = f->cgroup;
	}
	if (sg_peer_proc_link(&c->peer, "exe", f->exe, sizeof(f->exe)) == 0)
		f->subject.exe = f->exe;
	if (sg_peer_comm(&c->peer, f->comm, sizeof(f->comm)) == 0)
		f->subject.comm = f->comm;

	if (r->name[0]) {
		snprintf(f->path, sizeof(f->path), "%s", r->name);
		f->object.path = f->path;
	}
	if (r->stat_err == 0) {
		f->object.has_owner = true;
		f->object.owner = r->st.st_uid;
	}
	f->object.fs = SG_FS_OTHER;
	if (r->statfs_err == 0 && (r->sf.f_type == TMPFS_MAGIC || r->sf.f_type == HUGETLBFS_MAGIC)) {
		f->object.fs = r->sf.f_type == TMPFS_MAGIC ? SG_FS_TMPFS : SG_FS_HUGETLBFS;
		/* A memfd's link reads "/memfd:NAME (deleted)". */
		if (f->object.path && strncmp(f->path, "/memfd:", 7) == 0) {
			char *del = strstr(f->path, " (deleted)");

			f->object.fs = SG_FS_MEMFD;
			snprintf(f->memfd, sizeof(f->memfd), "%.*s",
				 (int)((del ? (size_t)(del - f->path) : strlen(f->path)) - 7), f->path + 7);
			f->object.memfd = f->memfd;
		}
	}
}

int sg_policy_check_request(struct sg_daemon *d, const struct sg_seal_request *r, struct sg_request_facts *f,
			    unsigned int *denied)
{
	*denied = 0;
	f->subject.comm = NULL;
	if (d->policy.builtin)
		return 0;
	describe(r, f);
	return sg_policy_allows(&d->policy, &f->subject, &f->object, r->seals & SG_SEAL_ALL, denied) ? 0 : -EPERM;
}
