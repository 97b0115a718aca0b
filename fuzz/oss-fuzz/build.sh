#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# OSS-Fuzz build script for pqike (https://google.github.io/oss-fuzz/getting-started/new-project-guide/).
# Builds every fuzz/targets/<name>.cpp as $OUT/fuzz_<name> with $CXX $CXXFLAGS and links
# $LIB_FUZZING_ENGINE into the fuzz targets only (pqike is header-only: nothing else is built).
# Next to each target it ships:
#   fuzz_<name>_seed_corpus.zip  from fuzz/corpus/<name>/
#   fuzz_<name>.dict             fuzz/dict/<name>.dict, else by family (wire/kex/keys -> ike.dict,
#                                escape -> escape.dict)
#   fuzz_<name>.options          [libfuzzer] max_len: 70000 for reassembly (multi-fragment
#                                inputs), else 4096, raised to the largest seed so no seed is cut
# Targets that use OpenSSL (name contains "openssl", or the source includes
# adapters/openssl.hpp) link libcrypto statically (the runner image has no libssl); they are
# skipped under MemorySanitizer, whose builds cannot use an uninstrumented libcrypto.
# Also used by fuzz/oss-fuzz/run-local.sh and scripts/checks.d/fuzz-smoke.sh.
# Environment (OSS-Fuzz sets all but JOBS): SRC, OUT, CXX, CXXFLAGS, LIB_FUZZING_ENGINE,
# SANITIZER; JOBS = parallel compiles (default: nproc).

cd "$SRC/pqike"
JOBS=${JOBS:-$(nproc)}
SANITIZER=${SANITIZER:-address}

dict_for() {  # $1 = target name; prints the dictionary file to ship, if any
  if [ -f "fuzz/dict/$1.dict" ]; then echo "fuzz/dict/$1.dict"; return; fi
  case "$1" in
    wire_*|kex_*|keys_*) echo fuzz/dict/ike.dict ;;
    escape_*) echo fuzz/dict/escape.dict ;;
  esac
}

max_len_for() {  # $1 = target name
  local len=4096 biggest=0 f s
  case "$1" in *reassembl*|*fragment*) len=70000 ;; esac
  if [ -d "fuzz/corpus/$1" ]; then
    for f in "fuzz/corpus/$1"/*; do
      [ -f "$f" ] || continue
      s=$(stat -c %s "$f")
      [ "$s" -gt "$biggest" ] && biggest=$s
    done
  fi
  [ "$biggest" -gt "$len" ] && len=$biggest
  echo "$len"
}

uses_openssl() {  # $1 = source file
  case "$(basename "$1")" in *openssl*) return 0 ;; esac
  grep -q 'adapters/openssl.hpp' "$1"
}

build_one() {  # $1 = source file
  local src=$1 name libs=()
  name=$(basename "$src" .cpp)
  if uses_openssl "$src"; then
    if [ "$SANITIZER" = memory ]; then
      echo "skip fuzz_$name: needs OpenSSL, which is not instrumented for MemorySanitizer"
      return 0
    fi
    libs=(-Wl,-Bstatic -lcrypto -Wl,-Bdynamic -ldl -pthread)
  fi
  # shellcheck disable=SC2086  # CXXFLAGS and LIB_FUZZING_ENGINE are word lists by design
  $CXX $CXXFLAGS -std=c++20 -Iinclude -Ifuzz -Itests "$src" -o "$OUT/fuzz_$name" \
    $LIB_FUZZING_ENGINE "${libs[@]}" || return 1  # (-e does not apply inside `f || ...`)

  if [ -d "fuzz/corpus/$name" ]; then
    rm -f "$OUT/fuzz_${name}_seed_corpus.zip"
    (cd "fuzz/corpus/$name" && zip -q -r -X "$OUT/fuzz_${name}_seed_corpus.zip" .) || return 1
  fi
  local dict
  dict=$(dict_for "$name")
  [ -n "$dict" ] && cp "$dict" "$OUT/fuzz_$name.dict"
  printf '[libfuzzer]\nmax_len = %s\n' "$(max_len_for "$name")" >"$OUT/fuzz_$name.options"
  echo "built fuzz_$name"
}

failures=$(mktemp)
for src in fuzz/targets/*.cpp; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  { build_one "$src" || echo "$(basename "$src" .cpp)" >>"$failures"; } &
done
wait
# The family dictionaries too, for anyone fuzzing by hand.
cp fuzz/dict/*.dict "$OUT/"
if [ -s "$failures" ]; then
  echo "build.sh: failed to build: $(tr '\n' ' ' <"$failures")" >&2
  rm -f "$failures"
  exit 1
fi
rm -f "$failures"
