// SPDX-License-Identifier: GPL-2.0
/*
 * Denial events, end to end: a refused syscall in a known process yields
 * exactly one event whose every field names that process and that file;
 * each kind of refusal carries its operation and errno; a process
 * hammering a sealed file gets SG_EVENT_BURST events per window and the
 * rest are counted, then reported in the next event's `suppressed`.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealguard.h"
#include "sealguard_abi.h"
#include "vmtest.h"

#define NOBODY 65534

static struct sg_conn *sub, *admin;

/* A file in /dev/shm with content, sealed through the daemon; its path
 * goes in *path. */
static int sealed_file(const char *tag, unsigned int seals, mode_t mode, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/dev/shm/sg-events-%s-%d", tag, (int)getpid());
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, mode);
	if (fd < 0)
		return -1;
	/* fchmod: the umask must not decide the exec bits under test. */
	if (fchmod(fd, mode) < 0 || pwrite(fd, "0123456789", 10, 0) != 10 || sg_conn_add_seals(admin, fd, seals) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The cgroup v2 id of this process: the inode number of its directory. */
static unsigned long long my_cgroup_id(void)
{
	char line[512], dir[700], *rel = NULL;
	const char *root = "/sys/fs/cgroup";
	struct stat st;
	FILE *f = fopen("/proc/self/cgroup", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "0::", 3) == 0) {
			rel = line + 3;
			rel[strcspn(rel, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	if (!rel)
		return 0;
	if (stat("/sys/fs/cgroup/cgroup.controllers", &st) < 0) {
		root = "/tmp/sg-cgroup2";
		mkdir(root, 0755);
		if (mount("cgroup2", root, "cgroup2", 0, NULL) < 0 && errno != EBUSY)
			return 0;
	}
	snprintf(dir, sizeof(dir), "%s%s", root, rel);
	return stat(dir, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}

/* Runs fn(fd) in a child named comm running as uid; its pid, or -1. */
static pid_t in_child(const char *comm, uid_t uid, int fd, int (*fn)(int fd))
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_NAME, comm);
	if (uid && setresuid(uid, uid, uid) < 0)
		_exit(100);
	_exit(fn(fd));
}

/* Child exit status: the errno its syscall failed with, 0 if it worked. */
static int wait_errno(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int do_write(int fd)
{
	return pwrite(fd, "X", 1, 0) < 0 ? errno : 0;
}

static int do_mmap(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? errno : 0;
}

static int do_mprotect(int fd)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return 99;
	return mprotect(p, 4096, PROT_READ | PROT_WRITE) < 0 ? errno : 0;
}

static int do_truncate(int fd)
{
	return ftruncate(fd, 1) < 0 ? errno : 0;
}

static int do_fallocate(int fd)
{
	return fallocate(fd, 0, 0, 1 << 20) < 0 ? errno : 0;
}

static int do_chmod(int fd)
{
	return fchmod(fd, 0644) < 0 ? errno : 0;
}

static int do_hammer(int fd)
{
	int i, bad = 0;

	for (i = 0; i < 20; i++)
		bad |= pwrite(fd, "X", 1, 0) >= 0 || errno != EPERM;
	/* Past the window: this one is reported, with the count. */
	usleep((SG_EVENT_WINDOW_NS / 1000) + 200000);
	bad |= pwrite(fd, "X", 1, 0) >= 0 || errno != EPERM;
	return bad;
}

/* Every event for ino that arrives within ms; at most max kept. */
static int collect(unsigned long long ino, struct sg_event_info *out, int max, int ms)
{
	struct sg_event_info ev;
	int n = 0;

	while (sg_next_event(sub, &ev, ms) == 0) {
		if (ev.ino != ino)
			continue; /* another test's leftovers */
		if (n < max)
			out[n] = ev;
		n++;
	}
	return n;
}

static void test_fields(void)
{
	const char *t = "events/write/fields";
	struct sg_event_info ev[4];
	char path[128], why[512] = "";
	struct stat st;
	unsigned long long cg = my_cgroup_id();
	int fd = sealed_file("fields", SG_SEAL_WRITE, 0666, path, sizeof(path)), err, n;
	pid_t pid;

	if (fd < 0 || fstat(fd, &st) < 0) {
		vmtest_fail(t, "setup: %s", strerror(errno));
		return;
	}
	pid = in_child("sg-denied", NOBODY, fd, do_write);
	err = wait_errno(pid);
	if (err != EPERM) {
		vmtest_fail(t, "the write was not refused with EPERM (child status %d)", err);
		close(fd);
		return;
	}
	/* Exactly one: wait long enough for a second to show. */
	n = collect(st.st_ino, ev, 4, 1500);
	if (n != 1) {
		vmtest_fail("events/write/exactly-one", "%d events for one denied write", n);
		if (n == 0)
			goto out;
	} else {
		vmtest_pass("events/write/exactly-one");
	}
#define CHECK(cond, ...)                                                                     \
	do {                                                                                 \
		if (!(cond))                                                                 \
			snprintf(why + strlen(why), sizeof(why) - strlen(why), __VA_ARGS__); \
	} while (0)
	CHECK(ev[0].op == SG_DENIED_WRITE, " op %u (%s);", ev[0].op, sg_denied_op_name(ev[0].op));
	CHECK(ev[0].err == EPERM, " err %d;", ev[0].err);
	CHECK(ev[0].pid == (uint32_t)pid && ev[0].tid == (uint32_t)pid, " pid %u tid %u, child %d;", ev[0].pid,
	      ev[0].tid, (int)pid);
	CHECK(strcmp(ev[0].comm, "sg-denied") == 0, " comm '%s';", ev[0].comm);
	CHECK(ev[0].uid == NOBODY, " uid %u;", ev[0].uid);
	CHECK(ev[0].dev_major == major(st.st_dev) && ev[0].dev_minor == minor(st.st_dev), " dev %u:%u, file on %u:%u;",
	      ev[0].dev_major, ev[0].dev_minor, major(st.st_dev), minor(st.st_dev));
	CHECK(ev[0].seals == SG_SEAL_WRITE, " seals 0x%x;", ev[0].seals);
	CHECK(cg && ev[0].cgroup_id == cg, " cgroup %llu, ours %llu;", (unsigned long long)ev[0].cgroup_id, cg);
	CHECK(strcmp(ev[0].path, path) == 0, " path '%s';", ev[0].path);
	CHECK(ev[0].suppressed == 0, " suppressed %u;", ev[0].suppressed);
#undef CHECK
	if (why[0])
		vmtest_fail(t, "%s", why);
	else
		vmtest_pass(t);
out:
	if (pread(fd, path, 10, 0) == 10 && memcmp(path, "0123456789", 10) == 0)
		vmtest_pass("events/write/content-unchanged");
	else
		vmtest_fail("events/write/content-unchanged", "content changed");
	close(fd);
}

/* Each kind of refusal: one event, with its operation and errno, and
 * one more in the status counter for that operation. */
static void test_op(const char *name, unsigned int seals, mode_t mode, int (*fn)(int), unsigned int op, int want_err)
{
	char t[96], path[128];
	struct sg_event_info ev[4];
	struct sg_status before, after;
	struct stat st;
	int fd = sealed_file(name, seals, mode, path, sizeof(path)), err, n;

	snprintf(t, sizeof(t), "events/%s", name);
	if (fd < 0 || fstat(fd, &st) < 0 || sg_status(admin, &before) < 0) {
		vmtest_fail(t, "setup: %s", strerror(errno));
		return;
	}
	err = wait_errno(in_child("sg-op", 0, fd, fn));
	if (err != want_err) {
		vmtest_fail(t, "the syscall returned errno %d, expected %d", err, want_err);
		close(fd);
		return;
	}
	n = collect(st.st_ino, ev, 4, 800);
	if (sg_status(admin, &after) < 0)
		memset(&after, 0, sizeof(after));
	if (n != 1 || ev[0].op != op || ev[0].err != want_err)
		vmtest_fail(t, "%d events; first op %s err %d, expected one %s %d", n,
			    n ? sg_denied_op_name(ev[0].op) : "-", n ? ev[0].err : 0, sg_denied_op_name(op), want_err);
	else if (after.denials[op] != before.denials[op] + 1)
		vmtest_fail(t, "status counter for %s went from %llu to %llu", sg_denied_op_name(op),
			    (unsigned long long)before.denials[op], (unsigned long long)after.denials[op]);
	else
		vmtest_pass(t);
	unlink(path);
	close(fd);
}

static void test_rate_limit(void)
{
	const char *t = "events/rate-limit";
	struct sg_event_info ev[32];
	struct sg_status before, after;
	char path[128];
	struct stat st;
	int fd = sealed_file("hammer", SG_SEAL_WRITE, 0666, path, sizeof(path)), n, i, bad;
	unsigned long long held;

	if (fd < 0 || fstat(fd, &st) < 0 || sg_status(admin, &before) < 0) {
		vmtest_fail(t, "setup: %s", strerror(errno));
		return;
	}
	bad = wait_errno(in_child("sg-hammer", 0, fd, do_hammer));
	n = collect(st.st_ino, ev, 32, 800);
	sg_status(admin, &after);
	held = after.events_suppressed - before.events_suppressed;
	if (bad != 0) {
		vmtest_fail(t, "not every write was refused with EPERM");
	} else if (n != SG_EVENT_BURST + 1) {
		vmtest_fail(t, "21 denials in two windows gave %d events, expected %d", n, SG_EVENT_BURST + 1);
	} else {
		for (i = 0; i < SG_EVENT_BURST && ev[i].suppressed == 0; i++)
			;
		if (i != SG_EVENT_BURST || ev[n - 1].suppressed != 20 - SG_EVENT_BURST)
			vmtest_fail(t, "suppressed counts: event %d has %u, last has %u (expected 0 then %d)", i,
				    i < n ? ev[i].suppressed : 0, ev[n - 1].suppressed, 20 - SG_EVENT_BURST);
		else if (held != 20 - SG_EVENT_BURST)
			vmtest_fail(t, "status shows %llu held back, expected %d", held, 20 - SG_EVENT_BURST);
		else
			vmtest_pass(t);
	}
	if (after.denials[SG_DENIED_WRITE] - before.denials[SG_DENIED_WRITE] == 21)
		vmtest_pass("events/rate-limit/every-denial-counted");
	else
		vmtest_fail("events/rate-limit/every-denial-counted", "write denials +%llu, expected +21",
			    (unsigned long long)(after.denials[SG_DENIED_WRITE] - before.denials[SG_DENIED_WRITE]));
	unlink(path);
	close(fd);
}

int main(void)
{
	const char *sock = getenv("SEALGUARD_SOCKET");

	admin = sg_connect(sock, 5000);
	sub = sg_connect(sock, 5000);
	if (!admin || !sub || sg_subscribe(sub) < 0) {
		vmtest_fail("events/setup", "cannot subscribe: %s", strerror(errno));
		return vmtest_exit();
	}
	test_fields();
	test_op("mmap", SG_SEAL_WRITE, 0666, do_mmap, SG_DENIED_MMAP, EPERM);
	test_op("mprotect", SG_SEAL_WRITE, 0666, do_mprotect, SG_DENIED_MPROTECT, EACCES);
	test_op("truncate", SG_SEAL_SHRINK, 0666, do_truncate, SG_DENIED_TRUNCATE, EPERM);
	test_op("fallocate", SG_SEAL_GROW, 0666, do_fallocate, SG_DENIED_FALLOCATE, EPERM);
	test_op("chmod", SG_SEAL_EXEC, 0755, do_chmod, SG_DENIED_CHMOD, EPERM);
	test_rate_limit();
	sg_disconnect(sub);
	sg_disconnect(admin);
	return vmtest_exit();
}
