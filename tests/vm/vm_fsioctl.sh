#!/usr/bin/env bash
# Filesystem ioctls that move, swap or exchange a file's blocks without a
# write or truncate hook (bpf/sg_bypass.h, "filesystem ioctls"), tried as
# an unprivileged user who holds a read-write fd of a sealed file, natively
# and through int $0x80:
# - ext4's EXT4_IOC_MOVE_EXT with the sealed file as the ioctl's fd, and as
#   the donor named inside the argument (the kernel looks that fd up after
#   the hook, so these ioctls are refused outright while any seal is in
#   force: divergence block-movers-while-sealed);
# - XFS's XFS_IOC_SWAPEXT through Debian's xfs_io (root: its bulkstat
#   needs CAP_SYS_ADMIN), with the sealed file as target and as donor;
# - an ioctl sealguard does not know (EXT4_IOC_GETSTATE) on a sealed ext4
#   file is refused, known harmless ones are not, and a memfd (whose
#   filesystem has no ioctls of its own) answers as a native sealed one.
# - io_uring's URING_CMD, which btrfs implements since 6.13 (encoded
#   reads, by ioctl number): refused on a sealed btrfs file like the same
#   ioctl, answered as before on an unsealed one.
# Content and size are compared after every refusal.
set -uo pipefail
SUITE=fsioctl
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
FSIOCTL=$BUILD/tests/vm/sg_fsioctl
TMP=$(mktemp -d /dev/shm/sg-fsioctl.XXXXXX)
chmod 755 "$TMP"
trap 'for m in "$TMP"/mnt-*; do umount "$m" 2>/dev/null; done; rm -rf "$TMP"' EXIT

EXT4_IOC_GETSTATE=40046629 # _IOW('f', 41, __u32)
FS_IOC_GETFLAGS=80086601
FS_IOC32_GETFLAGS=80046601 # what a 32-bit program passes (5.10's compat path knows only this)
FIONREAD=541b

mkfile() { # path char: 16 KiB of char, owned by nobody
	head -c 16384 /dev/zero | tr '\0' "$2" >"$1"
	chown $NOBODY:$NOBODY "$1"
}
# Size, and the content on disk (O_DIRECT): a block swap can leave the
# page cache showing the old data for a while.
state() { echo "$(stat -c %s "$1") $(dd if="$1" iflag=direct bs=4096 2>/dev/null | sha256sum | cut -c1-16)"; }

# --- ext4 ---------------------------------------------------------------
m=$TMP/mnt-ext4
why=$(mount_loop_fs ext4 64M "$TMP/ext4.img" "$m")
check ext4-mounted 0 $? "($why)"
chmod 1777 "$m"

for abi in 64 32; do
	flag= getflags=$FS_IOC_GETFLAGS
	[[ $abi == 32 ]] && flag=-32 getflags=$FS_IOC32_GETFLAGS
	v=$m/victim$abi own=$m/own$abi own2=$m/other$abi
	mkfile "$v" V
	mkfile "$own" a
	mkfile "$own2" b
	"$SEALCTL" seal "$v" write >/dev/null || echo "FAIL $SUITE/seal-$abi: sealctl seal failed"
	before=$(state "$v")
	check "ext4/move-ext-orig-sealed-$abi" EPERM "$(as_nobody "$FSIOCTL" move-ext $flag "$v" "$own")"
	check "ext4/move-ext-orig-sealed-$abi-unchanged" "$before" "$(state "$v")"
	check "ext4/move-ext-donor-sealed-$abi" EPERM "$(as_nobody "$FSIOCTL" move-ext $flag "$own" "$v")"
	check "ext4/move-ext-donor-sealed-$abi-unchanged" "$before" "$(state "$v")"
	# Neither sealed: refused too while a seal is in force (the divergence).
	check "ext4/move-ext-unsealed-while-sealed-$abi" EPERM "$(as_nobody "$FSIOCTL" move-ext $flag "$own" "$own2")"
	check "ext4/getstate-sealed-$abi" EPERM "$(as_nobody "$FSIOCTL" ioctl $flag "$v" $EXT4_IOC_GETSTATE)"
	check "ext4/getstate-unsealed-$abi" ok "$(as_nobody "$FSIOCTL" ioctl $flag "$own" $EXT4_IOC_GETSTATE)"
	check "ext4/getflags-sealed-$abi" ok "$(as_nobody "$FSIOCTL" ioctl $flag "$v" "$getflags")"
	check "ext4/fionread-sealed-$abi" ok "$(as_nobody "$FSIOCTL" ioctl $flag "$v" $FIONREAD)"
	check "ext4/after-all-$abi-unchanged" "$before" "$(state "$v")"
