// SPDX-License-Identifier: LGPL-2.1-or-later
/* sealctl seal / seals: the fcntl calls, through libsealguard. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "seal_names.h"
#include "sealctl.h"
#include "sealguard_abi.h"

/*
 * Files are opened O_NONBLOCK so that a FIFO or a device node does not
 * hang the open; the seal calls do not look at the file's status flags.
 */
#define SG_OPEN_FLAGS (O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

static void known_seals(char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (unsigned int bit = 1; bit <= SG_SEAL_ALL && pos < len; bit <<= 1)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", sg_seal_name(bit));
}

static int parse_seals_arg(const struct sealctl_cmd *cmd, const char *arg, unsigned int *seals)
{
	char hint[SG_SEALS_FORMAT_MAX * 2];
	const char *what, *bad = NULL;
	size_t badlen = 0;
	int r;

	r = sg_seals_parse(arg, seals, &bad, &badlen);
	if (r == 0)
		return 0;
	if (badlen == 0)
		return sealctl_usage_error(cmd, "empty seal name in '%s'", arg);
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
		return sealctl_usage_error(cmd, "%s '%s' (%s)", what, arg, hint);
	return sealctl_usage_error(cmd, "%s '%.*s' in '%s' (%s)", what, (int)badlen, bad, arg, hint);
}

static int print_seals(const struct sealctl *ctl, const char *path, int seals)
{
	char buf[SG_SEALS_FORMAT_MAX];
	struct json_object *o;

	if (ctl->json) {
		o = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "seals", sealctl_seals_json((unsigned int)seals));
		json_object_object_add(o, "mask", json_object_new_int(seals));
		return sealctl_print_json(o);
	}
	/* SG_SEALS_FORMAT_MAX fits any 32-bit mask, so this cannot fail. */
	sg_seals_format((unsigned int)seals, buf, sizeof(buf));
	printf("%s\n", buf);
	return sealctl_flush();
}

int sealctl_cmd_seal(struct sealctl *ctl, int argc, char **argv)
{
	const struct sealctl_cmd *cmd = sealctl_find_cmd("seal");
	unsigned int seals;
	char what[512];
	int fd, r, now;

	r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc != 2)
		return sealctl_usage_error(cmd, "seal needs PATH and SEAL[,SEAL...]");
	/* Usage errors first, before anything touches the file. */
	r = parse_seals_arg(cmd, argv[1], &seals);
	if (r)
		return r;

	fd = open(argv[0], O_RDWR | SG_OPEN_FLAGS);
	if (fd < 0) {
		/* Like F_ADD_SEALS, sealguard only seals through a writable fd,
		 * which is easy to miss when sealing a read-only file. */
		if (errno == EACCES || errno == EROFS || errno == ETXTBSY)
			fprintf(stderr, "sealctl: cannot open '%s' read-write, which sealing requires: %s\n", argv[0],
				strerror(errno));
		else
			fprintf(stderr, "sealctl: cannot open '%s': %s\n", argv[0], strerror(errno));
		return EXIT_FAILED;
	}
	snprintf(what, sizeof(what), "cannot add seals to '%s'", argv[0]);
	if (sg_add_seals(fd, seals) < 0) {
		r = sealctl_call_failed(ctl, what);
		close(fd);
		return r;
	}
	now = sg_get_seals(fd);
	close(fd);
	if (now < 0) {
		snprintf(what, sizeof(what), "sealed '%s', but cannot read its seals back", argv[0]);
		return sealctl_call_failed(ctl, what);
	}
	return print_seals(ctl, argv[0], now);
}

int sealctl_cmd_seals(struct sealctl *ctl, int argc, char **argv)
{
	const struct sealctl_cmd *cmd = sealctl_find_cmd("seals");
	char what[512];
	int fd, seals, r;

	r = sealctl_parse_common(ctl, cmd, &argc, &argv);
	if (r >= 0)
		return r;
	if (argc != 1)
		return sealctl_usage_error(cmd, "seals needs exactly one PATH");

	fd = open(argv[0], O_RDONLY | SG_OPEN_FLAGS);
	if (fd < 0) {
		fprintf(stderr, "sealctl: cannot open '%s': %s\n", argv[0], strerror(errno));
		return EXIT_FAILED;
	}
	seals = sg_get_seals(fd);
	close(fd);
	if (seals < 0) {
		snprintf(what, sizeof(what), "cannot get seals of '%s'", argv[0]);
		return sealctl_call_failed(ctl, what);
	}
	return print_seals(ctl, argv[0], seals);
}
