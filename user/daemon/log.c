// SPDX-License-Identifier: GPL-2.0
#include "log.h"

void sg_printable(char *dst, const char *src, size_t len)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
	dst[i] = '\0';
}
