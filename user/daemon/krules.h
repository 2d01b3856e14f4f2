/* SPDX-License-Identifier: GPL-2.0 */
/* Apply and exempt rules, compiled from the policy into the kernel's
 * "sg_kpolicy" and "sg_kmatch" maps (sealguard_abi.h). */
#ifndef SG_DAEMON_KRULES_H
#define SG_DAEMON_KRULES_H

#include <stddef.h>

#include "daemon.h"
#include "sg_resolve.h"

/*
 * Installs p's apply and exempt rules in the half of the maps not in
 * force, then switches to it in one update and clears the old half.
 * A rule naming an executable, directory or cgroup that does not exist is
 * left out, with a warning logged; it matches nothing until it is
 * installed again (a reload, or rule_watch.h when the name appears).  On
 * success d->left_out lists the rules left out, and the files rules name
 * are held open while their keys are in force.  0 or -errno with why.
 */
int sg_krules_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len);

/* Lets go of the files the rules in force name. */
void sg_krules_release(struct sg_daemon *d);

/* The name of the rule installed as kernel rule bit (an audit event's
 * SG_EVF_RULE), or NULL. */
const char *sg_krule_name(const struct sg_daemon *d, int bit);

struct sealguard_bpf;

/* The same on any loaded sealguard object's maps (sg_bench's); the rules
 * left out are appended to *left unless it is NULL. */
int sg_krules_install_maps(struct sealguard_bpf *skel, const struct sg_policy *p, struct sg_left_out_list *left,
			   char *why, size_t len);

#endif
