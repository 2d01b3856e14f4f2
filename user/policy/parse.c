// SPDX-License-Identifier: GPL-2.0
/*
 * YAML policy files through libyaml's document API: every node keeps its
 * position, so each complaint names file:line:column.  A file is parsed
 * into a scratch list and only appended whole, so a bad file changes
 * nothing.
 */
#include "sg_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "seal_names.h"
#include "sealguard_abi.h"

struct ctx {
	const char *name;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	size_t off;
	va_list ap;

	off = (size_t)snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->name, n ? n->start_mark.line + 1 : 1,
			       n ? n->start_mark.column + 1 : 1);
	if (off < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + off, c->errlen - off, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static const char *node_type(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

static int want(struct ctx *c, const yaml_node_t *n, yaml_node_type_t type, const char *what)
{
	if (n->type == type)
		return 0;
	return fail_at(c, n, "%s must be %s, not %s", what,
		       type == YAML_SCALAR_NODE	    ? "a scalar"
		       : type == YAML_SEQUENCE_NODE ? "a list"
						    : "a mapping",
		       node_type(n));
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int copy_string(struct ctx *c, const yaml_node_t *n, const char *what, char *dst, size_t cap)
{
	int r = want(c, n, YAML_SCALAR_NODE, what);

	if (r < 0)
		return r;
	if (n->data.scalar.length == 0)
		return fail_at(c, n, "%s must not be empty", what);
	if (n->data.scalar.length >= cap)
		return fail_at(c, n, "%s is longer than %zu bytes", what, cap - 1);
	if (memchr(scalar(n), '\0', n->data.scalar.length))
		return fail_at(c, n, "%s contains a NUL byte", what);
	memcpy(dst, scalar(n), n->data.scalar.length + 1);
	return 0;
}

/* Absolute, normalized: no "." or ".." components, no "//", no trailing
 * "/" except for "/" itself, so that prefixes compare component-wise. */
static int copy_path(struct ctx *c, const yaml_node_t *n, const char *what, char *dst, size_t cap)
{
	int r = copy_string(c, n, what, dst, cap);
	size_t len;

	if (r < 0)
		return r;
	if (dst[0] != '/')
		return fail_at(c, n, "%s '%s' is not an absolute path", what, dst);
	len = strlen(dst);
	if (strstr(dst, "//") || strstr(dst, "/./") || strstr(dst, "/../") ||
	    (len >= 2 && strcmp(dst + len - 2, "/.") == 0) || (len >= 3 && strcmp(dst + len - 3, "/..") == 0) ||
	    (len > 1 && dst[len - 1] == '/'))
		return fail_at(c, n, "%s '%s' is not a normalized path (no '.', '..', '//' or trailing '/')", what,
			       dst);
	return 0;
}

static int parse_id(struct ctx *c, const yaml_node_t *n, const char *what, unsigned int *out)
{
	char *end;
	unsigned long v;
	int r = want(c, n, YAML_SCALAR_NODE, what);

	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(scalar(n), &end, 10);
	if (errno || end == scalar(n) || *end || scalar(n)[0] == '-' || v >= UINT_MAX)
		return fail_at(c, n, "%s '%s' is not a number in 0..%u", what, scalar(n), UINT_MAX - 1);
	*out = (unsigned int)v;
	return 0;
}

/* One number, or a list of them. */
static int parse_ids(struct ctx *c, const yaml_node_t *n, const char *what, unsigned int *ids, unsigned int *count)
{
	yaml_node_item_t *it;
	int r;

	*count = 0;
	if (n->type == YAML_SCALAR_NODE)
		return (r = parse_id(c, n, what, &ids[0])) < 0 ? r : (*count = 1, 0);
	if ((r = want(c, n, YAML_SEQUENCE_NODE, what)) < 0)
		return r;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(c->doc, *it);

		if (*count == SG_POLICY_MAX_IDS)
			return fail_at(c, item, "%s lists more than %d ids", what, SG_POLICY_MAX_IDS);
		if ((r = parse_id(c, item, what, &ids[*count])) < 0)
			return r;
		(*count)++;
	}
	if (*count == 0)
		return fail_at(c, n, "%s is an empty list", what);
	return 0;
}

static int parse_seal_name(struct ctx *c, const yaml_node_t *n, unsigned int *seals)
{
	unsigned int s;
	const char *bad;
	size_t badlen;
	int r = want(c, n, YAML_SCALAR_NODE, "a seal");

	if (r < 0)
		return r;
	if (sg_seals_parse(scalar(n), &s, &bad, &badlen) < 0)
		return fail_at(c, n, "unknown seal '%s' (known: seal, shrink, grow, write, future-write, exec)",
			       scalar(n));
	*seals |= s;
	return 0;
}

/* "seals: [shrink, grow]", or "seals: shrink,grow". */
static int parse_seals(struct ctx *c, const yaml_node_t *n, unsigned int *seals)
{
	yaml_node_item_t *it;
	int r;

	*seals = 0;
	if (n->type == YAML_SCALAR_NODE) {
		if ((r = parse_seal_name(c, n, seals)) < 0)
			return r;
		/* A mask of 0 would make a rule that grants or adds nothing. */
		return *seals ? 0 : fail_at(c, n, "seals '%s' names no seal", scalar(n));
	}
	if ((r = want(c, n, YAML_SEQUENCE_NODE, "seals")) < 0)
		return r;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if ((r = parse_seal_name(c, yaml_document_get_node(c->doc, *it), seals)) < 0)
			return r;
	if (*seals == 0)
		return fail_at(c, n, "seals is an empty list");
	return 0;
}

static int parse_fs_name(struct ctx *c, const yaml_node_t *n, unsigned int *fs)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} names[] = {
		{ "tmpfs", SG_FS_TMPFS },
		{ "memfd", SG_FS_MEMFD },
		{ "hugetlbfs", SG_FS_HUGETLBFS },
		{ "other", SG_FS_OTHER },
	};
	int r = want(c, n, YAML_SCALAR_NODE, "fs");

	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(scalar(n), names[i].name) == 0) {
			*fs |= names[i].bit;
			return 0;
		}
	return fail_at(c, n, "unknown filesystem kind '%s' (known: tmpfs, memfd, hugetlbfs, other)", scalar(n));
}

