#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""List tests/unit/*.cpp for meson.build (meson has no glob), or check a list given by CMake."""
import pathlib
import sys

here = pathlib.Path(__file__).resolve().parent
suites = sorted(p.name for p in (here / "unit").glob("*.cpp"))
if len(sys.argv) > 1 and sys.argv[1] == "--check":
    cmake = sorted(pathlib.Path(a).name for a in sys.argv[2:])
    if cmake != suites:
        print("CMake suites", cmake, "!= Meson suites", suites)
        sys.exit(1)
    print(len(suites), "suites in both build systems")
else:
    print("\n".join(suites))
