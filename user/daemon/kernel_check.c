// SPDX-License-Identifier: GPL-2.0
#include "kernel_check.h"
#include "lsm_list.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define LSM_LIST    "/sys/kernel/security/lsm"
#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static int read_lsm_list(char *buf, size_t len)
{
	FILE *f = fopen(LSM_LIST, "re");

	if (!f && errno == ENOENT) {
		/* securityfs is often not mounted in minimal systems. */
		if (mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) < 0 && errno != EBUSY)
			return -errno;
		f = fopen(LSM_LIST, "re");
	}
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The program table (bpf/sg_programs.def; docs/design.md, "The program
 * table"): what the loader and --detach-idle need of each program. */
static const struct sg_prog {
	const char *name;
	const char *sec;
	bool detachable;
	bool write_exit;
} progs[] = {
#define SG_PROG(name, sec, load_if, detachable, write_exit) { #name, sec, detachable, write_exit },
#include "sg_programs.def"
};

/* Write exits are numbered in table order: their bits in
 * sg_kernel_features.write_exits. */
#define SG_PROG(name, sec, load_if, detachable, write_exit) +(write_exit)
_Static_assert(0
#include "sg_programs.def"
		       <= 32,
	       "more write exits than bits in sg_kernel_features.write_exits");

/* The name of the struct that parameter i of function name points to, or
 * NULL. */
static const char *btf_func_param_struct(const struct btf *btf, const char *name, int i)
{
	const struct btf_type *t;
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);

	if (id < 0 || !(t = btf__type_by_id(btf, id)) || !(t = btf__type_by_id(btf, t->type)) ||
	    !btf_is_func_proto(t) || i >= btf_vlen(t))
		return NULL;
	t = btf__type_by_id(btf, btf_params(t)[i].type);
	while (t && (btf_is_mod(t) || btf_is_typedef(t) || btf_is_ptr(t)))
		t = btf__type_by_id(btf, t->type);
	return t && btf_is_struct(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static int btf_func_params(const struct btf *btf, const char *name)
{
	const struct btf_type *t;
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);

	if (id < 0)
		return -ENOENT;
	t = btf__type_by_id(btf, id);
	t = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!t || !btf_is_func_proto(t))
		return -EINVAL;
	return btf_vlen(t);
}

/* A member of t by name, looking into anonymous structs and unions as C
 * does (struct io_kiocb's rw sits in one before 5.19). */
static bool btf_type_has_member(const struct btf *btf, const struct btf_type *t, const char *member, int depth)
{
	const struct btf_member *m;
	int i;

	if (!t || !btf_is_composite(t) || depth > 4)
		return false;
	for (i = 0, m = btf_members(t); i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (name && strcmp(name, member) == 0)
			return true;
		if ((!name || !*name) && btf_type_has_member(btf, btf__type_by_id(btf, m->type), member, depth + 1))
			return true;
	}
	return false;
}

static bool btf_struct_has_member(const struct btf *btf, const char *type, const char *member)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);

	return id >= 0 && btf_type_has_member(btf, btf__type_by_id(btf, id), member, 0);
}

/* Whether this process may load a BPF LSM program at all: the LSM list
 * and BTF can say yes on a kernel that refuses the load (a container's
 * seccomp or capability set, lockdown).  Loads "return 0" for file_open
 * and closes it: nothing is attached.  0 or -errno. */