/* Calls fn for each key of mapping n, with the key's text; rejects
 * duplicate keys (YAML forbids them, libyaml does not check). */
typedef int (*key_fn)(struct ctx *c, const yaml_node_t *key, const yaml_node_t *value, void *data);

static int each_key(struct ctx *c, const yaml_node_t *n, const char *what, key_fn fn, void *data)
{
	yaml_node_pair_t *p, *q;
	int r;

	if ((r = want(c, n, YAML_MAPPING_NODE, what)) < 0)
		return r;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = yaml_document_get_node(c->doc, p->key);

		if ((r = want(c, k, YAML_SCALAR_NODE, "a key")) < 0)
			return r;
		for (q = n->data.mapping.pairs.start; q < p; q++)
			if (strcmp(scalar(yaml_document_get_node(c->doc, q->key)), scalar(k)) == 0)
				return fail_at(c, k, "duplicate key '%s' in %s", scalar(k), what);
		if ((r = fn(c, k, yaml_document_get_node(c->doc, p->value), data)) < 0)
			return r;
	}
	return 0;
}

static int process_key(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v, void *data)
{
	struct sg_match_process *m = data;
	const char *key = scalar(k);

	if (strcmp(key, "uid") == 0)
		return parse_ids(c, v, "uid", m->uids, &m->nuids);
	if (strcmp(key, "gid") == 0)
		return parse_ids(c, v, "gid", m->gids, &m->ngids);
	if (strcmp(key, "cgroup") == 0)
		return copy_path(c, v, "cgroup", m->cgroup, sizeof(m->cgroup));
	if (strcmp(key, "exe") == 0)
		return copy_path(c, v, "exe", m->exe, sizeof(m->exe));
	if (strcmp(key, "comm") == 0)
		return copy_string(c, v, "comm", m->comm, sizeof(m->comm));
	return fail_at(c, k, "unknown key '%s' in process (known: uid, gid, cgroup, exe, comm)", key);
}

