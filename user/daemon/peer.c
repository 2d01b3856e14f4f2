// SPDX-License-Identifier: GPL-2.0
#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* 6.5 */
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define SG_MAX_GROUPS 256

/* The supplementary groups as they were at connect(), like the uid:
 * reading them from /proc would race with the process changing.  *admin
 * is set if want is among all of them; p keeps the first
 * SG_PEER_MAX_GROUPS for policy matching. */
static void read_groups(int fd, struct sg_peer *p, gid_t want)
{
	gid_t groups[SG_MAX_GROUPS];
	socklen_t len = sizeof(groups);
	size_t n;

	if (p->gid == want)
		p->admin = true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return;
	n = len / sizeof(gid_t);
	for (size_t i = 0; i < n; i++)
		if (groups[i] == want && want != (gid_t)-1)
			p->admin = true;
	p->ngroups = n < SG_PEER_MAX_GROUPS ? n : SG_PEER_MAX_GROUPS;
	memcpy(p->groups, groups, p->ngroups * sizeof(gid_t));
}

unsigned long long sg_proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* Field 22 is the start time; after ')' come fields 3, 4, ... */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

int sg_peer_init(struct sg_peer *p, int fd, gid_t admin_gid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int pidfd = -1;

	memset(p, 0, sizeof(*p));
	p->pidfd = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	p->pid = cred.pid;
	p->uid = cred.uid;
	p->gid = cred.gid;
	p->admin = cred.uid == 0;
	read_groups(fd, p, admin_gid);

	/* SO_PEERPIDFD names the very process that connected.  Without it,
	 * pidfd_open() now plus the start time is the best available; the
	 * window is between the peer's connect() and our accept(). */
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0) {
		pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
		if (pidfd >= 0)
			fcntl(pidfd, F_SETFD, FD_CLOEXEC);
	}
	p->pidfd = pidfd;
	p->start_time = sg_proc_start_time(cred.pid);
	return 0;
}

void sg_peer_release(struct sg_peer *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

/* Whether p->pid still names the process that connected. */
static bool same_process(const struct sg_peer *p)
{
	if (p->pidfd >= 0) {
		struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

		/* A pidfd becomes readable when its process exits; while it
		 * has not, the pid cannot have been reused. */
		return poll(&pfd, 1, 0) == 0;
	}
	return p->start_time && sg_proc_start_time(p->pid) == p->start_time;
}

int sg_peer_proc_link(const struct sg_peer *p, const char *what, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	if (!same_process(p))
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)p->pid, what);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	buf[n] = '\0';
	return same_process(p) ? 0 : -ESRCH;
}

int sg_peer_comm(const struct sg_peer *p, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	if (!same_process(p))
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return same_process(p) ? 0 : -ESRCH;
}

/* One read, no stdio: this runs on every seal request, and each syscall
 * counts in its latency (docs/benchmarks.md). */
int sg_peer_cgroup(const struct sg_peer *p, char *buf, size_t len)
{
	char path[64], text[8192], *line, *end;
	ssize_t n;
	int fd, r = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	for (line = text; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(buf, len, "%s", line + 3);
			r = 0;
			break;
		}
	}
	/* Read first, check after: the answer counts only if the pid did
	 * not change hands while we read (a process gone before the read is
	 * still gone after it). */
	if (r == 0 && !same_process(p))
		r = -ESRCH;
	return r;
}
