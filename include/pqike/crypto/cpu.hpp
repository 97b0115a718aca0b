// Run-time CPU feature checks that choose between the portable code and the vectorized paths.
//
// Header-only and without build-time CPU detection: the AVX2 code is compiled into every x86-64
// build through function-level target attributes (PQIKE_TARGET_AVX2) and only runs when the CPU
// has the instructions *and* the OS saves the YMM registers on a context switch.
//
// Compile-time switches:
//   PQIKE_NO_AVX2     never compile the AVX2 code (portable everywhere);
//   PQIKE_FORCE_AVX2  skip the run-time check and always take the AVX2 path (for builds that
//                     only run on known hardware; wrong hardware then faults with SIGILL).
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(PQIKE_NO_AVX2)
#define PQIKE_HAVE_AVX2_PATH 1
#include <cpuid.h>
// BMI2 and POPCNT ship with every AVX2 CPU; naming them lets the compiler use them too.
#define PQIKE_TARGET_AVX2 __attribute__((target("avx2,bmi2,popcnt")))
#else
#define PQIKE_HAVE_AVX2_PATH 0
#define PQIKE_TARGET_AVX2
#endif

namespace pqike::crypto::cpu {

#if PQIKE_HAVE_AVX2_PATH
namespace detail {

// XCR0 through xgetbv, written as inline assembly so no -mxsave is needed for the intrinsic.
inline unsigned long long read_xcr0() noexcept {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<unsigned long long>(hi) << 32) | lo;
}

inline bool detect_avx2() noexcept {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid_max(0, nullptr) < 7) return false;
    __cpuid(1, a, b, c, d);
    constexpr unsigned osxsave = 1u << 27, avx = 1u << 28;
    if ((c & osxsave) == 0 || (c & avx) == 0) return false;
    // The OS must have enabled both SSE (bit 1) and AVX (bit 2) state in XCR0.
    if ((read_xcr0() & 0x6u) != 0x6u) return false;
    __cpuid_count(7, 0, a, b, c, d);
    constexpr unsigned avx2 = 1u << 5, bmi2 = 1u << 8;
    return (b & avx2) != 0 && (b & bmi2) != 0;
}

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

}  // namespace pqike::crypto::cpu
