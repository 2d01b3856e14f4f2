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
 *   sg_attack loop-swap SEALED DECOY SECONDS   LOOP_SET_FD on fd T while a
 *                                 thread swaps T between DECOY and SEALED
 *                                 (dup2), so that the check may read DECOY and
 *                                 the loop driver take SEALED; each device set
 *                                 up on SEALED is written (pwrite + fsync,
 *                                 BLKDISCARD, BLKZEROOUT); prints "tries N
 *                                 won W landed L ..." (L: writes that worked)
 *   sg_attack loop-swap-held SEALED DECOY   the same swap made certain:
 *                                 LOOP_CONFIGURE's struct straddles a page
 *                                 boundary, the check's part (the head) on
 *                                 the first page, the rest on a page the
 *                                 kernel's copy waits on (userfaultfd); fd T
 *                                 is pointed at SEALED while it waits; prints
 *                                 "bound-to SEALED|DECOY|none(ERRNO) landed L"
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
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "sealguard_abi.h"
#include "sg_compat32.h"
#include "vm_uffd.h"

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

/* Attached is the attack; then the tracee is let go as it was.  The
 * attach queues a SIGSTOP: detach at the stop it causes, not at an
 * earlier one (a tracee that was still exec'ing stops first for the
 * exec's SIGTRAP), or the SIGSTOP is left pending and stops it for good
 * once untraced; a stopped `sleep` ignores the SIGTERM meant to end it
 * (vm_tamper.sh hung so, once in five runs on 7.3). */
static int do_ptrace(pid_t pid)
{
	int status;

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return -1;
	for (;;) {
		if (waitpid(pid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!WIFSTOPPED(status))
			break; /* gone */
		if (WSTOPSIG(status) == SIGSTOP) {
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
			break;
		}
		ptrace(PTRACE_CONT, pid, NULL, NULL);
	}
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

/* Every way of writing a loop device that reaches its backing file: a
 * write (pwrite + fsync: the data is written back through the backing
 * file's own write path), a discard and a zero-out (the loop driver's
 * fallocate, no write hook of its own).  How many of them worked. */
static int device_writes(int loop)
{
	__u64 range[2] = { 0, 4096 };
	int n = 0;

	n += pwrite(loop, "X", 1, 0) == 1 && fsync(loop) == 0;
	n += ioctl(loop, BLKDISCARD, range) == 0;
	n += ioctl(loop, BLKZEROOUT, range) == 0;
	return n;
}

struct swap_arg {
	int target, sealed, decoy;
	volatile int stop;
};

static void *swapper(void *p)
{
	struct swap_arg *a = p;

	while (!a->stop) {
		dup2(a->sealed, a->target);
		dup2(a->decoy, a->target);
	}
	return NULL;
}

/* The fd swap against the LOOP_SET_FD check, for SECONDS or until 3
 * devices were set up on SEALED; every one of them is written. */
static int loop_swap(const char *sealed_path, const char *decoy_path, int seconds)
{
	long tries = 0, won = 0, landed = 0, refused = 0, failed = 0, bound = 0;
	struct swap_arg a = { .stop = 0 };
	time_t end = time(NULL) + seconds;
	struct loop_info64 info;
	struct stat sealed_st;
	int ctl, last_errno = 0;
	pthread_t t;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	a.sealed = open(sealed_path, O_RDWR | O_CLOEXEC);
	a.decoy = open(decoy_path, O_RDWR | O_CLOEXEC);
	a.target = dup(a.decoy);
	if (ctl < 0 || a.sealed < 0 || a.decoy < 0 || a.target < 0 || fstat(a.sealed, &sealed_st) < 0 ||
	    pthread_create(&t, NULL, swapper, &a)) {
		fprintf(stderr, "sg_attack: cannot set up the swap: %m\n");
		exit(2);
	}
	/* A free device for each try, as losetup takes one: a device whose
	 * clearing is still under way is left behind. */
	while (time(NULL) < end && won < 3) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), loop;
		char dev[32];

		snprintf(dev, sizeof(dev), "/dev/loop%d", n);
		loop = n < 0 ? -1 : open(dev, O_RDWR | O_CLOEXEC);
		if (loop < 0) {
			fprintf(stderr, "sg_attack: no free loop device: %m\n");
			break;
		}
		tries++;
		if (ioctl(loop, LOOP_SET_FD, a.target) < 0) {
			if (errno == EPERM)
				refused++;
			else
				failed++, last_errno = errno;
			close(loop);
			continue;
		}
		bound++;
		if (ioctl(loop, LOOP_GET_STATUS64, &info) == 0 && info.lo_inode == sealed_st.st_ino) {
			won++;
			landed += device_writes(loop);
		}
		ioctl(loop, LOOP_CLR_FD, 0);
		close(loop);
	}
	a.stop = 1;
	pthread_join(t, NULL);
	printf("tries %ld won %ld landed %ld refused %ld bound-to-decoy %ld failed %ld%s%s\n", tries, won, landed,
	       refused, bound - won, failed, failed ? " last " : "", failed ? strerrorname_np(last_errno) : "");
	return 0;
}

