// SPDX-License-Identifier: GPL-2.0
/*
 * sg_hammer: tries every write path against sealed files in a tight loop,
 * for vm_restart.sh (not vm_*), while the daemon is killed, restarted and
 * upgraded.  Every file given must be sealed WRITE (or FUTURE_WRITE),
 * SHRINK and GROW, so every attempt must fail; one that succeeds is a
 * breach.
 *
 *   sg_hammer [-m UNSEALED] SECONDS FILE...
 *
 * -m: also map UNSEALED shared and writable, and unmap it, in a loop from a
 * second process: writable mappings that succeed while programs are
 * swapped (vm_restart.sh then checks that the in-flight mmap count is 0).
 *
 * Prints "attempts N breaches M", then one line per breach kind.  Exit 0
 * whatever happened: the caller judges.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

enum attempt {
	A_PWRITE,
	A_APPEND,
	A_WRITEV,
	A_SHRINK,
	A_GROW,
	A_TRUNCATE_PATH,
	A_OPEN_TRUNC,
	A_FALLOCATE,
	A_PUNCH,
	A_MMAP_RW,
	A_MPROTECT,
	A_COPY_RANGE,
	A_COUNT,
};

static const char *const names[A_COUNT] = {
	"pwrite",     "append",		"writev",     "ftruncate-shrink", "ftruncate-grow", "truncate-path",
	"open-trunc", "fallocate-grow", "punch-hole", "mmap-rw",	  "mprotect-rw",    "copy_file_range",
};

static unsigned long breaches[A_COUNT];

static void attempt(enum attempt a, const char *path, int src)
{
	struct iovec iov = { .iov_base = "W", .iov_len = 1 };
	struct stat st;
	int fd, ok = 0;
	void *p;

	fd = open(path, (a == A_APPEND ? O_APPEND : 0) | (a == A_OPEN_TRUNC ? O_TRUNC : 0) | O_RDWR);
	if (fd < 0) {
		/* O_TRUNC is refused at open, the rest must open fine. */
		if (a != A_OPEN_TRUNC) {
			fprintf(stderr, "sg_hammer: open %s: %m\n", path);
			exit(1);
		}
		return;
	}
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	switch (a) {
	case A_PWRITE: ok = pwrite(fd, "W", 1, 0) == 1; break;
	case A_APPEND: ok = write(fd, "W", 1) == 1; break;
	case A_WRITEV: ok = pwritev(fd, &iov, 1, 1) == 1; break;
	case A_SHRINK: ok = st.st_size > 0 && ftruncate(fd, st.st_size - 1) == 0; break;
	case A_GROW: ok = ftruncate(fd, st.st_size + 1) == 0; break;
	case A_TRUNCATE_PATH: ok = st.st_size > 0 && truncate(path, st.st_size - 1) == 0; break;
	case A_OPEN_TRUNC: ok = 1; break; /* opened with O_TRUNC */
	case A_FALLOCATE: ok = fallocate(fd, 0, 0, st.st_size + 4096) == 0; break;
	case A_PUNCH: ok = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1) == 0; break;
	case A_MMAP_RW:
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ok = p != MAP_FAILED;
		if (ok)
			munmap(p, 4096);
		break;
	case A_MPROTECT:
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			ok = mprotect(p, 4096, PROT_READ | PROT_WRITE) == 0;
			munmap(p, 4096);
		}
		break;
	case A_COPY_RANGE: {
		loff_t in = 0, out = 0;

		ok = copy_file_range(src, &in, fd, &out, 1, 0) == 1;
		break;
	}
	default: break;
	}
	if (ok)
		breaches[a]++;
	close(fd);
}

/* In a child: map and unmap path, writable and shared, for seconds. */
static void map_loop(const char *path, int seconds)
{
	struct timespec now, end;
	int fd;

	if (fork() != 0)
		return;
	fd = open(path, O_RDWR);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	do {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (p != MAP_FAILED)
			munmap(p, 4096);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (fd >= 0 && now.tv_sec < end.tv_sec);
	_exit(0);
}

int main(int argc, char **argv)
{
	unsigned long attempts = 0, total = 0;
	struct timespec now, end;
	char src_path[] = "/dev/shm/sg-hammer-src.XXXXXX";
	int src, i;

	if (argc > 2 && !strcmp(argv[1], "-m")) {
		map_loop(argv[2], atoi(argv[3]));
		argv += 2;
		argc -= 2;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: sg_hammer [-m UNSEALED] SECONDS FILE...\n");
		return 2;
	}
	src = mkstemp(src_path);
	if (src < 0 || write(src, "S", 1) != 1) {
		fprintf(stderr, "sg_hammer: cannot make a source file: %m\n");
		return 2;
	}
	unlink(src_path);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(argv[1]);
	do {
		for (i = 2; i < argc; i++)
			for (int a = 0; a < A_COUNT; a++, attempts++)
				attempt((enum attempt)a, argv[i], src);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	for (i = 0; i < A_COUNT; i++)
		total += breaches[i];
	while (wait(NULL) > 0)
		; /* the map loop, if any */
	printf("attempts %lu breaches %lu\n", attempts, total);
	for (i = 0; i < A_COUNT; i++)
		if (breaches[i])
			printf("breach %s %lu\n", names[i], breaches[i]);
	return 0;
}
