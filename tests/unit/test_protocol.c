// SPDX-License-Identifier: LGPL-2.1-or-later
/* The wire format's layout and every rule of the two decoders. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"
#include "sealguard_abi.h"

/* Big enough for any message, aligned for the header. */
union msg {
	struct sg_msg_hdr h;
	unsigned char b[SG_MSG_MAX + 8];
};

static size_t build(union msg *m, uint16_t type, uint32_t seq, int32_t result, const void *body, size_t body_len)
{
	memset(m, 0, sizeof(*m));
	sg_hdr_init(&m->h, type, seq, result, body_len);
	if (body_len)
		memcpy(m->b + sizeof(m->h), body, body_len);
	return sizeof(m->h) + body_len;
}

static size_t build_request(union msg *m, uint16_t type, uint32_t seq)
{
	static const unsigned char zero[sizeof(struct sg_body_list_req)];
	struct sg_body_seals seals = { .seals = SG_SEAL_WRITE };
	struct sg_body_list_req list = { .max = SG_LIST_PAGE };
	struct sg_body_left_out_req left = { .max = SG_LEFT_OUT_PAGE };

	switch (type) {
	case SG_OP_ADD_SEALS: return build(m, type, seq, 0, &seals, sizeof(seals));
	case SG_OP_LIST: return build(m, type, seq, 0, &list, sizeof(list));
	case SG_OP_LEFT_OUT: return build(m, type, seq, 0, &left, sizeof(left));
	default: return build(m, type, seq, 0, zero, 0);
	}
}

static int fds_wanted(uint16_t type)
{
	return type == SG_OP_ADD_SEALS || type == SG_OP_GET_SEALS;
}

/* docs/protocol.md gives these offsets; a change is a version bump. */
static void test_layout(void **state)
{
	assert_int_equal(sizeof(struct sg_msg_hdr), 24);
	assert_int_equal(offsetof(struct sg_msg_hdr, magic), 0);
	assert_int_equal(offsetof(struct sg_msg_hdr, version), 4);
	assert_int_equal(offsetof(struct sg_msg_hdr, type), 6);
	assert_int_equal(offsetof(struct sg_msg_hdr, size), 8);
	assert_int_equal(offsetof(struct sg_msg_hdr, seq), 12);
	assert_int_equal(offsetof(struct sg_msg_hdr, result), 16);
	assert_int_equal(offsetof(struct sg_msg_hdr, flags), 20);
	assert_int_equal(sizeof(struct sg_body_seals), 8);
	assert_int_equal(sizeof(struct sg_file_key), 16);
	assert_int_equal(sizeof(struct sg_body_list_req), 24);
	assert_int_equal(sizeof(struct sg_sealed_rec), 280);
	assert_int_equal(sizeof(struct sg_list_entry), 296);
	assert_int_equal(sizeof(struct sg_body_list), 8);
	assert_int_equal(sizeof(struct sg_event), 80);
	assert_int_equal(sizeof(struct sg_body_event), 80 + SG_PATH_MAX + 64);
	assert_int_equal(sizeof(struct sg_body_reload), 264);
	assert_int_equal(sizeof(struct sg_body_status), 216);
	/* A full LIST page fits in one message. */
	assert_true(sizeof(struct sg_msg_hdr) + sizeof(struct sg_body_list) +
			    SG_LIST_PAGE * sizeof(struct sg_list_entry) <=
		    SG_MSG_MAX);
}

static void test_hdr_init(void **state)
{
	struct sg_msg_hdr h;

	memset(&h, 0xa5, sizeof(h));
	sg_hdr_init(&h, SG_OP_LIST, 42, -EPERM, 24);
	assert_int_equal(h.magic, SG_PROTO_MAGIC);
	assert_int_equal(h.version, SG_PROTO_VERSION);
	assert_int_equal(h.type, SG_OP_LIST);
	assert_int_equal(h.size, sizeof(h) + 24);
	assert_int_equal(h.seq, 42);
	assert_int_equal(h.result, -EPERM);
	assert_int_equal(h.flags, 0);
}

static void test_body_sizes(void **state)
{
	assert_int_equal(sg_request_body_size(SG_OP_ADD_SEALS), sizeof(struct sg_body_seals));
	assert_int_equal(sg_request_body_size(SG_OP_GET_SEALS), 0);
	assert_int_equal(sg_request_body_size(SG_OP_STATUS), 0);
	assert_int_equal(sg_request_body_size(SG_OP_LIST), sizeof(struct sg_body_list_req));
	assert_int_equal(sg_request_body_size(SG_OP_SUBSCRIBE), 0);
	assert_int_equal(sg_request_body_size(SG_OP_RELOAD), 0);
	assert_int_equal(sg_request_body_size(SG_OP_UNLOAD), 0);
}

static void test_request_round_trip(void **state)
{
	static const struct {
		uint16_t type;
		int nfds;
	} ok[] = {
		{ SG_OP_ADD_SEALS, 1 }, { SG_OP_GET_SEALS, 1 }, { SG_OP_STATUS, 0 }, { SG_OP_LIST, 0 },
		{ SG_OP_SUBSCRIBE, 0 }, { SG_OP_RELOAD, 0 },	{ SG_OP_UNLOAD, 0 },
	};
	union msg m;
	struct sg_msg_hdr out;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t len = build_request(&m, ok[i].type, 1000 + (uint32_t)i);

		memset(&out, 0xa5, sizeof(out));
		assert_int_equal(sg_request_decode(m.b, len, ok[i].nfds, &out), 0);
		assert_memory_equal(&out, &m.h, sizeof(out));
	}
}

