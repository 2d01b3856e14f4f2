// SPDX-License-Identifier: GPL-2.0
/*
 * A seal request from a client, as one object: its facts are read once
 * (every syscall here counts in the request's latency, docs/benchmarks.md),
 * then one function decides, adds, records, fences and saves.
 */
#include "seal_request.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "peer.h"
#include "policy.h"
#include "registry.h"
#include "requests.h"
#include "seal_names.h"
#include "seal_ops.h"
#include "server.h"
#include "state_db.h"

void sg_seal_request_file(struct sg_seal_request *r, int fd, unsigned int seals)
{
	r->fd = fd;
	r->seals = seals;
	r->flags = sg_seal_open_flags(fd);
	r->stat_err = fstat(fd, &r->st) < 0 ? -errno : 0;
	r->statfs_err = fstatfs(fd, &r->sf) < 0 ? -errno : 0;
	r->native = sg_seal_native(fd);
	r->name[0] = '\0';
	r->client = NULL;
	r->cgroup_known = false;
	r->cgroup_raw[0] = '\0';
	snprintf(r->cgroup, sizeof(r->cgroup), "?");
	r->has_key = false;
}

void sg_seal_request_fill(struct sg_seal_request *r, const struct sg_client *c, int fd, unsigned int seals)
{
	char link[64];
	ssize_t n;

	sg_seal_request_file(r, fd, seals);
	r->client = c;
	/* The name the requester's fd has: "/memfd:x (deleted)" for a memfd. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, r->name, sizeof(r->name) - 1);
	r->name[n > 0 ? n : 0] = '\0';
	/* Read at request time, and only trusted if the pid did not change
	 * hands meanwhile (peer.c); the policy decides on it. */
	r->cgroup_known = sg_peer_cgroup(&c->peer, r->cgroup_raw, sizeof(r->cgroup_raw)) == 0;
	sg_printable(r->cgroup, r->cgroup_known ? r->cgroup_raw : "?", sizeof(r->cgroup));
}

/* Who sealed what: one line per seal added (refusals with --verbose). */
static void log_request(struct sg_daemon *d, const struct sg_seal_request *r, int err, const char *why)
{
	/* A refusal with a reason is the policy's or the fence pool's, which
	 * the admin wants to see; without, it is fcntl's own answer (a
	 * read-only fd...), the client's business. */
	int level = err >= 0 ? LOG_INFO : why ? LOG_NOTICE : LOG_DEBUG;
	const struct sg_client *c = r->client;
	char path[SG_PATH_MAX], names[SG_SEALS_FORMAT_MAX];
	struct sg_log_fields f = {
		.op = err < 0 ? "refused" : "sealed",
		.seals = names,
		.cgroup = r->cgroup,
		.pid = c->peer.pid,
		.has_uid = true,
		.uid = c->peer.uid,
		.err = err < 0 ? -err : 0,
	};

	if (err < 0 && !d->verbose && !why)
		return;
	sg_printable(path, r->name, sizeof(path));
	if (sg_seals_format(r->seals, names, sizeof(names)) < 0)
		snprintf(names, sizeof(names), "0x%x", r->seals);
	if (path[0])
		f.path = path;
	if (sg_log_wants_fields(level) && r->stat_err == 0) {
		f.ino = r->st.st_ino;
		f.dev_major = major(r->st.st_dev);
		f.dev_minor = minor(r->st.st_dev);
	}
	sg_log_fields(level, &f, "%s %s on %s for pid %d uid %u cgroup %s%s%s", err < 0 ? "refused seals" : "sealed",
		      names, path[0] ? path : "?", (int)c->peer.pid, (unsigned int)c->peer.uid, r->cgroup,
		      err < 0 ? ": " : "", err < 0 ? (why ? why : strerror(-err)) : "");
}

/* Subscribers learn of refused requests as of refused operations; the
 * log line is log_request()'s, so the event is only fanned out.  comm:
 * the requester's as the policy read it, NULL to read it here. */
static void report_refusal(struct sg_daemon *d, const struct sg_seal_request *r, const char *comm)
{
	struct sg_event ev = { .op = SG_EV_REQUEST, .err = -EPERM, .seals = r->seals };
	const struct sg_client *c = r->client;

	ev.ts_ns = (uint64_t)now_ns();
	if (r->stat_err == 0) {
		ev.ino = r->st.st_ino;
		ev.dev_major = major(r->st.st_dev);
		ev.dev_minor = minor(r->st.st_dev);
	}
	ev.pid = ev.tid = (uint32_t)c->peer.pid;
	ev.uid = c->peer.uid;
	if (comm)
		snprintf(ev.comm, sizeof(ev.comm), "%s", comm);
	else if (sg_peer_comm(&c->peer, ev.comm, sizeof(ev.comm)) < 0)
		memset(ev.comm, 0, sizeof(ev.comm));
	sg_server_fan_out(d, &ev, r->name);
}

