// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's log: plain lines on stderr exactly as the VM tests grep
 * them, levels, and the choice of the journal, which must only be made
 * when fd 2 is the stream $JOURNAL_STREAM names.  No journald needed: no
 * line is sent while the journal is chosen.
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

#include "daemon/log.h"

static int saved_stderr = -1, capture_fd = -1;

/* fd 2 into a file, for the lines in between; cmocka reports on stderr,
 * so nothing is asserted until capture_end(). */
static void capture_begin(void)
{
	char tmpl[] = "/tmp/sg-test-log.XXXXXX";

	capture_fd = mkstemp(tmpl);
	assert_true(capture_fd >= 0);
	unlink(tmpl);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(capture_fd, STDERR_FILENO), STDERR_FILENO);
}

static void capture_end(char *buf, size_t len)
{
	ssize_t n;

	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	n = pread(capture_fd, buf, len - 1, 0);
	close(capture_fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

static int reset(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	sg_log_open();
	sg_log_set_max_level(LOG_INFO);
	return 0;
}

static void test_plain_line(void **state)
{
	struct sg_log_fields f = { .op = "sealed",
				   .seals = "write",
				   .path = "/tmp/x",
				   .ino = 12,
				   .dev_major = 0,
				   .dev_minor = 42,
				   .pid = 7,
				   .has_uid = true,
				   .uid = 0 };
	char out[512];

	(void)state;
	capture_begin();
	sg_log(LOG_INFO, "state: %u disk files sealed as recorded, %u left for later, %u gone", 4u, 0u, 0u);
	sg_log_fields(LOG_INFO, &f, "sealed %s on %s for pid %d uid %u cgroup %s%s%s", "write", "/tmp/x", 7, 0u, "/",
		      "", "");
	log_error("%s", "");
	capture_end(out, sizeof(out));
	/* No level, no fields: the lines are what fprintf printed before. */
	assert_string_equal(out, "sealguardd: state: 4 disk files sealed as recorded, 0 left for later, 0 gone\n"
				 "sealguardd: sealed write on /tmp/x for pid 7 uid 0 cgroup /\n"
				 "sealguardd: \n");
}

/* Around log.c's stack buffer (512) and far past it: never cut. */
static void test_long_line_whole(void **state)
{
	static const size_t lens[] = { 0, 506, 507, 508, 509, 510, 8191 };
	static char big[8192], out[8300], want[8300];

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(big, 'a', lens[i]);
		big[lens[i]] = '\0';
		capture_begin();
		log_warning("x %s y", big);
		capture_end(out, sizeof(out));
		snprintf(want, sizeof(want), "sealguardd: x %s y\n", big);
		assert_string_equal(out, want);
	}
}

static void test_levels(void **state)
{
	char out[512];

	(void)state;
	/* The default lets everything through that was printed without
	 * --verbose before levels existed. */
	assert_int_equal(sg_log_get_max_level(), LOG_INFO);
	capture_begin();
	log_error("e");
	log_warning("w");
	log_notice("n");
	log_info("i");
	log_debug("d");
	capture_end(out, sizeof(out));
	assert_string_equal(out, "sealguardd: e\nsealguardd: w\nsealguardd: n\nsealguardd: i\n");

	sg_log_set_max_level(LOG_DEBUG);
	capture_begin();
	log_info("i");
	log_debug("d");
	capture_end(out, sizeof(out));
	assert_string_equal(out, "sealguardd: i\nsealguardd: d\n");

	sg_log_set_max_level(LOG_WARNING);
	capture_begin();
	assert_int_equal(log_notice("n"), 0); /* dropped is not an error */
	log_warning("w");
	sg_log(LOG_ERR | LOG_DAEMON, "facility bits are ignored");
	capture_end(out, sizeof(out));
	assert_string_equal(out, "sealguardd: w\nsealguardd: facility bits are ignored\n");
	assert_false(sg_log_wants_fields(LOG_ERR)); /* stderr: no fields */
}

static void set_stream(const struct stat *st, const char *suffix)
{
	char v[96];

	snprintf(v, sizeof(v), "%llu:%llu%s", (unsigned long long)st->st_dev, (unsigned long long)st->st_ino, suffix);
	assert_int_equal(setenv("JOURNAL_STREAM", v, 1), 0);
}

static void test_journal_detection(void **state)
{
	static const char *const bad[] = { "", ":", "1:", ":1", "1", "1:2:3", " 1:2", "+1:2", "1:-2", "1:2 ", "x:y" };
	struct stat file_st, pipe_st;
	char tmpl[] = "/tmp/sg-test-log.XXXXXX";
	int file_fd, p[2], saved;
	bool file_match, file_unset, file_other, pipe_match, pipe_file, opened, opened_debug, after_unset;
	bool bad_seen = false;

	(void)state;
	file_fd = mkstemp(tmpl);
	assert_true(file_fd >= 0);
	unlink(tmpl);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fstat(file_fd, &file_st), 0);
	assert_int_equal(fstat(p[1], &pipe_st), 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);

	/* fd 2 a file: only its own DEV:INODE picks the journal. */
	assert_int_equal(dup2(file_fd, STDERR_FILENO), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	file_unset = sg_log_stderr_is_journal();
	set_stream(&file_st, "");
	file_match = sg_log_stderr_is_journal();
	/* As inherited from a shell whose stderr was another stream. */
	set_stream(&pipe_st, "");
	file_other = sg_log_stderr_is_journal();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("JOURNAL_STREAM", bad[i], 1);
		bad_seen |= sg_log_stderr_is_journal();
	}

	/* fd 2 a pipe, as journald's stream is a socket: the same rule. */
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	set_stream(&pipe_st, "");
	pipe_match = sg_log_stderr_is_journal();
	opened = (sg_log_open(), sg_log_wants_fields(LOG_INFO));
	opened_debug = sg_log_wants_fields(LOG_DEBUG); /* above the default level */
	set_stream(&file_st, "");
	pipe_file = sg_log_stderr_is_journal();
	unsetenv("JOURNAL_STREAM");
	after_unset = (sg_log_open(), sg_log_wants_fields(LOG_INFO));

	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(file_fd);
	close(p[0]);
	close(p[1]);
	assert_false(file_unset);
	assert_true(file_match);
	assert_false(file_other);
	assert_false(bad_seen);
	assert_true(pipe_match);
	assert_true(opened);
	assert_false(opened_debug);
	assert_false(pipe_file);
	assert_false(after_unset);
}

static void test_printable(void **state)
{
	char out[8];

	(void)state;
	sg_printable(out,
		     "a\nb\x7f"
		     "cdefgh",
		     sizeof(out));
	assert_string_equal(out, "a?b?cde");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_line, reset), cmocka_unit_test_setup(test_long_line_whole, reset),
		cmocka_unit_test_setup(test_levels, reset),	cmocka_unit_test_setup(test_journal_detection, reset),
		cmocka_unit_test_setup(test_printable, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
