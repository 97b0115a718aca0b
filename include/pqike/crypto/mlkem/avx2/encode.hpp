// SPDX-License-Identifier: MIT
// AVX2 encoding and compression (the twins of ../encode.hpp), bit-identical to them:
//   - ByteEncode12 / ByteDecode12 of whole polynomials, 16 coefficients per 24 bytes in vectors;
//   - Compress_d by a 16-bit estimate corrected with the exact remainder (no division, no table),
//     Decompress_d by one rounding multiply (mulhrs), both proven exact for every input below;
//   - the d-bit packing of ciphertext parts (d = 4, 5, 10, 11) as fully unrolled 64-bit shifts
//     over groups of 8 values (= d bytes), the message (d = 1) with movemask.
// Constant time: no branches or indices on coefficient values.
#pragma once

#include "../../cpu.hpp"

#if PQIKE_HAVE_AVX2_PATH

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

#include "../../../bytes.hpp"
#include "../../../secret.hpp"
#include "../encode.hpp"
#include "../params.hpp"
#include "../poly.hpp"
#include "arith.hpp"

namespace pqike::crypto::mlkem::avx2 {

// Exactly 24 bytes at p, as lane 0 = bytes 0..15 and lane 1 = bytes 8..23 (so each 128-bit lane
// holds its 12-byte half at offset 0 resp. 4). Reads nothing beyond p + 24.
PQIKE_TARGET_AVX2 inline __m256i load24(const std::byte* p) noexcept {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hi = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 16));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), _mm_alignr_epi8(hi, lo, 8), 1);
}

// 16 12-bit little-endian values from the 24 bytes loaded by load24 (ByteDecode12 without the
// reduction mod q). Shared by the ek/dk decoding and the matrix sampler's candidate extraction.
PQIKE_TARGET_AVX2 inline __m256i unpack12(__m256i b) noexcept {
    const __m256i idx = _mm256_setr_epi8(0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 9, 10, 10, 11,  //
                                         4, 5, 5, 6, 7, 8, 8, 9, 10, 11, 11, 12, 13, 14, 14, 15);
    const __m256i w = _mm256_shuffle_epi8(b, idx);
    // Even lanes: b0 | b1 << 8, keep 12 bits; odd lanes: b1 | b2 << 8, drop the low nibble.
    return _mm256_and_si256(_mm256_blend_epi16(w, _mm256_srli_epi16(w, 4), 0xAA), splat(0xfff));
}

// ByteEncode12 of a polynomial; as mlkem::poly_to_bytes. Pre: |a_i| < q.
PQIKE_TARGET_AVX2 inline void poly_to_bytes(std::span<std::byte, poly_bytes> out, const poly& a) noexcept {
    const __m256i shl12 = _mm256_set1_epi32(1 | (4096 << 16));
    const __m256i gather = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,  //
                                            0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m256i dwords = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
    for (std::size_t i = 0; i < n; i += 16) {
        // Each 32-bit lane becomes a0 | a1 << 12 (24 bits), then the 3-byte groups are packed.
        __m256i v = _mm256_madd_epi16(canonical(load16(&a[i])), shl12);
        v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, gather), dwords);
        std::byte* o = out.data() + i / 16 * 24;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), _mm256_castsi256_si128(v));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(o + 16), _mm256_extracti128_si256(v, 1));
    }
}

// FIPS 203 §7.2 modulus check of ByteEncode12 data (whole 24-byte groups, in.size() % 24 == 0):
// every 12-bit value < q; as mlkem::modulus_ok_vartime. Public input; one verdict at the end.
PQIKE_TARGET_AVX2 inline bool modulus_ok(bytes_view in) noexcept {
    const __m256i qm1 = splat(q - 1);
    __m256i bad = _mm256_setzero_si256();
    for (std::size_t p = 0; p + 24 <= in.size(); p += 24)
        bad = _mm256_or_si256(bad, _mm256_cmpgt_epi16(unpack12(load24(in.data() + p)), qm1));
    return _mm256_testz_si256(bad, bad) != 0;
}

