/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files (docs/policy.md): the rules, as parsed and validated.
 * Shared by sealguardd, `sealctl policy check` and the tests; no daemon
 * state here.
 */
#ifndef SG_POLICY_FILE_H
#define SG_POLICY_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SG_POLICY_DIR	    "/etc/sealguard/policies.d"
#define SG_POLICY_MAX_SIZE  (1u << 20) /* per file */
#define SG_POLICY_MAX_IDS   16	       /* uids or gids in one match */
#define SG_POLICY_NAME_MAX  64
#define SG_POLICY_PATH_MAX  256
#define SG_POLICY_COMM_MAX  16	/* TASK_COMM_LEN, NUL included */
#define SG_POLICY_MEMFD_MAX 250 /* memfd names: 249 bytes */

enum sg_rule_kind {
	SG_RULE_ALLOW,	/* seal requests on the socket that are granted */
	SG_RULE_APPLY,	/* seals applied on a trigger, with no request */
	SG_RULE_EXEMPT, /* processes a seal does not bind */
};

enum sg_trigger {
	SG_ON_NONE,
	SG_ON_RECEIVE, /* the process receives the fd (SCM_RIGHTS) */
	SG_ON_MMAP,    /* first shared mmap */
	SG_ON_OPEN,    /* open of a matching path */
};

/* Filesystem kinds a file rule names (bits). */
#define SG_FS_TMPFS	0x1u
#define SG_FS_MEMFD	0x2u
#define SG_FS_HUGETLBFS 0x4u
#define SG_FS_OTHER	0x8u

struct sg_match_process {
	unsigned int nuids, ngids;
	uid_t uids[SG_POLICY_MAX_IDS];
	gid_t gids[SG_POLICY_MAX_IDS];
	char cgroup[SG_POLICY_PATH_MAX]; /* prefix, on path components */
	char exe[SG_POLICY_PATH_MAX];	 /* exact */
	char comm[SG_POLICY_COMM_MAX];	 /* exact */
};

struct sg_match_file {
	unsigned int fs;		 /* SG_FS_*; 0: any */
	char path[SG_POLICY_PATH_MAX];	 /* prefix, on path components */
	char memfd[SG_POLICY_MEMFD_MAX]; /* fnmatch(3) pattern on the memfd name */
	bool has_owner;
	uid_t owner;
};

struct sg_rule {
	char name[SG_POLICY_NAME_MAX];
	char where[SG_POLICY_PATH_MAX + 32]; /* "file:line:column" of the rule */
	enum sg_rule_kind kind;
	enum sg_trigger on; /* apply only */
	bool audit;	    /* apply only, "mode: audit": report, do not seal */
	unsigned int seals; /* SG_SEAL_*; exempt: 0 means all */
	struct sg_match_process process;
	struct sg_match_file file;
};

struct sg_policy_index;

struct sg_policy {
	struct sg_rule *rules;
	size_t nrules, cap;
	unsigned int nfiles;
	bool builtin;		       /* no policy files: native semantics */
	struct sg_policy_index *index; /* of allow rules, by uid (index.c); NULL: none */
};

/* What is known about a requester and a file when a rule is matched;
 * NULL strings and has_* false for what could not be read (which no
 * rule naming it matches). */
struct sg_subject {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
	const char *cgroup;
	const char *exe;
	const char *comm;
};

struct sg_object {
	unsigned int fs; /* one SG_FS_* bit */
	const char *path;
	const char *memfd; /* the name, for memfds */
	bool has_owner;
	uid_t owner;
};

/*
 * Parses one file's text, appending its rules to p.  name is what error
 * messages call the file.  0, or -errno with "name:line:column: what is
 * wrong" in err.  On error p keeps the rules it had before the call.
 */
int sg_policy_parse(struct sg_policy *p, const char *name, const char *buf, size_t len, char *err, size_t errlen);

/* Reads and parses one file. */
int sg_policy_parse_file(struct sg_policy *p, const char *path, char *err, size_t errlen);

/*
 * Every *.yaml in dir, in name order, into a fresh *p.  A missing or
 * empty directory gives the built-in policy (p->builtin).  On error *p
 * is left empty (sg_policy_free is still safe).
 */
int sg_policy_load_dir(struct sg_policy *p, const char *dir, char *err, size_t errlen);

void sg_policy_free(struct sg_policy *p);

/* Whether rule r's process and file conditions hold. */
bool sg_rule_matches(const struct sg_rule *r, const struct sg_subject *s, const struct sg_object *o);

/*
 * Whether a request to add seals is granted: always under the built-in
 * policy; otherwise every bit must be in an allow rule that matches.
 * *denied gets the bits no matching rule allows.
 */
bool sg_policy_allows(const struct sg_policy *p, const struct sg_subject *s, const struct sg_object *o,
		      unsigned int seals, unsigned int *denied);

const char *sg_rule_kind_name(enum sg_rule_kind k);

/*
 * A warning about rule r that is not an error, or NULL: an exempt rule
 * that names its processes by comm alone, which any process can set for
 * itself (prctl(PR_SET_NAME)).  Written into buf as "where: warning: ...".
 */
const char *sg_rule_warning(const struct sg_rule *r, char *buf, size_t len);

/* Indexes p's allow rules by uid for sg_policy_allows (sg_policy_load_dir
 * does it; sg_policy_parse drops it).  0 or -ENOMEM. */
int sg_policy_index(struct sg_policy *p);
void sg_policy_index_free(struct sg_policy *p);

/* The allow rules a requester with this uid can match, as positions in
 * p->rules: those without a uid condition, and those naming uid.  Only
 * candidates: the rest of each rule is still to be matched. */
struct sg_policy_candidates {
	const size_t *any;
	size_t nany;
	const size_t *named;
	size_t nnamed;
};

void sg_policy_index_candidates(const struct sg_policy *p, uid_t uid, struct sg_policy_candidates *c);

#endif
