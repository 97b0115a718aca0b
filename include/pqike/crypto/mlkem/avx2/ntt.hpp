// SPDX-License-Identifier: MIT
// AVX2 NTT and inverse NTT (the twins of ../ntt.hpp), in the standard coefficient order.
//
// The polynomial is 16 vectors of 16 lanes. Layers with len >= 16 pair whole vectors (v[j],
// v[j + len/16]) and use one broadcast zeta. Layers len = 8, 4, 2 pair lanes inside a vector:
// two neighbouring vectors a, b are shuffled into x (the "low" coefficients of the butterflies)
// and y (their partners at +len) with 128-bit, 64-bit or 32-bit granularity, butterflied with a
// per-lane zeta vector, and shuffled back (each shuffle is its own inverse). The per-lane zeta
// tables are generated at compile time by replaying those shuffles on coefficient indices, so
// they cannot drift from the code. Every butterfly performs the scalar code's exact operations
// (fqmul, add, sub, Barrett), so the results are bit-identical to mlkem::ntt / mlkem::inv_ntt,
// and no coefficient order conversion is needed anywhere in the AVX2 path.
//
// Both transforms work layer by layer over all 16 vectors (eight independent butterflies per
// step), fully unrolled so v[] stays in registers: a loop with a run-time index kept v[] in
// memory, and running one vector pair through all three inner layers before the next made one
// long dependency chain per pair. With g++ 12 the unroll pragmas are needed for that (it does
// not fully unroll these loops on its own); measured with bench/mlkem.cpp, ntt 113 -> 87 ns.
#pragma once

#include "../../cpu.hpp"

#if PQIKE_HAVE_AVX2_PATH

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "../ntt.hpp"
#include "../params.hpp"
#include "../poly.hpp"
#include "arith.hpp"

namespace pqike::crypto::mlkem::avx2 {

namespace detail {

// Coefficient index held by lane e of x for the vector pair (v[2m], v[2m+1]) at layer len
// (8, 4 or 2); y lane e holds that index + len. Mirrors shuffle_pair below.
constexpr std::size_t x_lane_index(std::size_t len, std::size_t m, std::size_t e) noexcept {
    const std::size_t a = 32 * m, b = 32 * m + 16;  // first coefficient of v[2m], v[2m+1]
    if (len == 8) return e < 8 ? a + e : b + (e - 8);
    if (len == 4) {
        const std::size_t h = e / 8, w = e % 8;  // 128-bit half, lane in it
        return w < 4 ? a + 8 * h + w : b + 8 * h + (w - 4);
    }
    const std::size_t j = e / 2, s = e % 2;  // 32-bit element, 16-bit half in it
    return j % 2 == 0 ? a + 2 * j + s : b + 2 * (j - 1) + s;
}

struct lane_zetas {
    alignas(32) std::array<std::array<std::int16_t, 16>, 8> z{};   // zeta per lane
    alignas(32) std::array<std::array<std::int16_t, 16>, 8> zq{};  // mont_twin(zeta)
};

// Forward (Alg. 9): block c of layer len uses zetas[128/len + c]; inverse (Alg. 10): zetas[256/len - 1 - c].
constexpr lane_zetas make_lane_zetas(std::size_t len, bool inverse) noexcept {
    lane_zetas t;
    for (std::size_t m = 0; m < 8; ++m)
        for (std::size_t e = 0; e < 16; ++e) {
            const std::size_t block = x_lane_index(len, m, e) / (2 * len);
            const std::int16_t z = inverse ? zetas[256 / len - 1 - block] : zetas[128 / len + block];
            t.z[m][e] = z;
            t.zq[m][e] = mont_twin(z);
        }
    return t;
}

inline constexpr lane_zetas fwd8 = make_lane_zetas(8, false), fwd4 = make_lane_zetas(4, false),
                            fwd2 = make_lane_zetas(2, false);
inline constexpr lane_zetas inv8 = make_lane_zetas(8, true), inv4 = make_lane_zetas(4, true),
                            inv2 = make_lane_zetas(2, true);

// (a, b) -> (x, y) at granularity len; applying it to (x, y) gives back (a, b).
template <std::size_t Len>
PQIKE_TARGET_AVX2 inline void shuffle_pair(__m256i& a, __m256i& b) noexcept {
    __m256i x, y;
    if constexpr (Len == 8) {
        x = _mm256_permute2x128_si256(a, b, 0x20);
        y = _mm256_permute2x128_si256(a, b, 0x31);
    } else if constexpr (Len == 4) {
        x = _mm256_unpacklo_epi64(a, b);
        y = _mm256_unpackhi_epi64(a, b);
    } else {
        static_assert(Len == 2);
        x = _mm256_blend_epi32(a, _mm256_slli_epi64(b, 32), 0xAA);
        y = _mm256_blend_epi32(_mm256_srli_epi64(a, 32), b, 0xAA);
    }
    a = x;
    b = y;
}

PQIKE_TARGET_AVX2 inline __m256i load_row(const std::array<std::int16_t, 16>& r) noexcept {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(r.data()));
}

// Cooley-Tukey: t = fqmul(zeta, y); y = x - t; x = x + t.
PQIKE_TARGET_AVX2 inline void ct_butterfly(__m256i& x, __m256i& y, __m256i z, __m256i zq) noexcept {
    const __m256i t = fqmul_pre(y, z, zq);
    y = _mm256_sub_epi16(x, t);
    x = _mm256_add_epi16(x, t);
}
// Gentleman-Sande: x' = barrett(x + y); y' = fqmul(zeta, y - x).
PQIKE_TARGET_AVX2 inline void gs_butterfly(__m256i& x, __m256i& y, __m256i z, __m256i zq) noexcept {
    const __m256i t = x;
    x = barrett(_mm256_add_epi16(t, y));
    y = fqmul_pre(_mm256_sub_epi16(y, t), z, zq);
}

template <std::size_t Len>
PQIKE_TARGET_AVX2 inline void ct_inner(__m256i& a, __m256i& b, const lane_zetas& t, std::size_t m) noexcept {
    shuffle_pair<Len>(a, b);
    ct_butterfly(a, b, load_row(t.z[m]), load_row(t.zq[m]));
    shuffle_pair<Len>(a, b);
}
template <std::size_t Len>
PQIKE_TARGET_AVX2 inline void gs_inner(__m256i& a, __m256i& b, const lane_zetas& t, std::size_t m) noexcept {
    shuffle_pair<Len>(a, b);
    gs_butterfly(a, b, load_row(t.z[m]), load_row(t.zq[m]));
    shuffle_pair<Len>(a, b);
}

}  // namespace detail

