// SPDX-License-Identifier: MIT
// Policy: a keyed PRF as IKEv2 uses it (RFC 7296 §2.13). Constructing P from a key does the key
// setup once (HMAC precomputes its inner and outer states) so prf+ pays it once. compute()
// absorbs a list of parts one after another, so Ni | Nr | SPIi | SPIr is never concatenated.
// stream() gives an incremental context for data that arrives in pieces.
//   transform_id        IKEv2 Transform Type 2 ID (PRF_HMAC_SHA2_256 = 5, ...)
//   output_size         bytes per PRF output block
//   preferred_key_size  length of SK_d, SK_pi, SK_pr (RFC 7296 §2.13)
//   truncates_nonce_key true for AES-XCBC/CMAC PRFs: SKEYSEED's key is the first 64 bits of Ni
//                       and of Nr (RFC 7296 §2.14)
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "../bytes.hpp"

namespace pqike::policy {

template <class P>
concept PrfStream = requires(P& s, bytes_view in, std::span<std::byte, P::output_size> out) {
    s.update(in);
    s.finish(out);
};

template <class P>
concept PrfConstants = requires {
    { P::transform_id } -> std::convertible_to<std::uint16_t>;
    { P::output_size } -> std::convertible_to<std::size_t>;
    { P::preferred_key_size } -> std::convertible_to<std::size_t>;
    { P::truncates_nonce_key } -> std::convertible_to<bool>;
};

template <class P>
concept PrfKeyed = std::constructible_from<P, bytes_view>;

template <class P>
concept PrfCompute = requires(const P& prf, std::span<const bytes_view> parts,
                              std::span<std::byte, P::output_size> out) {
    prf.compute(parts, out);
    { prf.stream() } -> PrfStream;
};

template <class P>
concept Prf = PrfKeyed<P> && PrfConstants<P> && PrfCompute<P>;

// prf(key, a | b | c) without concatenation: prf_compute(p, {a, b, c}, out).
template <Prf P>
void prf_compute(const P& prf, std::initializer_list<bytes_view> parts,
                 std::span<std::byte, P::output_size> out) noexcept {
    prf.compute(std::span<const bytes_view>(parts.begin(), parts.size()), out);
}

}  // namespace pqike::policy
