#!/usr/bin/env bash
# A bad state database never costs the pinned state (issue #5, point 2):
# a corrupt, missing or newer database is reported and skipped, the seals
# already in force stay so, and new seal requests are still served.  On
# an ext4 image mounted here, with two files sealed through a daemon that
# records them.  (Seals of disk files over eviction and reboots:
# vm_evict.sh.)
set -uo pipefail
SUITE=state-db
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-state-db.XXXXXX)
MNT=$TMP/mnt
DB=$TMP/state/state.db
DAEMON_LOG=$TMP/daemon.log
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
restart_with_db() { start_daemon --state-db "$1"; } # the build tree's daemon, our database

msg=$(mount_loop_fs ext4 64M "$TMP/ext4.img" "$MNT"); check ext4-mounted 0 $? "($msg)"
restart_with_db "$DB"; check daemon-with-db 0 $? "($(tail -3 "$DAEMON_LOG"))"
a=$MNT/write-sealed b=$MNT/future-write-sealed u=$MNT/unsealed
for f in "$a" "$b" "$u"; do head -c 16384 /dev/urandom >"$f"; done
"$SEALCTL" seal "$a" write,shrink,grow >/dev/null; check seal-a 0 $?
"$SEALCTL" seal "$b" future-write >/dev/null; check seal-b 0 $?
check recorded 2 "$(sqlite3 "$DB" 'SELECT count(*) FROM sealed' 2>&1)"

# --- a bad database never costs the pinned state ----------------------------
bad_start() { # what to do to the database; the daemon must serve anyway
	local pid
	pid=$(daemon_pid)
	kill -KILL "$pid"; wait_gone "$pid"
	eval "$1"
	: >"$DAEMON_LOG"
	restart_with_db "$DB"
}
bad_start 'head -c 8192 /dev/urandom >"$DB"'; check corrupt-serves 0 $?
check corrupt-message yes "$(yes_if 'grep -q "^sealguardd: state database $DB: cannot read: file is not a database; seals of disk files are neither restored nor recorded (the pinned state stays in force)$" "$DAEMON_LOG"')" "($(cat "$DAEMON_LOG"))"
check corrupt-enforced "EPERM EPERM EPERM EACCES EPERM EPERM EPERM EACCES" "$(write_paths "$a" "$b")"
"$SEALCTL" seal "$u" write >/dev/null; check corrupt-seal-request 0 $?
check corrupt-seal-enforced EPERM "$("$PROBE" write "$u")"

bad_start 'rm -f "$DB"; sqlite3 "$DB" "PRAGMA user_version=9"'
check newer-serves 0 $?
check newer-message yes "$(yes_if 'grep -qF "state database $DB: schema version 9 is newer than this sealguardd" "$DAEMON_LOG"')" "($(cat "$DAEMON_LOG"))"
check newer-enforced "EPERM EPERM EPERM EACCES" "$(write_paths "$a")"

bad_start 'rm -rf "$(dirname "$DB")"'; check missing-serves 0 $?
check missing-created yes "$(yes_if '[[ -f $DB ]] && grep -qF "state database $DB (schema 1)" "$DAEMON_LOG"')" "($(cat "$DAEMON_LOG"))"
check missing-dir-mode 700 "$(stat -c %a "$(dirname "$DB")")"
check missing-enforced "EPERM EPERM EPERM EACCES" "$(write_paths "$a")"

# Back to the daemon the other tests expect (default options).
start_daemon; check daemon-default 0 $?