/* Unknown seal bits are fcntl's EINVAL, decided by the daemon after its
 * fd checks as the kernel does: the decoder lets them through. */
static void test_request_add_any_bits(void **state)
{
	struct sg_body_seals b = { .seals = UINT32_MAX };
	union msg m;
	struct sg_msg_hdr out;
	size_t len = build(&m, SG_OP_ADD_SEALS, 1, 0, &b, sizeof(b));

	assert_int_equal(sg_request_decode(m.b, len, 1, &out), 0);
	b.seals = 0;
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), 0);
}

static void test_request_header_rules(void **state)
{
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* Shorter than a header, empty, longer than the maximum. */
	len = build_request(&m, SG_OP_STATUS, 1);
	assert_int_equal(sg_request_decode(m.b, sizeof(m.h) - 1, 0, &out), -EBADMSG);
	assert_int_equal(sg_request_decode(m.b, 0, 0, &out), -EBADMSG);
	m.h.size = SG_MSG_MAX + 1;
	assert_int_equal(sg_request_decode(m.b, SG_MSG_MAX + 1, 0, &out), -EMSGSIZE);
	/* Even then the header is there to answer to. */
	assert_int_equal(out.type, SG_OP_STATUS);
	assert_int_equal(out.seq, 1);

	len = build_request(&m, SG_OP_STATUS, 1);
	m.h.magic ^= 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);

	/* Another version is told apart from garbage. */
	len = build_request(&m, SG_OP_STATUS, 1);
	m.h.version = SG_PROTO_VERSION + 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EPROTO);
	m.h.version = 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EPROTO);
	/* Whatever the length: version 1 messages were 16 bytes. */
	assert_int_equal(sg_request_decode(m.b, 16, 0, &out), -EPROTO);
	assert_int_equal(sg_request_decode(m.b, 8, 0, &out), -EPROTO);
	assert_int_equal(sg_request_decode(m.b, SG_MSG_MAX + 1, 0, &out), -EPROTO);
	/* Not our magic: garbage, not another version. */
	m.h.magic = 0x31444753;
	assert_int_equal(sg_request_decode(m.b, 16, 0, &out), -EBADMSG);

	/* size must be exactly what arrived. */
	len = build_request(&m, SG_OP_STATUS, 1);
	m.h.size = (uint32_t)len + 8;
	assert_int_equal(sg_request_decode(m.b, len + 8, 0, &out), -EBADMSG); /* body for STATUS */
	m.h.size = (uint32_t)len + 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	m.h.size = (uint32_t)len - 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);

	/* Requests carry no result. */
	len = build_request(&m, SG_OP_STATUS, 1);
	m.h.result = -1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
}

static void test_request_types(void **state)
{
	static const uint16_t bad[] = { 0, SG_OP_MAX + 1, 0xff, SG_MSG_EVENT, SG_MSG_ERROR, 0xffff };
	union msg m;
	struct sg_msg_hdr out;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = build(&m, bad[i], 1, 0, NULL, 0);

		assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EOPNOTSUPP);
		/* The header is copied out so the reply can echo type and seq. */
		assert_int_equal(out.type, bad[i]);
		assert_int_equal(out.seq, 1);
	}
}

static void test_request_bodies(void **state)
{
	static const unsigned char zero[sizeof(struct sg_body_reload)];
	_Alignas(struct sg_body_list_req) unsigned char list[sizeof(struct sg_body_list_req) + 8];
	struct sg_body_seals b = { .seals = SG_SEAL_GROW };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* ADD without its body, with a shorter or longer one, with reserved set. */
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, NULL, 0);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, &b, sizeof(b) - 4);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, zero, sizeof(b) + 8);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	b.reserved = 1;
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);

	/* Bodies where none belongs. */
	len = build(&m, SG_OP_GET_SEALS, 1, 0, &b, 4);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	len = build(&m, SG_OP_SUBSCRIBE, 1, 0, &b, 8);
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	len = build(&m, SG_OP_STATUS, 1, 0, zero, 1);
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	len = build(&m, SG_OP_RELOAD, 1, 0, zero, sizeof(struct sg_body_reload));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	/* LIST's body is exact too, either way: a valid one, cut or padded. */
	memset(list, 0, sizeof(list));
	((struct sg_body_list_req *)list)->max = SG_LIST_PAGE;
	len = build(&m, SG_OP_LIST, 1, 0, list, sizeof(struct sg_body_list_req));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	len = build(&m, SG_OP_LIST, 1, 0, list, sizeof(struct sg_body_list_req) - 4);
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	len = build(&m, SG_OP_LIST, 1, 0, list, sizeof(struct sg_body_list_req) + 8);
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);

	/* flags belong to LIST only. */
	for (uint16_t t = SG_OP_ADD_SEALS; t <= SG_OP_MAX; t++) {
		if (t == SG_OP_LIST)
			continue;
		len = build_request(&m, t, 1);
		m.h.flags = 1;
		assert_int_equal(sg_request_decode(m.b, len, fds_wanted(t), &out), -EBADMSG);
	}
}

