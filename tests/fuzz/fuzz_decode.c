// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness for the control socket's message decoders: whatever
 * arrives, they must not read out of bounds, and whatever they accept
 * must satisfy what the daemon and the library then rely on.  The first
 * input byte picks the fd count and the reply type expected; the rest is
 * the message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

static const uint16_t expect_types[] = {
	SG_OP_ADD_SEALS, SG_OP_GET_SEALS, SG_OP_STATUS, SG_OP_LIST,
	SG_OP_SUBSCRIBE, SG_OP_RELOAD,    0,            0x7fff,
};

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "invariant broken: %s\n", #cond); \
			abort();                                         \
		}                                                        \
	} while (0)

static void check_request(const uint8_t *msg, size_t len, int nfds)
{
	struct sg_msg_hdr h;
	int r = sg_request_decode(msg, len, nfds, &h);

	CHECK(r == 0 || r == -EBADMSG || r == -EPROTO || r == -EOPNOTSUPP || r == -EMSGSIZE);
	if (r == -EMSGSIZE)
		CHECK(len > SG_MSG_MAX);
	if (r != 0)
		return;
	CHECK(len >= sizeof(h) && len <= SG_MSG_MAX);
	CHECK(memcmp(&h, msg, sizeof(h)) == 0);
	CHECK(h.magic == SG_PROTO_MAGIC && h.version == SG_PROTO_VERSION);
	CHECK(h.size == len);
	CHECK(h.type >= SG_OP_ADD_SEALS && h.type <= SG_OP_MAX);
	CHECK(len - sizeof(h) == sg_request_body_size(h.type));
	CHECK(h.result == 0);
	CHECK(nfds == (h.type == SG_OP_ADD_SEALS || h.type == SG_OP_GET_SEALS));
	if (h.type == SG_OP_LIST) {
		struct sg_body_list_req b;

		memcpy(&b, msg + sizeof(h), sizeof(b));
		CHECK(b.max >= 1 && b.max <= SG_LIST_PAGE);
		CHECK((h.flags & ~SG_LIST_F_AFTER) == 0);
	} else {
		CHECK(h.flags == 0);
	}
}

static void check_reply(const uint8_t *msg, size_t len, uint16_t expect)
{
	struct sg_msg_hdr h;
	size_t body;
	int r = sg_reply_decode(msg, len, expect, &h);

	CHECK(r == 0 || r == -EBADMSG || r == -EPROTO || r == -EMSGSIZE);
	if (r != 0)
		return;
	CHECK(len >= sizeof(h) && len <= SG_MSG_MAX && h.size == len);
	CHECK(h.result >= -4095);
	body = len - sizeof(h);
	if (h.type == SG_MSG_EVENT) {
		CHECK(body == sizeof(struct sg_body_event) && h.result == 0);
		return;
	}
	if (h.type == SG_MSG_ERROR) {
		CHECK(body == 0 && h.result < 0);
		return;
	}
	CHECK(h.type == expect);
	switch (h.type) {
	case SG_OP_ADD_SEALS:
	case SG_OP_SUBSCRIBE:
		CHECK(h.result <= 0 && body == 0);
		break;
	case SG_OP_GET_SEALS:
		CHECK(h.result <= (int32_t)SG_SEAL_ALL && body == 0);
		break;
	case SG_OP_STATUS:
		CHECK(body == (h.result == 0 ? sizeof(struct sg_body_status) : 0));
		break;
	case SG_OP_LIST:
		if (h.result == 0) {
			struct sg_body_list b;

			/* The library walks count entries: they must be there. */
			CHECK(body >= sizeof(b));
			memcpy(&b, msg + sizeof(h), sizeof(b));
			CHECK(b.count <= SG_LIST_PAGE);
			CHECK(body == sizeof(b) + b.count * sizeof(struct sg_list_entry));
		} else {
			CHECK(body == 0);
		}
		break;
	case SG_OP_RELOAD:
		CHECK(body == sizeof(struct sg_body_reload) || (body == 0 && h.result < 0));
		break;
	default:
		CHECK(0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	/* A copy of exactly len bytes, so ASan sees any read past it. */
	msg = malloc(len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data + 1, len);
	check_request(msg, len, data[0] & 3);
	check_reply(msg, len, expect_types[(data[0] >> 2) & 7]);
	free(msg);
	return 0;
}
