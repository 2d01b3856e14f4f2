#!/usr/bin/env bash
# A real compositor end to end: Debian's weston (headless backend, pixman
# renderer, desktop-shell) run as an unprivileged user, and a hostile
# client (wl_hostile_client, built against Debian's libwayland-client) run
# as nobody, whose 256x256 buffer is a /dev/shm file (kept or unlinked) or
# a memfd made without MFD_ALLOW_SEALING.  The client lets weston draw the
# buffer, truncates its pool file to 0 and commits again.
#
#  without sealguard: the truncate succeeds; drawing the buffer again
#    faults, libwayland-server's SIGBUS handler (installed by the first
#    wl_shm_buffer_begin_access on a pool not known to be SHRINK-sealed)
#    replaces the mapping and disconnects the client with "error accessing
#    SHM buffer".
#  policies/wayland-compositor.yaml (the shipped file), weston without the
#    shim: the truncate fails with EPERM (the apply rule sealed the file
#    when weston received it), but libwayland did not see the seal and
#    still installed its SIGBUS handler.
#  the same with libsealguard-fcntl.so preloaded in weston: EPERM, the
#    size unchanged, the client not disconnected (every later frame drawn),
#    Debian's weston-simple-shm served afterwards, and libwayland saw the
#    SHRINK seal at create_pool: no SIGBUS handler ever installed
#    (strace of weston's rt_sigaction calls).
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail
SUITE=weston
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
CLIENT=$BUILD/tests/vm/wl_hostile_client
SHIM=$BUILD/user/libsealguard-fcntl.so
WESTON_UID=4242 # weston's user: unprivileged, not the client's
POOL_SIZE=262144
TMP=$(mktemp -d /dev/shm/sg-weston.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
WPID= # timeout(1) around strace around weston
trap 'weston_stop; ((FAILED)) && {
	for f in "$TMP"/*.log "$TMP"/*/weston.log "$TMP"/*.err; do echo "--- $f:"; cat "$f"; done
	grep -E "SIGBUS|F_GET_SEALS" "$TMP"/*.trace; } >&2; rm -rf "$TMP"' EXIT

for need in weston weston-simple-shm strace "$CLIENT" "$SHIM"; do
	if ! command -v "$need" >/dev/null; then
		echo "FAIL $SUITE/setup: $need missing (tests/vm/deps.sh installs weston, strace, libwayland-dev, wayland-protocols)"
		exit 1
	fi
done

# weston_start NAME [LD_PRELOAD]: weston as $WESTON_UID in its own runtime
# dir (0700, its own), under strace for its rt_sigaction and fcntl calls
# ($TMP/NAME.trace), logging to $TMP/NAME.log.  0 once its socket is there.
weston_start() {
	local name=$1 preload=${2:-} dir=$TMP/$1
	mkdir -m 700 "$dir"
	chown "$WESTON_UID:$WESTON_UID" "$dir"
	WSOCK=$dir/wayland-sg
	WTRACE=$TMP/$name.trace
	WLOG=$dir/weston.log
	timeout -k 5 240 strace -f --seccomp-bpf -qq -o "$WTRACE" -e trace=rt_sigaction,fcntl \
		setpriv --reuid="$WESTON_UID" --regid="$WESTON_UID" --clear-groups \
		env -i XDG_RUNTIME_DIR="$dir" HOME="$dir" SEALGUARD_SOCKET="$SOCK" ${preload:+LD_PRELOAD="$preload"} \
		weston --backend=headless-backend.so --use-pixman --socket=wayland-sg --no-config --log="$WLOG" \
		>"$TMP/$name.err" 2>&1 &
	WPID=$!
	local t0=$SECONDS
	for _ in $(seq 600); do [[ -S $WSOCK ]] && break; kill -0 $WPID 2>/dev/null || break; sleep 0.1; done
	echo "weston ($name) listening after $((SECONDS - t0)) s" >&2
	[[ -S $WSOCK ]]
}

# The weston process itself (timeout's child is strace, strace's is weston).
weston_pid() { pgrep -P "$(pgrep -P "$WPID" | head -1)" | head -1; }

weston_stop() {
	[[ -n $WPID ]] || return 0
	local pid
	pid=$(weston_pid)
	[[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
	wait "$WPID" 2>/dev/null
	WPID=
}

# as_client SECONDS PROGRAM ARGS...: PROGRAM as nobody, killed after
# SECONDS, on a connection to weston made here and passed in WAYLAND_SOCKET
# (weston's runtime dir stays its own).  Extra options for timeout(1) may
# come before SECONDS.
LAUNCH='
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
fd = s.detach()
os.set_inheritable(fd, True)
os.environ["WAYLAND_SOCKET"] = str(fd)
os.execvp(sys.argv[2], sys.argv[2:])'
as_client() {
	local topts=()
	while [[ $1 == -* ]]; do topts+=("$1"); shift; done
	timeout -k 5 "${topts[@]}" "$1" python3 -c "$LAUNCH" "$WSOCK" \
		setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "${@:2}"
}

# hostile NAME MODE: the client's result line, without "result: ".
hostile() {
	local out=$TMP/$1-$2
	as_client 150 "$CLIENT" "$2" 3 >"$out.out" 2>"$out.err"
	sed 's/^/  /' "$out.out" "$out.err" >&2
	sed -n 's/^result: //p' "$out.out"
}

# The handler libwayland-server installs (SA_SIGINFO|SA_NODEFER), and the
# SIGBUS weston got, in the trace.
sigbus_handler_installed() { yes_if 'grep -qE "rt_sigaction\(SIGBUS, \{sa_handler=0x" "$WTRACE"'; }
sigbus_received() { yes_if 'grep -qE "^[0-9]+ +--- SIGBUS " "$WTRACE"'; }
# libwayland's fcntl(F_GET_SEALS) at each wl_shm.create_pool.
get_seals_calls() { grep -c "fcntl([0-9]*, F_GET_SEALS)" "$WTRACE"; }

# ---- without sealguard's rule: libwayland's SIGBUS path ---------------------------
# The daemon guest.sh started: the built-in policy, no apply rules.
weston_start plain
check plain/weston-started 0 $?
for mode in memfd shm-unlinked; do
	check "plain/$mode" "truncate=ok size=0 frames=0/3 disconnected=yes (protocol error 2 on wl_buffer@7)" \
		"$(hostile plain $mode)"
	check "plain/$mode/error-accessing-shm-buffer" yes \
		"$(yes_if 'grep -q "wl_buffer@7: error 2: error accessing SHM buffer" "$TMP/plain-$mode.err"')"
done
check plain/sigbus-handler-installed yes "$(sigbus_handler_installed)"
check plain/sigbus-received yes "$(sigbus_received)"
check plain/weston-survived yes "$(yes_if 'kill -0 "$(weston_pid)" 2>/dev/null')"
weston_stop

# ---- the shipped policy ---------------------------------------------------------------
POL=$TMP/policies.d
mkdir "$POL"
cp "$SRC/policies/default.yaml" "$SRC/policies/wayland-compositor.yaml" "$POL/"
start_daemon --policy-dir "$POL"
check policy-loaded 0 $?
# Which rules this machine left out, and why /usr/bin/weston might not match.
grep -iE "weston|left out|missing" "$DAEMON_LOG" | sed 's/^/  daemon: /' >&2
echo "  /usr/bin/weston: $(stat -f -c %T /usr/bin/weston) $(stat -c 'dev %d ino %i' /usr/bin/weston)" >&2

# Weston without the shim: the kernel refuses the truncate, libwayland
# does not know it and still takes its SIGBUS precautions.
weston_start noshim
check noshim/weston-started 0 $?
check noshim/memfd "truncate=EPERM size=$POOL_SIZE frames=3/3 disconnected=no" "$(hostile noshim memfd)"
check noshim/sigbus-handler-installed yes "$(sigbus_handler_installed)"
check noshim/no-sigbus no "$(sigbus_received)"
weston_stop

# Weston with the shim: libwayland sees SHRINK at create_pool.
weston_start shim "$SHIM"
check shim/weston-started 0 $?
for mode in shm shm-unlinked memfd; do
	check "shim/$mode" "truncate=EPERM size=$POOL_SIZE frames=3/3 disconnected=no" "$(hostile shim $mode)"
done
# Debian's weston-simple-shm against the same weston for a few seconds:
# frames keep coming (its frame callbacks, in WAYLAND_DEBUG's log), no
# protocol error, a clean exit on SIGINT.  --foreground: timeout sends its
# signal to the client only, not to its process group as well; the client's
# handler is SA_RESETHAND, so a second SIGINT arriving after the first was
# handled killed it (exit 130 in a .ci/run of ec378f8 on 6.1).
WAYLAND_DEBUG=client as_client --foreground --preserve-status --signal=INT 8 weston-simple-shm >/dev/null 2>"$TMP/simple-shm.err"
rc=$?
frames=$(grep -cE "wl_callback@[0-9]+\.done\(" "$TMP/simple-shm.err")
check shim/simple-shm-exit 0 $rc
check shim/simple-shm-frames yes "$( ((frames >= 5)) && echo yes || echo "no ($frames)")"
check shim/simple-shm-no-error 0 "$(grep -cE "\.error\(|: error [0-9]+: " "$TMP/simple-shm.err")"
check shim/weston-alive yes "$(yes_if 'kill -0 "$(weston_pid)" 2>/dev/null')"
# libwayland asked for the seals of each pool (3 hostile clients,
# simple-shm, weston's own desktop-shell) and never needed its handler.
check shim/get-seals-asked yes "$( (($(get_seals_calls) >= 4)) && echo yes || echo "no ($(get_seals_calls))")"
check shim/no-sigbus-handler no "$(sigbus_handler_installed)"
check shim/no-sigbus no "$(sigbus_received)"
weston_stop

start_daemon
check daemon-restarted 0 $?
exit 0
