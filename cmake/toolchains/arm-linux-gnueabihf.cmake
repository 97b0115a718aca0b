# SPDX-License-Identifier: MIT
# Cross build for 32-bit ARM (armv7 hard-float, little-endian, 32-bit size_t) with Debian's
# g++-arm-linux-gnueabihf; tests run under qemu-user (qemu-arm) through ctest. Used by
# scripts/checks.d/cross.sh, which also says how to point find_package at doctest and JSON.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
# -Wno-psabi: g++ notes that GCC 7.1 changed how some std:: types are passed on ARM (harmless).
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
# Static executables need none of the target's shared libraries under qemu.
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm)
# Libraries and packages come from the target's tree only (never the host's x86-64 ones).
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