done

# GROW alone: a block swap can change the size, so it is refused as well.
mkfile "$m/grow" G
"$SEALCTL" seal "$m/grow" grow >/dev/null
check ext4/getstate-grow-sealed EPERM "$(as_nobody "$FSIOCTL" ioctl "$m/grow" $EXT4_IOC_GETSTATE)"

# The move itself works on this kernel and filesystem: the same call
# between unsealed files once no seal is in force is what e4defrag does.
# It cannot be shown here (other suites' disk seals stay recorded), so the
# mutation check in docs/testing.md is what shows these tests can fail.
umount "$m"

# --- a memfd: no filesystem ioctls, the kernel's answers ----------------
memfd_ioctl() { # native|sealguard: EXT4_IOC_GETSTATE on a WRITE-sealed memfd
	python3 - "$1" "$SEALCTL" <<-'PY'
	import errno, fcntl, os, subprocess, sys
	native = sys.argv[1] == "native"
	fd = os.memfd_create("m", os.MFD_ALLOW_SEALING if native else 0)
	os.write(fd, b"M" * 4096)
	if native:
	    fcntl.fcntl(fd, 1033, 8)
	else:
	    subprocess.run([sys.argv[2], "seal", f"/proc/self/fd/{fd}", "write"], pass_fds=[fd], check=True,
	                   stdout=subprocess.DEVNULL)
	try:
	    fcntl.ioctl(fd, 0x40046629, b"\0" * 4); print("ok")
	except OSError as e:
	    print(errno.errorcode[e.errno])
	PY
}
native=$(memfd_ioctl native)
check memfd/getstate-native ENOTTY "$native"
check memfd/getstate-sealguard "$native" "$(memfd_ioctl sealguard)"

# --- btrfs: io_uring URING_CMD (btrfs_uring_cmd, 6.13+) -------------------
m=$TMP/mnt-btrfs
why=$(mount_loop_fs btrfs 320M "$TMP/btrfs.img" "$m")
check btrfs-mounted 0 $? "($why)"
mkfile "$m/sealed" S
mkfile "$m/plain" P
"$SEALCTL" seal "$m/sealed" write >/dev/null
before=$(state "$m/sealed")
# Root: encoded reads need CAP_SYS_ADMIN, which would hide the check.
plain=$("$FSIOCTL" uring-cmd "$m/plain" encoded-read)
sealed=$("$FSIOCTL" uring-cmd "$m/sealed" encoded-read)
if [[ $plain == EOPNOTSUPP ]]; then
	# No ->uring_cmd in this kernel's btrfs: io_uring refuses before the hook.
	check btrfs/uring-cmd-sealed-no-fs-support EOPNOTSUPP "$sealed"
elif [[ $plain == EINVAL ]]; then
	# No IORING_OP_URING_CMD in this kernel's io_uring (before 5.19).
	check btrfs/uring-cmd-sealed-no-opcode EINVAL "$sealed"
else
	check btrfs/uring-cmd-unsealed-not-refused yes "$([[ $plain != EPERM ]] && echo yes || echo "no ($plain)")"
	check btrfs/uring-cmd-sealed EPERM "$sealed"
fi
check btrfs/uring-cmd-unchanged "$before" "$(state "$m/sealed")"
umount "$m"

# --- XFS: XFS_IOC_SWAPEXT through xfs_io ---------------------------------
m=$TMP/mnt-xfs
why=$(mount_loop_fs xfs 320M "$TMP/xfs.img" "$m")
check xfs-mounted 0 $? "($why)"
for role in target donor; do
	v=$m/victim-$role other=$m/other-$role
	mkfile "$v" V
	mkfile "$other" o
	"$SEALCTL" seal "$v" write >/dev/null
	before=$(state "$v")
	if [[ $role == target ]]; then
		out=$(xfs_io -c "swapext $other" "$v" 2>&1)
	else
		out=$(xfs_io -c "swapext $v" "$other" 2>&1)
	fi
	check "xfs/swapext-$role-sealed" yes "$(yes_if '[[ $out == *"Operation not permitted"* ]]')" "($out)"
	check "xfs/swapext-$role-sealed-unchanged" "$before" "$(state "$v")"
done
umount "$m"
exit 0
