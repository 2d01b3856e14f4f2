// SPDX-License-Identifier: GPL-2.0
/*
 * The state database's failure modes, which must each leave the daemon
 * running without it: missing (created, directory 0700), corrupt, newer
 * schema, unreachable.  The restore path needs the kernel (vm_evict.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "daemon/log.h"
#include "daemon/registry.h"
#include "daemon/seal_ops.h"
#include "daemon/state_db.h"

/* What state_db.c calls beyond the database: no kernel here. */
int sg_seal_add(struct sg_daemon *d, int fd, unsigned int seals)
{
	(void)d;
	(void)fd;
	(void)seals;
	return -ENOSYS;
}
int sg_seal_get(struct sg_daemon *d, int fd)
{
	(void)d;
	(void)fd;
	return -ENOSYS;
}
int sg_seal_fence(struct sg_daemon *d, int fd, unsigned int seals, uid_t uid, const struct sg_fence_reply *reply)
{
	(void)d;
	(void)fd;
	(void)seals;
	(void)uid;
	(void)reply;
	return 0;
}
int sg_registry_record_as(struct sg_daemon *d, int fd, const struct sg_peer *peer, unsigned int seals, const char *hint)
{
	(void)d;
	(void)fd;
	(void)peer;
	(void)seals;
	(void)hint;
	return -ENOSYS;
}

static char dir[] = "/tmp/sg-test-state.XXXXXX";
static char path[256];

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/state.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int user_version(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_missing_created(void **state)
{
	struct sg_daemon d = { .state_path = path };
	char why[512];
	struct stat st;

	(void)state;
	assert_int_equal(sg_state_open(&d, why, sizeof(why)), 0);
	assert_non_null(d.state_db);
	assert_non_null(strstr(why, "(schema 1)"));
	sg_state_close(&d);
	assert_int_equal(stat(path, &st), 0);
	*strrchr(path, '/') = '\0';
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	strcat(path, "/state.db");
	assert_int_equal(user_version(), SG_STATE_SCHEMA);
	/* Opening again keeps it as it is. */
	assert_int_equal(sg_state_open(&d, why, sizeof(why)), 0);
	sg_state_close(&d);
	assert_int_equal(user_version(), SG_STATE_SCHEMA);
}

static void test_corrupt(void **state)
{
	struct sg_daemon d = { .state_path = path };
	char why[512];
	FILE *f;

	(void)state;
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	assert_true(sg_state_open(&d, why, sizeof(why)) < 0);
	assert_null(d.state_db);
	assert_non_null(strstr(why, path));
	assert_non_null(strstr(why, "file is not a database"));
	assert_non_null(strstr(why, "the pinned state stays in force"));
	/* Left as it was, for the operator to look at. */
	sg_state_restore(&d);
	assert_int_equal(unlink(path), 0);
}

static void test_newer(void **state)
{
	struct sg_daemon d = { .state_path = path };
	char why[512];
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=7", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(sg_state_open(&d, why, sizeof(why)), -EPROTO);
	assert_null(d.state_db);
	assert_non_null(strstr(why, "schema version 7 is newer than this sealguardd's (1)"));
	assert_int_equal(user_version(), 7);
	assert_int_equal(unlink(path), 0);
}

static void test_unreachable(void **state)
{
	struct sg_daemon d = { .state_path = "/proc/self/no/state.db" };
	char why[512];

	(void)state;
	assert_true(sg_state_open(&d, why, sizeof(why)) < 0);
	assert_null(d.state_db);
	assert_non_null(strstr(why, "state database /proc/self/no/state.db: cannot make its directory"));
}

static void test_none(void **state)
{
	struct sg_daemon d = { .state_path = "" };
	char why[512] = "";

	(void)state;
	assert_int_equal(sg_state_open(&d, why, sizeof(why)), 0);
	assert_null(d.state_db);
	assert_int_equal(sg_state_save(&d, NULL, 8), 0);
	sg_state_restore(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_created), cmocka_unit_test(test_corrupt), cmocka_unit_test(test_newer),
		cmocka_unit_test(test_unreachable),	cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
