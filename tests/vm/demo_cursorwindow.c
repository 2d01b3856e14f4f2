// SPDX-License-Identifier: GPL-2.0
/*
 * demo_cursorwindow: the Android CursorWindow pattern on a file the kernel
 * cannot seal, with sealguard doing the sealing.
 *
 * A writer creates a file in /dev/shm, writes a header, maps it shared and
 * read-write, then asks sealguard for FUTURE_WRITE|SHRINK|GROW.  It keeps
 * writing rows through the mapping it already has.  A reader (a forked
 * process that opens the path again, O_RDWR) tries every other way to
 * modify the file -- all must be refused -- and watches the writer's rows
 * appear through its read-only mapping.
 *
 * Exit status 0 when every refusal happened with the expected errno and
 * every row the writer stored is in the file; 1 otherwise.
 *
 * SG_DEMO_NATIVE=1 runs the same story on a natively sealable memfd with
 * fcntl(), to check the demo itself on a kernel without sealguard.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealguard.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif
#define SEAL_SEAL	  0x01u
#define SEAL_SHRINK	  0x02u
#define SEAL_GROW	  0x04u
#define SEAL_WRITE	  0x08u
#define SEAL_FUTURE_WRITE 0x10u
#define SEAL_EXEC	  0x20u

#define FILE_SIZE	  16384
#define HEADER		  "CURSORWINDOW v1 rows=64 rowsize=64\n"
#define ROWS_AT		  4096
#define ROW_SIZE	  64

static int native; /* SG_DEMO_NATIVE */

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ENOENT: return "ENOENT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: snprintf(buf, sizeof(buf), "errno %d", e); return buf;
	}
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int add_seals(int fd, unsigned int seals)
{
	return native ? fcntl(fd, F_ADD_SEALS, seals) : sg_add_seals(fd, seals);
}

static int get_seals(int fd)
{
	return native ? fcntl(fd, F_GET_SEALS) : sg_get_seals(fd);
}

