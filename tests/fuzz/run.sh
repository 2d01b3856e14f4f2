#!/usr/bin/env bash
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]   (default 30)
# Fuzzes the message decoders for SECONDS, starting from the committed
# seed corpus (never modified: the run works on a copy under BUILD_DIR).
# Exits non-zero on a crash or a broken invariant; the input that did it
# is left in BUILD_DIR/tests/fuzz/. For a long run: tests/fuzz/run.sh build 3600
set -euo pipefail

build=$(realpath "${1:?usage: run.sh BUILD_DIR [SECONDS]}")
secs=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/tests/fuzz/fuzz_decode
work=$build/tests/fuzz/corpus

[[ -x $bin ]] || { echo "fuzz: $bin not built (cmake --build $build --target fuzz_decode)"; exit 1; }
mkdir -p "$work"
cp -n "$here"/corpus/* "$work"/
log=$build/tests/fuzz/last-run.log
start=$(date +%s)
status=0
# 16 KiB messages plus the selector byte; one input may take 1 s at most.
(cd "$build/tests/fuzz" && "$bin" -max_total_time="$secs" -max_len=16400 -timeout=1 \
	-print_final_stats=1 "$work") >"$log" 2>&1 || status=$?
runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo '?')
if ((status != 0)); then
	grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -20 || tail -5 "$log"
	echo "fuzz: CRASH after $(($(date +%s) - start)) s (log: $log)"
	exit 1
fi
echo "fuzz: $runs runs in $(($(date +%s) - start)) s, no crash"
