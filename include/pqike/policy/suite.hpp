// SPDX-License-Identifier: MIT
// Policy: what an exchange helper runs with (exchange::suite<Registry, Prf, SkCipher> is the
// usual way to name one): a registry of key exchange methods (kex::ke_registry), the PRF and the
// SK payload cipher. Checked where a helper is instantiated, so a wrong parameter names the
// missing piece instead of failing deep inside the helper.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "prf.hpp"
#include "sk_cipher.hpp"

namespace pqike::policy {

// The shape exchange helpers use of kex::ke_registry: method lookup by number and the largest
// data sizes, to size buffers at compile time.
template <class R>
concept KeRegistry = requires(std::uint16_t id) {
    { R::size } -> std::convertible_to<std::size_t>;
    { R::contains(id) } -> std::same_as<bool>;
    { R::max_initiator_data_size } -> std::convertible_to<std::size_t>;
    { R::max_responder_data_size } -> std::convertible_to<std::size_t>;
    { R::max_shared_size } -> std::convertible_to<std::size_t>;
};

template <class S>
concept SuiteMembers = requires {
    typename S::registry;
    typename S::prf;
    typename S::cipher;
};

template <class S>
concept Suite = SuiteMembers<S> && KeRegistry<typename S::registry> && Prf<typename S::prf> &&
                SkCipher<typename S::cipher>;

}  // namespace pqike::policy
