// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the policy parser: whatever a policy file holds,
 * parsing must not crash or leak, must fail with "name:line:column: ..."
 * and leave the policy untouched, or succeed with rules the daemon can
 * rely on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "sealguard_abi.h"
#include "sg_kcompile.h"
#include "sg_policy.h"

/* What the kernel compares: a memfd name under 64 bytes, or "prefix*". */
static int kernel_pattern(const char *pat)
{
	size_t n = strlen(pat), special = strcspn(pat, "*?[\\");

	return special == n ? n < SG_KMEMFD_MAX : special == n - 1 && n - 1 <= SG_KMEMFD_MAX;
}

static void check_rule(const struct sg_rule *r)
{
	CHECK(r->name[0] && strlen(r->name) < sizeof(r->name));
	CHECK(r->kind == SG_RULE_ALLOW || r->kind == SG_RULE_APPLY || r->kind == SG_RULE_EXEMPT);
	CHECK(!(r->seals & ~SG_SEAL_ALL));
	CHECK(r->seals || r->kind == SG_RULE_EXEMPT);
	CHECK(r->process.nuids <= SG_POLICY_MAX_IDS && r->process.ngids <= SG_POLICY_MAX_IDS);
	CHECK(!r->process.cgroup[0] || r->process.cgroup[0] == '/');
	CHECK(!r->process.exe[0] || r->process.exe[0] == '/');
	CHECK(!r->file.path[0] || r->file.path[0] == '/');
	CHECK(!(r->file.fs & ~(SG_FS_TMPFS | SG_FS_MEMFD | SG_FS_HUGETLBFS | SG_FS_OTHER)));
	if (r->kind == SG_RULE_ALLOW) {
		CHECK(r->on == SG_ON_NONE);
		return;
	}
	/* What the kernel side is given must be what it can do. */
	CHECK(!r->file.memfd[0] || kernel_pattern(r->file.memfd));
	if (r->kind == SG_RULE_APPLY) {
		CHECK(r->on == SG_ON_RECEIVE || r->on == SG_ON_MMAP || r->on == SG_ON_OPEN);
		CHECK(!(r->seals & (SG_SEAL_WRITE | SG_SEAL_EXEC)));
		CHECK(r->on != SG_ON_OPEN || r->file.path[0]);
	} else {
		CHECK(r->on == SG_ON_NONE);
		CHECK(!(r->seals & SG_SEAL_SEAL));
	}
}

/* Whatever the parser accepts compiles for the kernel, within its bits. */
static void check_compiled(const struct sg_policy *p)
{
	static const struct sg_kresolved res = { .exe = { .k = { { 1, 2 } }, .n = 1 },
						 .dir = { .k = { { 3, 4 } }, .n = 1 },
						 .cgroup_id = 5 };
	struct sg_kcompiled k;
	__u64 all = 0, used;

	memset(&k, 0, sizeof(k));
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind != SG_RULE_ALLOW)
			CHECK(sg_kcompile_rule(&k, 1, &p->rules[i], &res) == 0);
	used = k.nrules == 64 ? ~0ull : (1ull << k.nrules) - 1;
	for (int s = 0; s < SG_KSET_COUNT; s++) {
		CHECK(!(k.pol.set[s] & all)); /* each rule in one set */
		all |= k.pol.set[s];
	}
	CHECK(all == used);
	for (size_t i = 0; i < k.n; i++)
		CHECK(k.m[i].bits && !(k.m[i].bits & ~used) && k.m[i].key.half == 1);
	for (size_t i = 0; i < k.nnames; i++)
		CHECK(k.names[i].bits && !(k.names[i].bits & ~k.pol.memfd));
	for (int l = 0; l < SG_KMEMFD_LENS; l++)
		CHECK(k.pol.memfd_lens[l] <= SG_KMEMFD_MAX);
	sg_kcompiled_free(&k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_policy p = { 0 };
	char err[512] = "";
	char *buf = malloc(size ? size : 1);
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = sg_policy_parse(&p, "f.yaml", buf, size, err, sizeof(err));
	if (r < 0) {
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(p.nrules == 0 && p.nfiles == 0);
		CHECK(strncmp(err, "f.yaml:", 7) == 0);
	} else {
		size_t nkernel = 0;

		CHECK(p.nfiles == 1);
		for (size_t i = 0; i < p.nrules; i++) {
			check_rule(&p.rules[i]);
			nkernel += p.rules[i].kind != SG_RULE_ALLOW;
		}
		CHECK(nkernel <= SG_KRULE_MAX);
		check_compiled(&p);
		/* The same text again: every name is now a duplicate. */
		r = sg_policy_parse(&p, "f.yaml", buf, size, err, sizeof(err));
		CHECK(p.nrules == 0 ? r == 0 : r == -EINVAL);
	}
	sg_policy_free(&p);
	free(buf);
	return 0;
}
