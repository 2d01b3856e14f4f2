/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's log: levelled lines, to the journal or to stderr. */
#ifndef SG_LOG_H
#define SG_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>

/* What a line is about, for the journal.  On stderr they are not printed:
 * the message already says it all, in the words the tests grep for.
 * Unset members (NULL or "", 0) are left out. */
struct sg_log_fields {
	const char *op;	    /* SEALGUARD_OP=: sealed, refused, denied, fence, restore, krules */
	const char *access; /* SEALGUARD_ACCESS=: the denied file operation (write, mmap...) */
	const char *seals;  /* SEALGUARD_SEALS=: seal names */
	const char *path;   /* SEALGUARD_PATH=, already made printable */
	const char *comm;   /* SEALGUARD_COMM=, already made printable */
	const char *cgroup; /* SEALGUARD_CGROUP=: a path, or the kernel's cgroup id */
	const char *rule;   /* SEALGUARD_RULE=: a policy rule's name */
	uint64_t ino;	    /* SEALGUARD_INODE=, and SEALGUARD_DEV=MAJ:MIN with it; 0: no file */
	unsigned int dev_major, dev_minor;
	pid_t pid; /* SEALGUARD_PID=; 0: none */
	bool has_uid;
	uid_t uid; /* SEALGUARD_UID=, when has_uid (0 is root's) */
	int err;   /* ERRNO=, positive; 0: none */
};

/* Once, first thing in main(): picks the journal when stderr is its
 * stream.  Until then, and in programs that never call it (sg_bench with
 * krules.c), lines go to stderr. */
void sg_log_open(void);

/* Lines above level (LOG_ERR..LOG_DEBUG) are dropped; LOG_INFO until set. */
void sg_log_set_max_level(int level);
int sg_log_get_max_level(void);

/* Whether fd 2 is the journal stream named in $JOURNAL_STREAM ("DEV:INODE"),
 * as systemd sets it for a service whose stderr goes to the journal. */
bool sg_log_stderr_is_journal(void);

/* Whether a line at level goes out with its fields: lets a caller skip a
 * syscall that would only fill one (every syscall on the request path
 * counts, docs/benchmarks.md). */
bool sg_log_wants_fields(int level);

/* "sealguardd: MESSAGE\n" on stderr (no level shown: the tests grep for
 * whole lines), or MESSAGE with PRIORITY= to the journal.  0 when written
 * or filtered out, -errno when no output took it. */
int sg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sg_log_fields(int level, const struct sg_log_fields *f, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...)	 sg_log(LOG_ERR, __VA_ARGS__)
#define log_warning(...) sg_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 sg_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 sg_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 sg_log(LOG_DEBUG, __VA_ARGS__)

/* Copies src (at most len - 1 bytes, stopping at NUL) into dst with
 * control characters replaced by '?': task names and paths are chosen by
 * whoever we log about, and must not forge or hide a log line. */
void sg_printable(char *dst, const char *src, size_t len);

#endif