static int probe_lsm_load(const struct btf *btf)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC);
	int id = btf__find_by_name_kind(btf, "bpf_lsm_file_open", BTF_KIND_FUNC), fd;

	if (id < 0)
		return -EOPNOTSUPP;
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "sg_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int sg_kernel_check(struct sg_kernel_features *feat, char *why, size_t len)
{
	static const char *const required[] = {
		"bpf_lsm_file_permission", "bpf_lsm_mmap_file", "bpf_lsm_file_mprotect", "bpf_lsm_file_ioctl",
		"rw_verify_area",	   "vfs_fallocate",	"vm_mmap_pgoff",
	};
	char lsm[512];
	struct btf *btf;
	int r, n;
	size_t i;

	memset(feat, 0, sizeof(*feat));
	if (geteuid() != 0) {
		snprintf(why, len,
			 "sealguardd must run as root, since it loads and pins BPF LSM programs: "
			 "start it with sudo or as the sealguard systemd service");
		return -EPERM;
	}
	if (access(VMLINUX_BTF, R_OK) < 0) {
		snprintf(why, len,
			 "this kernel exposes no BTF (%s is missing): sealguard needs a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF=y (Debian's kernels since bullseye have it)",
			 VMLINUX_BTF);
		return -ENOENT;
	}
	r = read_lsm_list(lsm, sizeof(lsm));
	if (r < 0) {
		snprintf(why, len,
			 "cannot read the active LSM list from %s (%s): mount securityfs on "
			 "/sys/kernel/security and try again",
			 LSM_LIST, strerror(-r));
		return r;
	}
	if (!sg_lsm_list_has(lsm, "bpf")) {
		sg_lsm_missing_sentence(lsm, why, len);
		return -EOPNOTSUPP;
	}

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		r = -errno;
		snprintf(why, len, "cannot parse the kernel's BTF in %s (%s)", VMLINUX_BTF, strerror(-r));
		return r;
	}
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (btf_func_params(btf, required[i]) < 0) {
			snprintf(why, len,
				 "this kernel is too old or built without what sealguard hooks: "
				 "%s is not in its BTF; sealguard needs Linux 5.10 or later with "
				 "CONFIG_BPF_LSM=y and CONFIG_DEBUG_INFO_BTF=y",
				 required[i]);
			btf__free(btf);
			return -EOPNOTSUPP;
		}
	}
	r = probe_lsm_load(btf);
	if (r < 0) {
		snprintf(why, len,
			 "this kernel refuses to load a BPF LSM program here (%s), though bpf is an active "
			 "LSM: a container's seccomp filter or capability bounding set, or kernel lockdown, "
			 "can do that; run sealguardd on the host, as root with CAP_BPF, CAP_PERFMON and "
			 "CAP_SYS_ADMIN",
			 strerror(-r));
		btf__free(btf);
		return r;
	}
	n = btf_func_params(btf, "bpf_lsm_inode_setattr");
	if (n != 2 && n != 3) {
		snprintf(why, len,
			 "unexpected inode_setattr hook signature in this kernel's BTF "
			 "(%d parameters): this sealguard does not know it yet",
			 n);
		btf__free(btf);
		return -EOPNOTSUPP;
	}
	feat->setattr_has_idmap = n == 3;
	feat->has_vfs_writev = btf_func_params(btf, "vfs_writev") >= 0;
	feat->has_aio_write = btf_func_params(btf, "aio_write") >= 0;
	/* Before 5.19 io_uring's RWF_* lived elsewhere (struct io_rw has no flags). */
	feat->has_io_write = btf_func_params(btf, "io_write") >= 0 && btf_struct_has_member(btf, "io_rw", "flags");
	/* Before: the SQE's flags from io_prep_rw, where it is not inlined. */
	feat->has_io_prep_rw = !feat->has_io_write && btf_func_params(btf, "io_write") >= 0 &&
			       btf_func_params(btf, "io_prep_rw") >= 0 && btf_struct_has_member(btf, "io_kiocb", "rw");
	feat->has_do_shmat = btf_func_params(btf, "do_shmat") >= 0;
	feat->has_remap_file_pages = btf_func_params(btf, "__x64_sys_remap_file_pages") >= 0;
	feat->has_remap_file_pages_ia32 = btf_func_params(btf, "__ia32_sys_remap_file_pages") >= 0;
	feat->has_ioctl_compat = btf_func_params(btf, "bpf_lsm_file_ioctl_compat") >= 0;
	feat->has_uring_cmd_hook = btf_func_params(btf, "bpf_lsm_uring_cmd") >= 0;
	/* A helper's implementation is in BTF exactly when the kernel has it. */
	feat->has_madvise_probe = btf_func_params(btf, "do_madvise") >= 0 && btf_func_params(btf, "bpf_find_vma") >= 0;
	feat->has_inode_free_hook = btf_func_params(btf, "bpf_lsm_inode_free_security") >= 0;
	feat->has_uffd_probe = btf_func_params(btf, "bpf_find_vma") >= 0;
	/* LSM programs were given bpf_spin_lock by the series that added
	 * task storage (5.11), whose helper marks it. */
	feat->has_spin_lock = btf_func_params(btf, "bpf_task_storage_get") >= 0;
	/* Tracing programs were given task storage in 5.15, the release that
	 * gave them bpf_get_func_ip. */
	feat->has_task_storage = feat->has_spin_lock && btf_func_params(btf, "bpf_get_func_ip_tracing") >= 0;
	/* bpf_d_path became callable from LSM programs with the list of
	 * sleepable hooks (5.11), which bpf_lsm_is_sleepable_hook keeps. */
	feat->can_d_path = btf_func_params(btf, "bpf_lsm_is_sleepable_hook") >= 0;
	/* Programs on functions taking structs by value (path_chown's kuid_t)
	 * came with the trampoline's per-argument flags (6.1). */
	feat->has_chown_hook = btf_func_params(btf, "bpf_lsm_path_chown") >= 0 &&
			       btf_struct_has_member(btf, "btf_func_model", "arg_flags");
	/* overlayfs names the overlay inode of each backing file it opens here
	 * (bpf/sg_overlay.h); task storage holds it until file_open takes it. */
	feat->has_backing_open = btf_func_params(btf, "backing_file_open") >= 0 &&
				 btf_func_params(btf, "bpf_task_storage_get") >= 0;
	feat->has_backing_tmpfile_open = feat->has_backing_open && btf_func_params(btf, "backing_tmpfile_open") >= 0;
	if (feat->has_backing_open) {
		const char *s = btf_func_param_struct(btf, "backing_file_open", 0);

		/* The overlay's file since 7.x (and 6.12.118), its path before. */
		feat->backing_open_takes_file = s && strcmp(s, "file") == 0;
		if (!s || (!feat->backing_open_takes_file && strcmp(s, "path") != 0))
			feat->has_backing_open = feat->has_backing_tmpfile_open = 0;
	}
	feat->write_exits = 0;
	for (size_t i = 0, bit = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (!progs[i].write_exit)
			continue;
		/* "fexit/" and the call's name. */
		if (btf_func_params(btf, strchr(progs[i].sec, '/') + 1) >= 0)
			feat->write_exits |= 1u << bit;
		bit++;
	}
	btf__free(btf);

	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_INODE_STORAGE, NULL) <= 0) {
		snprintf(why, len,
			 "this kernel cannot create BPF inode storage maps: sealguard needs "
			 "Linux 5.10 or later with CONFIG_BPF_LSM=y");
		return -EOPNOTSUPP;
	}
	return 0;
}

