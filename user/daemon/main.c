// SPDX-License-Identifier: GPL-2.0
/* sealguardd: loads and pins sealguard's BPF LSM programs and serves seal
 * requests on its control socket. */
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "kernel_check.h"
#include "loader.h"
#include "log.h"
#include "krules.h"
#include "notify.h"
#include "rule_watch.h"
#include "policy.h"
#include "privileges.h"
#include "state_db.h"
#include "protocol.h"
#include "server.h"

static bool libbpf_verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Without --verbose the one sentence we print says it all. */
	if (!libbpf_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: sealguardd [OPTIONS]\n"
		"\n"
		"Load sealguard's BPF LSM programs, pin them under %s, and serve seal\n"
		"requests on a control socket. Seals stay enforced after the daemon exits.\n"
		"\n"
		"  -s, --socket PATH   control socket (default %s)\n"
		"      --pin-dir DIR   BPF pin directory (default %s)\n"
		"      --admin-group GROUP\n"
		"                      members may use status, list, events and reload\n"
		"                      (root always may)\n"
		"      --policy-dir DIR\n"
		"                      policy files, *.yaml (default " SG_POLICY_DIR ");\n"
		"                      none: any holder of a writable fd may add seals\n"
		"      --client-timeout SEC\n"
		"                      close connections idle this long (default %d)\n"
		"      --state-db FILE seals of disk files, kept across reboots (default\n"
		"                      " SG_STATE_DB_DEFAULT "; '' for none)\n"
		"      --detach-idle SEC\n"
		"                      detach the write-path programs once nothing has\n"
		"                      been sealed for SEC seconds; attach them again\n"
		"                      before the next seal (default 0: never)\n"
		"      --audit         audit mode for every apply rule: report the seals\n"
		"                      they would add and the refusals that would follow,\n"
		"                      seal nothing (sealctl events, sealctl status)\n"
		"      --check         only check that this kernel can run sealguard\n"
		"      --unload        remove every pin when no daemon holds them: stops\n"
		"                      enforcement, forgets all seals (a running daemon:\n"
		"                      sealctl unload)\n"
		"  -v, --verbose       log each request and libbpf's messages\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n",
		SG_PIN_DIR, SG_DEFAULT_SOCKET, SG_PIN_DIR, SG_CLIENT_IDLE_MS / 1000);
}

/* A number of seconds in min..86400 given to option, in ms. */
static int parse_ms(const char *option, const char *arg, long min, unsigned int *ms)
{
	char *end;
	long sec;

	errno = 0;
	sec = strtol(arg, &end, 10);
	if (errno || end == arg || *end || sec < min || sec > 86400) {
		log_error("%s: '%s' is not a number of seconds in %ld..86400", option, arg, min);
		return -EINVAL;
	}
	*ms = (unsigned int)sec * 1000;
	return 0;
}

/* Seen by the fcntl shim (user/shim/fcntl_seals.c): a shim preloaded system
 * wide must not send the daemon's own F_GET_SEALS back to the daemon. */
__attribute__((used, visibility("default"))) const char sealguardd_no_fcntl_shim = 1;

/* One daemon at a time: while one is registered the tamper guard gives
 * the pins to it alone (docs/design.md, "Tamper resistance").  A new one
 * started before the old one stops (an upgrade) waits for it to go. */
