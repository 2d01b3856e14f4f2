/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's one context struct: everything sealguardd keeps. */
#ifndef SG_DAEMON_H
#define SG_DAEMON_H

#include <stdbool.h>

#define SG_PIN_DIR "/sys/fs/bpf/sealguard"

struct sealguard_bpf;

struct sg_daemon {
	const char *socket_path;
	const char *pin_dir;
	bool verbose;

	struct sealguard_bpf *skel;
	int inodes_fd; /* the inode-storage map, keyed by fd from user space */

	int listen_fd;
	int epoll_fd;
	int signal_fd;
	unsigned int nclients;
};

#endif
