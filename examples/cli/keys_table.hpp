// SPDX-License-Identifier: MIT
// Wireshark's IKEv2 decryption table (Preferences -> Protocols -> ISAKMP -> IKEv2 Decryption
// Table; the `ikev2_decryption_table` file strongSwan's save-keys and pqike::keys::wireshark_ikev2_line
// write), one row per line:
//   SPIi,SPIr,SK_ei,SK_er,"<encryption algorithm>",SK_ai,SK_ar,"<integrity algorithm>"
// Algorithm names are matched against keys::wireshark_encr_name / wireshark_integ_name, so the two
// directions cannot drift. Blank lines and lines starting with '#' are skipped. Pure: no I/O.
#pragma once

#include "common.hpp"

#include <pqike/keys/key_lengths.hpp>
#include <pqike/tools/wireshark.hpp>

#include <array>

namespace pqike_cli {

struct key_row {
    std::size_t line = 0;  // 1-based line in the table
    byte_vec spi_i, spi_r, sk_ei, sk_er, sk_ai, sk_ar;
    pqike::wire::encr_id encr{};
    std::uint16_t key_bits = 0;
    pqike::wire::integ_id integ{};
};

namespace detail {

// Split one line into comma-separated fields; a field may be "quoted" (no embedded quotes).
struct csv_field {
    std::string text;
    std::size_t offset;  // in the table
};

inline std::optional<std::vector<csv_field>> split_csv(std::string_view line, std::size_t base, failure& f) {
    std::vector<csv_field> out;
    std::size_t i = 0;
    while (true) {
        csv_field fld{{}, base + i};
        if (i < line.size() && line[i] == '"') {
            const std::size_t end = line.find('"', i + 1);
            if (end == std::string_view::npos) {
                f = failure{"invalid_syntax", "unterminated quoted field", base + i};
                return std::nullopt;
            }
            fld.text = std::string(line.substr(i + 1, end - i - 1));
            i = end + 1;
            if (i < line.size() && line[i] != ',') {
                f = failure{"invalid_syntax", "text after a quoted field", base + i};
                return std::nullopt;
            }
        } else {
            const std::size_t end = std::min(line.find(',', i), line.size());
            fld.text = std::string(line.substr(i, end - i));
            i = end;
        }
        out.push_back(std::move(fld));
        if (i >= line.size()) break;
        ++i;  // the comma
    }
    return out;
}

inline std::optional<std::pair<pqike::wire::encr_id, std::uint16_t>> encr_by_wireshark_name(const std::string& n) {
    using pqike::wire::encr_id;
    for (const encr_id id : {encr_id::null, encr_id::des3, encr_id::aes_cbc, encr_id::aes_ctr, encr_id::aes_gcm_8,
                             encr_id::aes_gcm_12, encr_id::aes_gcm_16, encr_id::aes_ccm_8, encr_id::aes_ccm_12,
                             encr_id::aes_ccm_16})
        for (const std::uint16_t bits : std::array<std::uint16_t, 4>{0, 128, 192, 256}) {
            const char* w = pqike::keys::wireshark_encr_name(id, bits);
            if (w != nullptr && n == w) return std::pair{id, bits};
        }
    return std::nullopt;
}

inline std::optional<pqike::wire::integ_id> integ_by_wireshark_name(const std::string& n) {
    for (std::uint16_t id = 0; id < 32; ++id) {
        const char* w = pqike::keys::wireshark_integ_name(static_cast<pqike::wire::integ_id>(id));
        if (w != nullptr && n == w) return static_cast<pqike::wire::integ_id>(id);
    }
    return std::nullopt;
}

}  // namespace detail

inline std::optional<std::vector<key_row>> parse_keys_table(std::string_view text, failure& f) {
    std::vector<key_row> rows;
    std::size_t at = 0, line_no = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(at, end - at);
        const std::size_t base = at;
        at = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        auto fields = detail::split_csv(line, base, f);
        if (!fields) return std::nullopt;
        if (fields->size() != 8) {
            f = failure{"invalid_syntax", std::string("line ") + std::to_string(line_no) + ": expected 8 fields, got " +
                                              std::to_string(fields->size()),
                        base};
            return std::nullopt;
        }
        const auto& fl = *fields;
        key_row r;
        r.line = line_no;
        auto hexf = [&](std::size_t i, const char* what, byte_vec& out) {
            auto v = parse_hex(fl[i].text, what, f);
            if (!v) {
                f.offset += fl[i].offset;
                return false;
            }
            out = std::move(*v);
            return true;
        };
        if (!hexf(0, "SPIi", r.spi_i) || !hexf(1, "SPIr", r.spi_r) || !hexf(2, "SK_ei", r.sk_ei) ||
            !hexf(3, "SK_er", r.sk_er) || !hexf(5, "SK_ai", r.sk_ai) || !hexf(6, "SK_ar", r.sk_ar))
            return std::nullopt;
        if (r.spi_i.size() != 8 || r.spi_r.size() != 8) {
            f = failure{"invalid_length", std::string("line ") + std::to_string(line_no) + ": SPIs are 8 octets", fl[0].offset};
            return std::nullopt;
        }
        auto e = detail::encr_by_wireshark_name(fl[4].text);
        if (!e) {
            f = failure{"unknown_name", std::string("line ") + std::to_string(line_no) + ": unknown encryption algorithm \"" +
                                            fl[4].text + "\"",
                        fl[4].offset};
            return std::nullopt;
        }
        auto i = detail::integ_by_wireshark_name(fl[7].text);
        if (!i) {
            f = failure{"unknown_name", std::string("line ") + std::to_string(line_no) + ": unknown integrity algorithm \"" +
                                            fl[7].text + "\"",
                        fl[7].offset};
            return std::nullopt;
        }
        r.encr = e->first;
        r.key_bits = e->second;
        r.integ = *i;
        // Key sizes follow from the algorithms (SK_e includes an AEAD salt, RFC 5282 §7.1).
        auto ek = pqike::keys::encr_key_size(r.encr, r.key_bits);
        if (ek && (r.sk_ei.size() != *ek || r.sk_er.size() != *ek)) {
            f = failure{"invalid_length", std::string("line ") + std::to_string(line_no) + ": SK_ei/SK_er must be " +
                                              std::to_string(*ek) + " octets",
                        fl[2].offset};
            return std::nullopt;
        }
        auto ak = pqike::keys::integ_key_size(r.integ);
        if (ak && (r.sk_ai.size() != *ak || r.sk_ar.size() != *ak)) {
            f = failure{"invalid_length", std::string("line ") + std::to_string(line_no) + ": SK_ai/SK_ar must be " +
                                              std::to_string(*ak) + " octets",
                        fl[5].offset};
            return std::nullopt;
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

}  // namespace pqike_cli
