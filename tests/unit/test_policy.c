// SPDX-License-Identifier: GPL-2.0
/* Policy files: what parses, what does not (with file:line:column), and
 * how rules match. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sealguard_abi.h"
#include "sg_policy.h"

static const char good[] = "version: 1\n"
			   "rules:\n"
			   "  - name: compositor-buffers\n"
			   "    kind: apply\n"
			   "    on: receive\n"
			   "    process: { exe: /usr/bin/weston, uid: [1000, 1001] }\n"
			   "    file: { fs: [tmpfs, memfd] }\n"
			   "    seals: [shrink]\n"
			   "  - name: shm-writers\n"
			   "    kind: allow\n"
			   "    process:\n"
			   "      cgroup: /user.slice\n"
			   "      gid: 100\n"
			   "    file:\n"
			   "      path: /dev/shm/cw\n"
			   "      owner: 1000\n"
			   "    seals: shrink,grow,future-write\n"
			   "  - name: cw-writer\n"
			   "    kind: allow\n"
			   "    process: { comm: cw-writer }\n"
			   "    file: { memfd: 'cursor-*' }\n"
			   "    seals: [future-write]\n";

static int parse(struct sg_policy *p, const char *text, char *err, size_t len)
{
	return sg_policy_parse(p, "t.yaml", text, strlen(text), err, len);
}

static void test_good(void **state)
{
	struct sg_policy p = { 0 };
	char err[512] = "";

	assert_int_equal(parse(&p, good, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(p.nrules, 3);
	assert_int_equal(p.nfiles, 1);

	assert_string_equal(p.rules[0].name, "compositor-buffers");
	assert_int_equal(p.rules[0].kind, SG_RULE_APPLY);
	assert_int_equal(p.rules[0].on, SG_ON_RECEIVE);
	assert_string_equal(p.rules[0].process.exe, "/usr/bin/weston");
	assert_int_equal(p.rules[0].process.nuids, 2);
	assert_int_equal(p.rules[0].process.uids[1], 1001);
	assert_int_equal(p.rules[0].file.fs, SG_FS_TMPFS | SG_FS_MEMFD);
	assert_int_equal(p.rules[0].seals, SG_SEAL_SHRINK);
	assert_string_equal(p.rules[0].where, "t.yaml:3:5");

	assert_int_equal(p.rules[1].kind, SG_RULE_ALLOW);
	assert_string_equal(p.rules[1].process.cgroup, "/user.slice");
	assert_int_equal(p.rules[1].process.gids[0], 100);
	assert_string_equal(p.rules[1].file.path, "/dev/shm/cw");
	assert_true(p.rules[1].file.has_owner);
	assert_int_equal(p.rules[1].file.owner, 1000);
	assert_int_equal(p.rules[1].seals, SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_FUTURE_WRITE);

	assert_int_equal(p.rules[2].kind, SG_RULE_ALLOW);
	assert_string_equal(p.rules[2].process.comm, "cw-writer");
	assert_string_equal(p.rules[2].file.memfd, "cursor-*");
	sg_policy_free(&p);
}

/* Each bad input: the exact message, position first. */
static void expect_error(const char *text, const char *want)
{
	struct sg_policy p = { 0 };
	char err[512] = "";
	int r = parse(&p, text, err, sizeof(err));

	if (r != -EINVAL || strcmp(err, want) != 0)
		fail_msg("for:\n%s\nexpected -EINVAL '%s'\ngot %d '%s'", text, want, r, err);
	assert_int_equal(p.nrules, 0);
	sg_policy_free(&p);
}

#define HEAD "version: 1\nrules:\n"
#define RULE "  - name: r\n    kind: allow\n    seals: [grow]\n"

