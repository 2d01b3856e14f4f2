#!/usr/bin/env bash
# Registry entries apply rules make, bounded per owner of the file
# (SG_SEALED_PER_USER, sealguard_abi.h): an unprivileged user who has an
# open rule seal files of their own fills only their share; the next
# trigger is refused with EDQUOT (never let through unsealed), other users'
# files are still sealed, and entries come back as the files go.
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail
SUITE=policyquota
# shellcheck source=tests/vm/shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-policyquota.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
POL=$TMP/policies.d
DIR=$TMP/sealed
PER_USER=$(sed -n 's/^#define SG_SEALED_PER_USER \([0-9]*\).*/\1/p' "$SRC/include/sealguard_abi.h")
trap 'rm -rf "$TMP"' EXIT
GROW=4

mkdir -p "$POL" "$DIR/nobody" "$DIR/other"
chown $NOBODY "$DIR/nobody"
# Every file exists before the policy: creating one under an open rule
# would seal it at once (and its first write would then be refused).
as_nobody python3 -c '
import sys
for i in range(int(sys.argv[2])):
    open(f"{sys.argv[1]}/f{i}", "w").write("data")' "$DIR/nobody" $((PER_USER + 3))
printf 'data' >"$DIR/other/f0"; chown 1000 "$DIR/other/f0"
printf 'data' >"$DIR/root-file"
cat >"$POL/10-quota.yaml" <<YAML
version: 1
rules:
  - name: open-seals
    kind: apply
    on: open
    file: { path: $DIR }
    seals: grow
YAML
start_daemon --policy-dir "$POL"
check started yes "$(yes_if '[[ -S $SOCK ]]')" "$(tail -3 "$DAEMON_LOG")"
check bound-read yes "$(yes_if '((PER_USER > 0))')"

# The user opens each of their files once: the open seals it.
out=$(as_nobody python3 -c '
import errno, os, sys
opened, refused = 0, set()
for i in range(int(sys.argv[2])):
    try:
        os.close(os.open(f"{sys.argv[1]}/f{i}", os.O_RDONLY))
        opened += 1
    except OSError as e:
        refused.add(errno.errorcode[e.errno])
print(opened, ",".join(sorted(refused)) or "-")' "$DIR/nobody" $((PER_USER + 3)))
check own-share "$PER_USER EDQUOT" "$out" "(opened, refused with)"
check own-sealed $GROW "$("$PROBE" seals "$DIR/nobody/f0")"
check own-last-sealed $GROW "$("$PROBE" seals "$DIR/nobody/f$((PER_USER - 1))")"
# Refused, not let through unsealed: nobody opens the next one, root neither.
check own-over-bound "open-EDQUOT" "$("$PROBE" open "$DIR/nobody/f$PER_USER")"
check own-over-size 4 "$(stat -c %s "$DIR/nobody/f$PER_USER")"
check event-logged yes "$(yes_if 'grep -q "registry-full" "$DAEMON_LOG"')" "$(grep -m2 registry "$DAEMON_LOG")"
# Another user is not starved, nor is root.
check other-user ok "$(setpriv --reuid=1000 --regid=1000 --clear-groups "$PROBE" open "$DIR/other/f0")"
check other-sealed $GROW "$("$PROBE" seals "$DIR/other/f0")"
check root ok "$("$PROBE" open "$DIR/root-file")"
check root-sealed $GROW "$("$PROBE" seals "$DIR/root-file")"
# Files gone give their entries back.
rm -f "$DIR"/nobody/f{0..9}
check share-back ok "$(as_nobody "$PROBE" open "$DIR/nobody/f$PER_USER")"
check share-back-sealed $GROW "$("$PROBE" seals "$DIR/nobody/f$PER_USER")"

# Back to the built-in policy for whoever runs next.
rm -rf "$DIR"
start_daemon
check builtin-again 0 "$("$SEALCTL" --json status | jq .policy_rules)"
exit 0
