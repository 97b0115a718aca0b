#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds four tiny consumer projects against pqike and runs each: installed package via
# find_package, add_subdirectory, a Meson subproject, and plain pkg-config flags.
set -euo pipefail
src=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
CXX=${CXX:-c++}
rm -rf "$work" && mkdir -p "$work"

echo "== install"
cmake -S "$src" -B "$work/pqike-build" -DPQIKE_BUILD_TESTS=OFF -DPQIKE_BUILD_BENCH=OFF \
  -DPQIKE_BUILD_FUZZ=OFF -DPQIKE_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/pqike-build" >/dev/null

echo "== find_package"
cmake -S "$here/find_package" -B "$work/fp" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_CXX_COMPILER="$CXX" >/dev/null
cmake --build "$work/fp" >/dev/null
"$work/fp/consumer"

echo "== add_subdirectory"
cmake -S "$here/subdirectory" -B "$work/sd" -DPQIKE_SOURCE="$src" -DCMAKE_CXX_COMPILER="$CXX" >/dev/null
cmake --build "$work/sd" >/dev/null
"$work/sd/consumer"

echo "== pkg-config"
PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --cflags pqike
# shellcheck disable=SC2046
"$CXX" $(PKG_CONFIG_PATH="$work/prefix/share/pkgconfig" pkg-config --cflags pqike) \
  "$here/main.cpp" -o "$work/pc-consumer"
"$work/pc-consumer"

echo "== meson subproject"
if command -v meson >/dev/null; then
  cp -r "$here/meson_subproject" "$work/ms"
  cp "$here/main.cpp" "$work/main.cpp"
  mkdir -p "$work/ms/subprojects"
  ln -s "$src" "$work/ms/subprojects/pqike"
  (cd "$work/ms" && CXX="$CXX" meson setup build >/dev/null && meson compile -C build >/dev/null)
  "$work/ms/build/consumer"
else
  echo "meson not installed" >&2
  exit 1
fi
echo "all consumers ok"
