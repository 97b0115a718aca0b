// SPDX-License-Identifier: MIT
// IKEv2 Payload Types (IANA "IKEv2 Payload Types"). A strong type that keeps unknown values:
// a decoder never rejects a number it does not know, the caller decides (RFC 7296 §2.5).
#pragma once

#include <cstdint>
#include <string_view>

#include "registry.hpp"

namespace pqike::wire {

enum class payload_type : std::uint8_t {
    none = 0,     // "No Next Payload"
    sa = 33,      // Security Association, RFC 7296 §3.3
    ke = 34,      // Key Exchange, RFC 7296 §3.4
    idi = 35,     // Identification - Initiator, RFC 7296 §3.5
    idr = 36,     // Identification - Responder
    cert = 37,    // Certificate, RFC 7296 §3.6
    certreq = 38, // Certificate Request, RFC 7296 §3.7
    auth = 39,    // Authentication, RFC 7296 §3.8
    nonce = 40,   // Nonce, RFC 7296 §3.9
    notify = 41,  // Notify, RFC 7296 §3.10
    del = 42,     // Delete, RFC 7296 §3.11
    vendor_id = 43, // Vendor ID, RFC 7296 §3.12
    tsi = 44,     // Traffic Selector - Initiator, RFC 7296 §3.13
    tsr = 45,     // Traffic Selector - Responder
    sk = 46,      // Encrypted and Authenticated, RFC 7296 §3.14
    cp = 47,      // Configuration, RFC 7296 §3.15
    eap = 48,     // Extensible Authentication, RFC 7296 §3.16
    skf = 53,     // Encrypted and Authenticated Fragment, RFC 7383 §2.5
};

// Printable name (the short notation of RFC 7296 §3.2), or "unknown".
constexpr const char* name(payload_type t) noexcept {
    switch (t) {
        case payload_type::none: return "NONE";
        case payload_type::sa: return "SA";
        case payload_type::ke: return "KE";
        case payload_type::idi: return "IDi";
        case payload_type::idr: return "IDr";
        case payload_type::cert: return "CERT";
        case payload_type::certreq: return "CERTREQ";
        case payload_type::auth: return "AUTH";
        case payload_type::nonce: return "Ni/Nr";
        case payload_type::notify: return "N";
        case payload_type::del: return "D";
        case payload_type::vendor_id: return "V";
        case payload_type::tsi: return "TSi";
        case payload_type::tsr: return "TSr";
        case payload_type::sk: return "SK";
        case payload_type::cp: return "CP";
        case payload_type::eap: return "EAP";
        case payload_type::skf: return "SKF";
    }
    return unknown_name;
}

// True for the payload types this library understands; anything else is "unknown" in the
// sense of RFC 7296 §2.5 (its critical bit decides).
// Checked on every payload received (RFC 7296 §2.5), so a range test rather than name()'s
// switch; the static_assert below keeps the two in step.
constexpr bool is_known(payload_type t) noexcept {
    const unsigned n = static_cast<unsigned>(t);
    return n == 0 || (n >= 33 && n <= 48) || n == 53;
}

namespace detail {
constexpr bool is_known_matches_name() noexcept {
    for (unsigned n = 0; n < 256; ++n) {
        const auto t = static_cast<payload_type>(n);
        // By content: clang does not compare string literal addresses in constant evaluation.
        if (is_known(t) == (std::string_view{name(t)} == std::string_view{unknown_name})) return false;
    }
    return true;
}
static_assert(is_known_matches_name());
}  // namespace detail

constexpr std::uint8_t to_number(payload_type t) noexcept { return static_cast<std::uint8_t>(t); }

}  // namespace pqike::wire
