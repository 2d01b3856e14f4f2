/* SPDX-License-Identifier: GPL-2.0 */
/* Text from clients and tasks on its way into the daemon's log. */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stddef.h>

/* Copies src (at most len - 1 bytes, stopping at NUL) into dst with
 * control characters replaced by '?': task names and paths are chosen by
 * whoever we log about, and must not forge or hide a log line. */
void sg_printable(char *dst, const char *src, size_t len);

#endif
