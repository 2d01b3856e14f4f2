/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Wire format of the control socket (SOCK_SEQPACKET): one message per
 * request, one per reply, and event messages on subscribed connections.
 * Fixed-layout structs in host byte order, since both ends always run on
 * the same machine.  docs/protocol.md is the reference; keep the two in
 * step.
 */
#ifndef SEALGUARD_PROTOCOL_H
#define SEALGUARD_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "sealguard_abi.h"

#define SG_PROTO_MAGIC	  0x53474431u /* "SGD1" */
#define SG_PROTO_VERSION  3u

#define SG_DEFAULT_SOCKET "/run/sealguard/control.sock"
#define SG_SOCKET_ENV	  "SEALGUARD_SOCKET"

/* Largest message in either direction; anything longer is EMSGSIZE. */
#define SG_MSG_MAX 16384

enum sg_msg_type {
	/* Requests, each answered by a reply of the same type. */
	SG_OP_ADD_SEALS = 1, /* fd; sg_body_seals -> 0 */
	SG_OP_GET_SEALS = 2, /* fd -> seals */
	SG_OP_STATUS = 3,    /* admin -> sg_body_status */
	SG_OP_LIST = 4,	     /* admin; sg_body_list_req -> sg_body_list + entries */
	SG_OP_SUBSCRIBE = 5, /* admin -> 0, then SG_MSG_EVENT messages */
	SG_OP_RELOAD = 6,    /* admin -> sg_body_reload */
	SG_OP_UNLOAD = 7,    /* root -> 0, then the pins are removed and the daemon exits */
	SG_OP_LEFT_OUT = 8,  /* admin; sg_body_left_out_req -> sg_body_left_out + entries */
	SG_OP_MAX = SG_OP_LEFT_OUT,

	/* Reply to a message whose type is not a request's (or unreadable). */
	SG_MSG_INVALID = 0,

	/* From the daemon, unasked. */
	SG_MSG_EVENT = 0x100, /* sg_body_event, on subscribed connections */
	SG_MSG_ERROR = 0x101, /* result only: the connection is being closed */
};

struct sg_msg_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;	/* enum sg_msg_type */
	uint32_t size;	/* of the whole message, header included */
	uint32_t seq;	/* the client's; echoed in the reply, 0 in unasked messages */
	int32_t result; /* replies: >= 0 value, < 0 -errno; requests: 0 */
	uint32_t flags; /* SG_LIST_F_* for LIST requests; otherwise 0 */
};

struct sg_body_seals {
	uint32_t seals;
	uint32_t reserved;
};

/* LIST pages through the registry in hash order.  The first request has
 * no SG_LIST_F_AFTER; each next one passes the last key it received. */
#define SG_LIST_F_AFTER 0x1u
#define SG_LIST_PAGE	48

struct sg_body_list_req {
	struct sg_file_key after;
	uint32_t max; /* entries wanted, 1..SG_LIST_PAGE */
	uint32_t reserved;
};

struct sg_list_entry {
	struct sg_file_key key;
	struct sg_sealed_rec rec;
};

struct sg_body_list {
	uint32_t count; /* entries that follow */
	uint32_t more;	/* 1 if there may be more after the last one */
	struct sg_list_entry entries[];
};

struct sg_body_status {
	char version[32];
	uint32_t daemon_pid;
	uint32_t clients;
	uint32_t max_clients;
	uint32_t subscribers;
	uint64_t started_at;	     /* CLOCK_REALTIME seconds */
	uint64_t sealed_files;	     /* entries in the registry */
	uint64_t requests_allowed;   /* requests of any type that succeeded */
	uint64_t requests_refused;   /* requests answered with an error */
	uint64_t requests_malformed; /* messages that were not a request */
	uint64_t denials[SG_EV_OP_COUNT];
	uint64_t events_suppressed; /* held back by the kernel's rate limit */
	uint64_t events_dropped;    /* ring buffer full */
	uint64_t events_unsent;	    /* a subscriber could not keep up */
	uint32_t policy_generation;
	uint32_t policy_rules;
	uint32_t audit_all;	   /* sealguardd --audit */
	uint32_t audit_rules;	   /* apply rules in audit mode */
	uint64_t audit_would_seal; /* sg_audit_stats, summed over the CPUs */
	uint64_t audit_would_refuse;
	uint64_t audit_suppressed;
	uint64_t audit_dropped;
};

struct sg_body_reload {
	uint32_t generation; /* of the policy in force after the request */
	uint32_t rules;
	char message[256]; /* on failure: file:line:column: what is wrong */
};

/* The policy's apply and exempt rules the daemon could not install, by
 * position: the first request asks from 0, each next one from where the
 * last page ended, until `total`.  A page of another generation means a
 * reload came in between: start again. */
#define SG_LEFT_OUT_PAGE 16

struct sg_body_left_out_req {
	uint32_t first; /* index of the first entry wanted */
	uint32_t max;	/* entries wanted, 1..SG_LEFT_OUT_PAGE */
};

enum sg_left_out_missing {
	SG_LO_EXE = 1,	  /* the executable of process.exe */
	SG_LO_PATH = 2,	  /* the directory or file of file.path */
	SG_LO_CGROUP = 3, /* the cgroup of process.cgroup, or no cgroup v2 hierarchy */
};

struct sg_left_out_entry {
	char rule[64];	  /* the rule's name, NUL-terminated */
	char where[288];  /* file:line:column, NUL-terminated */
	uint32_t kind;	  /* 1 apply, 2 exempt */
	uint32_t missing; /* enum sg_left_out_missing */
	int32_t err;	  /* positive errno of the lookup */
	uint32_t reserved;
	char reason[512]; /* "exe /usr/bin/x: No such file or directory", NUL-terminated */
};

struct sg_body_left_out {
	uint32_t generation; /* of the policy in force */
	uint32_t total;	     /* rules left out in all */
	uint32_t count;	     /* entries that follow */
	uint32_t reserved;
	struct sg_left_out_entry entries[];
};

struct sg_body_event {
	struct sg_event ev;
	char path[SG_PATH_MAX]; /* from the registry; "" when unknown */
	char rule[64];		/* an audit event's rule (SG_EVF_RULE); "" when unknown */
};

/* Sizes of the bodies of requests (exact) and replies (minimum). */
size_t sg_request_body_size(uint16_t type);

/* Fills a header for a message whose body is body_len bytes. */
void sg_hdr_init(struct sg_msg_hdr *h, uint16_t type, uint32_t seq, int32_t result, size_t body_len);

/*
 * Checks that buf holds one well-formed request and copies its header.
 * 0, or -EBADMSG (not a request: size, magic, reserved fields, body),
 * -EMSGSIZE (longer than SG_MSG_MAX), -EPROTO (our magic, another
 * protocol version: checked first, whatever the length) or -EOPNOTSUPP
 * (unknown type).  *out holds as much of the header as arrived, zeros
 * for the rest, so a reply can echo it.
 * nfds is the number of file descriptors that came with it: ADD and GET
 * need exactly one, the others none (-EBADMSG otherwise).
 */
int sg_request_decode(const void *buf, size_t len, int nfds, struct sg_msg_hdr *out);

/*
 * Checks that buf holds a well-formed reply to a request of type
 * expect_type (or an SG_MSG_EVENT/SG_MSG_ERROR) and copies its header.
 * 0 or -EBADMSG/-EMSGSIZE/-EPROTO.
 */
int sg_reply_decode(const void *buf, size_t len, uint16_t expect_type, struct sg_msg_hdr *out);

#endif
