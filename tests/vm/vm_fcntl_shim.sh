#!/usr/bin/env bash
# The fcntl shim (libsealguard-fcntl.so, user/shim/fcntl_seals.c) in an
# unmodified program: Debian's python3, whose fcntl.fcntl() is libc's
# fcntl64.  With the shim, F_ADD_SEALS on a /dev/shm file or on a memfd
# made without MFD_ALLOW_SEALING adds sealguard's seals, F_GET_SEALS shows
# them, and another process's ftruncate/write then fail as on a natively
# sealed memfd (same errno, content and size unchanged).  Without it, the
# kernel's own answers.  A daemon started with the shim preloaded (as
# /etc/ld.so.preload would) still answers at once.
set -uo pipefail
SUITE=fcntl-shim
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
SHIM=$BUILD/user/libsealguard-fcntl.so
TMP=$(mktemp -d /dev/shm/sg-shim.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
trap '((FAILED)) && [[ -e $DAEMON_LOG ]] && { echo "--- daemon log:"; cat "$DAEMON_LOG"; } >&2; rm -rf "$TMP"' EXIT

# py [--shim] CODE: python3 as nobody, printing its answers (fcntl's return
# value, or the errno's name).
PY_LIB='
import errno, fcntl, os, sys, time
def e(f, *a):
    try:
        r = f(*a)
        return "ok" if r is None else str(r)  # os.ftruncate returns None
    except OSError as x:
        return errno.errorcode[x.errno]
'
py() {
	local pre=()
	if [[ $1 == --shim ]]; then pre=(env LD_PRELOAD="$SHIM"); shift; fi
	as_nobody "${pre[@]}" python3 -c "$PY_LIB$1"
}

# What an attacker without the shim sees: ftruncate to 0, write at 0, sizes.
attack() { # file
	as_nobody python3 -c "$PY_LIB"'
fd = os.open(sys.argv[1], os.O_RDWR)
print(e(os.ftruncate, fd, 0), e(os.pwrite, fd, b"X", 0), os.fstat(fd).st_size)' "$1"
}

for shim in with without; do
	f=$TMP/pool-$shim
	head -c 4096 /dev/zero | tr '\0' A >"$f"
	chown $NOBODY:$NOBODY "$f"
	flag=; [[ $shim == with ]] && flag=--shim
	got=$(py $flag '
fd = os.open("'"$f"'", os.O_RDWR)
print(e(fcntl.fcntl, fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_WRITE),
      e(fcntl.fcntl, fd, fcntl.F_GET_SEALS))')
	before=$(sums "$f")
	if [[ $shim == with ]]; then
		check "$shim/dev-shm-file/add-get" "0 10" "$got"
		# As a natively sealed memfd answers the same calls (below).
		check "$shim/dev-shm-file/truncate-write-refused" "EPERM EPERM 4096" "$(attack "$f")"
		check "$shim/dev-shm-file/sealctl-agrees" "shrink,write" "$("$SEALCTL" seals "$f")"
	else
		# tmpfs files are shmem: the kernel answers F_SEAL_SEAL, as for a
		# memfd made without MFD_ALLOW_SEALING.
		check "$shim/dev-shm-file/add-get" "EPERM 1" "$got"
		check "$shim/dev-shm-file/truncate-write-allowed" "ok 1 1" "$(attack "$f")"
	fi
	[[ $shim == with ]] && check "$shim/dev-shm-file/unchanged" "$before" "$(sums "$f")"
done

# The reference: a natively sealed memfd, the same calls, with the shim
# loaded (it must hand them to the kernel) and without.
for shim in with without; do
	flag=; [[ $shim == with ]] && flag=--shim
	check "$shim/native-memfd" "0 10 EPERM EPERM 4096 EINVAL" "$(py $flag '
fd = os.memfd_create("native", os.MFD_ALLOW_SEALING)
os.ftruncate(fd, 4096)
a = e(fcntl.fcntl, fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_WRITE)
print(a, e(fcntl.fcntl, fd, fcntl.F_GET_SEALS), e(os.ftruncate, fd, 0), e(os.pwrite, fd, b"X", 0),
      os.fstat(fd).st_size, e(fcntl.fcntl, fd, fcntl.F_ADD_SEALS, 0x8000 | fcntl.F_SEAL_SEAL))')"
done

# A memfd made without MFD_ALLOW_SEALING (what many Wayland clients pass):
# the kernel answers F_SEAL_SEAL and refuses seals; through the shim it is
# sealed by sealguard, and a peer holding it cannot shrink it.
memfd_case() { # shim flag
	py $1 '
fd = os.memfd_create("pool", 0)
os.ftruncate(fd, 4096)
r = [e(fcntl.fcntl, fd, fcntl.F_GET_SEALS), e(fcntl.fcntl, fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK),
     e(fcntl.fcntl, fd, fcntl.F_GET_SEALS)]
peer = os.open("/proc/self/fd/%d" % fd, os.O_RDWR)
r += [e(os.ftruncate, peer, 0), str(os.fstat(fd).st_size)]
print(*r)'
}
check with/memfd-no-sealing "0 0 2 EPERM 4096" "$(memfd_case --shim)"
check without/memfd-no-sealing "1 EPERM 1 ok 0" "$(memfd_case "")"

# The daemon with the shim preloaded: its own F_GET_SEALS must not come
# back to it (it would wait for itself until the client's 5 s timeout).
# Timed against the same case with the daemon as usual (under TCG, on a
# loaded machine, a few seconds), not against a fixed figure.
timed() { local t0=$(date +%s%N); memfd_case --shim >/dev/null; echo $((($(date +%s%N) - t0) / 1000000)); }
base=$(timed)
LD_PRELOAD=$SHIM start_daemon
check preloaded-daemon/started 0 $?
t0=$(date +%s%N)
got=$(memfd_case --shim)
ms=$((($(date +%s%N) - t0) / 1000000))
check preloaded-daemon/memfd-no-sealing "0 0 2 EPERM 4096" "$got" "(${ms} ms)"
check preloaded-daemon/answers-at-once yes "$( ((ms < base + 3000)) && echo yes || echo "no (${ms} ms, ${base} ms before)")"
start_daemon
check daemon-restarted 0 $?
exit 0
