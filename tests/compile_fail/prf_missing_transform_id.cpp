// SPDX-License-Identifier: MIT
// A PRF policy without transform_id must fail the Prf concept, and the diagnostic must name the
// concept and the missing requirement.
// expect-concept: PrfConstants
// expect-requirement: transform_id
#include <pqike/policy.hpp>

struct prf_without_id {
    struct stream_type {
        static constexpr std::size_t output_size = 32;
        void update(pqike::bytes_view) noexcept {}
        void finish(std::span<std::byte, 32>) noexcept {}
    };
    static constexpr std::size_t output_size = 32;
#if defined(PQIKE_CONTROL)
    static constexpr std::uint16_t transform_id = 5;
#endif
    static constexpr std::size_t preferred_key_size = 32;
    static constexpr bool truncates_nonce_key = false;
    explicit prf_without_id(pqike::bytes_view) noexcept {}
    void compute(std::span<const pqike::bytes_view>, std::span<std::byte, 32>) const noexcept {}
    stream_type stream() const noexcept { return {}; }
};

static_assert(pqike::policy::Prf<prf_without_id>);
