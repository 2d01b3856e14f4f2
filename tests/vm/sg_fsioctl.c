// SPDX-License-Identifier: GPL-2.0
/*
 * sg_fsioctl: filesystem ioctls that change a file without a write or
 * truncate hook, one call per run, its outcome on stdout ("ok" or the
 * errno's name), for vm_fsioctl.sh.  "-32" makes the call the way a
 * 32-bit program does (int $0x80, file_ioctl_compat).
 *
 *   sg_fsioctl move-ext [-32] ORIG DONOR   EXT4_IOC_MOVE_EXT: swaps the
 *                                 blocks of ORIG (opened read-write, the
 *                                 ioctl's fd) with those of DONOR (its fd
 *                                 inside the argument), over ORIG's size
 *   sg_fsioctl ioctl [-32] FILE CMD   ioctl CMD (hex) on FILE opened
 *                                 read-write, with a zeroed 4 KiB argument
 *   sg_fsioctl uring-cmd FILE encoded-read   io_uring URING_CMD with
 *                                 btrfs's BTRFS_IOC_ENCODED_READ on FILE
 *                                 opened read-write, a zeroed argument
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btrfs.h>
#include <liburing.h>

#include "sg_compat32.h"

/* fs/ext4/ext4.h: not in the UAPI headers; the same layout in both ABIs. */
struct move_extent {
	uint32_t reserved;
	uint32_t donor_fd;
	uint64_t orig_start;
	uint64_t donor_start;
	uint64_t len;
	uint64_t moved_len;
};

#define EXT4_IOC_MOVE_EXT _IOWR('f', 15, struct move_extent)

static int usage(void)
{
	fprintf(stderr, "usage: sg_fsioctl move-ext [-32] ORIG DONOR | ioctl [-32] FILE CMD | "
			"uring-cmd FILE encoded-read\n");
	return 2;
}

/* One IORING_OP_URING_CMD; its result as an ioctl's (-1 and errno). */
static int uring_cmd(int fd, unsigned int cmd_op, void *arg)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int r = io_uring_queue_init(4, &ring, 0);

	if (r < 0) {
		printf("setup-%s\n", strerrorname_np(-r));
		exit(1);
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = cmd_op;
	sqe->addr = (uint64_t)(uintptr_t)arg;
	io_uring_submit(&ring);
	r = io_uring_wait_cqe(&ring, &cqe);
	if (r == 0) {
		r = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

static int call(bool compat, int fd, unsigned int cmd, void *arg)
{
	return compat ? sg_ioctl32(fd, cmd, (unsigned long)arg) : ioctl(fd, cmd, arg);
}

int main(int argc, char **argv)
{
	bool compat = argc > 2 && !strcmp(argv[2], "-32");
	char **rest = argv + 2 + compat;
	int nrest = argc - 2 - compat;
	/* Below 4 GiB, where a 32-bit call's pointer can reach. */
	void *arg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	int fd, r;

	if (argc < 2 || arg == MAP_FAILED)
		return usage();
	if (!strcmp(argv[1], "move-ext") && nrest == 2) {
		struct move_extent *me = arg;
		int donor = open(rest[1], O_RDWR);
		struct stat st;

		fd = open(rest[0], O_RDWR);
		if (fd < 0 || donor < 0 || fstat(fd, &st) < 0) {
			printf("setup-%s\n", strerrorname_np(errno));
			return 1;
		}
		/* Blocks on disk, not delayed allocations: what e4defrag does. */
		fsync(fd);
		fsync(donor);
		me->donor_fd = donor;
		me->len = (st.st_size + st.st_blksize - 1) / st.st_blksize;
		r = call(compat, fd, EXT4_IOC_MOVE_EXT, me);
	} else if (!strcmp(argv[1], "ioctl") && nrest == 2) {
		fd = open(rest[0], O_RDWR);
		if (fd < 0) {
			printf("setup-%s\n", strerrorname_np(errno));
			return 1;
		}
		r = call(compat, fd, (unsigned int)strtoul(rest[1], NULL, 16), arg);
	} else if (!strcmp(argv[1], "uring-cmd") && !compat && nrest == 2 && !strcmp(rest[1], "encoded-read")) {
		fd = open(rest[0], O_RDWR);
		if (fd < 0) {
			printf("setup-%s\n", strerrorname_np(errno));
			return 1;
		}
		r = uring_cmd(fd, BTRFS_IOC_ENCODED_READ, arg);
	} else {
		return usage();
	}
	printf("%s\n", r >= 0 ? "ok" : strerrorname_np(errno));
	return 0;
}
