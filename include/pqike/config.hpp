// SPDX-License-Identifier: MIT
// Every compile-time switch pqike reads, in one place. Define them on the compiler's command
// line (-DNAME) for the whole program: a switch that differs between translation units breaks
// the one-definition rule. None is needed; the defaults are what a daemon should ship.
//
// | switch            | default            | effect                                          | covered by |
// |-------------------|--------------------|-------------------------------------------------|------------|
// | PQIKE_NO_AVX2     | off (AVX2 code is  | leaves the AVX2 ML-KEM and 4-way Keccak code    | Meson hardened build in scripts/test-all.sh; |
// |                   | compiled on x86-64 | out; ML-KEM runs the portable code everywhere   | every non-x86 build (scripts/checks.d/cross.sh) |
// |                   | g++/clang++, used  |                                                 |            |
// |                   | if the CPU has it) |                                                 |            |
// | PQIKE_FORCE_AVX2  | off                | skips the run-time CPU check and always takes   | test_mlkem_force_avx2 (ctest; skipped on CPUs |
// |                   |                    | the AVX2 path (SIGILL on a CPU without AVX2)    | without AVX2) |
// | PQIKE_NO_SHA_NI   | off (SHA-NI SHA-256| leaves the SHA-NI SHA-256 block function out;   | Meson hardened build; non-x86 builds |
// |                   | used if the CPU    | SHA-256 runs the portable code everywhere       |            |
// |                   | has it)            |                                                 |            |
// | PQIKE_CT_TESTING  | off                | testing only: secrets are marked undefined for  | scripts/checks.d/ct.sh |
// |                   |                    | valgrind memcheck (needs valgrind's headers);   |            |
// |                   |                    | never set by the installed CMake/pkg-config     |            |
// |                   |                    | package, only by the ct preset's own targets    |            |
//
// Derived (read-only, set by crypto/cpu.hpp from the switches and the target):
// PQIKE_HAVE_AVX2_PATH, PQIKE_HAVE_SHA_NI_PATH (1 when that code is compiled in).
#pragma once

#if defined(PQIKE_NO_AVX2) && defined(PQIKE_FORCE_AVX2)
#error "pqike: PQIKE_NO_AVX2 and PQIKE_FORCE_AVX2 contradict each other; define at most one"
#endif

#if defined(PQIKE_FORCE_AVX2) && !defined(__x86_64__)
#error "pqike: PQIKE_FORCE_AVX2 needs an x86-64 target"
#endif
