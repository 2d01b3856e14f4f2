/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System calls made the way a 32-bit program makes them, from a 64-bit
 * test program: int $0x80 enters the kernel's ia32 table (its numbers and
 * its *_compat hooks), with the arguments in ebx, ecx, edx, esi, edi.
 * Pointers passed this way must lie below 4 GiB (mmap MAP_32BIT).
 */
#ifndef SG_COMPAT32_H
#define SG_COMPAT32_H

#include <errno.h>

#define SG_NR32_IOCTL		 54
#define SG_NR32_REMAP_FILE_PAGES 257

/* Returns the result, or -1 with errno set, as the libc wrappers do. */
static inline long sg_syscall32(long nr, long a, long b, long c, long d, long e)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e)
			 : "memory", "r8", "r9", "r10", "r11");
	if ((int)ret < 0 && (int)ret > -4096) {
		errno = -(int)ret;
		return -1;
	}
	return (int)ret;
}

static inline int sg_ioctl32(int fd, unsigned int cmd, unsigned long arg)
{
	return (int)sg_syscall32(SG_NR32_IOCTL, fd, (long)cmd, (long)arg, 0, 0);
}

#endif
