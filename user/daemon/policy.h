/* SPDX-License-Identifier: GPL-2.0 */
/* The policy in force.  Until policy files exist, the built-in one:
 * every holder of a writable fd may add any seal, as fcntl allows. */
#ifndef SG_POLICY_H
#define SG_POLICY_H

#include <stddef.h>

#include "daemon.h"

/* Replaces the policy in force with the one on disk, in one step, or
 * leaves it untouched.  0, or -errno and "file:line:column: why" in msg. */
int sg_policy_reload(struct sg_daemon *d, char *msg, size_t len);

#endif
