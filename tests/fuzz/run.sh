#!/usr/bin/env bash
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [HARNESS]   (default 30, fuzz_decode)
# Runs a harness for SECONDS: fuzz_decode (the message decoders, seeds in
# corpus/) or fuzz_policy (the policy parser, seeds in corpus-policy/).
# The committed seeds are never modified: the run works on a copy under
# BUILD_DIR. Exits non-zero on a crash or a broken invariant; the input
# that did it is left in BUILD_DIR/tests/fuzz/.
# For a long run: tests/fuzz/run.sh build 3600 fuzz_policy
set -euo pipefail

build=$(realpath "${1:?usage: run.sh BUILD_DIR [SECONDS] [HARNESS]}")
secs=${2:-30}
harness=${3:-fuzz_decode}
here=$(cd "$(dirname "$0")" && pwd)
case $harness in
fuzz_decode) seeds=corpus max_len=16400 ;;   # 16 KiB messages plus the selector byte
fuzz_policy) seeds=corpus-policy max_len=8192 ;;
*) echo "fuzz: unknown harness '$harness' (fuzz_decode, fuzz_policy)"; exit 2 ;;
esac
bin=$build/tests/fuzz/$harness
work=$build/tests/fuzz/$seeds

[[ -x $bin ]] || { echo "fuzz: $bin not built (cmake --build $build --target $harness)"; exit 1; }
mkdir -p "$work"
cp -n "$here/$seeds"/* "$work"/
log=$build/tests/fuzz/$harness.log
start=$(date +%s)
status=0
# One input may take 1 s at most.
(cd "$build/tests/fuzz" && "$bin" -max_total_time="$secs" -max_len="$max_len" -timeout=1 \
	-print_final_stats=1 "$work") >"$log" 2>&1 || status=$?
runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
if ((status != 0)); then
	grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20 || tail -5 "$log"
	echo "$harness: CRASH after $(($(date +%s) - start)) s (log: $log)"
	exit 1
fi
echo "$harness: $runs runs in $(($(date +%s) - start)) s, no crash"
