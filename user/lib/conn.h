/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsealguard's transport: one connection, one request at a time. */
#ifndef SG_LIB_CONN_H
#define SG_LIB_CONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "protocol.h"
#include "sealguard.h"

struct sg_conn {
	pthread_mutex_t lock;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool path_from_env; /* re-read the environment at every call */
	int timeout_ms;
	int fd;	   /* -1: not connected */
	pid_t pid; /* process that opened fd; another one reconnects */
	uint32_t seq;
	bool subscribed;
};

/* Initial value for a connection that resolves its path at each call. */
#define SG_CONN_FROM_ENV                                                                            \
	{                                                                                           \
		.lock = PTHREAD_MUTEX_INITIALIZER, .path_from_env = true, .timeout_ms = 0, .fd = -1 \
	}

/* The path $SEALGUARD_SOCKET names, or the default. */
const char *sg_conn_default_path(void);
/* The milliseconds $SEALGUARD_TIMEOUT_MS names (1 to 3600000), or
 * SG_DEFAULT_TIMEOUT_MS. */
int sg_conn_default_timeout(void);

struct sg_call {
	uint16_t type;
	uint32_t flags;
	const void *body;
	size_t body_len;
	int fd;	     /* to pass with SCM_RIGHTS, or -1 */
	void *reply; /* room for the reply's body */
	size_t reply_cap;
	size_t reply_len; /* filled in */
	int32_t result;	  /* filled in: the daemon's result */
};

/*
 * Sends call's request and waits for its reply, reconnecting once when a
 * connection that worked before turns out dead.  Locks c.  0 (then
 * call->result is the daemon's answer) or -errno for the call itself.
 */
int sg_conn_call(struct sg_conn *c, struct sg_call *call);

/* Receives the next event on a subscribed connection.  0 or -errno. */
int sg_conn_recv_event(struct sg_conn *c, struct sg_body_event *ev, int timeout_ms);

/* Connects c if it is not connected.  0 or -errno. */
int sg_conn_open(struct sg_conn *c);

void sg_conn_close_locked(struct sg_conn *c);

#endif
