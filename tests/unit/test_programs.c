// SPDX-License-Identifier: GPL-2.0
/*
 * The program table (bpf/sg_programs.def) against the objects built from
 * it or beside it: sealguard's and the benchmark's floor hold exactly the
 * table's programs, by name and section.  A program added to
 * bpf/sealguard.bpf.c without its line fails here.  Opening an object
 * needs no privileges and no BPF LSM; nothing is loaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"
#include "kernel_check.h"
#include "sealguard.skel.h"

static const struct {
	const char *name;
	const char *sec;
	bool detachable;
	bool write_exit;
} table[] = {
#define SG_PROG(name, sec, load_if, detachable, write_exit) { #name, sec, detachable, write_exit },
#include "sg_programs.def"
};
#define NTABLE (sizeof(table) / sizeof(table[0]))

static int table_index(const char *name)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (strcmp(table[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Every program of obj is in the table with its section, and every line
 * of the table is a program of obj. */
static void check_object(struct bpf_object *obj, const char *what)
{
	bool seen[NTABLE] = { false };
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		int i = table_index(bpf_program__name(prog));

		if (i < 0)
			fail_msg("%s: program %s is not in bpf/sg_programs.def", what, bpf_program__name(prog));
		if (strcmp(bpf_program__section_name(prog), table[i].sec) != 0)
			fail_msg("%s: program %s is in section %s, bpf/sg_programs.def says %s", what, table[i].name,
				 bpf_program__section_name(prog), table[i].sec);
		assert_false(seen[i]);
		seen[i] = true;
	}
	for (size_t i = 0; i < NTABLE; i++)
		if (!seen[i])
			fail_msg("%s: bpf/sg_programs.def names %s, which it does not have", what, table[i].name);
}

static void test_sealguard(void **state)
{
	struct sealguard_bpf *skel = sealguard_bpf__open();

	(void)state;
	assert_non_null(skel);
	check_object(skel->obj, "bpf/sealguard.bpf.c");
	sealguard_bpf__destroy(skel);
}

static void test_floor(void **state)
{
	struct floor_bpf *skel = floor_bpf__open();

	(void)state;
	assert_non_null(skel);
	check_object(skel->obj, "bench/floor.bpf.c");
	floor_bpf__destroy(skel);
}

static void test_detachable(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTABLE; i++)
		assert_int_equal(sg_kernel_prog_detachable(table[i].name), table[i].detachable);
	assert_false(sg_kernel_prog_detachable("sg_no_such_program"));
}

/* Write exit i (in table order) loads exactly when bit i of write_exits
 * is set: each bit alone, on a kernel with every other feature. */
static void test_write_exits(void **state)
{
	struct sg_kernel_features f;
	unsigned int nexits = 0;

	(void)state;
	for (size_t i = 0; i < NTABLE; i++) {
		/* The kernel check looks up the call after "fexit/". */
		if (table[i].write_exit)
			assert_int_equal(strncmp(table[i].sec, "fexit/", 6), 0);
		nexits += table[i].write_exit;
	}
	assert_true(nexits > 0);
	for (unsigned int bit = 0; bit <= nexits; bit++) {
		struct sealguard_bpf *skel = sealguard_bpf__open();
		unsigned int n = 0;

		assert_non_null(skel);
		memset(&f, 0, sizeof(f));
		f.has_vfs_writev = f.has_aio_write = f.has_io_write = f.has_task_storage = 1;
		f.write_exits = bit < nexits ? 1u << bit : 0;
		sg_kernel_select_programs(skel, &f);
		for (size_t i = 0; i < NTABLE; i++) {
			struct bpf_program *prog;

			if (!table[i].write_exit)
				continue;
			prog = bpf_object__find_program_by_name(skel->obj, table[i].name);
			assert_non_null(prog);
			assert_int_equal(bpf_program__autoload(prog), n == bit);
			n++;
		}
		sealguard_bpf__destroy(skel);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sealguard),
		cmocka_unit_test(test_floor),
		cmocka_unit_test(test_detachable),
		cmocka_unit_test(test_write_exits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
