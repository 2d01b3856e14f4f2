/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsealguard: ask sealguardd to seal files that the kernel cannot seal
 * natively, and (as root or a member of the daemon's admin group) to
 * report on what it does.
 *
 * sg_add_seals() and sg_get_seals() have exactly the contract of
 * fcntl(F_ADD_SEALS) and fcntl(F_GET_SEALS): on failure they return -1 and
 * set errno to what the kernel would have set for a natively sealable
 * memfd.  Errors in reaching the daemon are errnos fcntl never returns for
 * these commands: ENOENT, ECONNREFUSED, EACCES (no daemon, or not allowed
 * to connect), ENAMETOOLONG (socket path), ETIMEDOUT (no answer in time),
 * ECONNRESET, EPIPE (daemon went away and did not come back), EAGAIN (the
 * daemon has too many clients), EBADMSG, EPROTO (an answer we do not
 * understand: daemon of another version).
 *
 * The daemon's socket is $SEALGUARD_SOCKET (ignored in set-id programs),
 * or /run/sealguard/control.sock.
 *
 * Every call is thread-safe.  The only state kept between calls is the
 * connection that sg_add_seals()/sg_get_seals() reuse, which is reopened
 * after a daemon restart, after fork(), and when the socket path changes.
 */
#ifndef SEALGUARD_H
#define SEALGUARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Add seals (F_SEAL_* bits) to the file behind fd. 0, or -1 with errno. */
int sg_add_seals(int fd, unsigned int seals);

/* Seals in force on the file behind fd, or -1 with errno. */
int sg_get_seals(int fd);

/* ---- explicit connections ------------------------------------------- */

/* Default time a call may take, from sending to the answer, unless
 * $SEALGUARD_TIMEOUT_MS says otherwise (a slow machine: a seal that must
 * first attach --detach-idle's programs waits for them). */
#define SG_DEFAULT_TIMEOUT_MS 5000
#define SG_TIMEOUT_ENV	      "SEALGUARD_TIMEOUT_MS"

struct sg_conn;

/*
 * A connection to the daemon at socket_path (NULL: the default above).
 * Calls on it wait at most timeout_ms (<= 0: $SEALGUARD_TIMEOUT_MS, else
 * SG_DEFAULT_TIMEOUT_MS) for
 * their answer, counted from their turn on the connection (calls from
 * several threads take turns), and reconnect once if the daemon
 * restarted.  NULL with errno on failure.
 */
struct sg_conn *sg_connect(const char *socket_path, int timeout_ms);
void sg_disconnect(struct sg_conn *c);

/* As sg_add_seals()/sg_get_seals(), on this connection. */
int sg_conn_add_seals(struct sg_conn *c, int fd, unsigned int seals);
int sg_conn_get_seals(struct sg_conn *c, int fd);

/* Names of the operations in struct sg_event_info.op and in denials[]. */
enum sg_denied_op {
	SG_DENIED_WRITE = 0,
	SG_DENIED_FALLOCATE,
	SG_DENIED_MMAP,
	SG_DENIED_MPROTECT,
	SG_DENIED_TRUNCATE,
	SG_DENIED_CHMOD,
	SG_DENIED_TAMPER, /* another process reached for sealguard's maps, pins or daemon */
	SG_DENIED_OP_COUNT,
};

/* "write", "fallocate", "mmap", "mprotect", "truncate", "chmod", "tamper", or "?". */
const char *sg_denied_op_name(unsigned int op);

struct sg_status {
	char version[32];
	uint32_t daemon_pid;
	uint32_t clients, max_clients, subscribers;
	uint64_t started_at; /* seconds since the epoch */
	uint64_t sealed_files;
	uint64_t requests_allowed, requests_refused, requests_malformed;
	uint64_t denials[SG_DENIED_OP_COUNT];
	uint64_t events_suppressed; /* by the kernel's per-inode, per-process rate limit */
	uint64_t events_dropped;    /* the kernel's ring buffer was full */
	uint64_t events_unsent;	    /* a subscriber did not keep up */
	uint32_t policy_generation, policy_rules;
	/* Audit mode (sealguardd --audit, or apply rules with "mode: audit"):
	 * what those rules reported instead of sealing and refusing. */
	uint32_t audit_all, audit_rules;
	uint64_t audit_would_seal, audit_would_refuse;
	uint64_t audit_suppressed, audit_dropped;
};

/* Admin only (EPERM otherwise).  0 or -1 with errno. */
int sg_status(struct sg_conn *c, struct sg_status *out);

struct sg_sealed_file {
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint32_t seals;
	uint32_t uid, pid;  /* of the latest request, or of the process that triggered a policy seal */
	uint32_t by_policy; /* 1: the seals were added by a policy apply rule, not requested */
	uint64_t sealed_at; /* seconds since the epoch, first seal */
	char path[256];	    /* as the requester's fd named it */
	uint32_t evicted;   /* 1: its inode is out of the cache; the seals come back with it */
};

/*
 * Calls fn for every file sealguard has sealed (admin only).  fn returns 0
 * to go on, anything else to stop; that value is then returned.  Files
 * freed during the listing may be missing or, rarely, shown twice.
 * 0, fn's value, or -1 with errno.
 */
int sg_list(struct sg_conn *c, int (*fn)(const struct sg_sealed_file *f, void *data), void *data);

/* Re-reads the policy (admin only).  0, or -1 with errno; message says
 * what happened (on failure: file:line:column: what is wrong). */
int sg_reload(struct sg_conn *c, uint32_t *generation, char *message, size_t len);

/* What a left-out rule names that is not on this machine. */
#define SG_LEFT_OUT_EXE	   1 /* its process.exe */
#define SG_LEFT_OUT_PATH   2 /* its file.path */
#define SG_LEFT_OUT_CGROUP 3 /* its process.cgroup (or no cgroup v2 hierarchy) */

/* An apply or exempt rule of the policy in force that the daemon could not
 * install: it matches nothing until a reload finds what it names. */
struct sg_left_out_rule {
	char rule[64];	  /* its name */
	char where[288];  /* file:line:column of the rule */
	uint32_t exempt;  /* 1: an exempt rule, 0: an apply rule */
	uint32_t missing; /* SG_LEFT_OUT_* */
	int32_t err;	  /* errno of the lookup, positive */
	char reason[512]; /* "exe /usr/bin/x: No such file or directory" */
};

/*
 * Calls fn for every rule the policy in force left out, in policy order
 * (admin only); *generation (if not NULL) gets the policy's generation.
 * fn returns 0 to go on, anything else to stop; that value is returned.
 * 0, fn's value, or -1 with errno (EBADMSG from a daemon that does not
 * know the request).
 */
int sg_left_out(struct sg_conn *c, uint32_t *generation, int (*fn)(const struct sg_left_out_rule *r, void *data),
		void *data);

/* Stops enforcement (root only, EPERM otherwise): the daemon removes
 * every pin, which detaches the programs and forgets every seal, answers,
 * and exits.  0 or -1 with errno. */
int sg_unload(struct sg_conn *c);

struct sg_event_info {
	uint64_t ts_ns; /* CLOCK_MONOTONIC */
	uint64_t cgroup_id;
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	uint32_t seals;
	uint32_t op; /* enum sg_denied_op */
	int32_t err; /* errno returned, positive */
	uint32_t pid, tid, uid;
	uint32_t suppressed; /* earlier denials of this file by this process not reported */
	char comm[17];
	char path[256]; /* "" when not known */
	/* 1: an audit event, nothing was refused or sealed: op is what the
	 * seals of a rule in audit mode would have refused (with err), or
	 * SG_AUDIT_SEAL: the rule would have added seals to the file. */
	uint32_t audit;
	char rule[64]; /* the rule of an SG_AUDIT_SEAL event; "" when not known */
};

/* sg_event_info.op of an audit event: seals an apply rule would have added. */
#define SG_AUDIT_SEAL 0x102

/* Turns c into a stream of denial events (admin only); afterwards only
 * sg_next_event() may be used on it.  0 or -1 with errno. */
int sg_subscribe(struct sg_conn *c);

/* Waits up to timeout_ms (< 0: forever) for the next event.  0, or -1
 * with errno: ETIMEDOUT, or ECONNRESET when the daemon went away. */
int sg_next_event(struct sg_conn *c, struct sg_event_info *out, int timeout_ms);

/* The socket, for poll(): readable when sg_next_event() has something. */
int sg_conn_fd(const struct sg_conn *c);

#ifdef __cplusplus
}
#endif

#endif
