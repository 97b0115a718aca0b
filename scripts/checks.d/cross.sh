#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross check: the portable code on 32-bit ARM (armhf: 32-bit size_t, little-endian) and on
# big-endian s390x. Routers and appliances that run IKE are often one or the other, and x86-64
# hides both byte-order and 32-bit-size_t mistakes.
#
# For each architecture it cross-compiles (Debian's g++-12 cross compilers, -O1, -static, the
# project's strict warnings with -Werror, through CMake and cmake/toolchains/<triple>.cmake) the
# doctest suites that cover the wire codec (and the pcap file format), SHA-2/HMAC, SHA-3/SHAKE,
# Keccak x4, ML-KEM, the key schedule and the escape codec, runs each under qemu-user (two at a
# time), and compiles every public header (except adapters/openssl.hpp) with the strict
# warnings, -fno-exceptions and -fno-rtti. No AVX2/SHA-NI code exists there (cpu.hpp compiles
# it out), so the known answers prove the portable paths. Under qemu the tests are built with PQIKE_TEST_EMULATED, which only shortens
# randomized bulk runs: mlkem runs the CCTV accumulated 100-test hashes instead of the 10 000-test
# ones (those take minutes under emulation); every other known answer runs in full.
#
# Prints one line per architecture and suite, then "N passed, M failed"; exits non-zero on any
# failure. Installs what it needs with apt-get (cross g++, qemu-user, doctest, nlohmann-json,
# python3 for the keys_schedule model) when missing.
#
# Run it alone, from anywhere (root, or sudo for apt-get):
#   bash scripts/checks.d/cross.sh                      # both architectures
#   PQIKE_CROSS_ARCHES=s390x bash scripts/checks.d/cross.sh   # one of: arm s390x
# Build trees: build/cross-<arch>/ (reused by later runs). One suite by hand:
#   qemu-s390x build/cross-s390x/tests/test_sha3
# Cost, from cold: 4.7-5.2 CPU-minutes, nearly all compiling (the emulated suites run in ~12 s on
# armhf, ~9 s on s390x), so an estimated ~3 minutes on 2 idle cores plus ~20 s of apt-get;
# measured: 8-11 minutes wall on 2 cores shared with other builds (load average 7-9).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$(pwd)
start=$(date +%s)

suites=(core wire_header wire_chain wire_payloads wire_message wire_registry wire_sk wire_fragment
        wire_pcap sha2_hmac sha3 keccak_x4 mlkem keys_kdf keys_schedule escape_codec escape_vectors)
read -r -a arches <<<"${PQIKE_CROSS_ARCHES:-arm s390x}"
declare -A triple=([arm]=arm-linux-gnueabihf [s390x]=s390x-linux-gnu)
declare -A emulator=([arm]=qemu-arm [s390x]=qemu-s390x)

# ---- dependencies ---------------------------------------------------------------------------
pkgs=(cmake ninja-build python3 doctest-dev nlohmann-json3-dev)
need_qemu=0
for a in "${arches[@]}"; do
  pkgs+=("g++-${triple[$a]}")
  # qemu-user, unless qemu-user-static already provides the emulator.
  command -v "${emulator[$a]}-static" >/dev/null || need_qemu=1
done
((need_qemu)) && pkgs+=(qemu-user)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "cross: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  t0=$(date +%s)
  $sudo_cmd apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null \
    || { echo "cross: package installation failed"; echo "0 passed, 1 failed"; exit 1; }
  echo "cross: packages installed in $(( $(date +%s) - t0 )) s"
fi

for a in "${arches[@]}"; do
  command -v "${emulator[$a]}" >/dev/null || emulator[$a]="${emulator[$a]}-static"
done

