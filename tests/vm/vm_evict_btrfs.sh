#!/usr/bin/env bash
# Seals of btrfs files, whose identity the kernel and stat() see apart
# from the superblock's (bpf/sg_key.h; docs/threat-model.md, identity
# keys):
#  - btrfs loaded after the programs: a btrfs file is refused a seal
#    (EOPNOTSUPP, the daemon says why) until a daemon started after it;
#  - a fresh btrfs on an unmounted one's device number, with the same
#    inode number and generation, does not take its evicted seals;
#  - an unprivileged user's subvolume, whose first file has the sealed
#    top-level file's inode number, does not take or drop its seals.
set -uo pipefail
SUITE=evict
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-evict-btrfs.XXXXXX)
DAEMON_LOG=$TMP/daemon.log
trap 'for m in "$TMP"/late "$TMP"/btrfs "$TMP"/subvols; do umount -l "$m" 2>/dev/null; done; rm -rf "$TMP"' EXIT
chmod 711 "$TMP" # for nobody, below
# The tamper guard knows the daemon by its directory's inode number, which
# this VM's overlayfs over 9p renumbers when the inode is read back: an
# open fd keeps it cached across our drop_caches (docs/design.md).
exec {keep_dir}<"$(dirname "$DAEMON")"

# --- btrfs loaded after the programs -----------------------------------------
# The programs tell btrfs subvolumes apart with the btrfs module's BTF,
# which they find only if the module was loaded before them: a daemon
# started before it refuses to seal a btrfs file (EOPNOTSUPP) and says
# why, rather than seal it under a key another subvolume's file shares;
# a daemon started after it seals it.  guest.sh leaves btrfs out for
# this, and no program before this one mounts one.
check late-btrfs-not-loaded no "$(yes_if 'grep -qw btrfs /proc/filesystems')"
start_daemon; check late-btrfs-daemon 0 $?
L=$TMP/late
if msg=$(mount_loop_fs btrfs 320M "$TMP/late.img" "$L"); then
	printf 'late' >"$L/f"
	check late-btrfs-refused "Operation not supported" "$("$SEALCTL" seal "$L/f" write 2>&1 | grep -o 'Operation not supported')"
	check late-btrfs-said-why yes "$(yes_if 'grep -q "cannot seal a btrfs file: the programs cannot tell its subvolume" "$DAEMON_LOG"')" "($(tail -3 "$DAEMON_LOG"))"
	check late-btrfs-unsealed "ok Xate" "$("$PROBE" write "$L/f") $(cat "$L/f")"
	start_daemon; check late-btrfs-daemon-again 0 $?
	if btrfs_sealable late-btrfs-after-restart "$L/f"; then
		"$SEALCTL" seal "$L/f" write >/dev/null; check late-btrfs-sealed-after-restart 0 $?
		check late-btrfs-enforced "EPERM Xate 4" "$("$PROBE" write "$L/f") $(cat "$L/f") $(stat -c %s "$L/f")"
	fi
	umount "$L"
else
	check late-btrfs-mount ok "$msg"
fi

# --- another filesystem on an unmounted one's device number -------------------
# btrfs takes an anonymous device number, which the next mount is given
# again, and the first file of a fresh btrfs has the inode number and the
# generation the first file of another had: the evicted seal of the
# unmounted filesystem's file matched the new one's (a false seal).  It is
# the old filesystem's, for when that is mounted there again.
B=$TMP/btrfs
if ! msg=$(mount_loop_fs btrfs 320M "$TMP/a.img" "$B"); then
	check btrfs-mount ok "$msg"
elif printf 'sealed' >"$B/f" && ! btrfs_sealable btrfs-reuse "$B/f"; then
	umount "$B"
