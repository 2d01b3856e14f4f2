#!/usr/bin/env bash
# Policy rules the kernel enforces, in the VM: apply on open and on mmap
# with every process and file condition, exempt rules, a reload that
# drops rules but keeps the seals they added, and the shipped CursorWindow
# policy end to end (writer and reader, exact errnos, file contents).
# Apply on receive is vm_policy.sh's compositor scenario.
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail
SUITE=krules
# shellcheck source=tests/vm/shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-krules.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
POL=$TMP/policies.d
CW=/dev/shm/cursorwindow
trap 'rm -rf "$TMP" "$CW"; [[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null' EXIT

# Where LSM programs cannot call bpf_d_path (before 5.11) the kernel
# records policy seals with no path, as the daemon says when it starts.
nopath() { grep -q "policy seals listed without path" "$DAEMON_LOG"; }
# The sealctl list entry (jq projection $3) of file $1, listed under the
# path $2; without paths, found by inode, and its path must be empty.
listed() {
	if nopath; then
		"$SEALCTL" --json list | jq -c --argjson i "$(stat -L -c %i "$1")" ".[] | select(.ino == \$i and .path == \"\") | $3"
	else
		"$SEALCTL" --json list | jq -c --arg p "$2" ".[] | select(.path == \$p) | $3"
	fi
}
skip_path() {
	if nopath; then echo "SKIP $SUITE/$1-path: no bpf_d_path in LSM programs on this kernel (5.11+): listed by dev and inode only"; fi
}

# Seal bits as sg_probe prints them.
SHRINK=2 GROW=4 FUTURE_WRITE=16

# Distinct executables: exe and comm conditions tell them apart.
cp "$PROBE" "$TMP/writer"
cp "$PROBE" "$TMP/reader2"
mkdir -p "$POL" "$TMP/cw/sub" "$TMP/cwx" "$TMP/out" "$TMP/byuid" "$TMP/bygid" "$TMP/bycomm" \
	"$TMP/bycg" "$TMP/byowner"
mkfile() { printf 'data' >"$1"; chmod 666 "$1"; chown "${2:-0}" "$1"; }
# Every file exists before the policy: creating one under an open rule
# would seal it at once.
for f in cw/a cw/b cw/c cw/sub/d cwx/e out/f byuid/f bygid/f bycomm/f bycg/f byowner/root; do
	mkfile "$TMP/$f"
done
mkfile "$TMP/byowner/nobody" $NOBODY
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/sg-krules/inner

cat >"$POL/10-krules.yaml" <<YAML
version: 1
rules:
  - name: requests
    kind: allow
    seals: [seal, shrink, grow, write, future-write, exec]
  - name: open-cw
    kind: apply
    on: open
    file: { fs: tmpfs, path: $TMP/cw }
    seals: [future-write, shrink]
  - name: writer-exempt
    kind: exempt
    process: { exe: $TMP/writer }
    file: { path: $TMP/cw }
    seals: [future-write]
  - name: open-uid
    kind: apply
    on: open
    process: { uid: $NOBODY }
    file: { path: $TMP/byuid }
    seals: grow
  - name: open-gid
    kind: apply
    on: open
    process: { gid: 4243 }
    file: { path: $TMP/bygid }
    seals: grow
  - name: open-comm
    kind: apply
    on: open
    process: { comm: reader2 }
    file: { path: $TMP/bycomm }
    seals: grow
  - name: open-cgroup
    kind: apply
    on: open
    process: { cgroup: /sg-krules }
    file: { path: $TMP/bycg }
    seals: grow
  - name: open-owner
    kind: apply
    on: open
    file: { path: $TMP/byowner, owner: $NOBODY }
    seals: grow
  - name: mmap-cursor
    kind: apply
    on: mmap
    file: { memfd: 'cursor-*' }
    seals: [shrink, grow]
  - name: mmap-exact
    kind: apply
    on: mmap
    file: { memfd: exact }
    seals: grow
  - name: missing-dir
    kind: apply
    on: open
    file: { path: $TMP/does-not-exist }
    seals: grow
