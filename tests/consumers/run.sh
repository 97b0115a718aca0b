#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds tiny consumer projects against pqike, one per route a stack takes it in, and runs each:
#   1. find_package after `cmake --install` into one prefix and a move to another (relocatable),
#      with and without the openssl component;
#   2. plain pkg-config from the moved prefix;
#   3. add_subdirectory with tests/bench/fuzz/examples OFF (the default below top level) and ON
#      (one target of each kind is built and run: the old failure was a link error);
#   4. a Meson subproject;
#   5. a copy of include/ in a tree with no build system: `c++ -std=c++20 -I...`.
# Also checks that -Werror reaches pqike's own targets only and that a packager can turn it off.
set -euo pipefail
src=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
CXX=${CXX:-c++}
rm -rf "$work" && mkdir -p "$work"
have_openssl=0
pkg-config --exists 'openssl >= 3' 2>/dev/null && have_openssl=1
cfg() { cmake "$@" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" >/dev/null; }

echo "== 1. install, move the prefix, find_package"
cfg -S "$src" -B "$work/pqike-build" -DPQIKE_BUILD_TESTS=OFF -DPQIKE_BUILD_BENCH=OFF \
  -DPQIKE_BUILD_FUZZ=OFF -DPQIKE_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$work/staged"
cmake --build "$work/pqike-build" >/dev/null  # the C ABI library (pqike::c) is compiled
cmake --install "$work/pqike-build" >/dev/null
mv "$work/staged" "$work/prefix"   # nothing may still point at the staged path
if grep -rq "$work/staged" "$work/prefix"; then
  echo "installed files still name the install-time prefix:"; grep -rl "$work/staged" "$work/prefix"; exit 1
fi
test -f "$work/prefix/include/pqike/pqike.hpp"
cfg -S "$here/find_package" -B "$work/fp" -DCMAKE_PREFIX_PATH="$work/prefix"
cmake --build "$work/fp" >/dev/null
"$work/fp/consumer"
"$work/fp/consumer_c"   # PQIKE_BUILD_C_API is ON by default
if [ "$have_openssl" = 1 ]; then
  cfg -S "$here/find_package" -B "$work/fp-ssl" -DCMAKE_PREFIX_PATH="$work/prefix" -DWITH_OPENSSL=ON
  cmake --build "$work/fp-ssl" >/dev/null
  "$work/fp-ssl/consumer_openssl"
else
  echo "skipped: the openssl component (no OpenSSL 3 development files)"
fi

echo "== 2. pkg-config from the moved prefix"
pc=$(PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --cflags pqike)
echo "pkg-config --cflags pqike: $pc"
case "$pc" in *std=*) echo "the .pc forces a language standard on its consumers"; exit 1;; esac
# shellcheck disable=SC2086
"$CXX" -std=c++20 $pc "$here/main.cpp" -o "$work/pc-consumer"
"$work/pc-consumer"

echo "== 3a. add_subdirectory, pqike's own targets OFF"
cfg -S "$here/subdirectory" -B "$work/sd" -DPQIKE_SOURCE="$src"
cmake --build "$work/sd" >/dev/null
"$work/sd/consumer"

echo "== 3b. add_subdirectory, tests/bench/fuzz/examples ON"
cfg -S "$here/subdirectory" -B "$work/sd-on" -DPQIKE_SOURCE="$src" -DPQIKE_BUILD_TESTS=ON \
  -DPQIKE_BUILD_BENCH=ON -DPQIKE_BUILD_FUZZ=ON -DPQIKE_BUILD_EXAMPLES=ON \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
targets=(consumer test_core fuzz_wire_notify example_parse_ike_sa_init)
[ -f "$work/sd-on/build.ninja" ] && grep -q "bench_sha3:" "$work/sd-on/build.ninja" && targets+=(bench_sha3)
cmake --build "$work/sd-on" --target "${targets[@]}" >/dev/null
"$work/sd-on/consumer"
"$work/sd-on/pqike/tests/test_core" >/dev/null
"$work/sd-on/pqike/examples/example_parse_ike_sa_init" >/dev/null
"$work/sd-on/pqike/fuzz/fuzz_wire_notify" "$src/fuzz/corpus/wire_notify" >/dev/null
echo "built and ran: ${targets[*]}"
python3 - "$work/sd-on/compile_commands.json" <<'PY'
import json, sys
cmds = json.load(open(sys.argv[1]))
own = [c for c in cmds if "/consumers/main.cpp" in c["file"]]
lib = [c for c in cmds if c["file"].endswith("tests/unit/core.cpp")]
assert own and lib, "compile commands missing"
assert not any("-Werror" in c["command"] for c in own), "-Werror leaked into the consumer's target"
assert all("-Werror" in c["command"] for c in lib), "pqike's own targets lost -Werror"
print("-Werror: on pqike's own targets, not on the consumer's")
PY
cfg -S "$here/subdirectory" -B "$work/sd-nowerror" -DPQIKE_SOURCE="$src" -DPQIKE_BUILD_TESTS=ON \
  -DPQIKE_BUILD_BENCH=OFF -DCMAKE_COMPILE_WARNING_AS_ERROR=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
if grep -q -- "-Werror" "$work/sd-nowerror/compile_commands.json"; then
  echo "CMAKE_COMPILE_WARNING_AS_ERROR=OFF did not turn -Werror off"; exit 1
fi
echo "-DCMAKE_COMPILE_WARNING_AS_ERROR=OFF: no -Werror anywhere"

echo "== 4. meson subproject"
command -v meson >/dev/null || { echo "meson not installed" >&2; exit 1; }
cp -r "$here/meson_subproject" "$work/ms"
cp "$here/main.cpp" "$work/main.cpp"
mkdir -p "$work/ms/subprojects"
ln -s "$src" "$work/ms/subprojects/pqike"
(cd "$work/ms" && CXX="$CXX" meson setup build >/dev/null && meson compile -C build >/dev/null)
"$work/ms/build/consumer"

echo "== 5. a copy of include/, no build system"
mkdir -p "$work/vendored/third_party/pqike"
cp -r "$src/include" "$work/vendored/third_party/pqike/"
"$CXX" -std=c++20 -Wall -Wextra -Werror -I"$work/vendored/third_party/pqike/include" \
  "$here/main.cpp" -o "$work/vendored/consumer"
"$work/vendored/consumer"
echo "all consumers ok"
