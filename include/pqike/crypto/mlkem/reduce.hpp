// SPDX-License-Identifier: MIT
// Modular reductions mod q = 3329 without division or branches (constant time).
// Coefficients are int16_t; "centered" means in [-(q-1)/2, (q-1)/2], "canonical" in [0, q).
#pragma once

#include <cstdint>

#include "params.hpp"

namespace pqike::crypto::mlkem {

// q^-1 mod 2^16 by Newton iteration x <- x(2 - qx), which doubles the correct low bits each
// step (q is odd, so x = q is correct to 3 bits to start).
constexpr std::uint32_t compute_qinv() noexcept {
    std::uint32_t x = q;
    for (int i = 0; i < 5; ++i) x = (x * (2u - q * x)) & 0xffffu;
    return x;
}
inline constexpr std::uint32_t qinv = compute_qinv();
static_assert((qinv * q) % 65536u == 1u);

// Montgomery reduction, R = 2^16. Pre: |a| < q·2^15. Post: r ≡ a·2^-16 (mod q), |r| < q.
constexpr std::int16_t montgomery_reduce(std::int32_t a) noexcept {
    // t = a·q^-1 mod 2^16 as a signed 16-bit value, so a - t·q is divisible by 2^16.
    const auto t = static_cast<std::int16_t>(static_cast<std::uint16_t>(static_cast<std::uint32_t>(a) * qinv));
    return static_cast<std::int16_t>((a - static_cast<std::int32_t>(t) * q) >> 16);
}

// Barrett reduction. Pre: any int16_t. Post: centered representative of a mod q.
// v = round(2^26 / q); the quotient estimate is off by at most one, which the centering absorbs.
constexpr std::int16_t barrett_reduce(std::int16_t a) noexcept {
    constexpr std::int32_t v = ((std::int32_t{1} << 26) + q / 2) / q;
    const std::int32_t t = (v * a + (std::int32_t{1} << 25)) >> 26;
    return static_cast<std::int16_t>(a - t * q);
}

// a·b·2^-16 mod q. Pre: |a·b| < q·2^15 (e.g. |b| < q). Post: |r| < q.
constexpr std::int16_t fqmul(std::int16_t a, std::int16_t b) noexcept {
    return montgomery_reduce(static_cast<std::int32_t>(a) * b);
}

// Pre: -q < a < q. Post: canonical (adds q when negative, by mask).
constexpr std::int16_t to_canonical(std::int16_t a) noexcept {
    return static_cast<std::int16_t>(a + ((a >> 15) & q));
}

// Pre: 0 <= a < 2q. Post: canonical (subtracts q when a >= q, by mask).
constexpr std::int16_t cond_sub_q(std::int16_t a) noexcept {
    const auto t = static_cast<std::int16_t>(a - q);
    return static_cast<std::int16_t>(t + ((t >> 15) & q));
}

}  // namespace pqike::crypto::mlkem
