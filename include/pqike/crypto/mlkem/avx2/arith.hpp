// SPDX-License-Identifier: MIT
// AVX2 arithmetic mod q on 16 int16_t lanes: the Montgomery multiplication, Barrett reduction
// and canonicalization of ../reduce.hpp, lane for lane. Each helper computes exactly what its
// scalar twin computes (same representative, not just the same residue), so every AVX2 function
// built on them is bit-exact with the portable one and tests compare the two directly.
//
// Everything here carries PQIKE_TARGET_AVX2 and may only run after cpu::has_avx2() returned true.
#pragma once

#include "../../cpu.hpp"

#if PQIKE_HAVE_AVX2_PATH

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "../params.hpp"
#include "../poly.hpp"
#include "../reduce.hpp"

namespace pqike::crypto::mlkem::avx2 {

// Unaligned loads/stores: the AVX2 path keeps its own polynomials 32-byte aligned, but the helpers
// also accept the portable poly type (2-byte aligned) so tests can feed both paths the same data.
PQIKE_TARGET_AVX2 inline __m256i load16(const std::int16_t* p) noexcept {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
PQIKE_TARGET_AVX2 inline void store16(std::int16_t* p, __m256i v) noexcept {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}
PQIKE_TARGET_AVX2 inline __m256i splat(int v) noexcept {
    return _mm256_set1_epi16(static_cast<short>(v));
}

// Zeroizes obj (its size a multiple of 32 bytes) with 32-byte stores. secure_zeroize's memset
// compiles to `rep stos` for the 0.5-2 KB buffers of this path, and its start-up cost made the
// wipes about a tenth of an AVX2 keygen. The empty asm in the loop keeps the compiler from
// turning the loop back into a memset; the one after it from dropping the stores.
template <class T>
[[gnu::always_inline]] PQIKE_TARGET_AVX2 inline void zeroize(T& obj) noexcept {
    static_assert(sizeof(T) % 32 == 0);
    auto* p = reinterpret_cast<unsigned char*>(&obj);
    for (std::size_t i = 0; i < sizeof(T); i += 32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + i), _mm256_setzero_si256());
        __asm__("" : : "r"(p) : "memory");
    }
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

// wipe_on_exit (secret.hpp) with zeroize: wipes obj when the scope ends.
template <class T>
class wipe_guard {
public:
    explicit wipe_guard(T& obj) noexcept : obj_(obj) {}
    wipe_guard(const wipe_guard&) = delete;
    wipe_guard& operator=(const wipe_guard&) = delete;
    PQIKE_TARGET_AVX2 ~wipe_guard() { zeroize(obj_); }

private:
    T& obj_;
};

// b·q^-1 mod 2^16 as a signed 16-bit value: the second operand of fqmul_pre.
constexpr std::int16_t mont_twin(std::int16_t b) noexcept {
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(static_cast<std::uint32_t>(b) * qinv));
}

// fqmul lane for lane, with bq = mont_twin(b) precomputed: t = (a·b·q^-1) mod 2^16 is one
// mullo, and (a·b - t·q) >> 16 = hi16(a·b) - hi16(t·q) exactly, because the low halves of a·b
// and t·q are equal (so the subtraction borrows nothing). Same pre/post as fqmul.
PQIKE_TARGET_AVX2 inline __m256i fqmul_pre(__m256i a, __m256i b, __m256i bq) noexcept {
    const __m256i t = _mm256_mullo_epi16(a, bq);
    return _mm256_sub_epi16(_mm256_mulhi_epi16(a, b), _mm256_mulhi_epi16(t, splat(q)));
}
PQIKE_TARGET_AVX2 inline __m256i fqmul(__m256i a, __m256i b) noexcept {
    return fqmul_pre(a, b, _mm256_mullo_epi16(b, splat(static_cast<std::int16_t>(qinv))));
}

