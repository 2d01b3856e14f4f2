/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What sealctl's command files share. */
#ifndef SEALCTL_H
#define SEALCTL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sealguard.h"

/* Exit status: scripts tell "refused" from "not running" by these. */
enum {
	EXIT_FAILED = 1,      /* the operation was refused or failed */
	EXIT_USAGE = 2,	      /* bad command line */
	EXIT_UNREACHABLE = 3, /* sealguardd not running or not answering */
};

struct sealctl {
	bool json;
	const char *socket; /* NULL: $SEALGUARD_SOCKET or the default */
};

struct sealctl_cmd {
	const char *name;
	const char *summary;
	const char *help; /* the full page, printf format with no arguments */
	int (*run)(struct sealctl *ctl, int argc, char **argv);
};

extern const struct sealctl_cmd sealctl_cmds[];
extern const unsigned int sealctl_ncmds;

const struct sealctl_cmd *sealctl_find_cmd(const char *name);

/* Whether err came from reaching the daemon rather than from the request. */
bool sealctl_unreachable(int err);

/* Reports a failed libsealguard call (errno is its error) and returns the
 * exit status for it.  what: "cannot add seals to 'x'". */
int sealctl_call_failed(const struct sealctl *ctl, const char *what);

/* Parses command options --json and --help (and those in extra, handled by
 * fn); returns -1 to go on, or an exit status. */
int sealctl_parse_common(struct sealctl *ctl, const struct sealctl_cmd *cmd, int *argc, char ***argv);

/* An explicit connection for admin commands, or NULL after a message. */
struct sg_conn *sealctl_connect(const struct sealctl *ctl, int *status);

/* JSON array of seal names for mask. */
struct json_object *sealctl_seals_json(unsigned int seals);

/* A left-out rule as `sealctl status` and `sealctl policy check
 * --resolve` show it: the daemon's log line "WHERE: KIND rule 'NAME' left
 * out: REASON" on f, or a JSON object. */
void sealctl_left_out_print(FILE *f, const struct sg_left_out_rule *r);
struct json_object *sealctl_left_out_json(const struct sg_left_out_rule *r);

/* Prints obj as one line and frees it; EXIT_FAILED if stdout fails. */
int sealctl_print_json(struct json_object *obj);

/* Checks stdout after text output; EXIT_FAILED if it failed. */
int sealctl_flush(void);

int sealctl_usage_error(const struct sealctl_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int sealctl_cmd_seal(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_seals(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_status(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_list(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_reload(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_unload(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_events(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_policy(struct sealctl *ctl, int argc, char **argv);
int sealctl_cmd_help(struct sealctl *ctl, int argc, char **argv);

#endif
