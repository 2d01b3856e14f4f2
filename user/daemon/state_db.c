// SPDX-License-Identifier: GPL-2.0
#include "state_db.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "registry.h"
#include "seal_names.h"
#include "seal_ops.h"

#define MAX_HANDLE_BYTES 128 /* MAX_HANDLE_SZ in the kernel */
#define MAX_MOUNTS	 64  /* distinct filesystems one restore looks up */

static const char schema[] = "CREATE TABLE IF NOT EXISTS sealed ("
			     " fsid INTEGER NOT NULL,"	      /* statfs f_fsid, both halves */
			     " handle_type INTEGER NOT NULL," /* struct file_handle */
			     " handle BLOB NOT NULL,"
			     " seals INTEGER NOT NULL,"
			     " uid INTEGER NOT NULL," /* of the latest request */
			     " pid INTEGER NOT NULL,"
			     " sealed_at INTEGER NOT NULL," /* CLOCK_REALTIME seconds, first seal */
			     " path TEXT NOT NULL,"	    /* at the latest request; a hint only */
			     " PRIMARY KEY (fsid, handle_type, handle)) WITHOUT ROWID;";

struct fhandle {
	struct file_handle h;
	unsigned char bytes[MAX_HANDLE_BYTES];
};

static int64_t fsid_of(const struct statfs *sf)
{
	uint32_t v[2];

	memcpy(v, &sf->f_fsid, sizeof(v));
	return (int64_t)(((uint64_t)v[0] << 32) | v[1]);
}

static int fail(struct sg_daemon *d, int r, char *why, size_t len, const char *what)
{
	snprintf(why, len,
		 "state database %s: %s: %s; seals of disk files are neither restored nor "
		 "recorded (the pinned state stays in force)",
		 d->state_path, what, d->state_db ? sqlite3_errmsg(d->state_db) : strerror(-r));
	sqlite3_close(d->state_db);
	d->state_db = NULL;
	return r;
}

static int exec1(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO;
}

