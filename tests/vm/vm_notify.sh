#!/usr/bin/env bash
# What the daemon tells systemd, read from a NOTIFY_SOCKET the test binds
# (the VM has no systemd as PID 1): READY=1 at start; WATCHDOG=1 at about
# half of WATCHDOG_USEC; on SIGHUP (Type=notify-reload's signal) and on a
# RELOAD request (the unit's ExecReload=sealctl reload) RELOADING=1 with a
# MONOTONIC_USEC taken after the signal, then READY=1 with ERRNO=0; a
# refused policy ends its reload with READY=1, ERRNO= and STATUS= saying
# why, `sealctl reload` exits 1, and the old policy stays enforced.
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail
SUITE=notify
# shellcheck source=tests/vm/shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-notify.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
POL=$TMP/policies.d
NSOCK=$TMP/notify.sock
MSGS=$TMP/notify.log
trap 'rm -rf "$TMP"; [[ -n ${LISTENER:-} ]] && kill "$LISTENER" 2>/dev/null' EXIT
GROW=4
mono_us() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)'; }

# Each datagram as one line: the guest's CLOCK_MONOTONIC (us) when it
# arrived, then its fields joined by '|'.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    print("listening", flush=True)
    while True:
        m = s.recv(65536).decode()
        out.write("%d %s\n" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000, m.strip().replace("\n", "|")))
' "$NSOCK" "$MSGS" >"$TMP/listener.out" &
LISTENER=$!
for _ in $(seq 100); do grep -q listening "$TMP/listener.out" 2>/dev/null && break; sleep 0.1; done
chmod 777 "$TMP" "$NSOCK" # the daemon has dropped its capabilities when it pings

mkdir -p "$POL" "$TMP/d"
# Made before any policy: opening it under the apply rule would seal it.
printf 'data' >"$TMP/d/after-refusal"
cat >"$POL/10-notify.yaml" <<YAML
version: 1
rules:
  - name: open-d
    kind: apply
    on: open
    file: { path: $TMP/d }
    seals: grow
YAML
cp "$POL/10-notify.yaml" "$TMP/good.yaml"

# The n-th (from 1) message holding $1 after line $2 of the log; "" if none.
msg_after() { tail -n +"$(($2 + 1))" "$MSGS" | grep -F -- "$1" | sed -n "${3:-1}p"; }
# Waits until a message holding $1 arrives after line $2.
wait_msg() { for _ in $(seq 200); do [[ -n $(msg_after "$1" "$2") ]] && return 0; sleep 0.1; done; return 1; }
field() { tr '|' '\n' <<<"${1#* }" | sed -n "s/^$2=//p"; } # message field value

# ---- start: READY=1, then watchdog pings at half of 2 s ----------------------------
NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=2000000 start_daemon --policy-dir "$POL"
check started yes "$(yes_if '[[ -S $SOCK ]]')" "$(tail -3 "$DAEMON_LOG")"
wait_msg READY=1 0
ready=$(msg_after READY=1 0)
check ready "enforcing; serving $SOCK" "$(field "$ready" STATUS)" "($(cat "$MSGS"))"
check watchdog-logged 1 "$(grep -c 'watchdog: a ping every 1000 ms' "$DAEMON_LOG")"
sleep 5.5
# Pings in the 5 s after READY=1, and the longest gap between two of them:
# 1 s apart, never as long as the 2 s the manager waits.
t_ready=${ready%% *}
pings=$(awk -v t0="$t_ready" '$2 == "WATCHDOG=1" && $1 >= t0 && $1 <= t0 + 5000000 { print $1 }' "$MSGS")
n=$(wc -l <<<"$pings")
check watchdog-rate yes "$(yes_if '((n >= 4 && n <= 7))')" "($n pings in 5 s)"
gap=$(awk 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1 } END { print int(m / 1000) }' <<<"$pings")
check watchdog-gap yes "$(yes_if '((gap >= 800 && gap < 1900))')" "(longest gap $gap ms)"
check watchdog-only-field 0 "$(grep -c 'WATCHDOG=1|' "$MSGS")"

