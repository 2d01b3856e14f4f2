/* SPDX-License-Identifier: GPL-2.0 */
/* The fuzz harnesses' invariant check: a broken invariant aborts, so
 * libFuzzer keeps the input that broke it. */
#ifndef SG_FUZZ_CHECK_H
#define SG_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "invariant broken: %s\n", #cond); \
			abort();                                          \
		}                                                         \
	} while (0)

#endif
