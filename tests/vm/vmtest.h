/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Result lines of the VM test programs, read by tests/vm/guest.sh:
 *   PASS <name>
 *   FAIL <name>: <what differed>
 *   SKIP <name>: <why>
 * One line per case, flushed at once so a crash loses nothing printed.
 */
#ifndef SG_VMTEST_H
#define SG_VMTEST_H

#include <stdarg.h>
#include <stdio.h>

struct vmtest_counts {
	int passed, failed, skipped;
};

static struct vmtest_counts vmtest_counts;

static inline void vmtest_line(const char *tag, const char *name, const char *fmt, va_list ap)
{
	printf("%s %s", tag, name);
	if (fmt && *fmt) {
		printf(": ");
		vprintf(fmt, ap);
	}
	printf("\n");
	fflush(stdout);
}

static inline void vmtest_pass(const char *name)
{
	vmtest_counts.passed++;
	printf("PASS %s\n", name);
	fflush(stdout);
}

__attribute__((format(printf, 2, 3))) static inline void vmtest_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	vmtest_counts.failed++;
	va_start(ap, fmt);
	vmtest_line("FAIL", name, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static inline void vmtest_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	vmtest_counts.skipped++;
	va_start(ap, fmt);
	vmtest_line("SKIP", name, fmt, ap);
	va_end(ap);
}

/* Exit status of a test program: 0 only when nothing failed. */
static inline int vmtest_exit(void)
{
	fprintf(stderr, "%d passed, %d failed, %d skipped\n", vmtest_counts.passed, vmtest_counts.failed,
		vmtest_counts.skipped);
	return vmtest_counts.failed ? 1 : 0;
}

#endif
