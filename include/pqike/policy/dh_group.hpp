// SPDX-License-Identifier: MIT
// Policy: a Diffie-Hellman group, in its own shape: a private value, a public value sent in KE,
// and derive(priv, peer) -> g^ir. derive fails with errc::invalid_key for an invalid peer public
// value (RFC 7296 §2.12 checks).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../result.hpp"
#include "ke_sizes.hpp"
#include "rng.hpp"

namespace pqike::policy {

template <class G>
concept DhGroupSizes = DhWireSizes<G> && requires {
    { G::name } -> std::convertible_to<const char*>;
    { G::private_size } -> std::convertible_to<std::size_t>;
    { G::shared_size } -> std::convertible_to<std::size_t>;
};

template <class G>
concept DhGroupOperations = requires(std::span<const std::byte, G::private_size> priv,
                                     std::span<const std::byte, G::public_size> peer,
                                     std::span<std::byte, G::private_size> priv_out,
                                     std::span<std::byte, G::public_size> pub_out,
                                     std::span<std::byte, G::shared_size> shared_out,
                                     detail::rng_archetype& rng) {
    { G::keygen(rng, priv_out, pub_out) } -> std::same_as<status>;
    { G::derive(priv, peer, shared_out) } -> std::same_as<status>;
};

template <class G>
concept DhGroup = DhGroupSizes<G> && DhGroupOperations<G>;

}  // namespace pqike::policy
