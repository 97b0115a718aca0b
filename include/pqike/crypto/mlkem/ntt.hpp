// SPDX-License-Identifier: MIT
// The number-theoretic transform over Z_q[X]/(X^256 + 1) (FIPS 203 §4.3) and multiplication in
// the NTT domain (FIPS 203 Alg. 11, 12). Values carry Montgomery factors where noted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "params.hpp"
#include "poly.hpp"
#include "reduce.hpp"

namespace pqike::crypto::mlkem {

namespace detail {

constexpr std::int64_t pow_mod(std::int64_t b, std::int64_t e) noexcept {
    std::int64_t r = 1;
    b %= q;
    for (; e > 0; e >>= 1, b = b * b % q)
        if (e & 1) r = r * b % q;
    return r;
}
constexpr unsigned bitrev7(unsigned i) noexcept {
    unsigned r = 0;
    for (int b = 0; b < 7; ++b) r |= ((i >> b) & 1u) << (6 - b);
    return r;
}
constexpr std::int16_t centered(std::int64_t v) noexcept {
    v %= q;
    if (v < 0) v += q;
    return static_cast<std::int16_t>(v > q / 2 ? v - q : v);
}

// zetas[i] = 17^BitRev7(i) · 2^16 mod q, centered (FIPS 203 §4.3, Appendix A lists 17^BitRev7(i)
// without the Montgomery factor). 17 is a primitive 256-th root of unity mod q.
constexpr std::array<std::int16_t, 128> make_zetas() noexcept {
    std::array<std::int16_t, 128> z{};
    for (unsigned i = 0; i < 128; ++i) z[i] = centered(pow_mod(17, bitrev7(i)) * 65536);
    return z;
}

}  // namespace detail

inline constexpr auto zetas = detail::make_zetas();
static_assert(detail::pow_mod(17, 128) == q - 1, "17 has order 256 mod q");
static_assert(detail::centered(detail::pow_mod(17, 1) * 65536) == zetas[64]);

// 128^-1 · 2^32 mod q: NTT^-1's final scaling by 1/128 (FIPS 203 Alg. 10 line 14, f = 3303), with
// one Montgomery factor to cancel the 2^-16 that fqmul introduces and one to cancel the 2^-16
// left by the base multiplication that precedes every inverse transform here.
inline constexpr std::int16_t inv_ntt_scale =
    detail::centered(detail::pow_mod(128, q - 2) * (65536 % q) % q * (65536 % q));
static_assert(detail::pow_mod(128, q - 2) == 3303);

// g++ with AVX2 on at compile time (-march=native, -mavx2) vectorises the butterfly loops below
// 16 lanes wide: each layer's loop then runs behind a run-time check of its length, layers
// shorter than 16 take the scalar path, and the portable NTT ran ~1.5x slower than at plain -O3
// (8 lanes). Capping the auto-vectoriser at 128-bit vectors for these two functions fixes it;
// noinline because once inlined the caller's vector width applies again. Measured with
// bench/mlkem.cpp (mlkem/portable/ntt, Zen 3, g++ 12, -O3 -march=native): NTT 1.51 -> 0.93 µs,
// NTT^-1 1.35 -> 1.21 µs, ML-KEM-768 portable keygen/encaps/decaps 9-11 % faster; plain -O3
// unchanged within noise. clang does not take this attribute and is left as it was.
#if defined(__GNUC__) && !defined(__clang__) && (defined(__x86_64__) || defined(__i386__))
#define PQIKE_NTT_VECTOR_WIDTH __attribute__((target("prefer-vector-width=128"), noinline))
#else
#define PQIKE_NTT_VECTOR_WIDTH
#endif

// FIPS 203 Alg. 9 (NTT), in place, Cooley-Tukey butterflies, zetas in Montgomery form.
// Pre: |a_i| < q. Post: centered (each layer grows the bound by q, so < 8q before the final
// Barrett reduction; no int16_t overflow).
PQIKE_NTT_VECTOR_WIDTH inline void ntt(poly& a) noexcept {
    std::size_t k = 1;
    for (std::size_t len = 128; len >= 2; len >>= 1) {
        for (std::size_t start = 0; start < n; start += 2 * len) {
            const std::int16_t zeta = zetas[k++];
            for (std::size_t j = start; j < start + len; ++j) {
                const std::int16_t t = fqmul(zeta, a[j + len]);
                a[j + len] = static_cast<std::int16_t>(a[j] - t);
                a[j] = static_cast<std::int16_t>(a[j] + t);
            }
        }
    }
    for (auto& c : a) c = barrett_reduce(c);
}

// FIPS 203 Alg. 10 (NTT^-1), in place, Gentleman-Sande butterflies, times 2^16/128 (see
// inv_ntt_scale). Pre: |a_i| < q. Post: |a_i| < q.
PQIKE_NTT_VECTOR_WIDTH inline void inv_ntt(poly& a) noexcept {
    std::size_t k = 127;
    for (std::size_t len = 2; len <= 128; len <<= 1) {
        for (std::size_t start = 0; start < n; start += 2 * len) {
            const std::int16_t zeta = zetas[k--];
            for (std::size_t j = start; j < start + len; ++j) {
                const std::int16_t t = a[j];
                // The sum stays centered (Barrett); the difference is < 2q and goes into fqmul.
                a[j] = barrett_reduce(static_cast<std::int16_t>(t + a[j + len]));
                a[j + len] = fqmul(zeta, static_cast<std::int16_t>(a[j + len] - t));
            }
        }
    }
    for (auto& c : a) c = fqmul(c, inv_ntt_scale);
}

// Precomputed odd coefficients times gamma for base multiplication (FIPS 203 Alg. 11: gamma_i =
// 17^(2·BitRev7(i)+1)). For pair 2i the factor is zetas[64 + i] (BitRev7(2i) = BitRev6(i), and
// zetas[64+i] = 17^(2·BitRev6(i)+1)); for pair 2i+1 it is its negative, as 17^128 = -1.
// cache[p] = b[2p+1]·gamma_p (no Montgomery factor left). Pre: |b| < 2^15. Post: |cache| < q.
using mulcache = std::array<std::int16_t, n / 2>;
inline void make_mulcache(mulcache& cache, const poly& b) noexcept {
    for (std::size_t i = 0; i < n / 4; ++i) {
        cache[2 * i] = fqmul(b[4 * i + 1], zetas[64 + i]);
        cache[2 * i + 1] = fqmul(b[4 * i + 3], static_cast<std::int16_t>(-zetas[64 + i]));
    }
}

// r = sum_j a_j ∘ b_j in the NTT domain (FIPS 203 Alg. 11 applied K times and added), times
// 2^-16. Products are accumulated in 32 bits and reduced once per coefficient; bc = mulcache of b.
// Pre: |a_j| < q, |b_j| < q, |bc_j| < q, K <= 4, so |sum| < 8q^2 < q·2^15. Post: |r| < q.
template <std::size_t K>
inline void basemul_acc(poly& r, const polyvec<K>& a, const polyvec<K>& b,
                        const std::array<mulcache, K>& bc) noexcept {
    static_assert(K >= 1 && K <= 4);
    for (std::size_t p = 0; p < n / 2; ++p) {
        std::int32_t c0 = 0, c1 = 0;
        for (std::size_t j = 0; j < K; ++j) {
            const std::int32_t a0 = a[j][2 * p], a1 = a[j][2 * p + 1];
            const std::int32_t b0 = b[j][2 * p], b1 = b[j][2 * p + 1];
            c0 += a0 * b0 + a1 * bc[j][p];
            c1 += a0 * b1 + a1 * b0;
        }
        r[2 * p] = montgomery_reduce(c0);
        r[2 * p + 1] = montgomery_reduce(c1);
    }
}

template <std::size_t K>
inline void make_mulcache(std::array<mulcache, K>& cache, const polyvec<K>& b) noexcept {
    for (std::size_t j = 0; j < K; ++j) make_mulcache(cache[j], b[j]);
}

}  // namespace pqike::crypto::mlkem
