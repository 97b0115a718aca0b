#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz smoke test (CI): builds every fuzz/targets/*.cpp through fuzz/oss-fuzz/run-local.sh
# (OSS-Fuzz's build.sh with clang++, libFuzzer, ASan+UBSan; that step also replays each seed
# corpus once), then fuzzes each target for FUZZ_SECONDS with its dictionary and max_len, two at
# a time, on a copy of its seed corpus in a temp dir (the tree is never written). Fails on any
# crash, leak, timeout, out-of-memory or sanitizer report; the reproducer is kept under
# build/fuzz-smoke/artifacts/.
#
# Budget: the whole check should stay under FUZZ_BUDGET seconds (default 690, ~11.5 min) on 2
# cores. The build and seed replay come first; what is left is shared by the targets, two at a
# time, so each runs min(FUZZ_SECONDS, 2 * left / targets) seconds (at least 5).
#   FUZZ_SECONDS  per-target time (default 20)      FUZZ_BUDGET  whole-check budget (default 690)
#   FUZZ_JOBS     targets fuzzed in parallel (2)    FUZZ_TARGETS space-separated subset (names)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
start=$(date +%s)
secs=${FUZZ_SECONDS:-20}
budget=${FUZZ_BUDGET:-690}
jobs=${FUZZ_JOBS:-2}
for tool in clang++ zip unzip; do
  command -v "$tool" >/dev/null || { echo "fuzz-smoke: $tool not installed"; exit 1; }
done

base=$root/build/fuzz-smoke
out=$base/out
rm -rf "$base/artifacts"
mkdir -p "$base/artifacts" "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pqike-fuzz-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "== build + seed replay (fuzz/oss-fuzz/run-local.sh)"
if ! PQIKE_FUZZ_OUT=$out JOBS=2 bash fuzz/oss-fuzz/run-local.sh >"$base/run-local.log" 2>&1; then
  tail -40 "$base/run-local.log"
  echo "fuzz-smoke: build or seed replay FAILED"
  exit 1
fi
grep -E '^(ok|FAIL|run-local:|-- built)' "$base/run-local.log"

targets=()
for bin in "$out"/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  name=$(basename "$bin")
  if [ -n "${FUZZ_TARGETS:-}" ] && ! grep -qw "${name#fuzz_}" <<<"$FUZZ_TARGETS"; then continue; fi
  targets+=("$name")
done
n=${#targets[@]}
if [ "$n" -eq 0 ]; then echo "fuzz-smoke: no targets built"; exit 1; fi

elapsed=$(( $(date +%s) - start ))
left=$(( budget - elapsed - 30 ))  # 30 s for start-up, corpus loading and the summary
per=$secs
fit=$(( left * jobs / n ))
[ "$fit" -lt "$per" ] && per=$fit
[ "$per" -lt 5 ] && per=5
rounds=$(( (n + jobs - 1) / jobs ))
echo "== budget: ${budget} s total; build+replay took ${elapsed} s; ${n} targets x ${per} s" \
     "(FUZZ_SECONDS=${secs}) / ${jobs} in parallel = ${rounds} rounds = ~$(( rounds * per )) s of fuzzing"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

fuzz_one() {  # $1 = binary name; writes $tmp/<name>.result
  local name=$1 bin=$out/$1 corpus=$tmp/corpus/$1 log=$tmp/$1.log
  mkdir -p "$corpus"
  [ -f "$out/${name}_seed_corpus.zip" ] && unzip -q -o "$out/${name}_seed_corpus.zip" -d "$corpus"
  local args=(-max_total_time="$per" -timeout=25 -rss_limit_mb=2560 -print_final_stats=1
              -artifact_prefix="$base/artifacts/$name-")
  [ -f "$out/$name.dict" ] && args+=("-dict=$out/$name.dict")
  local max_len
  max_len=$(sed -n 's/^max_len *= *//p' "$out/$name.options" 2>/dev/null)
  [ -n "$max_len" ] && args+=("-max_len=$max_len")
  local rc=0
  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  local execs cov speed verdict=ok
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log"; then
    verdict=FAIL
    cp "$log" "$base/artifacts/$name.log"
  fi
  printf '%-5s %-28s %4ss  execs %-9s exec/s %-7s cov %s\n' "$verdict" "$name" "$per" \
    "${execs:-?}" "${speed:-?}" "${cov:-?}" >"$tmp/$name.result"
}

for name in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$name" &
done
wait

fails=0
for name in "${targets[@]}"; do
  if [ -f "$tmp/$name.result" ]; then cat "$tmp/$name.result"; else echo "FAIL  $name (no result)"; fi
  if ! grep -q '^ok' "$tmp/$name.result" 2>/dev/null; then
    fails=$((fails + 1))
    grep -E 'ERROR|runtime error|SUMMARY|Test unit written|^    #[0-9]' "$base/artifacts/$name.log" 2>/dev/null | head -25
  fi
done
echo "fuzz-smoke: $((n - fails))/$n targets clean, $(( $(date +%s) - start )) s (budget ${budget} s)"
[ "$fails" -eq 0 ]
