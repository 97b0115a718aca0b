// SPDX-License-Identifier: MIT
// Key Exchange payload (RFC 7296 §3.4, RFC 9370 §2.2): a KE method number, two reserved octets,
// then the method's data. For a KEM the data is the encapsulation key in a request and the
// ciphertext in a response (draft-ietf-ipsecme-ikev2-mlkem §2); for a DH group both directions
// carry a public value of the group's size.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "../policy/ke_sizes.hpp"
#include "ke_method.hpp"
#include "payload_chain.hpp"

namespace pqike::wire {

inline constexpr std::size_t ke_header_size = 4;  // method + reserved

// Which way a message goes: KE data sizes of KEMs depend on it.
enum class direction : std::uint8_t { request, response };

// A view of a KE body; `data` points into the datagram. Reserved is ignored on receipt
// (RFC 7296 §3.4) and kept so the payload re-encodes byte for byte.
struct ke_view {
    static constexpr payload_type type = payload_type::ke;
    ke_method method = ke_method::none;
    std::uint16_t reserved = 0;
    bytes_view data{};

    PQIKE_HOT static constexpr result<ke_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        if (body.size() < ke_header_size) return error{errc::truncated, "ke.header", base};
        ke_view v;
        v.method = static_cast<ke_method>(load_be16(body.data()));
        v.reserved = load_be16(body.data() + 2);
        v.data = body.subspan(ke_header_size);
        return v;
    }
    PQIKE_HOT static constexpr result<ke_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    PQIKE_HOT constexpr void encode(writer& w) const noexcept {
        if (std::byte* h = w.room(ke_header_size)) {
            store_be16(h, to_number(method));
            store_be16(h + 2, reserved);
        }
        w.bytes(data);
    }
};

// The KE data size a method has in a direction, as a compile-time constant per direction.
template <policy::KeWireSizes K>
constexpr std::size_t ke_data_size(direction d) noexcept {
    if constexpr (policy::KemWireSizes<K>)
        return d == direction::request ? std::size_t{K::ek_size} : std::size_t{K::ct_size};
    else
        return std::size_t{K::public_size};
}

// A KE payload checked against policy K for one direction: the method must be K::id
// (errc::invalid_ke_method, which maps to INVALID_KE_PAYLOAD) and the data must have K's size
// for that direction (errc::invalid_ke_length). The spans point into the datagram.
template <policy::KeWireSizes K>
struct ke_view_for {
    static constexpr std::size_t request_size = ke_data_size<K>(direction::request);
    static constexpr std::size_t response_size = ke_data_size<K>(direction::response);

    direction dir = direction::request;
    bytes_view data{};  // exactly ke_data_size<K>(dir) bytes

    static constexpr result<ke_view_for> check(const ke_view& v, direction d,
                                               std::size_t base = 0) noexcept {
        if (to_number(v.method) != static_cast<std::uint16_t>(K::id))
            return error{errc::invalid_ke_method, "ke.method", base};
        if (v.data.size() != ke_data_size<K>(d))
            return error{errc::invalid_ke_length, "ke.data", base + ke_header_size};
        return ke_view_for{d, v.data};
    }
    static constexpr result<ke_view_for> decode(const raw_payload& p, direction d) noexcept {
        auto v = ke_view::decode(p);
        if (!v) return v.error();
        return check(*v, d, p.body_offset());
    }
    // KEM request: the encapsulation key. Asking a response for it is a programming bug (trap).
    constexpr std::span<const std::byte, request_size> ek() const noexcept
        requires policy::KemWireSizes<K> {
        if (dir != direction::request) __builtin_trap();
        return std::span<const std::byte, request_size>{data.data(), request_size};
    }
    // KEM response: the ciphertext.
    constexpr std::span<const std::byte, response_size> ct() const noexcept
        requires policy::KemWireSizes<K> {
        if (dir != direction::response) __builtin_trap();
        return std::span<const std::byte, response_size>{data.data(), response_size};
    }
    // DH group: the public value (same size both ways).
    constexpr std::span<const std::byte, request_size> public_value() const noexcept
        requires(!policy::KemWireSizes<K>) {
        return std::span<const std::byte, request_size>{data.data(), request_size};
    }
};

// Encode a KE body (the data size is the caller's; the typed views check it on receipt).
constexpr void encode_ke(writer& w, ke_method m, bytes_view data) noexcept {
    ke_view{m, 0, data}.encode(w);
}

}  // namespace pqike::wire
