// SPDX-License-Identifier: MIT
// IKEv2 Exchange Types (IANA "IKEv2 Exchange Types"). A strong type that keeps unknown values.
#pragma once

#include <cstdint>

#include "registry.hpp"

namespace pqike::wire {

enum class exchange_type : std::uint8_t {
    ike_sa_init = 34,       // RFC 7296 §3.1
    ike_auth = 35,          // RFC 7296 §3.1
    create_child_sa = 36,   // RFC 7296 §3.1
    informational = 37,     // RFC 7296 §3.1
    ike_intermediate = 43,  // RFC 9242 §3
    ike_followup_ke = 44,   // RFC 9370 §2.2.4
};

// Printable name, or "unknown" for a value this registry does not list.
constexpr const char* name(exchange_type t) noexcept {
    switch (t) {
        case exchange_type::ike_sa_init: return "IKE_SA_INIT";
        case exchange_type::ike_auth: return "IKE_AUTH";
        case exchange_type::create_child_sa: return "CREATE_CHILD_SA";
        case exchange_type::informational: return "INFORMATIONAL";
        case exchange_type::ike_intermediate: return "IKE_INTERMEDIATE";
        case exchange_type::ike_followup_ke: return "IKE_FOLLOWUP_KE";
    }
    return unknown_name;
}

constexpr std::uint8_t to_number(exchange_type t) noexcept { return static_cast<std::uint8_t>(t); }

}  // namespace pqike::wire