// As mlkem::ntt. Pre: |a_i| < q. Post: centered.
PQIKE_TARGET_AVX2 inline void ntt(poly& p) noexcept {
    using namespace detail;
    __m256i v[16];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < 16; ++i) v[i] = load16(&p[16 * i]);
    std::size_t k = 1;
#pragma GCC unroll 4
    for (std::size_t d = 8; d >= 1; d >>= 1)  // vector distance len/16: len = 128, 64, 32, 16
#pragma GCC unroll 8
        for (std::size_t start = 0; start < 16; start += 2 * d) {
            const std::int16_t z = zetas[k++];
            const __m256i vz = splat(z), vzq = splat(mont_twin(z));
#pragma GCC unroll 8
            for (std::size_t j = start; j < start + d; ++j) ct_butterfly(v[j], v[j + d], vz, vzq);
        }
#pragma GCC unroll 8
    for (std::size_t m = 0; m < 8; ++m) ct_inner<8>(v[2 * m], v[2 * m + 1], fwd8, m);
#pragma GCC unroll 8
    for (std::size_t m = 0; m < 8; ++m) ct_inner<4>(v[2 * m], v[2 * m + 1], fwd4, m);
#pragma GCC unroll 8
    for (std::size_t m = 0; m < 8; ++m) ct_inner<2>(v[2 * m], v[2 * m + 1], fwd2, m);
#pragma GCC unroll 16
    for (std::size_t i = 0; i < 16; ++i) store16(&p[16 * i], barrett(v[i]));
}

// As mlkem::inv_ntt (times 2^16/128). Pre: |a_i| < q. Post: |a_i| < q.
PQIKE_TARGET_AVX2 inline void inv_ntt(poly& p) noexcept {
    using namespace detail;
    __m256i v[16];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < 16; ++i) v[i] = load16(&p[16 * i]);
#pragma GCC unroll 8
    for (std::size_t m = 0; m < 8; ++m) gs_inner<2>(v[2 * m], v[2 * m + 1], inv2, m);
#pragma GCC unroll 8
    for (std::size_t m = 0; m < 8; ++m) gs_inner<4>(v[2 * m], v[2 * m + 1], inv4, m);
#pragma GCC unroll 8
    for (std::size_t m = 0; m < 8; ++m) gs_inner<8>(v[2 * m], v[2 * m + 1], inv8, m);
    std::size_t k = 127 - 64 - 32 - 16;  // zetas[127..64] went to len 2, [63..32] to 4, [31..16] to 8
#pragma GCC unroll 4
    for (std::size_t d = 1; d <= 8; d <<= 1)  // len = 16, 32, 64, 128
#pragma GCC unroll 8
        for (std::size_t start = 0; start < 16; start += 2 * d) {
            const std::int16_t z = zetas[k--];
            const __m256i vz = splat(z), vzq = splat(mont_twin(z));
#pragma GCC unroll 8
            for (std::size_t j = start; j < start + d; ++j) gs_butterfly(v[j], v[j + d], vz, vzq);
        }
    const __m256i f = splat(inv_ntt_scale), fq = splat(mont_twin(inv_ntt_scale));
#pragma GCC unroll 16
    for (std::size_t i = 0; i < 16; ++i) store16(&p[16 * i], fqmul_pre(v[i], f, fq));
}

}  // namespace pqike::crypto::mlkem::avx2

#endif  // PQIKE_HAVE_AVX2_PATH
