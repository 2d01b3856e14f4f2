#!/usr/bin/env bash
# Usage (INSIDE the VM): guest.sh BUILD_DIR OUT_DIR [test|demo|session|bench [SG_BENCH_ARGS...]]
# Runs as root in a virtme-ng guest that sees the host filesystem read-only.
# OUT_DIR is a --rwdir shared with the host; everything the host needs lands
# there: kernel, lsm, sealguardd.log, results.txt, and last `done` holding our
# exit status (its absence tells the host the VM did not finish).
#
# test mode runs every $BUILD/tests/vm/vm_* program. Each prints one line per
# case -- "PASS <name>", "FAIL <name>: <detail>", "SKIP <name>: <why>" -- and
# those lines are collected in results.txt. demo mode runs demo_cursorwindow;
# bench mode runs bench/sg_bench (no daemon) into bench.md.
set -euo pipefail

BUILD=${1:?usage: guest.sh BUILD_DIR OUT_DIR [test|demo]}
OUT=${2:?usage: guest.sh BUILD_DIR OUT_DIR [test|demo]}
MODE=${3:-test}
TEST_TIMEOUT=${SG_TEST_TIMEOUT:-420}
export SEALGUARD_SOCKET=/run/sealguard/control.sock
# Kernel modules a test may load, with `modprobe -d "$SG_VM_MODROOT" NAME`
# (run-vm.sh puts them there, with their dependencies).
export SG_VM_MODROOT=${SG_VM_MODROOT:-/nonexistent}
# A program that restarts the daemon on purpose writes the new pid here.
export SG_DAEMON_PIDFILE=/run/sealguard/restarted.pid
RESULTS=$OUT/results.txt
DAEMON_PID=

fail() { echo "FAIL $1: $2" | tee -a "$RESULTS"; }
finish() {
	daemon_stop
	local status=0
	grep -q '^FAIL ' "$RESULTS" && status=1
	echo "$status" >"$OUT/done"
	exit "$status"
}

# The daemon lives in two functions so tests can restart it between programs.
# Arguments go to sealguardd.  Its log: $DAEMON_LOG.
DAEMON_LOG=$OUT/sealguardd.log
daemon_start() {
	mkdir -p "$(dirname "$SEALGUARD_SOCKET")"
	rm -f "$SEALGUARD_SOCKET"
	echo "--- sealguardd start $(date +%T)" >>"$DAEMON_LOG"
	"$BUILD/user/sealguardd" --socket "$SEALGUARD_SOCKET" "$@" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	local i
	for ((i = 0; i < 300; i++)); do
		[[ -S $SEALGUARD_SOCKET ]] && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || break   # died: no use waiting
		sleep 0.1
	done
	if daemon_alive; then
		fail sealguardd "control socket $SEALGUARD_SOCKET did not appear within 30 s"
	else
		local status=0
		wait "$DAEMON_PID" || status=$?
		fail sealguardd "exited with status $status before creating $SEALGUARD_SOCKET"
	fi
	echo "--- sealguardd.log:"; cat "$DAEMON_LOG"
	daemon_stop
	return 1
}

