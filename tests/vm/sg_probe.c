// SPDX-License-Identifier: GPL-2.0
/*
 * sg_probe: one operation on a file, its outcome on stdout, for the shell
 * tests of kernel policy rules (vm_krules.sh).  Copies of this binary are
 * distinct executables (and task names) for exe and comm conditions.
 *
 *   sg_probe OP FILE [ARG]
 *
 * OP: open, write (one byte at 0), append (one byte at the end),
 * rwf-append (pwritev2 RWF_APPEND of one byte, at offset 0), o-append (one
 * byte through an O_APPEND open), splice (one byte from a pipe, at 0),
 * sendfile (one byte from a memfd, at 0), fallocate MODE OFFSET LEN (MODE
 * a number, as the kernel takes it), fallocate-ro MODE OFFSET LEN (the
 * same on a read-only fd: EBADF says the kernel knows the mode, since
 * vfs_fallocate checks the mode first and the fd's mode next),
 * truncate SIZE, mmap-rw, mmap-ro (shared), mmap-priv (private, read-only),
 * mprotect (map shared read-only, then ask for PROT_WRITE), seals
 * (sealguard's view, as a number), watch OFFSET TEXT (map shared
 * read-only, print "watching", then wait up to 10 s for TEXT to appear
 * at OFFSET through the mapping: "seen" or "timeout").
 * Prints "ok" or the errno's name (EPERM, EACCES, ...).
 *
 *   sg_probe writer FILE
 *
 * The CursorWindow writer: creates FILE (4096 bytes), maps it shared and
 * read-write, stores "row1" through the mapping, prints "ready", and for
 * each line on stdin stores the next row -- through the mapping, then with
 * pwrite() -- printing "<row> <mapping outcome> <pwrite outcome>".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealguard.h"

static const char *outcome(int r)
{
	return r == 0 ? "ok" : strerrorname_np(errno);
}

static int writer(const char *path)
{
	char line[64], row[16];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char *map;

	if (fd < 0 || ftruncate(fd, 4096) < 0) {
		printf("setup %s\n", strerrorname_np(errno));
		return 1;
	}
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		printf("mmap %s\n", strerrorname_np(errno));
		return 1;
	}
	memcpy(map, "row1", 4);
	printf("ready\n");
	fflush(stdout);
	for (int n = 2; fgets(line, sizeof(line), stdin); n++) {
		int len = snprintf(row, sizeof(row), "row%d", n);

		memcpy(map + 16 * (n - 1), row, (size_t)len); /* never refused: a store */
		printf("%s %s\n", row, outcome(pwrite(fd, row, (size_t)len, 2048 + 16 * (n - 1)) == len ? 0 : -1));
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *op, *path;
	int fd, r = -1, flags = O_RDWR;
	void *map;

	if (argc < 3) {
		fprintf(stderr, "usage: sg_probe OP FILE [ARG] | sg_probe writer FILE\n");
		return 2;
	}
	op = argv[1];
	path = argv[2];
	if (strcmp(op, "writer") == 0)
		return writer(path);
	/* Read-only where the operation needs no more, so refusals are the
	 * seal's and not the open's. */
	if (strcmp(op, "open") == 0 || strcmp(op, "mmap-ro") == 0 || strcmp(op, "mmap-priv") == 0 ||
	    strcmp(op, "seals") == 0 || strcmp(op, "watch") == 0 || strcmp(op, "fallocate-ro") == 0)
		flags = O_RDONLY;
	else if (strcmp(op, "o-append") == 0)
		flags = O_WRONLY | O_APPEND;
	fd = open(path, flags);
	if (fd < 0) {
		printf("open-%s\n", strerrorname_np(errno));
		return 1;
	}
	if (strcmp(op, "open") == 0) {
		r = 0;
	} else if (strcmp(op, "write") == 0) {
		r = pwrite(fd, "X", 1, 0) == 1 ? 0 : -1;
	} else if (strcmp(op, "append") == 0) {
		struct stat st;

		r = fstat(fd, &st) == 0 && pwrite(fd, "X", 1, st.st_size) == 1 ? 0 : -1;
	} else if (strcmp(op, "rwf-append") == 0) {
		struct iovec iov = { .iov_base = "X", .iov_len = 1 };

		r = pwritev2(fd, &iov, 1, 0, RWF_APPEND) == 1 ? 0 : -1;
	} else if (strcmp(op, "o-append") == 0) {
		r = write(fd, "X", 1) == 1 ? 0 : -1;
	} else if (strcmp(op, "splice") == 0) {
		loff_t off = 0;
		int p[2];

		if (pipe(p) < 0 || write(p[1], "X", 1) != 1) {
			printf("pipe-%s\n", strerrorname_np(errno));
			return 1;
		}
		r = splice(p[0], NULL, fd, &off, 1, 0) == 1 ? 0 : -1;
	} else if (strcmp(op, "sendfile") == 0) {
		int src = memfd_create("sg_probe-src", 0);

		if (src < 0 || pwrite(src, "X", 1, 0) != 1) {
			printf("memfd-%s\n", strerrorname_np(errno));
			return 1;
		}
		r = sendfile(fd, src, &(off_t){ 0 }, 1) == 1 ? 0 : -1;
	} else if ((strcmp(op, "fallocate") == 0 || strcmp(op, "fallocate-ro") == 0) && argc > 5) {
		r = fallocate(fd, (int)strtol(argv[3], NULL, 0), strtoll(argv[4], NULL, 0), strtoll(argv[5], NULL, 0));
	} else if (strcmp(op, "truncate") == 0 && argc > 3) {
		r = ftruncate(fd, strtoll(argv[3], NULL, 10));
	} else if (strcmp(op, "mmap-rw") == 0 || strcmp(op, "mmap-ro") == 0) {
		int prot = strcmp(op, "mmap-rw") == 0 ? PROT_READ | PROT_WRITE : PROT_READ;

		map = mmap(NULL, 4096, prot, MAP_SHARED, fd, 0);
		r = map == MAP_FAILED ? -1 : 0;
	} else if (strcmp(op, "mmap-priv") == 0) {
		map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
		r = map == MAP_FAILED ? -1 : 0;
	} else if (strcmp(op, "watch") == 0 && argc > 4) {
		size_t off = strtoul(argv[3], NULL, 10), len = strlen(argv[4]);

		map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED || off + len > 4096) {
			printf("mmap-%s\n", strerrorname_np(errno));
			return 1;
		}
		printf("watching\n");
		fflush(stdout);
		for (int i = 0; i < 1000; i++) {
			if (memcmp((char *)map + off, argv[4], len) == 0) {
				printf("seen\n");
				return 0;
			}
			usleep(10000);
		}
		printf("timeout\n");
		return 0;
	} else if (strcmp(op, "mprotect") == 0) {
		map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED) {
			printf("mmap-%s\n", strerrorname_np(errno));
			return 1;
		}
		r = mprotect(map, 4096, PROT_READ | PROT_WRITE);
	} else if (strcmp(op, "seals") == 0) {
		int seals = sg_get_seals(fd);

		if (seals < 0) {
			printf("%s\n", strerrorname_np(errno));
			return 1;
		}
		printf("%d\n", seals);
		return 0;
	} else {
		fprintf(stderr, "sg_probe: unknown operation '%s'\n", op);
		return 2;
	}
	printf("%s\n", outcome(r));
	return 0;
}
