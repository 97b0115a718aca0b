#!/usr/bin/env bash
# Hardened-build check: builds every test suite and every fuzz target's corpus replay once with
# g++ -O2 and the hardening flags a distribution would use, and runs them (ctest):
#   -D_GLIBCXX_ASSERTIONS       bounds checks in std::array/span/vector operator[], front(), ...
#   -D_FORTIFY_SOURCE=2         checked memcpy/memset/... where sizes are known
#   -fstack-protector-strong    stack canaries
#   -fstack-clash-protection    no stack-clash jumps over the guard page
# Separate build directory build/hardening (incremental on re-runs); the strict warnings of the
# project apply (-Werror). Benchmarks and examples are not built. Prints the ctest summary and
# the time; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
bdir=build/hardening
flags="-O2 -D_GLIBCXX_ASSERTIONS -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection"

if ! cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ \
     -DCMAKE_CXX_FLAGS_RELEASE="$flags" -DPQIKE_BUILD_BENCH=OFF -DPQIKE_BUILD_EXAMPLES=OFF \
     -DPQIKE_BUILD_TESTS=ON -DPQIKE_BUILD_FUZZ=ON >"$bdir.configure.log" 2>&1; then
  tail -20 "$bdir.configure.log"; echo "hardening: configure FAILED"; exit 1
fi
if ! cmake --build "$bdir" -j2 >"$bdir.build.log" 2>&1; then
  grep -E 'error|FAILED' "$bdir.build.log" | head -30
  echo "hardening: build FAILED ($flags)"; exit 1
fi
built=$(( $(date +%s) - start ))
log=$bdir.ctest.log
ctest --test-dir "$bdir" -j2 --output-on-failure >"$log" 2>&1
rc=$?
grep -E 'tests passed|\*\*\*Failed|Failed  |\(Subprocess aborted\)|Exception' "$log" | head -30
echo "hardening: g++ $flags: build ${built} s, total $(( $(date +%s) - start )) s"
[ "$rc" -eq 0 ]
