#!/usr/bin/env bash
# `sealctl policy check` as an operator meets it: for each kind of bad
# input, exit status 1 and exactly "FILE:LINE:COLUMN: what is wrong" on
# stderr; good files say "ok"; nothing needs a daemon.
# Usage: policy_check.sh SEALCTL
set -uo pipefail
SEALCTL=${1:?usage: policy_check.sh SEALCTL}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failed=0

expect() { # name file-content expected-stderr (FILE stands for the file's path)
	local f=$T/$1.yaml out rc want=${3//FILE/$T/$1.yaml}
	printf '%b' "$2" >"$f"
	out=$("$SEALCTL" policy check "$f" 2>&1 >/dev/null); rc=$?
	if [[ $rc == 1 && $out == "$want" ]]; then
		echo "PASS $1"
	else
		echo "FAIL $1: expected status 1 and '$want', got $rc and '$out'"
		failed=1
	fi
}

H='version: 1\nrules:\n'
expect unknown-key "$H"'  - name: r\n    kind: allow\n    seals: [grow]\n    colour: red\n' \
	"FILE:6:5: unknown key 'colour' in a rule (known: name, kind, seals, on, mode, process, file)"
expect wrong-type "$H"'  - name: r\n    kind: allow\n    seals: {grow: 1}\n' \
	"FILE:5:12: seals must be a list, not a mapping"
expect bad-seal "$H"'  - name: r\n    kind: allow\n    seals: [grow, wrte]\n' \
	"FILE:5:19: unknown seal 'wrte' (known: seal, shrink, grow, write, future-write, exec)"
expect bad-path "$H"'  - name: r\n    kind: allow\n    seals: grow\n    file: { path: /dev/shm/../etc }\n' \
	"FILE:6:19: path '/dev/shm/../etc' is not a normalized path (no '.', '..', '//' or trailing '/')"
expect relative-path "$H"'  - name: r\n    kind: allow\n    seals: grow\n    file: { path: dev/shm }\n' \
	"FILE:6:19: path 'dev/shm' is not an absolute path"
expect duplicate-name "$H"'  - name: r\n    kind: allow\n    seals: grow\n  - name: r\n    kind: allow\n    seals: shrink\n' \
	"FILE:6:5: duplicate rule name 'r' (first at FILE:3:5)"
expect empty '' "FILE:1:1: empty policy file (it needs 'version: 1' and 'rules')"
expect non-utf8 "$H"'  - name: caf\xe9\n' "FILE:3:14: not UTF-8 text: incomplete UTF-8 octet sequence"
expect syntax 'version: 1\nrules: [\n' "FILE:3:1: YAML syntax: did not find expected node content"
expect bad-trigger "$H"'  - name: r\n    kind: apply\n    on: close\n    seals: grow\n' \
	"FILE:5:9: unknown trigger 'close' (known: receive, mmap, open)"
expect apply-write "$H"'  - name: r\n    kind: apply\n    on: open\n    seals: write\n    file: { path: /dev/shm }\n' \
	"FILE:6:12: apply rule 'r' cannot apply write or exec: they must fail while the file is mapped writable or executable, which a seal added on a trigger cannot; use future-write"
expect kernel-memfd-glob "$H"'  - name: r\n    kind: exempt\n    file: { memfd: "a?b" }\n' \
	"FILE:3:5: exempt rule 'r': the kernel matches memfd names exactly or by a prefix ending in '*' (at most 63 bytes), not 'a?b'"
# Over 1 MiB: refused before parsing.
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$T/huge.yaml"
out=$("$SEALCTL" policy check "$T/huge.yaml" 2>&1 >/dev/null); rc=$?
if [[ $rc == 1 && $out == "$T/huge.yaml:1:1: larger than 1048576 bytes" ]]; then echo "PASS huge"; else echo "FAIL huge: $rc '$out'"; failed=1; fi
# A missing file names itself.
out=$("$SEALCTL" policy check "$T/none.yaml" 2>&1 >/dev/null); rc=$?
if [[ $rc == 1 && $out == "$T/none.yaml:"*"No such file or directory"* ]]; then echo "PASS missing"; else echo "FAIL missing: $rc '$out'"; failed=1; fi
# Good files: "ok" and status 0, next to a bad one: status 1, both reported.
printf "$H"'  - name: g\n    kind: exempt\n' >"$T/good.yaml"
out=$("$SEALCTL" policy check "$T/good.yaml" 2>&1); rc=$?
if [[ $rc == 0 && $out == "$T/good.yaml: ok, 1 rules" ]]; then echo "PASS good"; else echo "FAIL good: $rc '$out'"; failed=1; fi
out=$("$SEALCTL" policy check "$T/good.yaml" "$T/bad-seal.yaml" 2>&1); rc=$?
if [[ $rc == 1 && $out == *"good.yaml: ok"*"bad-seal.yaml:5:19: unknown seal"* ]]; then echo "PASS mixed"; else echo "FAIL mixed: $rc '$out'"; failed=1; fi
# An exempt rule naming its processes by comm alone: a warning on stderr,
# the file still ok (status 0); with a uid next to comm, no warning.
printf "$H"'  - name: by-comm\n    kind: exempt\n    process: { comm: weston }\n' >"$T/comm.yaml"
out=$("$SEALCTL" policy check "$T/comm.yaml" 2>&1 >/dev/null); rc=$?
want="$T/comm.yaml:3:5: warning: exempt rule 'by-comm' names its processes by comm alone: any process can take that name (prctl(PR_SET_NAME)) and write the sealed files; add uid, cgroup or exe"
if [[ $rc == 0 && $out == "$want" ]]; then echo "PASS comm-alone-warning"; else echo "FAIL comm-alone-warning: $rc '$out'"; failed=1; fi
w=$("$SEALCTL" --json policy check "$T/comm.yaml" 2>/dev/null | jq -r '.[0].warnings[0]')
if [[ $w == "$want" ]]; then echo "PASS comm-alone-warning-json"; else echo "FAIL comm-alone-warning-json: '$w'"; failed=1; fi
printf "$H"'  - name: by-comm-uid\n    kind: exempt\n    process: { comm: weston, uid: 1000 }\n' >"$T/comm-uid.yaml"
out=$("$SEALCTL" policy check "$T/comm-uid.yaml" 2>&1 >/dev/null); rc=$?
if [[ $rc == 0 && -z $out ]]; then echo "PASS comm-with-uid-no-warning"; else echo "FAIL comm-with-uid-no-warning: $rc '$out'"; failed=1; fi
# An apply rule on open or mmap with nobody named but an exe: whoever runs
# it seals what they can read, for its owner.  A uid (or the file's owner)
# quiets it; a receive rule (fd open for writing) has nothing to say.
printf "$H"'  - name: readers\n    kind: apply\n    on: open\n    process: { exe: /usr/bin/cat }\n    file: { path: /dev/shm/x }\n    seals: [future-write]\n' >"$T/open.yaml"
out=$("$SEALCTL" policy check "$T/open.yaml" 2>&1 >/dev/null); rc=$?
want="$T/open.yaml:3:5: warning: apply rule 'readers' seals every matching file that a process running /usr/bin/cat opens, even read-only: a user who can read another's file there seals it for its owner; add uid, cgroup or the file's owner"
if [[ $rc == 0 && $out == "$want" ]]; then echo "PASS open-apply-warning"; else echo "FAIL open-apply-warning: $rc '$out'"; failed=1; fi
printf "$H"'  - name: mappers\n    kind: apply\n    on: mmap\n    file: { path: /dev/shm/x }\n    seals: [future-write]\n' >"$T/mmap.yaml"
out=$("$SEALCTL" policy check "$T/mmap.yaml" 2>&1 >/dev/null)
want="$T/mmap.yaml:3:5: warning: apply rule 'mappers' seals every matching file that any process maps shared, even read-only: a user who can read another's file there seals it for its owner; add uid, cgroup or the file's owner"
if [[ $out == "$want" ]]; then echo "PASS mmap-apply-warning"; else echo "FAIL mmap-apply-warning: '$out'"; failed=1; fi
printf "$H"'  - name: readers\n    kind: apply\n    on: open\n    process: { exe: /usr/bin/cat, uid: 1000 }\n    file: { path: /dev/shm/x }\n    seals: [future-write]\n  - name: compositor\n    kind: apply\n    on: receive\n    process: { exe: /usr/bin/weston }\n    seals: [shrink]\n' >"$T/quiet.yaml"
out=$("$SEALCTL" policy check "$T/quiet.yaml" 2>&1 >/dev/null); rc=$?
if [[ $rc == 0 && -z $out ]]; then echo "PASS apply-with-uid-or-receive-no-warning"; else echo "FAIL apply-with-uid-or-receive-no-warning: $rc '$out'"; failed=1; fi
# --resolve: the rules this machine would leave out, as the daemon logs
# them, on stdout after "ok"; status 0 (the daemon loads such a policy);
# without --resolve nothing is looked up.
mkdir "$T/here"
printf "$H"'  - name: good\n    kind: apply\n    on: open\n    file: { path: %s, owner: 0 }\n    seals: grow\n  - name: no-exe\n    kind: apply\n    on: open\n    process: { exe: %s/nope }\n    file: { path: %s, owner: 0 }\n    seals: grow\n  - name: no-path\n    kind: exempt\n    file: { path: %s/gone }\n' \
	"$T/here" "$T" "$T/here" "$T" >"$T/resolve.yaml"
out=$("$SEALCTL" policy check --resolve "$T/resolve.yaml" 2>&1); rc=$?
want="$T/resolve.yaml: ok, 3 rules
$T/resolve.yaml:8:5: apply rule 'no-exe' left out: exe $T/nope: No such file or directory
$T/resolve.yaml:14:5: exempt rule 'no-path' left out: path $T/gone: No such file or directory"
if [[ $rc == 0 && $out == "$want" ]]; then echo "PASS resolve"; else echo "FAIL resolve: $rc '$out'"; failed=1; fi
out=$("$SEALCTL" policy check "$T/resolve.yaml" 2>&1); rc=$?
if [[ $rc == 0 && $out == "$T/resolve.yaml: ok, 3 rules" ]]; then echo "PASS no-resolve"; else echo "FAIL no-resolve: $rc '$out'"; failed=1; fi
out=$("$SEALCTL" --json policy check "$T/resolve.yaml" --resolve | jq -c '.[0].left_out | map([.rule, .kind, .missing, .errno, .where])')
want='[["no-exe","apply","exe","ENOENT","'$T'/resolve.yaml:8:5"],["no-path","exempt","path","ENOENT","'$T'/resolve.yaml:14:5"]]'
if [[ $out == "$want" ]]; then echo "PASS resolve-json"; else echo "FAIL resolve-json: '$out'"; failed=1; fi
exit $failed
