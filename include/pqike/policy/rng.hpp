// SPDX-License-Identifier: MIT
// Policy: the random source. r.fill(out) fills out with cryptographically secure random bytes or
// returns an error (errc::rng_failure); it never silently degrades.
#pragma once

#include <concepts>

#include "../bytes.hpp"
#include "../result.hpp"

namespace pqike::policy {

template <class R>
concept Rng = requires(R& r, mut_bytes out) {
    { r.fill(out) } -> std::same_as<status>;
};

namespace detail {
// The least Rng there is: the KEM and DH concepts check their randomized operations with it.
struct rng_archetype {
    status fill(mut_bytes) noexcept { return {}; }
};
static_assert(Rng<rng_archetype>);
}  // namespace detail

}  // namespace pqike::policy
