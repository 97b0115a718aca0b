// SPDX-License-Identifier: MIT
// Run-time CPU feature checks that choose between the portable code and the vectorized paths.
//
// Header-only and without build-time CPU detection: the AVX2 and SHA-NI code is compiled into
// every x86-64 build through function-level target attributes (PQIKE_TARGET_AVX2,
// PQIKE_TARGET_SHA_NI) and only runs when the CPU has the instructions (and, for AVX2, the OS
// saves the YMM registers on a context switch).
//
// Compile-time switches (PQIKE_NO_AVX2, PQIKE_FORCE_AVX2, PQIKE_NO_SHA_NI): see config.hpp.
#pragma once

#include "../config.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(PQIKE_NO_AVX2)
#define PQIKE_HAVE_AVX2_PATH 1
// BMI2 and POPCNT ship with every AVX2 CPU; naming them lets the compiler use them too.
#define PQIKE_TARGET_AVX2 __attribute__((target("avx2,bmi2,popcnt")))
#else
#define PQIKE_HAVE_AVX2_PATH 0
#define PQIKE_TARGET_AVX2
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(PQIKE_NO_SHA_NI)
#define PQIKE_HAVE_SHA_NI_PATH 1
// The SHA-NI block function also needs PSHUFB (SSSE3, byte swap) and PBLENDW (SSE4.1, state
// packing); every CPU with SHA has both, but they are checked anyway.
#define PQIKE_TARGET_SHA_NI __attribute__((target("sha,sse4.1,ssse3")))
#else
#define PQIKE_HAVE_SHA_NI_PATH 0
#define PQIKE_TARGET_SHA_NI
#endif

#if PQIKE_HAVE_AVX2_PATH || PQIKE_HAVE_SHA_NI_PATH
#include <cpuid.h>
#endif

namespace pqike::crypto::cpu {

#if PQIKE_HAVE_AVX2_PATH || PQIKE_HAVE_SHA_NI_PATH
namespace detail {

struct cpuid_regs {
    unsigned a = 0, b = 0, c = 0, d = 0;
};

// CPUID leaf/subleaf; all zero (no feature bits) when the CPU does not have that leaf.
inline cpuid_regs cpuid(unsigned leaf, unsigned subleaf = 0) noexcept {
    cpuid_regs r;
    // (clang declares __get_cpuid_max as returning int, g++ as unsigned.)
    if (static_cast<unsigned>(__get_cpuid_max(0, nullptr)) < leaf) return r;
    __cpuid_count(leaf, subleaf, r.a, r.b, r.c, r.d);
    return r;
}

#if PQIKE_HAVE_AVX2_PATH
// XCR0 through xgetbv, written as inline assembly so no -mxsave is needed for the intrinsic.
inline unsigned long long read_xcr0() noexcept {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<unsigned long long>(hi) << 32) | lo;
}

inline bool detect_avx2() noexcept {
    constexpr unsigned osxsave = 1u << 27, avx = 1u << 28;
    const cpuid_regs l1 = cpuid(1);
    if ((l1.c & osxsave) == 0 || (l1.c & avx) == 0) return false;
    // The OS must have enabled both SSE (bit 1) and AVX (bit 2) state in XCR0.
    if ((read_xcr0() & 0x6u) != 0x6u) return false;
    constexpr unsigned avx2 = 1u << 5, bmi2 = 1u << 8;
    const cpuid_regs l7 = cpuid(7, 0);
    return (l7.b & avx2) != 0 && (l7.b & bmi2) != 0;
}
#endif

#if PQIKE_HAVE_SHA_NI_PATH
// SHA (leaf 7 EBX bit 29) plus SSSE3 and SSE4.1 (leaf 1 ECX bits 9 and 19). The code uses only
// XMM registers, whose state every x86-64 OS saves, so there is no XCR0 check.
inline bool detect_sha_ni() noexcept {
    constexpr unsigned ssse3 = 1u << 9, sse41 = 1u << 19, sha = 1u << 29;
    const cpuid_regs l1 = cpuid(1);
    if ((l1.c & ssse3) == 0 || (l1.c & sse41) == 0) return false;
    return (cpuid(7, 0).b & sha) != 0;
}
#endif

}  // namespace detail
#endif

// True when the AVX2 paths may run. Checked once per process (a function-local static).
inline bool has_avx2() noexcept {
#if !PQIKE_HAVE_AVX2_PATH
    return false;
#elif defined(PQIKE_FORCE_AVX2)
    return true;
#else
    static const bool available = detail::detect_avx2();
    return available;
#endif
}

// True when the SHA-NI SHA-256 block function may run. Checked once per process.
inline bool has_sha_ni() noexcept {
#if !PQIKE_HAVE_SHA_NI_PATH
    return false;
#else
    static const bool available = detail::detect_sha_ni();
    return available;
#endif
}

}  // namespace pqike::crypto::cpu
