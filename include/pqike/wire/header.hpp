// SPDX-License-Identifier: MIT
// The 28-byte IKE header (RFC 7296 §3.1) and the non-ESP marker of UDP port 4500 (RFC 3948 §2.2,
// RFC 7296 §2.23).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "exchange_type.hpp"
#include "payload_type.hpp"

namespace pqike::wire {

inline constexpr std::size_t ike_header_size = 28;
inline constexpr std::uint8_t ike_major_version = 2;

// Byte offsets of the header fields that encoders patch and errors name.
namespace header_offset {
inline constexpr std::size_t spi_i = 0;
inline constexpr std::size_t spi_r = 8;
inline constexpr std::size_t next_payload = 16;
inline constexpr std::size_t version = 17;
inline constexpr std::size_t exchange = 18;
inline constexpr std::size_t flags = 19;
inline constexpr std::size_t message_id = 20;
inline constexpr std::size_t length = 24;
}  // namespace header_offset

// Flag bits (RFC 7296 §3.1); the other five bits are reserved, sent as zero, ignored on receipt
// and kept here so a decoded header re-encodes byte for byte.
namespace flag {
inline constexpr std::uint8_t initiator = 0x08;
inline constexpr std::uint8_t version = 0x10;
inline constexpr std::uint8_t response = 0x20;
}  // namespace flag

struct ike_header {
    std::uint64_t spi_i = 0;
    std::uint64_t spi_r = 0;
    payload_type next = payload_type::none;    // type of the first payload
    std::uint8_t minor_version = 0;             // ignored on receipt (RFC 7296 §2.5), kept
    exchange_type exchange = exchange_type::ike_sa_init;
    std::uint8_t flags = 0;
    std::uint32_t message_id = 0;
    std::uint32_t length = ike_header_size;     // whole message, header included

    constexpr bool initiator() const noexcept { return (flags & flag::initiator) != 0; }
    constexpr bool response() const noexcept { return (flags & flag::response) != 0; }
    constexpr bool higher_version() const noexcept { return (flags & flag::version) != 0; }

    friend constexpr bool operator==(const ike_header&, const ike_header&) = default;
};

// Decode the header of a whole datagram (after any non-ESP marker). The Length field must equal
// the datagram length: shorter is trailing data, longer is truncation of the message.
PQIKE_HOT constexpr result<ike_header> decode_header(bytes_view datagram) noexcept {
    if (datagram.size() < ike_header_size) return error{errc::truncated, "ike.header", datagram.size()};
    const std::byte* p = datagram.data();  // 28 octets, checked above
    ike_header h;
    h.spi_i = load_be64(p + header_offset::spi_i);
    h.spi_r = load_be64(p + header_offset::spi_r);
    h.next = static_cast<payload_type>(p[header_offset::next_payload]);
    const auto version = std::to_integer<std::uint8_t>(p[header_offset::version]);
    h.exchange = static_cast<exchange_type>(p[header_offset::exchange]);
    h.flags = std::to_integer<std::uint8_t>(p[header_offset::flags]);
    h.message_id = load_be32(p + header_offset::message_id);
    h.length = load_be32(p + header_offset::length);
    if ((version >> 4) != ike_major_version)
        return error{errc::unsupported_version, "ike.version", header_offset::version};
    h.minor_version = static_cast<std::uint8_t>(version & 0x0f);
    if (h.length < ike_header_size)
        return error{errc::length_too_small, "ike.length", header_offset::length};
    if (h.length > datagram.size())
        return error{errc::length_too_large, "ike.length", header_offset::length};
    if (h.length < datagram.size()) return error{errc::trailing_data, "ike.length", h.length};
    return h;
}

// Write the header as given (Length and Next Payload included; message_builder patches them).
constexpr void encode_header(writer& w, const ike_header& h) noexcept {
    std::byte* p = w.room(ike_header_size);
    if (p == nullptr) return;  // overflow: the writer keeps counting
    store_be64(p + header_offset::spi_i, h.spi_i);
    store_be64(p + header_offset::spi_r, h.spi_r);
    p[header_offset::next_payload] = std::byte{to_number(h.next)};
    p[header_offset::version] = static_cast<std::byte>((ike_major_version << 4) | (h.minor_version & 0x0f));
    p[header_offset::exchange] = std::byte{to_number(h.exchange)};
    p[header_offset::flags] = std::byte{h.flags};
    store_be32(p + header_offset::message_id, h.message_id);
    store_be32(p + header_offset::length, h.length);
}

// ---- UDP encapsulation on port 4500 ---------------------------------------------------------
// On port 4500 an IKE message is preceded by four zero octets (the non-ESP marker) so it cannot
// be mistaken for ESP, whose first four octets are a non-zero SPI; a lone 0xff octet is a NAT
// keepalive (RFC 3948 §2.2, §2.3).
inline constexpr std::size_t non_esp_marker_size = 4;

enum class udp_encap_kind : std::uint8_t { ike, esp, keepalive };

struct udp_encap {
    udp_encap_kind kind;
    bytes_view data;  // IKE: the message without the marker; ESP: the whole packet
};

constexpr result<udp_encap> classify_udp4500(bytes_view payload) noexcept {
    if (payload.size() == 1 && payload[0] == std::byte{0xff})
        return udp_encap{udp_encap_kind::keepalive, payload};
    if (payload.size() < non_esp_marker_size) return error{errc::truncated, "udp.marker", 0};
    if (load_be32(payload.data()) == 0)
        return udp_encap{udp_encap_kind::ike, payload.subspan(non_esp_marker_size)};
    return udp_encap{udp_encap_kind::esp, payload};
}

// The IKE message carried in a port-4500 datagram, or an error if it is ESP or a keepalive.
constexpr result<bytes_view> strip_non_esp_marker(bytes_view payload) noexcept {
    auto c = classify_udp4500(payload);
    if (!c) return c.error();
    if (c->kind != udp_encap_kind::ike) return error{errc::invalid_syntax, "udp.marker", 0};
    return c->data;
}

// Prepend the marker on send: call before encoding the message into the same writer.
constexpr void write_non_esp_marker(writer& w) noexcept { w.zeros(non_esp_marker_size); }

}  // namespace pqike::wire