// ByteDecode12 (values mod q); as mlkem::poly_from_bytes. Post: canonical.
PQIKE_TARGET_AVX2 inline void poly_from_bytes(poly& a, std::span<const std::byte, poly_bytes> in) noexcept {
    for (std::size_t i = 0; i < n; i += 16) store16(&a[i], cond_sub(unpack12(load24(in.data() + i / 16 * 24))));
}

// ---- Compress_d / Decompress_d --------------------------------------------------------------

namespace detail {
template <std::size_t D>
inline constexpr int compress_mul = static_cast<int>(((std::int64_t{1} << (D + 16)) + q / 2) / q);

// The vector algorithm of compress_vec on one value, for the exhaustive proof below.
template <std::size_t D>
constexpr std::uint16_t compress_model(int x) noexcept {
    const int y0 = (x * compress_mul<D>) >> 16;  // mulhi_epu16
    const auto r = static_cast<std::int16_t>(static_cast<std::uint16_t>((x << D) + q / 2 - y0 * q));
    const int y = y0 + (r > q - 1 ? 1 : 0) - (r < 0 ? 1 : 0);
    return static_cast<std::uint16_t>(y & ((1 << D) - 1));
}
template <std::size_t D>
constexpr bool compress_model_exact() noexcept {
    for (int x = 0; x < q; ++x)
        if (compress_model<D>(x) != compress<D>(static_cast<std::int16_t>(x))) return false;
    return true;
}
static_assert(compress_model_exact<1>() && compress_model_exact<4>() && compress_model_exact<5>() &&
              compress_model_exact<10>() && compress_model_exact<11>());
// Decompress: mulhrs(y << (15 - d), q) = (y·q·2^(15-d) + 2^14) >> 15 = (y·q + 2^(d-1)) >> d
// exactly, and y << (15 - d) < 2^15 for y < 2^d.

template <std::size_t D, std::size_t I>
constexpr void pack_one(std::uint64_t& lo, std::uint64_t& hi, std::uint64_t x) noexcept {
    constexpr std::size_t pos = I * D;
    if constexpr (pos < 64) {
        lo |= x << pos;
        if constexpr (pos + D > 64) hi |= x >> (64 - pos);
    } else {
        hi |= x << (pos - 64);
    }
}
template <std::size_t D, std::size_t I>
constexpr std::uint16_t unpack_one(std::uint64_t lo, std::uint64_t hi) noexcept {
    constexpr std::size_t pos = I * D;
    constexpr std::uint64_t mask = (std::uint64_t{1} << D) - 1;
    if constexpr (pos + D <= 64) {
        return static_cast<std::uint16_t>((lo >> pos) & mask);
    } else if constexpr (pos < 64) {
        return static_cast<std::uint16_t>(((lo >> pos) | (hi << (64 - pos))) & mask);
    } else {
        return static_cast<std::uint16_t>((hi >> (pos - 64)) & mask);
    }
}
// ByteEncode_d of 8 values (< 2^d) into d bytes; little-endian host (x86-64).
template <std::size_t D, std::size_t... I>
inline void pack8(std::byte* out, const std::uint16_t* v, std::index_sequence<I...>) noexcept {
    std::uint64_t lo = 0, hi = 0;
    (pack_one<D, I>(lo, hi, v[I]), ...);
    std::memcpy(out, &lo, D < 8 ? D : 8);
    if constexpr (D > 8) std::memcpy(out + 8, &hi, D - 8);
}
template <std::size_t D, std::size_t... I>
inline void unpack8(std::uint16_t* v, const std::byte* in, std::index_sequence<I...>) noexcept {
    std::uint64_t lo = 0, hi = 0;
    std::memcpy(&lo, in, D < 8 ? D : 8);
    if constexpr (D > 8) std::memcpy(&hi, in + 8, D - 8);
    ((v[I] = unpack_one<D, I>(lo, hi)), ...);
}
}  // namespace detail

