/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Wire format of the control socket (SOCK_SEQPACKET, one message per
 * request, one per reply).  Fixed-size little structs in host byte order:
 * both ends always run on the same machine.
 */
#ifndef SEALGUARD_PROTOCOL_H
#define SEALGUARD_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define SG_PROTO_MAGIC   0x53474431u /* "SGD1" */
#define SG_PROTO_VERSION 1u

#define SG_DEFAULT_SOCKET "/run/sealguard/control.sock"
#define SG_SOCKET_ENV     "SEALGUARD_SOCKET"

enum sg_op {
	SG_OP_ADD_SEALS = 1, /* fd + seals -> 0 */
	SG_OP_GET_SEALS = 2, /* fd -> seals */
};

struct sg_request {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t seals;
	uint32_t reserved; /* must be 0 */
};

struct sg_reply {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	int32_t result; /* >= 0: value; < 0: -errno, as the kernel would */
	uint32_t reserved;
};

void sg_request_init(struct sg_request *req, enum sg_op op, uint32_t seals);
void sg_reply_init(struct sg_reply *rep, uint16_t op, int32_t result);

/* 0 or -EBADMSG/-EPROTO/-EOPNOTSUPP/-EINVAL naming why the bytes are not a request. */
int sg_request_decode(const void *buf, size_t len, struct sg_request *out);
int sg_reply_decode(const void *buf, size_t len, uint16_t expect_op, struct sg_reply *out);

#endif
