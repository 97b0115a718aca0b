// SPDX-License-Identifier: MIT
// Deterministic Rng policies for tests, benchmarks and fuzz targets (policy::Rng): the same
// seed gives the same keys, nonces, SPIs and IVs on every run, so a failure can be replayed.
// Not random: never use them outside test code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <pqike/bytes.hpp>
#include <pqike/policy.hpp>
#include <pqike/result.hpp>

namespace pqike::test {

// SplitMix64 (Steele, Lea, Flood: "Fast splittable pseudorandom number generators", 2014): a
// stream of well-mixed bytes from a 64-bit seed. One output byte per 64-bit step.
struct seeded_rng {
    std::uint64_t s;
    status fill(mut_bytes out) noexcept {
        for (auto& b : out) {
            s += 0x9e3779b97f4a7c15ull;
            std::uint64_t z = s;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            b = static_cast<std::byte>((z ^ (z >> 31)) & 0xff);
        }
        return {};
    }
};

// Bytes next, next + 1, ... (mod 256): IVs and padding that a reader can predict. With
// fail = true every fill fails (errc::rng_failure), for the error paths.
struct counter_rng {
    std::uint8_t next = 1;
    bool fail = false;
    status fill(mut_bytes out) noexcept {
        if (fail) return errc::rng_failure;
        for (auto& b : out) b = std::byte{next++};
        return {};
    }
};

// Replays fixed bytes (captured IVs and padding, known-answer coins), then fails: a broken Rng
// once they run out.
struct replay_rng {
    std::vector<std::byte> bytes;
    std::size_t at = 0;
    status fill(mut_bytes out) noexcept {
        if (bytes.size() - at < out.size()) return status{errc::rng_failure, "replay", at};
        for (auto& b : out) b = bytes[at++];
        return {};
    }
};

static_assert(policy::Rng<seeded_rng> && policy::Rng<counter_rng> && policy::Rng<replay_rng>);

}  // namespace pqike::test
