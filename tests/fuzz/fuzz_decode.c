// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer harness for the control socket's message decoders: whatever
 * arrives, they must not read out of bounds, and whatever they accept
 * must satisfy what the daemon and the library then rely on.  The first
 * input byte picks the fd count (bits 0-1) and the reply type expected
 * (bits 2-4); bit 5 overwrites the header's size with the real length,
 * bit 6 its magic and version with ours, so that mutated bodies of any
 * length get past the header checks, and bit 7 sizes the message from a
 * LIST reply's count (see below).  The rest is the message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "protocol.h"

static const uint16_t expect_types[] = {
	SG_OP_ADD_SEALS, SG_OP_GET_SEALS, SG_OP_STATUS, SG_OP_LIST, SG_OP_LEFT_OUT, SG_OP_RELOAD, 0, 0x7fff,
};

/* What was accepted is what sg_hdr_init builds for the same fields. */
static void check_as_built(const struct sg_msg_hdr *h, size_t len)
{
	struct sg_msg_hdr g;

	sg_hdr_init(&g, h->type, h->seq, h->result, len - sizeof(g));
	g.flags = h->flags;
	CHECK(memcmp(&g, h, sizeof(g)) == 0);
}

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
	check_as_built(&h, len);
	CHECK(h.type >= SG_OP_ADD_SEALS && h.type <= SG_OP_MAX);
	CHECK(len - sizeof(h) == sg_request_body_size(h.type));
	CHECK(h.result == 0);
	CHECK(nfds == (h.type == SG_OP_ADD_SEALS || h.type == SG_OP_GET_SEALS));
	if (h.type == SG_OP_LIST) {
		struct sg_body_list_req b;

		memcpy(&b, msg + sizeof(h), sizeof(b));
		CHECK(b.max >= 1 && b.max <= SG_LIST_PAGE);
		CHECK((h.flags & ~SG_LIST_F_AFTER) == 0);
	} else if (h.type == SG_OP_LEFT_OUT) {
		struct sg_body_left_out_req b;

		memcpy(&b, msg + sizeof(h), sizeof(b));
		CHECK(b.max >= 1 && b.max <= SG_LEFT_OUT_PAGE && b.first < SG_KRULE_MAX && h.flags == 0);
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
	CHECK(memcmp(&h, msg, sizeof(h)) == 0);
	CHECK(h.magic == SG_PROTO_MAGIC && h.version == SG_PROTO_VERSION);
	CHECK(h.flags == 0 && h.result >= -4095);
	check_as_built(&h, len);
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
	case SG_OP_SUBSCRIBE: CHECK(h.result <= 0 && body == 0); break;
	case SG_OP_GET_SEALS: CHECK(h.result <= (int32_t)SG_SEAL_ALL && body == 0); break;
	case SG_OP_STATUS: CHECK(body == (h.result == 0 ? sizeof(struct sg_body_status) : 0)); break;
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
	case SG_OP_RELOAD: CHECK(body == sizeof(struct sg_body_reload) || (body == 0 && h.result < 0)); break;
	case SG_OP_LEFT_OUT:
		if (h.result == 0) {
			struct sg_body_left_out b;

			/* The library copies count entries and reads their strings. */
			CHECK(body >= sizeof(b));
			memcpy(&b, msg + sizeof(h), sizeof(b));
			CHECK(b.count <= SG_LEFT_OUT_PAGE && b.count <= b.total && b.total <= SG_KRULE_MAX);
			CHECK(body == sizeof(b) + b.count * sizeof(struct sg_left_out_entry));
			for (uint32_t i = 0; i < b.count; i++) {
				struct sg_left_out_entry e;

				memcpy(&e, msg + sizeof(h) + sizeof(b) + i * sizeof(e), sizeof(e));
				CHECK(memchr(e.rule, 0, sizeof(e.rule)) && memchr(e.where, 0, sizeof(e.where)) &&
				      memchr(e.reason, 0, sizeof(e.reason)));
			}
		} else {
			CHECK(body == 0);
		}
		break;
	default: CHECK(0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t list_min = sizeof(struct sg_msg_hdr) + sizeof(struct sg_body_list);
	uint8_t sel, *msg;
	size_t len;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	len = size - 1;
	/* Bit 7: the length a LIST reply's count asks for (zeros past the
	 * input), up to a little over SG_MSG_MAX, so that the counts near
	 * the page limit are reached without guessing a 14 KiB length. */
	if ((sel & 0x80) && len >= list_min) {
		uint32_t count;
		uint64_t want;

		memcpy(&count, data + sizeof(struct sg_msg_hdr) + offsetof(struct sg_body_list, count), sizeof(count));
		want = list_min + (uint64_t)count * sizeof(struct sg_list_entry);
		if (want <= SG_MSG_MAX + sizeof(struct sg_list_entry))
			len = want;
	}
	/* A copy of exactly len bytes, so ASan sees any read past it. */
	msg = calloc(1, len ? len : 1);
	if (!msg)
		return 0;
	memcpy(msg, data, len < size - 1 ? len : size - 1);
	if ((sel & 0x20) && len >= offsetof(struct sg_msg_hdr, seq)) {
		uint32_t sz = (uint32_t)len;

		memcpy(msg + offsetof(struct sg_msg_hdr, size), &sz, sizeof(sz));
	}
	if ((sel & 0x40) && len >= offsetof(struct sg_msg_hdr, type)) {
		uint32_t magic = SG_PROTO_MAGIC;
		uint16_t version = SG_PROTO_VERSION;

		memcpy(msg + offsetof(struct sg_msg_hdr, magic), &magic, sizeof(magic));
		memcpy(msg + offsetof(struct sg_msg_hdr, version), &version, sizeof(version));
	}
	check_request(msg, len, sel & 3);
	check_reply(msg, len, expect_types[(sel >> 2) & 7]);
	free(msg);
	return 0;
}
