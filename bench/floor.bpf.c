// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's floor: a program that decides nothing on every hook and
 * probe sealguard uses, one for each line of the program table
 * (bpf/sg_programs.def) with the same name and section, so sg_bench loads
 * exactly the same set.  What it costs is what any BPF LSM design pays for
 * the trampolines; sealguard's own cost is measured against it.
 *
 * Returning 0 lets every call through: an LSM hook allows it, fmod_ret
 * calls the function, fentry, fexit and tp_btf must return 0.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define SG_PROG(name, sec, ...) \
	SEC(sec)                \
	int name(void *ctx)     \
	{                       \
		return 0;       \
	}
#include "sg_programs.def"
