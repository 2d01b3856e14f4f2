#!/usr/bin/env bash
# Rules the policy left out, visible: a policy naming a missing
# executable, a missing path and a missing cgroup next to a good rule.
# `sealctl status` (text and --json) lists exactly the three with their
# reasons and file:line:column, `sealctl policy check --resolve` says the
# same without the daemon, a refused reload keeps the list, and once the
# three exist a SIGHUP installs them: the list shrinks to nothing.
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail
SUITE=leftout
# shellcheck source=tests/vm/shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-leftout.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
POL=$TMP/policies.d
CG=/sys/fs/cgroup/sg-leftout
trap 'rm -rf "$TMP"; rmdir "$CG" 2>/dev/null' EXIT
GROW=4 SHRINK=2

mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
rmdir "$CG" 2>/dev/null
mkdir -p "$POL" "$TMP/d" "$TMP/bin"
printf 'data' >"$TMP/d/a"
printf 'data' >"$TMP/d/b"
F=$POL/10-leftout.yaml
cat >"$F" <<YAML
version: 1
rules:
  - name: good
    kind: apply
    on: open
    file: { path: $TMP/d }
    seals: grow
  - name: no-exe
    kind: apply
    on: open
    process: { exe: $TMP/bin/prog }
    file: { path: $TMP/d }
    seals: shrink
  - name: no-path
    kind: exempt
    file: { path: $TMP/gone }
  - name: no-cgroup
    kind: apply
    on: mmap
    process: { cgroup: /sg-leftout }
    seals: shrink
YAML
line_exe="$F:8:5: apply rule 'no-exe' left out: exe $TMP/bin/prog: No such file or directory"
line_path="$F:14:5: exempt rule 'no-path' left out: path $TMP/gone: No such file or directory"
line_cg="$F:17:5: apply rule 'no-cgroup' left out: cgroup /sg-leftout: $CG: No such file or directory"

# Without a daemon first: what this machine would leave out, status 0.
out=$("$SEALCTL" policy check --resolve "$F" 2>/dev/null); rc=$?  # stderr: warnings (tests/cli/policy_check.sh)
check resolve-text "0|$F: ok, 4 rules|$line_exe|$line_path|$line_cg" "$rc|$(paste -sd'|' <<<"$out")"
out=$("$SEALCTL" --json policy check --resolve "$F" | jq -c '.[0].left_out | map([.rule, .kind, .missing, .errno])')
check resolve-json '[["no-exe","apply","exe","ENOENT"],["no-path","exempt","path","ENOENT"],["no-cgroup","apply","cgroup","ENOENT"]]' "$out"

start_daemon --policy-dir "$POL"
check started yes "$(yes_if '[[ -S $SOCK ]]')" "$(tail -3 "$DAEMON_LOG")"
check logged 3 "$(grep -c "left out:" "$DAEMON_LOG")"
# The good rule is in force: opening a file under the directory seals it.
"$PROBE" open "$TMP/d/a" >/dev/null
check good-rule-applies $GROW "$("$PROBE" seals "$TMP/d/a")"

out=$("$SEALCTL" status); rc=$?
check status-rc 0 $rc
check status-count "left out:  3 rules (they match nothing until what they name appears):" \
	"$(grep '^left out:' <<<"$out")"
check status-lines "  $line_exe|  $line_path|  $line_cg" "$(grep '^  /' <<<"$out" | paste -sd'|')"
# The same lines as `policy check --resolve` and as the daemon's log.
check status-is-resolve "$("$SEALCTL" policy check --resolve "$F" | grep 'left out:')" \
	"$(grep '^  /' <<<"$out" | sed 's/^  //')"
check status-is-log "$line_exe|$line_path|$line_cg" "$(sed -n 's/^sealguardd: //p' "$DAEMON_LOG" | grep 'left out:' | paste -sd'|')"
json=$("$SEALCTL" --json status)
check json-left-out \
	'[["no-exe","apply","exe","ENOENT","'"$F"':8:5"],["no-path","exempt","path","ENOENT","'"$F"':14:5"],["no-cgroup","apply","cgroup","ENOENT","'"$F"':17:5"]]' \
	"$(jq -c '.left_out | map([.rule, .kind, .missing, .errno, .where])' <<<"$json")"
check json-reasons "exe $TMP/bin/prog: No such file or directory|path $TMP/gone: No such file or directory|cgroup /sg-leftout: $CG: No such file or directory" \
	"$(jq -r '.left_out[].reason' <<<"$json" | paste -sd'|')"
gen=$(jq .policy_generation <<<"$json")

# Waits for a SIGHUP reload to be answered: the generation moves, or the
# refusal is logged ($1: how many refusals the log should hold).
hup() {
	local pid
	pid=$(daemon_pid)
	kill -HUP "$pid"
	for _ in $(seq 100); do
		[[ $("$SEALCTL" --json status | jq .policy_generation) != "$gen" ]] && break
		[[ -n ${1:-} && $(grep -c 'SIGHUP reload failed' "$DAEMON_LOG") == "$1" ]] && break
		sleep 0.1
	done
	gen=$("$SEALCTL" --json status | jq .policy_generation)
}

# A refused reload keeps the policy in force, and so its list.
cp "$F" "$TMP/good.yaml"
printf '  - name: broken\n    kind: apply\n    seals: wrte\n' >>"$F"
before=$gen
hup 1
check refused-generation "$before" "$gen"
check refused-keeps-list '["no-exe","no-path","no-cgroup"]' "$("$SEALCTL" --json status | jq -c '.left_out | map(.rule)')"
cp "$TMP/good.yaml" "$F"

# The executable and the path appear: a reload installs their rules.
cp "$PROBE" "$TMP/bin/prog"
mkdir "$TMP/gone"
hup
check reload-generation $((before + 1)) "$gen"
check shrinks-to-cgroup '["no-cgroup"]' "$("$SEALCTL" --json status | jq -c '.left_out | map(.rule)')"
check shrinks-text "left out:  1 rules (they match nothing until what they name appears):|  $line_cg" \
	"$("$SEALCTL" status | sed -n '/^left out:/,$p' | paste -sd'|')"
# The no-exe rule is in force now: prog's open adds shrink too.
"$TMP/bin/prog" open "$TMP/d/b" >/dev/null
check exe-rule-installed $((GROW | SHRINK)) "$("$PROBE" seals "$TMP/d/b")"

# The cgroup too: nothing left out.
mkdir "$CG"
hup
check reload-generation-2 $((before + 2)) "$gen"
check nothing-left-out '[]' "$("$SEALCTL" --json status | jq -c .left_out)"
check nothing-left-out-text "left out:  0 rules" "$("$SEALCTL" status | sed -n '/^left out:/,$p' | paste -sd'|')"
out=$("$SEALCTL" policy check --resolve "$F" 2>/dev/null); rc=$?  # stderr: warnings (tests/cli/policy_check.sh)
check resolve-nothing "0|$F: ok, 4 rules" "$rc|$(paste -sd'|' <<<"$out")"

# Back to the built-in policy for whoever runs next.
start_daemon
check builtin-again '0 []' "$("$SEALCTL" --json status | jq -c '[.policy_rules, .left_out] | "\(.[0]) \(.[1])"' -r)"
exit 0