static void test_request_fd_counts(void **state)
{
	union msg m;
	struct sg_msg_hdr out;

	for (uint16_t t = SG_OP_ADD_SEALS; t <= SG_OP_MAX; t++) {
		size_t len = build_request(&m, t, 1);
		for (int nfds = 0; nfds <= 3; nfds++)
			assert_int_equal(sg_request_decode(m.b, len, nfds, &out), nfds == fds_wanted(t) ? 0 : -EBADMSG);
	}
}

static void test_request_list(void **state)
{
	struct sg_body_list_req b = { .max = 1 };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	b.max = 0;
	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	b.max = SG_LIST_PAGE + 1;
	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);

	/* A position only with the flag that says it is one. */
	b.max = SG_LIST_PAGE;
	b.after.ino = 77;
	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	m.h.flags = SG_LIST_F_AFTER;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	assert_int_equal(out.flags, SG_LIST_F_AFTER);
	m.h.flags = SG_LIST_F_AFTER | 0x2;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);

	b.reserved = 1;
	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	m.h.flags = SG_LIST_F_AFTER;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	m.h.flags = 0;
	memset(&b.after, 0, sizeof(b.after));
	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
}

/* The edges of max, every field of the position, every flag bit. */
static void test_request_list_edges(void **state)
{
	static const uint32_t max_ok[] = { 1, 2, SG_LIST_PAGE - 1, SG_LIST_PAGE };
	static const uint32_t max_bad[] = { 0, SG_LIST_PAGE + 1, 0x100, 0x80000000u, UINT32_MAX };
	struct sg_body_list_req b = { .max = SG_LIST_PAGE };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	for (size_t i = 0; i < sizeof(max_ok) / sizeof(max_ok[0]); i++) {
		b.max = max_ok[i];
		len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	}
	for (size_t i = 0; i < sizeof(max_bad) / sizeof(max_bad[0]); i++) {
		b.max = max_bad[i];
		len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
		m.h.flags = SG_LIST_F_AFTER;
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	}

	/* Any nonzero part of the position needs the flag. */
	b.max = SG_LIST_PAGE;
	for (int field = 0; field < 3; field++) {
		memset(&b.after, 0, sizeof(b.after));
		if (field == 0)
			b.after.dev_major = 1;
		else if (field == 1)
			b.after.dev_minor = 1;
		else
			b.after.ino = 1ull << 63;
		len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
		m.h.flags = SG_LIST_F_AFTER;
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	}
	/* With the flag, an all-zero key is a key like any other. */
	memset(&b.after, 0, sizeof(b.after));
	len = build(&m, SG_OP_LIST, 1, 0, &b, sizeof(b));
	m.h.flags = SG_LIST_F_AFTER;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);

	/* No flag but SG_LIST_F_AFTER, alone or with it. */
	for (int bit = 1; bit < 32; bit++) {
		m.h.flags = 1u << bit;
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
		m.h.flags |= SG_LIST_F_AFTER;
		assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	}
}

/* What arrived of the header is copied out, zeros for the rest: the
 * daemon answers a cut message with whatever seq it could read. */
static void test_request_partial_header(void **state)
{
	union msg m;
	struct sg_msg_hdr out;
	size_t len = build_request(&m, SG_OP_STATUS, 0x11223344);

	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_request_decode(m.b, offsetof(struct sg_msg_hdr, seq), 0, &out), -EBADMSG);
	assert_int_equal(out.magic, SG_PROTO_MAGIC);
	assert_int_equal(out.version, SG_PROTO_VERSION);
	assert_int_equal(out.type, SG_OP_STATUS);
	assert_int_equal(out.size, len);
	assert_int_equal(out.seq, 0);
	assert_int_equal(out.result, 0);
	assert_int_equal(out.flags, 0);

	/* Cut after the seq: the answer can still be matched. */
	m.h.flags = 0x5a5a5a5a;
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_request_decode(m.b, offsetof(struct sg_msg_hdr, result), 0, &out), -EBADMSG);
	assert_int_equal(out.seq, 0x11223344);
	assert_int_equal(out.result, 0);
	assert_int_equal(out.flags, 0);

	/* Nothing at all. */
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_request_decode(m.b, 0, 0, &out), -EBADMSG);
	assert_int_equal(out.magic, 0);
	assert_int_equal(out.type, 0);
	assert_int_equal(out.seq, 0);

	/* A body after the header is not copied into it. */
	len = build_request(&m, SG_OP_ADD_SEALS, 9);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), 0);
	assert_memory_equal(&out, &m.h, sizeof(out));
}

/* Which error a message gets depends on the order of the checks
 * (docs/protocol.md section 5); a client tells "other version" apart from
 * "bad message" by it, so the order is part of the protocol. */
