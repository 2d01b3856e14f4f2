// SPDX-License-Identifier: GPL-2.0
#include "lsm_list.h"

#include <stdio.h>
#include <string.h>

bool sg_lsm_list_has(const char *list, const char *lsm)
{
	size_t n = strlen(lsm);
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, lsm, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

void sg_lsm_missing_sentence(const char *list, char *why, size_t len)
{
	snprintf(why, len,
		 "the BPF LSM is not active on this kernel (active LSMs: %s): add it to "
		 "the kernel command line as lsm=%s%sbpf and reboot",
		 list[0] ? list : "none", list, list[0] ? "," : "");
}
