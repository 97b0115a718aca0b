// SPDX-License-Identifier: MIT
// A hash policy without finish() must fail the Hash concept, naming the concept and finish.
// expect-concept: Hash
// expect-requirement: finish
#include <pqike/crypto/concepts.hpp>

struct hash_without_finish {
    static constexpr std::size_t digest_size = 32;
    static constexpr std::size_t block_size = 64;
    void update(pqike::bytes_view) noexcept {}
#if defined(PQIKE_CONTROL)
    void finish(std::span<std::byte, 32>) noexcept {}
#endif
};

static_assert(pqike::crypto::Hash<hash_without_finish>);