static void test_request_check_order(void **state)
{
	static const unsigned char zero[40];
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* Another version wins over everything else that is wrong. */
	len = build(&m, 0x77, 1, -1, zero, sizeof(zero));
	m.h.version = 1;
	m.h.size = 3;
	m.h.flags = 9;
	assert_int_equal(sg_request_decode(m.b, len, 2, &out), -EPROTO);
	/* As soon as magic and version have arrived (6 bytes), not before. */
	assert_int_equal(sg_request_decode(m.b, offsetof(struct sg_msg_hdr, type), 0, &out), -EPROTO);
	assert_int_equal(sg_request_decode(m.b, offsetof(struct sg_msg_hdr, type) - 1, 0, &out), -EBADMSG);
	/* Version 0 is another version too. */
	m.h.version = 0;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EPROTO);
	/* Another magic with another version is garbage, not a version. */
	m.h.magic = SG_PROTO_MAGIC + 1;
	m.h.version = 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);

	/* Too long wins over a size field that disagrees and a bad type. */
	len = build(&m, 0x77, 1, 0, NULL, 0);
	m.h.size = 7;
	assert_int_equal(sg_request_decode(m.b, SG_MSG_MAX + 1, 0, &out), -EMSGSIZE);
	/* Exactly SG_MSG_MAX is not too long: the type check is reached. */
	m.h.size = SG_MSG_MAX;
	assert_int_equal(sg_request_decode(m.b, SG_MSG_MAX, 0, &out), -EOPNOTSUPP);
	m.h.type = SG_OP_STATUS;
	assert_int_equal(sg_request_decode(m.b, SG_MSG_MAX, 0, &out), -EBADMSG);

	/* The size field before the type: an unknown type of the wrong size
	 * is just malformed. */
	len = build(&m, 0x77, 1, 0, NULL, 0);
	m.h.size = (uint32_t)len + 1;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	/* The type before result, body, flags and fds. */
	len = build(&m, 0x77, 1, -5, zero, sizeof(zero));
	m.h.flags = 3;
	assert_int_equal(sg_request_decode(m.b, len, 5, &out), -EOPNOTSUPP);
}

/* Requests carry no result, whatever their type and sign. */
static void test_request_result(void **state)
{
	static const int32_t bad[] = { 1, -1, -EPERM, INT32_MIN, INT32_MAX };
	union msg m;
	struct sg_msg_hdr out;

	for (uint16_t t = SG_OP_ADD_SEALS; t <= SG_OP_MAX; t++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			size_t len = build_request(&m, t, 1);

			m.h.result = bad[i];
			assert_int_equal(sg_request_decode(m.b, len, fds_wanted(t), &out), -EBADMSG);
		}
}

/* ---- replies ------------------------------------------------------------ */

static void test_reply_simple(void **state)
{
	struct sg_body_reload rb = { .generation = 3 };
	struct sg_body_status st = { .daemon_pid = 1 };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	len = build(&m, SG_OP_ADD_SEALS, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), 0);
	assert_int_equal(out.seq, 5);
	len = build(&m, SG_OP_ADD_SEALS, 5, -EBUSY, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), 0);
	assert_int_equal(out.result, -EBUSY);
	/* F_ADD_SEALS succeeds with exactly 0. */
	len = build(&m, SG_OP_ADD_SEALS, 5, 1, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);

	len = build(&m, SG_OP_GET_SEALS, 5, SG_SEAL_ALL, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), 0);
	len = build(&m, SG_OP_GET_SEALS, 5, SG_SEAL_ALL + 1, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), -EBADMSG);

	len = build(&m, SG_OP_STATUS, 5, 0, &st, sizeof(st));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), 0);
	len = build(&m, SG_OP_STATUS, 5, 0, &st, sizeof(st) - 8);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), -EBADMSG);
	len = build(&m, SG_OP_STATUS, 5, -EPERM, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), 0);
	len = build(&m, SG_OP_STATUS, 5, -EPERM, &st, sizeof(st));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), -EBADMSG);

	len = build(&m, SG_OP_RELOAD, 5, 0, &rb, sizeof(rb));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), 0);
	len = build(&m, SG_OP_RELOAD, 5, -EINVAL, &rb, sizeof(rb));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), 0);
	len = build(&m, SG_OP_RELOAD, 5, -EBADMSG, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), 0);
	len = build(&m, SG_OP_RELOAD, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), -EBADMSG);

	len = build(&m, SG_OP_SUBSCRIBE, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), 0);
}

static void test_reply_rules(void **state)
{
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* A reply to something else is not ours. */
	len = build(&m, SG_OP_GET_SEALS, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	len = build(&m, 0x77, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, 0x77, &out), -EBADMSG);

	/* Results beyond the errno range, flags, version, magic, size. */
	len = build(&m, SG_OP_ADD_SEALS, 5, -4096, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 5, -4095, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), 0);
	len = build(&m, SG_OP_ADD_SEALS, 5, 0, NULL, 0);
	m.h.flags = 1;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	m.h.flags = 0;
	m.h.version = 1;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EPROTO);
	m.h.version = SG_PROTO_VERSION;
	m.h.magic = 0;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len - 1, SG_OP_ADD_SEALS, &out), -EBADMSG);
	assert_int_equal(sg_reply_decode(m.b, SG_MSG_MAX + 1, SG_OP_ADD_SEALS, &out), -EMSGSIZE);
}

static void test_reply_unasked(void **state)
{
	struct sg_body_event ev = { .ev = { .op = SG_EV_WRITE, .err = -EPERM } };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* Events and errors may come whatever was asked. */
	len = build(&m, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), 0);
	len = build(&m, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev) - 1);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_MSG_EVENT, 9, 0, &ev, sizeof(ev));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_MSG_EVENT, 0, -EPERM, &ev, sizeof(ev));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);

	len = build(&m, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), 0);
	assert_int_equal(out.result, -EAGAIN);
	len = build(&m, SG_MSG_ERROR, 0, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	len = build(&m, SG_MSG_ERROR, 0, -EAGAIN, &ev, 8);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
}

