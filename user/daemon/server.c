// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket and the one epoll loop.  Everything a client can make
 * the daemon hold is bounded: SG_MAX_CLIENTS connections, SG_MSG_MAX bytes
 * and SG_MAX_FDS_PER_MSG fds per message (all closed after the reply),
 * SG_CLIENT_IDLE_MS without a request.  Every message gets a reply; a
 * client is only dropped for hanging up, idling, or not reading replies.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <systemd/sd-daemon.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "events.h"
#include "fdpass.h"
#include "idle.h"
#include "krules.h"
#include "log.h"
#include "notify.h"
#include "peer.h"
#include "policy.h"
#include "protocol.h"
#include "registry.h"
#include "requests.h"
#include "rule_watch.h"
#include "seal_names.h"

/* epoll tags besides client slot numbers. */
enum {
	TAG_LISTEN = SG_MAX_CLIENTS,
	TAG_SIGNAL,
	TAG_EVENTS,
};

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int epoll_add(struct sg_daemon *d, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int send_msg(int fd, uint16_t type, uint32_t seq, int32_t result, const void *body, size_t len)
{
	struct sg_msg_hdr h;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)body, .iov_len = len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	sg_hdr_init(&h, type, seq, result, len);
	n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(h) + len ? 0 : -EMSGSIZE;
}

void sg_server_fan_out(struct sg_daemon *d, const struct sg_event *ev, const char *path)
{
	struct sg_body_event msg;

	memset(&msg, 0, sizeof(msg));
	msg.ev = *ev;
	if (path)
		snprintf(msg.path, sizeof(msg.path), "%s", path);
	else
		sg_registry_path(d, ev->dev_major, ev->dev_minor, ev->ino, msg.path, sizeof(msg.path));
	if ((ev->flags & SG_EVF_AUDIT) && sg_krule_name(d, SG_EVF_RULE(ev->flags)))
		snprintf(msg.rule, sizeof(msg.rule), "%s", sg_krule_name(d, SG_EVF_RULE(ev->flags)));
	for (unsigned int i = 0; i < SG_MAX_CLIENTS && d->nsubscribers; i++) {
		struct sg_client *c = &d->clients[i];

		if (c->fd < 0 || !c->subscribed)
			continue;
		/* A subscriber that does not keep up loses events, not the
		 * daemon's time: the count shows in `sealctl status`. */
		if (send_msg(c->fd, SG_MSG_EVENT, 0, 0, &msg, sizeof(msg)) < 0)
			d->counters.events_unsent++;
	}
}

