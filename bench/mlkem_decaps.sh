#!/bin/sh
# SPDX-License-Identifier: MIT
# ML-KEM speed, one command: builds bench_mlkem with g++ -O3 (release preset) and prints median
# and min CPU time over ROUNDS runs of keygen, encaps (with the §7.2 ek check), decaps (an
# imported dk: with the §7.3 check), decaps_own (a dk this process generated: what
# kex::initiator_ke runs), check_dk and check_ek, for the run-time backend (AVX2 where the CPU
# has it) and for the portable one.
#   bench/mlkem_decaps.sh [ROUNDS]       (default 5; run from the source tree's top)
set -eu
rounds=${1:-5}
cmake --preset release -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/release --target bench_mlkem
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(g++ --version | head -n1)"
exec python3 "$(dirname "$0")/ab.py" "$rounds" \
    'mlkem(512|768|1024)/(portable/)?(keygen|encaps|decaps|decaps_own|check_dk|check_ek)$' \
    g++=build/release/bench/bench_mlkem
