// SPDX-License-Identifier: GPL-2.0
/*
 * libsealguard across daemon restarts: a client connected before the
 * daemon stops (SIGTERM, then SIGKILL) keeps using the same connection
 * object afterwards, the cached connection of sg_add_seals() too; while
 * no daemon runs, calls fail with a "no daemon" errno and seals hold;
 * a subscriber learns the daemon went away.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealguard.h"
#include "sealguard_abi.h"
#include "vmtest.h"

static const char *sock;

static pid_t daemon_pid(struct sg_conn *c)
{
	struct sg_status st;

	return sg_status(c, &st) == 0 ? (pid_t)st.daemon_pid : -1;
}

/* Whether pid has exited: gone, or a zombie its parent (guest.sh, or
 * we after an earlier restart) has not reaped yet. */
static int exited(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	int n;

	waitpid(pid, NULL, WNOHANG); /* ours if we started it */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	n = (int)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n > 0 ? n : 0] = '\0';
	p = strrchr(buf, ')'); /* the state follows the comm, which may hold spaces */
	return p && p[1] == ' ' && p[2] == 'Z';
}

static int wait_gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		if (exited(pid))
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

/* Starts sealguardd as guest.sh does and tells guest.sh its pid. */
static pid_t start_daemon(void)
{
	char exe[PATH_MAX], bin[PATH_MAX + 32];
	const char *pidfile = getenv("SG_DAEMON_PIDFILE");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	pid_t pid;
	struct stat st;
	FILE *f;

	if (n < 0)
		return -1;
	exe[n] = '\0';
	snprintf(bin, sizeof(bin), "%s/../../user/sealguardd", dirname(exe));
	pid = fork();
	if (pid == 0) {
		int log = open("/tmp/vm_reconnect.daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		setsid(); /* outlives us, like the daemon guest.sh started */
		execl(bin, "sealguardd", "--socket", sock, (char *)NULL);
		_exit(127);
	}
	if (pid < 0)
		return -1;
	if (pidfile && (f = fopen(pidfile, "w"))) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	for (int i = 0; i < 300; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(100000);
	}
	return -1;
}

static void restart(const char *how, int sig, struct sg_conn *c, struct sg_conn *sub, int fd, int fd2)
{
	char t[128];
	struct sg_event_info ev;
	pid_t old = daemon_pid(c), new;
	int r;

	snprintf(t, sizeof(t), "reconnect/%s/stopped", how);
	if (old <= 0 || kill(old, sig) < 0 || wait_gone(old) < 0) {
		vmtest_fail(t, "could not stop the daemon (pid %d): %s", (int)old, strerror(errno));
		return;
	}
	vmtest_pass(t);

	snprintf(t, sizeof(t), "reconnect/%s/subscriber-told", how);
	r = sg_next_event(sub, &ev, 3000);
	if (r == -1 && errno == ECONNRESET)
		vmtest_pass(t);
	else
		vmtest_fail(t, "sg_next_event: %d (%s), expected -1 ECONNRESET", r, strerror(errno));

	snprintf(t, sizeof(t), "reconnect/%s/no-daemon-errno", how);
	unlink(sock); /* SIGKILL leaves the socket file behind */
	r = sg_conn_get_seals(c, fd);
	if (r == -1 && (errno == ENOENT || errno == ECONNREFUSED))
		vmtest_pass(t);
	else
		vmtest_fail(t, "sg_conn_get_seals without a daemon: %d (%s)", r, strerror(errno));

	snprintf(t, sizeof(t), "reconnect/%s/seal-held-while-down", how);
	if (pwrite(fd, "x", 1, 1 << 20) == -1 && errno == EPERM)
		vmtest_pass(t);
	else
		vmtest_fail(t, "a growing write was not refused with EPERM: %s", strerror(errno));

	snprintf(t, sizeof(t), "reconnect/%s/restarted", how);
	new = start_daemon();
	if (new < 0) {
		vmtest_fail(t, "sealguardd did not come back (see /tmp/vm_reconnect.daemon.log)");
		return;
	}
	vmtest_pass(t);

	snprintf(t, sizeof(t), "reconnect/%s/same-connection", how);
	r = sg_conn_get_seals(c, fd);
	if (r == SG_SEAL_GROW)
		vmtest_pass(t);
	else
		vmtest_fail(t, "sg_conn_get_seals after the restart: %d (%s), expected %d", r,
			    r < 0 ? strerror(errno) : "-", SG_SEAL_GROW);

	snprintf(t, sizeof(t), "reconnect/%s/cached-connection", how);
	r = sg_get_seals(fd2);
	if (r == SG_SEAL_SHRINK)
		vmtest_pass(t);
	else
		vmtest_fail(t, "sg_get_seals after the restart: %d (%s), expected %d", r, r < 0 ? strerror(errno) : "-",
			    SG_SEAL_SHRINK);

	snprintf(t, sizeof(t), "reconnect/%s/new-pid", how);
	if (daemon_pid(c) == new)
		vmtest_pass(t);
	else
		vmtest_fail(t, "status reports pid %d, started %d", (int)daemon_pid(c), (int)new);
}

int main(void)
{
	struct sg_conn *c, *sub1, *sub2;
	int fd, fd2;

	sock = getenv("SEALGUARD_SOCKET");
	c = sg_connect(sock, 3000);
	sub1 = sg_connect(sock, 3000);
	sub2 = sg_connect(sock, 3000);
	fd = open("/dev/shm", O_RDWR | O_TMPFILE, 0600);
	fd2 = open("/dev/shm", O_RDWR | O_TMPFILE, 0600);
	if (!c || !sub1 || !sub2 || fd < 0 || fd2 < 0 || sg_subscribe(sub1) < 0 || sg_subscribe(sub2) < 0 ||
	    sg_conn_add_seals(c, fd, SG_SEAL_GROW) < 0 || sg_add_seals(fd2, SG_SEAL_SHRINK) < 0) {
		vmtest_fail("reconnect/setup", "%s", strerror(errno));
		return vmtest_exit();
	}
	restart("sigterm", SIGTERM, c, sub1, fd, fd2);
	restart("sigkill", SIGKILL, c, sub2, fd, fd2);
	sg_disconnect(c);
	sg_disconnect(sub1);
	sg_disconnect(sub2);
	return vmtest_exit();
}
