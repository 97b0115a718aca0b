// SPDX-License-Identifier: MIT
// Stateless cookies against IKE_SA_INIT floods (RFC 7296 §2.6). Above a half-open threshold the
// responder answers an IKE_SA_INIT without a valid cookie with HDR(SPIi, 0), N(COOKIE) only and
// keeps nothing; the initiator repeats its request with N(COOKIE) as the first payload. Every
// half-open SA of a post-quantum responder costs an ML-KEM encapsulation, so the cookie is
// checked before any key exchange work.
//
//   cookie = VersionIDofSecret (1 octet) | first 16 octets of prf(secret, Ni | IPi | SPIi)
//
// with the IKE SA's PRF (the policy the stack already runs). Secrets rotate: the previous one is
// still accepted, selected by its version octet, so a cookie issued just before a rotation works.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"

namespace pqike::exchange {

inline constexpr std::size_t cookie_max_size = 64;  // RFC 7296 §2.6: 1..64 octets
inline constexpr std::size_t cookie_mac_size = 16;
inline constexpr std::size_t cookie_size = 1 + cookie_mac_size;
inline constexpr std::size_t cookie_min_secret = 16;

struct cookie_secret {
    std::uint8_t version = 0;
    bytes_view key{};  // at least cookie_min_secret octets; the view must outlive the helper
};

// Responder policy: cookies are required once the stack reports `threshold` or more half-open
// IKE SAs (datagram_context::half_open). The default never requires them.
struct cookie_config {
    cookie_secret current{};
    cookie_secret previous{};  // empty key: none
    std::size_t threshold = std::numeric_limits<std::size_t>::max();
};

// The cookie for this request under `s`.
template <policy::Prf P>
status make_cookie(const cookie_secret& s, bytes_view ni, bytes_view peer_address, bytes_view spi_i,
                   std::span<std::byte, cookie_size> out) noexcept {
    static_assert(P::output_size >= cookie_mac_size);
    if (s.key.size() < cookie_min_secret) return {errc::invalid_length, "cookies.secret", error_value{s.key.size()}};
    std::array<std::byte, P::output_size> mac{};
    policy::prf_compute(P{s.key}, {ni, peer_address, spi_i}, std::span<std::byte, P::output_size>{mac});
    out[0] = std::byte{s.version};
    for (std::size_t i = 0; i < cookie_mac_size; ++i) out[1 + i] = mac[i];
    return {};
}

// Is `received` a cookie we issued (current or previous secret)? Constant time in the MAC.
template <policy::Prf P>
bool cookie_valid(const cookie_config& c, bytes_view received, bytes_view ni, bytes_view peer_address,
                  bytes_view spi_i) noexcept {
    if (received.size() != cookie_size) return false;
    const std::uint8_t v = std::to_integer<std::uint8_t>(received[0]);
    const cookie_secret* s = v == c.current.version ? &c.current
                             : (!c.previous.key.empty() && v == c.previous.version) ? &c.previous
                                                                                    : nullptr;
    if (s == nullptr) return false;
    std::array<std::byte, cookie_size> expect{};
    if (!make_cookie<P>(*s, ni, peer_address, spi_i, expect)) return false;
    return ct_equal(bytes_view{expect}, received);
}

}  // namespace pqike::exchange
