#!/usr/bin/env bash
# Never lose a seal across the daemon's life (issue #5, point 1): while a
# hammer tries every write path against sealed files in a tight loop, the
# daemon is killed with SIGKILL, stopped with SIGTERM, restarted, and
# upgraded twice by replacing its executable (rename over it, as a
# package manager does) and starting the new one before the old one stops;
# it waits for the old one to exit, attaches fresh programs and only then
# swaps the pinned links.  Zero writes may land and
# no seal may be lost: checked by the hammer's count, checksums, sizes,
# 'sealctl seals' and 'sealctl list', and the pinned links' program ids.
#
# The daemon runs here from an installed-like copy, since the upgrade
# writes to its directory; the build tree's daemon is back at the end.
set -uo pipefail
SUITE=restart
# shellcheck source=shlib.sh
source "$(dirname "$0")/shlib.sh"
HAMMER=$BUILD/tests/vm/sg_hammer
PIN=/sys/fs/bpf/sealguard
TMP=$(mktemp -d /dev/shm/sg-restart.XXXXXX)
INST=$(mktemp -d /run/sg-restart.XXXXXX)
DAEMON_LOG=$TMP/daemon.log
SECONDS_HAMMER=${SG_HAMMER_SECONDS:-40}
trap 'rm -rf "$TMP" "$INST"; [[ -n ${HPID:-} ]] && kill "$HPID" 2>/dev/null' EXIT

launch_installed() {
	rm -f "$SOCK"
	"$INST/sbin/sealguardd" --socket "$SOCK" >>"$DAEMON_LOG" 2>&1 &
	echo $! >"${SG_DAEMON_PIDFILE:?}"
}
wait_serving() {
	for _ in $(seq 600); do [[ -S $SOCK ]] && return 0; sleep 0.1; done
	return 1
}
start_installed() { launch_installed; wait_serving; }
link_prog() { bpftool link show pinned "$PIN/links/sg_file_permission" | sed -n 's/.*prog \([0-9]*\).*/\1/p'; }

# A clean slate, then the daemon from its "installed" place.
old=$(daemon_pid)
"$SEALCTL" unload >/dev/null; check unload-build-daemon 0 $?
wait_gone "$old"
mkdir -p "$INST/sbin"
cp "$DAEMON" "$INST/sbin/sealguardd"
start_installed; check installed-started 0 $? "$(cat "$DAEMON_LOG")"

a=$TMP/write-sealed b=$TMP/future-write-sealed
head -c 8192 /dev/urandom >"$a"
head -c 8192 /dev/urandom >"$b"
"$SEALCTL" seal "$a" write,shrink,grow >/dev/null; check seal-a 0 $?
"$SEALCTL" seal "$b" future-write,shrink,grow >/dev/null; check seal-b 0 $?
want=$(sums "$a" "$b")

u=$TMP/unsealed
head -c 8192 /dev/zero >"$u"
"$HAMMER" -m "$u" "$SECONDS_HAMMER" "$a" "$b" >"$TMP/hammer.out" 2>"$TMP/hammer.err" &
HPID=$!
sleep 2

# 1. kill -9: nothing serves, the pins enforce; a new daemon adopts them.
p=$(daemon_pid); kill -KILL "$p"; wait_gone "$p"
sleep 2
check seals-while-dead yes "$(yes_if '[[ -e $PIN/links/sg_file_permission ]]')"
start_installed; check restart-after-kill 0 $?
check seals-after-kill "shrink,grow,write" "$("$SEALCTL" seals "$a")"

# 2. SIGTERM: a clean stop leaves the same.
p=$(daemon_pid); kill -TERM "$p"; wait_gone "$p"
sleep 1
start_installed; check restart-after-term 0 $?
check seals-after-term "shrink,grow,future-write" "$("$SEALCTL" seals "$b")"

# 3. Upgrades: a new executable renamed over the old one, then a restart.
# Its programs are new instances (new ids) that replace the old in the
# pinned links while the hammer runs.
for n in 1 2; do
	before=$(link_prog)
	cp "$DAEMON" "$INST/sbin/.sealguardd.new"
	printf 'upgrade %s\n' "$n" >>"$INST/sbin/.sealguardd.new" # another file, other content
	mv -f "$INST/sbin/.sealguardd.new" "$INST/sbin/sealguardd"
	p=$(daemon_pid)
	# The new daemon starts before the old one stops, as an overlapping
	# restart would: it waits for the old one to exit (the tamper guard
	# gives the pins to one registered daemon), then adopts them.
	launch_installed
	for _ in $(seq 100); do grep -q "pid $p) holds the pins" "$DAEMON_LOG" && break; sleep 0.1; done
	check "upgrade-$n-waits" yes "$(yes_if '[[ -d /proc/$p ]] && ! [[ -S $SOCK ]] && grep -q "pid $p) holds the pins" "$DAEMON_LOG"')"
	kill -TERM "$p"; wait_gone "$p"
	wait_serving; check "upgrade-$n-started" 0 $? "$(tail -3 "$DAEMON_LOG")"
	after=$(link_prog)
	check "upgrade-$n-new-programs" yes "$(yes_if '[[ -n $before && -n $after && $before != "$after" ]]')" "($before -> $after)"
	check "upgrade-$n-serves" "shrink,grow,write" "$("$SEALCTL" seals "$a")"
	sleep 2
done
# and one more kill -9 of the upgraded daemon
p=$(daemon_pid); kill -KILL "$p"; wait_gone "$p"
start_installed; check restart-after-upgrade-kill 0 $?

wait "$HPID"; HPID=
read -r _ attempts _ breaches <"$TMP/hammer.out"
echo "# hammer: ${attempts:-?} attempts in $SECONDS_HAMMER s over 2 files, ${breaches:-?} landed"
check hammer-ran yes "$(yes_if '((${attempts:-0} > 1000))')" "(attempts ${attempts:-none}; $(cat "$TMP/hammer.err"))"
check zero-writes-landed 0 "${breaches:-none}" "$(tail -n +2 "$TMP/hammer.out")"
check content-and-size "$want" "$(sums "$a" "$b")"
check seals-kept-a "shrink,grow,write" "$("$SEALCTL" seals "$a")"
check seals-kept-b "shrink,grow,future-write" "$("$SEALCTL" seals "$b")"
check listed-a yes "$(yes_if '"$SEALCTL" list | grep -qF "$a"')"
check listed-b yes "$(yes_if '"$SEALCTL" list | grep -qF "$b"')"
check one-daemon 1 "$(pgrep -c -x sealguardd)"
# Writable mappings made while two generations of programs ran are
# counted once and uncounted once: a count left in flight would make WRITE
# answer EBUSY for good on the file the loop mapped (its bucket).
"$SEALCTL" seal "$u" write >"$TMP/seal-u.out" 2>&1
check nothing-in-flight "0 write" "$? $("$SEALCTL" seals "$u")" "($(cat "$TMP/seal-u.out"))"

# Back to the build tree's daemon for the programs after this one.
p=$(daemon_pid)
"$SEALCTL" unload >/dev/null; check unload-installed 0 $?
wait_gone "$p"
start_daemon; check build-daemon-back 0 $? "$(tail -3 "$DAEMON_LOG")"
exit 0
