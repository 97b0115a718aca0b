// SPDX-License-Identifier: MIT
// IKEv2 Key Exchange Method IDs, the IDs of Transform Types 4 and 6..12 (IANA "Transform Type 4 -
// Key Exchange Method Transform IDs"; RFC 7296 §3.3.2, RFC 9370 §2.1, RFC 8031,
// draft-ietf-ipsecme-ikev2-mlkem). A strong type that keeps unknown values; a KE policy type
// carries its own ID, so a method not listed here still works.
#pragma once

#include <cstdint>

#include "registry.hpp"

namespace pqike::wire {

enum class ke_method : std::uint16_t {
    none = 0,         // RFC 9370 §2.1: "no additional key exchange" (ADDKE types only)
    modp_768 = 1,     // RFC 7296 Appendix B
    modp_1024 = 2,
    modp_1536 = 5,    // RFC 3526
    modp_2048 = 14,
    modp_3072 = 15,
    modp_4096 = 16,
    modp_6144 = 17,
    modp_8192 = 18,
    ecp_256 = 19,     // RFC 5903
    ecp_384 = 20,
    ecp_521 = 21,
    curve25519 = 31,  // RFC 8031
    curve448 = 32,
    ml_kem_512 = 35,  // draft-ietf-ipsecme-ikev2-mlkem (IANA; early drafts differed, WIRE.md)
    ml_kem_768 = 36,
    ml_kem_1024 = 37,
};

constexpr std::uint16_t to_number(ke_method m) noexcept { return static_cast<std::uint16_t>(m); }

constexpr const char* name(ke_method m) noexcept {
    switch (m) {
        case ke_method::none: return "NONE";
        case ke_method::modp_768: return "MODP-768";
        case ke_method::modp_1024: return "MODP-1024";
        case ke_method::modp_1536: return "MODP-1536";
        case ke_method::modp_2048: return "MODP-2048";
        case ke_method::modp_3072: return "MODP-3072";
        case ke_method::modp_4096: return "MODP-4096";
        case ke_method::modp_6144: return "MODP-6144";
        case ke_method::modp_8192: return "MODP-8192";
        case ke_method::ecp_256: return "ECP-256";
        case ke_method::ecp_384: return "ECP-384";
        case ke_method::ecp_521: return "ECP-521";
        case ke_method::curve25519: return "Curve25519";
        case ke_method::curve448: return "Curve448";
        case ke_method::ml_kem_512: return "ML-KEM-512";
        case ke_method::ml_kem_768: return "ML-KEM-768";
        case ke_method::ml_kem_1024: return "ML-KEM-1024";
    }
    return unknown_name;
}

}  // namespace pqike::wire
