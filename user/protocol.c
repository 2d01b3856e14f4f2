// SPDX-License-Identifier: LGPL-2.1-or-later
#include "protocol.h"

#include <errno.h>
#include <string.h>

#include "sealguard_abi.h"

void sg_request_init(struct sg_request *req, enum sg_op op, uint32_t seals)
{
	memset(req, 0, sizeof(*req));
	req->magic = SG_PROTO_MAGIC;
	req->version = SG_PROTO_VERSION;
	req->op = (uint16_t)op;
	req->seals = seals;
}

void sg_reply_init(struct sg_reply *rep, uint16_t op, int32_t result)
{
	memset(rep, 0, sizeof(*rep));
	rep->magic = SG_PROTO_MAGIC;
	rep->version = SG_PROTO_VERSION;
	rep->op = op;
	rep->result = result;
}

int sg_request_decode(const void *buf, size_t len, struct sg_request *out)
{
	if (len != sizeof(*out))
		return -EBADMSG;
	memcpy(out, buf, sizeof(*out));
	if (out->magic != SG_PROTO_MAGIC)
		return -EBADMSG;
	if (out->version != SG_PROTO_VERSION)
		return -EPROTO;
	if (out->reserved != 0)
		return -EBADMSG;
	switch (out->op) {
	case SG_OP_ADD_SEALS:
		/* Unknown seal bits are the kernel's EINVAL, decided by the
		 * daemon after the fd checks, so they pass here. */
		return 0;
	case SG_OP_GET_SEALS:
		return out->seals == 0 ? 0 : -EBADMSG;
	default:
		return -EOPNOTSUPP;
	}
}

int sg_reply_decode(const void *buf, size_t len, uint16_t expect_op, struct sg_reply *out)
{
	if (len != sizeof(*out))
		return -EBADMSG;
	memcpy(out, buf, sizeof(*out));
	if (out->magic != SG_PROTO_MAGIC || out->reserved != 0)
		return -EBADMSG;
	if (out->version != SG_PROTO_VERSION)
		return -EPROTO;
	if (out->op != expect_op)
		return -EBADMSG;
	if (out->result < -4095)
		return -EBADMSG;
	return 0;
}
