// SPDX-License-Identifier: MIT
// Policy: what the wire codec needs of a key exchange method to check a KE payload — its IKEv2
// method number and the size of the data each direction carries (draft-ietf-ipsecme-ikev2-mlkem
// §2: ek from the initiator, ct from the responder; RFC 7296 §3.4: a DH public value both ways).
// Kem and DhGroup policies satisfy these; so does a bare size table (benchmarks, tests).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace pqike::policy {

template <class K>
concept KemWireSizes = requires {
    { K::id } -> std::convertible_to<std::uint16_t>;
    { K::ek_size } -> std::convertible_to<std::size_t>;
    { K::ct_size } -> std::convertible_to<std::size_t>;
};

template <class G>
concept DhWireSizes = requires {
    { G::id } -> std::convertible_to<std::uint16_t>;
    { G::public_size } -> std::convertible_to<std::size_t>;
};

template <class K>
concept KeWireSizes = KemWireSizes<K> || DhWireSizes<K>;

}  // namespace pqike::policy