/* Its registry entry first: a seal without one would escape the checks
 * that read the registry.  1: a placeholder made, 0: there was one. */
static int reserve(struct sg_daemon *d, struct sg_seal_request *r)
{
	int err;

	if (d->sealed_fd < 0)
		return -EBADF;
	err = sg_registry_key(d, r->fd, r->stat_err == 0 ? &r->st : NULL, &r->key);
	if (err < 0)
		return err;
	r->has_key = true;
	return sg_registry_reserve(d, &r->key, r->client->peer.uid);
}

/* Lists and persists a file now carrying seals; neither failure undoes
 * them.  1 when the fence answers the client later (late). */
static int record(struct sg_daemon *d, struct sg_seal_request *r, unsigned int seals, const struct sg_fence_reply *late)
{
	const struct sg_peer *peer = &r->client->peer;
	int deferred = 0, err;

	err = d->sealed_fd < 0 ? -EBADF : 0;
	if (err == 0 && !r->has_key) {
		err = sg_registry_key(d, r->fd, r->stat_err == 0 ? &r->st : NULL, &r->key);
		r->has_key = err == 0;
	}
	if (err == 0)
		err = sg_registry_record(d, &r->key, peer, seals, r->name);
	/* The seal is in force either way; only the listing lacks it. */
	if (err < 0) {
		log_error("cannot record a sealed file in the registry: %s", strerror(-err));
	} else {
		sg_seal_propagate(r);
		deferred = sg_seal_fence_request(d, r, peer->uid, late) == 1;
	}
	/* Nor does a failure here: the file is sealed until reboot. */
	err = sg_state_save(d, r, seals);
	if (err < 0)
		log_warning("state database %s: cannot record a sealed file: %s; its "
			    "seals will not be restored after a reboot",
			    d->state_path,
			    err == -EOPNOTSUPP ? "its filesystem gives no file handles" : strerror(-err));
	return deferred;
}

int32_t sg_seal_request_apply(struct sg_daemon *d, struct sg_seal_request *r, const struct sg_fence_reply *late)
{
	const struct sg_client *c = r->client;
	struct sg_request_facts facts;
	unsigned int denied;
	int err, reserved, seals;

	err = sg_policy_check_request(d, r, &facts, &denied);
	if (err < 0) {
		char names[SG_SEALS_FORMAT_MAX], why[128];

		sg_seals_format(denied, names, sizeof(names));
		snprintf(why, sizeof(why), "the policy allows no %s here", names);
		log_request(d, r, err, why);
		report_refusal(d, r, facts.subject.comm);
		return err;
	}
	/* A seal that would need a fence this user cannot have now is refused
	 * before anything changes (fence.c: FENCES_PER_USER). */
	if (r->seals & (SG_SEAL_ANY_WRITE | SG_SEAL_GROW | SG_SEAL_SHRINK)) {
		err = sg_fence_admit(d->fences, c->peer.uid);
		if (err < 0) {
			log_request(d, r, err,
				    "this user's earlier seals still wait for writes that hold their inode locks");
			return err;
		}
	}
	/* Full, or this user's share used up: refused before anything changes. */
	reserved = r->seals & SG_SEAL_ALL ? reserve(d, r) : 0;
	if (reserved < 0) {
		log_request(d, r, reserved,
			    reserved == -EDQUOT	  ? "this user's requests already fill their share of the registry "
						    "(SG_SEALED_PER_USER files)"
			    : reserved == -ENOSPC ? "the registry of sealed files is full"
						  : "its registry entry cannot be made");
		return reserved;
	}
	/* The seals in force after it, as the kernel answered them. */
	seals = sg_seal_add_request(d, r);
	log_request(d, r, seals < 0 ? seals : 0, NULL);
	if (seals <= 0 && reserved == 1)
		sg_registry_unreserve(d, &r->key);
	if (seals < 0)
		return seals;
	/* F_ADD_SEALS with nothing to add on an unsealed file leaves nothing
	 * to list. */
	if (seals > 0 && record(d, r, (unsigned int)seals, late) == 1)
		return SG_REPLY_DEFERRED;
	return 0;
}
