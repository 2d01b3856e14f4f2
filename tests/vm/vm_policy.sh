#!/usr/bin/env bash
# Policy files in the VM: allow rules decide seal requests by uid, exe,
# comm, cgroup, path, memfd name and owner; a refused request is EPERM and
# seals nothing; a bad file on reload or SIGHUP leaves the policy in
# force; a bad policy at start stops the daemon with file:line:column.
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail

SUITE=policy
# shellcheck source=tests/vm/shlib.sh
source "$(dirname "$0")/shlib.sh"
TMP=$(mktemp -d /dev/shm/sg-policy.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
POL=$TMP/policies.d
mkdir -p "$POL" "$TMP/allowed" "$TMP/other"
chmod 777 "$TMP/allowed" "$TMP/other"
trap 'rm -rf "$TMP"; [[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null' EXIT

mkfile() { printf 'data' >"$1"; chown "${2:-$NOBODY}" "$1"; }

# ---- the shipped policies are valid --------------------------------------------
for f in "$SRC"/policies/*.yaml; do
	out=$("$SEALCTL" policy check "$f" 2>&1); rc=$?
	check "shipped-$(basename "$f" .yaml)" 0 $rc "($out)"
done

# ---- allow rules ------------------------------------------------------------------
cat >"$POL/10-test.yaml" <<YAML
version: 1
rules:
  - name: nobody-in-allowed
    kind: allow
    process: { uid: $NOBODY }
    file: { path: $TMP/allowed, owner: $NOBODY }
    seals: [shrink, grow]
  - name: root-cursor-memfds
    kind: allow
    process: { uid: 0, exe: $(realpath "$SEALCTL"), comm: sealctl }
    file: { fs: memfd, memfd: 'cursor-*' }
    seals: [future-write]
  - name: cgroup-writers
    kind: allow
    process: { cgroup: /sg-policy }
    file: { fs: tmpfs }
    seals: write
YAML
start_daemon --policy-dir "$POL"
check started-with-policy yes "$(yes_if '[[ -S $SOCK ]]')" "$(tail -3 "$TMP/daemon.log")"
check status-rules 3 "$("$SEALCTL" --json status | jq .policy_rules)"

f=$TMP/allowed/a; mkfile "$f"
check allowed-seal grow "$(as_nobody "$SEALCTL" seal "$f" grow 2>&1)"
check allowed-enforced refused "$(as_nobody sh -c "printf x >>'$f'" 2>/dev/null && echo ok || echo refused)"
as_nobody "$SEALCTL" seal "$f" write 2>"$TMP/err"; rc=$?
check refused-bit-exit "1 yes" "$rc $(yes_if 'grep -q "Operation not permitted" "$TMP/err"')" "($(cat "$TMP/err"))"
check refused-bit-not-applied grow "$("$SEALCTL" seals "$f")"
check refused-bit-logged 1 "$(grep -c "refused seals write on $f for pid .* uid $NOBODY .*: the policy allows no write here" "$TMP/daemon.log")"
# Subscribers see refused requests as events.
"$SEALCTL" --json events --count 1 --timeout 20 >"$TMP/ev.json" 2>"$TMP/ev.err" &
follow=$!
for _ in $(seq 100); do grep -q following "$TMP/ev.err" && break; sleep 0.1; done
as_nobody "$SEALCTL" seal "$f" exec 2>/dev/null
wait "$follow"
check refused-request-event "request EPERM $f $NOBODY exec" \
	"$(jq -r '"\(.op) \(.error) \(.path) \(.uid) \(.seals | join(","))"' "$TMP/ev.json")" "($(cat "$TMP/ev.json" "$TMP/ev.err"))"
g=$TMP/other/b; mkfile "$g"
as_nobody "$SEALCTL" seal "$g" grow 2>/dev/null; check other-path-refused 1 $?
check other-path-unsealed none "$("$SEALCTL" seals "$g")"
check other-path-writable ok "$(as_nobody sh -c "printf x >>'$g'" 2>/dev/null && echo ok || echo refused)"
h=$TMP/allowed/rootowned; mkfile "$h" 0; chmod 666 "$h"
as_nobody "$SEALCTL" seal "$h" grow 2>/dev/null; check owner-mismatch-refused 1 $?
# Root is bound by the policy like anyone on the socket.
"$SEALCTL" seal "$f" shrink 2>/dev/null; check root-not-allowed 1 $?

# memfd name, exe and comm.
python3 -c 'import os,time; a=os.memfd_create("cursor-1",0); b=os.memfd_create("other",0); print(a,b,flush=True); time.sleep(60)' >"$TMP/holder" &
HOLDER=$!
for _ in $(seq 50); do [[ -s $TMP/holder ]] && break; sleep 0.1; done
read -r cfd ofd <"$TMP/holder"
check memfd-name-allowed future-write "$("$SEALCTL" seal "/proc/$HOLDER/fd/$cfd" future-write 2>&1)"
"$SEALCTL" seal "/proc/$HOLDER/fd/$ofd" future-write 2>/dev/null; check memfd-name-refused 1 $?
cp "$SEALCTL" "$TMP/sealctl-copy"
"$TMP/sealctl-copy" seal "/proc/$HOLDER/fd/$cfd" future-write >/dev/null 2>&1; check other-exe-refused 1 $?
kill "$HOLDER"; HOLDER=

# cgroup.
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/sg-policy/inner
k=$TMP/other/c; mkfile "$k" 0
out=$(sh -c 'echo $$ >/sys/fs/cgroup/sg-policy/inner/cgroup.procs && exec "$@"' sh "$SEALCTL" seal "$k" write 2>&1)
check cgroup-prefix-allowed write "$out"
"$SEALCTL" seal "$TMP/other/c" grow 2>/dev/null; check outside-cgroup-refused 1 $?

# ---- reloads keep the policy in force unless the new one is valid ------------------
printf 'version: 1\nrules:\n  - name: x\n    kind: allow\n    seals: [wrte]\n' >"$POL/20-bad.yaml"
out=$("$SEALCTL" reload 2>&1); rc=$?
check bad-reload "1 yes" "$rc $(yes_if '[[ $out == *"$POL/20-bad.yaml:5:13: unknown seal '"'"'wrte'"'"'"* ]]')" "($out)"
check bad-reload-rules-kept 3 "$("$SEALCTL" --json status | jq .policy_rules)"
kill -HUP "$("$SEALCTL" --json status | jq .pid)"; sleep 0.5
check bad-sighup-logged 1 "$(grep -c "SIGHUP reload failed: $POL/20-bad.yaml:5:13" "$TMP/daemon.log")"
f2=$TMP/allowed/d; mkfile "$f2"
check old-policy-in-force grow "$(as_nobody "$SEALCTL" seal "$f2" grow 2>&1)"
check seals-kept-after-bad-reload grow "$("$SEALCTL" seals "$f")"

# A valid change takes effect at once; seals added before stay.
rm "$POL/20-bad.yaml"
printf 'version: 1\nrules:\n  - name: only-exec\n    kind: allow\n    seals: exec\n' >"$POL/10-test.yaml"
out=$("$SEALCTL" --json reload); rc=$?
check good-reload "0 true 1" "$rc $(jq .ok <<<"$out") $("$SEALCTL" --json status | jq .policy_rules)" "($out)"
f3=$TMP/allowed/e; mkfile "$f3"
as_nobody "$SEALCTL" seal "$f3" grow 2>/dev/null; check new-policy-refuses 1 $?
check seals-kept-after-reload grow "$("$SEALCTL" seals "$f")"
check enforced-after-reload refused "$(as_nobody sh -c "printf x >>'$f'" 2>/dev/null && echo ok || echo refused)"

# ---- the compositor case: SHRINK applied when the compositor receives a buffer -------
# The "compositor" is a copy of python3: its own inode, so only it matches.
WL=$SRC/tests/vm/wl_buffer.py
cp "$(readlink -f "$(command -v python3)")" "$TMP/compositor"
wl_scenario() { # prints the client's "<outcome> <size> <answer>"
	local sock=$TMP/wl.$RANDOM
	"$TMP/compositor" "$WL" compositor "$sock" >"$TMP/wl.out" 2>&1 &
	for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
	python3 "$WL" client "$sock"
	wait "$!" 2>/dev/null
}
check compositor-without-policy "truncated 0 compositor-died" "$(wl_scenario)"
WLD=$TMP/wl.d
mkdir -p "$WLD"
cp "$SRC/policies/default.yaml" "$WLD/"
cat >"$WLD/50-compositor.yaml" <<YAML
version: 1
rules:
  - name: test-compositor-buffers
    kind: apply
    on: receive
    process: { exe: $TMP/compositor }
    file: { fs: [tmpfs, memfd] }
    seals: [shrink]
YAML
start_daemon --policy-dir "$WLD"
check compositor-with-policy "EPERM 8192 read-ok" "$(wl_scenario)"
# A read-only fd of another user's file, sent by nobody: the compositor
# maps it, but does not seal it (F_ADD_SEALS needs a writable fd), so its
# owner can still resize it.
victim=/dev/shm/sg-wl-victim.$$
head -c 8192 /dev/zero | tr '\0' x >"$victim"
chmod 644 "$victim"
sock=$TMP/wl.ro
"$TMP/compositor" "$WL" compositor "$sock" >/dev/null 2>&1 &
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
chmod 777 "$sock"
check compositor-read-only-fd "read-ok" "$(as_nobody python3 "$WL" client-ro "$sock" "$victim")"
wait "$!" 2>/dev/null
check compositor-read-only-fd-unsealed none "$("$SEALCTL" seals "$victim")"
check compositor-read-only-fd-owner-truncates 0 "$(truncate -s 4096 "$victim"; echo $?)"
rm -f "$victim"
# Another receiver (plain python3) seals nothing.
sock=$TMP/wl.other
python3 "$WL" compositor "$sock" >/dev/null 2>&1 &
other=$!
for _ in $(seq 100); do [[ -S $sock ]] && break; sleep 0.1; done
check other-receiver-unaffected "truncated 0 compositor-died" "$(python3 "$WL" client "$sock")"
wait "$other" 2>/dev/null # SIGBUS, as expected
# The shipped file loads; compositors not installed here are left out, said once each.
cp "$SRC/policies/wayland-compositor.yaml" "$WLD/"
out=$("$SEALCTL" reload 2>&1); rc=$?
check shipped-compositor-policy-loads 0 $rc "($out)"
check missing-exe-logged 1 "$(grep -c "apply rule 'sway-buffers' left out: exe /usr/bin/sway" "$TMP/daemon.log")"
check compositor-after-reload "EPERM 8192 read-ok" "$(wl_scenario)"

# ---- a bad policy at start stops the daemon, saying where ---------------------------
printf 'version: 1\nrules:\n  - name: x\n    kind: allow\n    seals: [grow]\n    colour: red\n' >"$POL/30-bad.yaml"
out=$(timeout 20 "$DAEMON" --socket "$TMP/never.sock" --policy-dir "$POL" 2>&1); rc=$?
check bad-start "1 yes" "$rc $(yes_if '[[ $out == *"$POL/30-bad.yaml:6:5: unknown key '"'"'colour'"'"'"* ]]')" "($out)"

# Back to the built-in policy for whoever runs next.
start_daemon
check builtin-again 0 "$("$SEALCTL" --json status | jq .policy_rules)"
exit 0
