/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's one context struct: everything sealguardd keeps. */
#ifndef SG_DAEMON_H
#define SG_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sealguard_abi.h"
#include "sg_policy.h"
#include "sg_resolve.h"

#define SG_PIN_DIR "/sys/fs/bpf/sealguard"

/* Bounds on what clients can make the daemon hold. */
#define SG_MAX_CLIENTS 256
/* Connections one uid other than root may hold at once: no user can take
 * every slot from the others (the next one is told EAGAIN). */
#define SG_MAX_CLIENTS_PER_USER 32
#define SG_CLIENT_IDLE_MS	30000 /* a connection with no request in this long is closed */
#define SG_MAX_FDS_PER_MSG	8     /* more are an error; the kernel closes any beyond */
#define SG_PEER_MAX_GROUPS	64    /* supplementary groups kept per client */

/* epoll tag of the rule watch (rule_watch.h); client slots are below
 * SG_MAX_CLIENTS, the server's own tags just above. */
#define SG_TAG_RULE_WATCH (SG_MAX_CLIENTS + 16)

struct sealguard_bpf;
struct sqlite3;
struct ring_buffer;
struct sg_event;
struct sg_fence_pool;
struct sg_kpins;

/* Who is at the other end of a connection, fixed when it was accepted. */
struct sg_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int pidfd;		       /* -1 if the kernel gives none */
	unsigned long long start_time; /* of pid, to detect reuse without a pidfd */
	bool admin;		       /* root, or in the admin group */
	size_t ngroups;		       /* supplementary groups at connect() */
	gid_t groups[SG_PEER_MAX_GROUPS];
};

struct sg_client {
	int fd; /* -1: free slot */
	struct sg_peer peer;
	bool subscribed;      /* receives SG_MSG_EVENT; no idle timeout */
	uint64_t deadline_ms; /* CLOCK_MONOTONIC; closed when passed */
};

struct sg_counters {
	uint64_t requests_allowed;
	uint64_t requests_refused;
	uint64_t requests_malformed;
	uint64_t events_unsent;
};

/* How many registry entries a user other than root has made, as last
 * counted (registry.c).  A few users at a time; a user who has no slot is
 * counted again from the registry. */
#define SG_QUOTA_SLOTS 32
struct sg_quota {
	uint32_t uid;
	uint32_t count;
	uint64_t counted_ms; /* CLOCK_MONOTONIC; 0: slot unused */
};

struct sg_daemon {
	const char *socket_path;
	dev_t socket_dev; /* of the socket file we bound, to unlink only ours */
	ino_t socket_ino;
	const char *pin_dir;
	bool verbose;
	gid_t admin_gid; /* besides root; (gid_t)-1 when none */
	unsigned int idle_ms;

	struct sealguard_bpf *skel;
	int inodes_fd;	/* the inode-storage map, keyed by fd from user space */
	int sealed_fd;	/* registry of sealed files (struct sg_file_key) */
	int evicted_fd; /* seals of evicted inodes, same keys (bpf/sg_evict.h) */
	int ioc_key_fd; /* SG_IOC_KEY's answer (registry.c) */

	unsigned int detach_idle_ms; /* --detach-idle; 0: never (idle.h) */
	bool hooks_detached;	     /* the detachable programs are not attached */
	uint64_t idle_since_ms;	     /* CLOCK_MONOTONIC; 0: something is sealed */

	struct sg_fence_pool *fences;	       /* created at the first fence (fence.h) */
	struct sg_quota quota[SG_QUOTA_SLOTS]; /* registry entries per user (registry.c) */

	const char *state_path;	  /* seals of disk files across reboots; "" for none */
	struct sqlite3 *state_db; /* NULL: not open (see state_db.h) */

	struct ring_buffer *events; /* denial events, see events.h */
	int events_fd;		    /* epoll-able fd of the ring buffer */
	void (*on_event)(struct sg_daemon *d, const struct sg_event *ev);

	int listen_fd;
	int epoll_fd;
	int signal_fd;
	unsigned int nclients;
	unsigned int nsubscribers;
	struct sg_client clients[SG_MAX_CLIENTS];

	uint64_t started_at; /* CLOCK_REALTIME seconds */
	struct sg_counters counters;
	const char *policy_dir;
	struct sg_policy policy; /* in force; replaced whole by a reload */
	uint32_t policy_generation;
	uint32_t policy_rules;
	struct sg_left_out_list left_out; /* rules of the policy in force not installed (krules.c) */
	struct sg_kpins *kpins;		  /* files the kernel rules in force name (krules.c) */
	int rule_watch_fd;		  /* inotify on what they name (rule_watch.h); -1: none */
	uint64_t rules_stale_ms;	  /* CLOCK_MONOTONIC when to install them again; 0: not */
	bool rules_changed;		  /* ... because a watched directory changed */
	uint64_t watchdog_ms;		  /* ping period (half of WATCHDOG_USEC); 0: none (notify.h) */
	int64_t watchdog_next_ms;	  /* CLOCK_MONOTONIC of the next ping */
	uint32_t policy_audit_rules;	  /* apply rules in audit mode (all of them with --audit) */
	bool audit;			  /* --audit: every apply rule in audit mode */
	char krule_names[SG_KRULE_MAX][SG_POLICY_NAME_MAX]; /* kernel rule bit -> rule name */
	bool unload;					    /* an UNLOAD was answered: remove the pins and exit */
};

#endif