/* A well-formed reply of every kind decodes, its header copied out whole. */
static void test_reply_round_trip(void **state)
{
	_Alignas(8) unsigned char list[sizeof(struct sg_body_list) + 2 * sizeof(struct sg_list_entry)];
	struct sg_body_status st = { .daemon_pid = 1 };
	struct sg_body_reload rb = { .generation = 2 };
	struct sg_body_event ev = { .ev = { .op = SG_EV_TRUNCATE, .err = -EPERM } };
	const struct {
		uint16_t type, expect;
		uint32_t seq;
		int32_t result;
		const void *body;
		size_t len;
	} ok[] = {
		{ SG_OP_ADD_SEALS, SG_OP_ADD_SEALS, 1, 0, NULL, 0 },
		{ SG_OP_GET_SEALS, SG_OP_GET_SEALS, 2, SG_SEAL_WRITE, NULL, 0 },
		{ SG_OP_GET_SEALS, SG_OP_GET_SEALS, 3, 0, NULL, 0 },
		{ SG_OP_STATUS, SG_OP_STATUS, 4, 0, &st, sizeof(st) },
		{ SG_OP_LIST, SG_OP_LIST, 5, 0, list, sizeof(list) },
		{ SG_OP_SUBSCRIBE, SG_OP_SUBSCRIBE, 6, 0, NULL, 0 },
		{ SG_OP_RELOAD, SG_OP_RELOAD, 7, 0, &rb, sizeof(rb) },
		{ SG_MSG_EVENT, SG_OP_SUBSCRIBE, 0, 0, &ev, sizeof(ev) },
		{ SG_MSG_ERROR, SG_OP_GET_SEALS, 0, -EAGAIN, NULL, 0 },
		/* Any seq is the client's to choose, 0 and UINT32_MAX included. */
		{ SG_OP_ADD_SEALS, SG_OP_ADD_SEALS, 0, 0, NULL, 0 },
		{ SG_OP_ADD_SEALS, SG_OP_ADD_SEALS, UINT32_MAX, -ENOTTY, NULL, 0 },
	};
	union msg m;
	struct sg_msg_hdr out;

	memset(list, 0, sizeof(list));
	((struct sg_body_list *)list)->count = 2;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		size_t len = build(&m, ok[i].type, ok[i].seq, ok[i].result, ok[i].body, ok[i].len);

		memset(&out, 0xa5, sizeof(out));
		assert_int_equal(sg_reply_decode(m.b, len, ok[i].expect, &out), 0);
		assert_memory_equal(&out, &m.h, sizeof(out));
	}
}

/* Body and result rules of each reply type beyond the simple ones. */
static void test_reply_bodies(void **state)
{
	static const unsigned char zero[sizeof(struct sg_body_status) + 8];
	struct sg_body_reload rb = { .generation = 3 };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* ADD and GET replies never have a body, whatever the result. */
	len = build(&m, SG_OP_ADD_SEALS, 5, 0, zero, 8);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 5, -EBUSY, zero, 8);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	len = build(&m, SG_OP_GET_SEALS, 5, SG_SEAL_GROW, zero, 4);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), -EBADMSG);
	len = build(&m, SG_OP_GET_SEALS, 5, -EINVAL, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), 0);
	len = build(&m, SG_OP_GET_SEALS, 5, -EINVAL, zero, 4);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), -EBADMSG);
	len = build(&m, SG_OP_GET_SEALS, 5, INT32_MAX, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), -EBADMSG);

	/* SUBSCRIBE: 0 or an errno, never a body. */
	len = build(&m, SG_OP_SUBSCRIBE, 5, -EPERM, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), 0);
	len = build(&m, SG_OP_SUBSCRIBE, 5, 1, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_OP_SUBSCRIBE, 5, 0, zero, 8);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);

	/* STATUS: exactly the body on success, nothing else. */
	len = build(&m, SG_OP_STATUS, 5, 1, zero, sizeof(struct sg_body_status));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), -EBADMSG);
	len = build(&m, SG_OP_STATUS, 5, 0, zero, sizeof(struct sg_body_status) + 8);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), -EBADMSG);
	len = build(&m, SG_OP_STATUS, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_STATUS, &out), -EBADMSG);

	/* RELOAD: the body whatever the result, or no body with an error. */
	len = build(&m, SG_OP_RELOAD, 5, 1, &rb, sizeof(rb));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), -EBADMSG);
	len = build(&m, SG_OP_RELOAD, 5, 0, &rb, sizeof(rb) - 1);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), -EBADMSG);
	len = build(&m, SG_OP_RELOAD, 5, -EPERM, &rb, sizeof(rb) - 1);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), -EBADMSG);
	len = build(&m, SG_OP_RELOAD, 5, -EPERM, &rb, sizeof(rb));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_RELOAD, &out), 0);
}

/* Only the type asked for, or the daemon's unasked ones, are accepted. */
static void test_reply_types(void **state)
{
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	for (uint16_t t = SG_OP_ADD_SEALS; t <= SG_OP_MAX; t++) {
		/* The daemon's answer to a message that was no request. */
		len = build(&m, SG_MSG_INVALID, 5, -EOPNOTSUPP, NULL, 0);
		assert_int_equal(sg_reply_decode(m.b, len, t, &out), -EBADMSG);
		/* Nor a type the client does not know. */
		len = build(&m, SG_MSG_ERROR + 1, 5, -EPERM, NULL, 0);
		assert_int_equal(sg_reply_decode(m.b, len, t, &out), -EBADMSG);
		/* Nor another request's reply, in a form valid for that one. */
		len = build(&m, t == SG_OP_ADD_SEALS ? SG_OP_SUBSCRIBE : SG_OP_ADD_SEALS, 5, -EPERM, NULL, 0);
		assert_int_equal(sg_reply_decode(m.b, len, t, &out), -EBADMSG);
	}
	/* Asking for type 0 or an event type accepts no reply either. */
	len = build(&m, SG_MSG_INVALID, 5, -EBADMSG, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_MSG_INVALID, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_MSG_EVENT, &out), -EBADMSG);
	len = build(&m, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_MSG_EVENT, &out), 0);
}

