/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seal names as the CLI and the daemon's logs spell them.  The names are
 * the F_SEAL_* suffixes in lower case with '-' for '_', so they read the
 * same as in memfd_create(2) and fcntl(2).
 */
#ifndef SEALGUARD_SEAL_NAMES_H
#define SEALGUARD_SEAL_NAMES_H

#include <stddef.h>

/*
 * Enough for every known name plus an unknown-bits suffix:
 * "seal,shrink,grow,write,future-write,exec,0xffffffc0" is 51 bytes.
 */
#define SG_SEALS_FORMAT_MAX 64

/* Name of a single SG_SEAL_* bit, or NULL if bit is not exactly one known seal. */
const char *sg_seal_name(unsigned int bit);

/*
 * Parse a comma-separated list into SG_SEAL_* bits.  Each item is one of
 * seal, shrink, grow, write, future-write, exec (lower case), or a number
 * 0..0x3f written as decimal without leading zeros or as 0x-hex, so that
 * scripts can pass a mask through.  Items are OR'ed; repeating one is fine.
 *
 * Returns 0, -EINVAL for an empty or unknown item, or -ERANGE for a number
 * above 0x3f.  On error, if bad/badlen are non-NULL they are set to the
 * offending item inside s (badlen 0 for an empty item) for the message;
 * *out is only written on success.
 */
int sg_seals_parse(const char *s, unsigned int *out, const char **bad, size_t *badlen);

/*
 * Write seals as "shrink,grow,write", "none" for 0, with any bits without
 * a name appended as one hex item ("write,0x40").  Returns the length
 * written without the NUL, or -ENOSPC if buf (len bytes) is too small, in
 * which case buf holds "" when len > 0.
 */
int sg_seals_format(unsigned int seals, char *buf, size_t len);

/* Name of a refused operation (enum sg_event_op): "write", "fallocate",
 * "mmap", "mprotect", "truncate", "chmod"; "?" for any other value. */
const char *sg_op_name(unsigned int op);

#endif
