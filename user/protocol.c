// SPDX-License-Identifier: LGPL-2.1-or-later
#include "protocol.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define SG_MAX_ERRNO 4095

_Static_assert(sizeof(struct sg_left_out_entry) == 880, "docs/protocol.md gives the layout");
_Static_assert(sizeof(struct sg_msg_hdr) + sizeof(struct sg_body_left_out) +
			       SG_LEFT_OUT_PAGE * sizeof(struct sg_left_out_entry) <=
		       SG_MSG_MAX,
	       "a full page of left-out rules fits in one message");

size_t sg_request_body_size(uint16_t type)
{
	switch (type) {
	case SG_OP_ADD_SEALS: return sizeof(struct sg_body_seals);
	case SG_OP_LIST: return sizeof(struct sg_body_list_req);
	case SG_OP_LEFT_OUT: return sizeof(struct sg_body_left_out_req);
	default: return 0;
	}
}

void sg_hdr_init(struct sg_msg_hdr *h, uint16_t type, uint32_t seq, int32_t result, size_t body_len)
{
	memset(h, 0, sizeof(*h));
	h->magic = SG_PROTO_MAGIC;
	h->version = SG_PROTO_VERSION;
	h->type = type;
	h->size = (uint32_t)(sizeof(*h) + body_len);
	h->seq = seq;
	h->result = result;
}

/* Magic, version and size: what every message has. */
static int decode_hdr(const void *buf, size_t len, struct sg_msg_hdr *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, buf, len < sizeof(*out) ? len : sizeof(*out));
	/* Magic and version first: every version starts with them, and a
	 * peer of another version must learn that, whatever its sizes. */
	if (len >= offsetof(struct sg_msg_hdr, type) && out->magic == SG_PROTO_MAGIC &&
	    out->version != SG_PROTO_VERSION)
		return -EPROTO;
	if (len > SG_MSG_MAX)
		return -EMSGSIZE;
	if (len < sizeof(*out) || out->magic != SG_PROTO_MAGIC || out->size != len)
		return -EBADMSG;
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

int sg_request_decode(const void *buf, size_t len, int nfds, struct sg_msg_hdr *out)
{
	const unsigned char *body = (const unsigned char *)buf + sizeof(*out);
	size_t body_len;
	int r;

	r = decode_hdr(buf, len, out);
	if (r < 0)
		return r;
	if (out->type < SG_OP_ADD_SEALS || out->type > SG_OP_MAX)
		return -EOPNOTSUPP;
	body_len = len - sizeof(*out);
	if (out->result != 0 || body_len != sg_request_body_size(out->type))
		return -EBADMSG;

	switch (out->type) {
	case SG_OP_ADD_SEALS: {
		struct sg_body_seals b;

		memcpy(&b, body, sizeof(b));
		/* Unknown seal bits are fcntl's EINVAL, decided after the fd
		 * checks as the kernel does, so they pass here. */
		if (b.reserved || out->flags)
			return -EBADMSG;
		return nfds == 1 ? 0 : -EBADMSG;
	}
	case SG_OP_GET_SEALS: return out->flags == 0 && nfds == 1 ? 0 : -EBADMSG;
	case SG_OP_LIST: {
		struct sg_body_list_req b;

		memcpy(&b, body, sizeof(b));
		if ((out->flags & ~SG_LIST_F_AFTER) || b.reserved || b.max == 0 || b.max > SG_LIST_PAGE)
			return -EBADMSG;
		if (!(out->flags & SG_LIST_F_AFTER) && !all_zero(&b.after, sizeof(b.after)))
			return -EBADMSG;
		return nfds == 0 ? 0 : -EBADMSG;
	}
	case SG_OP_LEFT_OUT: {
		struct sg_body_left_out_req b;

		memcpy(&b, body, sizeof(b));
		if (out->flags || b.max == 0 || b.max > SG_LEFT_OUT_PAGE || b.first >= SG_KRULE_MAX)
			return -EBADMSG;
		return nfds == 0 ? 0 : -EBADMSG;
	}
	default: return out->flags == 0 && nfds == 0 ? 0 : -EBADMSG;
	}
}

