/* SPDX-License-Identifier: GPL-2.0 */
/* The policy in force (sg_policy.h for the format): loading it from
 * --policy-dir, and deciding seal requests with it. */
#ifndef SG_DAEMON_POLICY_H
#define SG_DAEMON_POLICY_H

#include <limits.h>
#include <stddef.h>

#include "daemon.h"
#include "seal_request.h"

/* Replaces the policy in force with the one on disk, in one step, or
 * leaves it untouched.  0, or -errno and "file:line:column: why" in msg. */
int sg_policy_reload(struct sg_daemon *d, char *msg, size_t len);

/* Facts about a request's subject and object, with their storage. */
struct sg_request_facts {
	struct sg_subject subject;
	struct sg_object object;
	char cgroup[SG_POLICY_PATH_MAX], exe[PATH_MAX], comm[SG_POLICY_COMM_MAX];
	char path[PATH_MAX], memfd[SG_POLICY_MEMFD_MAX];
};

/* 0 when the policy grants adding the request's seals (r->seals, its
 * unknown bits aside) to its file for its client, else -EPERM with the
 * bits it does not grant in *denied.  *f: the facts matched, all NULL
 * under the built-in policy (f->subject.comm, read for the policy, serves
 * the refusal's event too). */
int sg_policy_check_request(struct sg_daemon *d, const struct sg_seal_request *r, struct sg_request_facts *f,
			    unsigned int *denied);

#endif
