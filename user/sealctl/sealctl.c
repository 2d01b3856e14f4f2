// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sealctl: add and show sealguard seals from the shell.
 *
 * Exit status: 0 done, 1 the open or the seal operation failed, 2 usage
 * error, 3 sealguardd could not be reached or answered nonsense, so that
 * scripts can tell "refused" from "not running".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocol.h"
#include "seal_names.h"
#include "sealguard.h"
#include "sealguard_abi.h"

/* The build may pass the project version; this is only the fallback. */
#ifndef SG_VERSION
#define SG_VERSION "0.1.0"
#endif

enum {
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,
};

/*
 * Files are opened O_NONBLOCK so that a FIFO or a device node does not
 * hang the open; the seal calls do not look at the file's status flags.
 */
#define SG_OPEN_FLAGS (O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static void help(void)
{
	printf("Usage: sealctl [OPTIONS] COMMAND ...\n"
	       "\n"
	       "Add and show fcntl-style seals on any file, through sealguardd.\n"
	       "\n"
	       "Commands:\n"
	       "  seal PATH SEAL[,SEAL...]  Add seals to the file at PATH (opened read-write)\n"
	       "  seals PATH                Print the seals in force on PATH, or 'none'\n"
	       "  help                      Show this help\n"
	       "\n"
	       "Options:\n"
	       "  -s, --socket PATH  Control socket of sealguardd\n"
	       "                     (default: $%s, else %s)\n"
	       "  -h, --help         Show this help\n"
	       "  -V, --version      Show the version\n"
	       "\n"
	       "SEAL is one of seal, shrink, grow, write, future-write, exec,\n"
	       "or a mask 0..0x3f in decimal or 0x-hex.  PATH may be /proc/PID/fd/N.\n"
	       "\n"
	       "Exit status: 0 ok, 1 operation failed, 2 usage error,\n"
	       "3 sealguardd unreachable.\n",
	       SG_SOCKET_ENV, SG_DEFAULT_SOCKET);
}

static const char *socket_path(void)
{
	const char *p = getenv(SG_SOCKET_ENV);

	return p && *p ? p : SG_DEFAULT_SOCKET;
}

/*
 * The errnos libsealguard reports when it cannot talk to the daemon.  The
 * daemon itself answers with fcntl's errnos (EBADF, EINVAL, EPERM, EBUSY),
 * which do not overlap, so errno alone tells the two apart.
 */
static bool daemon_unreachable(int err)
{
	switch (err) {
	case ENOENT:
	case ECONNREFUSED:
	case EACCES:
	case ENAMETOOLONG:
	case ETIMEDOUT:
	case ECONNRESET:
	case EPIPE:
	case EBADMSG:
	case EPROTO:
		return true;
	default:
		return false;
	}
}

/* Report a failed libsealguard call; errno is the call's. */
static int call_failed(const char *what, const char *path)
{
	int err = errno;

	if (daemon_unreachable(err)) {
		fprintf(stderr, "sealctl: cannot talk to sealguardd at '%s': %s\n",
			socket_path(), strerror(err));
		return EXIT_UNREACHABLE;
	}
	fprintf(stderr, "sealctl: %s '%s': %s\n", what, path, strerror(err));
	return EXIT_FAILED;
}

static void known_seals(char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned int bit = 1; bit <= SG_SEAL_ALL && pos < len; bit <<= 1)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", sg_seal_name(bit));
}

static int parse_seals_arg(const char *arg, unsigned int *seals)
{
	char hint[SG_SEALS_FORMAT_MAX * 2];
	const char *what, *bad = NULL;
	size_t badlen = 0;
	int r;

	r = sg_seals_parse(arg, seals, &bad, &badlen);
	if (r == 0)
		return 0;

	if (badlen == 0) {
		fprintf(stderr, "sealctl: empty seal name in '%s'\n", arg);
		return r;
	}
	if (r == -ERANGE) {
		what = "out-of-range seal mask";
		snprintf(hint, sizeof(hint), "max %#x", SG_SEAL_ALL);
	} else {
		what = "unknown seal name";
		strcpy(hint, "known: ");
		known_seals(hint + strlen(hint), sizeof(hint) - strlen(hint));
	}
	/* Quoting the list again only helps when it has several items. */
	if (badlen == strlen(arg))
		fprintf(stderr, "sealctl: %s '%s' (%s)\n", what, arg, hint);
	else
		fprintf(stderr, "sealctl: %s '%.*s' in '%s' (%s)\n", what, (int)badlen, bad, arg, hint);
	return r;
}

