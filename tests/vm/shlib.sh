# Sourced by the vm_*.sh tests (not run by guest.sh: not vm_*, not
# executable).  The caller sets SUITE (the result-name prefix) first.
# shellcheck shell=bash

BUILD=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SRC=$(cd "$BUILD" && sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' CMakeCache.txt)
SEALCTL=$BUILD/user/sealctl
DAEMON=$BUILD/user/sealguardd
SOCK=${SEALGUARD_SOCKET:?guest.sh exports SEALGUARD_SOCKET}
NOBODY=65534

FAILED=0 # set by a failed check, for tests that dump their logs then
check() { # name expected actual [detail]
	if [[ $2 == "$3" ]]; then echo "PASS $SUITE/$1"; else echo "FAIL $SUITE/$1: expected '$2', got '$3' ${4:-}"; FAILED=1; fi
}
yes_if() { if eval "$1"; then echo yes; else echo no; fi; }
as_nobody() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }
daemon_pid() { "$SEALCTL" --json status 2>/dev/null | jq -r .pid; }
wait_gone() { # pid: until it is dead (a zombie counts as dead)
	for _ in $(seq 100); do
		[[ -d /proc/$1 && $(awk '{print $3}' /proc/"$1"/stat 2>/dev/null) != Z ]] || return 0
		sleep 0.1
	done
	return 1
}
# A fresh filesystem on a loop device: mount_loop_fs FS SIZE IMG MNT.  The
# modules come from run-vm.sh's tree (vng masks /lib/modules).  0, or 1
# with what went wrong on stdout.
mount_loop_fs() {
	local fs=$1 size=$2 img=$3 mnt=$4 force=-f log
	[[ $fs == ext4 ]] && force=-F
	log=$(
		grep -qw "$fs" /proc/filesystems || modprobe -d "$SG_VM_MODROOT" "$fs" 2>&1
		# btrfs asks for crc32c by name at mount (run-vm.sh).
		[[ $fs != btrfs ]] || modprobe -d "$SG_VM_MODROOT" crypto-crc32c 2>&1
		[[ -e /dev/loop-control ]] || modprobe -d "$SG_VM_MODROOT" loop 2>&1
		truncate -s "$size" "$img" && mkdir -p "$mnt" && "mkfs.$fs" -q "$force" "$img" 2>&1 &&
			mount -o loop "$img" "$mnt" 2>&1
	) && return 0
	echo "$log"
	return 1
}

# The programs tell btrfs subvolumes apart with the btrfs module's BTF
# (bpf/sg_key.h), which kernels before 5.11 do not have: there a btrfs
# file cannot be sealed.  btrfs_sealable NAME FILE (btrfs loaded): 0 if
# the programs had that BTF; otherwise checks that sealing FILE is refused
# with EOPNOTSUPP, prints a SKIP for NAME, and returns 1.
btrfs_sealable() {
	[[ -e /sys/kernel/btf/btrfs ]] && return 0
	check "$1-refused" "Operation not supported" "$("$SEALCTL" seal "$2" write 2>&1 | grep -o 'Operation not supported')"
	echo "SKIP $SUITE/$1: no BTF for the btrfs module on this kernel (module BTF came in 5.11): btrfs files cannot be sealed"
	return 1
}

# Disk files' seals (vm_evict*.sh, vm_state_db.sh): whether sealctl lists
# a path as evicted, its seals, and every write path a WRITE seal closes,
# on each file given, the errnos in a row.
evicted() { "$SEALCTL" --json list | jq -r --arg p "$1" '.[] | select(.path == $p) | .evicted'; }
seals() { "$SEALCTL" seals "$1" 2>&1; }
write_paths() {
	local f out="" probe=$BUILD/tests/vm/sg_probe
	for f in "$@"; do
		out+="$("$probe" write "$f") $("$probe" append "$f") $("$probe" mmap-rw "$f") $("$probe" mprotect "$f") "
	done
	echo "${out% }"
}
# 3, not 2: an inode that still has pages in the page cache stays.
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# Content checksums, then sizes, of files.
sums() { sha256sum "$@" | awk '{print $1}' | tr '\n' ' '; stat -c %s "$@" | tr '\n' ' '; }

# Stops the running daemon and starts one with these options, logging to
# $DAEMON_LOG; guest.sh learns its pid from SG_DAEMON_PIDFILE.
start_daemon() {
	local old
	old=$("$SEALCTL" --json status 2>/dev/null | jq -r .pid)
	if [[ -n $old && $old != null ]]; then
		kill -TERM "$old"
		wait_gone "$old"
	fi
	rm -f "$SOCK"
	"$DAEMON" --socket "$SOCK" "$@" >>"${DAEMON_LOG:?}" 2>&1 &
	echo $! >"${SG_DAEMON_PIDFILE:?guest.sh exports SG_DAEMON_PIDFILE}"
	# Loading takes 30 to 40 s on 7.3 under TCG beside another VM.
	for _ in $(seq 600); do [[ -S $SOCK ]] && break; sleep 0.1; done
	[[ -S $SOCK ]]
}
