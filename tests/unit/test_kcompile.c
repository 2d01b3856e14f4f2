// SPDX-License-Identifier: GPL-2.0
/* Kernel rules compiled for the maps: which bits each attribute's key
 * accepts, which rules have no condition, the sets, the seals, the
 * memfd names and prefix lengths.  The kernel's side of the same
 * matching is checked in the VM (tests/vm/vm_krules.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sealguard_abi.h"
#include "sg_kcompile.h"
#include "sg_policy.h"

static const char text[] = "version: 1\n"
			   "rules:\n"
			   "  - name: grant\n" /* not compiled: allow rules are the daemon's */
			   "    kind: allow\n"
			   "    seals: grow\n"
			   "  - name: readers\n"
			   "    kind: apply\n"
			   "    on: open\n"
			   "    process: { uid: [1000, 1001], comm: reader }\n"
			   "    file: { path: /dev/shm/cw, fs: tmpfs }\n"
			   "    seals: [future-write, shrink]\n"
			   "  - name: maps\n"
			   "    kind: apply\n"
			   "    on: mmap\n"
			   "    process: { gid: 100, cgroup: /app }\n"
			   "    file: { memfd: 'cursor-*', owner: 1000 }\n"
			   "    seals: grow\n"
			   "  - name: writer\n"
			   "    kind: exempt\n"
			   "    process: { exe: /usr/bin/w, uid: 1000 }\n"
			   "    file: { memfd: exact }\n";

/* The bits a key of the compiled sg_kmatch accepts, 0 if absent. */
static __u64 match_bits(const struct sg_kcompiled *k, __u32 attr, __u64 a, __u64 b)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->m[i].key.attr == attr && k->m[i].key.a == a && k->m[i].key.b == b) {
			assert_int_equal(k->m[i].key.half, 1);
			return k->m[i].bits;
		}
	return 0;
}

static __u64 name_bits(const struct sg_kcompiled *k, __u32 len, const char *name)
{
	struct sg_kname_key want;

	memset(&want, 0, sizeof(want));
	want.half = 1;
	want.len = len;
	memcpy(want.name, name, strlen(name));
	for (size_t i = 0; i < k->nnames; i++)
		if (memcmp(&k->names[i].key, &want, sizeof(want)) == 0)
			return k->names[i].bits;
	return 0;
}

static void compile_all(struct sg_kcompiled *k, const struct sg_policy *p)
{
	const struct sg_kresolved res = { .exe = { .k = { { 8 << 20 | 1, 77 } }, .n = 1 },
					  .dir = { .k = { { 23, 1 } }, .n = 1 },
					  .cgroup_id = 4242 };

	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind != SG_RULE_ALLOW)
			assert_int_equal(sg_kcompile_rule(k, 1, &p->rules[i], &res), 0);
}

