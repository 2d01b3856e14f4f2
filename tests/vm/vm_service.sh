#!/usr/bin/env bash
# The request service as users meet it, inside the VM: every sealctl
# command in text and --json (parsed with jq), an unprivileged user who
# may seal its own files but not run admin requests, the admin group,
# SIGHUP reload and the idle-client timeout.  Restarts the daemon with
# --admin-group and --client-timeout, and leaves it running that way.
set -uo pipefail

BUILD=$(cd "$(dirname "$0")/../.." && pwd)
SEALCTL=$BUILD/user/sealctl
DAEMON=$BUILD/user/sealguardd
SOCK=${SEALGUARD_SOCKET:?guest.sh exports SEALGUARD_SOCKET}
NOBODY=65534
ADMIN_GID=4242
TMP=$(mktemp -d /dev/shm/sg-service.XXXXXX)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"; [[ -n ${FOLLOW:-} ]] && kill "$FOLLOW" 2>/dev/null' EXIT

check() { # name expected actual [detail]
	if [[ $2 == "$3" ]]; then echo "PASS service/$1"; else echo "FAIL service/$1: expected '$2', got '$3' ${4:-}"; fi
}
yes_if() { if eval "$1"; then echo yes; else echo no; fi; }
as_nobody() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }
as_admin() { setpriv --reuid=$NOBODY --regid=$NOBODY --groups=$ADMIN_GID "$@"; }

restart_daemon() { # extra daemon options
	local old
	old=$("$SEALCTL" --json status | jq -r .pid)
	kill -TERM "$old"
	for _ in $(seq 100); do [[ -d /proc/$old ]] && [[ $(awk '{print $3}' /proc/$old/stat 2>/dev/null) != Z ]] || break; sleep 0.1; done
	rm -f "$SOCK"
	"$DAEMON" --socket "$SOCK" "$@" >>"$TMP/daemon.log" 2>&1 &
	echo $! >"${SG_DAEMON_PIDFILE:?guest.sh exports SG_DAEMON_PIDFILE}"
	for _ in $(seq 600); do [[ -S $SOCK ]] && break; sleep 0.1; done
	check "restart${1:+-${1#--}}" yes "$([[ -S $SOCK ]] && echo yes || echo no)" "$(cat "$TMP/daemon.log")"
}

# ---- seal and seals, text and JSON -----------------------------------------
f=$TMP/plain
printf 'hello' >"$f"
check seal-text "shrink,grow" "$("$SEALCTL" seal "$f" shrink,grow)"
out=$("$SEALCTL" --json seal "$f" seal)
check seal-json-seals '["seal","shrink","grow"]' "$(jq -c .seals <<<"$out")" "($out)"
check seal-json-mask 7 "$(jq .mask <<<"$out")"
check seal-json-path "$f" "$(jq -r .path <<<"$out")"
out=$("$SEALCTL" seals --json "$f")
check seals-json '["seal","shrink","grow"]' "$(jq -c .seals <<<"$out")" "($out)"
check seals-text "seal,shrink,grow" "$("$SEALCTL" seals "$f")"
"$SEALCTL" seal "$f" write 2>"$TMP/err"; check seal-after-seal-exit 1 $?
check seal-after-seal-says-why yes "$(yes_if '[[ $(cat "$TMP/err") == *"Operation not permitted"* ]]')" "($(cat "$TMP/err"))"
"$SEALCTL" seal "$f" bogus 2>/dev/null; check usage-exit 2 $?
"$SEALCTL" frobnicate 2>/dev/null; check unknown-command-exit 2 $?

# --help pages are complete man-style pages.
for cmd in seal seals status list events reload; do
	page=$("$SEALCTL" "$cmd" --help); rc=$?
	ok=yes
	for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do
		grep -q "^$section" <<<"$page" || ok="no $section"
	done
	check "help-$cmd" "0 yes" "$rc $ok"
done

