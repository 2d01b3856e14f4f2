// SPDX-License-Identifier: GPL-2.0
#include "registry.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* The key the kernel's programs use for fd's file (SG_IOC_KEY); stat's
 * when the kernel gives none (an overlay file, whose stat key is its real
 * file's).  The kernel's is stat's too (bpf/sg_key.h) except on a btrfs
 * whose subvolumes the programs cannot read, where no seal is added. */
int sg_registry_key(struct sg_daemon *d, int fd, const struct stat *st, struct sg_file_key *key)
{
	struct stat own;
	__u32 zero = 0;

	if (ioctl(fd, SG_IOC_KEY, 0) < 0 && errno == SG_IOC_DONE_ERRNO && d->ioc_key_fd >= 0 &&
	    bpf_map_lookup_elem(d->ioc_key_fd, &zero, key) == 0)
		return 0;
	if (!st) {
		if (fstat(fd, &own) < 0)
			return -errno;
		st = &own;
	}
	memset(key, 0, sizeof(*key));
	key->dev_major = major(st->st_dev);
	key->dev_minor = minor(st->st_dev);
	key->ino = st->st_ino;
	return 0;
}

/* When the file was first sealed, in CLOCK_REALTIME seconds: the kernel
 * writes CLOCK_BOOTTIME nanoseconds, having no wall clock. */
static uint64_t sealed_at(const struct sg_sealed_rec *rec)
{
	struct timespec real, boot;
	uint64_t boot_ns;

	if (!(rec->flags & SG_REC_BOOTTIME))
		return rec->sealed_at;
	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	boot_ns = (uint64_t)boot.tv_sec * 1000000000ull + (uint64_t)boot.tv_nsec;
	if (rec->sealed_at > boot_ns)
		return (uint64_t)real.tv_sec;
	return (uint64_t)real.tv_sec - (boot_ns - rec->sealed_at) / 1000000000ull;
}

/* fd's name, if it leads back to fd's file. */
static bool name_leads_back(int fd, const char *name)
{
	struct stat a, b;

	return name[0] == '/' && fstat(fd, &a) == 0 && stat(name, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int sg_registry_record(struct sg_daemon *d, const struct sg_file_key *key, const struct sg_peer *peer,
		       unsigned int seals, const char *name)
{
	struct sg_sealed_rec rec, old;

	if (d->sealed_fd < 0)
		return -EBADF;
	memset(&rec, 0, sizeof(rec));
	rec.seals = seals;
	rec.uid = peer->uid;
	rec.pid = (uint32_t)peer->pid;
	if (bpf_map_lookup_elem(d->sealed_fd, key, &old) == 0) {
		rec.sealed_at = sealed_at(&old);
		/* Still counted against the file's owner (an apply rule made
		 * the entry): the kernel gives it back with the entry. */
		rec.flags = old.flags & SG_REC_CHARGED;
	} else {
		rec.sealed_at = (uint64_t)time(NULL);
	}
	/* The name the requester's fd had; "/memfd:x (deleted)" for a memfd. */
	snprintf(rec.path, sizeof(rec.path), "%s", name);
	if (bpf_map_update_elem(d->sealed_fd, key, &rec, BPF_ANY) < 0)
		return -errno;
	return 0;
}

int sg_registry_record_as(struct sg_daemon *d, int fd, const struct sg_peer *peer, unsigned int seals, const char *hint)
{
	struct sg_file_key key;
	char link[64], path[SG_PATH_MAX];
	ssize_t n;
	int r;

	if (d->sealed_fd < 0)
		return -EBADF;
	r = sg_registry_key(d, fd, NULL, &key);
	if (r < 0)
		return r;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	if (hint && !name_leads_back(fd, path))
		snprintf(path, sizeof(path), "%s", hint);
	return sg_registry_record(d, &key, peer, seals, path);
}

/* Entries whose latest requester is uid, counted from the registry. */
static uint32_t count_of_uid(struct sg_daemon *d, uint32_t uid)
{
	struct sg_file_key cur, next;
	struct sg_sealed_rec rec;
	const void *prev = NULL;
	uint32_t n = 0, seen = 0;

	while (seen++ < SG_SEALED_MAX && bpf_map_get_next_key(d->sealed_fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(d->sealed_fd, &cur, &rec) == 0 && rec.uid == uid)
			n++;
	}
	return n;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* uid's slot, counted from the registry if it had none (taking the slot
 * counted longest ago).  The kernel removes entries with their inodes
 * and tells nobody, so a count only goes up between countings: one at the
 * bound is counted again, at most once a second (a count is a walk of the
 * whole registry). */
static struct sg_quota *quota_of(struct sg_daemon *d, uint32_t uid)
{
	struct sg_quota *q = &d->quota[0];
	uint64_t now = mono_ms();

	for (size_t i = 0; i < SG_QUOTA_SLOTS; i++) {
		struct sg_quota *s = &d->quota[i];

		if (s->counted_ms && s->uid == uid) {
			if (s->count >= SG_SEALED_PER_USER && now - s->counted_ms >= 1000) {
				s->count = count_of_uid(d, uid);
				s->counted_ms = now;
			}
			return s;
		}
		if (s->counted_ms < q->counted_ms)
			q = s;
	}
	q->uid = uid;
	q->count = count_of_uid(d, uid);
	q->counted_ms = now ? now : 1;
	return q;
}

int sg_registry_reserve(struct sg_daemon *d, const struct sg_file_key *key, uint32_t uid)
{
	struct sg_quota *q = NULL;
	struct sg_sealed_rec rec;

	if (d->sealed_fd < 0)
		return -EBADF;
	if (bpf_map_lookup_elem(d->sealed_fd, key, &rec) == 0)
		return 0;
	if (uid != 0) {
		q = quota_of(d, uid);
		if (q->count >= SG_SEALED_PER_USER)
			return -EDQUOT;
	}
	/* A placeholder: no seals yet, which every reader takes as none. */
	memset(&rec, 0, sizeof(rec));
	rec.uid = uid;
	rec.sealed_at = (uint64_t)time(NULL);
	if (bpf_map_update_elem(d->sealed_fd, key, &rec, BPF_NOEXIST) < 0)
		return errno == EEXIST ? 0 : errno == E2BIG ? -ENOSPC : -errno;
	if (q)
		q->count++;
	return 1;
}

void sg_registry_unreserve(struct sg_daemon *d, const struct sg_file_key *key)
{
	struct sg_sealed_rec rec;

	/* Only if nothing sealed it meanwhile (a kernel rule). */
	if (bpf_map_lookup_elem(d->sealed_fd, key, &rec) == 0 && rec.seals == 0)
		bpf_map_delete_elem(d->sealed_fd, key);
}

void sg_registry_path(struct sg_daemon *d, unsigned int major, unsigned int minor, unsigned long long ino, char *buf,
		      size_t len)
{
	struct sg_file_key key = { .dev_major = major, .dev_minor = minor, .ino = ino };
	struct sg_sealed_rec rec;

	buf[0] = '\0';
	if (d->sealed_fd >= 0 && bpf_map_lookup_elem(d->sealed_fd, &key, &rec) == 0) {
		rec.path[sizeof(rec.path) - 1] = '\0';
		snprintf(buf, len, "%s", rec.path);
	}
}

int sg_registry_page(struct sg_daemon *d, const struct sg_file_key *after, struct sg_list_entry *out, unsigned int max,
		     bool *more)
{
	struct sg_file_key cur, next;
	const void *prev = after;
	struct sg_evicted ev;
	unsigned int n = 0;

	*more = false;
	if (d->sealed_fd < 0)
		return 0;
	while (n < max) {
		if (bpf_map_get_next_key(d->sealed_fd, prev, &next) < 0)
			return errno == ENOENT ? (int)n : -errno;
		cur = next;
		prev = &cur;
		/* Freed between the two calls: skip it. */
		if (bpf_map_lookup_elem(d->sealed_fd, &cur, &out[n].rec) < 0)
			continue;
		out[n].key = cur;
		out[n].rec.path[sizeof(out[n].rec.path) - 1] = '\0';
		out[n].rec.sealed_at = sealed_at(&out[n].rec);
		out[n].rec.flags &= SG_REC_POLICY; /* the only stored flag clients see */
		if (d->evicted_fd >= 0 && bpf_map_lookup_elem(d->evicted_fd, &cur, &ev) == 0)
			out[n].rec.flags |= SG_REC_EVICTED;
		n++;
	}
	*more = bpf_map_get_next_key(d->sealed_fd, prev, &next) == 0;
	return (int)n;
}

unsigned long long sg_registry_count(struct sg_daemon *d)
{
	struct sg_file_key cur, next;
	const void *prev = NULL;
	unsigned long long n = 0;

	if (d->sealed_fd < 0)
		return 0;
	/* Bounded by the map's size, even if entries come and go meanwhile. */
	while (n < SG_SEALED_MAX && bpf_map_get_next_key(d->sealed_fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		n++;
	}
	return n;
}