void sg_kernel_explain_load_error(int err, char *why, size_t len)
{
	/* EACCES is the verifier rejecting a program, not a policy refusal. */
	if (err == -EPERM)
		snprintf(why, len,
			 "this kernel refuses to load BPF LSM and tracing programs (%s, although we run as "
			 "root and bpf is an active LSM): a lockdown or sandbox policy of the kernel or its "
			 "host forbids them; run sealguard on a kernel that allows BPF LSM "
			 "(to try it here: script/run --vm)",
			 strerror(-err));
	else
		snprintf(why, len,
			 "this kernel's verifier rejected sealguard's BPF programs (%s): this "
			 "kernel is not supported yet; run with --verbose to see the verifier's log",
			 strerror(-err));
}

void sg_kernel_select_programs(struct sealguard_bpf *skel, const struct sg_kernel_features *f)
{
	unsigned int nexit = 0; /* the write exits so far */
	bool in_btf;

	/* Each line of the table is one statement: its load_if decides (the
	 * names are skel->progs' members, so the build fails on a line naming
	 * no program). */
#define SG_IF_IN_BTF in_btf
#define SG_PROG(name, sec, load_if, detachable, write_exit)          \
	in_btf = (write_exit) && (f->write_exits & (1u << nexit++)); \
	bpf_program__set_autoload(skel->progs.name, (load_if));
#include "sg_programs.def"
#undef SG_IF_IN_BTF

	skel->rodata->sg_can_d_path = f->can_d_path;
	skel->rodata->sg_has_spin_lock = f->has_spin_lock;
	skel->rodata->sg_has_task_storage = f->has_task_storage;
	if (!f->has_task_storage) {
		/* The same map as a hash keyed by thread id (bpf/sg_task.h). */
		bpf_map__set_type(skel->maps.sg_tasks, BPF_MAP_TYPE_HASH);
		bpf_map__set_max_entries(skel->maps.sg_tasks, SG_TASKS_HASH_MAX);
	}
	bpf_map__set_autocreate(skel->maps.sg_backing_opens, f->has_backing_open);
}

