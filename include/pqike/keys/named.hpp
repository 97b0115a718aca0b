// SPDX-License-Identifier: MIT
// Names for the octet strings of the key schedule that share one type and are easy to swap:
// Ni and Nr, SPIi and SPIr, and a key exchange's shared secret (g^ir, SK(n)) next to a key
// such as SK_d. Every formula takes them in a fixed order (RFC 7296 §2.14: Ni | Nr, then
// SPIi | SPIr; RFC 9370 §2.2.2: prf(SK_d, SK(n) | Ni | Nr)), and a call with two of them
// swapped compiles and derives wrong keys, so each is its own type (as Botan 3's strong
// types): built only explicitly, read freely.
//
//   keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{ni}, keys::responder_nonce{nr},
//                                           keys::initiator_spi{spi_i}, keys::responder_spi{spi_r},
//                                           keys::ke_secret{g_ir}, lengths);
//
// A stage hands its own back already named (ike_sa_keys::nonce_i() is an initiator_nonce). The
// secrets of several key exchanges, in order, stay a span (SK(0), SK(1), ... of a rekey).
#pragma once

#include <cstddef>

#include "../bytes.hpp"

namespace pqike::keys {

template <class Tag>
class named_octets {
public:
    constexpr explicit named_octets(bytes_view v) noexcept : v_(v) {}
    constexpr bytes_view view() const noexcept { return v_; }
    constexpr operator bytes_view() const noexcept { return v_; }  // reading needs no ceremony
    constexpr std::size_t size() const noexcept { return v_.size(); }
    constexpr bool empty() const noexcept { return v_.empty(); }

private:
    bytes_view v_;
};

using initiator_nonce = named_octets<struct initiator_nonce_tag>;  // Ni: Nonce payload data
using responder_nonce = named_octets<struct responder_nonce_tag>;  // Nr
using initiator_spi = named_octets<struct initiator_spi_tag>;      // SPIi: 8 octets
using responder_spi = named_octets<struct responder_spi_tag>;      // SPIr: 8 octets
using ke_secret = named_octets<struct ke_secret_tag>;              // g^ir or SK(n)

}  // namespace pqike::keys
