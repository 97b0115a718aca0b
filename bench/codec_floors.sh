#!/bin/sh
# SPDX-License-Identifier: MIT
# The wire codec floors of issue 22, one command: builds bench_wire (the codec alone in its
# unit) and bench_daemon_tu (the same bodies inside the whole library, the exchange helpers and
# the OpenSSL adapters) with g++ -O3 (release preset) and clang++ -O2 (clang preset), then runs
# the four binaries interleaved and prints median and min CPU time per benchmark.
# Floors: BM_decode_ike_sa_init <= 100 ns, BM_encode_ike_sa_init <= 100 ns,
# BM_decode_intermediate_mlkem1024 <= 20 ns, in every column.
#   bench/codec_floors.sh [ROUNDS]       (default 5; run from the source tree's top)
set -eu
rounds=${1:-5}
cmake --preset release -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build/release --target bench_wire bench_daemon_tu
cmake --preset clang >/dev/null
cmake --build build/clang --target bench_wire bench_daemon_tu
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "g++: $(g++ --version | head -n1); clang++: $(clang++ --version | head -n1)"
exec python3 "$(dirname "$0")/ab.py" "$rounds" \
    'BM_decode_ike_sa_init|BM_encode_ike_sa_init|BM_decode_intermediate_mlkem1024' \
    g++/wire=build/release/bench/bench_wire g++/daemon_tu=build/release/bench/bench_daemon_tu \
    clang/wire=build/clang/bench/bench_wire clang/daemon_tu=build/clang/bench/bench_daemon_tu