/* Header rules as the client sees them. */
static void test_reply_header(void **state)
{
	struct sg_body_event ev = { .ev = { .op = SG_EV_WRITE } };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* Results: a value or -1..-4095, nothing below. */
	len = build(&m, SG_OP_SUBSCRIBE, 5, INT32_MIN, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_MSG_ERROR, 0, -4096, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_MSG_ERROR, 0, -4095, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), 0);
	/* Unasked messages carry seq 0, and flags are 0 in everything. */
	len = build(&m, SG_MSG_ERROR, 3, -EAGAIN, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
	m.h.flags = 0x80000000u;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_SUBSCRIBE, &out), -EBADMSG);
	len = build(&m, SG_MSG_EVENT, 0, 0, &ev, sizeof(ev));
	memcpy(m.b + len, "x", 1);
	m.h.size = (uint32_t)len + 1;
	assert_int_equal(sg_reply_decode(m.b, len + 1, SG_OP_SUBSCRIBE, &out), -EBADMSG);

	/* Shorter than a header. */
	len = build(&m, SG_OP_ADD_SEALS, 5, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, 0, SG_OP_ADD_SEALS, &out), -EBADMSG);
	assert_int_equal(sg_reply_decode(m.b, sizeof(m.h) - 1, SG_OP_ADD_SEALS, &out), -EBADMSG);
	/* size disagreeing with the length, either way. */
	m.h.size = (uint32_t)len + 1;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	m.h.size = (uint32_t)len - 1;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);
	m.h.size = 0;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EBADMSG);

	/* A daemon of another version: -EPROTO, whatever the length, as
	 * soon as magic and version are there; version 1 replies were 16
	 * bytes long. */
	len = build(&m, SG_OP_ADD_SEALS, 5, 0, NULL, 0);
	m.h.version = 1;
	assert_int_equal(sg_reply_decode(m.b, 16, SG_OP_ADD_SEALS, &out), -EPROTO);
	assert_int_equal(sg_reply_decode(m.b, offsetof(struct sg_msg_hdr, type), SG_OP_ADD_SEALS, &out), -EPROTO);
	assert_int_equal(sg_reply_decode(m.b, offsetof(struct sg_msg_hdr, type) - 1, SG_OP_ADD_SEALS, &out), -EBADMSG);
	assert_int_equal(sg_reply_decode(m.b, SG_MSG_MAX + 1, SG_OP_ADD_SEALS, &out), -EPROTO);
	m.h.version = SG_PROTO_VERSION + 1;
	m.h.type = SG_MSG_EVENT;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_ADD_SEALS, &out), -EPROTO);

	/* The header is copied out even from a reply that is refused. */
	len = build(&m, SG_OP_GET_SEALS, 77, 0, NULL, 0);
	m.h.flags = 1;
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_GET_SEALS, &out), -EBADMSG);
	assert_int_equal(out.seq, 77);
	assert_int_equal(out.flags, 1);
}

static void test_reply_list(void **state)
{
	unsigned char body[sizeof(struct sg_body_list) + 3 * sizeof(struct sg_list_entry)];
	struct sg_body_list *b = (struct sg_body_list *)body;
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	memset(body, 0, sizeof(body));
	b->count = 3;
	b->more = 1;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(body));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), 0);
	/* count must match the entries that came. */
	b->count = 2;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(body));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	b->count = 4;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(body));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	/* A count whose product overflows 32 bits must not wrap to a match. */
	b->count = 0x80000000u;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(struct sg_body_list));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	b->count = 3;
	b->more = 2;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(body));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	/* Empty, last page. */
	b->count = 0;
	b->more = 0;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(struct sg_body_list));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), 0);
	len = build(&m, SG_OP_LIST, 5, 0, body, 4);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	len = build(&m, SG_OP_LIST, 5, -EPERM, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), 0);
	/* An error has no entries; success is exactly 0. */
	len = build(&m, SG_OP_LIST, 5, -EPERM, body, sizeof(struct sg_body_list));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	len = build(&m, SG_OP_LIST, 5, 1, body, sizeof(struct sg_body_list));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	/* "more" with an empty page is allowed: the registry changed. */
	b->count = 0;
	b->more = 1;
	len = build(&m, SG_OP_LIST, 5, 0, body, sizeof(struct sg_body_list));
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), 0);
}

/* A full page is the largest LIST reply; one entry more is refused even
 * when count and size agree, and even though it fits in a message. */
