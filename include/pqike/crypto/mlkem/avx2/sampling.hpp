// SPDX-License-Identifier: MIT
// AVX2 sampling (the twins of ../sampling.hpp), four polynomials per 4-way Keccak call:
//   - SampleNTT (FIPS 203 Alg. 7) of four matrix entries at once from shake128_x4: 16 candidates
//     per 24 bytes are extracted in a vector, compared with q, and the accepted ones left-packed
//     with a shuffle chosen by the 8-bit accept mask (a 256-entry table built at compile time).
//     The mask and the table index come from the public seed rho only;
//   - SamplePolyCBD_eta (Alg. 8) for eta = 2 and 3 with bit-slicing adds, no tables, from
//     shake256_x4 PRF outputs (secret: constant time, buffers wiped).
// Both produce exactly the portable functions' output (same coefficients in the same order).
#pragma once

#include "../../cpu.hpp"

#if PQIKE_HAVE_AVX2_PATH

#include <immintrin.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../../bytes.hpp"
#include "../../../secret.hpp"
#include "../../keccak_x4.hpp"
#include "../../sha3.hpp"
#include "../params.hpp"
#include "../poly.hpp"
#include "arith.hpp"
#include "encode.hpp"

namespace pqike::crypto::mlkem::avx2 {

namespace detail {
// Row m: the byte shuffle that moves the 16-bit lanes whose bit is set in m to the front, in order.
struct leftpack_table {
    alignas(16) std::array<std::array<std::uint8_t, 16>, 256> idx{};
};
constexpr leftpack_table make_leftpack() noexcept {
    leftpack_table t;
    for (std::size_t m = 0; m < 256; ++m) {
        std::size_t k = 0;
        for (std::size_t i = 0; i < 8; ++i)
            if ((m >> i) & 1u) {
                t.idx[m][2 * k] = static_cast<std::uint8_t>(2 * i);
                t.idx[m][2 * k + 1] = static_cast<std::uint8_t>(2 * i + 1);
                ++k;
            }
        for (; k < 8; ++k) t.idx[m][2 * k] = t.idx[m][2 * k + 1] = 0x80;  // zero
    }
    return t;
}
inline constexpr leftpack_table leftpack = make_leftpack();
}  // namespace detail

// Appends to r[ctr..256) the candidates of buf (FIPS 203 Alg. 7 lines 5-13) until r is full or
// buf is used up (whole 3-byte groups only); returns the new count. Variable time in the public
// bytes by design, like mlkem::sample_ntt_vartime.
PQIKE_TARGET_AVX2 inline std::size_t rej_uniform_vartime(poly& r, std::size_t ctr, bytes_view buf) noexcept {
    std::size_t pos = 0;
    const __m256i bound = splat(q);
    // The vector step writes 8 lanes per half at r[ctr], so it runs while 16 slots remain.
    while (ctr + 16 <= n && pos + 24 <= buf.size()) {
        const __m256i d = unpack12(load24(buf.data() + pos));
        const auto good = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpgt_epi16(bound, d)));
        const auto m = static_cast<std::uint32_t>(_pext_u32(good, 0x55555555u));  // one bit per lane
        const std::uint32_t m0 = m & 0xffu, m1 = m >> 8;
        const __m128i lo = _mm_shuffle_epi8(_mm256_castsi256_si128(d),
                                            _mm_load_si128(reinterpret_cast<const __m128i*>(detail::leftpack.idx[m0].data())));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(&r[ctr]), lo);
        ctr += static_cast<std::size_t>(_mm_popcnt_u32(m0));
        const __m128i hi = _mm_shuffle_epi8(_mm256_extracti128_si256(d, 1),
                                            _mm_load_si128(reinterpret_cast<const __m128i*>(detail::leftpack.idx[m1].data())));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(&r[ctr]), hi);
        ctr += static_cast<std::size_t>(_mm_popcnt_u32(m1));
        pos += 24;
    }
    for (; ctr < n && pos + 3 <= buf.size(); pos += 3) {
        const unsigned b0 = std::to_integer<unsigned>(buf[pos]);
        const unsigned b1 = std::to_integer<unsigned>(buf[pos + 1]);
        const unsigned b2 = std::to_integer<unsigned>(buf[pos + 2]);
        const unsigned d1 = b0 | ((b1 & 0x0fu) << 8);
        const unsigned d2 = (b1 >> 4) | (b2 << 4);
        if (d1 < static_cast<unsigned>(q)) r[ctr++] = static_cast<std::int16_t>(d1);
        if (d2 < static_cast<unsigned>(q) && ctr < n) r[ctr++] = static_cast<std::int16_t>(d2);
    }
    return ctr;
}

