// SPDX-License-Identifier: GPL-2.0
/*
 * sg_attack: what a root process with CAP_BPF could try against
 * sealguard's own objects, one attempt per run, its outcome on stdout
 * ("ok" or the errno's name), for vm_tamper.sh (not vm_*).
 *
 *   sg_attack map-open PIN        BPF_OBJ_GET, read-write
 *   sg_attack map-open-ro PIN     BPF_OBJ_GET, BPF_F_RDONLY
 *   sg_attack map-by-id ID        BPF_MAP_GET_FD_BY_ID, read-write
 *   sg_attack map-by-id-ro ID     BPF_MAP_GET_FD_BY_ID, BPF_F_RDONLY
 *   sg_attack link-detach PIN     BPF_OBJ_GET of a link pin, then
 *                                 BPF_LINK_DETACH: "<open> <detach>"
 *   sg_attack ptrace PID          PTRACE_ATTACH
 *   sg_attack getfd PID FD        pidfd_getfd() of PID's fd FD
 *   sg_attack open-rw PATH        open(O_RDWR), e.g. /proc/PID/mem
 *   sg_attack umount PATH         umount2(PATH, 0)
 *   sg_attack umount-lazy PATH    umount2(PATH, MNT_DETACH)
 *   sg_attack loop-set-fd FILE    a free loop device on FILE (O_RDWR) with
 *                                 LOOP_SET_FD; detached again if it worked
 *   sg_attack loop-configure FILE [ro]   the same with LOOP_CONFIGURE
 *   sg_attack loop-set-fd32 FILE, loop-configure32 FILE   the same as a
 *                                 32-bit program asks (int $0x80)
 *   sg_attack remap32 FILE        maps FILE shared and writable below 4 GiB,
 *                                 then remap_file_pages() through int $0x80
 *   sg_attack seal-ioctl-as PID FILE   a child given pid PID (clone3 with
 *                                 set_tid: a dead daemon's pid, reused) issues
 *                                 the daemon's private ioctl SG_IOC_ADD(WRITE)
 *                                 on FILE; prints its errno (done: SG_IOC_SEALS_ERRNO, low 8 bits)
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <signal.h>
#include <unistd.h>

#include "sealguard_abi.h"
#include "sg_compat32.h"

static const char *outcome(int r)
{
	return r >= 0 ? "ok" : strerrorname_np(errno);
}

static int open_ro(const char *pin)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = BPF_F_RDONLY);

	return bpf_obj_get_opts(pin, &opts);
}

static int map_by_id(const char *id, bool ro)
{
	LIBBPF_OPTS(bpf_get_fd_by_id_opts, opts, .open_flags = ro ? BPF_F_RDONLY : 0);

	return bpf_map_get_fd_by_id_opts((__u32)strtoul(id, NULL, 10), &opts);
}

static int do_ptrace(pid_t pid)
{
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return -1;
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return 0;
}

static int getfd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0) {
		fprintf(stderr, "sg_attack: pidfd_open(%d): %m\n", (int)pid);
		exit(2);
	}
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

static int loop_attach(const char *path, bool configure, bool ro, bool compat)
{
	/* Below 4 GiB for a 32-bit ioctl's pointer. */
	struct loop_config *cfgp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
					0);
	int ctl, n, loop, fd, r;
	char dev[32];

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	n = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	loop = n < 0 ? -1 : open(dev, O_RDWR | O_CLOEXEC);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (loop < 0 || fd < 0 || cfgp == MAP_FAILED) {
		fprintf(stderr, "sg_attack: cannot open a loop device or %s: %m\n", path);
		exit(2);
	}
	if (configure) {
		cfgp->fd = (__u32)fd;
		cfgp->info.lo_flags = ro ? LO_FLAGS_READ_ONLY : 0;
		r = compat ? sg_ioctl32(loop, LOOP_CONFIGURE, (unsigned long)cfgp) : ioctl(loop, LOOP_CONFIGURE, cfgp);
	} else {
		r = compat ? sg_ioctl32(loop, LOOP_SET_FD, (unsigned long)fd) : ioctl(loop, LOOP_SET_FD, fd);
	}
	if (r == 0) {
		int err = errno;

		ioctl(loop, LOOP_CLR_FD, 0);
		errno = err;
	}
	return r;
}

