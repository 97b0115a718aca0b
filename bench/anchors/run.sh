#!/bin/sh
# SPDX-License-Identifier: MIT
# One command for the ML-KEM side-by-side table. Builds only this tree's harness,
# bench/anchors/mlkem_side.cpp (g++ -O3), links it against anchor builds that you made yourself
# outside this tree, checks byte-identical outputs, and runs it in ROUNDS interleaved rounds
# (bench/ab.py: median and min CPU time). It fetches and builds no anchor code.
#   bench/anchors/run.sh PQCRYSTALS_AVX2_DIR MLKEM_NATIVE_OBJ_DIR [ROUNDS] [OUT_DIR]
# PQCRYSTALS_AVX2_DIR: a directory holding pq-crystals/kyber's AVX2 shared libraries
#   libpqcrystals_kyber{512,768,1024}_avx2.so, libpqcrystals_fips202x4_avx2.so and
#   libpqcrystals_fips202_ref.so (docs/ARCHITECTURE.md says which commit and flags the table used).
# MLKEM_NATIVE_OBJ_DIR: a directory whose *.o files (searched recursively) are mlkem-native for
#   all three parameter sets, API prefixes mlkem512_/mlkem768_/mlkem1024_, with one copy of the
#   shared code (docs/ARCHITECTURE.md: commit, configuration and flags of the table's build).
# Needs Google Benchmark and an AVX2 CPU. Defaults: ROUNDS 5, OUT_DIR /tmp/pqike-anchors.
set -eu
if [ $# -lt 2 ]; then sed -n '3,14p' "$0"; exit 2; fi
pc=$(cd "$1" && pwd)
mn=$(cd "$2" && pwd)
rounds=${3:-5}
out=${4:-/tmp/pqike-anchors}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for l in kyber512_avx2 kyber768_avx2 kyber1024_avx2 fips202x4_avx2 fips202_ref; do
    [ -f "$pc/libpqcrystals_$l.so" ] || { echo "missing $pc/libpqcrystals_$l.so" >&2; exit 2; }
done
objs=$(find "$mn" -name '*.o' | sort)
[ -n "$objs" ] || { echo "no object files under $mn" >&2; exit 2; }
# shellcheck disable=SC2086  # object paths from find, one word each
g++ -O3 -DNDEBUG -std=gnu++20 -I"$here/../../include" "$here/mlkem_side.cpp" $objs \
    -o "$out/mlkem_side" -L"$pc" -lpqcrystals_kyber512_avx2 -lpqcrystals_kyber768_avx2 \
    -lpqcrystals_kyber1024_avx2 -lpqcrystals_fips202x4_avx2 -lpqcrystals_fips202_ref \
    -Wl,-rpath,"$pc" -lbenchmark -lpthread
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $(g++ --version | head -n1)"
"$out/mlkem_side" --benchmark_filter=none  # aborts unless outputs are byte-identical
exec python3 "$here/../ab.py" "$rounds" mlkem side="$out/mlkem_side"
