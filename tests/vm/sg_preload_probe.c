// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD into a program, then: BPF_OBJ_GET on $SG_PROBE_PIN before
 * the program's main runs, print "ok" or the errno's name, then stay
 * $SG_PROBE_HOLD seconds (to be ptraced) and exit.  Used
 * by vm_tamper.sh to be "a second sealguardd under LD_PRELOAD": the
 * daemon's own executable, from its own directory, with code of the
 * attacker's choosing.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((constructor)) static void sg_preload_probe(void)
{
	const char *pin = getenv("SG_PROBE_PIN");
	const char *hold = getenv("SG_PROBE_HOLD");
	union bpf_attr attr;
	long fd;

	if (!pin)
		return;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)pin;
	fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd >= 0)
		printf("ok\n");
	else
		printf("%s\n", errno == EPERM ? "EPERM" : strerror(errno));
	fflush(stdout);
	if (hold)
		sleep((unsigned int)atoi(hold));
	_exit(0);
}
