// SPDX-License-Identifier: GPL-2.0
#include "rule_watch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "krules.h"
#include "log.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* A name's appearing, going or being replaced in a watched directory,
 * and the directory's own going. */
#define WATCH_MASK                                                                                          \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | \
	 IN_DONT_FOLLOW)

/* The directory holding path, or the nearest ancestor of it that exists:
 * what appears there first when the rest is created. */
static void watch_parent(int fd, const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (path[0] != '/')
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/'))) {
		if (slash == dir)
			slash[1] = '\0'; /* "/" */
		else
			*slash = '\0';
		if (inotify_add_watch(fd, dir, WATCH_MASK) >= 0)
			return;
		if (errno != ENOENT && errno != ENOTDIR) {
			log_warning("rule watch: cannot watch %s: %s; rules naming %s follow it on reload only", dir,
				    strerror(errno), path);
			return;
		}
		if (slash == dir)
			return;
	}
}

int sg_rule_watch_update(struct sg_daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = SG_TAG_RULE_WATCH };
	char cg[sizeof(CGROUP_ROOT) + SG_POLICY_PATH_MAX];
	int fd;

	/* A fresh descriptor drops every watch of the previous policy. */
	sg_rule_watch_close(d);
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (size_t i = 0; i < d->policy.nrules; i++) {
		const struct sg_rule *r = &d->policy.rules[i];

		if (r->kind == SG_RULE_ALLOW)
			continue;
		if (r->process.exe[0])
			watch_parent(fd, r->process.exe);
		if (r->file.path[0])
			watch_parent(fd, r->file.path);
		if (r->process.cgroup[0] && strcmp(r->process.cgroup, "/")) {
			snprintf(cg, sizeof(cg), "%s%s", CGROUP_ROOT, r->process.cgroup);
			watch_parent(fd, cg);
		}
	}
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		goto fail;
	}
	d->rule_watch_fd = fd;
	d->rules_stale_ms = (uint64_t)now_ms();
	return 0;
fail:
	log_warning("rule watch: %s; rules follow changes on reload only", strerror(errno));
	return -errno;
}

void sg_rule_watch_read(struct sg_daemon *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(d->rule_watch_fd, buf, sizeof(buf))) > 0)
		; /* what changed does not matter: every rule is resolved again */
	/* From the first change, not the last: a user who keeps creating
	 * files in a watched directory anyone may write (/dev/shm) must not
	 * put the install off for good; at most one install per interval. */
	if (!d->rules_stale_ms)
		d->rules_stale_ms = (uint64_t)now_ms() + SG_RULE_WATCH_SETTLE_MS;
	d->rules_changed = true;
}

int sg_rule_watch_tick(struct sg_daemon *d)
{
	uint64_t now = (uint64_t)now_ms();
	bool changed = d->rules_changed;
	char why[512];

	if (!d->rules_stale_ms)
		return -1;
	if (d->rules_stale_ms > now)
		return (int)(d->rules_stale_ms - now);
	/* Watches first, for the ancestors of names that now exist. */
	sg_rule_watch_update(d);
	d->rules_stale_ms = 0;
	d->rules_changed = false;
	if (sg_krules_install(d, &d->policy, why, sizeof(why)) < 0)
		sg_log_fields(LOG_WARNING, &(struct sg_log_fields){ .op = "krules" },
			      "installing the rules again failed: %s; the rules in force stay", why);
	else if (changed)
		log_info("rules installed again: a file or cgroup they name changed");
	else
		log_debug("rules installed again now that their directories are watched");
	return -1;
}

void sg_rule_watch_close(struct sg_daemon *d)
{
	if (d->rule_watch_fd >= 0)
		close(d->rule_watch_fd); /* leaves the epoll set with it */
	d->rule_watch_fd = -1;
}