static void on_event(struct sg_daemon *d, const struct sg_event *ev)
{
	char comm[sizeof(ev->comm) + 1], raw[SG_PATH_MAX], path[SG_PATH_MAX];
	char seals[SG_SEALS_FORMAT_MAX], cgroup[24], more[32] = "";
	const char *err = strerrorname_np(-ev->err), *rule = sg_krule_name(d, SG_EVF_RULE(ev->flags));
	bool audit = ev->flags & SG_EVF_AUDIT;
	struct sg_log_fields f = {
		.op = audit ? "audit" : "denied",
		.access = sg_event_op_name(ev->op),
		.seals = seals,
		.comm = comm,
		.cgroup = cgroup,
		.ino = ev->ino,
		.dev_major = ev->dev_major,
		.dev_minor = ev->dev_minor,
		.pid = (pid_t)ev->pid,
		.has_uid = true,
		.uid = ev->uid,
		.err = -ev->err,
	};

	sg_registry_path(d, ev->dev_major, ev->dev_minor, ev->ino, raw, sizeof(raw));
	sg_printable(comm, ev->comm, sizeof(comm)); /* comm may fill all 16 bytes */
	sg_printable(path, raw, sizeof(path));
	/* Named as in the request lines; the message keeps its hex. */
	if (sg_seals_format(ev->seals, seals, sizeof(seals)) < 0)
		snprintf(seals, sizeof(seals), "0x%x", ev->seals);
	snprintf(cgroup, sizeof(cgroup), "%llu", (unsigned long long)ev->cgroup_id);
	if (path[0])
		f.path = path;
	if (ev->suppressed)
		snprintf(more, sizeof(more), " (+%u not reported)", ev->suppressed);

	/* One line per event, with every field, for journald and grep. */
	if (audit && ev->op == SG_EV_AUDIT_SEAL) {
		f.access = NULL;
		f.err = 0;
		f.rule = rule;
		sg_log_fields(LOG_NOTICE, &f,
			      "audit: rule '%s' would add seals %s on %s (dev %u:%u ino %llu); pid %u tid %u comm %s "
			      "uid %u cgroup %llu%s",
			      rule ? rule : "?", seals, path[0] ? path : "?", ev->dev_major, ev->dev_minor,
			      (unsigned long long)ev->ino, ev->pid, ev->tid, comm, ev->uid,
			      (unsigned long long)ev->cgroup_id, more);
	} else if (audit) {
		sg_log_fields(LOG_NOTICE, &f,
			      "audit: would deny %s on %s (dev %u:%u ino %llu seals 0x%x with audit seals): %s; pid %u "
			      "tid %u comm %s uid %u cgroup %llu%s",
			      sg_event_op_name(ev->op), path[0] ? path : "?", ev->dev_major, ev->dev_minor,
			      (unsigned long long)ev->ino, ev->seals, err ? err : "?", ev->pid, ev->tid, comm, ev->uid,
			      (unsigned long long)ev->cgroup_id, more);
	} else
		sg_log_fields(
			LOG_NOTICE, &f,
			"denied %s on %s (dev %u:%u ino %llu seals 0x%x): %s; pid %u tid %u comm %s uid %u cgroup %llu%s",
			sg_event_op_name(ev->op), path[0] ? path : "?", ev->dev_major, ev->dev_minor,
			(unsigned long long)ev->ino, ev->seals, err ? err : "?", ev->pid, ev->tid, comm, ev->uid,
			(unsigned long long)ev->cgroup_id, more);
	sg_server_fan_out(d, ev, NULL);
}

int sg_server_open(struct sg_daemon *d, char *why, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	sigset_t mask;
	struct stat st;
	int r;

	for (unsigned int i = 0; i < SG_MAX_CLIENTS; i++)
		d->clients[i].fd = -1;
	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(why, len, "socket path %s is too long", d->socket_path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", d->socket_path);

	r = make_parent_dir(d->socket_path);
	if (r < 0) {
		snprintf(why, len, "cannot create the directory of %s (%s)", d->socket_path, strerror(-r));
		return r;
	}
	d->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (d->listen_fd < 0)
		goto fail_errno;
	/* A socket file left by a daemon that died is stale by now. */
	unlink(d->socket_path);
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail_errno;
	/* Anyone may ask; what is granted is decided per request. */
	if (chmod(d->socket_path, 0666) < 0 || listen(d->listen_fd, 64) < 0 || stat(d->socket_path, &st) < 0)
		goto fail_errno;
	d->socket_dev = st.st_dev;
	d->socket_ino = st.st_ino;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->signal_fd < 0 || d->epoll_fd < 0)
		goto fail_errno;
	if ((r = epoll_add(d, d->listen_fd, TAG_LISTEN, EPOLLIN)) < 0 ||
	    (r = epoll_add(d, d->signal_fd, TAG_SIGNAL, EPOLLIN)) < 0)
		goto fail;

	r = sg_events_open(d, on_event);
	if (r < 0) {
		snprintf(why, len, "cannot read the denial events ring buffer (%s)", strerror(-r));
		return r;
	}
	if ((r = epoll_add(d, d->events_fd, TAG_EVENTS, EPOLLIN)) < 0)
		goto fail;
	return 0;

fail_errno:
	r = -errno;
fail:
	snprintf(why, len, "cannot serve the control socket %s (%s)", d->socket_path, strerror(-r));
	return r;
}

static void drop_client(struct sg_daemon *d, struct sg_client *c)
{
	epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	sg_peer_release(&c->peer);
	if (c->subscribed)
		d->nsubscribers--;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->peer.pidfd = -1;
	d->nclients--;
}

_Static_assert(SG_MAX_FDS_PER_MSG <= SG_FDPASS_MAX_FDS, "sg_fdpass_recv() has room for SG_MAX_FDS_PER_MSG");

