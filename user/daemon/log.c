// SPDX-License-Identifier: GPL-2.0
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* CODE_FILE= and CODE_LINE= would always name this file. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

/* PRIORITY, SYSLOG_IDENTIFIER, MESSAGE, ERRNO and the SEALGUARD_ ones. */
#define MAX_FIELDS 16

/* Both set in main() before the fence threads start, read-only after:
 * no lock. */
static int max_level = LOG_INFO;
static bool to_journal;

void sg_log_open(void)
{
	to_journal = sg_log_stderr_is_journal();
}

void sg_log_set_max_level(int level)
{
	max_level = LOG_PRI(level);
}

int sg_log_get_max_level(void)
{
	return max_level;
}

bool sg_log_wants_fields(int level)
{
	return to_journal && LOG_PRI(level) <= max_level;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool sg_log_stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	/* Digits only: strtoull() would also take spaces and signs.  A
	 * JOURNAL_STREAM inherited from a shell whose stderr was the journal
	 * names another stream than our redirected fd 2, hence the fstat. */
	if (!e || !is_digit(*e))
		return false;
	errno = 0;
	dev = strtoull(e, &end, 10);
	if (errno || *end != ':' || !is_digit(end[1]))
		return false;
	ino = strtoull(end + 1, &end, 10);
	if (errno || *end)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int add(char **v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int add(char **v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n == MAX_FIELDS)
		return -E2BIG;
	va_start(ap, fmt);
	r = vasprintf(&v[*n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static bool has(const char *s)
{
	return s && *s;
}

static int send_journal(int level, const struct sg_log_fields *f, const char *msg)
{
	char *v[MAX_FIELDS];
	struct iovec iov[MAX_FIELDS];
	size_t n = 0;
	int r;

	r = add(v, &n, "PRIORITY=%d", LOG_PRI(level));
	if (r == 0)
		r = add(v, &n, "SYSLOG_IDENTIFIER=sealguardd");
	if (r == 0)
		r = add(v, &n, "MESSAGE=%s", msg);
	if (r == 0 && f && has(f->op))
		r = add(v, &n, "SEALGUARD_OP=%s", f->op);
	if (r == 0 && f && has(f->access))
		r = add(v, &n, "SEALGUARD_ACCESS=%s", f->access);
	if (r == 0 && f && has(f->seals))
		r = add(v, &n, "SEALGUARD_SEALS=%s", f->seals);
	if (r == 0 && f && has(f->path))
		r = add(v, &n, "SEALGUARD_PATH=%s", f->path);
	if (r == 0 && f && has(f->comm))
		r = add(v, &n, "SEALGUARD_COMM=%s", f->comm);
	if (r == 0 && f && has(f->cgroup))
		r = add(v, &n, "SEALGUARD_CGROUP=%s", f->cgroup);
	if (r == 0 && f && has(f->rule))
		r = add(v, &n, "SEALGUARD_RULE=%s", f->rule);
	if (r == 0 && f && f->ino) {
		r = add(v, &n, "SEALGUARD_DEV=%u:%u", f->dev_major, f->dev_minor);
		if (r == 0)
			r = add(v, &n, "SEALGUARD_INODE=%llu", (unsigned long long)f->ino);
	}
	if (r == 0 && f && f->pid > 0)
		r = add(v, &n, "SEALGUARD_PID=%d", (int)f->pid);
	if (r == 0 && f && f->has_uid)
		r = add(v, &n, "SEALGUARD_UID=%u", (unsigned int)f->uid);
	if (r == 0 && f && f->err > 0)
		r = add(v, &n, "ERRNO=%d", f->err);
	if (r == 0) {
		for (size_t i = 0; i < n; i++)
			iov[i] = (struct iovec){ .iov_base = v[i], .iov_len = strlen(v[i]) };
		r = sd_journal_sendv(iov, (int)n);
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	return r;
}

static int log_va(int level, const struct sg_log_fields *f, const char *fmt, va_list ap)
{
	char buf[512], *msg = buf, *big = NULL;
	va_list aq;
	int n, r;

	if (LOG_PRI(level) > max_level)
		return 0;
	/* On the stack first: a seal request's line should cost no malloc. */
	va_copy(aq, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0) {
		va_end(aq);
		return -errno;
	}
	/* Longer lines are never cut (the tests grep whole lines), unless
	 * memory is short: a cut line beats none. */
	if ((size_t)n >= sizeof(buf) && vasprintf(&big, fmt, aq) >= 0)
		msg = big;
	va_end(aq);
	if (to_journal && send_journal(level, f, msg) >= 0) {
		free(big);
		return 0;
	}
	/* Not the journal, or a line sd_journal_sendv() could not send (it
	 * only drops lines silently when the socket is missing, which a
	 * matching $JOURNAL_STREAM rules out): stderr is read by whoever
	 * started us, systemd included.  One fprintf, so that the line goes
	 * out in one write as it always did. */
	r = fprintf(stderr, "sealguardd: %s\n", msg) < 0 ? -EIO : 0;
	free(big);
	return r;
}

int sg_log(int level, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_va(level, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int sg_log_fields(int level, const struct sg_log_fields *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_va(level, f, fmt, ap);
	va_end(ap);
	return r;
}

void sg_printable(char *dst, const char *src, size_t len)
{
	size_t i;

	if (len == 0)
		return;
	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
	dst[i] = '\0';
}