YAML
start_daemon --policy-dir "$POL"
check started yes "$(yes_if '[[ -S $SOCK ]]')" "$(tail -3 "$DAEMON_LOG")"
check missing-dir-left-out 1 \
	"$(grep -c "apply rule 'missing-dir' left out: path $TMP/does-not-exist: No such file or directory" "$DAEMON_LOG")"

# ---- apply on open, under a directory; exempt ---------------------------------------
a=$TMP/cw/a
check open-applies ok "$("$PROBE" open "$a")"
check open-seals $((FUTURE_WRITE | SHRINK)) "$("$PROBE" seals "$a")"
check reader-write EPERM "$("$PROBE" write "$a")"
check reader-mmap-rw EPERM "$("$PROBE" mmap-rw "$a")"
check reader-mprotect EACCES "$("$PROBE" mprotect "$a")"
check reader-mmap-ro ok "$("$PROBE" mmap-ro "$a")"
check reader-content data "$(cat "$a")"
check exempt-write ok "$("$TMP/writer" write "$a")"
check exempt-mmap-rw ok "$("$TMP/writer" mmap-rw "$a")"
check exempt-mprotect ok "$("$TMP/writer" mprotect "$a")"
check exempt-content Xata "$(cat "$a")"
# Exempt from future-write only: the writer is still bound by shrink.
check exempt-names-its-seals EPERM "$("$TMP/writer" truncate "$a" 0)"
check exempt-size 4 "$(stat -c %s "$a")"
# A refusal the exemption lifts is no denial: only the truncate is reported.
sleep 0.5
check exempt-denials "truncate" "$(sed -n 's/^sealguardd: denied \([a-z]*\) .* comm writer .*/\1/p' "$DAEMON_LOG" | sort -u | paste -sd,)"
# Listed like a requested seal, marked as the policy's.
entry=$(listed "$a" "$a" '[.by, (.seals | join(",")), .uid, (.sealed_at | startswith("'"$(date +%Y)"'"))]')
check listed-by-policy '["policy","shrink,future-write",0,true]' "$entry"
skip_path listed-by-policy
"$PROBE" open "$TMP/cw/sub/d" >/dev/null
check open-below $((FUTURE_WRITE | SHRINK)) "$("$PROBE" seals "$TMP/cw/sub/d")"
check open-sibling-prefix 0 "$("$PROBE" seals "$TMP/cwx/e")"
check open-elsewhere 0 "$("$PROBE" seals "$TMP/out/f")"
check open-elsewhere-write ok "$("$PROBE" write "$TMP/out/f")"

# ---- process and file conditions, one rule each -------------------------------------------
check uid-other 0 "$("$PROBE" seals "$TMP/byuid/f")"
as_nobody "$PROBE" open "$TMP/byuid/f" >/dev/null
check uid-match $GROW "$("$PROBE" seals "$TMP/byuid/f")"
check uid-enforced EPERM "$("$PROBE" append "$TMP/byuid/f")"
check gid-other 0 "$("$PROBE" seals "$TMP/bygid/f")"
setpriv --groups 4243 "$PROBE" open "$TMP/bygid/f" >/dev/null
check gid-supplementary $GROW "$("$PROBE" seals "$TMP/bygid/f")"
check comm-other 0 "$("$PROBE" seals "$TMP/bycomm/f")"
"$TMP/reader2" open "$TMP/bycomm/f" >/dev/null
check comm-match $GROW "$("$PROBE" seals "$TMP/bycomm/f")"
check cgroup-other 0 "$("$PROBE" seals "$TMP/bycg/f")"
sh -c 'echo $$ >/sys/fs/cgroup/sg-krules/inner/cgroup.procs && exec "$@"' sh "$PROBE" open "$TMP/bycg/f" >/dev/null
check cgroup-below $GROW "$("$PROBE" seals "$TMP/bycg/f")"
"$PROBE" open "$TMP/byowner/root" >/dev/null
check owner-other 0 "$("$PROBE" seals "$TMP/byowner/root")"
"$PROBE" open "$TMP/byowner/nobody" >/dev/null
check owner-match $GROW "$("$PROBE" seals "$TMP/byowner/nobody")"

