/* SPDX-License-Identifier: GPL-2.0 */
/* Apply and exempt rules, compiled from the policy into the kernel's
 * "sg_kpolicy" and "sg_kmatch" maps (sealguard_abi.h). */
#ifndef SG_DAEMON_KRULES_H
#define SG_DAEMON_KRULES_H

#include <stddef.h>

#include "daemon.h"

/*
 * Installs p's apply and exempt rules in the half of the maps not in
 * force, then switches to it in one update and clears the old half.
 * A rule naming an executable, directory or cgroup that does not exist is
 * left out, with a warning logged; it matches nothing until a reload finds
 * it.  0 or -errno with why.
 */
int sg_krules_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len);

/* The name of the rule installed as kernel rule bit (an audit event's
 * SG_EVF_RULE), or NULL. */
const char *sg_krule_name(const struct sg_daemon *d, int bit);

struct sealguard_bpf;

/* The same on any loaded sealguard object's maps (sg_bench's). */
int sg_krules_install_maps(struct sealguard_bpf *skel, const struct sg_policy *p, char *why, size_t len);

#endif