/* PRAGMA user_version, or -EIO when the file is no database. */
static int schema_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -EIO;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int sg_state_open(struct sg_daemon *d, char *why, size_t len)
{
	char dir[PATH_MAX], *slash;
	int v;

	if (!d->state_path || !*d->state_path)
		return 0;
	/* The directory is ours alone (systemd's StateDirectory= makes it
	 * 0700 too); a missing parent of it is the operator's to make. */
	snprintf(dir, sizeof(dir), "%s", d->state_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return fail(d, -errno, why, len, "cannot make its directory");
	}
	if (sqlite3_open_v2(d->state_path, &d->state_db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return fail(d, -EIO, why, len, "cannot open");
	sqlite3_busy_timeout(d->state_db, 2000);
	v = schema_version(d->state_db);
	if (v < 0)
		return fail(d, -EIO, why, len, "cannot read");
	if (v > SG_STATE_SCHEMA) {
		snprintf(why, len,
			 "state database %s: schema version %d is newer than this sealguardd's (%d); "
			 "not using it (the pinned state stays in force)",
			 d->state_path, v, SG_STATE_SCHEMA);
		sqlite3_close(d->state_db);
		d->state_db = NULL;
		return -EPROTO;
	}
	/* A seal reported to a client must survive a power cut. */
	if (exec1(d->state_db, "PRAGMA synchronous=FULL") < 0 || exec1(d->state_db, schema) < 0)
		return fail(d, -EIO, why, len, "cannot set up");
	if (v == 0 && exec1(d->state_db, "PRAGMA user_version=1") < 0)
		return fail(d, -EIO, why, len, "cannot set up");
	snprintf(why, len, "state database %s (schema %d)", d->state_path, SG_STATE_SCHEMA);
	return 0;
}

void sg_state_close(struct sg_daemon *d)
{
	sqlite3_close(d->state_db);
	d->state_db = NULL;
}

/* The file handle and filesystem of fd (sf: its fstatfs): 0; 1 when its
 * content would not outlive a reboot anyway; -EOPNOTSUPP when its
 * filesystem gives no file handles (overlayfs without nfs_export says
 * EOVERFLOW whatever the size). */
static int handle_of(int fd, const struct statfs *sf, struct fhandle *fh, int64_t *fsid)
{
	int mount_id;

	/* Their files do not outlive a reboot: nothing to persist. */
	if (sf->f_type == TMPFS_MAGIC || sf->f_type == RAMFS_MAGIC || sf->f_type == HUGETLBFS_MAGIC)
		return 1;
	fh->h.handle_bytes = MAX_HANDLE_BYTES;
	if (name_to_handle_at(fd, "", &fh->h, &mount_id, AT_EMPTY_PATH) < 0)
		return errno == EOVERFLOW ? -EOPNOTSUPP : -errno;
	*fsid = fsid_of(sf);
	return 0;
}

int sg_state_save(struct sg_daemon *d, const struct sg_seal_request *req, unsigned int seals)
{
	static const char sql[] =
		"INSERT INTO sealed (fsid, handle_type, handle, seals, uid, pid, sealed_at, path)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		" ON CONFLICT (fsid, handle_type, handle) DO UPDATE SET"
		" seals = seals | excluded.seals, uid = excluded.uid, pid = excluded.pid, path = excluded.path";
	const struct sg_peer *peer;
	struct fhandle fh;
	sqlite3_stmt *st;
	int64_t fsid = 0;
	int r;

	if (!d->state_db)
		return 0;
	if (req->statfs_err < 0)
		return req->statfs_err;
	peer = &req->client->peer;
	r = handle_of(req->fd, &req->sf, &fh, &fsid);
	if (r != 0)
		return r < 0 ? r : 0;
	if (sqlite3_prepare_v2(d->state_db, sql, -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, fsid);
	sqlite3_bind_int(st, 2, fh.h.handle_type);
	sqlite3_bind_blob(st, 3, fh.h.f_handle, (int)fh.h.handle_bytes, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, seals);
	sqlite3_bind_int64(st, 5, peer->uid);
	sqlite3_bind_int64(st, 6, peer->pid);
	sqlite3_bind_int64(st, 7, (int64_t)time(NULL));
	sqlite3_bind_text(st, 8, req->name, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return r;
}

/* ---- restore ------------------------------------------------------------ */

struct mount_cache {
	unsigned int n;
	int64_t fsid[MAX_MOUNTS];
	int fd[MAX_MOUNTS]; /* -1: no mounted filesystem has this id */
};

/* /proc/self/mountinfo escapes blanks and backslashes as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
		    s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* An fd on a mounted filesystem with this id, for open_by_handle_at. */
static int mount_fd(struct mount_cache *mc, int64_t fsid)
{
	char line[4096], mnt[4096];
	struct statfs sf;
	int fd = -1;
	FILE *f;

	for (unsigned int i = 0; i < mc->n; i++)
		if (mc->fsid[i] == fsid)
			return mc->fd[i];
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fd < 0 && fgets(line, sizeof(line), f)) {
		/* id parent major:minor root MOUNTPOINT ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		unescape(mnt);
		if (statfs(mnt, &sf) < 0 || fsid_of(&sf) != fsid)
			continue;
		/* Not O_PATH: open_by_handle_at refuses those (EBADF). */
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
	}
	if (f)
		fclose(f);
	if (mc->n < MAX_MOUNTS) {
		mc->fsid[mc->n] = fsid;
		mc->fd[mc->n++] = fd;
	}
	return fd;
}

static void forget(struct sg_daemon *d, int64_t fsid, const struct fhandle *fh)
{
	static const char sql[] = "DELETE FROM sealed WHERE fsid = ?1 AND handle_type = ?2 AND handle = ?3";
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(d->state_db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, fsid);
	sqlite3_bind_int(st, 2, fh->h.handle_type);
	sqlite3_bind_blob(st, 3, fh->h.f_handle, (int)fh->h.handle_bytes, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* One record: 1 restored (or already in force), 0 left for later, -1
 * dropped because the file is gone. */
static int restore_one(struct sg_daemon *d, struct mount_cache *mc, int64_t fsid, const struct fhandle *fh,
		       unsigned int seals, const struct sg_peer *peer, const char *path)
{
	char names[SG_SEALS_FORMAT_MAX], shown[PATH_MAX];
	int mfd = mount_fd(mc, fsid), fd, now, r;
	/* No _PID=: the recorded sealer's pid is from an earlier boot. */
	struct sg_log_fields f = { .op = "restore", .seals = names, .path = shown, .has_uid = true, .uid = peer->uid };
	struct stat st;

	sg_printable(shown, path, sizeof(shown));
	sg_seals_format(seals, names, sizeof(names));
	if (mfd < 0) {
		sg_log_fields(LOG_NOTICE, &f,
			      "state: %s: its filesystem (id %016llx) is not mounted; seals left "
			      "for a later start",
			      shown, (unsigned long long)fsid);
		return 0;
	}
	/* Writable, as F_ADD_SEALS wants; O_NONBLOCK so that a lease or a
	 * FIFO cannot hang the daemon's start. */
	fd = open_by_handle_at(mfd, (struct file_handle *)&fh->h, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && (errno == ESTALE || errno == ENOENT)) {
		f.err = errno;
		sg_log_fields(LOG_NOTICE, &f, "state: %s: the file is gone; record dropped", shown);
		return -1;
	}
	if (fd < 0) {
		f.err = errno;
		sg_log_fields(LOG_WARNING, &f, "state: %s: cannot open: %s; seals left for a later start", shown,
			      strerror(f.err));
		return 0;
	}
	now = sg_seal_get(d, fd);
	r = now < 0 ? now : 0;
	if (r == 0 && (seals & ~(unsigned int)now))
		r = sg_seal_add(d, fd, seals & ~(unsigned int)now);
	if (r == 0)
		r = sg_registry_record_as(d, fd, peer, seals | (unsigned int)now, path);
	if (r == 0)
		sg_seal_fence(d, fd, seals, geteuid(), NULL);
	/* Before the close: the line below is about this inode. */
	if (r < 0 && fstat(fd, &st) == 0) {
		f.ino = st.st_ino;
		f.dev_major = major(st.st_dev);
		f.dev_minor = minor(st.st_dev);
	}
	close(fd);
	if (r < 0) {
		f.err = -r;
		sg_log_fields(LOG_ERR, &f, "state: %s: cannot restore %s: %s", shown, names, strerror(-r));
		return 0;
	}
	return 1;
}

void sg_state_restore(struct sg_daemon *d)
{
	static const char sql[] = "SELECT fsid, handle_type, handle, seals, uid, pid, path FROM sealed";
	struct mount_cache mc = { 0 };
	unsigned int done = 0, left = 0, gone = 0;
	struct gone {
		int64_t fsid;
		struct fhandle fh;
	} *drop = NULL, *more;
	sqlite3_stmt *st;
	int r;

	if (!d->state_db)
		return;
	if (sqlite3_prepare_v2(d->state_db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("state database %s: cannot read: %s", d->state_path, sqlite3_errmsg(d->state_db));
		return;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		int bytes = sqlite3_column_bytes(st, 2);
		const char *path = (const char *)sqlite3_column_text(st, 6);
		struct sg_peer peer = { .uid = (uid_t)sqlite3_column_int64(st, 4),
					.pid = (pid_t)sqlite3_column_int64(st, 5),
					.pidfd = -1 };
		struct fhandle fh;

		if (bytes <= 0 || bytes > MAX_HANDLE_BYTES) {
			left++;
			continue;
		}
		fh.h.handle_bytes = (unsigned int)bytes;
		fh.h.handle_type = sqlite3_column_int(st, 1);
		memcpy(fh.h.f_handle, sqlite3_column_blob(st, 2), (size_t)bytes);
		switch (restore_one(d, &mc, sqlite3_column_int64(st, 0), &fh, (unsigned int)sqlite3_column_int64(st, 3),
				    &peer, path ? path : "")) {
		case 1: done++; break;
		case 0: left++; break;
		default:
			/* Deleted once the walk is over: not under a live SELECT. */
			more = realloc(drop, (gone + 1) * sizeof(*drop));
			if (!more)
				break;
			drop = more;
			drop[gone].fsid = sqlite3_column_int64(st, 0);
			drop[gone++].fh = fh;
			break;
		}
	}
	if (r != SQLITE_DONE)
		log_error("state database %s: read stopped: %s", d->state_path, sqlite3_errmsg(d->state_db));
	sqlite3_finalize(st);
	for (unsigned int i = 0; i < gone; i++)
		forget(d, drop[i].fsid, &drop[i].fh);
	free(drop);
	for (unsigned int i = 0; i < mc.n; i++)
		if (mc.fd[i] >= 0)
			close(mc.fd[i]);
	log_info("state: %u disk files sealed as recorded, %u left for later, %u gone", done, left, gone);
}
