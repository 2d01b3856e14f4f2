// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsealguard-fcntl.so: fcntl(F_ADD_SEALS) and fcntl(F_GET_SEALS) through
 * sealguard for files the kernel cannot seal itself, so that unmodified
 * programs (libwayland-server, systemd-journald, ...) see and add
 * sealguard's seals.  Loaded with LD_PRELOAD, a systemd drop-in or
 * /etc/ld.so.preload: docs/design.md, "The fcntl shim".
 *
 * Every other command, and every file the kernel seals natively, goes to
 * libc's fcntl untouched, after one compare.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "sealguard.h"

#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033
#define F_GET_SEALS 1034
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#endif

typedef int (*fcntl_fn)(int fd, int cmd, ...);

static fcntl_fn real_fcntl, real_fcntl64;
/* Off in sealguardd itself, which answers these requests. */
static bool disabled;

/* sealguardd exports this symbol (user/CMakeLists.txt). */
extern const char sealguardd_no_fcntl_shim __attribute__((weak));

__attribute__((constructor)) static void shim_init(void)
{
	real_fcntl = (fcntl_fn)dlsym(RTLD_NEXT, "fcntl");
	real_fcntl64 = (fcntl_fn)dlsym(RTLD_NEXT, "fcntl64");
	if (!real_fcntl64)
		real_fcntl64 = real_fcntl; /* glibc before 2.28 */
	disabled = &sealguardd_no_fcntl_shim != NULL;
}

/* What the kernel answered, when sealguard has no better answer: no daemon,
 * or one whose error the fcntl contract has no room for (F_GET_SEALS
 * fails only with EINVAL; F_ADD_SEALS with EBUSY, EINVAL or EPERM). */
static int kernel_answer(int r, int kerr)
{
	errno = kerr;
	return r;
}

static int get_seals(fcntl_fn real, int fd)
{
	int kerr, s, r = real(fd, F_GET_SEALS);

	/* Sealed natively: anything but F_SEAL_SEAL alone, which is also what
	 * a memfd made without MFD_ALLOW_SEALING answers, and such a memfd is
	 * sealguard's to seal (user/daemon/seal_ops.c, native_seals()). */
	if (r >= 0 && r != F_SEAL_SEAL)
		return r;
	kerr = errno;
	/* EINVAL: not a file the kernel can seal.  EBADF stays the kernel's. */
	if (r < 0 && kerr != EINVAL)
		return r;
	s = sg_get_seals(fd);
	return s >= 0 ? s : kernel_answer(r, kerr);
}

static int add_seals(fcntl_fn real, int fd, unsigned int seals)
{
	int kerr, native, r = real(fd, F_ADD_SEALS, seals);

	if (r == 0)
		return 0;
	kerr = errno;
	if (kerr != EINVAL && kerr != EPERM)
		return r;
	/* A file the kernel seals itself keeps the kernel's answer; so do a
	 * read-only fd (EPERM, checked first) and unknown bits (EINVAL). */
	native = real(fd, F_GET_SEALS);
	if (native >= 0 && native != F_SEAL_SEAL)
		return kernel_answer(r, kerr);
	if (kerr == EPERM && (native != F_SEAL_SEAL || (real(fd, F_GETFL) & O_ACCMODE) == O_RDONLY))
		return kernel_answer(r, kerr);
	if (sg_add_seals(fd, seals) == 0)
		return 0;
	if (errno == EBUSY || errno == EPERM || errno == EINVAL)
		return -1;
	return kernel_answer(r, kerr);
}

static int dispatch(fcntl_fn real, int fd, int cmd, void *arg)
{
	if (disabled || (cmd != F_GET_SEALS && cmd != F_ADD_SEALS))
		return real(fd, cmd, arg);
	if (cmd == F_GET_SEALS)
		return get_seals(real, fd);
	return add_seals(real, fd, (unsigned int)(unsigned long)arg);
}

/* glibc reads the third argument as a pointer-sized word whatever the
 * command: so do these. */
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd != F_GET_SEALS && cmd != F_ADD_SEALS && real_fcntl)
		return real_fcntl(fd, cmd, arg);
	if (!real_fcntl)
		shim_init(); /* called from another library's constructor */
	return dispatch(real_fcntl, fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (cmd != F_GET_SEALS && cmd != F_ADD_SEALS && real_fcntl64)
		return real_fcntl64(fd, cmd, arg);
	if (!real_fcntl64)
		shim_init();
	return dispatch(real_fcntl64, fd, cmd, arg);
}