static void test_bad_inputs(void **state)
{
	expect_error("", "t.yaml:1:1: empty policy file (it needs 'version: 1' and 'rules')");
	expect_error("# only a comment\n", "t.yaml:1:1: empty policy file (it needs 'version: 1' and 'rules')");
	expect_error("version: 1\nrulez: []\n", "t.yaml:2:1: unknown key 'rulez' (known: version, rules)");
	expect_error("rules: []\n", "t.yaml:1:1: no 'version: 1'");
	expect_error("version: 1\n", "t.yaml:1:1: no 'rules' list");
	expect_error("version: 2\nrules: []\n",
		     "t.yaml:1:10: policy version 2 is not supported (this sealguard reads version 1)");
	expect_error("version: one\nrules: []\n", "t.yaml:1:10: version 'one' is not a number in 0..4294967294");
	expect_error("version: 1\nrules: {}\n", "t.yaml:2:8: rules must be a list, not a mapping");
	expect_error("- a\n", "t.yaml:1:1: the file must be a mapping, not a list");
	expect_error(HEAD "  - name: r\n    kind: allow\n    seals: [grow]\n    colour: red\n",
		     "t.yaml:6:5: unknown key 'colour' in a rule (known: name, kind, seals, on, mode, process, file)");
	expect_error(HEAD "  - name: r\n    kind: allow\n    seals: [grow, wrte]\n",
		     "t.yaml:5:19: unknown seal 'wrte' (known: seal, shrink, grow, write, future-write, exec)");
	expect_error(HEAD "  - name: r\n    kind: allow\n    seals: {grow: 1}\n",
		     "t.yaml:5:12: seals must be a list, not a mapping");
	expect_error(HEAD "  - name: r\n    kind: allow\n    seals: []\n", "t.yaml:5:12: seals is an empty list");
	/* Found by fuzz_policy: a mask of 0 made a rule with no seals. */
	expect_error(HEAD "  - name: r\n    kind: allow\n    seals: 0\n", "t.yaml:5:12: seals '0' names no seal");
	expect_error(HEAD "  - name: r\n    kind: exempt\n    seals: 0x0\n", "t.yaml:5:12: seals '0x0' names no seal");
	expect_error(HEAD "  - name: r\n    kind: deny\n    seals: [grow]\n",
		     "t.yaml:4:11: unknown kind 'deny' (known: allow, apply, exempt)");
	expect_error(HEAD "  - kind: allow\n    seals: [grow]\n", "t.yaml:3:5: rule has no name");
	expect_error(HEAD "  - name: r\n    seals: [grow]\n",
		     "t.yaml:3:5: rule 'r' has no kind (allow, apply or exempt)");
	expect_error(HEAD "  - name: r\n    kind: allow\n", "t.yaml:3:5: allow rule 'r' names no seals");
	expect_error(HEAD "  - name: r\n    kind: apply\n    seals: [grow]\n",
		     "t.yaml:3:5: apply rule 'r' has no trigger ('on: receive', 'mmap' or 'open')");
	expect_error(HEAD RULE "    on: receive\n", "t.yaml:6:9: 'on' belongs to apply rules; 'r' is an allow rule");
	/* Apply and exempt rules run in the kernel: only what it can do is accepted. */
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: receive\n    seals: [shrink, write]\n",
		     "t.yaml:6:12: apply rule 'r' cannot apply write or exec: they must fail while the file is "
		     "mapped writable or executable, which a seal added on a trigger cannot; use future-write");
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: mmap\n    seals: [exec]\n",
		     "t.yaml:6:12: apply rule 'r' cannot apply write or exec: they must fail while the file is "
		     "mapped writable or executable, which a seal added on a trigger cannot; use future-write");
	expect_error(HEAD "  - name: r\n    kind: exempt\n    seals: [seal, write]\n",
		     "t.yaml:5:12: exempt rule 'r' cannot exempt from seal: it stops new seals, not an operation "
		     "(exempt from shrink, grow, write, future-write, exec)");
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: receive\n    seals: [shrink]\n"
			  "    file: { memfd: 'buf-*-x' }\n",
		     "t.yaml:3:5: apply rule 'r': the kernel matches memfd names exactly or by a prefix ending in "
		     "'*' (at most 63 bytes), not 'buf-*-x'");
	expect_error(HEAD "  - name: r\n    kind: exempt\n    file: { memfd: 'buf-?' }\n",
		     "t.yaml:3:5: exempt rule 'r': the kernel matches memfd names exactly or by a prefix ending in "
		     "'*' (at most 63 bytes), not 'buf-?'");
	expect_error(HEAD "  - name: r\n    kind: exempt\n    on: open\n",
		     "t.yaml:5:9: 'on' belongs to apply rules; 'r' is an exempt rule");
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: mmap\n    seals: [grow]\n    mode: watch\n",
		     "t.yaml:7:11: unknown mode 'watch' (known: enforce, audit)");
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: mmap\n    seals: [grow]\n    mode: [audit]\n",
		     "t.yaml:7:11: mode must be a scalar, not a list");
	expect_error(HEAD "  - name: r\n    kind: exempt\n    mode: audit\n",
		     "t.yaml:5:11: 'mode' belongs to apply rules; 'r' is an exempt rule");
	expect_error(HEAD RULE "    mode: enforce\n",
		     "t.yaml:6:11: 'mode' belongs to apply rules; 'r' is an allow rule");
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: close\n    seals: [grow]\n",
		     "t.yaml:5:9: unknown trigger 'close' (known: receive, mmap, open)");
	expect_error(HEAD "  - name: r\n    kind: apply\n    on: open\n    seals: [grow]\n",
		     "t.yaml:3:5: apply rule 'r' on open needs a file path");
	expect_error(HEAD RULE RULE, "t.yaml:6:5: duplicate rule name 'r' (first at t.yaml:3:5)");
	expect_error(HEAD RULE "    name: s\n", "t.yaml:6:5: duplicate key 'name' in a rule");
	expect_error(HEAD RULE "    file: { path: dev/shm }\n", "t.yaml:6:19: path 'dev/shm' is not an absolute path");
	expect_error(
		HEAD RULE "    file: { path: /dev/shm/../etc }\n",
		"t.yaml:6:19: path '/dev/shm/../etc' is not a normalized path (no '.', '..', '//' or trailing '/')");
	expect_error(HEAD RULE "    file: { path: /dev/shm/ }\n",
		     "t.yaml:6:19: path '/dev/shm/' is not a normalized path (no '.', '..', '//' or trailing '/')");
	expect_error(HEAD RULE "    file: { fs: ext4 }\n",
		     "t.yaml:6:17: unknown filesystem kind 'ext4' (known: tmpfs, memfd, hugetlbfs, other)");
	expect_error(HEAD RULE "    file: { inode: 3 }\n",
		     "t.yaml:6:13: unknown key 'inode' in file (known: fs, path, memfd, owner)");
	expect_error(HEAD RULE "    process: { user: root }\n",
		     "t.yaml:6:16: unknown key 'user' in process (known: uid, gid, cgroup, exe, comm)");
	expect_error(HEAD RULE "    file: { owner: [1000, 1001] }\n", "t.yaml:6:20: owner must be one uid");
	expect_error(HEAD RULE "    file: { owner: nobody }\n",
		     "t.yaml:6:20: owner 'nobody' is not a number in 0..4294967294");
	expect_error(HEAD RULE "    process: { uid: -1 }\n", "t.yaml:6:21: uid '-1' is not a number in 0..4294967294");
	expect_error(HEAD RULE "    process: { uid: [] }\n", "t.yaml:6:21: uid is an empty list");
	expect_error(HEAD RULE "    process: { comm: a-very-long-task-name }\n",
		     "t.yaml:6:22: comm is longer than 15 bytes");
	expect_error(HEAD RULE "    process: [uid]\n", "t.yaml:6:14: process must be a mapping, not a list");
	expect_error(HEAD RULE "    process: { exe: '' }\n", "t.yaml:6:21: exe must not be empty");
	/* YAML-level errors carry libyaml's position and words. */
	expect_error("version: 1\nrules: [\n", "t.yaml:3:1: YAML syntax: did not find expected node content");
	expect_error("version: 1\n\trules: []\n",
		     "t.yaml:2:1: YAML syntax: found a tab character that violates indentation");
	expect_error("version: 1\n---\nrules: []\n", "t.yaml:3:1: a second YAML document; one per file");
}