static int file_key(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v, void *data)
{
	struct sg_match_file *m = data;
	const char *key = scalar(k);
	yaml_node_item_t *it;
	int r;

	if (strcmp(key, "fs") == 0) {
		m->fs = 0;
		if (v->type == YAML_SCALAR_NODE)
			return parse_fs_name(c, v, &m->fs);
		if ((r = want(c, v, YAML_SEQUENCE_NODE, "fs")) < 0)
			return r;
		for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
			if ((r = parse_fs_name(c, yaml_document_get_node(c->doc, *it), &m->fs)) < 0)
				return r;
		return m->fs ? 0 : fail_at(c, v, "fs is an empty list");
	}
	if (strcmp(key, "path") == 0)
		return copy_path(c, v, "path", m->path, sizeof(m->path));
	if (strcmp(key, "memfd") == 0)
		return copy_string(c, v, "memfd", m->memfd, sizeof(m->memfd));
	if (strcmp(key, "owner") == 0) {
		/* One uid: a list would be parsed into room for one. */
		if (v->type != YAML_SCALAR_NODE)
			return fail_at(c, v, "owner must be one uid");
		m->has_owner = true;
		return parse_id(c, v, "owner", &m->owner);
	}
	return fail_at(c, k, "unknown key '%s' in file (known: fs, path, memfd, owner)", key);
}

struct rule_parse {
	struct sg_rule *r;
	const yaml_node_t *kind, *seals, *on, *name, *mode;
};

static int rule_key(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v, void *data)
{
	struct rule_parse *rp = data;
	const char *key = scalar(k);

	if (strcmp(key, "name") == 0) {
		rp->name = v;
		return copy_string(c, v, "name", rp->r->name, sizeof(rp->r->name));
	}
	if (strcmp(key, "kind") == 0) {
		int r = want(c, v, YAML_SCALAR_NODE, "kind");

		if (r < 0)
			return r;
		rp->kind = v;
		if (strcmp(scalar(v), "allow") == 0)
			rp->r->kind = SG_RULE_ALLOW;
		else if (strcmp(scalar(v), "apply") == 0)
			rp->r->kind = SG_RULE_APPLY;
		else if (strcmp(scalar(v), "exempt") == 0)
			rp->r->kind = SG_RULE_EXEMPT;
		else
			return fail_at(c, v, "unknown kind '%s' (known: allow, apply, exempt)", scalar(v));
		return 0;
	}
	if (strcmp(key, "seals") == 0) {
		rp->seals = v;
		return parse_seals(c, v, &rp->r->seals);
	}
	if (strcmp(key, "on") == 0) {
		int r = want(c, v, YAML_SCALAR_NODE, "on");

		if (r < 0)
			return r;
		rp->on = v;
		if (strcmp(scalar(v), "receive") == 0)
			rp->r->on = SG_ON_RECEIVE;
		else if (strcmp(scalar(v), "mmap") == 0)
			rp->r->on = SG_ON_MMAP;
		else if (strcmp(scalar(v), "open") == 0)
			rp->r->on = SG_ON_OPEN;
		else
			return fail_at(c, v, "unknown trigger '%s' (known: receive, mmap, open)", scalar(v));
		return 0;
	}
	if (strcmp(key, "mode") == 0) {
		int r = want(c, v, YAML_SCALAR_NODE, "mode");

		if (r < 0)
			return r;
		rp->mode = v;
		if (strcmp(scalar(v), "audit") == 0)
			rp->r->audit = true;
		else if (strcmp(scalar(v), "enforce") == 0)
			rp->r->audit = false;
		else
			return fail_at(c, v, "unknown mode '%s' (known: enforce, audit)", scalar(v));
		return 0;
	}
	if (strcmp(key, "process") == 0)
		return each_key(c, v, "process", process_key, &rp->r->process);
	if (strcmp(key, "file") == 0)
		return each_key(c, v, "file", file_key, &rp->r->file);
	return fail_at(c, k, "unknown key '%s' in a rule (known: name, kind, seals, on, mode, process, file)", key);
}

/* A memfd pattern the kernel can compare: a name, or a prefix ending in '*'. */
static bool kernel_memfd_pattern(const char *pat)
{
	size_t n = strlen(pat), special = strcspn(pat, "*?[\\");

	if (special == n)
		return n < SG_KMEMFD_MAX; /* compared with its NUL */
	return special == n - 1 && pat[n - 1] == '*' && n - 1 <= SG_KMEMFD_MAX;
}

