#!/usr/bin/env bash
# Seals of disk files (issue #5, point 2), on an ext4 image mounted here:
#  - they survive the inode leaving the cache (drop_caches, memory
#    pressure), with and without a daemon;
#  - a deleted sealed file does not pass its seals to the next file given
#    its inode number;
#  - they come back after a "reboot": every pin removed (sealctl unload),
#    the filesystem unmounted and mounted again, a fresh daemon restores
#    them from its state database (by file handle);
#  - a filesystem not mounted at start keeps its records for a later start;
# A bad state database: vm_state_db.sh; btrfs: vm_evict_btrfs.sh.
set -uo pipefail
SUITE=evict
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-evict.XXXXXX)
MNT=$TMP/mnt
DB=$TMP/state/state.db
DAEMON_LOG=$TMP/daemon.log
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT
# The tamper guard knows the daemon by its directory's inode number.  In
# this VM that directory is on an overlayfs over 9p, which numbers a
# directory anew each time its inode is read back; an open fd keeps it
# cached across our drop_caches (docs/design.md: tamper resistance).
exec {keep_dir}<"$(dirname "$DAEMON")"

restart_with_db() { start_daemon --state-db "$1"; } # the build tree's daemon, our database

# --- an ext4 filesystem ----------------------------------------------------
# vng masks /lib/modules: run-vm.sh passes the modules along.
grep -qw ext4 /proc/filesystems || modprobe -d "$SG_VM_MODROOT" ext4 2>"$TMP/modprobe.err"
[[ -e /dev/loop-control ]] || modprobe -d "$SG_VM_MODROOT" loop 2>>"$TMP/modprobe.err"
grep -qw ext4 /proc/filesystems; check ext4-available 0 $? "($(cat "$TMP/modprobe.err"))"
truncate -s 64M "$TMP/ext4.img"
mkfs.ext4 -q -F "$TMP/ext4.img" >"$TMP/mkfs.log" 2>&1
mkdir -p "$MNT"
mount -o loop "$TMP/ext4.img" "$MNT" 2>"$TMP/mount.err"
check ext4-mounted 0 $? "($(cat "$TMP/mkfs.log" "$TMP/mount.err"))"

restart_with_db "$DB"; check daemon-with-db 0 $? "($(tail -3 "$DAEMON_LOG"))"
check db-created yes "$(yes_if 'grep -qF "state database $DB (schema 1)" "$DAEMON_LOG"')" "($(tail -5 "$DAEMON_LOG"))"

a=$MNT/write-sealed b=$MNT/future-write-sealed c=$MNT/size-sealed d=$MNT/deleted u=$MNT/unsealed
for f in "$a" "$b" "$c" "$d" "$u"; do head -c 16384 /dev/urandom >"$f"; done
"$SEALCTL" seal "$a" write,shrink,grow >/dev/null; check seal-a 0 $?
"$SEALCTL" seal "$b" future-write >/dev/null; check seal-b 0 $?
"$SEALCTL" seal "$c" shrink,grow >/dev/null; check seal-c 0 $?
"$SEALCTL" seal "$d" write >/dev/null; check seal-d 0 $?
want=$(sums "$a" "$b")
check recorded 4 "$(sqlite3 "$DB" 'SELECT count(*) FROM sealed' 2>&1)"
check schema-version 1 "$(sqlite3 "$DB" 'PRAGMA user_version' 2>&1)"
check before-eviction "EPERM EPERM EPERM EACCES EPERM EPERM EPERM EACCES" "$(write_paths "$a" "$b")"

# --- eviction, with the daemon ---------------------------------------------
drop_caches
check evicted-by-drop-caches "true true true" "$(evicted "$a") $(evicted "$b") $(evicted "$c")"
check after-eviction "EPERM EPERM EPERM EACCES EPERM EPERM EPERM EACCES" "$(write_paths "$a" "$b")"
check after-eviction-size "EPERM EPERM ok" "$("$PROBE" truncate "$c" 100) $("$PROBE" truncate "$c" 100000) $("$PROBE" write "$c")"
check back-in-cache "false false" "$(evicted "$a") $(evicted "$b")"
check unsealed-writable "ok ok ok" "$("$PROBE" write "$u") $("$PROBE" truncate "$u" 100) $("$PROBE" mmap-rw "$u")"
# 'sealctl seals' of an evicted file: the daemon's own lookup brings it back.
drop_caches
check seals-while-evicted "true shrink,grow,write" "$(evicted "$a") $(seals "$a")"
check seals-while-evicted-b "future-write" "$(seals "$b")"

# --- eviction with no daemon -----------------------------------------------
pid=$(daemon_pid)
kill -KILL "$pid"; wait_gone "$pid"
drop_caches
check no-daemon-after-eviction "EPERM EPERM EPERM EACCES EPERM EPERM EPERM EACCES" "$(write_paths "$a" "$b")"
check no-daemon-size "EPERM EPERM" "$("$PROBE" truncate "$c" 100) $("$PROBE" truncate "$c" 100000)"
restart_with_db "$DB"; check daemon-restarted 0 $?
check restart-restored "4 0 0" "$(sed -n 's/^sealguardd: state: \([0-9]*\) disk files sealed as recorded, \([0-9]*\) left for later, \([0-9]*\) gone$/\1 \2 \3/p' "$DAEMON_LOG" | tail -1)"

