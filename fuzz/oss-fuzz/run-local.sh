#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs fuzz/oss-fuzz/build.sh the way OSS-Fuzz's `compile` does (fresh $SRC/$OUT/$WORK, clang,
# libFuzzer, sanitizer flags in CFLAGS/CXXFLAGS), then runs every built target once over its
# unpacked seed corpus with its .dict and .options (-runs=0: each seed executes, no mutation).
# Fails if the build fails, a target crashes/leaks/reports on a seed, or a dictionary is invalid.
#
# Environment:
#   PQIKE_FUZZ_SANITIZER  address (default: ASan+UBSan, as the brief of issue 10 asks) | memory
#   PQIKE_FUZZ_OUT        keep $OUT here (created/emptied) instead of a temp dir; used by
#                         scripts/checks.d/fuzz-smoke.sh and the long runs
#   JOBS                  parallel compiles (default 2)
# The working tree is copied (without build/ and .git), so uncommitted targets are included.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pqike-ossfuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

export SRC=$tmp/src WORK=$tmp/work
export OUT=${PQIKE_FUZZ_OUT:-$tmp/out}
mkdir -p "$SRC/pqike" "$WORK" "$OUT"
find "$OUT" -mindepth 1 -delete
tar -C "$root" --exclude=./build --exclude='./build-*' --exclude=./.git -cf - . | tar -C "$SRC/pqike" -xf -
cp "$root/fuzz/oss-fuzz/build.sh" "$SRC/build.sh"

export CC=clang CXX=clang++ FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer JOBS=${JOBS:-2}
export SANITIZER=${PQIKE_FUZZ_SANITIZER:-address}
case "$SANITIZER" in
  address) san="-fsanitize=address,undefined -fno-sanitize-recover=all" ;;
  memory) san="-fsanitize=memory -fsanitize-memory-track-origins" ;;
  *) echo "run-local: unknown sanitizer $SANITIZER" >&2; exit 2 ;;
esac
export CFLAGS="$san -g -O1 -fno-omit-frame-pointer"
export CXXFLAGS="$CFLAGS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export MSAN_OPTIONS=${MSAN_OPTIONS:-halt_on_error=1}

echo "== build.sh (SANITIZER=$SANITIZER, CXXFLAGS=$CXXFLAGS)"
t0=$(date +%s)
(cd "$SRC/pqike" && bash -eu "$SRC/build.sh")
echo "-- built in $(( $(date +%s) - t0 )) s"

# Seed replay, as OSS-Fuzz's check_build does with the shipped corpora.
fails=0
n=0
for bin in "$OUT"/fuzz_*; do
  [ -x "$bin" ] && [ -f "$bin" ] || continue
  name=$(basename "$bin")
  corpus=$WORK/corpus/$name
  mkdir -p "$corpus"
  [ -f "$OUT/${name}_seed_corpus.zip" ] && unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$corpus"
  args=(-runs=0 -timeout=25)
  [ -f "$OUT/$name.dict" ] && args+=("-dict=$OUT/$name.dict")
  max_len=$(sed -n 's/^max_len *= *//p' "$OUT/$name.options" 2>/dev/null || true)
  [ -n "$max_len" ] && args+=("-max_len=$max_len")
  seeds=$(find "$corpus" -type f | wc -l)
  n=$((n + 1))
  if "$bin" "${args[@]}" "$corpus" >"$WORK/$name.log" 2>&1; then
    echo "ok    $name: $seeds seeds"
  else
    echo "FAIL  $name: $seeds seeds"
    grep -E 'ERROR|runtime error|SUMMARY|ParseDictionary|#[0-9]+' "$WORK/$name.log" | head -20 || true
    fails=$((fails + 1))
  fi
done
echo "run-local: $((n - fails))/$n targets replay their seed corpus cleanly"
[ "$n" -gt 0 ] && [ "$fails" -eq 0 ]
