// SPDX-License-Identifier: MIT
// IKEv2 carriage of the escape message (docs/escape-message.md §9): a Notify payload (protocol
// 0, SPI size 0, a private-use status type, RFC 7296 §3.10) in an INFORMATIONAL exchange of the
// SA the message is bound to; the ACK/NACK rides in the INFORMATIONAL response, ESCAPE_CONFIRM
// in an INFORMATIONAL request on the new SA. The escape codec itself knows nothing of IKE.
#pragma once

#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "../wire/exchange_type.hpp"
#include "../wire/notify.hpp"
#include "../wire/notify_type.hpp"
#include "../wire/protocol_id.hpp"
#include "message.hpp"

namespace pqike::escape::ikev2 {

// Private-use status types are 40960..65535 (RFC 7296 §3.10.1). Default 0xAE5C ("ESC"), until
// IANA assigns a code point; both peers must agree, so it is configurable.
inline constexpr std::uint16_t default_notify_type = 0xAE5C;  // 44636
static_assert(default_notify_type >= wire::notify_first_private_status);

struct carriage {
    std::uint16_t notify_type = default_notify_type;

    constexpr status check() const noexcept {
        if (notify_type < wire::notify_first_private_status)
            return status{errc::invalid_syntax, "escape.notify_type"};
        return {};
    }
    // The Notify to add to the INFORMATIONAL message (body only; the chain builder adds the
    // generic header): protocol 0, no SPI, our type, the escape message as data.
    constexpr result<wire::notify_view> notify(bytes_view escape_msg) const noexcept {
        if (auto s = check(); !s) return s.error();
        if (auto d = decode(escape_msg); !d) return d.error();
        return wire::make_notify(static_cast<wire::notify_type>(notify_type), escape_msg);
    }
    // Is this decoded Notify ours? Only the type is compared; protocol and SPI are then checked.
    constexpr bool matches(const wire::notify_view& n) const noexcept {
        return wire::to_number(n.kind) == notify_type;
    }
    // The escape message carried by a Notify, checked: protocol 0, SPI size 0, the data exactly
    // one message (self-delimiting header agrees with the notify length).
    constexpr result<bytes_view> extract(const wire::notify_view& n) const noexcept {
        if (!matches(n)) return error{errc::invalid_syntax, "notify.type"};
        if (n.protocol != wire::protocol_id::none) return error{errc::invalid_syntax, "notify.protocol"};
        if (!n.spi.empty()) return error{errc::invalid_syntax, "notify.spi_size"};
        auto len = announced_length(n.data);
        if (!len) return len.error();
        if (*len != n.data.size()) return error{errc::length_mismatch, "escape.length", 6};
        return n.data;
    }
    // The exchange that may carry it (RFC 7296 §1.4).
    static constexpr bool allowed_exchange(wire::exchange_type t) noexcept {
        return t == wire::exchange_type::informational;
    }
};

}  // namespace pqike::escape::ikev2