static void test_reply_list_page(void **state)
{
	static union msg m;
	const size_t entry = sizeof(struct sg_list_entry);
	struct sg_body_list b = { .count = SG_LIST_PAGE, .more = 1 };
	struct sg_msg_hdr out;
	size_t len, body_len;

	body_len = sizeof(b) + SG_LIST_PAGE * entry;
	memset(&m, 0, sizeof(m));
	sg_hdr_init(&m.h, SG_OP_LIST, 5, 0, body_len);
	memcpy(m.b + sizeof(m.h), &b, sizeof(b));
	len = sizeof(m.h) + body_len;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), 0);

	b.count = SG_LIST_PAGE + 1;
	body_len += entry;
	assert_true(sizeof(m.h) + body_len <= SG_MSG_MAX);
	sg_hdr_init(&m.h, SG_OP_LIST, 5, 0, body_len);
	memcpy(m.b + sizeof(m.h), &b, sizeof(b));
	len = sizeof(m.h) + body_len;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The bytes of docs/protocol.md section 8, as sg_hdr_init() and the body
 * structs lay them out; a mismatch means the document or the format moved. */
static void test_worked_example(void **state)
{
	static const unsigned char add_req[] = {
		0x31, 0x44, 0x47, 0x53, 0x03, 0x00, 0x01, 0x00, 0x20, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const unsigned char add_ok[] = {
		0x31, 0x44, 0x47, 0x53, 0x03, 0x00, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const unsigned char add_busy[] = {
		0x31, 0x44, 0x47, 0x53, 0x03, 0x00, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00, 0xf0, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	};
	static const unsigned char busy[] = {
		0x31, 0x44, 0x47, 0x53, 0x03, 0x00, 0x01, 0x01, 0x18, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xf5, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	};
	static const unsigned char list_req[] = {
		0x31, 0x44, 0x47, 0x53, 0x03, 0x00, 0x04, 0x00, 0x30, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct sg_body_seals seals = { .seals = SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE };
	struct sg_body_list_req list = { .max = SG_LIST_PAGE };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	len = build(&m, SG_OP_ADD_SEALS, 1, 0, &seals, sizeof(seals));
	assert_int_equal(len, sizeof(add_req));
	assert_memory_equal(m.b, add_req, len);
	assert_int_equal(sg_request_decode(add_req, sizeof(add_req), 1, &out), 0);

	len = build(&m, SG_OP_ADD_SEALS, 1, 0, NULL, 0);
	assert_memory_equal(m.b, add_ok, sizeof(add_ok));
	assert_int_equal(sg_reply_decode(add_ok, sizeof(add_ok), SG_OP_ADD_SEALS, &out), 0);
	len = build(&m, SG_OP_ADD_SEALS, 1, -EBUSY, NULL, 0);
	assert_memory_equal(m.b, add_busy, sizeof(add_busy));
	assert_int_equal(sg_reply_decode(add_busy, sizeof(add_busy), SG_OP_ADD_SEALS, &out), 0);
	assert_int_equal(out.result, -16);
	len = build(&m, SG_MSG_ERROR, 0, -EAGAIN, NULL, 0);
	assert_memory_equal(m.b, busy, sizeof(busy));
	assert_int_equal(sg_reply_decode(busy, sizeof(busy), SG_OP_LIST, &out), 0);
	assert_int_equal(out.result, -11);

	len = build(&m, SG_OP_LIST, 2, 0, &list, sizeof(list));
	assert_int_equal(len, sizeof(list_req));
	assert_memory_equal(m.b, list_req, len);
	assert_int_equal(sg_request_decode(list_req, sizeof(list_req), 0, &out), 0);
}
#endif

/* LEFT_OUT (docs/protocol.md 3.8): the layout, the request's body, and a
 * reply page in every form the client must refuse. */
static void test_left_out_layout(void **state)
{
	assert_int_equal(sizeof(struct sg_body_left_out_req), 8);
	assert_int_equal(sizeof(struct sg_body_left_out), 16);
	assert_int_equal(sizeof(struct sg_left_out_entry), 880);
	assert_int_equal(offsetof(struct sg_left_out_entry, where), 64);
	assert_int_equal(offsetof(struct sg_left_out_entry, kind), 352);
	assert_int_equal(offsetof(struct sg_left_out_entry, missing), 356);
	assert_int_equal(offsetof(struct sg_left_out_entry, err), 360);
	assert_int_equal(offsetof(struct sg_left_out_entry, reason), 368);
	assert_int_equal(offsetof(struct sg_body_left_out, entries), 16);
	assert_int_equal(sg_request_body_size(SG_OP_LEFT_OUT), 8);
	assert_true(sizeof(struct sg_msg_hdr) + 16 + SG_LEFT_OUT_PAGE * 880 <= SG_MSG_MAX);
}

static void test_request_left_out(void **state)
{
	struct sg_body_left_out_req b = { .first = 0, .max = 1 };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	b.first = SG_KRULE_MAX - 1;
	b.max = SG_LEFT_OUT_PAGE;
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), 0);
	/* Past any policy, no entries, too many, flags, an fd, cut short. */
	b.first = SG_KRULE_MAX;
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	b.first = 0;
	b.max = 0;
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	b.max = SG_LEFT_OUT_PAGE + 1;
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	b.max = 1;
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	m.h.flags = SG_LIST_F_AFTER;
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, &b, sizeof(b) - 4);
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
	len = build(&m, SG_OP_LEFT_OUT, 1, 0, NULL, 0);
	assert_int_equal(sg_request_decode(m.b, len, 0, &out), -EBADMSG);
}

