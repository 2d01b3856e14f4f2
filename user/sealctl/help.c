// SPDX-License-Identifier: LGPL-2.1-or-later
/* sealctl's command table and help pages. */
#include "sealctl.h"

#define COMMON_OPTIONS                                                       \
	"  -j, --json    print JSON (one object per line) instead of text\n" \
	"  -h, --help    show this page\n"

#define EXIT_STATUS                                                              \
	"EXIT STATUS\n"                                                          \
	"  0 done; 1 refused or failed (the message says why); 2 usage error;\n" \
	"  3 sealguardd not running or not answering.\n"

static int cmd_help_run(struct sealctl *ctl, int argc, char **argv)
{
	return sealctl_cmd_help(ctl, argc - 1, argv + 1);
}

const struct sealctl_cmd sealctl_cmds[] = {
	{
		"seal",
		"add seals to a file",
		"NAME\n"
		"  sealctl seal - add fcntl-style seals to a file\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl seal [--json] PATH SEAL[,SEAL...]\n"
		"\n"
		"DESCRIPTION\n"
		"  Opens PATH read-write and asks sealguardd to add the seals, exactly as\n"
		"  fcntl(fd, F_ADD_SEALS, ...) would on a sealable memfd: the same checks,\n"
		"  the same errors. Seals cannot be removed; SEAL forbids adding more.\n"
		"  PATH may be /proc/PID/fd/N to seal another process's file (as root).\n"
		"\n"
		"  SEAL is seal, shrink, grow, write, future-write or exec, or a mask\n"
		"  0..0x3f in decimal or 0x-hex. Prints the seals then in force.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl seal /dev/shm/frame shrink,grow\n"
		"  sealctl seal /proc/1234/fd/7 future-write\n",
		sealctl_cmd_seal,
	},
	{
		"seals",
		"show the seals of a file",
		"NAME\n"
		"  sealctl seals - show the seals in force on a file\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl seals [--json] PATH\n"
		"\n"
		"DESCRIPTION\n"
		"  Prints the seals in force on PATH, native and sealguard's together, as\n"
		"  fcntl(F_GET_SEALS) reports them, or 'none'. Anyone who can open PATH\n"
		"  may ask; a file open for reading is enough.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl seals /dev/shm/frame\n"
		"  sealctl seals --json /proc/1234/fd/7 | jq -r '.seals[]'\n",
		sealctl_cmd_seals,
	},
	{
		"status",
		"show the daemon's state and counters (admin)",
		"NAME\n"
		"  sealctl status - show sealguardd's state and counters\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl status [--json]\n"
		"\n"
		"DESCRIPTION\n"
		"  Version, pid and start time of the daemon, connected clients and event\n"
		"  subscribers, files sealed, requests allowed, refused and malformed since\n"
		"  the daemon started, denials by operation since sealguard was loaded,\n"
		"  events held back by the kernel's rate limit, dropped by a full ring\n"
		"  buffer, or not sent to a slow subscriber, the policy generation, and\n"
		"  audit mode: apply rules in it, the seals they would have added and\n"
		"  the refusals that would have happened (--json: .audit).\n"
		"  each apply or exempt rule of the policy in force that the daemon left\n"
		"  out because the executable, path or cgroup it names is not on this\n"
		"  machine, as 'WHERE: KIND rule 'NAME' left out: REASON' (--json:\n"
		"  left_out, with rule, where, kind, missing, errno, reason). Such a rule\n"
		"  matches nothing until what it names appears.\n"
		"  Only for root and the daemon's --admin-group.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl status\n"
		"  sealctl status --json | jq .denials\n"
		"  sealctl status --json | jq -r '.left_out[] | \"\\(.rule): \\(.reason)\"'\n",
		sealctl_cmd_status,
	},
	{
		"list",
		"list the files sealguard has sealed (admin)",
		"NAME\n"
		"  sealctl list - list the files sealguard has sealed\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl list [--json]\n"
		"\n"
		"DESCRIPTION\n"
		"  One line per sealed file that is still in memory: its seals, device,\n"
		"  inode, the uid and pid of the latest request, when it was first sealed\n"
		"  and the path its requester's fd had (a memfd shows as /memfd:NAME).\n"
		"  With --json, one array. Only for root and the daemon's --admin-group.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl list\n"
		"  sealctl list --json | jq -r '.[] | select(.seals | index(\"write\")) | .path'\n",
		sealctl_cmd_list,
	},
	{
		"events",
		"follow denials live (admin)",
		"NAME\n"
		"  sealctl events - follow refused operations on sealed files\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl events [--json] [--count N] [--timeout SEC]\n"
		"\n"
		"DESCRIPTION\n"
		"  Prints one line per operation that a seal refused: time, operation,\n"
		"  path, device and inode, errno, seals, and pid, comm, uid and cgroup id\n"
		"  of the process. The kernel reports at most 5 denials per second per\n"
		"  file and process; the next event says how many it held back. Once\n"
		"  subscribed, 'following denials' is written to stderr. Apply rules in\n"
		"  audit mode refuse nothing: their lines start 'audit:' and say the seals\n"
		"  a rule would have added or the refusal that would have happened\n"
		"  (--json: \"audit\": true).\n"
		"  Only for root and the daemon's --admin-group.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "  -n, --count N     stop after N events\n"
		"  -t, --timeout SEC stop after SEC seconds; with --count, fewer than N\n"
		"                    events by then is a failure (exit 1)\n"
		"\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl events --json | jq -c 'select(.op == \"write\")'\n",
		sealctl_cmd_events,
	},
	{
		"reload",
		"re-read the policy (admin)",
		"NAME\n"
		"  sealctl reload - make sealguardd re-read its policy\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl reload [--json]\n"
		"\n"
		"DESCRIPTION\n"
		"  The new policy replaces the old one only if all of it is valid; on\n"
		"  error the old one stays in force and the message names the file, line\n"
		"  and column. Seals already added are never removed. Same as SIGHUP.\n"
		"  Only for root and the daemon's --admin-group.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl reload\n"
		"  sealctl reload --json | jq -r .message\n",
		sealctl_cmd_reload,
	},
	{
		"unload",
		"stop enforcing and forget every seal (root)",
		"NAME\n"
		"  sealctl unload - make sealguardd remove its pins and exit\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl unload [--json]\n"
		"\n"
		"DESCRIPTION\n"
		"  The daemon removes every pin under its pin directory, which detaches\n"
		"  the BPF programs and frees the seal state: every seal sealguard added\n"
		"  is gone, native memfd seals stay. It then exits. Only root may ask;\n"
		"  the daemon's tamper guard keeps other processes from removing the pins\n"
		"  or opening its maps for writing, so this is the way to unload.\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "\n" EXIT_STATUS "\n"
		"EXAMPLES\n"
		"  sealctl unload\n",
		sealctl_cmd_unload,
	},
	{
		"policy",
		"check policy files",
		"NAME\n"
		"  sealctl policy - check sealguard policy files\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl policy check [--json] [--resolve] FILE...\n"
		"\n"
		"DESCRIPTION\n"
		"  Parses and validates the policy files as sealguardd would load them\n"
		"  from its policy directory (rule names must be unique across them),\n"
		"  without a daemon. Prints 'FILE: ok, N rules' for each good file and\n"
		"  'FILE:LINE:COLUMN: what is wrong' on stderr for each bad one. The\n"
		"  format is in docs/policy.md.\n"
		"\n"
		"  With --resolve, also looks up the executable, path and cgroup each\n"
		"  apply and exempt rule names, on this machine, and prints each rule\n"
		"  sealguardd would leave out as 'sealctl status' shows it (--json:\n"
		"  left_out in each file's object).\n"
		"\n"
		"OPTIONS\n" COMMON_OPTIONS "      --resolve also list the rules sealguardd would leave out here\n"
		"\n"
		"EXIT STATUS\n"
		"  0 every file is valid; 1 some file is not; 2 usage error. Warnings\n"
		"  and rules left out (--resolve) do not change it.\n"
		"\n"
		"EXAMPLES\n"
		"  sealctl policy check /etc/sealguard/policies.d/*.yaml\n"
		"  sealctl policy check --resolve /etc/sealguard/policies.d/*.yaml\n"
		"  sealctl policy check new.yaml && cp new.yaml /etc/sealguard/policies.d/ &&\n"
		"    sealctl reload\n",
		sealctl_cmd_policy,
	},
	{
		"help",
		"show help for a command",
		"NAME\n"
		"  sealctl help - show help\n"
		"\n"
		"SYNOPSIS\n"
		"  sealctl help [COMMAND]\n",
		cmd_help_run,
	},
};