/*
 * What the kernel can enforce of apply and exempt rules.  A rule it would
 * accept but not honour is worse than an error: the operator would
 * believe in it.
 */
static int kernel_supported(struct ctx *c, const yaml_node_t *n, const struct sg_rule *r, const struct rule_parse *rp)
{
	if (r->kind == SG_RULE_ALLOW)
		return 0;
	if (r->file.memfd[0] && !kernel_memfd_pattern(r->file.memfd))
		return fail_at(c, n,
			       "%s rule '%s': the kernel matches memfd names exactly or by a prefix "
			       "ending in '*' (at most %d bytes), not '%s'",
			       sg_rule_kind_name(r->kind), r->name, SG_KMEMFD_MAX - 1, r->file.memfd);
	if (r->kind == SG_RULE_EXEMPT) {
		if (r->seals & SG_SEAL_SEAL)
			return fail_at(c, rp->seals,
				       "exempt rule '%s' cannot exempt from seal: it stops new "
				       "seals, not an operation (exempt from shrink, grow, write, future-write, exec)",
				       r->name);
		return 0;
	}
	if (r->seals & (SG_SEAL_WRITE | SG_SEAL_EXEC))
		return fail_at(c, rp->seals,
			       "apply rule '%s' cannot apply write or exec: they must fail while the "
			       "file is mapped writable or executable, which a seal added on a trigger cannot; "
			       "use future-write",
			       r->name);
	return 0;
}

/* The length of a kernel rule's memfd prefix ("cursor-*": 7), or -1. */
static int prefix_length(const struct sg_rule *r)
{
	size_t n = strlen(r->file.memfd);

	return r->kind != SG_RULE_ALLOW && n > 1 && r->file.memfd[n - 1] == '*' ? (int)n - 1 : -1;
}

/* The kernel looks a memfd name up once per distinct prefix length. */
static int prefix_lengths_fit(struct ctx *c, const yaml_node_t *n, const struct sg_policy *p,
			      const struct sg_policy *scratch, const struct sg_rule *rule)
{
	int lens[SG_KMEMFD_LENS], nlens = 0, mine = prefix_length(rule);

	if (mine < 0)
		return 0;
	for (size_t i = 0; i < p->nrules + scratch->nrules; i++) {
		int l = prefix_length(i < p->nrules ? &p->rules[i] : &scratch->rules[i - p->nrules]), j;

		for (j = 0; j < nlens && lens[j] != l; j++)
			;
		if (l < 0 || l == mine || j < nlens)
			continue;
		if (nlens == SG_KMEMFD_LENS - 1)
			return fail_at(c, n,
				       "rule '%s': memfd prefixes of more than %d different lengths in "
				       "apply and exempt rules",
				       rule->name, SG_KMEMFD_LENS);
		lens[nlens++] = l;
	}
	return 0;
}

static int parse_rule(struct ctx *c, const yaml_node_t *n, struct sg_rule *r)
{
	struct rule_parse rp = { .r = r };
	int ret;

	memset(r, 0, sizeof(*r));
	snprintf(r->where, sizeof(r->where), "%s:%zu:%zu", c->name, n->start_mark.line + 1, n->start_mark.column + 1);
	if ((ret = each_key(c, n, "a rule", rule_key, &rp)) < 0)
		return ret;
	if (!rp.name)
		return fail_at(c, n, "rule has no name");
	if (!rp.kind)
		return fail_at(c, n, "rule '%s' has no kind (allow, apply or exempt)", r->name);
	if (r->kind != SG_RULE_EXEMPT && !rp.seals)
		return fail_at(c, n, "%s rule '%s' names no seals", sg_rule_kind_name(r->kind), r->name);
	if (r->kind == SG_RULE_APPLY && !rp.on)
		return fail_at(c, n, "apply rule '%s' has no trigger ('on: receive', 'mmap' or 'open')", r->name);
	if (r->kind != SG_RULE_APPLY && rp.on)
		return fail_at(c, rp.on, "'on' belongs to apply rules; '%s' is an %s rule", r->name,
			       sg_rule_kind_name(r->kind));
	if (r->kind != SG_RULE_APPLY && rp.mode)
		return fail_at(c, rp.mode, "'mode' belongs to apply rules; '%s' is an %s rule", r->name,
			       sg_rule_kind_name(r->kind));
	if (r->kind == SG_RULE_APPLY && r->on == SG_ON_OPEN && !r->file.path[0])
		return fail_at(c, n, "apply rule '%s' on open needs a file path", r->name);
	return kernel_supported(c, n, r, &rp);
}

