// SPDX-License-Identifier: GPL-2.0
/*
 * --detach-idle: the programs on every write, truncate, mprotect and open
 * of the machine cost even where nothing is sealed.  When no inode carries
 * a seal, none is evicted, and no kernel rule can add one, they can only
 * say yes; after d->detach_idle_ms of that their pinned links are removed,
 * and they are attached again before the next seal or rule goes in.
 *
 * What this gives up: an operation already past its (detached) hook when
 * the first seal arrives is not checked; that is the same window as a
 * write in flight across any seal (docs/threat-model.md).  mmap_file and
 * its fexits are never detached, so WRITE keeps its guarantee against
 * writable mmaps in flight.
 */
#include "idle.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "kernel_check.h"
#include "log.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"

static bool is_lsm(const struct bpf_program *prog)
{
	return strncmp(bpf_program__section_name(prog), "lsm/", 4) == 0;
}

static void link_path(const struct sg_daemon *d, const struct bpf_program *prog, char *buf, size_t len)
{
	snprintf(buf, len, "%s/links/%s", d->pin_dir, bpf_program__name(prog));
}

int sg_idle_attach(struct sg_daemon *d, char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	char path[512];
	int r;

	if (!d->hooks_detached)
		return 0;
	/* Tracing first: file_permission trusts what rw_verify_area noted. */
	for (int lsm = 0; lsm < 2; lsm++) {
		bpf_object__for_each_program(prog, d->skel->obj) {
			if (!bpf_program__autoload(prog) || is_lsm(prog) != lsm ||
			    !sg_kernel_prog_detachable(bpf_program__name(prog)))
				continue;
			link = bpf_program__attach(prog);
			if (!link) {
				r = -errno;
				snprintf(why, len, "cannot attach %s again (%s)", bpf_program__name(prog),
					 strerror(-r));
				return r;
			}
			link_path(d, prog, path, sizeof(path));
			/* A pin left by an attempt that failed half-way. */
			unlink(path);
			r = bpf_link__pin(link, path);
			bpf_link__destroy(link);
			if (r) {
				snprintf(why, len, "cannot pin link %s (%s)", path, strerror(-r));
				return r;
			}
		}
	}
	d->hooks_detached = false;
	d->idle_since_ms = 0;
	sg_log_fields(LOG_INFO, &(struct sg_log_fields){ .op = "attach" }, "write-path programs attached again");
	return 0;
}

int sg_idle_attach_for_policy(struct sg_daemon *d, const struct sg_policy *p, char *why, size_t len)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == SG_RULE_APPLY)
			return sg_idle_attach(d, why, len);
	return 0;
}

/* Nothing carries a seal, nothing evicted does, and no rule can add one. */
static bool nothing_sealed(struct sg_daemon *d)
{
	const __u32 apply = SG_KSET_F(SG_KSET_RECEIVE) | SG_KSET_F(SG_KSET_MMAP) | SG_KSET_F(SG_KSET_OPEN);
	struct sg_file_key key;
	struct sg_config cfg;
	__s64 live = 1, evicted = 1;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.sg_live_count), &zero, &live) < 0 || live)
		return false;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.sg_evicted_count), &zero, &evicted) < 0 || evicted)
		return false;
	if (bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.sg_config), &zero, &cfg) < 0 || (cfg.kpol_sets & apply))
		return false;
	/* The registry too: belt and braces for the count. */
	return bpf_map_get_next_key(d->sealed_fd, NULL, &key) < 0 && errno == ENOENT;
}

static void detach(struct sg_daemon *d)
{
	struct bpf_program *prog;
	char path[512];

	/* LSM first, so no file_permission runs without its fentry's note. */
	for (int lsm = 1; lsm >= 0; lsm--) {
		bpf_object__for_each_program(prog, d->skel->obj) {
			if (!bpf_program__autoload(prog) || is_lsm(prog) != lsm ||
			    !sg_kernel_prog_detachable(bpf_program__name(prog)))
				continue;
			link_path(d, prog, path, sizeof(path));
			if (unlink(path) < 0 && errno != ENOENT)
				log_warning("cannot remove %s: %s", path, strerror(errno));
		}
	}
	d->hooks_detached = true;
	sg_log_fields(LOG_INFO, &(struct sg_log_fields){ .op = "detach" },
		      "nothing sealed for %u s: write-path programs detached", d->detach_idle_ms / 1000);
}

int sg_idle_tick(struct sg_daemon *d)
{
	uint64_t now;

	if (!d->detach_idle_ms || d->hooks_detached || !d->skel)
		return -1;
	if (!nothing_sealed(d)) {
		d->idle_since_ms = 0;
		/* Seals only go when their files do: look again now and then. */
		return (int)d->detach_idle_ms;
	}
	now = now_ms();
	if (!d->idle_since_ms)
		d->idle_since_ms = now;
	if (now - d->idle_since_ms < d->detach_idle_ms)
		return (int)(d->idle_since_ms + d->detach_idle_ms - now);
	detach(d);
	return -1;
}
