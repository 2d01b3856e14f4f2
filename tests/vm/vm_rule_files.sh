#!/usr/bin/env bash
# Rules that name files, as the kernel sees them (docs/design.md, "Rules on
# overlayfs" and "Rules that follow the system"): exe, exempt and path
# rules naming files on overlayfs (lower, copied up, upper; our own overlay
# of two tmpfs and the VM's /usr over 9p), and rules that keep matching an
# executable renamed over the old one (new and old processes), an
# executable and a cgroup created after the policy loaded.  Each check
# runs the rule's trigger for real and reads the seals the kernel added;
# the refusals those seals make are vm_krules.sh's.
# Restarts the daemon, and leaves it running with the built-in policy.
set -uo pipefail
SUITE=rulefiles
# shellcheck source=tests/vm/shlib.sh
source "$(dirname "$0")/shlib.sh"
PROBE=$BUILD/tests/vm/sg_probe
TMP=$(mktemp -d /dev/shm/sg-rulefiles.XXXXXX)
chmod 755 "$TMP"
DAEMON_LOG=$TMP/daemon.log
POL=$TMP/policies.d
OV=/run/sg-rulefiles # the overlay: lower on /dev/shm, upper on a tmpfs of its own
CG=/sys/fs/cgroup/sg-rulefiles
cleanup() {
	[[ -n ${OLD:-} ]] && kill "$OLD" 2>/dev/null
	umount "$OV/mnt" "$OV/up" 2>/dev/null
	rm -rf "$TMP" "$OV" /usr/local/bin/sg-rulefiles-up
	rmdir "$CG/late" "$CG" 2>/dev/null
}
trap cleanup EXIT
GROW=4 SHRINK=2

mkfile() { printf 'data' >"$1"; chmod 666 "$1"; }
mkdir -p "$POL" "$OV"/{lower/data,up,mnt} "$TMP/bin"
for d in lower copied upper exempt py renamed late-exe late-cg ovdir ovfile; do
	mkdir -p "$TMP/$d"
	for f in 1 2 3; do mkfile "$TMP/$d/f$f"; done
done
cp "$PROBE" "$OV/lower/probe-lower"
cp "$PROBE" "$OV/lower/probe-copied"
cp "$PROBE" "$OV/lower/probe-exempt"
for f in 1 2; do mkfile "$OV/lower/data/f$f"; done
mkfile "$OV/lower/data/one"
mount -t tmpfs tmpfs "$OV/up" && mkdir -p "$OV/up/u" "$OV/up/w" &&
	mount -t overlay overlay -o "lowerdir=$OV/lower,upperdir=$OV/up/u,workdir=$OV/up/w" "$OV/mnt"
check overlay-mounted overlayfs "$(stat -f -c %T "$OV/mnt/probe-lower")"
# Layers on two filesystems: stat reports a file's device other than the
# overlay's, the case that made exe rules miss.
check overlay-stat-dev-differs yes \
	"$(yes_if '[[ $(stat -c %d "$OV/mnt/probe-lower") != $(mountpoint -d "$OV/mnt" | awk -F: "{print \$1 * 1048576 + \$2}") ]]')"
# Copied up before the policy: a metadata change copies the whole file.
chmod 755 "$OV/mnt/probe-copied"
check copied-up yes "$(yes_if '[[ -e $OV/up/u/probe-copied ]]')"
cp "$PROBE" "$OV/mnt/probe-upper"
cp "$PROBE" /usr/local/bin/sg-rulefiles-up
check usr-is-overlay overlayfs "$(stat -f -c %T /usr/bin/python3)"
# The executable bash runs as: a copy renamed over later, the old one kept running.
cp /bin/bash "$TMP/bin/tool"
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup
rmdir "$CG/late" "$CG" 2>/dev/null
mkdir -p "$CG"
PY=$(readlink -f /usr/bin/python3)

rule() { # name exe|-- path seals [kind]
	printf '  - name: %s\n    kind: %s\n' "$1" "${5:-apply}"
	[[ ${5:-apply} == apply ]] && printf '    on: open\n'
	[[ $2 != -- ]] && printf '    process: { %s }\n' "$2"
	printf '    file: { path: %s }\n    seals: %s\n' "$3" "$4"
}
{
	printf 'version: 1\nrules:\n'
	rule ov-lower "exe: $OV/mnt/probe-lower" "$TMP/lower" grow
	rule ov-copied "exe: $OV/mnt/probe-copied" "$TMP/copied" grow
	rule ov-upper "exe: $OV/mnt/probe-upper" "$TMP/upper" grow
	rule usr-upper "exe: /usr/local/bin/sg-rulefiles-up" "$TMP/upper" shrink
	rule usr-lower "exe: $PY" "$TMP/py" grow
	rule ov-exempt-applies -- "$TMP/exempt" grow
	rule ov-exempt "exe: $OV/mnt/probe-exempt" "$TMP/exempt" grow exempt
	rule ov-dir -- "$OV/mnt/data" grow
	rule ov-file -- "$OV/mnt/data/one" shrink
	rule renamed "exe: $TMP/bin/tool" "$TMP/renamed" grow
	rule late-exe "exe: $TMP/bin/later" "$TMP/late-exe" grow
	rule late-cgroup "cgroup: /sg-rulefiles/late" "$TMP/late-cg" grow
} >"$POL/10-rulefiles.yaml"
start_daemon --policy-dir "$POL"
check started yes "$(yes_if '[[ -S $SOCK ]]')" "$(tail -3 "$DAEMON_LOG")"