struct top_parse {
	struct sg_policy *scratch;
	const yaml_node_t *version, *rules;
};

static int top_key(struct ctx *c, const yaml_node_t *k, const yaml_node_t *v, void *data)
{
	struct top_parse *tp = data;

	if (strcmp(scalar(k), "version") == 0) {
		unsigned int ver;
		int r = parse_id(c, v, "version", &ver);

		if (r < 0)
			return r;
		if (ver != 1)
			return fail_at(c, v, "policy version %u is not supported (this sealguard reads version 1)",
				       ver);
		tp->version = v;
		return 0;
	}
	if (strcmp(scalar(k), "rules") == 0) {
		tp->rules = v;
		return want(c, v, YAML_SEQUENCE_NODE, "rules");
	}
	return fail_at(c, k, "unknown key '%s' (known: version, rules)", scalar(k));
}

static int add_rule(struct sg_policy *p, const struct sg_rule *r)
{
	if (p->nrules == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct sg_rule *n = realloc(p->rules, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->rules = n;
		p->cap = cap;
	}
	p->rules[p->nrules++] = *r;
	return 0;
}

/*
 * Rule names seen so far, for the uniqueness check: open addressing on
 * FNV-1a over indexes into p's rules followed by scratch's (which may
 * move as it grows), built per file.  A scan of every earlier rule per
 * rule made a 10 000-rule policy take seconds to load
 * (docs/benchmarks.md).
 */
struct name_set {
	size_t *slot; /* index + 1; 0: empty */
	size_t mask;
	const struct sg_policy *p, *scratch;
};

static const struct sg_rule *rule_at(const struct name_set *ns, size_t i)
{
	return i < ns->p->nrules ? &ns->p->rules[i] : &ns->scratch->rules[i - ns->p->nrules];
}

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The rule named name, or NULL after recording that index idx bears it. */
static const struct sg_rule *name_set_add(struct name_set *ns, const char *name, size_t idx)
{
	size_t i = name_hash(name) & ns->mask;

	for (; ns->slot[i]; i = (i + 1) & ns->mask)
		if (strcmp(rule_at(ns, ns->slot[i] - 1)->name, name) == 0)
			return rule_at(ns, ns->slot[i] - 1);
	ns->slot[i] = idx + 1;
	return NULL;
}

static int name_set_init(struct name_set *ns, const struct sg_policy *p, const struct sg_policy *scratch, size_t more)
{
	size_t cap = 16;

	while (cap < 2 * (p->nrules + more))
		cap *= 2;
	ns->slot = calloc(cap, sizeof(*ns->slot));
	if (!ns->slot)
		return -ENOMEM;
	ns->mask = cap - 1;
	ns->p = p;
	ns->scratch = scratch;
	for (size_t i = 0; i < p->nrules; i++)
		name_set_add(ns, p->rules[i].name, i);
	return 0;
}

static int parse_doc(struct ctx *c, struct sg_policy *p, struct sg_policy *scratch)
{
	yaml_node_t *root = yaml_document_get_root_node(c->doc);
	struct top_parse tp = { .scratch = scratch };
	struct name_set names = { 0 };
	yaml_node_item_t *it;
	int r;

	if (!root)
		return fail_at(c, NULL, "empty policy file (it needs 'version: 1' and 'rules')");
	if ((r = each_key(c, root, "the file", top_key, &tp)) < 0)
		return r;
	if (!tp.version)
		return fail_at(c, root, "no 'version: 1'");
	if (!tp.rules)
		return fail_at(c, root, "no 'rules' list");
	r = name_set_init(&names, p, scratch,
			  (size_t)(tp.rules->data.sequence.items.top - tp.rules->data.sequence.items.start));
	if (r < 0)
		return r;
	for (it = tp.rules->data.sequence.items.start; it < tp.rules->data.sequence.items.top; it++) {
		const yaml_node_t *n = yaml_document_get_node(c->doc, *it);
		const struct sg_rule *o;
		struct sg_rule rule;

		if ((r = parse_rule(c, n, &rule)) < 0)
			goto out;
		/* Names are unique across every file of the policy.  rule is
		 * recorded under the index add_rule() gives it below. */
		o = name_set_add(&names, rule.name, p->nrules + scratch->nrules);
		if (o) {
			r = fail_at(c, n, "duplicate rule name '%s' (first at %s)", rule.name, o->where);
			goto out;
		}
		if (rule.kind != SG_RULE_ALLOW) {
			size_t nkernel = 0;

			for (size_t i = 0; i < p->nrules + scratch->nrules; i++)
				nkernel += (i < p->nrules ? &p->rules[i] : &scratch->rules[i - p->nrules])->kind !=
					   SG_RULE_ALLOW;
			if (nkernel == SG_KRULE_MAX) {
				r = fail_at(c, n, "more than %d apply and exempt rules in the policy", SG_KRULE_MAX);
				goto out;
			}
			if ((r = prefix_lengths_fit(c, n, p, scratch, &rule)) < 0)
				goto out;
		}
		if ((r = add_rule(scratch, &rule)) < 0)
			goto out;
	}
	r = 0;
out:
	free(names.slot);
	return r;
}

/* libyaml's reader reports invalid UTF-8 by byte offset only. */
static void offset_to_mark(const char *buf, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int sg_policy_parse(struct sg_policy *p, const char *name, const char *buf, size_t len, char *err, size_t errlen)
{
	struct sg_policy scratch = { 0 };
	yaml_parser_t parser;
	yaml_document_t doc;
	struct ctx c = { .name = name, .doc = &doc, .err = err, .errlen = errlen };
	int r = 0;

	/* Rules are about to change: an index of the old ones would lie. */
	sg_policy_index_free(p);

	if (len > SG_POLICY_MAX_SIZE)
		return fail_at(&c, NULL, "larger than %u bytes", SG_POLICY_MAX_SIZE);
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&parser, &doc)) {
		size_t line = parser.problem_mark.line + 1, col = parser.problem_mark.column + 1;

		if (parser.error == YAML_READER_ERROR)
			offset_to_mark(buf, parser.problem_offset, &line, &col);
		snprintf(err, errlen, "%s:%zu:%zu: %s%s", name, line, col,
			 parser.error == YAML_READER_ERROR ? "not UTF-8 text: " : "YAML syntax: ",
			 parser.problem ? parser.problem : "error");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	/* One document per file: a second would be silently ignored. */
	{
		yaml_document_t extra;

		if (yaml_parser_load(&parser, &extra)) {
			yaml_node_t *root = yaml_document_get_root_node(&extra);

			if (root)
				r = fail_at(&c, root, "a second YAML document; one per file");
			yaml_document_delete(&extra);
		}
	}
	if (r == 0)
		r = parse_doc(&c, p, &scratch);
	for (size_t i = 0; r == 0 && i < scratch.nrules; i++)
		r = add_rule(p, &scratch.rules[i]);
	if (r == 0)
		p->nfiles++;
	else if (r == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	free(scratch.rules);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return r;
}

int sg_policy_parse_file(struct sg_policy *p, const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file", path);
		return -EINVAL;
	}
	if ((size_t)st.st_size > SG_POLICY_MAX_SIZE) {
		close(fd);
		snprintf(err, errlen, "%s:1:1: larger than %u bytes", path, SG_POLICY_MAX_SIZE);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* The size may change under us: read at most one byte more than
	 * the limit, and judge what was read. */
	n = read(fd, buf, (size_t)st.st_size + 1);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(-r));
	else
		r = sg_policy_parse(p, path, buf, (size_t)n, err, errlen);
	free(buf);
	return r;
}

void sg_policy_free(struct sg_policy *p)
{
	sg_policy_index_free(p);
	free(p->rules);
	memset(p, 0, sizeof(*p));
}

const char *sg_rule_kind_name(enum sg_rule_kind k)
{
	switch (k) {
	case SG_RULE_ALLOW: return "allow";
	case SG_RULE_APPLY: return "apply";
	case SG_RULE_EXEMPT: return "exempt";
	}
	return "?";
}