static const char *seal_list(int s, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ SEAL_SEAL, "seal" },
		{ SEAL_SHRINK, "shrink" },
		{ SEAL_GROW, "grow" },
		{ SEAL_WRITE, "write" },
		{ SEAL_FUTURE_WRITE, "future-write" },
		{ SEAL_EXEC, "exec" },
	};
	size_t n = 0;

	buf[0] = 0;
	if (s < 0) {
		snprintf(buf, len, "-1 %s", errname(errno));
		return buf;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((unsigned int)s & names[i].bit)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", names[i].name);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

/*
 * Print "<who>: <what> -> <result>" and judge it: want_err 0 means the
 * call must succeed, otherwise it must fail with exactly want_err.
 * Returns 1 when the outcome was not the expected one.
 */
static int verdict(const char *who, const char *what, long ret, int err, int want_err)
{
	if (ret < 0 && want_err && err == want_err) {
		say("%s: %s -> -1 %s (refused)", who, what, errname(err));
		return 0;
	}
	if (ret >= 0 && !want_err) {
		say("%s: %s -> %ld (ok)", who, what, ret);
		return 0;
	}
	if (ret < 0)
		say("%s: %s -> -1 %s (UNEXPECTED: expected %s)", who, what, errname(err),
		    want_err ? errname(want_err) : "success");
	else
		say("%s: %s -> %ld (UNEXPECTED: should have been refused with %s)", who, what, ret, errname(want_err));
	return 1;
}

/* Run expr, capture its result and errno, judge it. */
#define CHECK(fails, who, what, expr, want_err)                        \
	do {                                                           \
		long r_;                                               \
		int e_;                                                \
		errno = 0;                                             \
		r_ = (long)(expr);                                     \
		e_ = errno;                                            \
		(fails) += verdict((who), (what), r_, e_, (want_err)); \
	} while (0)

static void row_text(char *row, int n)
{
	memset(row, 0, ROW_SIZE);
	snprintf(row, ROW_SIZE, "row %d: stored by the writer through its own mapping", n);
}

static int write_row(char *map, int n)
{
	char row[ROW_SIZE];

	row_text(row, n);
	memcpy(map + ROWS_AT + (size_t)(n - 1) * ROW_SIZE, row, ROW_SIZE);
	say("writer: wrote row %d through its mapping: ok", n);
	return 0;
}

static int reader(const char *path, int to_writer, int from_writer)
{
	char what[96], sl[96], row[ROW_SIZE], c;
	int fails = 0, fd;
	char *p, *rw;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		say("reader: open(%s, O_RDWR) -> -1 %s (UNEXPECTED)", path, errname(errno));
		return 1;
	}
	say("reader: open(O_RDWR) -> ok (seals do not stop opening for writing)");
	say("reader: sg_get_seals -> %s", seal_list(get_seals(fd), sl, sizeof(sl)));

	CHECK(fails, "reader", "write()", write(fd, "evil", 4), EPERM);
	CHECK(fails, "reader", "pwrite() at the end", pwrite(fd, "evil", 4, FILE_SIZE), EPERM);

	rw = MAP_FAILED;
	CHECK(fails, "reader", "mmap(PROT_READ|PROT_WRITE, MAP_SHARED)",
	      (rw = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ? -1 : 0, EPERM);
	if (rw != MAP_FAILED)
		munmap(rw, FILE_SIZE);

	p = MAP_FAILED;
	CHECK(fails, "reader", "mmap(PROT_READ, MAP_SHARED)",
	      (p = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED ? -1 : 0, 0);
	if (p != MAP_FAILED)
		CHECK(fails, "reader", "mprotect(PROT_READ|PROT_WRITE) on that mapping",
		      mprotect(p, FILE_SIZE, PROT_READ | PROT_WRITE), EACCES);

	snprintf(what, sizeof(what), "ftruncate(%d) (grow)", FILE_SIZE * 2);
	CHECK(fails, "reader", what, ftruncate(fd, FILE_SIZE * 2), EPERM);
	snprintf(what, sizeof(what), "ftruncate(%d) (shrink)", FILE_SIZE / 2);
	CHECK(fails, "reader", what, ftruncate(fd, FILE_SIZE / 2), EPERM);
	CHECK(fails, "reader", "fallocate(PUNCH_HOLE) of the rows",
	      fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, ROWS_AT, 4096), EPERM);

	if (p == MAP_FAILED) {
		c = 'R';
		if (write(to_writer, &c, 1) != 1 || read(from_writer, &c, 1) != 1)
			return fails + 1;
		return fails;
	}
	say("reader: header through its read-only mapping: \"%.*s\"", (int)strlen(HEADER) - 1, p);

	/* Let the writer store row 2 now, and watch it arrive. */
	c = 'R';
	if (write(to_writer, &c, 1) != 1 || read(from_writer, &c, 1) != 1) {
		say("reader: lost contact with the writer");
		return fails + 1;
	}
	row_text(row, 2);
	if (memcmp(p + ROWS_AT + ROW_SIZE, row, ROW_SIZE) == 0) {
		say("reader: sees row 2 through its read-only mapping: ok");
	} else {
		say("reader: row 2 is NOT visible through its mapping");
		fails++;
	}
	munmap(p, FILE_SIZE);
	close(fd);
	return fails;
}

int main(void)
{
	char path[96], sl[96], row[ROW_SIZE];
	int to_reader[2], to_writer[2];
	int fd, fails = 0, status, s;
	char *map, c;
	pid_t pid;

	native = getenv("SG_DEMO_NATIVE") && strcmp(getenv("SG_DEMO_NATIVE"), "0") != 0;

	if (native) {
		fd = memfd_create("cursorwindow", 0x0002u /* MFD_ALLOW_SEALING */);
		if (fd < 0) {
			perror("memfd_create");
			return 1;
		}
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), fd);
		say("demo: SG_DEMO_NATIVE: a natively sealable memfd, sealed with fcntl()");
	} else {
		snprintf(path, sizeof(path), "/dev/shm/sg-cursorwindow-%d", (int)getpid());
		fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		say("demo: %s (a tmpfs file: the kernel itself cannot seal it)", path);
		errno = 0;
		s = fcntl(fd, F_ADD_SEALS, SEAL_FUTURE_WRITE);
		say("kernel: fcntl(F_ADD_SEALS, FUTURE_WRITE) -> %d%s%s", s, s < 0 ? " " : "",
		    s < 0 ? errname(errno) : "");
	}

	/* Writer: header, size, shared read-write mapping. */
	if (pwrite(fd, HEADER, strlen(HEADER), 0) != (ssize_t)strlen(HEADER) || ftruncate(fd, FILE_SIZE) < 0) {
		perror("writer: preparing the file");
		goto out;
	}
	say("writer: wrote the header, size %d bytes", FILE_SIZE);
	map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("writer: mmap");
		fails++;
		goto out;
	}
	say("writer: mapped it MAP_SHARED, PROT_READ|PROT_WRITE");

	errno = 0;
	s = add_seals(fd, SEAL_FUTURE_WRITE | SEAL_SHRINK | SEAL_GROW);
	if (s < 0) {
		say("writer: sg_add_seals(FUTURE_WRITE|SHRINK|GROW) -> -1 %s (is sealguardd running?)", errname(errno));
		fails++;
		goto out_unmap;
	}
	say("writer: sg_add_seals(FUTURE_WRITE|SHRINK|GROW) -> 0");
	say("writer: sg_get_seals -> %s", seal_list(get_seals(fd), sl, sizeof(sl)));

	write_row(map, 1);
	CHECK(fails, "writer", "write() on its own fd", write(fd, "row", 3), EPERM);
	say("writer:   (only the mapping made before the seal stays writable)");

	if (pipe2(to_reader, O_CLOEXEC) < 0 || pipe2(to_writer, O_CLOEXEC) < 0) {
		perror("pipe");
		fails++;
		goto out_unmap;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		fails++;
		goto out_unmap;
	}
	if (pid == 0) {
		/* The reader starts from nothing the writer holds: no mapping, no fd. */
		munmap(map, FILE_SIZE);
		close(fd);
		close(to_reader[1]);
		close(to_writer[0]);
		alarm(30);
		_exit(reader(path, to_writer[1], to_reader[0]) ? 1 : 0);
	}
	close(to_reader[0]);
	close(to_writer[1]);

	if (read(to_writer[0], &c, 1) == 1) {
		write_row(map, 2);
		c = 'W';
		if (write(to_reader[1], &c, 1) != 1)
			fails++;
	} else {
		fails++;
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		say("demo: the reader saw something unexpected");
		fails++;
	}
	write_row(map, 3);

	/* Did every row land in the file? */
	for (int n = 1; n <= 3; n++) {
		char got[ROW_SIZE];

		row_text(row, n);
		if (pread(fd, got, ROW_SIZE, ROWS_AT + (off_t)(n - 1) * ROW_SIZE) != ROW_SIZE ||
		    memcmp(got, row, ROW_SIZE) != 0) {
			say("demo: row %d is missing from the file", n);
			fails++;
		}
	}
	say("writer: sg_get_seals -> %s", seal_list(get_seals(fd), sl, sizeof(sl)));

out_unmap:
	munmap(map, FILE_SIZE);
out:
	close(fd);
	if (!native)
		unlink(path);
	if (fails)
		say("demo: FAILED (%d unexpected outcome%s)", fails, fails == 1 ? "" : "s");
	else
		say("demo: every refusal happened as expected and the writer's rows landed: ok");
	return fails ? 1 : 0;
}
