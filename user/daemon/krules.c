// SPDX-License-Identifier: GPL-2.0
#include "krules.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "sealguard.skel.h"
#include "sealguard_abi.h"

#define CGROUP2_SUPER_MAGIC 0x63677270
#define CGROUP_ROOT         "/sys/fs/cgroup"

#define SG_EXEMPTABLE (SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE | SG_SEAL_FUTURE_WRITE | SG_SEAL_EXEC)

struct kmatch {
	struct sg_kmatch_key key;
	__u64 bits;
};

struct kname {
	struct sg_kname_key key;
	__u64 bits;
};

/* The policy as the kernel gets it, built in memory first. */
struct kcompiled {
	struct sg_kpolicy pol;
	struct kmatch *m;
	size_t n, cap;
	struct kname *names;
	size_t nnames;
	__u32 sets;
	__u32 nrules;
};

/* What a rule names on disk, resolved before any of it is recorded, so a
 * rule left out leaves no trace. */
struct resolved {
	__u64 exe_dev, exe_ino;
	__u64 dir_dev, dir_ino;
	__u64 cgroup_id;
};

static __u64 kdev(dev_t dev)
{
	return ((__u64)major(dev) << 20) | minor(dev); /* the kernel's dev_t */
}

static int add_match(struct kcompiled *k, __u32 half, __u32 attr, __u64 a, __u64 b, __u64 bit)
{
	for (size_t i = 0; i < k->n; i++) {
		struct sg_kmatch_key *key = &k->m[i].key;

		if (key->attr == attr && key->a == a && key->b == b) {
			k->m[i].bits |= bit;
			return 0;
		}
	}
	if (k->n == SG_KMATCH_MAX)
		return -E2BIG;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct kmatch *m = realloc(k->m, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		k->m = m;
		k->cap = cap;
	}
	memset(&k->m[k->n], 0, sizeof(k->m[k->n]));
	k->m[k->n].key.half = half;
	k->m[k->n].key.attr = attr;
	k->m[k->n].key.a = a;
	k->m[k->n].key.b = b;
	k->m[k->n].bits = bit;
	k->n++;
	return 0;
}

