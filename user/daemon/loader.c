// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and pinning.  Maps are pinned under PIN_DIR/maps and reused by
 * every later daemon, so seals outlive it.  Links are pinned under
 * PIN_DIR/links; a new daemon attaches its programs first and only then
 * replaces the old pins, so there is no moment with no program attached.
 */
#include "loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "kernel_check.h"
#include "log.h"
#include "sealguard.skel.h"
#include "sealguard_abi.h"

static int ensure_bpffs(const char *pin_dir)
{
	struct statfs st;

	if (statfs("/sys/fs/bpf", &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0)
		return -errno;
	(void)pin_dir;
	return 0;
}

static int mkdir_p(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static bool pinned(const char *pin_dir, const char *map)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/maps/%s", pin_dir, map);
	return access(path, F_OK) == 0;
}

static int set_map_pins(struct sealguard_bpf *skel, const char *pin_dir)
{
	struct bpf_map *map;
	char path[512];

	bpf_object__for_each_map(map, skel->obj) {
		/* .rodata and friends are per-object constants, not state. */
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/maps/%s", pin_dir, bpf_map__name(map));
		if (bpf_map__set_pin_path(map, path))
			return -errno;
	}
	return 0;
}

/* Attach every loaded program, then swap the pins: old links go away only
 * once the new ones are live. */
static int attach_and_pin(struct sealguard_bpf *skel, const char *pin_dir, char *why, size_t len)
{
	struct bpf_program *prog;
	struct bpf_link *links[64];
	const char *names[64];
	char path[512];
	size_t n = 0, i;
	DIR *dir;
	struct dirent *de;
	int r = 0;

	/* Tracing programs first: the fexit programs that close what an LSM
	 * program opens (the mmap in-flight count) must be there before it. */
	for (int lsm = 0; lsm < 2; lsm++) {
		bpf_object__for_each_program(prog, skel->obj) {
			if (!bpf_program__autoload(prog) ||
			    (strncmp(bpf_program__section_name(prog), "lsm/", 4) == 0) != lsm)
				continue;
			if (n == sizeof(links) / sizeof(links[0])) {
				r = -E2BIG;
				snprintf(why, len, "more programs than the loader can hold (%zu)", n);
				goto fail;
			}
			links[n] = bpf_program__attach(prog);
			if (!links[n]) {
				r = -errno;
				snprintf(why, len, "attaching %s failed (%s)", bpf_program__name(prog), strerror(-r));
				goto fail;
			}
			names[n++] = bpf_program__name(prog);
		}
	}

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/links/%s", pin_dir, names[i]);
		if (unlink(path) < 0 && errno != ENOENT) {
			r = -errno;
			snprintf(why, len, "cannot replace pinned link %s (%s)", path, strerror(-r));
			goto fail;
		}
		r = bpf_link__pin(links[i], path);
		if (r) {
			snprintf(why, len, "cannot pin link %s (%s)", path, strerror(-r));
			goto fail;
		}
	}

	/* Programs an older version had and this one does not. */
	snprintf(path, sizeof(path), "%s/links", pin_dir);
	dir = opendir(path);
	while (dir && (de = readdir(dir))) {
		bool ours = de->d_name[0] == '.';

		for (i = 0; i < n && !ours; i++)
			ours = strcmp(de->d_name, names[i]) == 0;
		if (!ours)
			unlinkat(dirfd(dir), de->d_name, 0);
	}
	if (dir)
		closedir(dir);

	/* The pins hold the links now; our handles are not needed. */
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	return 0;
fail:
	for (i = 0; i < n; i++)
		bpf_link__destroy(links[i]);
	return r;
}

