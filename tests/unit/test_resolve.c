// SPDX-License-Identifier: GPL-2.0
/* What a rule names on disk, as the daemon and `sealctl policy check
 * --resolve` resolve it: found files by the kernel's (dev, ino), missing
 * ones with what is missing, the errno and the reason, in policy order.
 * The daemon's side in the VM: tests/vm/vm_leftout.sh. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "sg_policy.h"
#include "sg_resolve.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/sg-resolve.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

static void parse(struct sg_policy *p, const char *text)
{
	char err[512] = "";

	memset(p, 0, sizeof(*p));
	assert_int_equal(sg_policy_parse(p, "t.yaml", text, strlen(text), err, sizeof(err)), 0);
}

static bool have_cgroup2(void)
{
	struct statfs sfs;

	return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == 0x63677270;
}

/* Found: the kernel's dev encoding (major << 20 | minor) and the inode. */
static void test_found(void **state)
{
	struct sg_kresolved res;
	struct sg_left_out why;
	struct sg_policy p;
	struct stat exe, d;
	char text[1024];

	assert_int_equal(stat("/bin/sh", &exe), 0);
	assert_int_equal(stat(dir, &d), 0);
	snprintf(text, sizeof(text),
		 "version: 1\nrules:\n  - name: r\n    kind: apply\n    on: open\n"
		 "    process: { exe: /bin/sh }\n    file: { path: %s }\n    seals: grow\n",
		 dir);
	parse(&p, text);
	assert_int_equal(sg_rule_resolve(&p.rules[0], &res, &why), 0);
	/* stat's key first (the overlay's follows it on overlayfs: vm_rule_files.sh) */
	assert_true(res.exe.n >= 1);
	assert_int_equal(res.exe.k[0].dev, (uint64_t)major(exe.st_dev) << 20 | minor(exe.st_dev));
	assert_int_equal(res.exe.k[0].ino, exe.st_ino);
	assert_true(res.dir.n >= 1);
	assert_int_equal(res.dir.k[0].dev, (uint64_t)major(d.st_dev) << 20 | minor(d.st_dev));
	assert_int_equal(res.dir.k[0].ino, d.st_ino);
	assert_int_equal(res.cgroup_id, 0);
	assert_int_equal(why.missing, SG_MISSING_NONE);
	sg_policy_free(&p);
}

/* One rule per missing thing, a good one among them, and an allow rule
 * naming a missing exe (allow rules are matched by the daemon by name,
 * never left out). */
static void test_missing(void **state)
{
	struct sg_left_out_list l = { 0 };
	struct sg_kresolved res;
	struct sg_left_out why;
	struct sg_policy p;
	char text[2048], want[512];

	snprintf(text, sizeof(text),
		 "version: 1\nrules:\n"
		 "  - name: grant\n    kind: allow\n    process: { exe: %s/nope-allow }\n    seals: grow\n"
		 "  - name: no-exe\n    kind: apply\n    on: open\n    process: { exe: %s/nope }\n"
		 "    file: { path: %s }\n    seals: grow\n"
		 "  - name: good\n    kind: apply\n    on: open\n    file: { path: %s }\n    seals: grow\n"
		 "  - name: no-path\n    kind: exempt\n    file: { path: %s/gone }\n"
		 "  - name: no-cgroup\n    kind: apply\n    on: mmap\n    process: { cgroup: /sg-resolve-none/x }\n"
		 "    seals: shrink\n",
		 dir, dir, dir, dir, dir);
	parse(&p, text);

	assert_int_equal(sg_rule_resolve(&p.rules[1], &res, &why), -ENOENT);
	assert_string_equal(why.name, "no-exe");
	assert_string_equal(why.where, "t.yaml:7:5");
	assert_int_equal(why.kind, SG_RULE_APPLY);
	assert_int_equal(why.missing, SG_MISSING_EXE);
	assert_int_equal(why.err, ENOENT);
	snprintf(want, sizeof(want), "exe %s/nope: No such file or directory", dir);
	assert_string_equal(why.reason, want);
	/* Nothing of a rule left out is kept. */
	assert_int_equal(res.dir.n, 0);

	assert_int_equal(sg_policy_left_out(&p, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].name, "no-exe");
	assert_string_equal(l.v[1].name, "no-path");
	assert_int_equal(l.v[1].kind, SG_RULE_EXEMPT);
	assert_int_equal(l.v[1].missing, SG_MISSING_PATH);
	assert_int_equal(l.v[1].err, ENOENT);
	snprintf(want, sizeof(want), "path %s/gone: No such file or directory", dir);
	assert_string_equal(l.v[1].reason, want);
	assert_string_equal(l.v[2].name, "no-cgroup");
	assert_int_equal(l.v[2].missing, SG_MISSING_CGROUP);
	assert_int_equal(l.v[2].err, ENOENT);
	if (have_cgroup2())
		assert_string_equal(l.v[2].reason,
				    "cgroup /sg-resolve-none/x: /sys/fs/cgroup/sg-resolve-none/x: No such "
				    "file or directory");
	else
		assert_string_equal(l.v[2].reason,
				    "cgroup /sg-resolve-none/x: no cgroup v2 hierarchy at /sys/fs/cgroup");
	assert_string_equal(sg_missing_name(l.v[0].missing), "exe");
	assert_string_equal(sg_missing_name(l.v[1].missing), "path");
	assert_string_equal(sg_missing_name(l.v[2].missing), "cgroup");
	assert_string_equal(sg_missing_name(SG_MISSING_NONE), "?");
	sg_left_out_free(&l);
	assert_null(l.v);
	sg_policy_free(&p);
}

/* The root cgroup "/" is the hierarchy's root directory. */
static void test_root_cgroup(void **state)
{
	struct sg_kresolved res;
	struct sg_left_out why;
	struct sg_policy p;
	struct stat st;

	if (!have_cgroup2())
		skip();
	parse(&p, "version: 1\nrules:\n  - name: all\n    kind: apply\n    on: mmap\n    process: { cgroup: / }\n"
		  "    seals: shrink\n");
	assert_int_equal(stat("/sys/fs/cgroup", &st), 0);
	assert_int_equal(sg_rule_resolve(&p.rules[0], &res, &why), 0);
	assert_int_equal(res.cgroup_id, st.st_ino);
	sg_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_root_cgroup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