static void test_compiled(void **state)
{
	struct sg_policy p = { 0 };
	struct sg_kcompiled k;
	char err[256] = "";
	__u64 comm[2] = { 0, 0 };
	const __u64 readers = 1, maps = 2, writer = 4;

	assert_int_equal(sg_policy_parse(&p, "t.yaml", text, strlen(text), err, sizeof(err)), 0);
	compile_all(&k, &p);
	assert_int_equal(k.nrules, 3);

	/* Sets: one rule each, and the flags the kernel checks first. */
	assert_true(k.pol.set[SG_KSET_OPEN] == readers && k.pol.set[SG_KSET_MMAP] == maps &&
		    k.pol.set[SG_KSET_EXEMPT] == writer && k.pol.set[SG_KSET_RECEIVE] == 0);
	assert_int_equal(k.sets, SG_KSET_F(SG_KSET_OPEN) | SG_KSET_F(SG_KSET_MMAP) | SG_KSET_F(SG_KSET_EXEMPT));

	/* Seals by bit; the exempt rule naming none covers every exemptable seal. */
	assert_int_equal(k.pol.sealed_by[1], readers | writer); /* shrink */
	assert_int_equal(k.pol.sealed_by[2], maps | writer);	/* grow */
	assert_int_equal(k.pol.sealed_by[3], writer);		/* write */
	assert_int_equal(k.pol.sealed_by[4], readers | writer); /* future-write */
	assert_int_equal(k.pol.sealed_by[5], writer);		/* exec */
	assert_int_equal(k.pol.sealed_by[0], 0);		/* seal */

	/* Each attribute: the rules without a condition, the keys of those with one. */
	assert_int_equal(k.pol.any[SG_KATTR_UID], maps);
	assert_int_equal(match_bits(&k, SG_KATTR_UID, 1000, 0), readers | writer);
	assert_int_equal(match_bits(&k, SG_KATTR_UID, 1001, 0), readers);
	assert_int_equal(k.pol.any[SG_KATTR_GID], readers | writer);
	assert_int_equal(match_bits(&k, SG_KATTR_GID, 100, 0), maps);
	memcpy(comm, "reader", 6);
	assert_int_equal(k.pol.any[SG_KATTR_COMM], maps | writer);
	assert_int_equal(match_bits(&k, SG_KATTR_COMM, comm[0], comm[1]), readers);
	assert_int_equal(k.pol.any[SG_KATTR_EXE], readers | maps);
	assert_int_equal(match_bits(&k, SG_KATTR_EXE, 8 << 20 | 1, 77), writer);
	assert_int_equal(k.pol.any[SG_KATTR_CGROUP], readers | writer);
	assert_int_equal(match_bits(&k, SG_KATTR_CGROUP, 4242, 0), maps);
	assert_int_equal(k.pol.any[SG_KATTR_OWNER], readers | writer);
	assert_int_equal(match_bits(&k, SG_KATTR_OWNER, 1000, 0), maps);
	/* A directory, and (dev, 0): "some rule names a directory here". */
	assert_int_equal(k.pol.any[SG_KATTR_DIR], maps | writer);
	assert_int_equal(match_bits(&k, SG_KATTR_DIR, 23, 1), readers);
	assert_int_equal(match_bits(&k, SG_KATTR_DIR, 23, 0), readers);

	/* Filesystem kinds: a rule naming none accepts all four. */
	assert_int_equal(k.pol.fs[SG_KFS_TMPFS], readers | maps | writer);
	assert_int_equal(k.pol.fs[SG_KFS_MEMFD], maps | writer);
	assert_int_equal(k.pol.fs[SG_KFS_OTHER], maps | writer);

	/* memfd names: a prefix keyed with its length, an exact name with 0. */
	assert_int_equal(k.pol.memfd, maps | writer);
	assert_int_equal(k.pol.memfd_lens[0], 7);
	assert_int_equal(k.pol.memfd_lens[1], 0);
	assert_int_equal(k.pol.memfd_exact, 1);
	assert_int_equal(name_bits(&k, 7, "cursor-"), maps);
	assert_int_equal(name_bits(&k, 0, "exact"), writer);
	assert_int_equal(name_bits(&k, 0, "cursor-"), 0);

	sg_kcompiled_free(&k);
	sg_policy_free(&p);
}

/* "*" alone is any memfd: no name key, no length; the kind does it. */
static void test_memfd_star(void **state)
{
	static const char star[] = "version: 1\nrules:\n  - name: any\n    kind: apply\n    on: mmap\n"
				   "    file: { memfd: '*' }\n    seals: grow\n";
	struct sg_policy p = { 0 };
	struct sg_kcompiled k;
	char err[256] = "";

	assert_int_equal(sg_policy_parse(&p, "t.yaml", star, strlen(star), err, sizeof(err)), 0);
	compile_all(&k, &p);
	assert_int_equal(k.pol.memfd, 0);
	assert_int_equal(k.nnames, 0);
	assert_int_equal(k.pol.memfd_lens[0], 0);
	assert_int_equal(k.pol.fs[SG_KFS_MEMFD], 1);
	assert_int_equal(k.pol.fs[SG_KFS_TMPFS] | k.pol.fs[SG_KFS_HUGETLBFS] | k.pol.fs[SG_KFS_OTHER], 0);
	sg_kcompiled_free(&k);
	sg_policy_free(&p);
}

/* Audit mode: the rule compiles as before, and is also named by the
 * (SG_KATTR_AUDIT, 0, 0) key with the policy's audit flag. */
static void test_audit(void **state)
{
	static const char two[] = "version: 1\nrules:\n"
				  "  - name: enforced\n    kind: apply\n    on: mmap\n    seals: grow\n"
				  "  - name: audited\n    kind: apply\n    on: receive\n    seals: shrink\n"
				  "    mode: audit\n";
	struct sg_policy p = { 0 };
	struct sg_kcompiled k;
	char err[256] = "";

	assert_int_equal(sg_policy_parse(&p, "t.yaml", two, strlen(two), err, sizeof(err)), 0);
	compile_all(&k, &p);
	assert_int_equal(k.nrules, 2);
	assert_int_equal(k.pol.flags, SG_KPOL_F_AUDIT);
	assert_int_equal(match_bits(&k, SG_KATTR_AUDIT, 0, 0), 2);
	assert_int_equal(k.pol.set[SG_KSET_RECEIVE], 2);
	assert_int_equal(k.pol.sealed_by[1], 2); /* shrink, as it would seal */
	sg_kcompiled_free(&k);

	/* Without audit rules: no flag, no key. */
	p.rules[1].audit = false;
	compile_all(&k, &p);
	assert_int_equal(k.pol.flags, 0);
	assert_int_equal(match_bits(&k, SG_KATTR_AUDIT, 0, 0), 0);
	sg_kcompiled_free(&k);
	sg_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compiled),
		cmocka_unit_test(test_memfd_star),
		cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