/* A memfd name condition: "name" exactly, or "prefix*". */
static int add_name(struct kcompiled *k, __u32 half, const char *pattern, __u64 bit)
{
	size_t n = strlen(pattern);
	struct sg_kname_key key;
	struct kname *names;

	memset(&key, 0, sizeof(key));
	key.half = half;
	if (n && pattern[n - 1] == '*') {
		unsigned int i;

		key.len = (__u32)(n - 1);
		for (i = 0; i < SG_KMEMFD_LENS && k->pol.memfd_lens[i] && k->pol.memfd_lens[i] != key.len; i++)
			;
		if (i == SG_KMEMFD_LENS)
			return -E2BIG; /* the parser refuses more lengths */
		k->pol.memfd_lens[i] = key.len;
	} else {
		k->pol.memfd_exact = 1;
	}
	/* A bare "*" is any memfd: the prefix of length 0 is every name. */
	if (key.len == 0 && n && pattern[n - 1] == '*') {
		k->pol.memfd &= ~bit;
		return 0;
	}
	memcpy(key.name, pattern, key.len ? key.len : n);
	for (size_t i = 0; i < k->nnames; i++)
		if (memcmp(&k->names[i].key, &key, sizeof(key)) == 0) {
			k->names[i].bits |= bit;
			return 0;
		}
	if (k->nnames == SG_KMATCH_MAX)
		return -E2BIG;
	names = realloc(k->names, (k->nnames + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	k->names = names;
	k->names[k->nnames].key = key;
	k->names[k->nnames].bits = bit;
	k->nnames++;
	return 0;
}

/* 0, or -errno naming in why the file that cannot be used. */
static int resolve(const struct sg_rule *r, struct resolved *out, char *why, size_t len)
{
	struct statfs sfs;
	struct stat st;
	char path[sizeof(CGROUP_ROOT) + SG_POLICY_PATH_MAX];

	memset(out, 0, sizeof(*out));
	/* By inode: the kernel sees the executable, not its name.  A binary
	 * replaced on disk is a new inode: reload after updates. */
	if (r->process.exe[0]) {
		if (stat(r->process.exe, &st) < 0)
			goto fail_errno_exe;
		out->exe_dev = kdev(st.st_dev);
		out->exe_ino = st.st_ino;
	}
	if (r->file.path[0]) {
		if (stat(r->file.path, &st) < 0) {
			snprintf(why, len, "path %s: %s", r->file.path, strerror(errno));
			return -errno;
		}
		out->dir_dev = kdev(st.st_dev);
		out->dir_ino = st.st_ino;
	}
	if (r->process.cgroup[0]) {
		/* A cgroup v2 directory's inode number is the cgroup's id. */
		snprintf(path, sizeof(path), "%s%s", CGROUP_ROOT, strcmp(r->process.cgroup, "/") ? r->process.cgroup : "");
		if (statfs(CGROUP_ROOT, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
			snprintf(why, len, "cgroup %s: no cgroup v2 hierarchy at %s", r->process.cgroup, CGROUP_ROOT);
			return -ENOENT;
		}
		if (stat(path, &st) < 0) {
			snprintf(why, len, "cgroup %s: %s: %s", r->process.cgroup, path, strerror(errno));
			return -errno;
		}
		out->cgroup_id = st.st_ino;
	}
	return 0;
fail_errno_exe:
	snprintf(why, len, "exe %s: %s", r->process.exe, strerror(errno));
	return -errno;
}

static __u32 kernel_set(const struct sg_rule *r)
{
	if (r->kind == SG_RULE_EXEMPT)
		return SG_KSET_EXEMPT;
	switch (r->on) {
	case SG_ON_MMAP: return SG_KSET_MMAP;
	case SG_ON_OPEN: return SG_KSET_OPEN;
	default: return SG_KSET_RECEIVE;
	}
}

static int add_ids(struct kcompiled *k, __u32 half, __u32 attr, const unsigned int *ids, unsigned int n,
		   __u64 bit)
{
	int r = 0;

	if (!n)
		k->pol.any[attr] |= bit;
	for (unsigned int i = 0; i < n && r == 0; i++)
		r = add_match(k, half, attr, ids[i], 0, bit);
	return r;
}

static int compile(struct kcompiled *k, __u32 half, const struct sg_rule *r, const struct resolved *res)
{
	const struct sg_match_process *p = &r->process;
	const struct sg_match_file *f = &r->file;
	unsigned int i = k->nrules;
	__u64 bit = 1ull << i;
	__u32 set = kernel_set(r), seals;
	int e = 0;

	k->pol.set[set] |= bit;
	k->sets |= SG_KSET_F(set);
	seals = r->kind == SG_RULE_EXEMPT ? (r->seals ? r->seals : SG_EXEMPTABLE) : r->seals;
	for (unsigned int b = 0; b < SG_KSEAL_BITS; b++)
		if (seals & (1u << b))
			k->pol.sealed_by[b] |= bit;

	e = e ?: add_ids(k, half, SG_KATTR_UID, p->uids, p->nuids, bit);
	e = e ?: add_ids(k, half, SG_KATTR_GID, p->gids, p->ngids, bit);
	if (p->exe[0])
		e = e ?: add_match(k, half, SG_KATTR_EXE, res->exe_dev, res->exe_ino, bit);
	else
		k->pol.any[SG_KATTR_EXE] |= bit;
	if (p->comm[0]) {
		__u64 comm[2] = { 0, 0 };

		memcpy(comm, p->comm, strnlen(p->comm, sizeof(comm) - 1));
		e = e ?: add_match(k, half, SG_KATTR_COMM, comm[0], comm[1], bit);
	} else {
		k->pol.any[SG_KATTR_COMM] |= bit;
	}
	if (p->cgroup[0])
		e = e ?: add_match(k, half, SG_KATTR_CGROUP, res->cgroup_id, 0, bit);
	else
		k->pol.any[SG_KATTR_CGROUP] |= bit;
	if (f->has_owner)
		e = e ?: add_match(k, half, SG_KATTR_OWNER, f->owner, 0, bit);
	else
		k->pol.any[SG_KATTR_OWNER] |= bit;
	if (f->path[0]) {
		/* (dev, 0) tells the kernel a rule names a directory on this
		 * filesystem, so other files skip the walk up. */
		e = e ?: add_match(k, half, SG_KATTR_DIR, res->dir_dev, res->dir_ino, bit);
		e = e ?: add_match(k, half, SG_KATTR_DIR, res->dir_dev, 0, bit);
	} else {
		k->pol.any[SG_KATTR_DIR] |= bit;
	}
	for (unsigned int fs = 0; fs < SG_KFS_COUNT; fs++)
		if (!f->fs || (f->fs & (1u << fs)))
			k->pol.fs[fs] |= bit;
	if (f->memfd[0]) {
		/* The parser let through only "name" and "prefix*". */
		k->pol.memfd |= bit;
		e = e ?: add_name(k, half, f->memfd, bit);
	}
	if (e == 0)
		k->nrules++;
	return e;
}

/* Removes every entry of one half from sg_kmatch or sg_kname: both keys
 * start with the half.  Collected first: deleting while walking would
 * restart the walk. */
static int clear_half(int fd, __u32 half)
{
	union anykey {
		struct sg_kmatch_key m;
		struct sg_kname_key n;
	} key, *doomed = NULL;
	size_t n = 0, cap = 0;
	bool first = true;
	int r = 0;

	while (bpf_map_get_next_key(fd, first ? NULL : &key, &key) == 0) {
		__u32 h;

		first = false;
		memcpy(&h, &key, sizeof(h));
		if (h != half)
			continue;
		if (n == cap) {
			union anykey *more = realloc(doomed, (cap = cap ? 2 * cap : 64) * sizeof(*more));

			if (!more) {
				free(doomed);
				return -ENOMEM;
			}
			doomed = more;
		}
		doomed[n++] = key;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &doomed[i]) < 0 && errno != ENOENT)
			r = -errno;
	free(doomed);
	return r;
}

int sg_krules_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len)
{
	int cfg_fd = bpf_map__fd(d->skel->maps.sg_config);
	int pol_fd = bpf_map__fd(d->skel->maps.sg_kpolicy);
	int match_fd = bpf_map__fd(d->skel->maps.sg_kmatch);
	int name_fd = bpf_map__fd(d->skel->maps.sg_kname);
	struct kcompiled *k = calloc(1, sizeof(*k));
	struct sg_config cfg;
	__u32 zero = 0, half, old;
	const char *what = "read the configuration map";
	int r = 0;

	if (!k) {
		snprintf(why, len, "cannot compile the kernel rules: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (bpf_map_lookup_elem(cfg_fd, &zero, &cfg) < 0)
		goto fail_errno;
	old = cfg.kpol_half & 1;
	half = old ^ 1; /* the half not in force */

	for (size_t i = 0; i < p->nrules; i++) {
		const struct sg_rule *rule = &p->rules[i];
		struct resolved res;
		char reason[1024];

		if (rule->kind == SG_RULE_ALLOW)
			continue;
		if (k->nrules == SG_KRULE_MAX)
			break; /* the parser refuses more */
		if (resolve(rule, &res, reason, sizeof(reason)) < 0) {
			fprintf(stderr, "sealguardd: %s: %s rule '%s' left out: %s\n", rule->where,
				sg_rule_kind_name(rule->kind), rule->name, reason);
			continue;
		}
		r = compile(k, half, rule, &res);
		if (r < 0) {
			snprintf(why, len, "cannot compile the kernel rules: %s", strerror(-r));
			goto out;
		}
	}

	/* Leftovers of an install interrupted before its switch. */
	what = "clear the inactive rule maps";
	if ((r = clear_half(match_fd, half)) < 0 ||
	    (r = clear_half(name_fd, half)) < 0)
		goto fail_r;
	what = "write the rule maps";
	for (size_t i = 0; i < k->n; i++)
		if (bpf_map_update_elem(match_fd, &k->m[i].key, &k->m[i].bits, BPF_ANY) < 0)
			goto fail_errno;
	for (size_t i = 0; i < k->nnames; i++)
		if (bpf_map_update_elem(name_fd, &k->names[i].key, &k->names[i].bits, BPF_ANY) < 0)
			goto fail_errno;
	if (bpf_map_update_elem(pol_fd, &half, &k->pol, BPF_ANY) < 0)
		goto fail_errno;
	what = "switch the rules in force";
	cfg.kpol_half = half;
	cfg.kpol_sets = k->sets;
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) < 0)
		goto fail_errno;
	/* The old half is out of use now; a program that read the switch
	 * just before it may still look there once, and then finds nothing. */
	if ((r = clear_half(match_fd, old)) < 0 ||
	    (r = clear_half(name_fd, old)) < 0)
		fprintf(stderr, "sealguardd: cannot clear the previous kernel rules: %s\n", strerror(-r));
	r = 0;
	goto out;

fail_errno:
	r = -errno;
fail_r:
	snprintf(why, len, "cannot %s: %s", what, strerror(-r));
out:
	free(k->m);
	free(k->names);
	free(k);
	return r;
}
