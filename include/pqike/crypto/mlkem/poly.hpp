// SPDX-License-Identifier: MIT
// Polynomials of R_q = Z_q[X]/(X^256 + 1) and vectors of them: plain coefficient arrays (no
// heap, trivially wipeable) and the coefficient-wise arithmetic the K-PKE needs.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../../secret.hpp"
#include "params.hpp"
#include "reduce.hpp"

namespace pqike::crypto::mlkem {

using poly = std::array<std::int16_t, n>;
template <std::size_t K>
using polyvec = std::array<poly, K>;

// r = a + b. Pre: |a_i + b_i| < 2^15 (callers keep operands centered or canonical).
inline void poly_add(poly& r, const poly& a, const poly& b) noexcept {
    for (std::size_t i = 0; i < n; ++i) r[i] = static_cast<std::int16_t>(a[i] + b[i]);
}
// r = a - b. Pre: |a_i - b_i| < 2^15.
inline void poly_sub(poly& r, const poly& a, const poly& b) noexcept {
    for (std::size_t i = 0; i < n; ++i) r[i] = static_cast<std::int16_t>(a[i] - b[i]);
}
// Post: centered.
inline void poly_reduce(poly& a) noexcept {
    for (auto& c : a) c = barrett_reduce(c);
}
// Multiply by 2^16 (into the Montgomery domain): fqmul by 2^32 mod q. Post: |a_i| < q.
inline void poly_to_mont(poly& a) noexcept {
    constexpr std::int16_t r2 = static_cast<std::int16_t>((std::int64_t{65536} % q) * (65536 % q) % q);
    for (auto& c : a) c = fqmul(c, r2);
}

// Wipes a secret polynomial, vector or any trivially copyable object when the scope ends.
template <class T>
class wipe_on_exit {
public:
    explicit wipe_on_exit(T& v) noexcept : v_(v) {}
    wipe_on_exit(const wipe_on_exit&) = delete;
    wipe_on_exit& operator=(const wipe_on_exit&) = delete;
    ~wipe_on_exit() { secure_zeroize(&v_, sizeof(T)); }

private:
    T& v_;
};

}  // namespace pqike::crypto::mlkem