# ---- admin requests as root --------------------------------------------------
out=$("$SEALCTL" --json status); rc=$?
check status-exit 0 $rc
check status-json-pid yes "$(yes_if '[[ $(jq .pid <<<"$out") =~ ^[0-9]+$ ]] && [[ -d /proc/$(jq .pid <<<"$out") ]]')" "($out)"
check status-json-counters yes "$(yes_if 'jq -e ".requests_allowed >= 3 and .requests_refused >= 1 and (.denials | has(\"write\", \"mmap\", \"mprotect\", \"truncate\", \"fallocate\", \"chmod\")) and has(\"events_dropped\")" <<<"$out" >/dev/null')" "($out)"
check status-text yes "$(yes_if '"$SEALCTL" status | grep -q "^requests:"')"

out=$("$SEALCTL" --json list); rc=$?
check list-exit 0 $rc
check list-json-finds-file "seal,shrink,grow" "$(jq -r --arg p "$f" '.[] | select(.path == $p) | .seals | join(",")' <<<"$out")" "($out)"
check list-json-ino "$(stat -c %i "$f")" "$(jq -r --arg p "$f" '.[] | select(.path == $p) | .ino' <<<"$out")"
check list-text yes "$(yes_if '"$SEALCTL" list | grep -qF "$f"')"
# Many files: the listing pages through them all.
for i in $(seq 120); do printf x >"$TMP/many.$i"; done
"$SEALCTL" seal "$TMP"/many.1 grow >/dev/null
for i in $(seq 2 120); do "$SEALCTL" seal "$TMP/many.$i" grow >/dev/null; done
check list-pages 120 "$("$SEALCTL" --json list | jq --arg d "$TMP/many." '[.[] | select(.path | startswith($d))] | length')"
# A freed inode leaves the list: its seal and its entry go together.
rm -f "$TMP"/many.*
sync; echo 2 >/proc/sys/vm/drop_caches
left=$("$SEALCTL" --json list | jq --arg d "$TMP/many." '[.[] | select(.path | startswith($d))] | length')
check list-forgets-freed 0 "$left"

out=$("$SEALCTL" --json reload); rc=$?
check reload-exit 0 $rc
check reload-json yes "$(yes_if 'jq -e ".ok == true and (.generation | type) == \"number\" and (.message | length) > 0" <<<"$out" >/dev/null')" "($out)"
gen=$(jq .generation <<<"$out")
pid=$("$SEALCTL" --json status | jq .pid)
kill -HUP "$pid"; sleep 0.5
check sighup-reload $((gen + 1)) "$("$SEALCTL" --json status | jq .policy_generation)"
check reload-text yes "$(yes_if '"$SEALCTL" reload | grep -q "^policy generation"')"

# ---- events, followed live ------------------------------------------------------
g=$TMP/events
printf 'keep' >"$g"
"$SEALCTL" seal "$g" write >/dev/null
"$SEALCTL" --json events --count 1 --timeout 20 >"$TMP/events.json" 2>"$TMP/events.err" &
FOLLOW=$!
for _ in $(seq 100); do grep -q following "$TMP/events.err" && break; sleep 0.1; done
sh -c "printf x >>'$g'" 2>/dev/null
wait "$FOLLOW"; rc=$?; FOLLOW=
check events-exit 0 $rc "($(cat "$TMP/events.err"))"
ev=$(head -1 "$TMP/events.json")
check events-json "write EPERM $g sh 0 $(stat -c %i "$g")" \
	"$(jq -r '"\(.op) \(.error) \(.path) \(.comm) \(.uid) \(.ino)"' <<<"$ev")" "($ev)"
check events-content keep "$(cat "$g")"
"$SEALCTL" events --count 1 --timeout 1 >/dev/null 2>&1; check events-timeout-exit 1 $?
# Followed without end, then told to stop: SIGTERM ends the wait at once.
"$SEALCTL" events >/dev/null 2>"$TMP/events-term.err" &
FOLLOW=$!
for _ in $(seq 100); do grep -q following "$TMP/events-term.err" && break; sleep 0.1; done
kill -TERM "$FOLLOW"
for _ in $(seq 50); do kill -0 "$FOLLOW" 2>/dev/null || break; sleep 0.1; done
check events-sigterm gone "$(kill -0 "$FOLLOW" 2>/dev/null && echo running || echo gone)"
kill -KILL "$FOLLOW" 2>/dev/null; wait "$FOLLOW"; rc=$?; FOLLOW=
check events-sigterm-exit 0 $rc

# ---- an unprivileged user -------------------------------------------------------
mine=$TMP/nobody-file
printf 'mine' >"$mine"; chown $NOBODY:$NOBODY "$mine"
check nobody-seal "grow" "$(as_nobody "$SEALCTL" seal "$mine" grow 2>&1)"
check nobody-seals "grow" "$(as_nobody "$SEALCTL" seals "$mine" 2>&1)"
check nobody-grow-refused refused "$(as_nobody sh -c "printf x >>'$mine'" 2>/dev/null && echo ok || echo refused)"
check nobody-content mine "$(cat "$mine")"
theirs=$TMP/root-file
printf 'root' >"$theirs"; chmod 644 "$theirs"
as_nobody "$SEALCTL" seal "$theirs" write 2>"$TMP/err"; rc=$?
check nobody-cannot-seal-readonly 1 $rc "($(cat "$TMP/err"))"
check nobody-readonly-says-why yes "$(yes_if '[[ $(cat "$TMP/err") == *read-write* ]]')" "($(cat "$TMP/err"))"
check root-file-unsealed none "$("$SEALCTL" seals "$theirs")"
for cmd in status list reload "events --count 1 --timeout 2"; do
	# shellcheck disable=SC2086
	as_nobody "$SEALCTL" $cmd >/dev/null 2>"$TMP/err"; rc=$?
	check "nobody-${cmd%% *}-refused" "1 yes" "$rc $(yes_if '[[ $(cat "$TMP/err") == *admin-group* ]]')" "($(cat "$TMP/err"))"
done
as_nobody "$SEALCTL" --json status >/dev/null 2>&1; check nobody-status-json-refused 1 $?

# ---- the admin group, and idle clients ----------------------------------------
restart_daemon --admin-group $ADMIN_GID --client-timeout 2
out=$(as_admin "$SEALCTL" --json status 2>&1); rc=$?
check admin-group-status "0 yes" "$rc $(yes_if 'jq -e .pid <<<"$out" >/dev/null 2>&1')" "($out)"
check admin-group-list yes "$(yes_if 'as_admin "$SEALCTL" --json list | jq -e "type == \"array\"" >/dev/null')"
as_nobody "$SEALCTL" status >/dev/null 2>&1; check non-member-still-refused 1 $?

# Every seal added is logged: who (pid, uid, the cgroup read at request
# time), what, on which file; names cannot forge log lines.
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/sg-svc
audit=$TMP/audit-file
printf 'a' >"$audit"; chown $NOBODY:$NOBODY "$audit"
sh -c 'echo $$ >/sys/fs/cgroup/sg-svc/cgroup.procs && exec "$@"' sh \
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$SEALCTL" seal "$audit" shrink >/dev/null
line=$(grep -F "sealed shrink on $audit " "$TMP/daemon.log")
check audit-line yes "$(yes_if '[[ $line == *"uid $NOBODY cgroup /sg-svc"* ]]')" "($line)"
evil="$TMP/evil"$'\n'"sealguardd: sealed write on shadow"
printf 'e' >"$evil"
"$SEALCTL" seal "$evil" grow >/dev/null
check audit-no-forged-line 0 "$(grep -c '^sealguardd: sealed write on shadow' "$TMP/daemon.log")"
check audit-escaped-line 1 "$(grep -cF 'evil?sealguardd: sealed write on shadow' "$TMP/daemon.log")"
rmdir /sys/fs/cgroup/sg-svc 2>/dev/null

# A connection that sends nothing is closed after --client-timeout; one
# that follows events is not.
exec {idle}< <(python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
t = time.monotonic()
s.settimeout(10)
print("closed" if s.recv(64) == b"" else "data", round(time.monotonic() - t))
' "$SOCK")
read -r what secs <&$idle
check idle-client-closed "closed yes" "$what $(yes_if '((secs >= 1 && secs <= 4))')" "(after $secs s)"
"$SEALCTL" events --count 1 --timeout 4 >/dev/null 2>"$TMP/err"; rc=$?
check subscriber-not-expired yes "$(yes_if '[[ $(cat "$TMP/err") == *"0 of 1 events in 4 s"* ]]')" "(rc $rc: $(cat "$TMP/err"))"
exit 0
