#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Constant-time check (valgrind memcheck). Secrets are poisoned with ct::secret in a
# -DPQIKE_CT_TESTING=1 build, so any branch or memory index that depends on them is a memcheck
# error. For g++ and clang++ at -O1, -O2, -O3 and -Os:
#   - tests/ct/ct_mlkem.cpp (keygen, encaps, decaps incl. implicit rejection, all three ML-KEM
#     sets, on the portable, the AVX2 and the dispatching backend; valgrind emulates AVX2, and
#     on a host with AVX2 the program fails if the AVX2 backend cannot run) and
#     tests/ct/ct_hmac.cpp (SHA-2, HMAC PRFs, ICV verify) must run with zero reports;
#   - tests/ct/ct_selftest.cpp must be caught for its leaky modes ("branch", "index") and not for
#     its masked one ("clean"): a harness that catches nothing fails this check.
# (-gdwarf-4: the valgrind of Debian 12 cannot read clang 14's default DWARF 5.)
# Prints one line per run and a summary; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
if ! command -v valgrind >/dev/null; then echo "ct: valgrind not installed"; exit 1; fi
out=$(mktemp -d "${TMPDIR:-/tmp}/pqike-ct.XXXXXX")
trap 'rm -rf "$out"' EXIT
# The AVX2 backend must be covered wherever the host could run it.
grep -qw avx2 /proc/cpuinfo 2>/dev/null && export PQIKE_CT_REQUIRE_AVX2=1
vg=(valgrind --error-exitcode=1 --exit-on-first-error=no -q --track-origins=yes)
fails=0
runs=0

expect() {  # $1 = want (clean|leak), $2 = label, rest = command
  local want=$1 label=$2; shift 2
  runs=$((runs + 1))
  if "${vg[@]}" "$@" >"$out/log" 2>&1; then got=clean; else got=leak; fi
  if [ "$got" = "$want" ]; then
    echo "ok    $label ($got)"
  else
    echo "FAIL  $label: expected $want, got $got"
    sed -n 1,40p "$out/log"
    fails=$((fails + 1))
  fi
}

combos=()
for cxx in g++ clang++; do
  if ! command -v "$cxx" >/dev/null; then echo "FAIL  $cxx not found"; fails=$((fails + 1)); continue; fi
  for opt in -O1 -O2 -O3 -Os; do combos+=("$cxx $opt"); done
done

# Compile two at a time (the check has 2 cores), then run the binaries under valgrind.
compile() {  # $1 = compiler, $2 = -O level
  local flags=(-std=c++20 -gdwarf-4 "$2" -DPQIKE_CT_TESTING=1 -Iinclude)
  "$1" "${flags[@]}" tests/ct/ct_mlkem.cpp -o "$out/ct_mlkem_$1$2" &&
    "$1" "${flags[@]}" tests/ct/ct_selftest.cpp -o "$out/ct_selftest_$1$2" &&
    "$1" "${flags[@]}" tests/ct/ct_hmac.cpp -o "$out/ct_hmac_$1$2"
}
for c in "${combos[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
  # shellcheck disable=SC2086
  compile $c >"$out/compile_${c// /}.log" 2>&1 &
done
wait

for c in "${combos[@]}"; do
  tag=${c// /}
  if [ ! -x "$out/ct_mlkem_$tag" ] || [ ! -x "$out/ct_selftest_$tag" ] || [ ! -x "$out/ct_hmac_$tag" ]; then
    echo "FAIL  $tag: compile"; sed -n 1,20p "$out/compile_$tag.log"; fails=$((fails + 1)); continue
  fi
  expect clean "$tag ML-KEM keygen/encaps/decaps" "$out/ct_mlkem_$tag"
  expect clean "$tag SHA-2/HMAC" "$out/ct_hmac_$tag"
  expect leak "$tag selftest: branch on secret is caught" "$out/ct_selftest_$tag" branch
  expect leak "$tag selftest: secret table index is caught" "$out/ct_selftest_$tag" index
  expect clean "$tag selftest: masked select is not flagged" "$out/ct_selftest_$tag" clean
done

echo "ct: $((runs - fails))/$runs as expected"
[ "$fails" -eq 0 ]