passed=0
failed=0
report() {  # $1 = ok|FAILED, rest = the line
  local verdict=$1; shift
  printf '%-6s %s\n' "$verdict" "$*"
  if [ "$verdict" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# doctest and nlohmann-json are header-only, but their CMake packages point at /usr/include,
# which must not be on a cross compiler's path (it holds the host's C library headers). Stage
# just their headers and a minimal package config for the cross build.
stage_header_packages() {  # $1 = directory
  local d=$1
  mkdir -p "$d/include" "$d/cmake"
  ln -sfn /usr/include/doctest "$d/include/doctest"
  ln -sfn /usr/include/nlohmann "$d/include/nlohmann"
  local t
  for t in doctest::doctest nlohmann_json::nlohmann_json; do
    printf 'add_library(%s INTERFACE IMPORTED)\nset_target_properties(%s PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "%s")\n' \
      "$t" "$t" "$d/include" >"$d/cmake/${t%%::*}Config.cmake"
  done
  local v
  v=$(dpkg-query -W -f='${Version}' nlohmann-json3-dev | sed -E 's/-.*//')
  printf 'set(PACKAGE_VERSION %s)\nif(PACKAGE_FIND_VERSION_MAJOR EQUAL 3)\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\nendif()\n' \
    "$v" >"$d/cmake/nlohmann_jsonConfigVersion.cmake"
}

check_headers() {  # $1 = arch; compiles, prints what failed, returns non-zero on any failure
  local cxx="${triple[$1]}-g++" dir="$root/build/cross-$1" h rc=0
  local flags=(-std=c++20 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror
               -Wno-psabi -fno-exceptions -fno-rtti -I "$root/include" -fsyntax-only)
  local all=() own=()
  mapfile -t all < <(cd "$root/include" && find pqike -name '*.hpp' ! -path pqike/adapters/openssl.hpp | sort)
  mapfile -t own < <(cd "$root/include" && grep -lE 'PQIKE_HAVE_|__x86_64__|endian::native|cpu\.hpp' "${all[@]}")
  printf '#include <%s>\n' "${all[@]}" >"$dir/all_headers.cpp"
  "$cxx" "${flags[@]}" "$dir/all_headers.cpp" || { echo "FAILED: all headers in one TU"; rc=1; }
  for h in "${own[@]}"; do
    printf '#include <%s>\n#include <%s>\n' "$h" "$h" | "$cxx" "${flags[@]}" -x c++ - \
      || { echo "FAILED: $h on its own"; rc=1; }
  done
  echo "${#all[@]} headers in one TU, ${#own[@]} on their own"
  return $rc
}

run_suite() {  # $1 = arch, $2 = suite; prints one report line into build/cross-<arch>/<suite>.result
  local a=$1 s=$2 dir="$root/build/cross-$1" t0 rc summary ms
  t0=$(date +%s%N)
  (cd "$dir" && timeout 300 "${emulator[$a]}" "tests/test_$s" --no-colors=true >"$s.log" 2>&1)
  rc=$?
  summary=$(grep -E '^\[doctest\] test cases:' "$dir/$s.log" | sed -E 's/\[doctest\] test cases: *//; s/ +/ /g')
  [ $rc -eq 124 ] && summary="timed out after 300 s"
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '%s %-6s %-14s %s (%d.%d s)\n' "$([ $rc -eq 0 ] && echo ok || echo FAILED)" "$a" "$s" \
    "${summary:-no doctest summary, exit $rc}" $((ms / 1000)) $((ms % 1000 / 100)) >"$dir/$s.result"
}

for a in "${arches[@]}"; do
  dir="$root/build/cross-$a"
  tc="$root/cmake/toolchains/${triple[$a]}.cmake"
  t0=$(date +%s)
  stage_header_packages "$dir/pkgs"
  if ! cmake -S "$root" -B "$dir" -G Ninja --toolchain "$tc" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 \
        -DPQIKE_BUILD_BENCH=OFF -DPQIKE_BUILD_FUZZ=OFF -DPQIKE_BUILD_EXAMPLES=OFF \
        -Ddoctest_DIR="$dir/pkgs/cmake" -Dnlohmann_json_DIR="$dir/pkgs/cmake" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    report FAILED "$a: cmake configure (log above)"
    continue
  fi

  # Public headers (all but adapters/openssl.hpp) with the strict warnings, -fno-exceptions and
  # -fno-rtti: all of them in one translation unit, and on their own those whose includes
  # depend on the architecture (x86 guards, cpu.hpp, std::endian). The native ctest header check
  # already compiles every header on its own; this keeps the cross part to seconds.
  if check_headers "$a" >"$dir.headers.log" 2>&1; then
    report ok "$a: public headers compile with -Werror ($(( $(date +%s) - t0 )) s)"
  else
    grep -E 'error|FAILED' "$dir.headers.log" | head -40
    report FAILED "$a: public headers (full log: $dir.headers.log)"
  fi

  t0=$(date +%s)
  targets=()
  for s in "${suites[@]}"; do targets+=("test_$s"); rm -f "$dir/tests/test_$s"; done
  # -k 0: build every suite that compiles, so one error does not hide the others' results.
  cmake --build "$dir" --target "${targets[@]}" -j2 -- -k 0 >"$dir.build.log" 2>&1 \
    || grep -E 'error|FAILED' "$dir.build.log" | head -40
  echo "cross: $a: suites built in $(( $(date +%s) - t0 )) s"

  # Two suites at a time under qemu (one per core).
  t0=$(date +%s)
  rm -f "$dir"/*.result
  running=0
  for s in "${suites[@]}"; do
    if [ ! -x "$dir/tests/test_$s" ]; then  # (removed before the build: not a stale binary)
      echo "FAILED $a $s did not build (log: $dir.build.log)" >"$dir/$s.result"
      continue
    fi
    run_suite "$a" "$s" &
    running=$((running + 1))
    if [ $running -ge 2 ]; then wait -n; running=$((running - 1)); fi
  done
  wait
  for s in "${suites[@]}"; do
    line=$(cat "$dir/$s.result")
    report "${line%% *}" "${line#* }"
    [ "${line%% *}" = ok ] || [ ! -e "$dir/$s.log" ] || tail -30 "$dir/$s.log"
  done
  echo "cross: $a: suites ran in $(( $(date +%s) - t0 )) s under ${emulator[$a]}"

  # The C ABI's test program (tests/c/test_c_api.c, C11, the cross gcc) over the same vectors.
  t0=$(date +%s)
  rm -f "$dir/tests/c/test_c_api"
  if cmake --build "$dir" --target test_c_api -j2 >"$dir.c_api.build.log" 2>&1; then
    if (cd "$dir" && timeout 300 "${emulator[$a]}" tests/c/test_c_api tests/c/c_vectors.txt >c_api.log 2>&1); then
      report ok "$a: C ABI test: $(tail -1 "$dir/c_api.log") ($(( $(date +%s) - t0 )) s)"
    else
      tail -30 "$dir/c_api.log"
      report FAILED "$a: C ABI test (log: $dir/c_api.log)"
    fi
  else
    grep -E 'error|FAILED' "$dir.c_api.build.log" | head -20
    report FAILED "$a: C ABI test did not build (log: $dir.c_api.build.log)"
  fi
done

echo "cross: wall time $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
