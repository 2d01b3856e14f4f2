// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/lsm_list.h"

static void test_has(void **state)
{
	(void)state;
	assert_true(sg_lsm_list_has("lockdown,capability,landlock,yama,apparmor,tomoyo,bpf", "bpf"));
	assert_true(sg_lsm_list_has("bpf", "bpf"));
	assert_true(sg_lsm_list_has("bpf,selinux", "bpf"));
	/* Names are whole items, never prefixes or suffixes. */
	assert_false(sg_lsm_list_has("capability,bpfx", "bpf"));
	assert_false(sg_lsm_list_has("xbpf,yama", "bpf"));
	assert_false(sg_lsm_list_has("", "bpf"));
	assert_false(sg_lsm_list_has("lockdown,capability", "bpf"));
}

static void test_sentence(void **state)
{
	char why[512];

	(void)state;
	sg_lsm_missing_sentence("lockdown,capability,apparmor", why, sizeof(why));
	assert_non_null(strstr(why, "active LSMs: lockdown,capability,apparmor"));
	assert_non_null(strstr(why, "lsm=lockdown,capability,apparmor,bpf"));
	sg_lsm_missing_sentence("", why, sizeof(why));
	assert_non_null(strstr(why, "active LSMs: none"));
	assert_non_null(strstr(why, "lsm=bpf "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_has),
		cmocka_unit_test(test_sentence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
