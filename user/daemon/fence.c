// SPDX-License-Identifier: GPL-2.0
/*
 * The fence after a seal (bpf/sg_fence.h): clear the inode's S_NOSEC mark,
 * so that every write taking the inode lock from now on is judged by the
 * seals under that lock, and take and drop the lock, so that a write
 * already inside it is over before the client hears that its seal holds.
 *
 * vfs_setxattr does both for any "security." name, before the filesystem
 * sees the request.  Without CAP_SYS_ADMIN the daemon may name only
 * security.capability, and only with an empty value (a non-empty one is
 * checked against CAP_SETFCAP first).  XATTR_REPLACE of it where the file
 * has none fails with ENODATA in every filesystem and changes nothing.
 * A file that has one has no S_NOSEC to clear (the kernel sets the mark
 * only once it has found nothing to remove), so there only the lock is
 * wanted: a trusted.* name, refused to the daemon under the lock, gives it.
 *
 * Any operation the seals allow that reaches the hook sets S_NOSEC again
 * (an in-size write under GROW, an in-size fallocate under WRITE on ext4),
 * after which a write checked before the seal would take the lock
 * unjudged.  So the fence first waits for every write counted before the
 * seal to return (bpf/sg_pending.h): flip the bucket's phase, so that
 * writes from now on count apart, and wait for the old phase's count to
 * drain.  Only a write pending longer than that (a splice waiting for pipe
 * data) is left to the S_NOSEC fence.  Fences on one bucket take turns:
 * a flip in between would leave a fence waiting on the wrong phase.
 *
 * tmpfs's fallocate asks the hook only once it is done: there the fence
 * waits until every fallocate that entered vfs_fallocate before the seal
 * (whose check may have missed it) has returned, by the in-flight count of
 * the inode's bucket (sg_falloc_inflight).
 *
 * A write can hold the inode lock for as long as its source takes to
 * read (a FUSE-backed buffer: forever), and the daemon serves everyone
 * from one thread; so the fence runs in a thread of its own, the daemon
 * waits for it a short time, and past that leaves the answer to the
 * thread: the client waits, as F_ADD_SEALS would, and nobody else does.
 */
#include "fence.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "protocol.h"
#include "sealguard_abi.h"

/* Workers at most.  Past this many busy (stuck on held inode locks) a
 * fence waits in the queue for one, and its client for it, as F_ADD_SEALS
 * waits for the lock. */
#define FENCES_WAITING_MAX 16

/* Fences not yet done that one uid may have: one user who holds inode
 * locks of their own (a write whose source never arrives) can stall this
 * many workers, never all of them; past it their next seal is refused
 * with EAGAIN before anything changes (sg_fence_admit).  Root, who can stop
 * the daemon anyway, is not bounded: its fences wait for a worker. */
#define FENCES_PER_USER 4

/* Users with fences not yet done, tracked at once (each holds at least
 * one of FENCES_WAITING_MAX workers or waits behind them). */
#define FENCE_USERS 64

/* How long a fence waits for writes or fallocates in flight before it
 * gives up. */
#define DRAIN_NS (2LL * 1000 * 1000 * 1000)

/* Locks that make fences on one bucket take turns (bucket % this). */
#define BUCKET_LOCKS 64