static int cmd_seal(int argc, char **argv)
{
	unsigned int seals;
	int fd, r;

	if (argc != 2) {
		fprintf(stderr, "sealctl: usage: sealctl seal PATH SEAL[,SEAL...]\n");
		return EXIT_USAGE;
	}
	/* Usage errors first, before anything touches the file. */
	if (parse_seals_arg(argv[1], &seals) < 0)
		return EXIT_USAGE;

	fd = open(argv[0], O_RDWR | SG_OPEN_FLAGS);
	if (fd < 0) {
		/* Like F_ADD_SEALS, sealguard only seals through a writable fd,
		 * which is easy to miss when sealing a read-only file. */
		if (errno == EACCES || errno == EROFS || errno == ETXTBSY)
			fprintf(stderr, "sealctl: cannot open '%s' read-write, which sealing requires: %s\n",
				argv[0], strerror(errno));
		else
			fprintf(stderr, "sealctl: cannot open '%s': %s\n", argv[0], strerror(errno));
		return EXIT_FAILED;
	}

	r = sg_add_seals(fd, seals) < 0 ? call_failed("cannot add seals to", argv[0]) : 0;
	close(fd);
	return r;
}

static int cmd_seals(int argc, char **argv)
{
	char buf[SG_SEALS_FORMAT_MAX];
	int fd, seals, r;

	if (argc != 1) {
		fprintf(stderr, "sealctl: usage: sealctl seals PATH\n");
		return EXIT_USAGE;
	}

	fd = open(argv[0], O_RDONLY | SG_OPEN_FLAGS);
	if (fd < 0) {
		fprintf(stderr, "sealctl: cannot open '%s': %s\n", argv[0], strerror(errno));
		return EXIT_FAILED;
	}
	seals = sg_get_seals(fd);
	r = seals < 0 ? call_failed("cannot get seals of", argv[0]) : 0;
	close(fd);
	if (r != 0)
		return r;

	/* SG_SEALS_FORMAT_MAX fits any 32-bit mask, so this cannot fail. */
	sg_seals_format((unsigned int)seals, buf, sizeof(buf));
	/* A full disk or closed pipe must not look like success to a script. */
	if (printf("%s\n", buf) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "sealctl: cannot write to stdout: %s\n", strerror(errno));
		return EXIT_FAILED;
	}
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	help();
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "seal", cmd_seal },
	{ "seals", cmd_seals },
	{ "help", cmd_help },
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	const char *cmd;
	int c;

	/* Own messages instead of getopt's, to keep to one line per error. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:hV", options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!*optarg) {
				fprintf(stderr, "sealctl: --socket needs a non-empty PATH\n");
				return EXIT_USAGE;
			}
			/* The library reads the socket from the environment. */
			if (setenv(SG_SOCKET_ENV, optarg, 1) < 0) {
				fprintf(stderr, "sealctl: cannot set %s: %s\n", SG_SOCKET_ENV, strerror(errno));
				return EXIT_FAILED;
			}
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			printf("sealctl %s\n", SG_VERSION);
			return 0;
		case ':':
			fprintf(stderr, "sealctl: --socket needs a PATH argument\n");
			return EXIT_USAGE;
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
	cmd = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(cmd, commands[i].name) == 0)
			return commands[i].run(argc - optind - 1, argv + optind + 1);

	fprintf(stderr, "sealctl: unknown command '%s' (see 'sealctl --help')\n", cmd);
	return EXIT_USAGE;
}