# ---- exe rules on overlayfs ---------------------------------------------------------------
"$PROBE" open "$TMP/lower/f1" >/dev/null
check exe-other-process 0 "$("$PROBE" seals "$TMP/lower/f1")"
"$OV/mnt/probe-lower" open "$TMP/lower/f2" >/dev/null
check exe-lower $GROW "$("$PROBE" seals "$TMP/lower/f2")"
check exe-lower-enforced "EPERM 4" "$("$PROBE" append "$TMP/lower/f2") $(stat -c %s "$TMP/lower/f2")"
"$OV/mnt/probe-copied" open "$TMP/copied/f1" >/dev/null
check exe-copied-up $GROW "$("$PROBE" seals "$TMP/copied/f1")"
"$OV/mnt/probe-upper" open "$TMP/upper/f1" >/dev/null
check exe-upper $GROW "$("$PROBE" seals "$TMP/upper/f1")"
/usr/local/bin/sg-rulefiles-up open "$TMP/upper/f2" >/dev/null
check usr-exe-upper $SHRINK "$("$PROBE" seals "$TMP/upper/f2")"
python3 -c 'import sys; open(sys.argv[1]).close()' "$TMP/py/f1"
check usr-exe-lower $GROW "$("$PROBE" seals "$TMP/py/f1")"
# The same executable by another path is the same file: python3 is a link.
"$PROBE" open "$TMP/py/f2" >/dev/null
check usr-exe-other 0 "$("$PROBE" seals "$TMP/py/f2")"

# ---- exempt rule naming an executable on overlayfs --------------------------------------------
"$PROBE" open "$TMP/exempt/f1" >/dev/null
check exempt-sealed $GROW "$("$PROBE" seals "$TMP/exempt/f1")"
check exempt-other-refused EPERM "$("$PROBE" append "$TMP/exempt/f1")"
check exempt-overlay-exe ok "$("$OV/mnt/probe-exempt" append "$TMP/exempt/f1")"
check exempt-size 5 "$(stat -c %s "$TMP/exempt/f1")"

# ---- path rules naming a directory and a file on overlayfs -------------------------------
"$PROBE" open "$OV/mnt/data/f1" >/dev/null
check path-dir $GROW "$("$PROBE" seals "$OV/mnt/data/f1")"
"$PROBE" open "$OV/mnt/data/one" >/dev/null
check path-file $((GROW | SHRINK)) "$("$PROBE" seals "$OV/mnt/data/one")"
check path-file-enforced "EPERM 4" "$("$PROBE" truncate "$OV/mnt/data/one" 0) $(stat -c %s "$OV/mnt/data/one")"

# ---- an executable renamed over the old one (a package upgrade) --------------------------------
settle() { sleep 1; } # the daemon installs again 100 ms after the last change
coproc OLDTOOL { exec "$TMP/bin/tool" -c 'while read -r f; do exec 3<"$f"; exec 3<&-; echo opened; done'; }
OLD=$OLDTOOL_PID
opened() { echo "$1" >&"${OLDTOOL[1]}"; read -r -t 30 ans <&"${OLDTOOL[0]}"; echo "${ans:-no answer}"; }
check renamed-old-before opened "$(opened "$TMP/renamed/f1")"
check renamed-before $GROW "$("$PROBE" seals "$TMP/renamed/f1")"
cp /bin/bash "$TMP/bin/tool.new" && mv "$TMP/bin/tool.new" "$TMP/bin/tool"
settle
"$TMP/bin/tool" -c 'exec 3<"$1"' sh "$TMP/renamed/f2"
check renamed-new-process $GROW "$("$PROBE" seals "$TMP/renamed/f2")"
opened "$TMP/renamed/f3" >/dev/null
check renamed-old-process $GROW "$("$PROBE" seals "$TMP/renamed/f3")"
check renamed-logged yes "$(yes_if 'grep -q "rules installed again" "$DAEMON_LOG"')"
# The same on the VM's /usr (overlayfs), as a package manager replaces a program.
cp "$PROBE" /usr/local/bin/sg-rulefiles-up.new && mv -f /usr/local/bin/sg-rulefiles-up.new /usr/local/bin/sg-rulefiles-up
settle
/usr/local/bin/sg-rulefiles-up open "$TMP/upper/f3" >/dev/null
check usr-renamed $SHRINK "$("$PROBE" seals "$TMP/upper/f3")"
# Once the old process is gone, a later change lets go of its executable.
kill "$OLD"; wait "$OLD" 2>/dev/null; OLD=

# ---- an executable and a cgroup that appear after the policy -----------------------------------
check late-exe-left-out yes "$(yes_if "grep -q \"rule 'late-exe' left out: exe $TMP/bin/later\" \"$DAEMON_LOG\"")"
cp /bin/bash "$TMP/bin/later"
settle
"$TMP/bin/later" -c 'exec 3<"$1"' sh "$TMP/late-exe/f1"
check late-exe $GROW "$("$PROBE" seals "$TMP/late-exe/f1")"
mkdir "$CG/late"
settle
sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" open "$3"' sh "$CG/late" "$PROBE" "$TMP/late-cg/f1" >/dev/null
check late-cgroup $GROW "$("$PROBE" seals "$TMP/late-cg/f1")"
"$PROBE" open "$TMP/late-cg/f2" >/dev/null
check late-cgroup-other 0 "$("$PROBE" seals "$TMP/late-cg/f2")"

# Back to the built-in policy for whoever runs next.
start_daemon
check builtin-again 0 "$("$SEALCTL" --json status | jq .policy_rules)"
exit 0
