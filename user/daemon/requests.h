/* SPDX-License-Identifier: GPL-2.0 */
/* What each request does, apart from how it travels. */
#ifndef SG_REQUESTS_H
#define SG_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "daemon.h"
#include "protocol.h"

/* Room for the largest reply body. */
#define SG_REPLY_BODY_MAX (SG_MSG_MAX - sizeof(struct sg_msg_hdr))

/* sg_request_run's result when the answer is sent later, by a fence
 * thread (seal_ops.h). */
#define SG_REPLY_DEFERRED INT32_MIN

/*
 * Runs the well-formed request h (body after it, fd the one passed file or
 * -1) from client c.  Returns the reply's result and fills reply with its
 * body, setting *reply_len, or returns SG_REPLY_DEFERRED.
 */
int32_t sg_request_run(struct sg_daemon *d, struct sg_client *c, const struct sg_msg_hdr *h, const void *body, int fd,
		       void *reply, size_t *reply_len);

#endif
