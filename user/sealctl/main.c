// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sealctl: add and show sealguard seals from the shell, and watch what
 * sealguardd does.  See 'sealctl help'.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "sealctl.h"

/* The build passes the project version; this is only the fallback. */
#ifndef SG_VERSION
#define SG_VERSION "0.1.0"
#endif

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	struct sealctl ctl = { 0 };
	const struct sealctl_cmd *cmd;
	int c;

	/* Own messages instead of getopt's, to keep to one line per error;
	 * '+': options after the command belong to the command. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:s:jhV", options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg) {
				fprintf(stderr, "sealctl: --socket needs a non-empty PATH\n");
				return EXIT_USAGE;
			}
			/* sg_add_seals() reads the socket from the environment. */
			if (setenv("SEALGUARD_SOCKET", optarg, 1) < 0) {
				fprintf(stderr, "sealctl: cannot set SEALGUARD_SOCKET: %s\n", strerror(errno));
				return EXIT_FAILED;
			}
			ctl.socket = optarg;
			break;
		case 'j': ctl.json = true; break;
		case 'h': return sealctl_cmd_help(&ctl, 0, NULL);
		case 'V': printf("sealctl %s\n", SG_VERSION); return sealctl_flush();
		case ':': fprintf(stderr, "sealctl: --socket needs a PATH argument\n"); return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "sealctl: unknown option '-%c' (see 'sealctl --help')\n", optopt);
			else
				fprintf(stderr, "sealctl: unknown option '%s' (see 'sealctl --help')\n",
					argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sealctl: missing command (see 'sealctl --help')\n");
		return EXIT_USAGE;
	}
	cmd = sealctl_find_cmd(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "sealctl: unknown command '%s' (see 'sealctl --help')\n", argv[optind]);
		return EXIT_USAGE;
	}
	/* The command's own argv[0] is its name, as getopt expects. */
	return cmd->run(&ctl, argc - optind, argv + optind);
}