/* Reads and drops whatever the peer has queued, closing fds it sent. */
static void discard_queued(int fd)
{
	char data[64];

	for (int i = 0; i < 16; i++) {
		struct sg_fdpass_in in;

		if (sg_fdpass_recv(fd, data, sizeof(data), SG_MAX_FDS_PER_MSG, MSG_DONTWAIT, &in) <= 0)
			break;
		while (in.nfds--)
			close(in.fds[in.nfds]);
	}
}

static void accept_client(struct sg_daemon *d)
{
	struct sg_client *c = NULL;
	unsigned int i;
	int fd, r;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	for (i = 0; i < SG_MAX_CLIENTS && !c; i++)
		if (d->clients[i].fd < 0)
			c = &d->clients[i];
	if (!c) {
		/* Said before closing, so the client can report "busy"
		 * rather than a mysterious hang-up.  Requests already queued
		 * are read (their fds closed) first: closing with unread data
		 * would reset the connection ahead of our message. */
		send_msg(fd, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
		discard_queued(fd);
		close(fd);
		return;
	}
	r = sg_peer_init(&c->peer, fd, d->admin_gid);
	if (r == 0 && c->peer.uid != 0) {
		unsigned int same = 0;

		for (i = 0; i < SG_MAX_CLIENTS; i++)
			same += d->clients[i].fd >= 0 && d->clients[i].peer.uid == c->peer.uid;
		if (same >= SG_MAX_CLIENTS_PER_USER) {
			sg_peer_release(&c->peer);
			send_msg(fd, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
			discard_queued(fd);
			close(fd);
			return;
		}
	}
	if (r == 0)
		r = epoll_add(d, fd, (uint32_t)(c - d->clients), EPOLLIN | EPOLLRDHUP);
	if (r < 0) {
		sg_peer_release(&c->peer);
		send_msg(fd, SG_MSG_ERROR, 0, r, NULL, 0);
		close(fd);
		return;
	}
	c->fd = fd;
	c->subscribed = false;
	c->deadline_ms = now_ms() + d->idle_ms;
	d->nclients++;
}

/* One message, one reply.  false when the client must go. */
static bool serve_client(struct sg_daemon *d, struct sg_client *c)
{
	/* One byte more than the largest message, so a longer one shows. */
	char data[SG_MSG_MAX + 1];
	char reply[SG_REPLY_BODY_MAX];
	struct sg_fdpass_in in;
	struct sg_msg_hdr h = { 0 };
	size_t reply_len = 0;
	int *fds = in.fds, nfds, i;
	int32_t result;
	ssize_t n;
	bool ok;

	/* Room for SG_MAX_FDS_PER_MSG fds: a message with more is cut
	 * (MSG_CTRUNC) and refused below. */
	n = sg_fdpass_recv(c->fd, data, sizeof(data), SG_MAX_FDS_PER_MSG, MSG_DONTWAIT, &in);
	if (n < 0)
		return n == -EAGAIN || n == -EINTR;
	nfds = in.nfds;
	if (n == 0 && nfds == 0) {
		/* SEQPACKET EOF: the peer has gone. */
		return false;
	}
	c->deadline_ms = now_ms() + d->idle_ms;

	/* Decoded even when cut short, for the header to answer to. */
	result = sg_request_decode(data, (size_t)n, nfds, &h);
	if (in.msg_flags & MSG_TRUNC)
		result = -EMSGSIZE;
	else if ((in.msg_flags & MSG_CTRUNC) && nfds < SG_MAX_FDS_PER_MSG)
		result = -EOPNOTSUPP; /* the kernel refused us the file (bpf/sg_receive.h) */
	else if (in.msg_flags & MSG_CTRUNC)
		result = -EBADMSG; /* more fds than any request takes */
	if (result == 0) {
		result = sg_request_run(d, c, &h, data + sizeof(h), nfds ? fds[0] : -1, reply, &reply_len);
		if (result == SG_REPLY_DEFERRED) {
			d->counters.requests_allowed++;
			for (i = 0; i < nfds; i++)
				close(fds[i]);
			return true;
		}
		if (result < 0)
			d->counters.requests_refused++;
		else
			d->counters.requests_allowed++;
	} else {
		d->counters.requests_malformed++;
		/* h holds what arrived of the header: its seq lets the client
		 * match the answer; a type that is no request's is not echoed,
		 * so that nothing we send looks like an event or a farewell. */
		if (h.type < SG_OP_ADD_SEALS || h.type > SG_OP_MAX)
			h.type = SG_MSG_INVALID;
		reply_len = 0;
		if (result == -EOPNOTSUPP)
			log_warning("refused a file from pid %d: its filesystem is served by a process or a network "
				    "server (FUSE, NFS...), which sealguard does not wait for",
				    (int)c->peer.pid);
		else
			log_debug("malformed message (%zd bytes, %d fds) from pid %d: %s", n, nfds, (int)c->peer.pid,
				  strerror(-result));
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);

	ok = send_msg(c->fd, h.type, h.seq, result, reply, reply_len) == 0;
	/* A client that does not read its replies is gone as far as we are
	 * concerned. */
	return ok;
}

static void handle_signal(struct sg_daemon *d, bool *stop)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			char msg[256];
			int r;

			sg_notify_reloading();
			r = sg_policy_reload(d, msg, sizeof(msg));
			sg_log(r < 0 ? LOG_WARNING : LOG_INFO, "SIGHUP reload%s: %s", r < 0 ? " failed" : "", msg);
			sg_notify_reloaded(d, r, msg);
		} else {
			*stop = true;
		}
	}
}