static int register_daemon(struct sealguard_bpf *skel, const char *pin_dir)
{
	struct sg_config cfg = { 0 };
	__u32 zero = 0;
	int r;

	/* The apply rules in force stay so until this daemon installs its own. */
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.sg_config), &zero, &cfg);
	cfg.daemon_tgid = (__u32)getpid();
	r = sg_guard_identity(&cfg, pin_dir);
	if (r < 0)
		return r;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.sg_config), &zero, &cfg, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* The programs find struct loop_device in the loop module's BTF, if the
 * module is loaded before they are (bpf/sg_bypass.h, "Writes through a
 * loop device"): load it as opening /dev/loop-control would. */
static void load_loop_module(void)
{
	char *const argv[] = { (char *)"modprobe", (char *)"-q", (char *)"loop", NULL };
	int status;
	pid_t pid;

	if (access("/sys/module/loop", F_OK) == 0)
		return;
	if (posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	if (access("/sys/module/loop", F_OK) < 0)
		log_notice("the loop module is not loaded (modprobe loop failed): writes through a loop device "
			   "set up later are judged only when it is set up");
}

int sg_loader_start(struct sg_daemon *d, char *why, size_t len)
{
	struct sg_kernel_features feat;
	struct sealguard_bpf *skel;
	bool had_inodes, had_live;
	char path[512];
	int r;

	r = sg_kernel_check(&feat, why, len);
	if (r < 0)
		return r;

	r = ensure_bpffs(d->pin_dir);
	if (r < 0) {
		snprintf(why, len, "cannot mount the BPF filesystem on /sys/fs/bpf (%s)", strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/maps", d->pin_dir);
	if ((r = mkdir_p(d->pin_dir, 0700)) < 0 || (r = mkdir_p(path, 0700)) < 0) {
		snprintf(why, len, "cannot create the pin directory %s (%s)", path, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/links", d->pin_dir);
	if ((r = mkdir_p(path, 0700)) < 0) {
		snprintf(why, len, "cannot create the pin directory %s (%s)", path, strerror(-r));
		return r;
	}

	load_loop_module();
	skel = sealguard_bpf__open();
	if (!skel) {
		r = -errno;
		snprintf(why, len, "cannot open the embedded BPF object (%s)", strerror(-r));
		return r;
	}
	sg_kernel_select_programs(skel, &feat);
	sg_kernel_describe(&feat, path, sizeof(path));
	log_info("%s", path);
	r = set_map_pins(skel, d->pin_dir);
	had_inodes = pinned(d->pin_dir, "sg_inodes");
	had_live = pinned(d->pin_dir, "sg_live_count");
	if (r == 0)
		r = sealguard_bpf__load(skel);
	if (r) {
		snprintf(path, sizeof(path), "%s/maps/sg_config", d->pin_dir);
		if (r == -EPERM && access(path, F_OK) == 0)
			snprintf(why, len,
				 "the tamper guard refuses this process the pinned maps in %s/maps: "
				 "they belong to a sealguardd run from another path; run that one, or stop "
				 "enforcement first with 'sealctl unload'",
				 d->pin_dir);
		else
			sg_kernel_explain_load_error(r, why, len);
		sealguard_bpf__destroy(skel);
		return r;
	}
	/* Seals added by a version that did not count them: the count is
	 * never trusted to reach zero, so nothing is ever detached. */
	if (had_inodes && !had_live) {
		__s64 never = INT64_MAX / 2;
		__u32 zero = 0;

		bpf_map_update_elem(bpf_map__fd(skel->maps.sg_live_count), &zero, &never, BPF_ANY);
	}
	r = register_daemon(skel, d->pin_dir);
	if (r == 0)
		r = attach_and_pin(skel, d->pin_dir, why, len);
	else
		snprintf(why, len, "cannot write the configuration map (%s)", strerror(-r));
	if (r == 0)
		r = sg_guard_arm(skel, d->pin_dir, why, len);
	if (r) {
		sealguard_bpf__destroy(skel);
		return r;
	}
	d->skel = skel;
	d->inodes_fd = bpf_map__fd(skel->maps.sg_inodes);
	d->sealed_fd = bpf_map__fd(skel->maps.sg_sealed);
	d->evicted_fd = bpf_map__fd(skel->maps.sg_evicted);
	d->ioc_key_fd = bpf_map__fd(skel->maps.sg_ioc_key);
	return 0;
}

void sg_loader_close(struct sg_daemon *d)
{
	if (d->skel)
		sealguard_bpf__destroy(d->skel);
	d->skel = NULL;
	d->inodes_fd = -1;
	d->sealed_fd = -1;
	d->evicted_fd = -1;
	d->ioc_key_fd = -1;
}

static int remove_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *de;
	int r = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.' && unlinkat(dirfd(dir), de->d_name, 0) < 0)
			r = -errno;
	closedir(dir);
	if (rmdir(path) < 0 && errno != ENOENT)
		r = r ? r : -errno;
	return r;
}

/* A process other than this one running this executable: while a daemon
 * is registered, the tamper guard refuses everyone else the pins, us
 * included, so its pid is found where it runs. */
static pid_t running_copy(void)
{
	char self[PATH_MAX], exe[PATH_MAX], path[64];
	struct dirent *de;
	pid_t found = 0;
	DIR *dir;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 0;
	self[n] = '\0';
	dir = opendir("/proc");
	if (!dir)
		return 0;
	while (!found && (de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		n = readlink(path, exe, sizeof(exe) - 1);
		if (n <= 0)
			continue;
		exe[n] = '\0';
		/* The daemon an upgrade renamed a new executable over. */
		if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
			exe[n - 10] = '\0';
		if (strcmp(exe, self) == 0)
			found = (pid_t)pid;
	}
	closedir(dir);
	return found;
}

pid_t sg_loader_owner(const char *pin_dir)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro, .file_flags = BPF_F_RDONLY);
	struct sg_config cfg = { 0 };
	char path[512], exe[64];
	__u32 zero = 0;
	int fd, r;

	snprintf(path, sizeof(path), "%s/maps/sg_config", pin_dir);
	fd = bpf_obj_get_opts(path, &ro);
	if (fd < 0) {
		if (errno != EPERM)
			return 0;
		/* Refused: a registered daemon (or one run from another path). */
		return running_copy() ?: -EPERM;
	}
	r = bpf_map_lookup_elem(fd, &zero, &cfg);
	close(fd);
	if (r < 0 || !cfg.daemon_tgid || cfg.daemon_tgid == (__u32)getpid())
		return 0;
	/* A daemon that died and was not reaped yet has no exe link.  (A
	 * reused pid errs on the side of refusing.) */
	snprintf(path, sizeof(path), "/proc/%u/exe", cfg.daemon_tgid);
	r = (int)readlink(path, exe, sizeof(exe) - 1);
	return r > 0 ? (pid_t)cfg.daemon_tgid : 0;
}

int sg_loader_unload(const char *pin_dir)
{
	char path[512];
	int r, r2;

	snprintf(path, sizeof(path), "%s/links", pin_dir);
	r = remove_dir(path);
	snprintf(path, sizeof(path), "%s/maps", pin_dir);
	r2 = remove_dir(path);
	if (rmdir(pin_dir) < 0 && errno != ENOENT && !r && !r2)
		return -errno;
	return r ? r : r2;
}
