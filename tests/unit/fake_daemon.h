/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake sealguardd for unit tests: a thread serving any number of
 * connections on a socket in a temporary directory, answering each
 * request through the test's handler and recording what it received
 * (tests/unit/fake_daemon.c).  cmocka's asserts longjmp, so only the main
 * thread asserts.
 */
#ifndef SG_TEST_FAKE_DAEMON_H
#define SG_TEST_FAKE_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

#define MAX_CONNS 32
#define MAX_FDS	  8 /* SG_MAX_FDS_PER_MSG in the daemon */
#define NO_ANSWER INT32_MIN

struct fake;

/* Answers one request on conn (with reply()), or not.  Returns false to
 * close the connection afterwards. */
typedef bool (*fake_handler)(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd);

struct fake_conn {
	int fd;
	bool seen; /* a request arrived: last_seq is meaningful */
	uint32_t last_seq;
};

struct fake {
	char dir[64];
	char path[108];
	int listen_fd;
	int stop[2];
	pthread_t thread;
	fake_handler handler;
	void *data;
	bool turn_away; /* as the real daemon when full: SG_MSG_ERROR, close, unread */
	bool up;	/* listening, its thread running */

	pthread_mutex_t lock; /* guards what follows */
	int connections;
	int requests;	/* well-formed ones, handed to the handler */
	int malformed;	/* what the real daemon would have refused */
	int seq_errors; /* a seq other than the previous one + 1 on a connection */
	struct sg_msg_hdr last;
	uint32_t last_seals;
	ino_t last_ino;
	int last_accmode;
};

/* What the latest request was, copied so that asserts (which longjmp) never
 * run with the lock held. */
struct last_request {
	struct sg_msg_hdr h;
	uint32_t seals;
	ino_t ino;
	int accmode;
};

/* ADD answers with add; GET with get, or with the file's size when get is
 * NO_ANSWER, so that every caller can tell its own answer. */
struct seal_answers {
	int32_t add, get;
};

void send_record(int conn, const void *buf, size_t len, int fd, int nfds);
void reply(int conn, uint16_t type, uint32_t seq, int32_t result, const void *body, size_t len);
void fake_listen(struct fake *f);
void fake_start(struct fake *f, fake_handler handler, void *data);
void fake_down(struct fake *f);
int fake_get(struct fake *f, const int *field);
void fake_check_clean(struct fake *f);
void fake_stop(struct fake *f);
struct last_request fake_last(struct fake *f);
bool answer_seals(struct fake *f, int conn, const struct sg_msg_hdr *h, const void *body, int fd);
int fake_setup(void **state);
int fake_teardown(void **state);
void fake_answer(struct fake *f, fake_handler handler, void *data);

#endif
