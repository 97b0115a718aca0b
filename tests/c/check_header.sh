#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The C header compiles as C11 with gcc and clang and as C++11 and C++20 with g++ and clang++,
# warning-free (tests/c/header_check.c: sizes, alignment, include guard, embedding).
# Usage: check_header.sh <include dir> <header_check.c>. Exit 77 (ctest skip) when a compiler is
# missing, after checking with the ones that exist; 1 on any failure.
set -uo pipefail
inc=$1 src=$2
warn=(-Wall -Wextra -Wpedantic -Werror)
fail=0 missing=()
try() {  # $1 = compiler, rest = flags
  local cc=$1; shift
  if ! command -v "$cc" >/dev/null; then missing+=("$cc"); return; fi
  if "$cc" "$@" "${warn[@]}" -I"$inc" -fsyntax-only "$src"; then echo "ok   $cc $*"
  else echo "FAIL $cc $*"; fail=1; fi
}
try gcc -std=c11 -x c
try clang -std=c11 -x c
try g++ -std=c++11 -x c++
try g++ -std=c++20 -x c++ -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast
try clang++ -std=c++11 -x c++
try clang++ -std=c++20 -x c++ -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast
[ "$fail" -ne 0 ] && exit 1
if ((${#missing[@]})); then echo "skipped: ${missing[*]} not installed"; exit 77; fi
exit 0
