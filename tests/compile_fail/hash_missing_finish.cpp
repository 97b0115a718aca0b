// SPDX-License-Identifier: MIT
// A hash policy without finish() must fail the Hash concept, the diagnostic naming the failing part and finish.
// expect-concept: HashIncremental
// expect-requirement: finish
#include <pqike/policy.hpp>

struct hash_without_finish {
    static constexpr std::size_t digest_size = 32;
    static constexpr std::size_t block_size = 64;
    void update(pqike::bytes_view) noexcept {}
#if defined(PQIKE_CONTROL)
    void finish(std::span<std::byte, 32>) noexcept {}
#endif
};

static_assert(pqike::policy::Hash<hash_without_finish>);
