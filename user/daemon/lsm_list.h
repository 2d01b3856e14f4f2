/* SPDX-License-Identifier: GPL-2.0 */
/* The active LSM list of /sys/kernel/security/lsm, and what to say when
 * bpf is not in it. */
#ifndef SG_LSM_LIST_H
#define SG_LSM_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the comma-separated list names lsm exactly. */
bool sg_lsm_list_has(const char *list, const char *lsm);

/* One sentence: the list as it is and the lsm= value that adds bpf. */
void sg_lsm_missing_sentence(const char *list, char *why, size_t len);

#endif