// SampleNTT(seed_j) for four 34-byte seeds rho || b0 || b1 at once; out[j] may repeat (a
// duplicate lane is just sampled twice). Post: canonical, as mlkem::sample_ntt_vartime.
PQIKE_TARGET_AVX2 inline void sample_ntt_x4_vartime(const std::array<poly*, 4>& out,
                                                    const std::array<std::array<std::byte, sym_bytes + 2>, 4>& seed) noexcept {
    keccak::shake128_x4<keccak::x4_backend::avx2> xof;
    xof.absorb_once(seed[0], seed[1], seed[2], seed[3]);
    // Three blocks (504 bytes, 336 candidates) finish a polynomial with probability > 0.99;
    // after that one block at a time.
    constexpr std::size_t rate = 168;
    alignas(32) std::array<std::array<std::byte, 3 * rate>, 4> buf;
    xof.squeeze_blocks(buf[0], buf[1], buf[2], buf[3]);
    std::array<std::size_t, 4> ctr{};
    for (std::size_t j = 0; j < 4; ++j) ctr[j] = rej_uniform_vartime(*out[j], 0, buf[j]);
    while (ctr[0] < n || ctr[1] < n || ctr[2] < n || ctr[3] < n) {
        const auto one = [&](std::size_t j) { return mut_bytes(buf[j]).first(rate); };
        xof.squeeze_blocks(one(0), one(1), one(2), one(3));
        for (std::size_t j = 0; j < 4; ++j)
            ctr[j] = rej_uniform_vartime(*out[j], ctr[j], bytes_view(buf[j]).first(rate));
    }
}

// SampleNTT of one seed with the scalar SHAKE128 and the vector candidate extraction: for a lone
// last matrix entry (k = 3 has 9) one scalar sponge costs about half of a 4-way call.
PQIKE_TARGET_AVX2 inline void sample_ntt_x1_vartime(poly& out, bytes_view seed) noexcept {
    shake128 xof;
    xof.absorb(seed);
    constexpr std::size_t rate = 168;
    std::array<std::byte, 3 * rate> buf;
    xof.squeeze(buf);
    std::size_t ctr = rej_uniform_vartime(out, 0, buf);
    while (ctr < n) {
        const mut_bytes one = mut_bytes(buf).first(rate);
        xof.squeeze(one);
        ctr = rej_uniform_vartime(out, ctr, one);
    }
}

// SamplePolyCBD_2 over 128 bytes; as mlkem::sample_cbd<2>. Post: |a_i| <= 2.
PQIKE_TARGET_AVX2 inline void cbd2(poly& a, std::span<const std::byte, 128> buf) noexcept {
    const __m256i m55 = _mm256_set1_epi8(0x55), m33 = _mm256_set1_epi8(0x33), m0f = _mm256_set1_epi8(0x0f);
    const __m256i four = _mm256_set1_epi8(4), fours = _mm256_set1_epi8(0x44);
    for (std::size_t i = 0; i < 4; ++i) {  // 32 bytes -> 64 coefficients
        const __m256i t = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(buf.data() + 32 * i));
        // Each 2-bit field: the number of set bits in it; then per nibble x - y + 4 (no borrows).
        const __m256i d = _mm256_add_epi8(_mm256_and_si256(t, m55), _mm256_and_si256(_mm256_srli_epi16(t, 1), m55));
        const __m256i r = _mm256_sub_epi8(_mm256_add_epi8(_mm256_and_si256(d, m33), fours),
                                          _mm256_and_si256(_mm256_srli_epi16(d, 2), m33));
        // Low nibble = coefficient 2k, high nibble = 2k + 1 for byte k: interleave as bytes.
        const __m256i lo = _mm256_and_si256(r, m0f), hi = _mm256_and_si256(_mm256_srli_epi16(r, 4), m0f);
        const __m256i z0 = _mm256_sub_epi8(_mm256_unpacklo_epi8(lo, hi), four);  // coeffs 0-15 | 32-47
        const __m256i z1 = _mm256_sub_epi8(_mm256_unpackhi_epi8(lo, hi), four);  // coeffs 16-31 | 48-63
        std::int16_t* o = &a[64 * i];
        store16(o, _mm256_cvtepi8_epi16(_mm256_castsi256_si128(z0)));
        store16(o + 16, _mm256_cvtepi8_epi16(_mm256_castsi256_si128(z1)));
        store16(o + 32, _mm256_cvtepi8_epi16(_mm256_extracti128_si256(z0, 1)));
        store16(o + 48, _mm256_cvtepi8_epi16(_mm256_extracti128_si256(z1, 1)));
    }
}

