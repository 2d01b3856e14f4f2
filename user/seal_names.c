// SPDX-License-Identifier: LGPL-2.1-or-later
#include "seal_names.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sealguard_abi.h"

static const struct {
	unsigned int bit;
	const char *name;
} seal_names[] = {
	/* Bit order, so formatted lists read the same everywhere. */
	{ SG_SEAL_SEAL, "seal" },
	{ SG_SEAL_SHRINK, "shrink" },
	{ SG_SEAL_GROW, "grow" },
	{ SG_SEAL_WRITE, "write" },
	{ SG_SEAL_FUTURE_WRITE, "future-write" },
	{ SG_SEAL_EXEC, "exec" },
};

#define N_SEAL_NAMES (sizeof(seal_names) / sizeof(seal_names[0]))

const char *sg_seal_name(unsigned int bit)
{
	for (size_t i = 0; i < N_SEAL_NAMES; i++)
		if (seal_names[i].bit == bit)
			return seal_names[i].name;
	return NULL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A number item: "0", decimal without a leading zero, or 0x-hex.  strtoul()
 * is not used because it would take "010" as octal, skip blanks and accept
 * a sign, none of which a script should silently get away with.
 * Returns 0, -EINVAL if the item is not a number, -ERANGE if above 0x3f.
 */
static int parse_number(const char *s, size_t len, unsigned int *out)
{
	unsigned int base = 10, v = 0;
	size_t i = 0;
	bool big = false;

	if (len == 0 || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
		if (len == 2)
			return -EINVAL;
	} else if (s[0] == '0' && len > 1) {
		return -EINVAL;
	}

	for (; i < len; i++) {
		int d = hex_digit(s[i]);

		if (d < 0 || (unsigned int)d >= base)
			return -EINVAL;
		/* Scan on past a too-large value: "0xfffg" is a typo, not a range error. */
		if (!big) {
			v = v * base + (unsigned int)d;
			big = v > SG_SEAL_ALL;
		}
	}
	if (big)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_item(const char *s, size_t len, unsigned int *out)
{
	for (size_t i = 0; i < N_SEAL_NAMES; i++)
		if (strlen(seal_names[i].name) == len && memcmp(seal_names[i].name, s, len) == 0) {
			*out = seal_names[i].bit;
			return 0;
		}
	return parse_number(s, len, out);
}

int sg_seals_parse(const char *s, unsigned int *out, const char **bad, size_t *badlen)
{
	unsigned int seals = 0;
	const char *p = s;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned int v;
		int r;

		r = len == 0 ? -EINVAL : parse_item(p, len, &v);
		if (r < 0) {
			if (bad)
				*bad = p;
			if (badlen)
				*badlen = len;
			return r;
		}
		seals |= v;
		if (!comma)
			break;
		p = comma + 1;
	}

	*out = seals;
	return 0;
}

static int append(char *buf, size_t len, size_t *pos, const char *item)
{
	size_t sep = *pos > 0, n = strlen(item);

	/* The NUL needs room too. */
	if (sep + n >= len - *pos)
		return -ENOSPC;
	if (sep)
		buf[(*pos)++] = ',';
	memcpy(buf + *pos, item, n + 1);
	*pos += n;
	return 0;
}

int sg_seals_format(unsigned int seals, char *buf, size_t len)
{
	unsigned int rest = seals;
	size_t pos = 0;
	int r = 0;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';

	if (seals == 0)
		r = append(buf, len, &pos, "none");

	for (size_t i = 0; r == 0 && i < N_SEAL_NAMES; i++)
		if (seals & seal_names[i].bit) {
			r = append(buf, len, &pos, seal_names[i].name);
			rest &= ~seal_names[i].bit;
		}

	if (r == 0 && rest != 0) {
		char hex[sizeof("0x") + 2 * sizeof(rest)];

		snprintf(hex, sizeof(hex), "%#x", rest);
		r = append(buf, len, &pos, hex);
	}

	if (r < 0) {
		buf[0] = '\0';
		return r;
	}
	return (int)pos;
}

const char *sg_op_name(unsigned int op)
{
	static const char *const names[SG_EV_OP_COUNT] = {
		[SG_EV_WRITE] = "write",       [SG_EV_FALLOCATE] = "fallocate", [SG_EV_MMAP] = "mmap",
		[SG_EV_MPROTECT] = "mprotect", [SG_EV_TRUNCATE] = "truncate",	[SG_EV_CHMOD] = "chmod",
		[SG_EV_TAMPER] = "tamper",
	};

	if (op == SG_EV_REQUEST)
		return "request";
	if (op == SG_EV_REGISTRY_FULL)
		return "registry-full";
	if (op == SG_EV_AUDIT_SEAL)
		return "seal";
	return op < SG_EV_OP_COUNT ? names[op] : "?";
}
