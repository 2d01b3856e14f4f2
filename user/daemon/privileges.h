/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_PRIVILEGES_H
#define SG_PRIVILEGES_H

#include <stddef.h>

/* Drops every capability but those the serving daemon uses.  0, or
 * -errno with a sentence in why. */
int sg_drop_privileges(char *why, size_t len);

#endif