struct held_arg {
	int uffd, target, sealed;
	char *page;
	int faults;
};

static void *held_swapper(void *p)
{
	struct held_arg *a = p;

	a->faults = vm_uffd_wait_faults(a->uffd, 1);
	if (a->faults == 1)
		dup2(a->sealed, a->target);
	vm_uffd_fill(a->uffd, a->page, 0, NULL);
	return NULL;
}

/* LOOP_CONFIGURE on fd T (the decoy) held inside the kernel's copy of its
 * struct, after sealguard's check read the struct's head and T, and before
 * the loop driver's fget: T is pointed at SEALED meanwhile.  Whatever the
 * device got is written (device_writes()). */
static int loop_swap_held(const char *sealed_path, const char *decoy_path)
{
	/* The check reads the head: its 64 bytes end the first page. */
	const size_t head = 64;
	struct held_arg a = { 0 };
	struct loop_config *cfg, init = { 0 };
	struct loop_info64 info;
	struct stat sealed_st, decoy_st;
	int ctl, n, loop, decoy, r, landed = 0;
	char *region = NULL, dev[32];
	const char *bound = "none";
	pthread_t t;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	a.sealed = open(sealed_path, O_RDWR | O_CLOEXEC);
	decoy = open(decoy_path, O_RDWR | O_CLOEXEC);
	a.target = dup(decoy);
	a.uffd = vm_uffd_region(&region, 2);
	n = ctl < 0 ? -1 : ioctl(ctl, LOOP_CTL_GET_FREE);
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	loop = n < 0 ? -1 : open(dev, O_RDWR | O_CLOEXEC);
	if (a.sealed < 0 || decoy < 0 || a.target < 0 || a.uffd < 0 || loop < 0 || fstat(a.sealed, &sealed_st) < 0 ||
	    fstat(decoy, &decoy_st) < 0) {
		fprintf(stderr, "sg_attack: cannot set up the held swap: %m\n");
		exit(2);
	}
	/* The first page present (the head in its last 64 bytes), the second
	 * missing: the kernel's copy_from_user of the whole struct waits there. */
	{
		static char first[VM_UFFD_PAGE];

		init.fd = (__u32)a.target;
		memcpy(first + VM_UFFD_PAGE - head, &init, head);
		if (vm_uffd_fill(a.uffd, region, 0, first) < 0) {
			fprintf(stderr, "sg_attack: UFFDIO_COPY: %m\n");
			exit(2);
		}
	}
	cfg = (struct loop_config *)(region + VM_UFFD_PAGE - head);
	a.page = region + VM_UFFD_PAGE;
	if (pthread_create(&t, NULL, held_swapper, &a)) {
		fprintf(stderr, "sg_attack: pthread_create: %m\n");
		exit(2);
	}
	r = ioctl(loop, LOOP_CONFIGURE, cfg);
	pthread_join(t, NULL);
	if (r == 0 && ioctl(loop, LOOP_GET_STATUS64, &info) == 0) {
		bound = info.lo_inode == sealed_st.st_ino  ? "SEALED"
			: info.lo_inode == decoy_st.st_ino ? "DECOY"
							   : "other";
		if (info.lo_inode == sealed_st.st_ino)
			landed = device_writes(loop);
		ioctl(loop, LOOP_CLR_FD, 0);
	}
	if (r < 0)
		printf("bound-to none(%s) landed 0 held %d\n", strerrorname_np(errno), a.faults);
	else
		printf("bound-to %s landed %d held %d\n", bound, landed, a.faults);
	close(loop);
	return 0;
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
	else if (!strcmp(op, "loop-swap") && argc > 4)
		r = loop_swap(argv[2], argv[3], atoi(argv[4]));
	else if (!strcmp(op, "loop-swap-held") && argc > 3)
		r = loop_swap_held(argv[2], argv[3]);
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
