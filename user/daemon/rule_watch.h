/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel rules that follow the system (docs/design.md, "Rules that follow
 * the system"): the directories that hold what apply and exempt rules name
 * are watched, and a change there installs the rules again, so a rule
 * keeps matching an executable replaced by rename and a cgroup created
 * after the policy was loaded.
 */
#ifndef SG_DAEMON_RULE_WATCH_H
#define SG_DAEMON_RULE_WATCH_H

#include "daemon.h"

/* How long after the last change the rules are installed again: a
 * package upgrade renames many files in a row. */
#define SG_RULE_WATCH_SETTLE_MS 100

/*
 * Watches what the rules of d->policy name, replacing the watches of the
 * previous policy, and marks the rules for an install, which also finds
 * what changed while the watches were placed.  0, or -errno (logged; the
 * rules in force stay as they are).
 */
int sg_rule_watch_update(struct sg_daemon *d);

/* d->rule_watch_fd is readable: reads what changed. */
void sg_rule_watch_read(struct sg_daemon *d);

/* Installs the rules again if a change settled: ms until the next check,
 * or -1 when nothing is pending. */
int sg_rule_watch_tick(struct sg_daemon *d);

void sg_rule_watch_close(struct sg_daemon *d);

#endif