daemon_alive() {
	if [[ -s $SG_DAEMON_PIDFILE ]]; then
		DAEMON_PID=$(cat "$SG_DAEMON_PIDFILE")
		rm -f "$SG_DAEMON_PIDFILE"
	fi
	[[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null
}

daemon_stop() {
	[[ -n $DAEMON_PID ]] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	local i
	for ((i = 0; i < 100; i++)); do
		daemon_alive || break
		sleep 0.1
	done
	daemon_alive && kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

# Run one vm_* program and turn its outcome into result lines.
run_program() {
	local prog=$1 name status
	name=$(basename "$prog")
	echo "=== $name"
	# If the VM dies, the host learns from this which program was running.
	echo "$name" >"$OUT/running"
	# stdout holds the result lines; stderr is only shown.
	status=0
	local t0=$SECONDS
	(cd "$WORK" && timeout -k 10 "$TEST_TIMEOUT" "$prog") >"$OUT/$name.out" 2>"$OUT/$name.err" || status=$?
	# How long each program took, for whoever budgets CI's time.
	echo "$name $((SECONDS - t0))" >>"$OUT/timings.txt"
	cat "$OUT/$name.out" "$OUT/$name.err"
	grep -E '^(PASS|FAIL|SKIP) ' "$OUT/$name.out" >>"$RESULTS" || true
	if ((status == 124)); then
		# Where it stood: the summary is often all a CI log keeps.
		local last
		last=$(grep -E '^(PASS|FAIL|SKIP) ' "$OUT/$name.out" | tail -n 1)
		fail "$name" "timed out after $TEST_TIMEOUT s (last result: ${last:-none})"
	elif ((status > 128)); then
		fail "$name" "killed by signal $((status - 128))"
	elif ((status != 0)) && ! grep -q '^FAIL ' "$OUT/$name.out"; then
		fail "$name" "exited with status $status"
	fi
}

mkdir -p "$OUT"
: >"$RESULTS"
# Writable scratch cwd for the programs (the host tree is read-only here).
WORK=$(mktemp -d)

# virtme-ng leaves these unmounted; the daemon and the tests need them.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
mkdir -p /dev/shm
mountpoint -q /dev/shm || mount -t tmpfs tmpfs /dev/shm
mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security

uname -r | tee "$OUT/kernel"
lsm=$(cat /sys/kernel/security/lsm 2>/dev/null || true)
echo "$lsm" | tee "$OUT/lsm"
# Without the BPF LSM every enforcement test would be meaningless.
if [[ ,$lsm, != *,bpf,* ]]; then
	fail lsm "bpf is not an active LSM (lsm='$lsm'); boot with lsm=...,bpf"
	finish
fi

# As the service's ExecStartPre does: the programs read struct loop_device
# from the loop module's BTF if it is loaded before them (the daemon's own
# modprobe finds no modules here: virtme-ng masks /lib/modules).  And
# btrfs, as on a machine that mounts one at boot (the programs tell its
# subvolumes apart with its BTF, bpf/sg_key.h), unless vm_evict_btrfs.sh
# runs: it tests a btrfs loaded after the programs, loading it itself
# (a btrfs module removed and loaded again cannot mount on 6.18), and
# leaves a daemon started after it for the programs that follow.
[[ -e /sys/module/loop ]] || modprobe -d "$SG_VM_MODROOT" loop 2>/dev/null || true
late=vm_evict_btrfs.sh
if [[ $MODE == test ]] && [[ -n ${SG_VM_ONLY:-} && " $SG_VM_ONLY " != *" $late "* || " ${SG_VM_SKIP:-} " == *" $late "* ]]; then
	grep -qw btrfs /proc/filesystems || modprobe -d "$SG_VM_MODROOT" btrfs 2>/dev/null || true
fi

# The benchmark loads its own programs: no daemon there.
[[ $MODE == bench ]] || daemon_start || finish

case $MODE in
test)
	shopt -s nullglob
	LC_COLLATE=C   # sorted in byte order, the same everywhere
	progs=()
	# SG_VM_ONLY: a space-separated list of programs (vm_bypass.sh ...)
	# to run instead of all, for a developer's quick run.
	# SG_VM_SKIP: programs left to another kernel's VM (script/test).
	for p in "$BUILD"/tests/vm/vm_*; do
		[[ -z ${SG_VM_ONLY:-} || " $SG_VM_ONLY " == *" ${p##*/} "* ]] || continue
		if [[ " ${SG_VM_SKIP:-} " == *" ${p##*/} "* ]]; then
			echo "guest: ${p##*/} not run in this VM (SG_VM_SKIP: run in another kernel's)"
			continue
		fi
		[[ -f $p && -x $p ]] && progs+=("$p")
	done
	((${#progs[@]})) || fail vm-tests "no $BUILD/tests/vm/vm_* programs found"
	prev=
	for p in "${progs[@]}"; do
		# A daemon crash is a failure of the program that caused it; restart
		# so the remaining programs still get a daemon.
		if ! daemon_alive; then
			fail sealguardd "daemon died during $prev; restarting it"
			daemon_start || break
		fi
		run_program "$p"
		prev=$(basename "$p")
	done
	[[ -z $prev ]] || daemon_alive || fail sealguardd "daemon died during $prev"
	;;
session)
	# The README's session (tests/vm/session.sh), run for real.
	"$(dirname "$0")/session.sh" "$BUILD" | tee "$OUT/session.txt"
	;;
demo)
	status=0
	(cd "$WORK" && "$BUILD/tests/vm/demo_cursorwindow") || status=$?
	((status == 0)) || fail demo_cursorwindow "exited with status $status"
	;;
bench)
	status=0
	# --only request: the request benchmark alone (a few minutes, not 13).
	if [[ "${*:4}" == "--only request" ]]; then
		: >"$OUT/bench.md"
		: >"$OUT/bench.err"
	else
		(cd "$WORK" && "$BUILD/bench/sg_bench" "${@:4}") >"$OUT/bench.md" 2>"$OUT/bench.err" || status=$?
		((status == 0)) || fail sg_bench "exited with status $status"
	fi
	# The request benchmark needs the daemon, started only now.  It logs
	# a line per seal: to tmpfs, as to journald's pipe, not through the
	# VM's shared folder, where one write costs about 0.5 ms.
	DAEMON_LOG=/run/sealguardd-bench.log
	if daemon_start --state-db ''; then
		status=0
		(cd "$WORK" && "$BUILD/bench/sg_bench_request") >>"$OUT/bench.md" 2>>"$OUT/bench.err" || status=$?
		((status == 0)) || fail sg_bench_request "exited with status $status"
	fi
	# Again under the policy sg_bench generated, if it did.
	policy=/dev/shm/sg-bench/policy.d
	if [[ -d $policy ]] && daemon_stop && daemon_start --state-db '' --policy-dir "$policy"; then
		status=0
		(cd "$WORK" && "$BUILD/bench/sg_bench_request" --title "with sg_bench's $(cat "$policy"/*.yaml | grep -c '^  - name:')-rule policy") \
			>>"$OUT/bench.md" 2>>"$OUT/bench.err" || status=$?
		((status == 0)) || fail sg_bench_request "exited with status $status under $policy"
	fi
	cp "$DAEMON_LOG" "$OUT/sealguardd.log" 2>/dev/null
	cat "$OUT/bench.md" "$OUT/bench.err"
	;;
*)
	fail guest "unknown mode '$MODE'"
	;;
esac
finish