/* Apply and exempt rules take every condition the kernel can check. */
static void test_kernel_rules(void **state)
{
	static const char text[] = "version: 1\n"
				   "rules:\n"
				   "  - name: readers\n"
				   "    kind: apply\n"
				   "    on: open\n"
				   "    process: { gid: [100, 5], cgroup: /user.slice, comm: reader }\n"
				   "    file: { path: /dev/shm/cw, owner: 1000, fs: tmpfs }\n"
				   "    seals: future-write\n"
				   "  - name: mapped\n"
				   "    kind: apply\n"
				   "    on: mmap\n"
				   "    file: { memfd: 'cursor-*' }\n"
				   "    seals: [shrink, grow]\n"
				   "    mode: audit\n"
				   "  - name: writer\n"
				   "    kind: exempt\n"
				   "    process: { exe: /usr/libexec/cw-writer }\n"
				   "    file: { memfd: exact-name }\n";
	struct sg_policy p = { 0 };
	char err[512] = "", *big;
	size_t off = 0, cap = 1 << 16;

	assert_int_equal(parse(&p, text, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(p.nrules, 3);
	assert_int_equal(p.rules[0].on, SG_ON_OPEN);
	assert_int_equal(p.rules[0].process.ngids, 2);
	assert_string_equal(p.rules[0].process.comm, "reader");
	assert_int_equal(p.rules[1].on, SG_ON_MMAP);
	assert_false(p.rules[0].audit); /* enforce unless it says audit */
	assert_true(p.rules[1].audit);
	assert_int_equal(p.rules[2].kind, SG_RULE_EXEMPT);
	assert_int_equal(p.rules[2].seals, 0); /* no seals named: exempt from all */
	sg_policy_free(&p);

	/* At most SG_KRULE_MAX of them; allow rules do not count. */
	big = malloc(cap);
	assert_non_null(big);
	off += snprintf(big + off, cap - off, HEAD RULE);
	for (int i = 0; i <= SG_KRULE_MAX; i++)
		off += snprintf(big + off, cap - off, "  - name: e%d\n    kind: exempt\n", i);
	assert_int_equal(parse(&p, big, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:134:5: more than 64 apply and exempt rules in the policy");
	assert_int_equal(p.nrules, 0);

	/* The kernel looks a name up once per prefix length: at most 8 lengths. */
	off = 0;
	off += snprintf(big + off, cap - off, HEAD);
	for (int i = 1; i <= SG_KMEMFD_LENS + 1; i++)
		off += snprintf(big + off, cap - off, "  - name: m%d\n    kind: exempt\n    file: { memfd: '%.*s*' }\n",
				i, i, "abcdefghij");
	assert_int_equal(parse(&p, big, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.yaml:27:5: rule 'm9': memfd prefixes of more than 8 different lengths in "
				 "apply and exempt rules");
	free(big);
}

static void test_not_utf8(void **state)
{
	expect_error("version: 1\nrules:\n  - name: caf\xe9\n",
		     "t.yaml:3:14: not UTF-8 text: incomplete UTF-8 octet sequence");
	expect_error("version: 1\n\xff\xfe", "t.yaml:2:1: not UTF-8 text: invalid leading UTF-8 octet");
}

static void test_huge(void **state)
{
	size_t len = SG_POLICY_MAX_SIZE + 1;
	char *buf = malloc(len), err[256];
	struct sg_policy p = { 0 };

	memset(buf, '#', len);
	assert_int_equal(sg_policy_parse(&p, "big.yaml", buf, len, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "big.yaml:1:1: larger than 1048576 bytes");
	free(buf);
}

/* A bad file leaves what was parsed before it untouched. */
static void test_atomic(void **state)
{
	struct sg_policy p = { 0 };
	char err[256];

	assert_int_equal(parse(&p, good, err, sizeof(err)), 0);
	assert_int_equal(parse(&p, HEAD RULE "  - name: s\n    kind: allow\n    seals: [wrte]\n", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(p.nrules, 3);
	/* Names are unique across files. */
	assert_int_equal(parse(&p, HEAD "  - name: cw-writer\n    kind: allow\n    seals: [grow]\n", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "t.yaml:3:5: duplicate rule name 'cw-writer' (first at t.yaml:18:5)");
	assert_int_equal(p.nrules, 3);
	sg_policy_free(&p);
}

static void test_dir(void **state)
{
	char dir[] = "/tmp/sg-test-policy.XXXXXX", path[128], err[512] = "";
	struct sg_policy p;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	/* Missing or empty: the built-in policy. */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(sg_policy_load_dir(&p, path, err, sizeof(err)), 0);
	assert_true(p.builtin);
	assert_int_equal(sg_policy_load_dir(&p, dir, err, sizeof(err)), 0);
	assert_true(p.builtin);

	snprintf(path, sizeof(path), "%s/10-a.yaml", dir);
	f = fopen(path, "w");
	fputs(good, f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/README", dir); /* not *.yaml: ignored */
	f = fopen(path, "w");
	fputs("not yaml: [", f);
	fclose(f);
	assert_int_equal(sg_policy_load_dir(&p, dir, err, sizeof(err)), 0);
	assert_false(p.builtin);
	assert_int_equal(p.nrules, 3);
	sg_policy_free(&p);

	snprintf(path, sizeof(path), "%s/20-b.yaml", dir);
	f = fopen(path, "w");
	fputs(HEAD "  - name: shm-writers\n    kind: allow\n    seals: [grow]\n", f);
	fclose(f);
	assert_int_equal(sg_policy_load_dir(&p, dir, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/20-b.yaml:3:5: duplicate rule name 'shm-writers' (first at "));
	assert_int_equal(p.nrules, 0);
	sg_policy_free(&p);

	unlink(path);
	snprintf(path, sizeof(path), "%s/10-a.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/README", dir);
	unlink(path);
	rmdir(dir);
}

static void test_matching(void **state)
{
	struct sg_policy p = { 0 };
	char err[256];
	gid_t groups[] = { 5, 100 };
	struct sg_subject s = { .uid = 1000,
				.gid = 1000,
				.groups = groups,
				.ngroups = 2,
				.cgroup = "/user.slice/user-1000.slice",
				.exe = "/usr/bin/app",
				.comm = "app" };
	struct sg_object o = { .fs = SG_FS_TMPFS, .path = "/dev/shm/cw/buf1", .has_owner = true, .owner = 1000 };
	unsigned int denied;

	assert_int_equal(parse(&p, good, err, sizeof(err)), 0);
	/* shm-writers: cgroup prefix, supplementary gid 100, path, owner. */
	assert_true(sg_policy_allows(&p, &s, &o, SG_SEAL_SHRINK | SG_SEAL_GROW, &denied));
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW | SG_SEAL_WRITE, &denied));
	assert_int_equal(denied, SG_SEAL_WRITE);
	/* Prefixes are on components. */
	o.path = "/dev/shm/cwx";
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW, &denied));
	o.path = "/dev/shm/cw";
	assert_true(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW, &denied));
	s.cgroup = "/user.slicer";
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW, &denied));
	s.cgroup = NULL; /* unreadable: no rule naming it matches */
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW, &denied));
	s.cgroup = "/user.slice";
	s.ngroups = 1;
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW, &denied));
	s.ngroups = 2;
	o.owner = 0;
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_GROW, &denied));
	o.owner = 1000;
	/* Apply rules grant no requests. */
	o.fs = SG_FS_MEMFD;
	o.path = "/memfd:x";
	s.exe = "/usr/bin/weston";
	assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_SHRINK, &denied));
	assert_true(sg_rule_matches(&p.rules[0], &s, &o));
	s.uid = 0;
	assert_false(sg_rule_matches(&p.rules[0], &s, &o));
	/* memfd name patterns. */
	s.comm = "cw-writer";
	o.memfd = "cursor-7";
	assert_true(sg_rule_matches(&p.rules[2], &s, &o));
	o.memfd = "other";
	assert_false(sg_rule_matches(&p.rules[2], &s, &o));
	sg_policy_free(&p);

	/* The built-in policy grants every request. */
	p.builtin = true;
	assert_true(sg_policy_allows(&p, &s, &o, SG_SEAL_ALL, &denied));
}