# --- memory pressure -------------------------------------------------------
# In a memory cgroup of 32 MB, a and b are read back into the inode cache
# (charged to the cgroup), then a process there asks for 128 MB: the
# cgroup's reclaim shrinks its share of the dentry and inode caches before
# its OOM killer ends the hog.  No drop_caches: this is reclaim's doing.
pressure() {
	local cg=/sys/fs/cgroup/sg-evict
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir -p "$cg" && echo 32M >"$cg/memory.max" || return 1
	[[ -e $cg/memory.swap.max ]] && echo 0 >"$cg/memory.swap.max"
	drop_caches
	(
		echo "$BASHPID" >"$cg/cgroup.procs"
		# A refused write reads each inode back and puts its seals back.
		echo "$("$PROBE" write "$a") $("$PROBE" write "$b") $(evicted "$a") $(evicted "$b")" >"$TMP/readback"
		python3 -c "b = bytearray(128 << 20); b[::4096] = b'x' * len(b[::4096])"
	) 2>"$TMP/pressure.err"
	echo "# evict: memory cgroup: $(grep -E '^(oom_kill|max) ' "$cg/memory.events" | paste -sd' ')"
	rmdir "$cg"
}
pressure; check pressure-cgroup 0 $? "($(cat "$TMP/pressure.err"))"
check read-back-in-cgroup "EPERM EPERM false false" "$(cat "$TMP/readback")"
check evicted-by-pressure "true true" "$(evicted "$a") $(evicted "$b")"
check after-pressure "EPERM EPERM EPERM EACCES EPERM EPERM EPERM EACCES" "$(write_paths "$a" "$b")"

# --- a deleted sealed file's inode number, reused -------------------------
dino=$(stat -c %i "$d")
drop_caches
rm -f "$d"
check deleted-unlisted "" "$("$SEALCTL" --json list | jq -r --arg p "$d" '.[] | select(.path == $p) | .path')"
reused=
for i in $(seq 20); do
	head -c 4096 /dev/zero >"$MNT/new-$i"
	[[ $(stat -c %i "$MNT/new-$i") == "$dino" ]] && { reused=$MNT/new-$i; break; }
done
check inode-number-reused yes "$(yes_if '[[ -n $reused ]]')" "(inode $dino of the deleted file)"
[[ -n $reused ]] && check reused-inode-writable "ok ok ok" \
	"$("$PROBE" write "$reused") $("$PROBE" truncate "$reused" 100) $("$PROBE" mmap-rw "$reused")"
check content-intact "$want" "$(sums "$a" "$b")"

# --- a reboot: no pins, the filesystem mounted anew ------------------------
# After 'sealctl unload' no seal is enforced: what a freshly booted machine
# has before sealguardd starts.  The database is all that is left.
reboot() {
	local pid
	pid=$(daemon_pid)
	"$SEALCTL" unload >/dev/null || return 1
	wait_gone "$pid"
	umount "$MNT"
	[[ -z ${1:-} ]] && mount -o loop "$TMP/ext4.img" "$MNT"
	return 0
}
reboot; check reboot-unload 0 $?
restart_with_db "$DB"; check reboot-daemon 0 $? "($(tail -3 "$DAEMON_LOG"))"
check reboot-restored "3 0 1" "$(sed -n 's/^sealguardd: state: \([0-9]*\) disk files sealed as recorded, \([0-9]*\) left for later, \([0-9]*\) gone$/\1 \2 \3/p' "$DAEMON_LOG" | tail -1)" "($(grep 'state' "$DAEMON_LOG" | tail -6))"
check reboot-seals "shrink,grow,write future-write shrink,grow" "$(seals "$a") $(seals "$b") $(seals "$c")"
check reboot-enforced "EPERM EPERM EPERM EACCES EPERM EPERM EPERM EACCES" "$(write_paths "$a" "$b")"
check reboot-size "EPERM EPERM" "$("$PROBE" truncate "$c" 100) $("$PROBE" truncate "$c" 100000)"
check reboot-listed "3" "$("$SEALCTL" --json list | jq --arg m "$MNT/" '[.[] | select(.path | startswith($m))] | length')" "($("$SEALCTL" list))"
check gone-record-dropped 3 "$(sqlite3 "$DB" 'SELECT count(*) FROM sealed' 2>&1)"
check reboot-content "$want" "$(sums "$a" "$b")"

# The filesystem not mounted when the daemon starts: records wait.
reboot unmounted; check reboot2-unload 0 $?
restart_with_db "$DB"; check unmounted-daemon 0 $?
check unmounted-left "0 3 0" "$(sed -n 's/^sealguardd: state: \([0-9]*\) disk files sealed as recorded, \([0-9]*\) left for later, \([0-9]*\) gone$/\1 \2 \3/p' "$DAEMON_LOG" | tail -1)"
check unmounted-kept 3 "$(sqlite3 "$DB" 'SELECT count(*) FROM sealed' 2>&1)"
mount -o loop "$TMP/ext4.img" "$MNT"
restart_with_db "$DB"; check mounted-daemon 0 $?
check mounted-restored "3 0 0" "$(sed -n 's/^sealguardd: state: \([0-9]*\) disk files sealed as recorded, \([0-9]*\) left for later, \([0-9]*\) gone$/\1 \2 \3/p' "$DAEMON_LOG" | tail -1)"
check mounted-enforced "EPERM EPERM EPERM EACCES" "$(write_paths "$a")"

# Back to the daemon the other tests expect (default options).
start_daemon; check daemon-default 0 $?