# ---- apply on mmap, by memfd name ---------------------------------------------------------
python3 -c '
import os, time
fds = [os.memfd_create(n, 0) for n in ("cursor-1", "other", "exact", "exactly", "cursor-2")]
for fd in fds:
    os.write(fd, b"x" * 4096)
print(*fds, flush=True)
time.sleep(120)' >"$TMP/holder" &
HOLDER=$!
for _ in $(seq 100); do [[ -s $TMP/holder ]] && break; sleep 0.1; done
read -r cur oth exa exl cur2 <"$TMP/holder"
fd() { echo "/proc/$HOLDER/fd/$1"; }
check mmap-before 0 "$("$PROBE" seals "$(fd "$cur")")"
check mmap-private-no-trigger ok "$("$PROBE" mmap-priv "$(fd "$cur")")"
check mmap-private-unsealed 0 "$("$PROBE" seals "$(fd "$cur")")"
check mmap-shared ok "$("$PROBE" mmap-ro "$(fd "$cur")")"
check mmap-prefix-seals $((SHRINK | GROW)) "$("$PROBE" seals "$(fd "$cur")")"
check mmap-truncate EPERM "$("$PROBE" truncate "$(fd "$cur")" 0)"
entry=$(listed "$(fd "$cur")" "/memfd:cursor-1 (deleted)" '[.by, .mask]')
check mmap-listed '["policy",6]' "$entry"
skip_path mmap-listed
check mmap-size 4096 "$(stat -L -c %s "$(fd "$cur")")"
# The mapping that triggered the seals is allowed as it was: a writable one too.
check mmap-rw-trigger ok "$("$PROBE" mmap-rw "$(fd "$cur2")")"
check mmap-rw-trigger-seals $((SHRINK | GROW)) "$("$PROBE" seals "$(fd "$cur2")")"
"$PROBE" mmap-ro "$(fd "$oth")" >/dev/null
check mmap-other-name 0 "$("$PROBE" seals "$(fd "$oth")")"
"$PROBE" mmap-ro "$(fd "$exa")" >/dev/null
check mmap-exact-name $GROW "$("$PROBE" seals "$(fd "$exa")")"
"$PROBE" mmap-ro "$(fd "$exl")" >/dev/null
check mmap-exact-not-prefix 0 "$("$PROBE" seals "$(fd "$exl")")"

# ---- a reload drops rules, never the seals they added -------------------------------------
printf 'version: 1\nrules:\n  - name: requests\n    kind: allow\n    seals: [shrink, grow]\n' >"$POL/10-krules.yaml"
out=$("$SEALCTL" reload 2>&1); rc=$?
check reload 0 $rc "($out)"
"$PROBE" open "$TMP/cw/b" >/dev/null
check reload-no-open-rule 0 "$("$PROBE" seals "$TMP/cw/b")"
check reload-seals-kept $((FUTURE_WRITE | SHRINK)) "$("$PROBE" seals "$a")"
check reload-still-enforced EPERM "$("$PROBE" write "$a")"
# The exemption went with its rule.
check reload-exemption-gone EPERM "$("$TMP/writer" write "$a")"
check reload-content Xata "$(cat "$a")"
kill "$HOLDER"; HOLDER=

# ---- the shipped CursorWindow policy, end to end --------------------------------------------
# Without it, a reader writes into the writer's window: the test can fail.
start_daemon
mkdir -p "$CW"
cp "$PROBE" "$TMP/cw-writer"
# The writer is a coprocess: rows on its stdin, outcomes on its stdout.
writer_stop() { eval "exec ${W[1]}>&-"; wait "$wpid" 2>/dev/null; }
coproc W { "$TMP/cw-writer" writer "$CW/base"; }
wpid=$W_PID
read -r -t 20 line <&"${W[0]}"
check cw-baseline-writer ready "$line"
check cw-baseline-reader-writes ok "$("$PROBE" write "$CW/base")"
writer_stop

