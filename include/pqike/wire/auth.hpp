// SPDX-License-Identifier: MIT
// Authentication payload (RFC 7296 §3.8) and the Auth Method registry (RFC 7296, RFC 7427).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"
#include "registry.hpp"

namespace pqike::wire {

enum class auth_method : std::uint8_t {
    rsa_sig = 1,
    shared_key_mic = 2,
    dss_sig = 3,
    ecdsa_sha256_p256 = 9,   // RFC 4754
    ecdsa_sha384_p384 = 10,
    ecdsa_sha512_p521 = 11,
    digital_signature = 14,  // RFC 7427
};

constexpr const char* name(auth_method m) noexcept {
    switch (m) {
        case auth_method::rsa_sig: return "RSA Digital Signature";
        case auth_method::shared_key_mic: return "Shared Key Message Integrity Code";
        case auth_method::dss_sig: return "DSS Digital Signature";
        case auth_method::ecdsa_sha256_p256: return "ECDSA with SHA-256 on P-256";
        case auth_method::ecdsa_sha384_p384: return "ECDSA with SHA-384 on P-384";
        case auth_method::ecdsa_sha512_p521: return "ECDSA with SHA-512 on P-521";
        case auth_method::digital_signature: return "Digital Signature";
    }
    return unknown_name;
}

// A view of an AUTH body; `data` points into the datagram.
struct auth_view {
    static constexpr payload_type type = payload_type::auth;
    auth_method method = auth_method::shared_key_mic;
    std::uint8_t reserved[3] = {0, 0, 0};
    bytes_view data{};

    static constexpr result<auth_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        reader r{body, base};
        auth_view v;
        v.method = static_cast<auth_method>(r.u8());
        for (auto& b : v.reserved) b = r.u8();
        if (!r.ok()) return error{errc::truncated, "auth.header", base};
        v.data = r.bytes_rest();
        if (v.data.empty()) return error{errc::length_too_small, "auth.data", base + 4};
        return v;
    }
    static constexpr result<auth_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(static_cast<std::uint8_t>(method));
        for (auto b : reserved) w.u8(b);
        w.bytes(data);
    }
};

}  // namespace pqike::wire
