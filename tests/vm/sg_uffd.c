// SPDX-License-Identifier: GPL-2.0
/*
 * sg_uffd: fills a hole of FILE through userfaultfd, for vm_bypass.sh
 * (not vm_*).  Maps FILE (opened read-write) shared and READ-ONLY, two
 * pages, registers the mapping for missing-page faults, and copies a page
 * of 'U' into the second page, which must be a hole.
 *
 *   sg_uffd FILE [child|compat]
 *
 * With "child", the copy is made by a forked child through the inherited
 * userfaultfd (another mm than the one it watches); with "compat", as a
 * 32-bit program makes it (int $0x80, its struct below 4 GiB).  Prints
 * "<register> <copy>", each "ok" or the errno's name.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sg_compat32.h"

#define PAGE 4096

static const char *outcome(int r)
{
	return r == 0 ? "ok" : strerrorname_np(errno);
}

static int copy_page(int uffd, char *dst, bool compat)
{
	static char src[PAGE] __attribute__((aligned(PAGE)));
	struct uffdio_copy *c = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
				     0);

	if (c == MAP_FAILED)
		return -1;
	*c = (struct uffdio_copy){ .dst = (unsigned long)dst, .src = (unsigned long)src, .len = PAGE };
	memset(src, 'U', sizeof(src));
	return compat ? sg_ioctl32(uffd, UFFDIO_COPY, (unsigned long)c) : ioctl(uffd, UFFDIO_COPY, c);
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	int fd, uffd, r;
	char *map;

	if (argc < 2) {
		fprintf(stderr, "usage: sg_uffd FILE [child]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (map == MAP_FAILED || uffd < 0 || ioctl(uffd, UFFDIO_API, &api) < 0) {
		fprintf(stderr, "sg_uffd: cannot map %s or make a userfaultfd: %m\n", argv[1]);
		return 2;
	}
	reg.range.start = (unsigned long)map;
	reg.range.len = 2 * PAGE;
	r = ioctl(uffd, UFFDIO_REGISTER, &reg);
	printf("%s ", outcome(r));
	if (r < 0) {
		puts("-");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[2], "child")) {
		int status;
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			puts(outcome(copy_page(uffd, map + PAGE, false)));
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, &status, 0);
		return 0;
	}
	puts(outcome(copy_page(uffd, map + PAGE, argc > 2 && !strcmp(argv[2], "compat"))));
	return 0;
}
