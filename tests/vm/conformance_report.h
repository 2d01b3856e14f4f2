/* SPDX-License-Identifier: GPL-2.0 */
/* A conformance outcome as a result line.  Inline in each program, since
 * vmtest.h keeps its counts per program. */
#ifndef SG_CONFORMANCE_REPORT_H
#define SG_CONFORMANCE_REPORT_H

#include "conformance_ops.h"
#include "vmtest.h"

static inline void conf_report(const struct conf_outcome *o)
{
	switch (o->v) {
	case CONF_PASS: vmtest_pass(o->name); break;
	case CONF_SKIP: vmtest_skip(o->name, "%s", o->msg); break;
	default: vmtest_fail(o->name, "%s", o->msg); break;
	}
}

#endif
