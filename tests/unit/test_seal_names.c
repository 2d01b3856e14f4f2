// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "seal_names.h"
#include "sealguard_abi.h"

static unsigned int parse_ok(const char *s)
{
	unsigned int seals = 0xdead;

	assert_int_equal(sg_seals_parse(s, &seals, NULL, NULL), 0);
	return seals;
}

/* Expect error r, blaming the bad_len bytes at s + bad_off. */
static void parse_bad(const char *s, int r, size_t bad_off, size_t bad_len)
{
	unsigned int seals = 0xdead;
	const char *bad = NULL;
	size_t badlen = 12345;

	assert_int_equal(sg_seals_parse(s, &seals, &bad, &badlen), r);
	assert_ptr_equal(bad, s + bad_off);
	assert_int_equal(badlen, bad_len);
	/* The output is left alone on error. */
	assert_int_equal(seals, 0xdead);
	/* And the out-params are optional. */
	assert_int_equal(sg_seals_parse(s, &seals, NULL, NULL), r);
}

static void test_parse_names(void **state)
{
	assert_int_equal(parse_ok("seal"), SG_SEAL_SEAL);
	assert_int_equal(parse_ok("shrink"), SG_SEAL_SHRINK);
	assert_int_equal(parse_ok("grow"), SG_SEAL_GROW);
	assert_int_equal(parse_ok("write"), SG_SEAL_WRITE);
	assert_int_equal(parse_ok("future-write"), SG_SEAL_FUTURE_WRITE);
	assert_int_equal(parse_ok("exec"), SG_SEAL_EXEC);
	assert_int_equal(parse_ok("shrink,grow,write"), SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE);
	assert_int_equal(parse_ok("seal,shrink,grow,write,future-write,exec"), SG_SEAL_ALL);
	assert_int_equal(parse_ok("exec,seal"), SG_SEAL_EXEC | SG_SEAL_SEAL);
	/* Duplicates are harmless. */
	assert_int_equal(parse_ok("write,write,grow,write"), SG_SEAL_WRITE | SG_SEAL_GROW);
}

static void test_parse_numbers(void **state)
{
	assert_int_equal(parse_ok("0"), 0);
	assert_int_equal(parse_ok("24"), 0x18);
	assert_int_equal(parse_ok("0x18"), 0x18);
	assert_int_equal(parse_ok("0X18"), 0x18);
	assert_int_equal(parse_ok("0x3f"), SG_SEAL_ALL);
	assert_int_equal(parse_ok("0x3F"), SG_SEAL_ALL);
	assert_int_equal(parse_ok("63"), SG_SEAL_ALL);
	assert_int_equal(parse_ok("0x0"), 0);
	assert_int_equal(parse_ok("0x0001"), SG_SEAL_SEAL);
	/* Numbers and names mix. */
	assert_int_equal(parse_ok("write,0x2"), SG_SEAL_WRITE | SG_SEAL_SHRINK);

	parse_bad("64", -ERANGE, 0, 2);
	parse_bad("0x40", -ERANGE, 0, 4);
	parse_bad("write,0xffffffffffffffffff", -ERANGE, 6, 20);
	parse_bad("99999999999999999999999", -ERANGE, 0, 23);
	/* Not numbers at all: no octal, no sign, no blanks, no empty hex. */
	parse_bad("010", -EINVAL, 0, 3);
	parse_bad("00", -EINVAL, 0, 2);
	parse_bad("0x", -EINVAL, 0, 2);
	parse_bad("0x1g", -EINVAL, 0, 4);
	parse_bad("0xfffffffffg", -EINVAL, 0, 12);
	parse_bad("1a", -EINVAL, 0, 2);
	parse_bad("-1", -EINVAL, 0, 2);
	parse_bad("+1", -EINVAL, 0, 2);
	parse_bad(" 1", -EINVAL, 0, 2);
	parse_bad("1 ", -EINVAL, 0, 2);
}

static void test_parse_rejects(void **state)
{
	parse_bad("wrte", -EINVAL, 0, 4);
	parse_bad("shrink,wrte", -EINVAL, 7, 4);
	parse_bad("shrink,wrte,grow", -EINVAL, 7, 4);
	/* Case-sensitive; '_' is not '-'; no "all". */
	parse_bad("WRITE", -EINVAL, 0, 5);
	parse_bad("Write", -EINVAL, 0, 5);
	parse_bad("future_write", -EINVAL, 0, 12);
	parse_bad("all", -EINVAL, 0, 3);
	parse_bad("none", -EINVAL, 0, 4);
	/* Prefixes and extensions of a name are not the name. */
	parse_bad("writ", -EINVAL, 0, 4);
	parse_bad("writes", -EINVAL, 0, 6);
	parse_bad("write ", -EINVAL, 0, 6);
	parse_bad(" write", -EINVAL, 0, 6);
	parse_bad("grow;write", -EINVAL, 0, 10);
	/* Empty items, wherever they are. */
	parse_bad("", -EINVAL, 0, 0);
	parse_bad(",", -EINVAL, 0, 0);
	parse_bad(",write", -EINVAL, 0, 0);
	parse_bad("write,", -EINVAL, 6, 0);
	parse_bad("write,,grow", -EINVAL, 6, 0);
	/* The first bad item is the one reported. */
	parse_bad("grow,bad1,bad2", -EINVAL, 5, 4);
}

