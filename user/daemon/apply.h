/* SPDX-License-Identifier: GPL-2.0 */
/* Apply rules, compiled from the policy into the kernel's "sg_apply". */
#ifndef SG_DAEMON_APPLY_H
#define SG_DAEMON_APPLY_H

#include <stddef.h>

#include "daemon.h"

/*
 * Installs p's apply rules in the half of sg_apply not in force, then
 * switches to it in one update.  Rules whose executable does not exist
 * are left out, each with a line on stderr.
 * 0 or -errno with why.
 */
int sg_apply_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len);

#endif
