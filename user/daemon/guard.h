/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SG_GUARD_USER_H
#define SG_GUARD_USER_H

#include <stddef.h>

struct sealguard_bpf;
struct sg_config;

/* Fills cfg's executable and pin filesystem fields from this process and
 * pin_dir.  0 or -errno. */
int sg_guard_identity(struct sg_config *cfg, const char *pin_dir);

/* Records every map of skel and marks every pin under pin_dir, so that
 * only the daemon may write the maps or remove the pins.  0 or -errno
 * with a sentence in why. */
int sg_guard_arm(struct sealguard_bpf *skel, const char *pin_dir, char *why, size_t len);

#endif
