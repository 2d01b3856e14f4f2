// SPDX-License-Identifier: GPL-2.0
/* What the daemon tells its service manager (user/daemon/notify.c), read
 * from a datagram socket bound as NOTIFY_SOCKET: the reload's start with
 * a MONOTONIC_USEC of this clock, its end with READY=1, ERRNO= and
 * STATUS=, and watchdog pings at half WATCHDOG_USEC (none without it, or
 * when WATCHDOG_PID names another process).  The daemon sending them
 * from its loop and signal handler: tests/vm/vm_notify.sh. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "daemon.h"
#include "notify.h"

static char dir[64], path[96];
static int sock = -1;

static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 2 };

	snprintf(dir, sizeof(dir), "/tmp/sg-notify.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setenv("NOTIFY_SOCKET", path, 1);
	return 0;
}

static int teardown(void **state)
{
	close(sock);
	unlink(path);
	return rmdir(dir);
}

/* The next datagram, "" after 2 s without one. */
static const char *next_msg(void)
{
	static char buf[4096];
	ssize_t n = recv(sock, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Nothing waiting. */
static bool quiet(void)
{
	char c;

	return recv(sock, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static void test_reloading(void **state)
{
	unsigned long long us;
	int64_t before = now_ns() / 1000, after;
	const char *m;

	sg_notify_reloading();
	after = now_ns() / 1000;
	m = next_msg();
	assert_int_equal(sscanf(m, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading the policy", &us), 1);
	assert_true((int64_t)us >= before && (int64_t)us <= after);
	assert_true(quiet());
}

static void test_reloaded(void **state)
{
	struct sg_daemon *d = calloc(1, sizeof(*d));

	d->policy_generation = 7;
	sg_notify_reloaded(d, 0, "3 rules from 1 files in /etc/sealguard/policies.d");
	assert_string_equal(next_msg(), "READY=1\nERRNO=0\nSTATUS=policy generation 7");
	sg_notify_reloaded(d, -EINVAL, "/etc/sealguard/policies.d/a.yaml:4:7: unknown seal 'wrte'");
	assert_string_equal(next_msg(), "READY=1\nERRNO=22\nSTATUS=policy generation 7 in force; reload refused: "
					"/etc/sealguard/policies.d/a.yaml:4:7: unknown seal 'wrte'");
	assert_true(quiet());
	free(d);
}

static void test_watchdog(void **state)
{
	struct sg_daemon *d = calloc(1, sizeof(*d));
	char pid[16];
	int next;

	/* No WATCHDOG_USEC: no pings, no deadline for the loop. */
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	sg_watchdog_init(d);
	assert_int_equal(sg_watchdog_tick(d), -1);
	assert_true(quiet());

	/* Another process's watchdog is not ours. */
	setenv("WATCHDOG_USEC", "400000", 1);
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	sg_watchdog_init(d);
	assert_int_equal(sg_watchdog_tick(d), -1);

	/* 400 ms: a ping at once, then every 200 ms, none in between. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	sg_watchdog_init(d);
	assert_int_equal(d->watchdog_ms, 200);
	next = sg_watchdog_tick(d);
	assert_string_equal(next_msg(), "WATCHDOG=1");
	assert_true(next > 150 && next <= 200);
	next = sg_watchdog_tick(d);
	assert_true(next > 0 && next <= 200);
	assert_true(quiet());
	usleep((unsigned int)next * 1000 + 1000);
	next = sg_watchdog_tick(d);
	assert_string_equal(next_msg(), "WATCHDOG=1");
	assert_true(next > 150 && next <= 200);
	assert_true(quiet());
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reloading),
		cmocka_unit_test(test_reloaded),
		cmocka_unit_test(test_watchdog),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
