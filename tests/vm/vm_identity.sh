#!/usr/bin/env bash
# Identity keys on btrfs: every subvolume numbers its files from 256 on,
# under one superblock, and stat() reports a device of the subvolume's own.
# The registry and the evicted seals are keyed by that device, as the
# kernel's programs compute it (bpf/sg_key.h) and the daemon asks them
# (SG_IOC_KEY).  Keyed by the superblock's device, the first file of a
# subvolume was the sealed first file at the top: it could not be written
# (its writes were judged by the other's seals), its loop checks passed on
# the other's entry, and unlinking it took the sealed file's entry away.
# Each case: a file at the top and the first file of a subvolume, with the
# same inode number; the second written before either is sealed, each
# sealed through sealctl; the entry's device must be stat's, and
# LOOP_SET_FD and LOOP_CONFIGURE on the sealed file are refused, the file
# unchanged.  Then the subvolume's file unlinked: the top file's entry
# and its loop checks stay.
set -uo pipefail
SUITE=identity
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
ATTACK=$BUILD/tests/vm/sg_attack
TMP=$(mktemp -d /dev/shm/sg-identity.XXXXXX)
m=$TMP/mnt-btrfs
trap 'umount "$m" 2>/dev/null; rm -rf "$TMP"' EXIT

why=$(mount_loop_fs btrfs 320M "$TMP/btrfs.img" "$m")
check btrfs-mounted 0 $? "($why)"
top=$m/file-top sub=$m/sub/file
head -c 65536 /dev/zero | tr '\0' T >"$top"
btrfs -q subvolume create "$m/sub" >/dev/null 2>&1 || btrfs subvolume create "$m/sub" >/dev/null
if btrfs_sealable sealing "$top"; then
	"$SEALCTL" seal "$top" write >/dev/null
	head -c 65536 /dev/zero | tr '\0' S >"$sub" 2>"$TMP/sub.err"
	check sub/same-inode-number "$(stat -c %i "$top")" "$(stat -c %i "$sub")"
	check sub/written "65536 S" "$(stat -c %s "$sub") $(head -c 1 "$sub")" "($(cat "$TMP/sub.err"))"
	check sub/not-sealed-by-top none "$("$SEALCTL" seals "$sub")"
	"$SEALCTL" seal "$sub" write >/dev/null
	for where in top sub; do
		f=${!where}
		check "$where/sealed" write "$("$SEALCTL" seals "$f")"
		d=$(stat -c %d "$f")
		st_dev=$(((d >> 8 & 0xfff) | (d >> 32 & ~0xfff))):$(((d & 0xff) | (d >> 12 & ~0xff)))
		ino=$(stat -c %i "$f")
		dev=$("$SEALCTL" --json list | jq -r --argjson ino "$ino" '.[] | select(.ino == $ino and (.path | endswith("'"${f#"$m"}"'"))) | .dev')
		check "$where/registry-key-is-stat's" "$st_dev" "$dev"
		before=$(sha256sum <"$f" | cut -c1-16)
		check "$where/loop-set-fd-refused" EPERM "$("$ATTACK" loop-set-fd "$f")"
		check "$where/loop-configure-refused" EPERM "$("$ATTACK" loop-configure "$f")"
		check "$where/unchanged" "$before" "$(sha256sum <"$f" | cut -c1-16)"
	done
	# The subvolume's file goes: the top file keeps its entry and checks.
	rm -f "$sub"
	sync
	before=$(sha256sum <"$top" | cut -c1-16)
	check top/listed-after-unlink 1 "$("$SEALCTL" --json list | jq --arg p "$top" '[.[] | select(.path == $p)] | length')"
	check top/loop-set-fd-refused-after-unlink EPERM "$("$ATTACK" loop-set-fd "$top")"
	check top/unchanged-after-unlink "$before" "$(sha256sum <"$top" | cut -c1-16)"
fi
umount "$m"
exit 0