const unsigned int sealctl_ncmds = sizeof(sealctl_cmds) / sizeof(sealctl_cmds[0]);

static void overview(void)
{
	printf("Usage: sealctl [OPTIONS] COMMAND [ARGS...]\n"
	       "\n"
	       "Add and show fcntl-style seals on any file through sealguardd, and watch\n"
	       "what it enforces.\n"
	       "\n"
	       "Commands:\n");
	for (unsigned int i = 0; i < sealctl_ncmds; i++)
		printf("  %-8s %s\n", sealctl_cmds[i].name, sealctl_cmds[i].summary);
	printf("\n"
	       "Options:\n"
	       "  -s, --socket PATH  control socket of sealguardd\n"
	       "                     (default: $SEALGUARD_SOCKET, else /run/sealguard/control.sock)\n"
	       "  -j, --json         JSON output, for every command\n"
	       "  -h, --help         show this help\n"
	       "  -V, --version      show the version\n"
	       "\n"
	       "'sealctl help COMMAND' or 'sealctl COMMAND --help' shows a command's page.\n"
	       "\n" EXIT_STATUS);
}

int sealctl_cmd_help(struct sealctl *ctl, int argc, char **argv)
{
	if (argc < 1) {
		overview();
		return sealctl_flush();
	}
	for (unsigned int i = 0; i < sealctl_ncmds; i++) {
		if (strcmp(argv[0], sealctl_cmds[i].name) == 0) {
			fputs(sealctl_cmds[i].help, stdout);
			return sealctl_flush();
		}
	}
	fprintf(stderr, "sealctl: no command '%s' (see 'sealctl help')\n", argv[0]);
	return EXIT_USAGE;
}

const struct sealctl_cmd *sealctl_find_cmd(const char *name)
{
	for (unsigned int i = 0; i < sealctl_ncmds; i++)
		if (strcmp(name, sealctl_cmds[i].name) == 0)
			return &sealctl_cmds[i];
	return NULL;
}