else
	dev_a=$(stat -c %d "$B/f")
	"$SEALCTL" seal "$B/f" write >/dev/null; check btrfs-a-sealed 0 $?
	id_a="$(stat -c %i "$B/f") $(lsattr -v "$B/f" 2>/dev/null | awk '{print $1}')"
	umount "$B"
	mount_loop_fs btrfs 320M "$TMP/b.img" "$B" >/dev/null
	printf 'other' >"$B/g"
	# What makes the two files one key: the device number, the inode
	# number and the generation (lsattr -v).
	check btrfs-b-same-device "$dev_a" "$(stat -c %d "$B/g")"
	check btrfs-b-same-ino-generation "$id_a" "$(stat -c %i "$B/g") $(lsattr -v "$B/g" 2>/dev/null | awk '{print $1}')"
	check btrfs-b-writable "ok ok ok" "$("$PROBE" write "$B/g") $("$PROBE" truncate "$B/g" 100) $("$PROBE" mmap-rw "$B/g")"
	check btrfs-b-content "Xther 100" "$(head -c 5 "$B/g") $(stat -c %s "$B/g")"
	# The same file as an overlay's upper file: a new mapping and a splice
	# through the overlay are judged on the real file's registry entry.
	mkdir "$B/up" "$B/wk" "$TMP/olow" "$TMP/ovl"
	mv "$B/g" "$B/up/g"
	printf 'other' >"$B/up/g"
	if mount -t overlay overlay -o "lowerdir=$TMP/olow,upperdir=$B/up,workdir=$B/wk" "$TMP/ovl" 2>"$TMP/ovl.err"; then
		check btrfs-b-overlay-writable "ok ok" "$("$PROBE" mmap-rw "$TMP/ovl/g") $("$PROBE" splice "$TMP/ovl/g")"
		check btrfs-b-overlay-content "Xther 5" "$(head -c 5 "$B/up/g") $(stat -c %s "$B/up/g")"
		umount "$TMP/ovl"
	else
		check btrfs-b-overlay-mount ok "$(cat "$TMP/ovl.err")"
	fi
	umount "$B"
	mount -o loop "$TMP/a.img" "$B"
	check btrfs-a-again-same-device "$dev_a" "$(stat -c %d "$B/f")"
	check btrfs-a-again-sealed "EPERM EPERM EACCES" "$("$PROBE" write "$B/f") $("$PROBE" mmap-rw "$B/f") $("$PROBE" mprotect "$B/f")"
	check btrfs-a-again-content "sealed 6" "$(cat "$B/f") $(stat -c %s "$B/f")"
	# Lazily: on 6.18 a plain umount of the remounted btrfs never returned.
	umount -l "$B"
fi

# --- btrfs subvolumes ------------------------------------------------------------
# An unprivileged user's own subvolume numbers its files from 257 on, as
# the top-level one does.  Keyed by the superblock's device, the first
# file of that subvolume was the sealed first file at the top: once that
# one left the cache, reading the user's file back took its evicted seals
# away (another generation: "the number belongs to another file now"), and
# the sealed file came back unsealed.
S=$TMP/subvols
if ! msg=$(mount_loop_fs btrfs 320M "$TMP/s.img" "$S"); then
	check subvol-mount ok "$msg"
elif printf 'sealed' >"$S/f" && btrfs_sealable subvol "$S/f"; then
	"$SEALCTL" seal "$S/f" write >/dev/null; check subvol-sealed 0 $?
	mkdir "$S/home" && chown "$NOBODY" "$S/home"
	sync
	as_nobody btrfs subvolume create "$S/home/own" >"$TMP/subvol.out" 2>&1
	check subvol-created-as-nobody 0 $? "($(cat "$TMP/subvol.out"))"
	as_nobody sh -c 'printf other >"$1"' _ "$S/home/own/g"
	check subvol-same-inode-number "$(stat -c %i "$S/f")" "$(stat -c %i "$S/home/own/g")"
	drop_caches
	check subvol-evicted true "$(evicted "$S/f")"
	check subvol-own-file-writable "ok ok" "$(as_nobody "$PROBE" write "$S/home/own/g") $(as_nobody "$PROBE" mmap-rw "$S/home/own/g")"
	drop_caches
	check subvol-still-sealed "EPERM EPERM EACCES" "$("$PROBE" write "$S/f") $("$PROBE" mmap-rw "$S/f") $("$PROBE" mprotect "$S/f")"
	check subvol-content "sealed 6" "$(cat "$S/f") $(stat -c %s "$S/f")"
	umount -l "$S"
else
	umount "$S"
fi

# Back to the daemon the other tests expect (default options).
start_daemon; check daemon-default 0 $?
