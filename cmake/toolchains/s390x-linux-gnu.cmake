# SPDX-License-Identifier: MIT
# Cross build for IBM Z (s390x: 64-bit, big-endian) with Debian's
# g++-s390x-linux-gnu; tests run under qemu-user (qemu-s390x) through ctest. Used by
# scripts/checks.d/cross.sh, which also says how to point find_package at doctest and JSON.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(CMAKE_C_COMPILER s390x-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER s390x-linux-gnu-g++)
# Static executables need none of the target's shared libraries under qemu.
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-s390x)
# Libraries and packages come from the target's tree only (never the host's x86-64 ones).
set(CMAKE_FIND_ROOT_PATH /usr/s390x-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
