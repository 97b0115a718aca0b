#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Long fuzzing run (by hand, not CI): every target built by fuzz/oss-fuzz/run-local.sh for
# SECONDS each (default 600), JOBS at a time (default 2), on a growing corpus kept under
# build/fuzz-long/corpus/<target>/ (seeded from fuzz/corpus/<target>/; the tree is not written).
# Prints one line per target: seconds, executions, exec/s, edge coverage (libFuzzer's "cov:"),
# features, corpus size and the verdict; crash/leak reproducers land in build/fuzz-long/artifacts/.
#   usage: scripts/fuzz-long.sh [SECONDS] [target...]
#   env:   JOBS (2), PQIKE_FUZZ_SANITIZER (address | memory), REBUILD=0 to reuse the last build
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=${1:-600}
shift || true
jobs=${JOBS:-2}
san=${PQIKE_FUZZ_SANITIZER:-address}
base=$root/build/fuzz-long/$san
out=$base/out
mkdir -p "$base/artifacts" "$base/logs" "$base/corpus"

if [ "${REBUILD:-1}" != 0 ] || [ ! -d "$out" ]; then
  PQIKE_FUZZ_OUT=$out PQIKE_FUZZ_SANITIZER=$san bash fuzz/oss-fuzz/run-local.sh \
    >"$base/run-local.log" 2>&1 || { tail -30 "$base/run-local.log"; exit 1; }
fi

case "$san" in
  memory) export MSAN_OPTIONS=halt_on_error=1:print_stats=0 ;;
  *) export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
     export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ;;
esac

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for bin in "$out"/fuzz_*; do [ -f "$bin" ] && [ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')"); done
fi

run_one() {  # $1 = target name without the fuzz_ prefix
  local t=$1 bin=$out/fuzz_$1 corpus=$base/corpus/$1 log=$base/logs/$1.log
  mkdir -p "$corpus"
  [ -d "fuzz/corpus/$t" ] && cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  local args=(-max_total_time="$secs" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1
              -artifact_prefix="$base/artifacts/$t-")
  [ -f "$out/fuzz_$t.dict" ] && args+=("-dict=$out/fuzz_$t.dict")
  local max_len
  max_len=$(sed -n 's/^max_len *= *//p' "$out/fuzz_$t.options" 2>/dev/null)
  [ -n "$max_len" ] && args+=("-max_len=$max_len")
  local t0 rc=0
  t0=$(date +%s)
  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  local dur=$(( $(date +%s) - t0 )) verdict=clean
  if [ "$rc" -ne 0 ] || grep -qE '^==[0-9]+==ERROR|runtime error:|WARNING: MemorySanitizer' "$log"; then
    verdict="FINDING: $(grep -m1 -oE 'SUMMARY: .*|runtime error: .*|ERROR: [A-Za-z]+: [a-z-]+' "$log")"
  fi
  local execs speed cov ft
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  printf '| %-24s | %5s | %11s | %7s | %5s | %6s | %6s | %s |\n' "$t" "$dur" "${execs:-?}" \
    "${speed:-?}" "${cov:-?}" "${ft:-?}" "$(find "$corpus" -type f | wc -l)" "$verdict" \
    >"$base/logs/$t.result"
}

for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
done
wait
echo "sanitizer: $san; $secs s per target; $jobs at a time"
echo "| target | s | execs | exec/s | cov | ft | corpus | result |"
echo "|---|---|---|---|---|---|---|---|"
for t in "${targets[@]}"; do cat "$base/logs/$t.result" 2>/dev/null || echo "| $t | no result |"; done