#define SG_PINS_WAIT_MS 10000
static int wait_for_pins(const char *pin_dir)
{
	pid_t owner = sg_loader_owner(pin_dir);
	int64_t deadline = now_ms() + SG_PINS_WAIT_MS;

	if (owner == 0)
		return 0;
	/* -EPERM: refused, and no process runs this executable: a daemon
	 * whose threads are still exiting, or one run from another path
	 * (sg_loader_start says so if it stays). */
	if (owner > 0)
		log_notice("sealguardd (pid %d) holds the pins in %s; waiting up to %d s for it to exit", (int)owner,
			   pin_dir, SG_PINS_WAIT_MS / 1000);
	/* A deadline, not a count of sleeps: each look through /proc takes
	 * its own time, tenths of a second under emulation. */
	while (owner != 0 && now_ms() < deadline) {
		usleep(100 * 1000);
		owner = sg_loader_owner(pin_dir);
	}
	if (owner > 0) {
		log_error("sealguardd (pid %d) is running and holds the pins in %s; a second one is refused "
			  "them (stop it first)",
			  (int)owner, pin_dir);
		return -EBUSY;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum {
		OPT_PIN_DIR = 256,
		OPT_CHECK,
		OPT_UNLOAD,
		OPT_VERSION,
		OPT_ADMIN_GROUP,
		OPT_CLIENT_TIMEOUT,
		OPT_POLICY_DIR,
		OPT_STATE_DB,
		OPT_DETACH_IDLE,
		OPT_AUDIT
	};
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ "admin-group", required_argument, NULL, OPT_ADMIN_GROUP },
		{ "policy-dir", required_argument, NULL, OPT_POLICY_DIR },
		{ "client-timeout", required_argument, NULL, OPT_CLIENT_TIMEOUT },
		{ "state-db", required_argument, NULL, OPT_STATE_DB },
		{ "detach-idle", required_argument, NULL, OPT_DETACH_IDLE },
		{ "audit", no_argument, NULL, OPT_AUDIT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "unload", no_argument, NULL, OPT_UNLOAD },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	/* static: the client table makes it too big for a stack frame to
	 * hold comfortably; still the one context, passed everywhere. */
	static struct sg_daemon d = {
		.socket_path = SG_DEFAULT_SOCKET,
		.pin_dir = SG_PIN_DIR,
		.admin_gid = (gid_t)-1,
		.idle_ms = SG_CLIENT_IDLE_MS,
		.policy_dir = SG_POLICY_DIR,
		.state_path = SG_STATE_DB_DEFAULT,
		.inodes_fd = -1,
		.sealed_fd = -1,
		.evicted_fd = -1,
		.ioc_key_fd = -1,
		.events_fd = -1,
		.listen_fd = -1,
		.epoll_fd = -1,
		.signal_fd = -1,
		.rule_watch_fd = -1,
	};
	struct group *grp;
	char *end;
	long sec;
	bool check_only = false, unload = false;
	char why[512] = "";
	int c, r;

	sg_log_open();
	while ((c = getopt_long(argc, argv, "s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': d.socket_path = optarg; break;
		case OPT_PIN_DIR: d.pin_dir = optarg; break;
		case OPT_POLICY_DIR: d.policy_dir = optarg; break;
		case OPT_STATE_DB: d.state_path = optarg; break;
		case OPT_ADMIN_GROUP:
			/* A name, or a number as chown(1) takes it. */
			grp = getgrnam(optarg);
			if (grp) {
				d.admin_gid = grp->gr_gid;
				break;
			}
			errno = 0;
			sec = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || sec < 0 || sec >= (long)UINT32_MAX) {
				log_error("--admin-group: no group named '%s'", optarg);
				return 2;
			}
			d.admin_gid = (gid_t)sec;
			break;
		case OPT_CLIENT_TIMEOUT:
			if (parse_ms("--client-timeout", optarg, 1, &d.idle_ms) < 0)
				return 2;
			break;
		case OPT_DETACH_IDLE:
			if (parse_ms("--detach-idle", optarg, 0, &d.detach_idle_ms) < 0)
				return 2;
			break;
		case OPT_AUDIT: d.audit = true; break;
		case OPT_CHECK: check_only = true; break;
		case OPT_UNLOAD: unload = true; break;
		case 'v': d.verbose = true; break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION: puts("sealguardd " SG_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'", argv[optind]);
		return 2;
	}
	/* --verbose predates levels: it is the debug level. */
	if (d.verbose)
		sg_log_set_max_level(LOG_DEBUG);
	libbpf_verbose = d.verbose;
	libbpf_set_print(libbpf_log);

	if (unload) {
		/* A running daemon owns the pins; going around it would leave it
		 * serving requests with nothing enforcing them. */
		pid_t owner = sg_loader_owner(d.pin_dir);

		if (owner > 0) {
			log_error("sealguardd (pid %d) holds the pins in %s; use 'sealctl unload'", (int)owner,
				  d.pin_dir);
			return 1;
		}
		if (owner < 0) {
			log_error("the tamper guard refuses this process the pins in %s: they belong to a "
				  "sealguardd run from another path; use 'sealctl unload'",
				  d.pin_dir);
			return 1;
		}
		r = sg_loader_unload(d.pin_dir);
		if (r < 0) {
			log_error("cannot remove the pins in %s: %s", d.pin_dir, strerror(-r));
			return 1;
		}
		return 0;
	}
	if (check_only) {
		struct sg_kernel_features f;

		r = sg_kernel_check(&f, why, sizeof(why));
		if (r < 0) {
			log_error("%s", why);
			return 1;
		}
		{
			static const char *const exec_text[] = {
				[SG_NATIVE_EXEC_NONE] = "none (before 6.3): sealguard enforces EXEC itself",
				[SG_NATIVE_EXEC_CHECKED] =
					"the WRITE it implies is refused while a writable map exists, as sealguard does",
				[SG_NATIVE_EXEC_UNCHECKED] =
					"the WRITE it implies is added despite a writable map; sealguard "
					"answers EBUSY there (divergence exec-implied-write-with-rw-map)",
				[SG_NATIVE_EXEC_UNKNOWN] = "not probed (memfd_create or mmap failed)",
			};
			struct utsname u;
			char paths[1024];

			uname(&u);
			sg_kernel_describe(&f, paths, sizeof(paths));
			printf("sealguardd: this kernel (%s) can run sealguard\n", u.release);
			printf("sealguardd: %s\n", paths);
			printf("sealguardd: native F_SEAL_EXEC: %s\n", exec_text[sg_kernel_native_exec()]);
		}
		return 0;
	}

	/* A policy that does not parse stops us before anything changes:
	 * enforcing a different policy than the operator wrote is worse. */
	r = sg_policy_reload(&d, why, sizeof(why));
	if (r < 0) {
		log_error("%s", why);
		return 1;
	}
	log_info("policy: %s", why);
	r = wait_for_pins(d.pin_dir);
	if (r < 0)
		return 1;
	r = sg_loader_start(&d, why, sizeof(why));
	if (r < 0) {
		log_error("%s", why);
		sg_policy_free(&d.policy);
		return 1;
	}
	if (d.detach_idle_ms) {
		r = sg_kernel_can_reattach();
		if (r != 1) {
			log_warning("--detach-idle: %s%s; the programs stay attached",
				    r < 0 ? "cannot tell whether this kernel can attach a program again: "
					  : "this kernel cannot attach a program again once detached (5.13+)",
				    r < 0 ? strerror(-r) : "");
			d.detach_idle_ms = 0;
		}
	}
	r = sg_krules_install(&d, &d.policy, why, sizeof(why));
	if (r < 0) {
		log_error("%s", why);
		sg_loader_close(&d);
		sg_policy_free(&d.policy);
		return 1;
	}
	/* Before the privileges go: putting seals back opens files for
	 * writing, whoever owns them.  A database that does not open costs
	 * persistence, never the enforcement already pinned. */
	if (sg_state_open(&d, why, sizeof(why)) < 0)
		log_warning("%s", why);
	else if (d.state_db)
		log_info("%s", why);
	sg_state_restore(&d);
	for (unsigned int i = 0; i < SG_MAX_CLIENTS; i++)
		d.clients[i].fd = -1;
	d.started_at = (uint64_t)time(NULL);
	r = sg_server_open(&d, why, sizeof(why));
	if (r < 0) {
		log_error("%s", why);
		sg_server_close(&d);
		sg_loader_close(&d);
		return 1;
	}
	sg_rule_watch_update(&d);
	r = sg_drop_privileges(why, sizeof(why));
	if (r < 0) {
		log_error("%s", why);
		sg_server_close(&d);
		sg_loader_close(&d);
		return 1;
	}
	log_notice("enforcing; programs pinned in %s, serving %s", d.pin_dir, d.socket_path);
	sd_notifyf(0, "READY=1\nSTATUS=enforcing; serving %s", d.socket_path);
	sg_watchdog_init(&d);
	r = sg_server_run(&d);
	sd_notify(0, "STOPPING=1");
	sg_server_close(&d);
	sg_state_close(&d);
	sg_krules_release(&d);
	sg_loader_close(&d);
	sg_policy_free(&d.policy);
	sg_left_out_free(&d.left_out);
	if (r < 0) {
		log_error("event loop failed: %s", strerror(-r));
		return 1;
	}
	if (d.unload) {
		/* Still registered: the tamper guard lets this process unpin. */
		r = sg_loader_unload(d.pin_dir);
		if (r < 0) {
			log_error("cannot remove the pins in %s: %s", d.pin_dir, strerror(-r));
			return 1;
		}
		log_notice("unloaded; no seal is enforced any more");
		return 0;
	}
	log_notice("stopped; seals stay enforced by the pinned programs");
	return 0;
}