# ---- SIGHUP with a good policy --------------------------------------------------------
gen=$("$SEALCTL" --json status | jq .policy_generation)
mark=$(wc -l <"$MSGS")
t0=$(mono_us)
kill -HUP "$(daemon_pid)"
wait_msg "READY=1" "$mark"
t1=$(mono_us)
rel=$(msg_after RELOADING=1 "$mark")
us=$(field "$rel" MONOTONIC_USEC)
check hup-reloading-monotonic yes "$(yes_if '[[ -n $us ]] && ((us >= t0 && us <= t1))')" "($t0 <= '$us' <= $t1: $rel)"
# Close to when it arrived: the daemon's clock is the guest's CLOCK_MONOTONIC.
arrived=${rel%% *}
check hup-monotonic-is-guest-clock yes "$(yes_if '[[ -n $us ]] && ((arrived - us >= 0 && arrived - us < 1000000))')" "($arrived - $us)"
done_msg=$(msg_after READY=1 "$mark")
check hup-ready-after yes "$(yes_if '[[ ${done_msg%% *} -ge ${rel%% *} ]]')" "($(tail -n +"$((mark + 1))" "$MSGS" | grep -v WATCHDOG))"
check hup-ready-fields "0|policy generation $((gen + 1))" "$(field "$done_msg" ERRNO)|$(field "$done_msg" STATUS)"
gen=$((gen + 1))

# ---- SIGHUP with a refused policy --------------------------------------------------------
printf '  - name: broken\n    kind: apply\n    on: open\n    seals: wrte\n' >>"$POL/10-notify.yaml"
want_msg=$("$SEALCTL" policy check "$POL/10-notify.yaml" 2>&1)
mark=$(wc -l <"$MSGS")
t0=$(mono_us)
kill -HUP "$(daemon_pid)"
wait_msg "READY=1" "$mark"
t1=$(mono_us)
rel=$(msg_after RELOADING=1 "$mark")
us=$(field "$rel" MONOTONIC_USEC)
check bad-reloading-monotonic yes "$(yes_if '[[ -n $us ]] && ((us >= t0 && us <= t1))')" "($rel)"
done_msg=$(msg_after READY=1 "$mark")
EINVAL=$(python3 -c 'import errno; print(errno.EINVAL)')
check bad-ready-errno "$EINVAL" "$(field "$done_msg" ERRNO)" "($done_msg)"
check bad-ready-status "policy generation $gen in force; reload refused: $want_msg" "$(field "$done_msg" STATUS)"
check bad-generation-kept "$gen" "$("$SEALCTL" --json status | jq .policy_generation)"
# The old policy is still enforced: its apply rule seals a file on open.
"$PROBE" open "$TMP/d/after-refusal" >/dev/null
check bad-old-policy-enforced "$GROW EPERM" "$("$PROBE" seals "$TMP/d/after-refusal") $("$PROBE" append "$TMP/d/after-refusal")"
check bad-file-unchanged 4 "$(stat -c %s "$TMP/d/after-refusal")"

# ---- the unit's ExecReload=: sealctl reload, refused then accepted ------------------------
mark=$(wc -l <"$MSGS")
out=$("$SEALCTL" reload 2>&1); rc=$?
check execreload-refused-exit 1 $rc "($out)"
wait_msg "READY=1" "$mark"
r=$(msg_after RELOADING=1 "$mark") d=$(msg_after READY=1 "$mark")
check execreload-refused-notified "yes|$EINVAL" "$(yes_if '[[ -n $(field "$r" MONOTONIC_USEC) ]]')|$(field "$d" ERRNO)" "($r $d)"
cp "$TMP/good.yaml" "$POL/10-notify.yaml"
mark=$(wc -l <"$MSGS")
out=$("$SEALCTL" reload 2>&1); rc=$?
check execreload-ok-exit 0 $rc "($out)"
wait_msg "READY=1" "$mark"
r=$(msg_after RELOADING=1 "$mark") d=$(msg_after READY=1 "$mark")
check execreload-ok-notified "yes|0|policy generation $((gen + 1))" \
	"$(yes_if '[[ -n $(field "$r" MONOTONIC_USEC) ]]')|$(field "$d" ERRNO)|$(field "$d" STATUS)" "($r $d)"

# ---- without WATCHDOG_USEC: no pings ------------------------------------------------------------
NOTIFY_SOCKET=$NSOCK start_daemon --policy-dir "$POL"
mark=$(wc -l <"$MSGS")
sleep 3
check no-watchdog-no-pings 0 "$(tail -n +"$((mark + 1))" "$MSGS" | grep -c WATCHDOG=1)"

# Back to the built-in policy, without a notify socket, for whoever runs next.
start_daemon
check builtin-again 0 "$("$SEALCTL" --json status | jq .policy_rules)"
exit 0