struct fence_job {
	int fd;
	uid_t uid;    /* whose request */
	bool counted; /* in the pool's users[] */
	struct sg_fence_maps maps;
	int err;
	bool done;
	bool deferred; /* the request gave up waiting: the thread answers */
	struct sg_fence_reply reply;
	int refs; /* the request and the thread, under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fence_job *qnext;
};

/* Workers kept between fences: a thread per fence cost more than the
 * fence itself.  A worker stays stuck as long as its inode lock is held;
 * the next fence goes to another, up to FENCES_WAITING_MAX of them. */
struct sg_fence_pool {
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct fence_job *head, *tail; /* not yet taken by a worker */
	int queued, idle, threads;
	struct {
		uid_t uid;
		unsigned int n; /* fences not yet done; 0: a free slot */
	} users[FENCE_USERS];
	pthread_mutex_t bucket[BUCKET_LOCKS];
};

/* The slot counting uid's fences, or a free one (add), under p->lock. */
static int user_slot(struct sg_fence_pool *p, uid_t uid, bool add)
{
	int free_slot = -1;

	for (int i = 0; i < FENCE_USERS; i++) {
		if (p->users[i].n && p->users[i].uid == uid)
			return i;
		if (!p->users[i].n && free_slot < 0)
			free_slot = i;
	}
	if (!add || free_slot < 0)
		return -1;
	p->users[free_slot].uid = uid;
	return free_slot;
}

int sg_fence_admit(struct sg_fence_pool *p, uid_t uid)
{
	int r = 0, i;

	if (!p || uid == 0)
		return 0;
	pthread_mutex_lock(&p->lock);
	i = user_slot(p, uid, true);
	if (i < 0 || p->users[i].n >= FENCES_PER_USER)
		r = -EAGAIN;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* The inode's bucket in the in-flight counts (bpf/sg_maps.h). */
static int bucket_of(int fd, __u32 *idx)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	*idx = SG_INFLIGHT_BUCKET(st.st_ino);
	return 0;
}

/* Waits until the count in map's slot is 0: 0, or -EBUSY past DRAIN_NS.
 * The seal was published before this thread took the job (the queue's
 * mutex orders the two), and a write or fallocate counts itself before
 * its check reads the seals: a count of 0 read here leaves none that
 * missed the seal. */
static int drain(int map_fd, __u32 slot)
{
	long long deadline = now_ns() + DRAIN_NS;
	__s64 n;

	while (bpf_map_lookup_elem(map_fd, &slot, &n) == 0 && n > 0) {
		if (now_ns() >= deadline)
			return -EBUSY;
		usleep(50);
	}
	return 0;
}

/* Writes counted before the seal are in the phase read here; later ones
 * count in the other. */
static int write_drain(struct sg_fence_pool *p, const struct sg_fence_maps *m, __u32 idx)
{
	pthread_mutex_t *turn = &p->bucket[idx % BUCKET_LOCKS];
	__u32 phase, next;
	int r;

	if (m->write_pending < 0 || m->write_phase < 0)
		return 0;
	pthread_mutex_lock(turn);
	if (bpf_map_lookup_elem(m->write_phase, &idx, &phase) < 0) {
		r = -errno;
	} else {
		next = phase ^ 1;
		r = bpf_map_update_elem(m->write_phase, &idx, &next, BPF_ANY) < 0
			    ? -errno
			    : drain(m->write_pending, 2 * idx + (phase & 1));
	}
	pthread_mutex_unlock(turn);
	return r == -EBUSY ? -ETIME : r;
}

static int fence_lock(int fd)
{
	if (fgetxattr(fd, "security.capability", NULL, 0) >= 0) {
		/* EPERM (no CAP_SYS_ADMIN) is what is expected, after the lock. */
		if (fsetxattr(fd, "trusted.sealguard-fence", "", 0, XATTR_REPLACE) == 0 || errno == EPERM ||
		    errno == ENODATA)
			return 0;
		return -errno;
	}
	if (errno != ENODATA && errno != EOPNOTSUPP)
		return -errno;
	if (fsetxattr(fd, "security.capability", "", 0, XATTR_REPLACE) == 0)
		/* Capabilities set between the two calls, and emptied. */
		return -EEXIST;
	/* EOPNOTSUPP: no xattrs here, but the mark was cleared before the
	 * filesystem was asked. */
	return (errno == ENODATA || errno == EOPNOTSUPP) ? 0 : -errno;
}

/* Writes first; then the lock, which waits out a write the drain gave
 * up on inside it, and clears S_NOSEC for those still on their way to it
 * (and for writes that went uncounted: no task record, bpf/sg_task.h); then
 * fallocates. */
static int fence_run(struct sg_fence_pool *p, int fd, const struct sg_fence_maps *m)
{
	int err, w, l, f = 0;
	__u32 idx = 0;

	err = bucket_of(fd, &idx);
	if (err)
		return err;
	w = write_drain(p, m, idx);
	l = fence_lock(fd);
	if (m->falloc >= 0)
		f = drain(m->falloc, idx);
	return w ? w : l ? l : f;
}

void sg_fence_explain(int r, char *buf, size_t len)
{
	const char *why = r == -ETIMEDOUT
				  ? "not fenced yet: writes in flight or a write holding the inode lock (the fence "
				    "goes on)"
			  : r == -EAGAIN ? "not fenced: this user's earlier fences still wait for their inode locks"
			  : r == -ETIME
				  ? "writes in flight at the seal did not return within 2 s: each is judged when it "
				    "takes the inode lock, unless an operation the seal allows came first"
			  : r == -EBUSY
				  ? "not fenced in full: fallocates in flight at the seal did not return within 2 s"
			  : r == -EEXIST ? "not fenced: file capabilities were set meanwhile and are now empty"
					 : NULL;

	if (why)
		snprintf(buf, len, "%s", why);
	else
		snprintf(buf, len, "not fenced: %s", strerror(-r));
}

static void job_put(struct fence_job *j)
{
	bool last;

	pthread_mutex_lock(&j->lock);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->lock);
	if (!last)
		return;
	close(j->fd);
	if (j->reply.sock >= 0)
		close(j->reply.sock);
	pthread_mutex_destroy(&j->lock);
	pthread_cond_destroy(&j->cond);
	free(j);
}