static void format_is(unsigned int seals, const char *want)
{
	char buf[SG_SEALS_FORMAT_MAX];

	assert_int_equal(sg_seals_format(seals, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_format(void **state)
{
	format_is(0, "none");
	format_is(SG_SEAL_SEAL, "seal");
	format_is(SG_SEAL_SHRINK, "shrink");
	format_is(SG_SEAL_GROW, "grow");
	format_is(SG_SEAL_WRITE, "write");
	format_is(SG_SEAL_FUTURE_WRITE, "future-write");
	format_is(SG_SEAL_EXEC, "exec");
	format_is(SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE, "shrink,grow,write");
	format_is(SG_SEAL_ALL, "seal,shrink,grow,write,future-write,exec");
	format_is(SG_SEAL_WRITE | 0x40, "write,0x40");
	format_is(0x40, "0x40");
	format_is(0xc0 | SG_SEAL_SEAL, "seal,0xc0");
	format_is(~0u, "seal,shrink,grow,write,future-write,exec,0xffffffc0");
}

static void test_format_space(void **state)
{
	const char *want = "shrink,grow,write";
	unsigned int seals = SG_SEAL_SHRINK | SG_SEAL_GROW | SG_SEAL_WRITE;
	char buf[64];

	/* Exactly enough, NUL included. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(sg_seals_format(seals, buf, strlen(want) + 1), (int)strlen(want));
	assert_string_equal(buf, want);

	/* One byte short, at every point of the string: never a partial list. */
	for (size_t len = 1; len <= strlen(want); len++) {
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(sg_seals_format(seals, buf, len), -ENOSPC);
		assert_string_equal(buf, "");
		assert_int_equal(buf[len], 'x');
	}

	assert_int_equal(sg_seals_format(0, buf, 4), -ENOSPC);
	assert_int_equal(sg_seals_format(0, buf, 5), 4);
	assert_int_equal(sg_seals_format(0x40 | SG_SEAL_WRITE, buf, 10), -ENOSPC);
	assert_int_equal(sg_seals_format(0x40 | SG_SEAL_WRITE, buf, 11), 10);
	/* A zero-sized buffer is not written at all. */
	buf[0] = 'x';
	assert_int_equal(sg_seals_format(SG_SEAL_SEAL, buf, 0), -ENOSPC);
	assert_int_equal(buf[0], 'x');
}

static void test_round_trip(void **state)
{
	char buf[SG_SEALS_FORMAT_MAX];

	for (unsigned int seals = 1; seals <= SG_SEAL_ALL; seals++) {
		assert_true(sg_seals_format(seals, buf, sizeof(buf)) > 0);
		assert_int_equal(parse_ok(buf), seals);
	}
}

static void test_seal_name(void **state)
{
	assert_string_equal(sg_seal_name(SG_SEAL_FUTURE_WRITE), "future-write");
	assert_null(sg_seal_name(0));
	assert_null(sg_seal_name(0x40));
	assert_null(sg_seal_name(SG_SEAL_WRITE | SG_SEAL_GROW));
}

/* Names of refused operations, indexed by enum sg_event_op: the daemon's
 * log, sealctl and sg_denied_op_name() all print these. */
static void test_op_name(void **state)
{
	assert_string_equal(sg_op_name(SG_EV_WRITE), "write");
	assert_string_equal(sg_op_name(SG_EV_FALLOCATE), "fallocate");
	assert_string_equal(sg_op_name(SG_EV_MMAP), "mmap");
	assert_string_equal(sg_op_name(SG_EV_MPROTECT), "mprotect");
	assert_string_equal(sg_op_name(SG_EV_TRUNCATE), "truncate");
	assert_string_equal(sg_op_name(SG_EV_CHMOD), "chmod");
	assert_string_equal(sg_op_name(SG_EV_TAMPER), "tamper");
	/* A value from a newer kernel side is printable, never NULL. */
	assert_string_equal(sg_op_name(SG_EV_OP_COUNT), "?");
	assert_string_equal(sg_op_name(SG_EV_REQUEST), "request"); /* daemon-side */
	assert_string_equal(sg_op_name(SG_EV_REGISTRY_FULL), "registry-full");
	assert_string_equal(sg_op_name(SG_EV_AUDIT_SEAL), "seal"); /* audit events */
	assert_string_equal(sg_op_name(0x103), "?");
	assert_string_equal(sg_op_name(~0u), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names),   cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_rejects), cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_space),  cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_seal_name),     cmocka_unit_test(test_op_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