// SamplePolyCBD_3 over 192 bytes; as mlkem::sample_cbd<3>. Post: |a_i| <= 3.
PQIKE_TARGET_AVX2 inline void cbd3(poly& a, std::span<const std::byte, 192> buf) noexcept {
    // 3 bytes per 32-bit lane: lane 0 takes bytes 0..11 of the 24, lane 1 bytes 12..23 (at 4..15).
    const __m256i spread = _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1,  //
                                            4, 5, 6, -1, 7, 8, 9, -1, 10, 11, 12, -1, 13, 14, 15, -1);
    const __m256i m249 = _mm256_set1_epi32(0x249249), m1c7 = _mm256_set1_epi32(0x1c71c7);
    const __m256i three = _mm256_set1_epi32(0x0c30c3), low3 = _mm256_set1_epi32(7);
    const __m256i mid3 = _mm256_set1_epi32(0x70000);
    for (std::size_t i = 0; i < 8; ++i) {  // 24 bytes -> 32 coefficients
        const __m256i t = _mm256_shuffle_epi8(load24(buf.data() + 24 * i), spread);
        // Each 3-bit field: its bit count; then each 6-bit field holds x - y + 3 in [0, 6].
        const __m256i d = _mm256_add_epi32(_mm256_add_epi32(_mm256_and_si256(t, m249),
                                                            _mm256_and_si256(_mm256_srli_epi32(t, 1), m249)),
                                           _mm256_and_si256(_mm256_srli_epi32(t, 2), m249));
        const __m256i r = _mm256_sub_epi32(_mm256_add_epi32(_mm256_and_si256(d, m1c7), three),
                                           _mm256_and_si256(_mm256_srli_epi32(d, 3), m1c7));
        // Fields at bits 0, 6, 12, 18 -> 16-bit lanes: (f0, f1) and (f2, f3) per 32-bit lane.
        const __m256i p = _mm256_or_si256(_mm256_and_si256(r, low3), _mm256_and_si256(_mm256_slli_epi32(r, 10), mid3));
        const __m256i s = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(r, 12), low3),
                                          _mm256_and_si256(_mm256_srli_epi32(r, 2), mid3));
        const __m256i u0 = _mm256_unpacklo_epi32(p, s);  // coeffs 0-7 | 16-23
        const __m256i u1 = _mm256_unpackhi_epi32(p, s);  // coeffs 8-15 | 24-31
        const __m256i th = splat(3);
        store16(&a[32 * i], _mm256_sub_epi16(_mm256_permute2x128_si256(u0, u1, 0x20), th));
        store16(&a[32 * i + 16], _mm256_sub_epi16(_mm256_permute2x128_si256(u0, u1, 0x31), th));
    }
}

// PRF_eta(seed, nonce_j) then SamplePolyCBD_eta_j for four polynomials (FIPS 203 §4.1), with one
// shake256_x4. out[j] may repeat, eta[j] is 2 or 3. The PRF outputs are wiped.
PQIKE_TARGET_AVX2 inline void sample_noise_x4(const std::array<poly*, 4>& out, std::span<const std::byte, sym_bytes> seed,
                                              const std::array<std::uint8_t, 4>& nonce,
                                              const std::array<std::size_t, 4>& eta) noexcept {
    std::array<std::array<std::byte, sym_bytes + 1>, 4> in;
    for (std::size_t j = 0; j < 4; ++j) {
        for (std::size_t i = 0; i < sym_bytes; ++i) in[j][i] = seed[i];
        in[j][sym_bytes] = std::byte{nonce[j]};
    }
    keccak::shake256_x4<keccak::x4_backend::avx2> prf;
    prf.absorb_once(in[0], in[1], in[2], in[3]);
    secure_zeroize(in.data(), sizeof in);
    constexpr std::size_t rate = 136;
    const bool any3 = eta[0] == 3 || eta[1] == 3 || eta[2] == 3 || eta[3] == 3;  // public parameters
    alignas(32) std::array<std::array<std::byte, 2 * rate>, 4> buf;
    const std::size_t len = any3 ? 2 * rate : rate;
    const auto part = [&](std::size_t j) { return mut_bytes(buf[j]).first(len); };
    prf.squeeze_blocks(part(0), part(1), part(2), part(3));
    for (std::size_t j = 0; j < 4; ++j) {
        if (eta[j] == 3)
            cbd3(*out[j], std::span<const std::byte, 192>(buf[j].data(), 192));
        else
            cbd2(*out[j], std::span<const std::byte, 128>(buf[j].data(), 128));
    }
    secure_zeroize(buf.data(), sizeof buf);
}

}  // namespace pqike::crypto::mlkem::avx2

#endif  // PQIKE_HAVE_AVX2_PATH