static void run_job(struct sg_fence_pool *p, struct fence_job *j)
{
	int err = fence_run(p, j->fd, &j->maps), i;
	bool answer;

	pthread_mutex_lock(&p->lock);
	i = j->counted ? user_slot(p, j->uid, false) : -1;
	if (i >= 0)
		p->users[i].n--;
	pthread_mutex_unlock(&p->lock);

	pthread_mutex_lock(&j->lock);
	j->err = err;
	j->done = true;
	answer = j->deferred && j->reply.sock >= 0;
	pthread_cond_signal(&j->cond);
	pthread_mutex_unlock(&j->lock);
	if (answer) {
		struct sg_msg_hdr h;
		char why[192];

		if (err) {
			struct sg_log_fields f = { .op = "fence", .has_uid = true, .uid = j->uid, .err = -err };
			struct stat st;

			/* The plain line never named the file: the fstat is
			 * only paid where the fields go. */
			if (sg_log_wants_fields(LOG_WARNING) && fstat(j->fd, &st) == 0) {
				f.ino = st.st_ino;
				f.dev_major = major(st.st_dev);
				f.dev_minor = minor(st.st_dev);
			}
			sg_fence_explain(err, why, sizeof(why));
			sg_log_fields(LOG_WARNING, &f, "a seal answered late: %s", why);
		}
		/* The seal holds whatever the fence found; a client gone
		 * meanwhile finds nobody to tell. */
		sg_hdr_init(&h, j->reply.type, j->reply.seq, 0, 0);
		if (send(j->reply.sock, &h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL) < 0 && errno != EPIPE &&
		    errno != ECONNRESET)
			log_warning("cannot send a late seal answer: %s", strerror(errno));
	}
	job_put(j);
}

static void *fence_worker(void *arg)
{
	struct sg_fence_pool *p = arg;
	struct fence_job *j;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head)
			pthread_cond_wait(&p->work, &p->lock);
		j = p->head;
		p->head = j->qnext;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->idle--;
		pthread_mutex_unlock(&p->lock);
		run_job(p, j);
		pthread_mutex_lock(&p->lock);
		p->idle++;
	}
	return NULL;
}

struct sg_fence_pool *sg_fence_pool_new(void)
{
	struct sg_fence_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	for (int i = 0; i < BUCKET_LOCKS; i++)
		pthread_mutex_init(&p->bucket[i], NULL);
	return p;
}

/* Queues j for a worker, starting one if none is free and there are
 * fewer than FENCES_WAITING_MAX: 0 or -errno (-EAGAIN: j's user has
 * FENCES_PER_USER fences not done). */
static int submit(struct sg_fence_pool *p, struct fence_job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	int r = 0, u;

	pthread_mutex_lock(&p->lock);
	u = user_slot(p, j->uid, true);
	if (j->uid != 0 && (u < 0 || p->users[u].n >= FENCES_PER_USER)) {
		pthread_mutex_unlock(&p->lock);
		return -EAGAIN;
	}
	if (p->idle <= p->queued && p->threads < FENCES_WAITING_MAX) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		r = -pthread_create(&t, &attr, fence_worker, p);
		pthread_attr_destroy(&attr);
		if (r) {
			pthread_mutex_unlock(&p->lock);
			return r;
		}
		p->threads++;
		p->idle++;
	}
	if (u >= 0) {
		p->users[u].n++;
		j->counted = true;
	}
	j->qnext = NULL;
	if (p->tail)
		p->tail->qnext = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int sg_fence(struct sg_fence_pool *pool, int fd, uid_t uid, const struct sg_fence_maps *maps, unsigned int wait_ms,
	     const struct sg_fence_reply *reply)
{
	struct fence_job *j;
	struct timespec until;
	pthread_condattr_t ca;
	int r;

	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->reply.sock = -1;
	j->uid = uid;
	j->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (j->fd < 0) {
		r = -errno;
		free(j);
		return r;
	}
	if (reply && reply->sock >= 0) {
		j->reply = *reply;
		j->reply.sock = fcntl(reply->sock, F_DUPFD_CLOEXEC, 3);
		if (j->reply.sock < 0) {
			r = -errno;
			close(j->fd);
			free(j);
			return r;
		}
	}
	j->refs = 2;
	j->maps = *maps;
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);

	r = submit(pool, j);
	if (r) {
		j->refs = 1;
		job_put(j);
		return r;
	}

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->lock);
	while (!j->done && pthread_cond_timedwait(&j->cond, &j->lock, &until) != ETIMEDOUT)
		;
	if (j->done) {
		r = j->err;
	} else {
		j->deferred = true;
		r = j->reply.sock >= 0 ? -EINPROGRESS : -ETIMEDOUT;
	}
	pthread_mutex_unlock(&j->lock);
	job_put(j);
	return r;
}
