// SPDX-License-Identifier: MIT
// IKEv2 Security Protocol Identifiers (RFC 7296 §3.3.1), used in proposals, Notify and Delete.
#pragma once

#include <cstdint>

#include "registry.hpp"

namespace pqike::wire {

enum class protocol_id : std::uint8_t {
    none = 0,  // Notify about no particular SA (RFC 7296 §3.10: "zero" with SPI Size 0)
    ike = 1,
    ah = 2,
    esp = 3,
};

constexpr std::uint8_t to_number(protocol_id p) noexcept { return static_cast<std::uint8_t>(p); }

constexpr const char* name(protocol_id p) noexcept {
    switch (p) {
        case protocol_id::none: return "NONE";
        case protocol_id::ike: return "IKE";
        case protocol_id::ah: return "AH";
        case protocol_id::esp: return "ESP";
    }
    return unknown_name;
}

}  // namespace pqike::wire