/* The uid index answers as the scan of every rule does: rules naming
 * several uids, none, and uids shared between rules. */
static void test_index(void **state)
{
	static const char pol[] = HEAD
		"  - name: a\n    kind: allow\n    process: { uid: [1000, 1001] }\n    seals: [shrink]\n"
		"  - name: b\n    kind: allow\n    process: { uid: 1001 }\n    file: { path: /dev/shm }\n    seals: [grow]\n"
		"  - name: c\n    kind: allow\n    file: { path: /dev/shm/any }\n    seals: [write]\n"
		"  - name: d\n    kind: allow\n    process: { uid: [0, 5000, 1000] }\n    file: { fs: memfd }\n    seals: [exec]\n"
		"  - name: e\n    kind: apply\n    on: open\n    process: { uid: 1000 }\n    file: { path: /dev/shm }\n    seals: [shrink]\n";
	static const char *const paths[] = { "/dev/shm/x", "/dev/shm/any/y", "/tmp/z", "/memfd:m (deleted)" };
	static const unsigned int fs[] = { SG_FS_TMPFS, SG_FS_TMPFS, SG_FS_OTHER, SG_FS_MEMFD };
	static const uid_t uids[] = { 0, 999, 1000, 1001, 1002, 5000, 65534 };
	struct sg_policy p = { 0 };
	char err[256];

	(void)state;
	assert_int_equal(parse(&p, pol, err, sizeof(err)), 0);
	assert_null(p.index);
	for (size_t u = 0; u < sizeof(uids) / sizeof(uids[0]); u++) {
		for (size_t f = 0; f < sizeof(paths) / sizeof(paths[0]); f++) {
			struct sg_subject s = { .uid = uids[u], .gid = uids[u] };
			struct sg_object o = { .fs = fs[f], .path = paths[f] };
			unsigned int scanned, indexed;

			sg_policy_allows(&p, &s, &o, SG_SEAL_ALL, &scanned);
			assert_int_equal(sg_policy_index(&p), 0);
			sg_policy_allows(&p, &s, &o, SG_SEAL_ALL, &indexed);
			sg_policy_index_free(&p);
			assert_int_equal(scanned, indexed);
		}
	}
	/* Spot checks of what the two agree on. */
	assert_int_equal(sg_policy_index(&p), 0);
	{
		struct sg_subject s = { .uid = 1001 };
		struct sg_object o = { .fs = SG_FS_TMPFS, .path = "/dev/shm/any/y" };
		unsigned int denied;

		assert_true(sg_policy_allows(&p, &s, &o, SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE, &denied));
		assert_false(sg_policy_allows(&p, &s, &o, SG_SEAL_EXEC | SG_SEAL_SEAL, &denied));
		assert_int_equal(denied, SG_SEAL_EXEC | SG_SEAL_SEAL);
	}
	sg_policy_free(&p);
	assert_null(p.index);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),	 cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_kernel_rules),
		cmocka_unit_test(test_not_utf8), cmocka_unit_test(test_huge),	    cmocka_unit_test(test_atomic),
		cmocka_unit_test(test_dir),	 cmocka_unit_test(test_matching),   cmocka_unit_test(test_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