// Compress_d of 16 canonical values: y0 = floor(x·m / 2^16) with m = round(2^(d+16) / q) is
// within 1 of the rounded quotient; the remainder r = x·2^d + (q-1)/2 - y0·q (exact in 16 bits,
// as it lies in [-q, 2q)) says which way to correct.
template <std::size_t D>
PQIKE_TARGET_AVX2 inline __m256i compress_vec(__m256i x) noexcept {
    const __m256i y0 = _mm256_mulhi_epu16(x, splat(detail::compress_mul<D>));
    const __m256i r = _mm256_sub_epi16(_mm256_add_epi16(_mm256_slli_epi16(x, D), splat(q / 2)),
                                       _mm256_mullo_epi16(y0, splat(q)));
    const __m256i too_small = _mm256_cmpgt_epi16(r, splat(q - 1));  // -1: add one
    const __m256i too_big = _mm256_srai_epi16(r, 15);               // -1: subtract one
    const __m256i y = _mm256_add_epi16(_mm256_sub_epi16(y0, too_small), too_big);
    return _mm256_and_si256(y, splat((1 << D) - 1));
}
// Decompress_d of 16 values < 2^d. Post: canonical.
template <std::size_t D>
PQIKE_TARGET_AVX2 inline __m256i decompress_vec(__m256i y) noexcept {
    return _mm256_mulhrs_epi16(_mm256_slli_epi16(y, 15 - D), splat(q));
}

// ByteEncode_d(Compress_d(a)); as mlkem::poly_compress<D>. Pre: |a_i| < q.
template <std::size_t D>
PQIKE_TARGET_AVX2 inline void poly_compress(std::span<std::byte, 32 * D> out, const poly& a) noexcept {
    if constexpr (D == 1) {
        for (std::size_t i = 0; i < n; i += 32) {
            const __m256i y0 = compress_vec<1>(canonical(load16(&a[i])));
            const __m256i y1 = compress_vec<1>(canonical(load16(&a[i + 16])));
            // Bytes 0/1 in coefficient order, each bit moved to the byte's top for movemask.
            const __m256i b = _mm256_permute4x64_epi64(_mm256_packs_epi16(y0, y1), 0xD8);
            const auto bits = static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_slli_epi16(b, 7)));
            std::memcpy(out.data() + i / 8, &bits, 4);
        }
    } else {
        alignas(32) std::uint16_t t[16];
        for (std::size_t i = 0; i < n; i += 16) {
            _mm256_store_si256(reinterpret_cast<__m256i*>(t), compress_vec<D>(canonical(load16(&a[i]))));
            std::byte* o = out.data() + i / 8 * D;
            detail::pack8<D>(o, t, std::make_index_sequence<8>{});
            detail::pack8<D>(o + D, t + 8, std::make_index_sequence<8>{});
        }
        secure_zeroize(t, sizeof t);
    }
}

// Decompress_d(ByteDecode_d(in)); as mlkem::poly_decompress<D>. Post: canonical.
template <std::size_t D>
PQIKE_TARGET_AVX2 inline void poly_decompress(poly& a, std::span<const std::byte, 32 * D> in) noexcept {
    alignas(32) std::uint16_t t[16];
    for (std::size_t i = 0; i < n; i += 16) {
        const std::byte* p = in.data() + i / 8 * D;
        detail::unpack8<D>(t, p, std::make_index_sequence<8>{});
        detail::unpack8<D>(t + 8, p + D, std::make_index_sequence<8>{});
        store16(&a[i], decompress_vec<D>(_mm256_load_si256(reinterpret_cast<const __m256i*>(t))));
    }
}

// Decompress_1(ByteDecode_1(m)); as mlkem::poly_from_msg. Post: canonical.
PQIKE_TARGET_AVX2 inline void poly_from_msg(poly& a, std::span<const std::byte, sym_bytes> m) noexcept {
    const __m256i bit = _mm256_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192,
                                          16384, static_cast<short>(-32768));
    for (std::size_t i = 0; i < n; i += 16) {
        const auto w = static_cast<std::uint16_t>(std::to_integer<unsigned>(m[i / 8]) |
                                                  (std::to_integer<unsigned>(m[i / 8 + 1]) << 8));
        const __m256i sel = _mm256_cmpeq_epi16(_mm256_and_si256(_mm256_set1_epi16(static_cast<short>(w)), bit), bit);
        store16(&a[i], _mm256_and_si256(sel, splat((q + 1) / 2)));
    }
}

}  // namespace pqike::crypto::mlkem::avx2

#endif  // PQIKE_HAVE_AVX2_PATH
