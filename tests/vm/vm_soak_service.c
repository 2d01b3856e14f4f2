// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile load on the control socket for SG_SOAK_SECONDS (issue #5,
 * point 3; skipped when unset, `script/test --soak` sets it):
 *   - 150 clients that connect and never send (slow clients);
 *   - 16 processes connecting, sealing a fresh memfd and leaving, in a loop;
 *   - 8 processes sending a seal request with an fd and dying before the
 *     answer;
 *   - 4 processes as nobody asking for seals on root's file, through a
 *     read-only fd and through /proc/self/fd: none may be granted;
 *   - 4 processes sending garbage;
 *   - one checker making well-formed requests throughout, each of which
 *     must be answered (ETIMEDOUT is no answer; EAGAIN, "too many
 *     clients", is one, and is counted).
 * The daemon's resident memory and open fds are sampled every second:
 * they must stay bounded and flat, and the fds return to where they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "sealguard.h"
#include "vmtest.h"

#define N_IDLE	      150
#define N_CHURN	      16
#define N_VANISH      8
#define N_OTHER	      4
#define N_GARBAGE     4
#define NOBODY	      65534
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW   0x0004

static const char *sock_path(void)
{
	const char *p = getenv("SEALGUARD_SOCKET");

	return p ? p : "/run/sealguard/control.sock";
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path());
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void churn(double end)
{
	while (now() < end) {
		struct sg_conn *c = sg_connect(NULL, 5000);
		int fd = memfd_create("soak", 0);

		if (c && fd >= 0)
			sg_conn_add_seals(c, fd, F_SEAL_GROW);
		if (c)
			sg_disconnect(c);
		if (fd >= 0)
			close(fd);
	}
}

/* A raw ADD request with an fd, then gone before the answer. */
static void vanish(double end)
{
	struct {
		uint32_t magic;
		uint16_t version, type;
		uint32_t size, seq;
		int32_t result;
		uint32_t flags;
		uint32_t seals, reserved;
	} msg = { 0x53474431u, 3, 1, sizeof(msg), 1, 0, 0, F_SEAL_SHRINK, 0 };

	while (now() < end) {
		pid_t pid = fork();

		if (pid == 0) {
			int s = raw_connect(), fd = memfd_create("vanish", 0);
			struct iovec iov = { &msg, sizeof(msg) };

			if (s >= 0)
				sg_fdpass_send(s, &iov, 1, fd, 0);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
}

static void garbage(double end)
{
	char junk[512];

	memset(junk, 0xa5, sizeof(junk));
	while (now() < end) {
		int s = raw_connect();

		if (s >= 0) {
			send(s, junk, (size_t)(rand() % (int)sizeof(junk)) + 1, MSG_NOSIGNAL);
			recv(s, junk, sizeof(junk), 0);
			close(s);
		}
	}
}

/* As nobody, on root's file: every request must be refused.  Exit status:
 * the number of seals granted (0). */
static int other_user(double end, const char *victim)
{
	int granted = 0;

	if (setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
		return 100;
	while (now() < end) {
		int fd = open(victim, O_RDONLY);
		char proc[64];
		int fd2;

		if (fd < 0)
			return 101;
		if (sg_add_seals(fd, F_SEAL_SHRINK) == 0)
			granted++;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		fd2 = open(proc, O_RDWR);
		if (fd2 >= 0) { /* cannot happen for nobody; if it does, try it */
			if (sg_add_seals(fd2, F_SEAL_SHRINK) == 0)
				granted++;
			close(fd2);
		}
		close(fd);
	}
	return granted;
}

static long daemon_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return d ? n : -1;
}

static long daemon_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

int main(void)
{
	const char *secs = getenv("SG_SOAK_SECONDS");
	char victim[] = "/dev/shm/sg-soak-root.XXXXXX";
	int duration = secs ? atoi(secs) : 0;
	long fds0, fds_max = 0, rss_first = 0, rss_last = 0, asked = 0, answered = 0, busy = 0;
	pid_t pids[N_IDLE + N_CHURN + N_VANISH + N_OTHER + N_GARBAGE];
	int npids = 0, i, vfd, granted = 0, died = 0;
	struct sg_status st;
	struct sg_conn *admin;
	double start, end, next;
	pid_t dpid;

	if (duration <= 0) {
		vmtest_skip("soak/service", "set SG_SOAK_SECONDS (script/test --soak) to run the soak");
		return vmtest_exit();
	}
	admin = sg_connect(NULL, 5000);
	if (!admin || sg_status(admin, &st) < 0) {
		vmtest_fail("soak/service", "no daemon to soak: %s", strerror(errno));
		return vmtest_exit();
	}
	sg_disconnect(admin);
	dpid = (pid_t)st.daemon_pid;
	fds0 = daemon_fds(dpid);
	vfd = mkstemp(victim);
	if (vfd < 0 || write(vfd, "root's", 6) != 6 || fchmod(vfd, 0644) < 0) {
		vmtest_fail("soak/service", "cannot make %s: %s", victim, strerror(errno));
		return vmtest_exit();
	}

	start = now();
	end = start + duration;
	for (i = 0; i < N_IDLE; i++) {
		pid_t p = fork();

		if (p == 0) {
			int s = raw_connect();

			(void)s;
			pause();
			_exit(0);
		}
		pids[npids++] = p;
	}
	for (i = 0; i < N_CHURN + N_VANISH + N_OTHER + N_GARBAGE; i++) {
		pid_t p = fork();

		if (p == 0) {
			srand((unsigned int)getpid());
			if (i < N_CHURN)
				churn(end);
			else if (i < N_CHURN + N_VANISH)
				vanish(end);
			else if (i < N_CHURN + N_VANISH + N_OTHER)
				_exit(other_user(end, victim));
			else
				garbage(end);
			_exit(0);
		}
		pids[npids++] = p;
	}

	/* The checker, and the samples, once a second. */
	next = start;
	while (now() < end) {
		int fd = memfd_create("checker", 0), r;
		long rss, nfd;

		asked++;
		r = fd < 0 ? -1 : sg_add_seals(fd, F_SEAL_GROW);
		if (r == 0 || (errno != ETIMEDOUT && errno != ECONNRESET && errno != EPIPE))
			answered++;
		if (r < 0 && errno == EAGAIN)
			busy++;
		if (fd >= 0)
			close(fd);
		if (now() >= next) {
			rss = daemon_rss_kb(dpid);
			nfd = daemon_fds(dpid);
			if (nfd > fds_max)
				fds_max = nfd;
			if (now() - start < duration / 4.0 + 1 && rss > rss_first)
				rss_first = rss; /* the peak of the first quarter */
			rss_last = rss;
			next += 1;
		}
		usleep(20000);
	}

	for (i = 0; i < N_IDLE; i++)
		kill(pids[i], SIGTERM);
	for (i = 0; i < npids; i++) {
		int status;

		waitpid(pids[i], &status, 0);
		if (i >= N_IDLE + N_CHURN + N_VANISH && i < N_IDLE + N_CHURN + N_VANISH + N_OTHER) {
			if (WIFEXITED(status))
				granted += WEXITSTATUS(status);
			else
				died++;
		}
	}
	usleep(500000);

	printf("# soak: %d s; checker asked %ld, answered %ld (%ld 'too many clients'); daemon fds %ld at "
	       "start, %ld at most, %ld after; RSS %ld kB early peak, %ld kB at the end\n",
	       duration, asked, answered, busy, fds0, fds_max, daemon_fds(dpid), rss_first, rss_last);
	if (daemon_fds(dpid) < 0)
		vmtest_fail("soak/daemon-alive", "the daemon (pid %d) is gone", (int)dpid);
	else
		vmtest_pass("soak/daemon-alive");
	if (answered == asked && asked > 0)
		vmtest_pass("soak/every-request-answered");
	else
		vmtest_fail("soak/every-request-answered", "%ld of %ld answered", answered, asked);
	if (granted == 0 && died == 0)
		vmtest_pass("soak/nothing-granted-to-others");
	else
		vmtest_fail("soak/nothing-granted-to-others", "%d seals granted, %d workers died", granted, died);
	if (sg_get_seals(vfd) == 0)
		vmtest_pass("soak/victim-unsealed");
	else
		vmtest_fail("soak/victim-unsealed", "root's file has seals 0x%x", sg_get_seals(vfd));
	/* 256 clients of two fds each (the socket and a pidfd naming the
	 * peer), and a few in flight (a received fd, one more connection told
	 * "too many clients"). */
	if (fds_max <= fds0 + 2 * 256 + 16)
		vmtest_pass("soak/fds-bounded");
	else
		vmtest_fail("soak/fds-bounded", "%ld fds at most, %ld at start", fds_max, fds0);
	if (daemon_fds(dpid) <= fds0 + 2)
		vmtest_pass("soak/fds-returned");
	else
		vmtest_fail("soak/fds-returned", "%ld fds after, %ld before", daemon_fds(dpid), fds0);
	if (rss_last <= rss_first + 1024)
		vmtest_pass("soak/memory-flat");
	else
		vmtest_fail("soak/memory-flat", "RSS %ld kB at the end, %ld kB early on", rss_last, rss_first);
	unlink(victim);
	return vmtest_exit();
}
