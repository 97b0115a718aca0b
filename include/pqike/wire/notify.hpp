// SPDX-License-Identifier: MIT
// Notify payload (RFC 7296 §3.10) and typed helpers for the notifies of the PQ extensions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "ke_method.hpp"
#include "notify_type.hpp"
#include "payload_chain.hpp"
#include "protocol_id.hpp"

namespace pqike::wire {

inline constexpr std::size_t notify_header_size = 4;  // protocol, SPI size, type

// A view of a Notify body; `spi` and `data` point into the datagram.
struct notify_view {
    static constexpr payload_type type = payload_type::notify;
    protocol_id protocol = protocol_id::none;
    notify_type kind = notify_type::initial_contact;
    bytes_view spi{};   // SPI Size octets (0 for the IKE SA, 4 for ESP/AH)
    bytes_view data{};

    PQIKE_HOT static constexpr result<notify_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        reader r{body, base};
        notify_view v;
        const std::byte* h = r.fixed(notify_header_size);
        if (h == nullptr) return error{errc::truncated, "notify.header", base};
        v.protocol = static_cast<protocol_id>(h[0]);
        const auto spi_size = std::to_integer<std::uint8_t>(h[1]);
        v.kind = static_cast<notify_type>(load_be16(h + 2));
        v.spi = r.bytes(spi_size);
        if (!r.ok()) return error{errc::length_too_large, "notify.spi_size", base + 1};
        v.data = r.bytes_rest();
        return v;
    }
    PQIKE_HOT static constexpr result<notify_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    PQIKE_HOT constexpr void encode(writer& w) const noexcept {
        if (std::byte* h = w.room(notify_header_size)) {
            h[0] = std::byte{to_number(protocol)};
            h[1] = static_cast<std::byte>(spi.size());
            store_be16(h + 2, to_number(kind));
        }
        w.bytes(spi);
        w.bytes(data);
    }
    // Offset of the data inside the body (for error offsets).
    constexpr std::size_t data_offset() const noexcept { return notify_header_size + spi.size(); }
};

// A notify about the IKE SA as a whole: protocol 0 (or IKE), no SPI (RFC 7296 §3.10).
constexpr notify_view make_notify(notify_type t, bytes_view data = {}) noexcept {
    return notify_view{protocol_id::none, t, {}, data};
}

// ---- typed helpers ----------------------------------------------------------------------------
// Each checks the type and the data shape and returns the typed content; `base` is the body's
// offset for error reporting.

// Notifies whose data must be empty: INTERMEDIATE_EXCHANGE_SUPPORTED (RFC 9242 §3.1),
// IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383 §2.3), USE_PPK (RFC 8784 §3), USE_PPK_INT (RFC 9867),
// STATE_NOT_FOUND (RFC 9370 §2.2.4).
constexpr status check_empty_notify(const notify_view& n, notify_type expected,
                                    std::size_t base = 0) noexcept {
    if (n.kind != expected) return status{errc::invalid_syntax, "notify.type", base + 2};
    if (!n.data.empty())
        return status{errc::trailing_data, "notify.data", base + n.data_offset()};
    return {};
}

// INVALID_KE_PAYLOAD carries the 2-octet KE method the responder wants (RFC 7296 §3.10.1).
struct invalid_ke_notify {
    ke_method accepted = ke_method::none;

    static constexpr result<invalid_ke_notify> decode(const notify_view& n,
                                                      std::size_t base = 0) noexcept {
        if (n.kind != notify_type::invalid_ke_payload)
            return error{errc::invalid_syntax, "notify.type", base + 2};
        if (n.data.size() != 2) return error{errc::length_mismatch, "notify.data", base + n.data_offset()};
        return invalid_ke_notify{static_cast<ke_method>(load_be16(n.data.data()))};
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(to_number(protocol_id::none));
        w.u8(0);
        w.u16(to_number(notify_type::invalid_ke_payload));
        w.u16(to_number(accepted));
    }
};

// ADDITIONAL_KEY_EXCHANGE (RFC 9370 §2.2.4): an opaque link chosen by the responder, of any
// length (one octet included); the initiator echoes it unchanged. `link` points into the datagram.
struct additional_ke_notify {
    bytes_view link{};

    static constexpr result<additional_ke_notify> decode(const notify_view& n,
                                                         std::size_t base = 0) noexcept {
        if (n.kind != notify_type::additional_key_exchange)
            return error{errc::invalid_syntax, "notify.type", base + 2};
        return additional_ke_notify{n.data};
    }
    constexpr void encode(writer& w) const noexcept {
        make_notify(notify_type::additional_key_exchange, link).encode(w);
    }
};

}  // namespace pqike::wire
