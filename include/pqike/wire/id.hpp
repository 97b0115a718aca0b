// SPDX-License-Identifier: MIT
// Identification payloads IDi / IDr (RFC 7296 §3.5) and the ID Type registry.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"
#include "registry.hpp"

namespace pqike::wire {

enum class id_type : std::uint8_t {
    ipv4_addr = 1,
    fqdn = 2,
    rfc822_addr = 3,
    ipv6_addr = 5,
    der_asn1_dn = 9,
    der_asn1_gn = 10,
    key_id = 11,
};

constexpr const char* name(id_type t) noexcept {
    switch (t) {
        case id_type::ipv4_addr: return "ID_IPV4_ADDR";
        case id_type::fqdn: return "ID_FQDN";
        case id_type::rfc822_addr: return "ID_RFC822_ADDR";
        case id_type::ipv6_addr: return "ID_IPV6_ADDR";
        case id_type::der_asn1_dn: return "ID_DER_ASN1_DN";
        case id_type::der_asn1_gn: return "ID_DER_ASN1_GN";
        case id_type::key_id: return "ID_KEY_ID";
    }
    return unknown_name;
}

// A view of an IDi or IDr body; `data` points into the datagram. The body is what AUTH signs
// (RFC 7296 §2.15: IDx' is the payload without its generic header), so `body` is kept whole.
struct id_view {
    id_type kind = id_type::fqdn;
    std::uint8_t reserved[3] = {0, 0, 0};  // sent as zero, kept for re-encoding
    bytes_view data{};
    bytes_view body{};

    static constexpr result<id_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        reader r{body, base};
        id_view v;
        v.kind = static_cast<id_type>(r.u8());
        for (auto& b : v.reserved) b = r.u8();
        if (!r.ok()) return error{errc::truncated, "id.header", base};
        v.data = r.bytes_rest();
        v.body = body;
        // Fixed-size address types must have their address size.
        if ((v.kind == id_type::ipv4_addr && v.data.size() != 4) ||
            (v.kind == id_type::ipv6_addr && v.data.size() != 16))
            return error{errc::length_mismatch, "id.data", base + 4};
        return v;
    }
    static constexpr result<id_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(static_cast<std::uint8_t>(kind));
        for (auto b : reserved) w.u8(b);
        w.bytes(data);
    }
};

}  // namespace pqike::wire
