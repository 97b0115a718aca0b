#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Concept diagnostics: every tests/compile_fail/*.cpp static_asserts that a broken policy type
# satisfies a concept of include/pqike/policy/. With g++ and clang++ each file must
#   1. fail to compile,
#   2. produce a diagnostic that names the concept (`// expect-concept: Name`) and the unsatisfied
#      requirement (`// expect-requirement: extended regex`) on a note/error line, and
#   3. compile with -DPQIKE_CONTROL, which supplies the missing member (so the failure is caused
#      by that member alone).
# Prints one line per file and compiler and "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
flags=(-std=c++20 -fsyntax-only -I"$root/include")
passed=0
failed=0
compilers=()
for c in g++ clang++; do
  if command -v "$c" >/dev/null 2>&1; then compilers+=("$c"); else echo "FAIL: $c not found"; failed=$((failed + 1)); fi
done

shopt -s nullglob
files=("$root"/tests/compile_fail/*.cpp)
if ((${#files[@]} == 0)); then echo "FAIL: no files in tests/compile_fail"; exit 1; fi

for f in "${files[@]}"; do
  name=$(basename "$f")
  concept=$(sed -n 's|^// expect-concept: *||p' "$f" | head -1)
  req=$(sed -n 's|^// expect-requirement: *||p' "$f" | head -1)
  if [ -z "$concept" ] || [ -z "$req" ]; then
    echo "FAIL $name: missing expect-concept / expect-requirement lines"; failed=$((failed + 1)); continue
  fi
  for c in "${compilers[@]}"; do
    out=$("$c" "${flags[@]}" "$f" 2>&1)
    rc=$?
    why=""
    if [ $rc -eq 0 ]; then
      why="compiled, but must fail"
    else
      # Only diagnostic lines count, not the echoed source lines under them.
      diag=$(grep -E '(error|note):|required by the constraints|required for the satisfaction of' <<<"$out")
      # clang: "does not satisfy 'X'"; g++: "concept X'" or, for a named part of a concept
      # (policy/ splits each concept into them), "satisfaction of 'X<...>'".
      grep -Eq "(does not satisfy '${concept}'|concept ([A-Za-z_0-9]+::)*${concept}[’']|satisfaction of [‘']([A-Za-z_0-9]+::)*${concept}<)" <<<"$diag" \
        || why="diagnostic does not name concept $concept"
      grep -Eq "$req" <<<"$(grep -E '(error|note):' <<<"$diag")" \
        || why="${why:+$why; }diagnostic does not name requirement /$req/"
    fi
    if [ -z "$why" ] && ! "$c" "${flags[@]}" -DPQIKE_CONTROL "$f" >/dev/null 2>&1; then
      why="control build (-DPQIKE_CONTROL) does not compile"
    fi
    if [ -z "$why" ]; then
      echo "ok   $c $name: names $concept and /$req/"
      passed=$((passed + 1))
    else
      echo "FAIL $c $name: $why"
      sed 's/^/    | /' <<<"$out" | head -20
      failed=$((failed + 1))
    fi
  done
done

echo "concept-diagnostics: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
