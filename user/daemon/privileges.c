// SPDX-License-Identifier: GPL-2.0
/*
 * After loading, the daemon keeps only the capabilities its steady state
 * uses, in every set including the bounding set:
 *   CAP_BPF             every bpf() call on its maps (Debian's
 *                       kernel.unprivileged_bpf_disabled refuses bpf() to
 *                       anyone without it, even on fds already held);
 *   CAP_DAC_READ_SEARCH resolving the paths a policy names at reload;
 *   CAP_SYS_PTRACE      reading clients' /proc/PID/exe and friends for
 *                       exe conditions, whoever runs them.
 * CAP_SYS_ADMIN and CAP_PERFMON (loading programs, mounting bpffs) go: a
 * restart or an upgrade is a new process that starts with them again.
 */
#include "privileges.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const unsigned int kept[] = { CAP_BPF, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE };

int sg_drop_privileges(char *why, size_t len)
{
	size_t i;

	capng_clear(CAPNG_SELECT_BOTH);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET, kept[i]) < 0) {
			snprintf(why, len, "cannot keep capability %s", capng_capability_to_name(kept[i]));
			return -EINVAL;
		}
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		snprintf(why, len, "cannot drop capabilities (%s)", strerror(errno));
		return -EPERM;
	}
	return 0;
}