CWD=$TMP/cw.d
mkdir -p "$CWD"
cp "$SRC/policies/default.yaml" "$CWD/"
sed "s|/usr/libexec/cursorwindow-writer|$TMP/cw-writer|" "$SRC/policies/cursorwindow.yaml" >"$CWD/50-cursorwindow.yaml"
check cw-policy-is-shipped-one 1 "$(diff "$SRC/policies/cursorwindow.yaml" "$CWD/50-cursorwindow.yaml" | grep -c '^>')"
DAEMON_LOG=$TMP/cw-daemon.log
start_daemon --policy-dir "$CWD"
check cw-policy-loads "yes 0" "$(yes_if '[[ -S $SOCK ]]') $(grep -c 'left out' "$DAEMON_LOG")" "($(cat "$DAEMON_LOG"))"
win=$CW/window1
coproc W { "$TMP/cw-writer" writer "$win"; }
wpid=$W_PID
read -r -t 20 line <&"${W[0]}"
check cw-writer-ready ready "$line"
check cw-seals $((FUTURE_WRITE | SHRINK)) "$("$PROBE" seals "$win")"
# Each refusal is what a memfd sealed natively with the same seals answers.
python3 -c '
import fcntl, os, time
fd = os.memfd_create("native", os.MFD_ALLOW_SEALING)
os.ftruncate(fd, 4096)
fcntl.fcntl(fd, 1033, 0x10 | 0x2)  # F_ADD_SEALS: FUTURE_WRITE | SHRINK
print(fd, flush=True)
time.sleep(60)' >"$TMP/native" &
HOLDER=$!
for _ in $(seq 100); do [[ -s $TMP/native ]] && break; sleep 0.1; done
nat=/proc/$HOLDER/fd/$(cat "$TMP/native")
for op in write append mmap-rw mprotect truncate; do
	arg=() doc=EPERM
	[[ $op == truncate ]] && arg=(0)
	[[ $op == mprotect ]] && doc=EACCES
	native=$("$PROBE" $op "$nat" "${arg[@]}") mine=$("$PROBE" $op "$win" "${arg[@]}")
	check "cw-reader-$op" "$doc $doc" "$native $mine" "(native, sealguard)"
done
kill "$HOLDER"; HOLDER=
chmod 666 "$win" # so another user may open it for writing at all
check cw-reader-as-nobody EPERM "$(as_nobody "$PROBE" write "$win" 2>&1)"
# The reader watches through a read-only mapping while the writer adds rows.
"$PROBE" watch "$win" 32 row3 >"$TMP/watch" &
watcher=$!
for _ in $(seq 100); do grep -q watching "$TMP/watch" && break; sleep 0.1; done
echo next >&"${W[1]}"; read -r -t 20 row2 <&"${W[0]}"
echo next >&"${W[1]}"; read -r -t 20 row3 <&"${W[0]}"
wait "$watcher"
check cw-writer-rows "row2 ok|row3 ok" "$row2|$row3"
check cw-reader-sees-rows seen "$(tail -1 "$TMP/watch")"
writer_stop
check cw-content "row1|row2|row3|row3|4096" \
	"$(dd if="$win" bs=1 count=4 status=none)|$(dd if="$win" bs=1 skip=16 count=4 status=none)|$(dd if="$win" bs=1 skip=32 count=4 status=none)|$(dd if="$win" bs=1 skip=2080 count=4 status=none)|$(stat -c %s "$win")"

# Back to the built-in policy for whoever runs next.
start_daemon
check builtin-again 0 "$("$SEALCTL" --json status | jq .policy_rules)"
exit 0
