// SPDX-License-Identifier: MIT
// Certificate Request payload (RFC 7296 §3.7) and the Certificate Encoding registry (§3.6).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"
#include "registry.hpp"

namespace pqike::wire {

enum class cert_encoding : std::uint8_t {
    pkcs7_x509 = 1,
    x509_signature = 4,
    crl = 7,
    raw_rsa_key = 11,
    hash_url_x509 = 12,
    hash_url_bundle = 13,
    raw_public_key = 15,  // RFC 7670
};

constexpr const char* name(cert_encoding e) noexcept {
    switch (e) {
        case cert_encoding::pkcs7_x509: return "PKCS #7 wrapped X.509 certificate";
        case cert_encoding::x509_signature: return "X.509 Certificate - Signature";
        case cert_encoding::crl: return "Certificate Revocation List (CRL)";
        case cert_encoding::raw_rsa_key: return "Raw RSA Key";
        case cert_encoding::hash_url_x509: return "Hash and URL of X.509 certificate";
        case cert_encoding::hash_url_bundle: return "Hash and URL of X.509 bundle";
        case cert_encoding::raw_public_key: return "Raw Public Key";
    }
    return unknown_name;
}

// SHA-1 hash size of one trust anchor in an X.509 CERTREQ (RFC 7296 §3.7).
inline constexpr std::size_t certreq_authority_size = 20;

// A view of a CERTREQ body; `authorities` points into the datagram (for X.509 encodings a
// concatenation of 20-octet SHA-1 hashes of trust anchors' public keys; may be empty).
struct certreq_view {
    static constexpr payload_type type = payload_type::certreq;
    cert_encoding encoding = cert_encoding::x509_signature;
    bytes_view authorities{};

    static constexpr result<certreq_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        reader r{body, base};
        certreq_view v;
        v.encoding = static_cast<cert_encoding>(r.u8());
        if (!r.ok()) return error{errc::truncated, "certreq.encoding", base};
        v.authorities = r.bytes_rest();
        if (v.encoding == cert_encoding::x509_signature &&
            v.authorities.size() % certreq_authority_size != 0)
            return error{errc::length_mismatch, "certreq.authorities", base + 1};
        return v;
    }
    static constexpr result<certreq_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr std::size_t authority_count() const noexcept {
        return authorities.size() / certreq_authority_size;
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(static_cast<std::uint8_t>(encoding));
        w.bytes(authorities);
    }
};

}  // namespace pqike::wire
