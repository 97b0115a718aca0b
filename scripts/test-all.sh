#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test pqike has: g++ with ASan+UBSan, clang++, Meson, the consumer packages, and the
# extra checks in scripts/checks.d/ (constant-time, fuzz smoke, ...). Installs missing Debian
# packages first. Ends with "N passed, M failed, K skipped" (a skip, e.g. no OpenSSL in the Meson
# build or no SHA-NI on the CPU, is neither a pass nor a failure); exit status is non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export CTEST_OUTPUT_ON_FAILURE=1

# ---- dependencies ---------------------------------------------------------------------------
pkgs=(g++ clang cmake ninja-build meson pkg-config python3 doctest-dev nlohmann-json3-dev libcli11-dev
      libbenchmark-dev libclang-rt-14-dev libssl-dev libpcap-dev valgrind tshark zip unzip)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { echo "package installation failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0
failed=0
skipped=0
failed_steps=()
start=$(date +%s)

count_ctest() {  # $1 = log file; adds ctest's counts to the totals
  local line f t s
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$1" | tail -1)
  if [ -z "$line" ]; then failed=$((failed + 1)); return; fi
  t=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$line")
  # Skipped tests (SKIP_RETURN_CODE) are in ctest's total and not failed; it lists them under
  # "The following tests did not run:" as "<n> - <name> (Skipped)".
  s=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$1")
  passed=$((passed + t - f - s)); failed=$((failed + f)); skipped=$((skipped + s))
}

step() {  # $1 = name; rest = command. A failing command counts as a failure of the step.
  local name=$1; shift
  echo "== $name"
  local t0=$(date +%s)
  if "$@"; then echo "-- $name ok ($(( $(date +%s) - t0 )) s)"
  else echo "-- $name FAILED ($(( $(date +%s) - t0 )) s)"; failed_steps+=("$name"); return 1; fi
}

cmake_suite() {  # $1 = preset
  local preset=$1 log="build/$1-ctest.log"
  step "$preset: configure" cmake --preset "$preset" >/dev/null || { failed=$((failed + 1)); return; }
  step "$preset: build" cmake --build --preset "$preset" -j2 || { failed=$((failed + 1)); return; }
  mkdir -p build
  step "$preset: ctest" bash -c "ctest --preset $preset -j2 2>&1 | tee $log | grep -E 'Test +#|tests passed|FAILED|Failed|Skipped'"
  count_ctest "$log"
}

cmake_suite debug-asan
cmake_suite clang

# Meson: the same doctest suites through `meson test`, built as the hardened build a
# distribution would ship (g++ -O2 -g), portable-only and without OpenSSL: PQIKE_NO_AVX2 and
# PQIKE_NO_SHA_NI (include/pqike/config.hpp) leave the x86 vector code out, and
# -Dopenssl=disabled gives the configuration with reference crypto only, no package at all.
# Suites that need OpenSSL or the vector paths report a skip there (exit code 77); the exchange
# suites run over the reference suite.
#   -D_GLIBCXX_ASSERTIONS       bounds checks in std::array/span/vector operator[], front(), ...
#   -D_FORTIFY_SOURCE=2         checked memcpy/memset/... where sizes are known
#   -fstack-protector-strong    stack canaries
#   -fstack-clash-protection    no stack-clash jumps over the guard page
hardening="['-D_GLIBCXX_ASSERTIONS','-D_FORTIFY_SOURCE=2','-fstack-protector-strong','-fstack-clash-protection','-DPQIKE_NO_AVX2','-DPQIKE_NO_SHA_NI']"
mlog=build/meson-test.log
mkdir -p build
if step "meson (hardened g++): setup+compile" bash -c "rm -rf build/meson && meson setup build/meson --buildtype=debugoptimized -Dopenssl=disabled -Dcpp_args=\"$hardening\" >/dev/null && meson compile -C build/meson"; then
  step "meson: test" bash -c "meson test -C build/meson --num-processes 2 2>&1 | tee $mlog | tail -12"
  ok=$(grep -E '^Ok:' "$mlog" | awk '{print $2}'); fl=$(grep -E '^Fail:' "$mlog" | awk '{print $2}')
  to=$(grep -E '^Timeout:' "$mlog" | awk '{print $2}'); sk=$(grep -E '^Skipped:' "$mlog" | awk '{print $2}')
  passed=$((passed + ${ok:-0})); failed=$((failed + ${fl:-1} + ${to:-0})); skipped=$((skipped + ${sk:-0}))
  # Without OpenSSL the exchange suites must still run cases (they once compiled to none and
  # passed): print doctest's count for each, and count a suite that ran none as a failure.
  counts=$(awk '/^test: +test_exchange_/ {t = $2} t && /\[doctest\] test cases:/ {print t, $4; t = ""}' \
    build/meson/meson-logs/testlog.txt)
  echo "${counts:-no test_exchange_* suite in the meson log}" | sed 's/^/   meson, no OpenSSL: /; s/ \([0-9]*\)$/: \1 test cases/'
  if [ -z "$counts" ] || awk '$2 == 0 {bad = 1} END {exit !bad}' <<<"$counts"; then
    echo "-- meson: an exchange suite ran no test case without OpenSSL"; failed=$((failed + 1))
  fi
else
  failed=$((failed + 1))
fi

# Extra checks: each script prints its own result and exits non-zero on failure.
# Exit status 77 is a skip (e.g. no root for a live daemon), counted as such, never as a pass.
for check in scripts/checks.d/*.sh; do
  [ -e "$check" ] || continue
  name="check $(basename "$check" .sh)"
  echo "== $name"
  t0=$(date +%s)
  bash "$check"; rc=$?
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); echo "-- $name ok ($(( $(date +%s) - t0 )) s)"
  elif [ "$rc" -eq 77 ]; then skipped=$((skipped + 1)); echo "-- $name skipped"
  else failed=$((failed + 1)); failed_steps+=("$name"); echo "-- $name FAILED ($(( $(date +%s) - t0 )) s)"; fi
done

echo
echo "wall time: $(( $(date +%s) - start )) s"
((${#failed_steps[@]})) && echo "failed steps: ${failed_steps[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
