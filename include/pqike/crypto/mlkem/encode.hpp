// SPDX-License-Identifier: MIT
// Encoding and compression (FIPS 203 §4.2.1): ByteEncode_d / ByteDecode_d (Alg. 5, 6) and
// Compress_d / Decompress_d. All constant time: loops depend only on d, and Compress divides by
// q with a multiply-and-shift instead of a division instruction (whose latency can depend on
// the operand).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../../bytes.hpp"
#include "params.hpp"
#include "poly.hpp"
#include "reduce.hpp"

namespace pqike::crypto::mlkem {

// ByteEncode_d (Alg. 5) of 256 values already in [0, 2^d), little-endian bit order.
template <std::size_t D>
inline void pack(std::span<std::byte, 32 * D> out, const std::array<std::uint16_t, n>& v) noexcept {
    std::uint32_t acc = 0;
    std::size_t bits = 0;
    std::size_t o = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc |= std::uint32_t{v[i]} << bits;
        bits += D;
        while (bits >= 8) {
            out[o++] = static_cast<std::byte>(acc);
            acc >>= 8;
            bits -= 8;
        }
    }
}

// ByteDecode_d (Alg. 6) without the final reduction mod q: 256 values in [0, 2^d).
template <std::size_t D>
inline void unpack(std::array<std::uint16_t, n>& v, std::span<const std::byte, 32 * D> in) noexcept {
    std::uint32_t acc = 0;
    std::size_t bits = 0;
    std::size_t o = 0;
    for (std::size_t i = 0; i < n; ++i) {
        while (bits < D) {
            acc |= std::uint32_t{std::to_integer<std::uint8_t>(in[o++])} << bits;
            bits += 8;
        }
        v[i] = static_cast<std::uint16_t>(acc & ((1u << D) - 1));
        acc >>= D;
        bits -= D;
    }
}

// Compress_d(x) = round(2^d·x / q) mod 2^d for canonical x (round half up; q is odd so no ties).
// floor(t / q) = (t·m) >> 40 with m = ceil(2^40 / q) is exact for t < 2^24 (error < 2^24/2^40).
template <std::size_t D>
constexpr std::uint16_t compress(std::int16_t x) noexcept {
    constexpr std::uint64_t m = ((std::uint64_t{1} << 40) + q - 1) / q;
    const std::uint64_t t = (static_cast<std::uint64_t>(static_cast<std::uint16_t>(x)) << D) + q / 2;
    return static_cast<std::uint16_t>(((t * m) >> 40) & ((1u << D) - 1));
}
// Decompress_d(y) = round(q·y / 2^d). Post: canonical.
template <std::size_t D>
constexpr std::int16_t decompress(std::uint16_t y) noexcept {
    return static_cast<std::int16_t>((static_cast<std::uint32_t>(y) * q + (1u << (D - 1))) >> D);
}

// Compile-time proof that compress<D> equals the exact rational rounding for every input.
template <std::size_t D>
constexpr bool compress_is_exact() noexcept {
    for (int x = 0; x < q; ++x) {
        const int exact = static_cast<int>(((static_cast<std::int64_t>(x) << D) * 2 + q) / (2 * std::int64_t{q})) & ((1 << D) - 1);
        if (compress<D>(static_cast<std::int16_t>(x)) != exact) return false;
    }
    return true;
}
static_assert(compress_is_exact<1>() && compress_is_exact<4>() && compress_is_exact<5>() &&
              compress_is_exact<10>() && compress_is_exact<11>());

// ByteEncode_12 of a polynomial. Pre: |a_i| < q (it is made canonical first).
inline void poly_to_bytes(std::span<std::byte, poly_bytes> out, const poly& a) noexcept {
    std::array<std::uint16_t, n> v;
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint16_t>(to_canonical(a[i]));
    pack<12>(out, v);
    secure_zeroize(v.data(), sizeof(v));
}

// ByteDecode_12 (Alg. 6, d = 12: values taken mod q). Post: canonical. Constant time, so it also
// serves the secret ŝ of a decapsulation key, which may hold values >= q if the key is malformed.
inline void poly_from_bytes(poly& a, std::span<const std::byte, poly_bytes> in) noexcept {
    std::array<std::uint16_t, n> v;
    unpack<12>(v, in);
    for (std::size_t i = 0; i < n; ++i) a[i] = cond_sub_q(static_cast<std::int16_t>(v[i]));  // 4095 < 2q
    secure_zeroize(v.data(), sizeof(v));
}

// FIPS 203 §7.2 modulus check: ByteEncode_12(ByteDecode_12(x)) == x, i.e. every 12-bit value < q.
// Only for public data (an encapsulation key), hence the early exit.
inline bool modulus_ok_vartime(bytes_view in) noexcept {
    for (std::size_t p = 0; p + 3 <= in.size(); p += 3) {
        const unsigned b0 = std::to_integer<unsigned>(in[p]);
        const unsigned b1 = std::to_integer<unsigned>(in[p + 1]);
        const unsigned b2 = std::to_integer<unsigned>(in[p + 2]);
        if ((b0 | ((b1 & 0x0fu) << 8)) >= static_cast<unsigned>(q)) return false;
        if (((b1 >> 4) | (b2 << 4)) >= static_cast<unsigned>(q)) return false;
    }
    return true;
}

// ByteEncode_d(Compress_d(a)). Pre: |a_i| < q.
template <std::size_t D>
inline void poly_compress(std::span<std::byte, 32 * D> out, const poly& a) noexcept {
    std::array<std::uint16_t, n> v;
    for (std::size_t i = 0; i < n; ++i) v[i] = compress<D>(to_canonical(a[i]));
    pack<D>(out, v);
    secure_zeroize(v.data(), sizeof(v));
}

// Decompress_d(ByteDecode_d(in)). Post: canonical.
template <std::size_t D>
inline void poly_decompress(poly& a, std::span<const std::byte, 32 * D> in) noexcept {
    std::array<std::uint16_t, n> v;
    unpack<D>(v, in);
    for (std::size_t i = 0; i < n; ++i) a[i] = decompress<D>(v[i]);
    secure_zeroize(v.data(), sizeof(v));
}

// Decompress_1(ByteDecode_1(m)): bit b -> b·(q+1)/2, by mask. Post: canonical.
inline void poly_from_msg(poly& a, std::span<const std::byte, sym_bytes> m) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned bit = (std::to_integer<unsigned>(m[i / 8]) >> (i % 8)) & 1u;
        a[i] = static_cast<std::int16_t>((0u - bit) & static_cast<unsigned>((q + 1) / 2));
    }
}

}  // namespace pqike::crypto::mlkem
