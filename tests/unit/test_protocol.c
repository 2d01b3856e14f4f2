// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol.h"
#include "sealguard_abi.h"

/* The wire format is fixed; a layout change is a protocol version bump. */
static void test_layout(void **state)
{
	assert_int_equal(sizeof(struct sg_request), 16);
	assert_int_equal(offsetof(struct sg_request, op), 6);
	assert_int_equal(offsetof(struct sg_request, seals), 8);
	assert_int_equal(sizeof(struct sg_reply), 16);
	assert_int_equal(offsetof(struct sg_reply, result), 8);
}

static void test_request_init(void **state)
{
	struct sg_request req;

	memset(&req, 0xa5, sizeof(req));
	sg_request_init(&req, SG_OP_ADD_SEALS, SG_SEAL_WRITE);
	assert_int_equal(req.magic, SG_PROTO_MAGIC);
	assert_int_equal(req.version, SG_PROTO_VERSION);
	assert_int_equal(req.op, SG_OP_ADD_SEALS);
	assert_int_equal(req.seals, SG_SEAL_WRITE);
	assert_int_equal(req.reserved, 0);
}

static void request_round_trip(enum sg_op op, uint32_t seals)
{
	struct sg_request req, out;

	sg_request_init(&req, op, seals);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), 0);
	assert_memory_equal(&req, &out, sizeof(req));
}

static void test_request_round_trip(void **state)
{
	request_round_trip(SG_OP_ADD_SEALS, SG_SEAL_SHRINK | SG_SEAL_GROW);
	request_round_trip(SG_OP_ADD_SEALS, SG_SEAL_ALL);
	request_round_trip(SG_OP_ADD_SEALS, 0);
	/* Unknown bits are the daemon's EINVAL, after its fd checks. */
	request_round_trip(SG_OP_ADD_SEALS, 0x40);
	request_round_trip(SG_OP_ADD_SEALS, UINT32_MAX);
	request_round_trip(SG_OP_GET_SEALS, 0);
}

static void test_request_rejects(void **state)
{
	unsigned char big[sizeof(struct sg_request) + 1];
	struct sg_request req, out;

	sg_request_init(&req, SG_OP_ADD_SEALS, SG_SEAL_WRITE);

	/* Wrong length: short, empty, long. */
	assert_int_equal(sg_request_decode(&req, sizeof(req) - 1, &out), -EBADMSG);
	assert_int_equal(sg_request_decode(&req, 0, &out), -EBADMSG);
	memset(big, 0, sizeof(big));
	memcpy(big, &req, sizeof(req));
	assert_int_equal(sg_request_decode(big, sizeof(big), &out), -EBADMSG);

	req.magic = SG_PROTO_MAGIC ^ 1;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EBADMSG);

	sg_request_init(&req, SG_OP_ADD_SEALS, SG_SEAL_WRITE);
	req.version = SG_PROTO_VERSION + 1;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EPROTO);
	req.version = 0;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EPROTO);

	sg_request_init(&req, SG_OP_ADD_SEALS, SG_SEAL_WRITE);
	req.reserved = 1;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EBADMSG);

	sg_request_init(&req, SG_OP_ADD_SEALS, SG_SEAL_WRITE);
	req.op = 0;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EOPNOTSUPP);
	req.op = 3;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EOPNOTSUPP);
	req.op = UINT16_MAX;
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EOPNOTSUPP);

	/* GET carries no seals. */
	sg_request_init(&req, SG_OP_GET_SEALS, SG_SEAL_WRITE);
	assert_int_equal(sg_request_decode(&req, sizeof(req), &out), -EBADMSG);
}

static void reply_round_trip(uint16_t op, int32_t result)
{
	struct sg_reply rep, out;

	sg_reply_init(&rep, op, result);
	assert_int_equal(rep.magic, SG_PROTO_MAGIC);
	assert_int_equal(rep.version, SG_PROTO_VERSION);
	assert_int_equal(rep.reserved, 0);
	memset(&out, 0xa5, sizeof(out));
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), op, &out), 0);
	assert_memory_equal(&rep, &out, sizeof(rep));
	assert_int_equal(out.result, result);
}

static void test_reply_round_trip(void **state)
{
	reply_round_trip(SG_OP_ADD_SEALS, 0);
	reply_round_trip(SG_OP_ADD_SEALS, -EBUSY);
	reply_round_trip(SG_OP_ADD_SEALS, -EPERM);
	reply_round_trip(SG_OP_GET_SEALS, SG_SEAL_GROW | SG_SEAL_WRITE);
	reply_round_trip(SG_OP_GET_SEALS, -EINVAL);
	/* The largest errno the kernel's IS_ERR_VALUE range allows. */
	reply_round_trip(SG_OP_GET_SEALS, -4095);
	reply_round_trip(SG_OP_GET_SEALS, INT32_MAX);
}

static void test_reply_rejects(void **state)
{
	unsigned char big[sizeof(struct sg_reply) + 1];
	struct sg_reply rep, out;

	sg_reply_init(&rep, SG_OP_GET_SEALS, 0);

	assert_int_equal(sg_reply_decode(&rep, sizeof(rep) - 1, SG_OP_GET_SEALS, &out), -EBADMSG);
	assert_int_equal(sg_reply_decode(&rep, 0, SG_OP_GET_SEALS, &out), -EBADMSG);
	memset(big, 0, sizeof(big));
	memcpy(big, &rep, sizeof(rep));
	assert_int_equal(sg_reply_decode(big, sizeof(big), SG_OP_GET_SEALS, &out), -EBADMSG);

	rep.magic = 0;
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_GET_SEALS, &out), -EBADMSG);

	sg_reply_init(&rep, SG_OP_GET_SEALS, 0);
	rep.version = SG_PROTO_VERSION + 1;
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_GET_SEALS, &out), -EPROTO);

	sg_reply_init(&rep, SG_OP_GET_SEALS, 0);
	rep.reserved = 0x80000000u;
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_GET_SEALS, &out), -EBADMSG);

	/* A reply to another request than the one asked. */
	sg_reply_init(&rep, SG_OP_ADD_SEALS, 0);
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_GET_SEALS, &out), -EBADMSG);
	sg_reply_init(&rep, SG_OP_GET_SEALS, 0);
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_ADD_SEALS, &out), -EBADMSG);

	/* Not an errno: would turn into a nonsense errno on the client. */
	sg_reply_init(&rep, SG_OP_ADD_SEALS, -4096);
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_ADD_SEALS, &out), -EBADMSG);
	sg_reply_init(&rep, SG_OP_ADD_SEALS, INT32_MIN);
	assert_int_equal(sg_reply_decode(&rep, sizeof(rep), SG_OP_ADD_SEALS, &out), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_request_init),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_rejects),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