/* Closes connections idle past their deadline; returns the next one. */
static int expire_idle(struct sg_daemon *d)
{
	uint64_t now = now_ms(), next = now + d->idle_ms;

	for (unsigned int i = 0; i < SG_MAX_CLIENTS; i++) {
		struct sg_client *c = &d->clients[i];

		if (c->fd < 0 || c->subscribed)
			continue;
		if (c->deadline_ms <= now) {
			drop_client(d, c);
			continue;
		}
		if (c->deadline_ms < next)
			next = c->deadline_ms;
	}
	return (int)(next - now);
}

int sg_server_run(struct sg_daemon *d)
{
	struct epoll_event evs[32];
	bool stop = false;
	int i, n;

	while (!stop && !d->unload) {
		int wait = expire_idle(d), idle = sg_idle_tick(d), watchdog = sg_watchdog_tick(d);
		int rules = sg_rule_watch_tick(d);

		if (idle >= 0 && idle < wait)
			wait = idle;
		if (watchdog >= 0 && watchdog < wait)
			wait = watchdog;
		if (rules >= 0 && rules < wait)
			wait = rules;
		n = epoll_wait(d->epoll_fd, evs, 32, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (i = 0; i < n; i++) {
			uint32_t tag = evs[i].data.u32;
			struct sg_client *c;

			if (tag == TAG_SIGNAL) {
				handle_signal(d, &stop);
				continue;
			}
			if (tag == TAG_LISTEN) {
				accept_client(d);
				continue;
			}
			if (tag == TAG_EVENTS) {
				sg_events_drain(d);
				continue;
			}
			if (tag == SG_TAG_RULE_WATCH) {
				sg_rule_watch_read(d);
				continue;
			}
			c = &d->clients[tag];
			if (c->fd < 0)
				continue; /* dropped earlier in this batch */
			if (evs[i].events & EPOLLIN) {
				if (!serve_client(d, c))
					drop_client(d, c);
			} else if (evs[i].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
				drop_client(d, c);
			}
		}
	}
	return 0;
}

void sg_server_close(struct sg_daemon *d)
{
	for (unsigned int i = 0; i < SG_MAX_CLIENTS; i++)
		if (d->clients[i].fd >= 0)
			drop_client(d, &d->clients[i]);
	sg_events_close(d);
	if (d->listen_fd >= 0) {
		struct stat st;

		close(d->listen_fd);
		/* In an overlapping restart the path is the new daemon's by now. */
		if (stat(d->socket_path, &st) == 0 && st.st_dev == d->socket_dev && st.st_ino == d->socket_ino)
			unlink(d->socket_path);
	}
	sg_rule_watch_close(d);
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	d->listen_fd = d->epoll_fd = d->signal_fd = -1;
}
