/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_IDLE_H
#define SG_IDLE_H

#include <stddef.h>

#include "daemon.h"

/* Attaches and pins the detachable programs if they are detached: called
 * before anything that can put a seal on an inode.  0 or -errno with one
 * sentence in why; on failure nothing may be sealed. */
int sg_idle_attach(struct sg_daemon *d, char *why, size_t len);

/* Same, if policy p has rules that add seals in the kernel. */
int sg_idle_attach_for_policy(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len);

/* From the event loop: detaches them once nothing has been sealed for
 * d->detach_idle_ms.  Returns the ms until it wants to look again, or -1. */
int sg_idle_tick(struct sg_daemon *d);

#endif
