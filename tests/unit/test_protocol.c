// SPDX-License-Identifier: LGPL-2.1-or-later
/* The wire format's layout and every rule of the two decoders. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"
#include "sealguard_abi.h"

/* Big enough for any message, aligned for the header. */
union msg {
	struct sg_msg_hdr h;
	unsigned char b[SG_MSG_MAX + 8];
};

static size_t build(union msg *m, uint16_t type, uint32_t seq, int32_t result, const void *body,
		    size_t body_len)
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

	switch (type) {
	case SG_OP_ADD_SEALS:
		return build(m, type, seq, 0, &seals, sizeof(seals));
	case SG_OP_LIST:
		return build(m, type, seq, 0, &list, sizeof(list));
	default:
		return build(m, type, seq, 0, zero, 0);
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
	assert_int_equal(sizeof(struct sg_body_event), 80 + SG_PATH_MAX);
	assert_int_equal(sizeof(struct sg_body_reload), 264);
	assert_int_equal(sizeof(struct sg_body_status), 168);
	/* A full LIST page fits in one message. */
	assert_true(sizeof(struct sg_msg_hdr) + sizeof(struct sg_body_list) +
			    SG_LIST_PAGE * sizeof(struct sg_list_entry) <= SG_MSG_MAX);
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
}

static void test_request_round_trip(void **state)
{
	static const struct { uint16_t type; int nfds; } ok[] = {
		{ SG_OP_ADD_SEALS, 1 }, { SG_OP_GET_SEALS, 1 }, { SG_OP_STATUS, 0 },
		{ SG_OP_LIST, 0 },      { SG_OP_SUBSCRIBE, 0 }, { SG_OP_RELOAD, 0 },
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
	struct sg_body_seals b = { .seals = SG_SEAL_GROW };
	union msg m;
	struct sg_msg_hdr out;
	size_t len;

	/* ADD without its body, with a longer one, with reserved set. */
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, NULL, 0);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, &b, sizeof(b) - 4);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	b.reserved = 1;
	len = build(&m, SG_OP_ADD_SEALS, 1, 0, &b, sizeof(b));
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);

	/* Bodies where none belongs. */
	len = build(&m, SG_OP_GET_SEALS, 1, 0, &b, 4);
	assert_int_equal(sg_request_decode(m.b, len, 1, &out), -EBADMSG);
	len = build(&m, SG_OP_SUBSCRIBE, 1, 0, &b, 8);
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
			assert_int_equal(sg_request_decode(m.b, len, nfds, &out),
					 nfds == fds_wanted(t) ? 0 : -EBADMSG);
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
		cmocka_unit_test(test_reply_simple),
		cmocka_unit_test(test_reply_rules),
		cmocka_unit_test(test_reply_unasked),
		cmocka_unit_test(test_reply_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