// barrett_reduce lane for lane: mulhi gives floor(a·v / 2^16); mulhrs by 2^5 then gives
// floor((that + 2^9) / 2^10) = floor((a·v + 2^25) / 2^26), the scalar quotient. Post: centered.
PQIKE_TARGET_AVX2 inline __m256i barrett(__m256i a) noexcept {
    constexpr int v = ((1 << 26) + q / 2) / q;
    const __m256i t = _mm256_mulhrs_epi16(_mm256_mulhi_epi16(a, splat(v)), splat(1 << 5));
    return _mm256_sub_epi16(a, _mm256_mullo_epi16(t, splat(q)));
}

// to_canonical: pre -q < a < q.
PQIKE_TARGET_AVX2 inline __m256i canonical(__m256i a) noexcept {
    return _mm256_add_epi16(a, _mm256_and_si256(_mm256_srai_epi16(a, 15), splat(q)));
}
// cond_sub_q: pre 0 <= a < 2q.
PQIKE_TARGET_AVX2 inline __m256i cond_sub(__m256i a) noexcept {
    return canonical(_mm256_sub_epi16(a, splat(q)));
}

// Montgomery reduction of 32-bit sums held in pairs of 16-bit lanes: c0 holds the even outputs'
// sums, c1 the odd outputs' (one sum per 32-bit lane, as _mm256_madd_epi16 leaves them). Returns
// montgomery_reduce(c0) in the even 16-bit lanes and montgomery_reduce(c1) in the odd ones.
// Pre: |c| < q·2^15 per 32-bit lane.
PQIKE_TARGET_AVX2 inline __m256i mont_reduce_pairs(__m256i c0, __m256i c1) noexcept {
    const __m256i vq = splat(q), vqinv = splat(static_cast<std::int16_t>(qinv));
    // Low 16-bit lane of each pair: t = c·q^-1 mod 2^16, h = hi16(t·q).
    const __m256i h0 = _mm256_mulhi_epi16(_mm256_mullo_epi16(c0, vqinv), vq);
    const __m256i h1 = _mm256_mulhi_epi16(_mm256_mullo_epi16(c1, vqinv), vq);
    const __m256i r0 = _mm256_sub_epi16(_mm256_srli_epi32(c0, 16), h0);   // valid in even lanes
    const __m256i r1 = _mm256_sub_epi16(c1, _mm256_slli_epi32(h1, 16));   // valid in odd lanes
    return _mm256_blend_epi16(r0, r1, 0xAA);
}

// ---- whole polynomials (the AVX2 twins of poly.hpp) ---------------------------------------------

PQIKE_TARGET_AVX2 inline void poly_add(poly& r, const poly& a, const poly& b) noexcept {
    for (std::size_t i = 0; i < n; i += 16)
        store16(&r[i], _mm256_add_epi16(load16(&a[i]), load16(&b[i])));
}
PQIKE_TARGET_AVX2 inline void poly_sub(poly& r, const poly& a, const poly& b) noexcept {
    for (std::size_t i = 0; i < n; i += 16)
        store16(&r[i], _mm256_sub_epi16(load16(&a[i]), load16(&b[i])));
}
PQIKE_TARGET_AVX2 inline void poly_reduce(poly& a) noexcept {
    for (std::size_t i = 0; i < n; i += 16) store16(&a[i], barrett(load16(&a[i])));
}
// Post: |a_i| < q; as mlkem::poly_to_mont.
PQIKE_TARGET_AVX2 inline void poly_to_mont(poly& a) noexcept {
    constexpr auto r2 = static_cast<std::int16_t>((std::int64_t{65536} % q) * (65536 % q) % q);
    const __m256i b = splat(r2), bq = splat(mont_twin(r2));
    for (std::size_t i = 0; i < n; i += 16) store16(&a[i], fqmul_pre(load16(&a[i]), b, bq));
}
// r = barrett(a + b): "add the error, then reduce" of K-PKE in one pass. Pre: |a_i + b_i| < 2^15.
PQIKE_TARGET_AVX2 inline void poly_add_reduce(poly& r, const poly& a, const poly& b) noexcept {
    for (std::size_t i = 0; i < n; i += 16)
        store16(&r[i], barrett(_mm256_add_epi16(load16(&a[i]), load16(&b[i]))));
}

}  // namespace pqike::crypto::mlkem::avx2

#endif  // PQIKE_HAVE_AVX2_PATH
