// SPDX-License-Identifier: MIT
// AVX2 multiplication in the NTT domain (the twin of ../ntt.hpp's make_mulcache / basemul_acc).
//
// In the standard order the pairs (a_2p, a_2p+1) sit in neighbouring 16-bit lanes, which is what
// _mm256_madd_epi16 multiplies and adds: madd([a0,a1], [b0, b1·γ]) = a0·b0 + a1·b1·γ (the even
// output) and madd([a0,a1], [b1, b0]) = a0·b1 + a1·b0 (the odd output), as exact 32-bit sums.
// The cache of an operand b therefore holds both right-hand sides: lo = [b0, fqmul(b1, γ)] per
// pair (the portable mulcache interleaved with b) and sw = [b1, b0]. The sums over K are reduced
// once per coefficient with the portable montgomery_reduce arithmetic: bit-identical results.
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

struct mulcache {
    alignas(32) poly lo;  // [b0, b1·γ_p (no Montgomery factor left)] per pair p
    alignas(32) poly sw;  // [b1, b0] per pair
};

namespace detail {
// γ_p in the odd lane of pair p (FIPS 203 Alg. 11; as in mlkem::make_mulcache): pair 2i uses
// zetas[64 + i], pair 2i+1 its negative. Even lanes are unused (0).
struct gamma_table {
    alignas(32) std::array<std::int16_t, n> g{};
    alignas(32) std::array<std::int16_t, n> gq{};
};
constexpr gamma_table make_gammas() noexcept {
    gamma_table t;
    for (std::size_t i = 0; i < n / 4; ++i) {
        t.g[4 * i + 1] = zetas[64 + i];
        t.g[4 * i + 3] = static_cast<std::int16_t>(-zetas[64 + i]);
    }
    for (std::size_t i = 0; i < n; ++i) t.gq[i] = mont_twin(t.g[i]);
    return t;
}
inline constexpr gamma_table gammas = make_gammas();
}  // namespace detail

// Pre: |b| < 2^15. Post: |lo| < 2^15 (the odd lanes |.| < q), sw a permutation of b.
PQIKE_TARGET_AVX2 inline void make_mulcache(mulcache& c, const poly& b) noexcept {
    const __m256i swap = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,  //
                                          2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    for (std::size_t i = 0; i < n; i += 16) {
        const __m256i v = load16(&b[i]);
        const __m256i t = fqmul_pre(v, load16(&detail::gammas.g[i]), load16(&detail::gammas.gq[i]));
        store16(&c.lo[i], _mm256_blend_epi16(v, t, 0xAA));
        store16(&c.sw[i], _mm256_shuffle_epi8(v, swap));
    }
}
template <std::size_t K>
PQIKE_TARGET_AVX2 inline void make_mulcache(std::array<mulcache, K>& c, const polyvec<K>& b) noexcept {
    for (std::size_t j = 0; j < K; ++j) make_mulcache(c[j], b[j]);
}

// As mlkem::basemul_acc<K>(r, a, b, mulcache(b)). Pre: |a_j| < q, |b_j| < q, K <= 4.
// Post: |r| < q.
template <std::size_t K>
PQIKE_TARGET_AVX2 inline void basemul_acc(poly& r, const polyvec<K>& a, const std::array<mulcache, K>& bc) noexcept {
    static_assert(K >= 1 && K <= 4);
    for (std::size_t i = 0; i < n; i += 16) {
        __m256i c0 = _mm256_setzero_si256(), c1 = _mm256_setzero_si256();
        for (std::size_t j = 0; j < K; ++j) {
            const __m256i va = load16(&a[j][i]);
            c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(va, load16(&bc[j].lo[i])));
            c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(va, load16(&bc[j].sw[i])));
        }
        store16(&r[i], mont_reduce_pairs(c0, c1));
    }
}

}  // namespace pqike::crypto::mlkem::avx2

#endif  // PQIKE_HAVE_AVX2_PATH
