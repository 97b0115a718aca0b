// SPDX-License-Identifier: MIT
// Policy: a KEM, KEM-shaped and not DH-shaped (Generate / Encaps / Decaps). Sizes are static
// constexpr and the operations take fixed-extent spans. Deterministic twins take their coins so
// known-answer tests can drive them; the randomized forms draw coins from an Rng.
//   id            IKEv2 Transform Type 4 / ADDKE ID (ML-KEM-768 = 36)
//   check_ek      FIPS 203 §7.2 input check (length is implied by the span type; modulus)
//   encaps*       fail with errc::invalid_key when ek fails check_ek
//   decaps        fails with errc::invalid_key when dk fails its §7.3 hash check; an invalid
//                 ciphertext is NOT an error (implicit rejection gives a pseudorandom secret)
// All operations zeroize their secret outputs on error.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../result.hpp"
#include "ke_sizes.hpp"
#include "rng.hpp"

namespace pqike::policy {

template <class K>
concept KemSizes = KemWireSizes<K> && requires {
    { K::name } -> std::convertible_to<const char*>;
    { K::dk_size } -> std::convertible_to<std::size_t>;
    { K::ss_size } -> std::convertible_to<std::size_t>;
};

template <class K>
concept KemDeterministic = requires(std::span<const std::byte, 32> coins32,
                                    std::span<const std::byte, K::ek_size> ek,
                                    std::span<const std::byte, K::dk_size> dk,
                                    std::span<const std::byte, K::ct_size> ct,
                                    std::span<std::byte, K::ek_size> ek_out,
                                    std::span<std::byte, K::dk_size> dk_out,
                                    std::span<std::byte, K::ct_size> ct_out,
                                    std::span<std::byte, K::ss_size> ss_out) {
    { K::keygen_derand(coins32, coins32, ek_out, dk_out) } -> std::same_as<status>;  // (d, z)
    { K::encaps_derand(ek, coins32, ct_out, ss_out) } -> std::same_as<status>;       // (ek, m)
    { K::decaps(dk, ct, ss_out) } -> std::same_as<status>;
    { K::check_ek(ek) } -> std::same_as<bool>;
};

template <class K>
concept KemRandomized = requires(std::span<const std::byte, K::ek_size> ek,
                                 std::span<std::byte, K::ek_size> ek_out,
                                 std::span<std::byte, K::dk_size> dk_out,
                                 std::span<std::byte, K::ct_size> ct_out,
                                 std::span<std::byte, K::ss_size> ss_out,
                                 detail::rng_archetype& rng) {
    { K::keygen(rng, ek_out, dk_out) } -> std::same_as<status>;
    { K::encaps(rng, ek, ct_out, ss_out) } -> std::same_as<status>;
};

template <class K>
concept Kem = KemSizes<K> && KemDeterministic<K> && KemRandomized<K>;

}  // namespace pqike::policy
