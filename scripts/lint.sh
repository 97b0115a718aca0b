#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static analysis of pqike's headers: clang-tidy 14 (checks in .clang-tidy: bugprone-*, cert-*,
# cppcoreguidelines-pro-bounds-*) and cppcheck (warning, style, performance, portability), each
# over one translation unit per header (#include <pqike/...>), so every header is analysed in
# the context it is compiled in by pqike_header_check (-std=c++20 -fno-exceptions -fno-rtti).
# Diagnostics from several TUs are merged; exit status is non-zero if any remain.
#   usage: scripts/lint.sh [header-substring...]   (e.g. `scripts/lint.sh wire/ escape/message`)
#   env:   JOBS (2), CLANG_TIDY (clang-tidy-14), CPPCHECK (cppcheck), LINT_SKIP=tidy|cppcheck,
#          LINT_ONE_TU=1 (quick: one TU including every selected header; ~15x faster)
# cppcheck's accepted false positives and design decisions are listed, with reasons, in
# scripts/cppcheck-suppressions.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${JOBS:-2}
tidy=${CLANG_TIDY:-clang-tidy-14}
cppcheck=${CPPCHECK:-cppcheck}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pqike-lint.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

headers=()
while IFS= read -r h; do
  if [ $# -gt 0 ]; then
    keep=0
    for pat in "$@"; do [[ "$h" == *"$pat"* ]] && keep=1; done
    [ "$keep" -eq 1 ] || continue
  fi
  headers+=("$h")
done < <(cd include && find pqike -name '*.hpp' | sort)
echo "lint: ${#headers[@]} headers"

mkdir -p "$tmp/tu"
if [ "${LINT_ONE_TU:-0}" = 1 ]; then  # quick mode: all selected headers in one TU
  printf '#include <%s>\n' "${headers[@]}" >"$tmp/tu/all.cpp"
else
  for h in "${headers[@]}"; do
    tu=$tmp/tu/$(echo "$h" | tr '/.' '__').cpp
    printf '#include <%s>\n' "$h" >"$tu"
  done
fi
flags=(-std=c++20 -I"$root/include" -fno-exceptions -fno-rtti)

tidy_one() {  # $1 = TU; clang-tidy's diagnostics in our headers, one line each
  "$tidy" --quiet --config-file="$root/.clang-tidy" "$1" -- "${flags[@]}" 2>/dev/null |
    grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' |
    sed -E "s#^.*include/pqike/#include/pqike/#; s#/[a-z_]+/\.\./#/#g" || true
}
cppcheck_one() {
  "$cppcheck" --std=c++20 --language=c++ --enable=warning,style,performance,portability \
    --inline-suppr --quiet --suppressions-list="$root/scripts/cppcheck-suppressions.txt" \
    -I"$root/include" --template='{file}:{line}:{column}: {severity}: {message} [{id}]' "$1" 2>&1 |
    grep -E ':[0-9]+:[0-9]+: ' | sed -E "s#^.*include/pqike/#include/pqike/#; s#/[a-z_]+/\.\./#/#g" || true
}
export -f tidy_one cppcheck_one
export tidy cppcheck root
export flags_str="${flags[*]}"

status=0
run_tool() {  # $1 = tidy|cppcheck
  local tool=$1 fn=${1}_one t0
  t0=$(date +%s)
  # shellcheck disable=SC2016
  find "$tmp/tu" -name '*.cpp' -print0 |
    xargs -0 -P "$jobs" -I{} bash -c 'flags=($flags_str); '"$fn"' "$1" >"$1.'"$tool"'"' _ {}
  cat "$tmp"/tu/*."$tool" 2>/dev/null | sed -E 's#/[a-z_]+/\.\./#/#g' | sort -u >"$tmp/$tool.txt"
  local n
  n=$(wc -l <"$tmp/$tool.txt")
  echo "== $tool: $n finding(s) ($(( $(date +%s) - t0 )) s)"
  cat "$tmp/$tool.txt"
  [ "$n" -eq 0 ] || status=1
}

if ! command -v "$tidy" >/dev/null; then echo "lint: $tidy not found"; status=1
elif [ "${LINT_SKIP:-}" != tidy ]; then run_tool tidy; fi
if ! command -v "$cppcheck" >/dev/null; then echo "lint: $cppcheck not found"; status=1
elif [ "${LINT_SKIP:-}" != cppcheck ]; then run_tool cppcheck; fi
[ "$status" -eq 0 ] && echo "lint: clean" || echo "lint: findings above"
exit "$status"