/* A writable shared mapping remapped by the 32-bit remap_file_pages(): the
 * mmap it counts in flight must be given back on that entry's return too. */
static int remap32(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	char *map = fd < 0 ? MAP_FAILED : mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_32BIT, fd, 0);
	long r;

	if (map == MAP_FAILED) {
		fprintf(stderr, "sg_attack: cannot map %s: %m\n", path);
		exit(2);
	}
	r = sg_syscall32(SG_NR32_REMAP_FILE_PAGES, (long)(unsigned long)map, 4096, 0, 1, 0);
	munmap(map, 2 * 4096);
	return (int)r;
}

/* The child of clone3(set_tid = pid) issues the daemon's seal ioctl. */
static int seal_ioctl_as(pid_t pid, const char *path)
{
	struct clone_args args = { .exit_signal = SIGCHLD, .set_tid = (unsigned long)&pid, .set_tid_size = 1 };
	int fd = open(path, O_RDWR | O_CLOEXEC), status;
	long child;

	if (fd < 0) {
		fprintf(stderr, "sg_attack: %s: %m\n", path);
		exit(2);
	}
	fflush(stdout);
	child = syscall(SYS_clone3, &args, sizeof(args));
	if (child == 0) {
		int r = ioctl(fd, SG_IOC_ADD, 8 /* SG_SEAL_WRITE */);

		_exit(r == 0 ? 0 : errno);
	}
	if (child < 0)
		return -1;
	if (waitpid((pid_t)child, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	errno = WEXITSTATUS(status);
	return errno ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 2 ? argv[1] : "";
	int r;

	if (!strcmp(op, "map-open"))
		r = bpf_obj_get(argv[2]);
	else if (!strcmp(op, "map-open-ro"))
		r = open_ro(argv[2]);
	else if (!strcmp(op, "map-by-id"))
		r = map_by_id(argv[2], false);
	else if (!strcmp(op, "map-by-id-ro"))
		r = map_by_id(argv[2], true);
	else if (!strcmp(op, "link-detach")) {
		int fd = bpf_obj_get(argv[2]);

		printf("%s ", outcome(fd));
		r = fd < 0 ? fd : bpf_link_detach(fd);
	} else if (!strcmp(op, "ptrace"))
		r = do_ptrace(atoi(argv[2]));
	else if (!strcmp(op, "getfd") && argc > 3)
		r = getfd(atoi(argv[2]), atoi(argv[3]));
	else if (!strcmp(op, "open-rw"))
		r = open(argv[2], O_RDWR);
	else if (!strcmp(op, "loop-set-fd"))
		r = loop_attach(argv[2], false, false, false);
	else if (!strcmp(op, "loop-configure"))
		r = loop_attach(argv[2], true, argc > 3 && !strcmp(argv[3], "ro"), false);
	else if (!strcmp(op, "loop-set-fd32"))
		r = loop_attach(argv[2], false, false, true);
	else if (!strcmp(op, "loop-configure32"))
		r = loop_attach(argv[2], true, false, true);
	else if (!strcmp(op, "remap32"))
		r = remap32(argv[2]);
	else if (!strcmp(op, "seal-ioctl-as") && argc > 3)
		r = seal_ioctl_as((pid_t)atoi(argv[2]), argv[3]);
	else if (!strcmp(op, "umount"))
		r = umount2(argv[2], 0);
	else if (!strcmp(op, "umount-lazy"))
		r = umount2(argv[2], MNT_DETACH);
	else {
		fprintf(stderr, "usage: sg_attack OP ARG... (see the source)\n");
		return 2;
	}
	puts(outcome(r));
	return 0;
}