/* A page of n entries, each a valid left-out rule. */
static size_t left_out_page(union msg *m, uint32_t total, uint32_t n)
{
	static struct {
		struct sg_body_left_out b;
		struct sg_left_out_entry e[SG_LEFT_OUT_PAGE + 1];
	} page;

	memset(&page, 0, sizeof(page));
	page.b.generation = 3;
	page.b.total = total;
	page.b.count = n;
	for (uint32_t i = 0; i < n && i <= SG_LEFT_OUT_PAGE; i++) {
		snprintf(page.e[i].rule, sizeof(page.e[i].rule), "rule-%u", i);
		snprintf(page.e[i].where, sizeof(page.e[i].where), "/etc/sealguard/policies.d/a.yaml:%u:5", 3 + i);
		page.e[i].kind = 1 + i % 2;
		page.e[i].missing = SG_LO_EXE + i % 3;
		page.e[i].err = ENOENT;
		snprintf(page.e[i].reason, sizeof(page.e[i].reason), "exe /usr/bin/x%u: No such file or directory", i);
	}
	return build(m, SG_OP_LEFT_OUT, 9, 0, &page, sizeof(page.b) + n * sizeof(page.e[0]));
}

static struct sg_left_out_entry *entry(union msg *m, uint32_t i)
{
	return (struct sg_left_out_entry *)(m->b + sizeof(m->h) + sizeof(struct sg_body_left_out)) + i;
}

static void test_reply_left_out(void **state)
{
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* Good: none, some, a full page of more. */
	len = left_out_page(&m, 0, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), 0);
	len = left_out_page(&m, 3, 3);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), 0);
	len = left_out_page(&m, SG_KRULE_MAX, SG_LEFT_OUT_PAGE);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), 0);
	/* An error has no body; a non-admin's EPERM. */
	len = build(&m, SG_OP_LEFT_OUT, 9, -EPERM, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), 0);
	len = left_out_page(&m, 1, 1);
	m.h.result = -EPERM;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
	/* Success needs the page header; a positive result is no answer. */
	len = build(&m, SG_OP_LEFT_OUT, 9, 0, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
	len = left_out_page(&m, 1, 1);
	m.h.result = 1;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);

	/* Truncated: every length short of the whole, with size matching
	 * what arrived (else the header rule catches it first). */
	len = left_out_page(&m, 2, 2);
	for (size_t cut = sizeof(m.h) + 1; cut < len; cut += 37) {
		m.h.size = (uint32_t)cut;
		assert_int_equal(sg_reply_decode(m.b, cut, SG_OP_LEFT_OUT, &out), -EBADMSG);
	}
	/* Padded: one byte more than count entries. */
	len = left_out_page(&m, 2, 2);
	m.h.size = (uint32_t)len + 1;
	assert_int_equal(sg_reply_decode(m.b, len + 1, SG_OP_LEFT_OUT, &out), -EBADMSG);

	/* Counts: more than a page, more than the total, a total beyond any
	 * policy; the reserved field. */
	len = left_out_page(&m, SG_KRULE_MAX, SG_LEFT_OUT_PAGE + 1);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
	len = left_out_page(&m, 1, 2);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
	len = left_out_page(&m, SG_KRULE_MAX + 1, 1);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
	len = left_out_page(&m, 1, 1);
	((struct sg_body_left_out *)(m.b + sizeof(m.h)))->reserved = 1;
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);

	/* Entries: kind, what is missing, errno, reserved, strings without
	 * their NUL, an empty name; the second entry as much as the first. */
	for (int bad = 0; bad < 12; bad++) {
		struct sg_left_out_entry *e;

		len = left_out_page(&m, 2, 2);
		e = entry(&m, bad % 2);
		switch (bad / 2) {
		case 0: e->kind = bad % 2 ? 3 : 0; break;
		case 1: e->missing = bad % 2 ? SG_LO_CGROUP + 1 : 0; break;
		case 2: e->err = bad % 2 ? 4096 : 0; break;
		case 3: e->reserved = 1; break;
		case 4: memset(bad % 2 ? e->where : e->rule, 'x', bad % 2 ? sizeof(e->where) : sizeof(e->rule)); break;
		case 5:
			if (bad % 2)
				memset(e->reason, 'x', sizeof(e->reason));
			else
				e->rule[0] = '\0';
			break;
		}
		assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
	}
	/* Another request's reply, and the left-out reply to another request. */
	len = left_out_page(&m, 1, 1);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LIST, &out), -EBADMSG);
	len = build(&m, SG_OP_STATUS, 9, -EPERM, NULL, 0);
	assert_int_equal(sg_reply_decode(m.b, len, SG_OP_LEFT_OUT, &out), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_hdr_init),
		cmocka_unit_test(test_body_sizes),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_add_any_bits),
		cmocka_unit_test(test_request_header_rules),
		cmocka_unit_test(test_request_types),
		cmocka_unit_test(test_request_bodies),
		cmocka_unit_test(test_request_fd_counts),
		cmocka_unit_test(test_request_list),
		cmocka_unit_test(test_request_list_edges),
		cmocka_unit_test(test_request_partial_header),
		cmocka_unit_test(test_request_check_order),
		cmocka_unit_test(test_request_result),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_simple),
		cmocka_unit_test(test_reply_bodies),
		cmocka_unit_test(test_reply_types),
		cmocka_unit_test(test_reply_rules),
		cmocka_unit_test(test_reply_header),
		cmocka_unit_test(test_reply_unasked),
		cmocka_unit_test(test_reply_list),
		cmocka_unit_test(test_reply_list_page),
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_left_out_layout),
		cmocka_unit_test(test_request_left_out),
		cmocka_unit_test(test_reply_left_out),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