/* A do-nothing fentry program on vfs_fallocate, attached, detached, and
 * attached again: before 5.13 the kernel forgets a tracing or LSM
 * program's target once its first link goes, and the second attach fails
 * (ENOENT). */
int sg_kernel_can_reattach(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	struct btf *btf = btf__load_vmlinux_btf();
	int id, prog, link, r = 0;

	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, "vfs_fallocate", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0)
		return id;
	opts.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sg_reattach", "GPL", insns, 2, &opts);
	if (prog < 0)
		return -errno;
	/* Closing the only fd of an unpinned link detaches it before close()
	 * returns to user space. */
	link = bpf_link_create(prog, 0, BPF_TRACE_FENTRY, NULL);
	if (link < 0) {
		r = -errno;
	} else {
		close(link);
		link = bpf_link_create(prog, 0, BPF_TRACE_FENTRY, NULL);
		r = link >= 0;
		if (link >= 0)
			close(link);
	}
	close(prog);
	return r;
}

bool sg_kernel_prog_detachable(const char *name)
{
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		if (strcmp(name, progs[i].name) == 0)
			return progs[i].detachable;
	return false;
}

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* An executable memfd with a writable shared mapping, then F_SEAL_EXEC,
 * which implies F_SEAL_WRITE (sealguard always answers EBUSY here: the
 * docs/semantics.md: divergence exec-implied-write-with-rw-map). */
enum sg_native_exec sg_kernel_native_exec(void)
{
	enum sg_native_exec r = SG_NATIVE_EXEC_UNKNOWN;
	int fd = memfd_create("sealguard-exec-probe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	void *map = MAP_FAILED;

	if (fd < 0 || ftruncate(fd, 4096) < 0 || fchmod(fd, 0755) < 0)
		goto out;
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto out;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC) == 0)
		r = SG_NATIVE_EXEC_UNCHECKED;
	else if (errno == EBUSY)
		r = SG_NATIVE_EXEC_CHECKED;
	else if (errno == EINVAL)
		r = SG_NATIVE_EXEC_NONE;
out:
	if (map != MAP_FAILED)
		munmap(map, 4096);
	if (fd >= 0)
		close(fd);
	return r;
}

void sg_kernel_describe(const struct sg_kernel_features *f, char *buf, size_t len)
{
	snprintf(buf, len,
		 "kernel paths: inode_setattr %s idmap; io_uring RWF_APPEND %s; "
		 "MADV_REMOVE through read-only maps %s; userfaultfd fills %s; "
		 "policy seals listed %s; seal state locked by %s; per-task records in %s; "
		 "chown under the fence %s; "
		 "overlay backing files %s",
		 f->setattr_has_idmap ? "with" : "without",
		 f->has_io_write     ? "from io_rw.flags"
		 : f->has_io_prep_rw ? "from the SQE in io_prep_rw"
				     : "NOT SEEN (no io_write/io_prep_rw to probe)",
		 f->has_madvise_probe ? "EACCES" : "EPERM (no bpf_find_vma, 5.17+)",
		 f->has_uffd_probe ? "checked" : "NOT CHECKED (no bpf_find_vma, 5.17+)",
		 f->can_d_path ? "with their path" : "without path (no bpf_d_path in LSM programs, 5.11+)",
		 f->has_spin_lock ? "bpf_spin_lock" : "a map entry (no bpf_spin_lock in LSM programs, 5.11+)",
		 f->has_task_storage ? "task storage"
				     : "a thread-id hash of 16384 (no task storage in tracing programs, 5.15+)",
		 f->has_chown_hook
			 ? "told from writes"
			 : "NOT TOLD from a write the same task made before the seal (no struct arguments, 6.1+)",
		 !f->has_backing_open	      ? "from their f_path (up to 6.4)"
		 : f->backing_open_takes_file ? "from backing_file_open(user_file)"
					      : "from backing_file_open(user_path)");
}
