/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Holding a syscall inside the kernel for as long as a test needs: the
 * call reads its source (a write's buffer, AIO's iovec array) from pages
 * nobody has touched, watched by userfaultfd, and waits there -- inside
 * the inode lock, for a write -- until the test fills them.  For the VM
 * tests (vm_fence, vm_fence_pool, vm_append_race).
 */
#ifndef SG_VM_UFFD_H
#define SG_VM_UFFD_H

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VM_UFFD_PAGE 4096

/* A userfaultfd over n fresh pages at *region, or -1. */
static inline int vm_uffd_region(char **region, int n)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0)
		return -1;
	*region = mmap(NULL, (size_t)n * VM_UFFD_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)*region;
	reg.range.len = (unsigned long)n * VM_UFFD_PAGE;
	if (*region == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api) < 0 || ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) {
		close(uffd);
		return -1;
	}
	return uffd;
}

/* Until n page faults have come (each within 10 s): how many did. */
static inline int vm_uffd_wait_faults(int uffd, int n)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	int seen = 0;

	while (seen < n && poll(&pfd, 1, 10000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg))
		seen += msg.event == UFFD_EVENT_PAGEFAULT;
	return seen;
}

/* Lets the call waiting on page go on, the page full of c (or of src,
 * when given). */
static inline int vm_uffd_fill(int uffd, char *page, char c, const void *src)
{
	static char buf[VM_UFFD_PAGE] __attribute__((aligned(VM_UFFD_PAGE)));
	struct uffdio_copy copy = { .dst = (unsigned long)page, .src = (unsigned long)buf, .len = VM_UFFD_PAGE };

	if (src)
		memcpy(buf, src, sizeof(buf));
	else
		memset(buf, c, sizeof(buf));
	return ioctl(uffd, UFFDIO_COPY, &copy);
}

#endif