static bool has_nul(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* A page of left-out rules: counts within the policy's limits, each entry
 * a rule the daemon can leave out, every string terminated. */
static int left_out_ok(const unsigned char *body, size_t body_len)
{
	struct sg_body_left_out b;

	if (body_len < sizeof(b))
		return -EBADMSG;
	memcpy(&b, body, sizeof(b));
	if (b.reserved || b.total > SG_KRULE_MAX || b.count > SG_LEFT_OUT_PAGE || b.count > b.total ||
	    body_len != sizeof(b) + (size_t)b.count * sizeof(struct sg_left_out_entry))
		return -EBADMSG;
	for (uint32_t i = 0; i < b.count; i++) {
		struct sg_left_out_entry e;

		memcpy(&e, body + sizeof(b) + i * sizeof(e), sizeof(e));
		if ((e.kind != 1 && e.kind != 2) || e.missing < SG_LO_EXE || e.missing > SG_LO_CGROUP || e.err <= 0 ||
		    e.err > SG_MAX_ERRNO || e.reserved || !has_nul(e.rule, sizeof(e.rule)) || !e.rule[0] ||
		    !has_nul(e.where, sizeof(e.where)) || !has_nul(e.reason, sizeof(e.reason)))
			return -EBADMSG;
	}
	return 0;
}

static bool result_ok(int32_t result)
{
	return result >= -SG_MAX_ERRNO;
}

int sg_reply_decode(const void *buf, size_t len, uint16_t expect_type, struct sg_msg_hdr *out)
{
	const unsigned char *body = (const unsigned char *)buf + sizeof(*out);
	size_t body_len;
	int r;

	r = decode_hdr(buf, len, out);
	if (r < 0)
		return r;
	body_len = len - sizeof(*out);
	if (out->flags || !result_ok(out->result))
		return -EBADMSG;

	switch (out->type) {
	case SG_MSG_EVENT:
		return out->seq == 0 && out->result == 0 && body_len == sizeof(struct sg_body_event) ? 0 : -EBADMSG;
	case SG_MSG_ERROR: return out->seq == 0 && out->result < 0 && body_len == 0 ? 0 : -EBADMSG;
	}
	if (out->type != expect_type)
		return -EBADMSG;

	switch (out->type) {
	case SG_OP_ADD_SEALS:
	case SG_OP_SUBSCRIBE:
	case SG_OP_UNLOAD:
		/* F_ADD_SEALS succeeds with exactly 0. */
		return out->result <= 0 && body_len == 0 ? 0 : -EBADMSG;
	case SG_OP_GET_SEALS:
		if (body_len != 0 || out->result > (int32_t)SG_SEAL_ALL)
			return -EBADMSG;
		return 0;
	case SG_OP_STATUS:
		if (out->result < 0)
			return body_len == 0 ? 0 : -EBADMSG;
		return out->result == 0 && body_len == sizeof(struct sg_body_status) ? 0 : -EBADMSG;
	case SG_OP_LIST: {
		struct sg_body_list b;

		if (out->result < 0)
			return body_len == 0 ? 0 : -EBADMSG;
		if (out->result != 0 || body_len < sizeof(b))
			return -EBADMSG;
		memcpy(&b, body, sizeof(b));
		if (b.count > SG_LIST_PAGE || b.more > 1 ||
		    body_len != sizeof(b) + b.count * sizeof(struct sg_list_entry))
			return -EBADMSG;
		return 0;
	}
	case SG_OP_RELOAD:
		/* A failed reload explains itself; a malformed request does not. */
		if (out->result < 0 && body_len == 0)
			return 0;
		return out->result <= 0 && body_len == sizeof(struct sg_body_reload) ? 0 : -EBADMSG;
	case SG_OP_LEFT_OUT:
		if (out->result < 0)
			return body_len == 0 ? 0 : -EBADMSG;
		return out->result == 0 ? left_out_ok(body, body_len) : -EBADMSG;
	default: return -EBADMSG;
	}
}
