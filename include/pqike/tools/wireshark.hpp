// SPDX-License-Identifier: MIT
// Export of an IKE SA stage as one line of Wireshark's `ikev2_decryption_table` (Preferences ->
// Protocols -> ISAKMP -> IKEv2 Decryption Table), so a capture can be opened decrypted:
//   SPIi,SPIr,SK_ei,SK_er,"<encryption algorithm>",SK_ai,SK_ar,"<integrity algorithm>"
// in lowercase hex; SK_ai/SK_ar are empty with AEAD. Wireshark keys the table by SPI pair and
// cannot derive the keys of later stages (RFC 9370) itself, so a stack exports one line per stage;
// Wireshark keeps the last line for an SPI pair, so use the stage that protects the messages of
// interest. The algorithm strings are the exact names of Wireshark's IKEv2 decryption UAT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../wire/transform.hpp"
#include "../keys/ike_sa_keys.hpp"

namespace pqike::keys {

// Wireshark's name for an IKE encryption transform with its key length in bits, or nullptr
// when Wireshark cannot decrypt it (e.g. ChaCha20-Poly1305, Camellia).
constexpr const char* wireshark_encr_name(wire::encr_id id, std::uint16_t key_bits) noexcept {
    const int k = key_bits == 128 ? 0 : key_bits == 192 ? 1 : key_bits == 256 ? 2 : -1;
    const auto pick = [k](const char* a, const char* b, const char* c) -> const char* {
        return k == 0 ? a : k == 1 ? b : k == 2 ? c : nullptr;
    };
    switch (id) {
        case wire::encr_id::null: return key_bits == 0 ? "NULL [RFC2410]" : nullptr;
        case wire::encr_id::des3: return key_bits == 0 ? "3DES [RFC2451]" : nullptr;
        case wire::encr_id::aes_cbc:
            return pick("AES-CBC-128 [RFC3602]", "AES-CBC-192 [RFC3602]", "AES-CBC-256 [RFC3602]");
        case wire::encr_id::aes_ctr:
            return pick("AES-CTR-128 [RFC5930]", "AES-CTR-192 [RFC5930]", "AES-CTR-256 [RFC5930]");
        case wire::encr_id::aes_gcm_8:
            return pick("AES-GCM-128 with 8 octet ICV [RFC5282]", "AES-GCM-192 with 8 octet ICV [RFC5282]",
                        "AES-GCM-256 with 8 octet ICV [RFC5282]");
        case wire::encr_id::aes_gcm_12:
            return pick("AES-GCM-128 with 12 octet ICV [RFC5282]", "AES-GCM-192 with 12 octet ICV [RFC5282]",
                        "AES-GCM-256 with 12 octet ICV [RFC5282]");
        case wire::encr_id::aes_gcm_16:
            return pick("AES-GCM-128 with 16 octet ICV [RFC5282]", "AES-GCM-192 with 16 octet ICV [RFC5282]",
                        "AES-GCM-256 with 16 octet ICV [RFC5282]");
        case wire::encr_id::aes_ccm_8:
            return pick("AES-CCM-128 with 8 octet ICV [RFC5282]", "AES-CCM-192 with 8 octet ICV [RFC5282]",
                        "AES-CCM-256 with 8 octet ICV [RFC5282]");
        case wire::encr_id::aes_ccm_12:
            return pick("AES-CCM-128 with 12 octet ICV [RFC5282]", "AES-CCM-192 with 12 octet ICV [RFC5282]",
                        "AES-CCM-256 with 12 octet ICV [RFC5282]");
        case wire::encr_id::aes_ccm_16:
            return pick("AES-CCM-128 with 16 octet ICV [RFC5282]", "AES-CCM-192 with 16 octet ICV [RFC5282]",
                        "AES-CCM-256 with 16 octet ICV [RFC5282]");
        default: return nullptr;
    }
}

// Wireshark's name for an IKE integrity transform, or nullptr when it has none.
constexpr const char* wireshark_integ_name(wire::integ_id id) noexcept {
    switch (static_cast<std::uint16_t>(id)) {
        case 0: return "NONE [RFC4306]";
        case 1: return "HMAC_MD5_96 [RFC2403]";
        case 2: return "HMAC_SHA1_96 [RFC2404]";
        case 6: return "HMAC_MD5_128 [RFC4595]";
        case 7: return "HMAC_SHA1_160 [RFC4595]";
        case 12: return "HMAC_SHA2_256_128 [RFC4868]";
        case 13: return "HMAC_SHA2_384_192 [RFC4868]";
        case 14: return "HMAC_SHA2_512_256 [RFC4868]";
        default: return nullptr;
    }
}

namespace detail {
// Appends into a caller char buffer; counts what it could not write (like writer).
struct text_out {
    std::span<char> buf;
    std::size_t n = 0;
    void ch(char c) noexcept {
        if (n < buf.size()) buf[n] = c;
        ++n;
    }
    void str(std::string_view s) noexcept {
        for (const char c : s) ch(c);
    }
    void hex(bytes_view b) noexcept {
        constexpr std::string_view digits = "0123456789abcdef";
        for (const std::byte x : b) {
            ch(digits[std::to_integer<std::size_t>(x >> 4)]);
            ch(digits[std::to_integer<std::size_t>(x & std::byte{0x0f})]);
        }
    }
};
}  // namespace detail

// Largest line: 2 SPIs, 2 x 64-octet SK_e and SK_a, the longest names, separators.
inline constexpr std::size_t wireshark_line_max = 2 * 16 + 4 * 2 * 64 + 2 * 64 + 16;

// Writes the line (no newline) into `out` and returns its length. errc::buffer_too_small when
// `out` is short (nothing useful written), errc::no_proposal_chosen for a transform Wireshark
// cannot decrypt.
template <policy::Prf P>
[[nodiscard]] result<std::size_t> wireshark_ikev2_line(const ike_sa_keys<P>& keys, wire::encr_id encr,
                                                       std::uint16_t key_bits, wire::integ_id integ,
                                                       std::span<char> out) noexcept {
    const char* en = wireshark_encr_name(encr, key_bits);
    if (en == nullptr) return {errc::no_proposal_chosen, "wireshark.encr", error_value{static_cast<std::size_t>(encr)}};
    const char* in = wireshark_integ_name(integ);
    if (in == nullptr) return {errc::no_proposal_chosen, "wireshark.integ", error_value{static_cast<std::size_t>(integ)}};
    detail::text_out t{out};
    t.hex(keys.spi_i());
    t.ch(',');
    t.hex(keys.spi_r());
    t.ch(',');
    t.hex(keys.sk_ei());
    t.ch(',');
    t.hex(keys.sk_er());
    t.str(",\"");
    t.str(en);
    t.str("\",");
    t.hex(keys.sk_ai());
    t.ch(',');
    t.hex(keys.sk_ar());
    t.str(",\"");
    t.str(in);
    t.ch('"');
    if (t.n > out.size()) return {errc::buffer_too_small, "wireshark.line", error_value{t.n}};
    return t.n;
}

}  // namespace pqike::keys
