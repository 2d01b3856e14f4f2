#!/usr/bin/env bash
# fallocate modes on a filesystem that has them (ext4 on a loop device),
# against a WRITE-sealed and a GROW|SHRINK-sealed file.  sealguard judges
# fallocate by an allow-list (bpf/sg_rules.h): under WRITE only a plain
# allocation within the size passes, and a mode it does not know -- such as
# FALLOC_FL_WRITE_ZEROES (6.17+), or 0x100, which no kernel knows yet -- is
# refused under any seal.  Each mode is first run on an unsealed twin, so
# a refusal is the seal's; content and size are compared afterwards.
set -uo pipefail
SUITE=fallocate
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-fallocate.XXXXXX)
MNT=$TMP/mnt
trap 'umount "$MNT" 2>/dev/null; rm -rf "$TMP"' EXIT

why=$(mount_loop_fs ext4 64M "$TMP/ext4.img" "$MNT")
check ext4-mounted 0 $? "($why)"

# name mode offset length: within the 64 KiB file unless it says past-eof.
modes=(
	"alloc 0 0 4096" "keep-size 1 0 4096" "alloc-past-eof 0 65536 4096"
	"keep-size-past-eof 1 65536 4096" "punch-hole 3 0 4096" "zero-range 16 0 4096"
	"zero-range-keep 17 0 4096" "collapse-range 8 0 4096" "insert-range 32 0 4096"
	"unshare-range 64 0 4096" "write-zeroes 128 0 4096" "unknown-0x100 256 0 4096"
)
# What each seal set must answer, in the order above.
want_write="ok ok ok ok EPERM EPERM EPERM EPERM EPERM EPERM EPERM EPERM"
want_size="ok ok EPERM EPERM ok ok ok EPERM EPERM ok EPERM EPERM"

run_modes() { # file-prefix: one fresh file per mode; prints the outcomes
	local out="" m name mode off len f
	for m in "${modes[@]}"; do
		read -r name mode off len <<<"$m"
		f=$1-$name
		out+="$("$PROBE" fallocate "$f" "$mode" "$off" "$len") "
	done
	echo "${out% }"
}
make_files() { # file-prefix seals
	local m name f
	for m in "${modes[@]}"; do
		read -r name _ <<<"$m"
		f=$1-$name
		head -c 65536 /dev/urandom >"$f"
		[[ -z $2 ]] || "$SEALCTL" seal "$f" "$2" >/dev/null || echo "FAIL $SUITE/seal-$name: sealctl seal $2"
	done
}

make_files "$MNT/unsealed" ""
unsealed=$(run_modes "$MNT/unsealed")
# Which modes this kernel's vfs_fallocate knows: it checks the mode before
# the fd (EBADF on a read-only fd), and asks the LSM only after both.
known=""
for m in "${modes[@]}"; do
	read -r name mode off len <<<"$m"
	known+="$([[ $("$PROBE" fallocate-ro "$MNT/unsealed-$name" "$mode" "$off" "$len") == EBADF ]] && echo yes || echo no) "
done
echo "# unsealed ext4 answers: $unsealed; modes known to the kernel: $known" >&2
check unsealed-answers-known yes "$(yes_if '[[ $unsealed != *EPERM* ]]')" "($unsealed)"
read -r -a k <<<"$known"

for set in write size; do
	case $set in write) seals=write want=$want_write ;; size) seals=shrink,grow want=$want_size ;; esac
	make_files "$MNT/$set" "$seals"
	declare -A b=()
	for m in "${modes[@]}"; do read -r name _ <<<"$m"; b[$name]=$(sums "$MNT/$set-$name"); done
	got=$(run_modes "$MNT/$set")
	# A mode the kernel does not know is refused before any hook, with the
	# unsealed file's errno; one it knows is the seal's to judge, even where
	# the filesystem would refuse it next (write-zeroes on a loop device);
	# one the seal allows gets what the unsealed file got (ext4 has no
	# unshare-range: EOPNOTSUPP).
	read -r -a g <<<"$got"; read -r -a w <<<"$want"; read -r -a u <<<"$unsealed"
	for i in "${!modes[@]}"; do
		read -r name _ <<<"${modes[$i]}"
		if [[ ${k[$i]} == no || ${w[$i]} == ok ]]; then
			check "$set-sealed/$name" "${u[$i]}" "${g[$i]}"
		else
			check "$set-sealed/$name" "${w[$i]}" "${g[$i]}"
		fi
		# A refused mode leaves content and size as they were.
		[[ ${g[$i]} == ok ]] || check "$set-sealed/$name-unchanged" "${b[$name]}" "$(sums "$MNT/$set-$name")"
	done
	unset b
done
exit 0
