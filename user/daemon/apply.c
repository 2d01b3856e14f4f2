// SPDX-License-Identifier: GPL-2.0
#include "apply.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sealguard.skel.h"
#include "sealguard_abi.h"

static int compile(const struct sg_rule *r, struct sg_apply_rule *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->used = 1;
	out->seals = r->seals;
	out->fs = r->file.fs;
	out->nuids = r->process.nuids;
	memcpy(out->uids, r->process.uids, sizeof(__u32) * r->process.nuids);
	if (r->process.exe[0]) {
		/* By inode: the kernel sees the executable, not its name.  A
		 * binary replaced on disk is a new inode: reload after updates. */
		if (stat(r->process.exe, &st) < 0)
			return -errno;
		out->has_exe = 1;
		out->exe_dev = ((__u64)major(st.st_dev) << 20) | minor(st.st_dev);
		out->exe_ino = st.st_ino;
	}
	return 0;
}

int sg_apply_install(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len)
{
	int cfg_fd = bpf_map__fd(d->skel->maps.sg_config), map_fd = bpf_map__fd(d->skel->maps.sg_apply);
	struct sg_config cfg;
	__u32 zero = 0, base, n = 0;

	if (bpf_map_lookup_elem(cfg_fd, &zero, &cfg) < 0)
		goto fail;
	base = cfg.apply_base ? 0 : SG_APPLY_MAX; /* the half not in force */
	for (size_t i = 0; i < p->nrules && n < SG_APPLY_MAX; i++) {
		struct sg_apply_rule rule;
		__u32 key = base + n;
		int r;

		if (p->rules[i].kind != SG_RULE_APPLY)
			continue;
		r = compile(&p->rules[i], &rule);
		if (r < 0) {
			fprintf(stderr, "sealguardd: %s: apply rule '%s' left out: exe %s: %s\n", p->rules[i].where,
				p->rules[i].name, p->rules[i].process.exe, strerror(-r));
			continue;
		}
		if (bpf_map_update_elem(map_fd, &key, &rule, BPF_ANY) < 0)
			goto fail;
		n++;
	}
	/* An empty slot ends the list. */
	if (n < SG_APPLY_MAX) {
		struct sg_apply_rule none = { 0 };
		__u32 key = base + n;

		if (bpf_map_update_elem(map_fd, &key, &none, BPF_ANY) < 0)
			goto fail;
	}
	cfg.apply_base = base;
	if (bpf_map_update_elem(cfg_fd, &zero, &cfg, BPF_ANY) < 0)
		goto fail;
	return 0;
fail:
	snprintf(why, len, "cannot install the apply rules in the kernel: %s", strerror(errno));
	return -errno;
}
