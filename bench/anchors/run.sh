#!/bin/sh
# SPDX-License-Identifier: MIT
# One command for the ML-KEM side-by-side table: fetches pq-crystals/kyber at the pinned commit
# into a scratch directory (never into this tree), builds its avx2 shared objects with its own
# Makefile flags, builds bench/anchors/mlkem_side.cpp against them with g++ -O3, and runs it in
# ROUNDS interleaved rounds (bench/ab.py: median and min CPU time). Needs git, network access,
# Google Benchmark and an AVX2 CPU.
#   bench/anchors/run.sh [ROUNDS] [SCRATCH_DIR]       (defaults: 5, /tmp/pqike-anchors)
set -eu
rounds=${1:-5}
scratch=${2:-/tmp/pqike-anchors}
here=$(cd "$(dirname "$0")" && pwd)
commit=4768bd37c02f9c40a46cb49d4d1f4d5e612bb882
mkdir -p "$scratch"
if [ ! -d "$scratch/kyber" ]; then
    git clone -q https://github.com/pq-crystals/kyber "$scratch/kyber"
fi
git -C "$scratch/kyber" checkout -q "$commit"
make -C "$scratch/kyber/avx2" shared >/dev/null
cc -O2 -fPIC -c "$scratch/kyber/avx2/randombytes.c" -o "$scratch/randombytes.o"
lib="$scratch/kyber/avx2"
g++ -O3 -DNDEBUG -std=gnu++20 -I"$here/../../include" "$here/mlkem_side.cpp" "$scratch/randombytes.o" \
    -o "$scratch/mlkem_side" -L"$lib" -lpqcrystals_kyber512_avx2 -lpqcrystals_kyber768_avx2 \
    -lpqcrystals_kyber1024_avx2 -lpqcrystals_fips202x4_avx2 -lpqcrystals_fips202_ref \
    -Wl,-rpath,"$lib" -lbenchmark -lpthread
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(g++ --version | head -n1)"
echo "pq-crystals/kyber $commit, avx2/Makefile flags: -mavx2 -mbmi2 -mpopcnt -march=native -mtune=native -O3"
"$scratch/mlkem_side" --benchmark_filter=none >/dev/null 2>&1  # aborts unless outputs are byte-identical
exec python3 "$here/../ab.py" "$rounds" mlkem side="$scratch/mlkem_side"
