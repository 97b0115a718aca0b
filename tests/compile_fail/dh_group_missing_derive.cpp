// SPDX-License-Identifier: MIT
// A DH group policy without derive() must fail the DhGroup concept, naming it and derive.
// expect-concept: DhGroup
// expect-requirement: derive
#include <pqike/crypto/concepts.hpp>

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

static_assert(pqike::crypto::DhGroup<dh_without_derive>);
