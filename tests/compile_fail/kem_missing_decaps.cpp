// SPDX-License-Identifier: MIT
// A KEM policy without decaps must fail the Kem concept, the diagnostic naming the failing part and decaps.
// expect-concept: KemDeterministic
// expect-requirement: decaps
#include <pqike/policy.hpp>

struct kem_without_decaps {
    static constexpr std::uint16_t id = 36;
    static constexpr const char* name = "broken";
    static constexpr std::size_t ek_size = 8, dk_size = 8, ct_size = 8, ss_size = 32;
    using cin32 = std::span<const std::byte, 32>;
    template <std::size_t N>
    using in = std::span<const std::byte, N>;
    template <std::size_t N>
    using out = std::span<std::byte, N>;
    static pqike::status keygen_derand(cin32, cin32, out<8>, out<8>) noexcept { return {}; }
    static pqike::status encaps_derand(in<8>, cin32, out<8>, out<32>) noexcept { return {}; }
    static bool check_ek(in<8>) noexcept { return true; }
#if defined(PQIKE_CONTROL)
    static pqike::status decaps(in<8>, in<8>, out<32>) noexcept { return {}; }
#endif
    template <class R>
    static pqike::status keygen(R&, out<8>, out<8>) noexcept { return {}; }
    template <class R>
    static pqike::status encaps(R&, in<8>, out<8>, out<32>) noexcept { return {}; }
};

static_assert(pqike::policy::Kem<kem_without_decaps>);
