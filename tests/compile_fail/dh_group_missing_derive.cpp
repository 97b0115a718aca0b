// SPDX-License-Identifier: MIT
// A DH group policy without derive() must fail the DhGroup concept, the diagnostic naming the failing part and derive.
// expect-concept: DhGroupOperations
// expect-requirement: derive
#include <pqike/policy.hpp>

struct dh_without_derive {
    static constexpr std::uint16_t id = 31;
    static constexpr const char* name = "broken";
    static constexpr std::size_t private_size = 32, public_size = 32, shared_size = 32;
    template <class R>
    static pqike::status keygen(R&, std::span<std::byte, 32>, std::span<std::byte, 32>) noexcept {
        return {};
    }
#if defined(PQIKE_CONTROL)
    static pqike::status derive(std::span<const std::byte, 32>, std::span<const std::byte, 32>,
                                std::span<std::byte, 32>) noexcept {
        return {};
    }
#endif
};

static_assert(pqike::policy::DhGroup<dh_without_derive>);
