#!/bin/sh
# SPDX-License-Identifier: MIT
# ML-KEM decaps with and without the FIPS 203 §7.3 dk check, one command: builds bench_mlkem
# with g++ -O3 (release preset) and prints median and min CPU time of decaps (an imported dk:
# checked), decaps_own (a dk this process generated: what kex::initiator_ke runs) and check_dk,
# for the run-time backend, over ROUNDS runs.
#   bench/mlkem_decaps.sh [ROUNDS]       (default 5; run from the source tree's top)
set -eu
rounds=${1:-5}
cmake --preset release -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/release --target bench_mlkem
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(g++ --version | head -n1)"
exec python3 "$(dirname "$0")/ab.py" "$rounds" \
    'mlkem(512|768|1024)/(keygen|encaps|decaps|decaps_own|check_dk)$' g++=build/release/bench/bench_mlkem
