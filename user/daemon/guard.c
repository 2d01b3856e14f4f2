// SPDX-License-Identifier: GPL-2.0
/*
 * Arming the tamper guard (bpf/sg_guard.h): tell the kernel which maps
 * and pins are sealguard's, and which executable may adopt them later.
 */
#include "guard.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sealguard.skel.h"
#include "sealguard_abi.h"

static __u32 kernel_dev(dev_t dev)
{
	return (__u32)(major(dev) << 20 | minor(dev));
}

int sg_guard_identity(struct sg_config *cfg, const char *pin_dir)
{
	char exe[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return -errno;
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s", exe);
	if (stat(dirname(dir), &st) < 0)
		return -errno;
	cfg->exe_dir_ino = st.st_ino;
	cfg->exe_dir_dev = kernel_dev(st.st_dev);
	memset(cfg->exe_name, 0, sizeof(cfg->exe_name));
	/* The kernel compares the first SG_EXE_NAME_MAX - 1 bytes, as read
	 * into a buffer of that size with its NUL. */
	snprintf(cfg->exe_name, sizeof(cfg->exe_name), "%s", basename(exe));
	if (stat(pin_dir, &st) < 0)
		return -errno;
	cfg->pin_dev = kernel_dev(st.st_dev);
	return 0;
}

static int guard_maps(struct sealguard_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.sg_guard_maps);
	__u32 ids[64], key = 0, next = 0, one = 1;
	struct bpf_map_info info;
	struct bpf_map *map;
	__u32 len, n = 0, i;
	bool keep;

	bpf_object__for_each_map(map, skel->obj) {
		/* Not created on this kernel (kernel_check.c). */
		if (!bpf_map__autocreate(map))
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (n == 64 || bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) < 0)
			return n == 64 ? -E2BIG : -errno;
		ids[n++] = info.id;
		if (bpf_map_update_elem(fd, &info.id, &one, BPF_ANY) < 0)
			return -errno;
	}
	/* An earlier daemon's internal maps (.rodata, .bss) died with its
	 * programs; their ids go, so the set stays small. */
	for (int more = bpf_map_get_next_key(fd, NULL, &key) == 0; more; key = next) {
		more = bpf_map_get_next_key(fd, &key, &next) == 0;
		for (keep = false, i = 0; i < n && !keep; i++)
			keep = ids[i] == key;
		if (!keep)
			bpf_map_delete_elem(fd, &key);
	}
	return 0;
}

static int mark(int map_fd, int dirfd, const char *name)
{
	__u32 one = 1;
	int fd, r = 0;

	/* O_PATH: link and program pins cannot be opened for reading. */
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(map_fd, &fd, &one, BPF_ANY) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int mark_dir(int map_fd, const char *pin_dir, const char *sub)
{
	char path[512];
	struct dirent *de;
	DIR *dir;
	int r;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, sub);
	r = mark(map_fd, AT_FDCWD, path);
	if (r < 0)
		return r;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && r == 0)
		if (de->d_name[0] != '.')
			r = mark(map_fd, dirfd(dir), de->d_name);
	closedir(dir);
	return r;
}

int sg_guard_arm(struct sealguard_bpf *skel, const char *pin_dir, char *why, size_t len)
{
	int fd = bpf_map__fd(skel->maps.sg_guard_inodes);
	int r;

	r = guard_maps(skel);
	if (r < 0) {
		snprintf(why, len, "cannot record sealguard's maps for the tamper guard (%s)", strerror(-r));
		return r;
	}
	r = mark(fd, AT_FDCWD, pin_dir);
	if (r == 0)
		r = mark_dir(fd, pin_dir, "maps");
	if (r == 0)
		r = mark_dir(fd, pin_dir, "links");
	if (r < 0) {
		snprintf(why, len, "cannot mark the pins in %s for the tamper guard (%s)", pin_dir, strerror(-r));
		return r;
	}
	return 0;
}
