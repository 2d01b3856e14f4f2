#!/usr/bin/env bash
# Per-call records (issue #15, point 6): what a write or fallocate records
# for its seal check belongs to that call and goes when it returns, on
# every path.  A call that fails before its check must not leave a record
# that the next check of the same file in the same thread takes for its
# own -- a FICLONE's above all, which records nothing and so is judged as
# a write that could do anything.  Each case runs its calls in one python
# thread; the control is a natively sealed memfd where one exists (tmpfs),
# and an unsealed twin on the reflink filesystems (btrfs and XFS, whose
# FICLONE replaces a file's content without any write).
set -uo pipefail
SUITE=records
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
TMP=$(mktemp -d /dev/shm/sg-records.XXXXXX)
trap 'for m in "$TMP"/mnt-*; do umount "$m" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# py FILE SEALS SCRIPT: runs SCRIPT with fd (FILE opened read-write), after
# sealing FILE with SEALS through sealguard (empty: none); "native" as FILE
# makes a memfd sealed natively with SEALS instead.  SCRIPT prints results.
py() {
	local file=$1 seals=$2 script=$3
	if [[ $file != native && -n $seals ]]; then
		"$SEALCTL" seal "$file" "$seals" >/dev/null || { echo "sealctl-failed"; return; }
	fi
	python3 - "$file" "$seals" <<-PY
	import ctypes, errno, fcntl, os, sys
	libc = ctypes.CDLL(None, use_errno=True)
	SEALS = {"write": 8, "grow": 4, "shrink": 2}
	def sys_(nr, *a):
	    r = libc.syscall(nr, *[ctypes.c_long(x) for x in a])
	    return "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()]
	def call(f, *a):
	    try:
	        f(*a); return "ok"
	    except OSError as e:
	        return errno.errorcode[e.errno]
	if sys.argv[1] == "native":
	    fd = os.memfd_create("native", os.MFD_ALLOW_SEALING)
	    os.write(fd, b"D" * 4096)
	    fcntl.fcntl(fd, 1033, sum(SEALS[s] for s in sys.argv[2].split(",") if s))
	else:
	    fd = os.open(sys.argv[1], os.O_RDWR)
	$script
	PY
}
size_and_sum() { echo "$(stat -c %s "$1") $(sha256sum <"$1" | cut -c1-16)"; }

# --- an RWF_APPEND that fails with EFAULT, then an in-size pwrite ---------
# x86-64: pwritev2 is 328, RWF_APPEND 0x10; iovec at address 8: EFAULT.
efault='print(sys_(328, fd, 8, 1, 0, 0, 0x10), call(os.pwrite, fd, b"w", 100))'
for f in native "$TMP/tmpfs-grow"; do [[ $f == native ]] || head -c 4096 /dev/zero | tr '\0' D >"$f"; done
native=$(py native grow "$efault")
check rwf-append-efault-native "EFAULT ok" "$native"
check rwf-append-efault-then-pwrite "$native" "$(py "$TMP/tmpfs-grow" grow "$efault")"
check rwf-append-efault-size 4096 "$(stat -c %s "$TMP/tmpfs-grow")"

# --- reflink filesystems ------------------------------------------------------
FICLONE=0x40049409
for fs in btrfs xfs; do
	m=$TMP/mnt-$fs img=$TMP/$fs.img
	# XFS wants 300 MiB at least; sparse, on tmpfs.
	why=$(mount_loop_fs "$fs" 320M "$img" "$m")
	check "$fs-mounted" 0 $? "($why)"
	head -c 16384 /dev/zero | tr '\0' S >"$m/src"
	src=$m/src
	if [[ $fs == btrfs ]] && ! btrfs_sealable btrfs/reflink "$src"; then
		umount "$m"
		continue
	fi
	clone="s = os.open('$src', os.O_RDONLY); print(call(fcntl.ioctl, fd, $FICLONE, s))"
	# name seals what-runs-first
	cases=(
		"unsealed - -"
		"write-sealed write -"
		"grow-sealed grow -"
		"write-after-failed-fallocate write fallocate"
		"grow-after-overflowing-pwrite grow pwrite"
		"grow-after-failed-fallocate grow fallocate"
	)
	for c in "${cases[@]}"; do
		read -r name seals first <<<"$c"
		[[ $seals == - ]] && seals=
		f=$m/$name
		head -c 4096 /dev/zero | tr '\0' D >"$f"
		before=$(size_and_sum "$f")
		case $first in
		fallocate) pre='print(sys_(285, fd, 0, 0, 0), end=" ")' ;;   # fallocate(fd, 0, 0, 0): EINVAL
		pwrite) pre='print(call(os.pwrite, fd, b"x" * 20, (1 << 63) - 11), end=" ")' ;;
		*) pre= ;;
		esac
		got=$(py "$f" "$seals" "$pre
$clone")
		case $name in
		unsealed)
			check "$fs/$name-clone" ok "$got"
			check "$fs/$name-cloned" "$(size_and_sum "$src")" "$(size_and_sum "$f")" ;;
		*-after-failed-fallocate)
			check "$fs/$name" "EINVAL EPERM" "$got"
			check "$fs/$name-unchanged" "$before" "$(size_and_sum "$f")" ;;
		*-after-overflowing-pwrite)
			check "$fs/$name" "EINVAL EPERM" "$got"
			check "$fs/$name-unchanged" "$before" "$(size_and_sum "$f")" ;;
		*)
			check "$fs/$name-clone" EPERM "$got"
			check "$fs/$name-unchanged" "$before" "$(size_and_sum "$f")" ;;
		esac
	done
	# XFS_IOC_EXCHANGE_RANGE (6.10+) swaps the contents of two files; it
	# asks remap_verify_area for both.  Unsealed first: where the kernel or
	# this filesystem lacks it (EOPNOTSUPP, ENOTTY), it is named, not run.
	if [[ $fs == xfs ]]; then
		xchg() { # file1 file2(the ioctl's fd, opened by py)
			echo "import struct; s = os.open('$1', os.O_RDWR); print(call(fcntl.ioctl, fd, 0x40285881, struct.pack('iIQQQQ', s, 0, 0, 0, 4096, 0)))"
		}
		for n in x1 x2 s1 s2 t1 t2; do head -c 4096 /dev/zero | tr '\0' "${n:0:1}" >"$m/$n"; done
		got=$(py "$m/x2" "" "$(xchg "$m/x1")")
		if [[ $got == ok ]]; then
			check xfs/exchange-range-unsealed-swaps "x" "$(head -c 1 "$m/x2")"
			# The sealed file as the ioctl's fd, then as the other one.
			before=$(size_and_sum "$m/s2")
			check xfs/exchange-range-into-write-sealed EPERM "$(py "$m/s2" write "$(xchg "$m/s1")")"
			check xfs/exchange-range-into-write-sealed-unchanged "$before" "$(size_and_sum "$m/s2")"
			"$SEALCTL" seal "$m/t1" write >/dev/null
			before=$(size_and_sum "$m/t1")
			check xfs/exchange-range-from-write-sealed EPERM "$(py "$m/t2" "" "$(xchg "$m/t1")")"
			check xfs/exchange-range-from-write-sealed-unchanged "$before" "$(size_and_sum "$m/t1")"
		else
			echo "SKIP $SUITE/xfs/exchange-range: this kernel's XFS refuses XFS_IOC_EXCHANGE_RANGE on an unsealed file ($got)"
		fi
	fi
	umount "$m"
done
exit 0
