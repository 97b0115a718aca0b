// SPDX-License-Identifier: MIT
// The JSON front end of `pqike derive` and `pqike escape`: request documents parsed into typed
// requests, every field checked (type, hex, length, range, known names) before any crypto runs;
// a field the request does not define is refused by name (unknown_field).
// Pure functions (no I/O), so fuzz/targets/cli_json.cpp drives them without the process.
#pragma once

#include "common.hpp"

#include <pqike/crypto/hmac.hpp>
#include <pqike/escape/message.hpp>
#include <pqike/escape/protect.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>

#include <array>

namespace pqike_cli {

// ---- PRF names (IKEv2 Transform Type 2) --------------------------------------------------------

enum class prf_kind : std::uint8_t { hmac_sha1, hmac_sha256, hmac_sha384, hmac_sha512 };

template <class T>
struct type_tag {
    using type = T;
};

inline std::optional<prf_kind> prf_by_name(std::string_view n, failure& f) {
    if (n == "hmac-sha1") return prf_kind::hmac_sha1;
    if (n == "hmac-sha256") return prf_kind::hmac_sha256;
    if (n == "hmac-sha384") return prf_kind::hmac_sha384;
    if (n == "hmac-sha512") return prf_kind::hmac_sha512;
    f = failure{"unknown_name", std::string("unknown prf \"") + std::string(n) + "\" (hmac-sha1|hmac-sha256|hmac-sha384|hmac-sha512)", 0};
    return std::nullopt;
}

// Call f(type_tag<P>{}) with the reference PRF policy of that name.
template <class F>
auto with_prf(prf_kind k, F&& f) {
    switch (k) {
        case prf_kind::hmac_sha1: return f(type_tag<pqike::crypto::hmac_sha1>{});
        case prf_kind::hmac_sha256: return f(type_tag<pqike::crypto::hmac_sha256>{});
        case prf_kind::hmac_sha384: return f(type_tag<pqike::crypto::hmac_sha384>{});
        case prf_kind::hmac_sha512: break;
    }
    return f(type_tag<pqike::crypto::hmac_sha512>{});
}

inline std::optional<prf_kind> prf_field(const json& obj, failure& f, const char* default_name = nullptr) {
    if (default_name != nullptr && obj.find("prf") == obj.end()) return prf_by_name(default_name, f);
    auto s = string_field(obj, "prf", f);
    if (!s) return std::nullopt;
    return prf_by_name(*s, f);
}

// ---- derive ------------------------------------------------------------------------------------

// Bounds shared by the key schedule requests: nonces as the keys layer stores them (RFC 7296
// §3.9 allows 16..256 on the wire; the NIST KDF vectors use 8), up to 8 key exchanges (RFC 9370),
// shared secrets up to 1024 octets (MODP-8192).
inline constexpr std::size_t max_secret = 1024;

// {prf, ni, nr, spi_i, spi_r, key_exchanges: [SK(0), SK(1), ...], sk_e_len, sk_a_len}
struct derive_request {
    prf_kind prf{};
    byte_vec ni, nr, spi_i, spi_r;
    std::vector<byte_vec> key_exchanges;
    std::size_t sk_e_len = 0, sk_a_len = 0;
};
// child: {prf, sk_d, ni, nr, key_exchanges (may be empty), keymat_len}
struct child_request {
    prf_kind prf{};
    byte_vec sk_d, ni, nr;
    std::vector<byte_vec> key_exchanges;
    std::size_t keymat_len = 0;
};
// rekey: {prf, sk_d_old, ni, nr, key_exchanges (at least one)
//         [, spi_i, spi_r, sk_e_len, sk_a_len: all four or none]}
struct rekey_request {
    prf_kind prf{};
    byte_vec sk_d_old, ni, nr;
    std::vector<byte_vec> key_exchanges;
    bool with_keys = false;  // the four optional fields were given: split the new SA's keys too
    byte_vec spi_i, spi_r;
    std::size_t sk_e_len = 0, sk_a_len = 0;
};

inline std::optional<derive_request> parse_derive(std::string_view text, failure& f) {
    auto j = parse_json(text, f);
    if (!j) return std::nullopt;
    if (!only_known_fields(*j, {"prf", "ni", "nr", "spi_i", "spi_r", "key_exchanges", "sk_e_len", "sk_a_len"}, f))
        return std::nullopt;
    derive_request r;
    auto prf = prf_field(*j, f);
    if (!prf) return std::nullopt;
    r.prf = *prf;
    auto ni = hex_field(*j, "ni", f, 1, pqike::keys::max_nonce_size);
    if (!ni) return std::nullopt;
    auto nr = hex_field(*j, "nr", f, 1, pqike::keys::max_nonce_size);
    if (!nr) return std::nullopt;
    auto si = hex_field(*j, "spi_i", f, 8, 8);
    if (!si) return std::nullopt;
    auto sr = hex_field(*j, "spi_r", f, 8, 8);
    if (!sr) return std::nullopt;
    auto kes = hex_array_field(*j, "key_exchanges", f, 1, pqike::keys::max_key_exchanges, max_secret);
    if (!kes) return std::nullopt;
    auto e = uint_field(*j, "sk_e_len", f, 0, pqike::keys::max_encr_key_size);
    if (!e) return std::nullopt;
    auto a = uint_field(*j, "sk_a_len", f, 0, pqike::keys::max_integ_key_size);
    if (!a) return std::nullopt;
    r.ni = std::move(*ni);
    r.nr = std::move(*nr);
    r.spi_i = std::move(*si);
    r.spi_r = std::move(*sr);
    r.key_exchanges = std::move(*kes);
    r.sk_e_len = static_cast<std::size_t>(*e);
    r.sk_a_len = static_cast<std::size_t>(*a);
    return r;
}

inline std::optional<child_request> parse_child(std::string_view text, failure& f) {
    auto j = parse_json(text, f);
    if (!j) return std::nullopt;
    if (!only_known_fields(*j, {"prf", "sk_d", "ni", "nr", "key_exchanges", "keymat_len"}, f)) return std::nullopt;
    child_request r;
    auto prf = prf_field(*j, f);
    if (!prf) return std::nullopt;
    r.prf = *prf;
    auto skd = hex_field(*j, "sk_d", f, 1, pqike::keys::max_prf_key_size);
    if (!skd) return std::nullopt;
    auto ni = hex_field(*j, "ni", f, 1, pqike::keys::max_nonce_size);
    if (!ni) return std::nullopt;
    auto nr = hex_field(*j, "nr", f, 1, pqike::keys::max_nonce_size);
    if (!nr) return std::nullopt;
    std::vector<byte_vec> kes;
    if (j->find("key_exchanges") != j->end()) {
        auto k = hex_array_field(*j, "key_exchanges", f, 0, pqike::keys::max_key_exchanges, max_secret);
        if (!k) return std::nullopt;
        kes = std::move(*k);
    }
    // prf+ yields at most 255 blocks (RFC 7296 §2.13); the largest PRF output is 64 octets.
    auto n = uint_field(*j, "keymat_len", f, 1, 255 * 64);
    if (!n) return std::nullopt;
    r.sk_d = std::move(*skd);
    r.ni = std::move(*ni);
    r.nr = std::move(*nr);
    r.key_exchanges = std::move(kes);
    r.keymat_len = static_cast<std::size_t>(*n);
    return r;
}

inline std::optional<rekey_request> parse_rekey(std::string_view text, failure& f) {
    auto j = parse_json(text, f);
    if (!j) return std::nullopt;
    if (!only_known_fields(*j, {"prf", "sk_d_old", "ni", "nr", "key_exchanges", "spi_i", "spi_r", "sk_e_len", "sk_a_len"},
                           f))
        return std::nullopt;
    rekey_request r;
    auto prf = prf_field(*j, f);
    if (!prf) return std::nullopt;
    r.prf = *prf;
    auto skd = hex_field(*j, "sk_d_old", f, 1, pqike::keys::max_prf_key_size);
    if (!skd) return std::nullopt;
    auto ni = hex_field(*j, "ni", f, 1, pqike::keys::max_nonce_size);
    if (!ni) return std::nullopt;
    auto nr = hex_field(*j, "nr", f, 1, pqike::keys::max_nonce_size);
    if (!nr) return std::nullopt;
    auto kes = hex_array_field(*j, "key_exchanges", f, 1, pqike::keys::max_key_exchanges, max_secret);
    if (!kes) return std::nullopt;
    r.sk_d_old = std::move(*skd);
    r.ni = std::move(*ni);
    r.nr = std::move(*nr);
    r.key_exchanges = std::move(*kes);
    // The new SA's SPIs and key lengths: all four or none (then only SKEYSEED comes out).
    std::size_t given = 0;
    for (const char* k : {"spi_i", "spi_r", "sk_e_len", "sk_a_len"}) given += j->contains(k) ? 1U : 0U;
    if (given == 0) return r;
    if (given != 4) {
        for (const char* k : {"spi_i", "spi_r", "sk_e_len", "sk_a_len"})
            if (!j->contains(k)) {
                f = failure{"missing_field", std::string(k) + " (spi_i, spi_r, sk_e_len and sk_a_len go together)", 0};
                return std::nullopt;
            }
    }
    auto si = hex_field(*j, "spi_i", f, 8, 8);
    if (!si) return std::nullopt;
    auto sr = hex_field(*j, "spi_r", f, 8, 8);
    if (!sr) return std::nullopt;
    auto e = uint_field(*j, "sk_e_len", f, 0, pqike::keys::max_encr_key_size);
    if (!e) return std::nullopt;
    auto a = uint_field(*j, "sk_a_len", f, 0, pqike::keys::max_integ_key_size);
    if (!a) return std::nullopt;
    r.with_keys = true;
    r.spi_i = std::move(*si);
    r.spi_r = std::move(*sr);
    r.sk_e_len = static_cast<std::size_t>(*e);
    r.sk_a_len = static_cast<std::size_t>(*a);
    return r;
}

// ---- escape ------------------------------------------------------------------------------------

namespace esc = pqike::escape;

// The tag key: {prf?, mode, direction, base_key, key_id, sa_binding} (docs/escape-message.md §5.1).
struct escape_key_request {
    prf_kind prf = prf_kind::hmac_sha256;
    esc::key_mode mode = esc::key_mode::escape_psk;
    esc::direction dir = esc::direction::provider_to_consumer;
    byte_vec base_key, key_id, sa_binding;
};

struct escape_build_request {
    escape_key_request key;
    esc::msg_type type = esc::msg_type::escape;
    std::uint8_t flags = 0;
    std::uint64_t sequence = 0;
    std::optional<std::uint64_t> timestamp;
    byte_vec nonce;
    std::vector<std::uint16_t> ke_methods;
    std::optional<std::uint8_t> procedure;
    std::optional<std::uint32_t> deadline;
    std::optional<std::uint8_t> reason;
    std::string reason_text;
    byte_vec ppk_id;
    std::optional<std::uint8_t> status;
    std::optional<std::uint16_t> selected_method;
    byte_vec echoed_nonce;
};

struct escape_verify_request {
    escape_key_request key;
    byte_vec message;
};

inline const char* type_name(esc::msg_type t) {
    switch (t) {
        case esc::msg_type::escape: return "escape";
        case esc::msg_type::ack: return "ack";
        case esc::msg_type::nack: return "nack";
        case esc::msg_type::confirm: return "confirm";
    }
    return "unknown";
}

namespace detail {

template <class T, std::size_t N>
std::optional<T> by_name(const json& obj, const char* name, const std::array<std::pair<const char*, T>, N>& table,
                         failure& f) {
    auto s = string_field(obj, name, f);
    if (!s) return std::nullopt;
    for (const auto& [n, v] : table)
        if (*s == n) return v;
    std::string allowed;
    for (const auto& [n, v] : table) {
        if (!allowed.empty()) allowed += '|';
        allowed += n;
    }
    f = failure{"unknown_name", std::string("unknown ") + name + " \"" + *s + "\" (" + allowed + ")", 0};
    return std::nullopt;
}

inline bool has(const json& j, const char* name) { return j.find(name) != j.end(); }

}  // namespace detail

inline std::optional<escape_key_request> parse_escape_key(const json& j, failure& f) {
    static constexpr std::array<std::pair<const char*, esc::key_mode>, 4> modes{{
        {"escape-psk", esc::key_mode::escape_psk},
        {"connection-psk", esc::key_mode::connection_psk},
        {"session", esc::key_mode::session},
        {"confirm", esc::key_mode::confirm},
    }};
    static constexpr std::array<std::pair<const char*, esc::direction>, 2> dirs{{
        {"p2c", esc::direction::provider_to_consumer},
        {"c2p", esc::direction::consumer_to_provider},
    }};
    escape_key_request k;
    auto prf = prf_field(j, f, "hmac-sha256");
    if (!prf) return std::nullopt;
    auto mode = detail::by_name(j, "mode", modes, f);
    if (!mode) return std::nullopt;
    auto dir = detail::by_name(j, "direction", dirs, f);
    if (!dir) return std::nullopt;
    // The library's own bound (docs §5.1, §12), so tool and library refuse the same keys.
    auto base = hex_field(j, "base_key", f, esc::limits::min_base_key, esc::limits::max_base_key);
    if (!base) return std::nullopt;
    auto kid = hex_field(j, "key_id", f, esc::limits::min_key_id, esc::limits::max_key_id);
    if (!kid) return std::nullopt;
    auto bind = hex_field(j, "sa_binding", f, esc::limits::min_binding, esc::limits::max_binding);
    if (!bind) return std::nullopt;
    k.prf = *prf;
    k.mode = *mode;
    k.dir = *dir;
    k.base_key = std::move(*base);
    k.key_id = std::move(*kid);
    k.sa_binding = std::move(*bind);
    return k;
}

inline std::optional<escape_build_request> parse_escape_build(std::string_view text, failure& f) {
    static constexpr std::array<std::pair<const char*, esc::msg_type>, 4> types{{
        {"escape", esc::msg_type::escape},
        {"ack", esc::msg_type::ack},
        {"nack", esc::msg_type::nack},
        {"confirm", esc::msg_type::confirm},
    }};
    auto j = parse_json(text, f);
    if (!j) return std::nullopt;
    if (!only_known_fields(*j, {"prf", "mode", "direction", "base_key", "key_id", "sa_binding", "type", "sequence",
                                "flags", "timestamp", "nonce", "ke_methods", "procedure", "deadline", "reason",
                                "reason_text", "ppk_id", "status", "selected_method", "echoed_nonce"},
                           f))
        return std::nullopt;
    escape_build_request r;
    auto key = parse_escape_key(*j, f);
    if (!key) return std::nullopt;
    r.key = std::move(*key);
    auto t = detail::by_name(*j, "type", types, f);
    if (!t) return std::nullopt;
    r.type = *t;
    auto seq = uint_field(*j, "sequence", f);
    if (!seq) return std::nullopt;
    r.sequence = *seq;
    // Optional fields: present means sent; the codec checks which ones each type allows.
    auto opt_uint = [&](const char* name, std::uint64_t max) -> std::optional<std::optional<std::uint64_t>> {
        if (!detail::has(*j, name)) return std::optional<std::uint64_t>{};
        auto v = uint_field(*j, name, f, 0, max);
        if (!v) return std::nullopt;
        return std::optional<std::uint64_t>{*v};
    };
    auto opt_hex = [&](const char* name, std::size_t max, byte_vec& out) -> bool {
        if (!detail::has(*j, name)) return true;
        auto v = hex_field(*j, name, f, 1, max);
        if (!v) return false;
        out = std::move(*v);
        return true;
    };
    auto flags = opt_uint("flags", 0xff);
    if (!flags) return std::nullopt;
    r.flags = static_cast<std::uint8_t>(flags->value_or(0));
    auto ts = opt_uint("timestamp", UINT64_MAX);
    if (!ts) return std::nullopt;
    r.timestamp = *ts;
    if (!opt_hex("nonce", esc::limits::max_nonce, r.nonce)) return std::nullopt;
    if (!opt_hex("ppk_id", esc::limits::max_ppk_id, r.ppk_id)) return std::nullopt;
    if (!opt_hex("echoed_nonce", esc::limits::max_nonce, r.echoed_nonce)) return std::nullopt;
    if (detail::has(*j, "ke_methods")) {
        const json& m = (*j)["ke_methods"];
        if (!m.is_array()) {
            f = failure{"wrong_type", "\"ke_methods\" must be an array of numbers", 0};
            return std::nullopt;
        }
        if (m.size() > esc::limits::max_methods) {
            f = failure{"invalid_length", "\"ke_methods\" has more than 16 entries", m.size()};
            return std::nullopt;
        }
        for (std::size_t i = 0; i < m.size(); ++i) {
            if (!m[i].is_number_unsigned() || m[i].get<std::uint64_t>() > 0xffff) {
                f = failure{"wrong_type", "\"ke_methods\" entries must be numbers 0..65535", i};
                return std::nullopt;
            }
            r.ke_methods.push_back(static_cast<std::uint16_t>(m[i].get<std::uint64_t>()));
        }
    }
    auto proc = opt_uint("procedure", 0xff);
    if (!proc) return std::nullopt;
    if (*proc) r.procedure = static_cast<std::uint8_t>(**proc);
    auto dl = opt_uint("deadline", 0xffffffffu);
    if (!dl) return std::nullopt;
    if (*dl) r.deadline = static_cast<std::uint32_t>(**dl);
    auto why = opt_uint("reason", 0xff);
    if (!why) return std::nullopt;
    if (*why) r.reason = static_cast<std::uint8_t>(**why);
    if (detail::has(*j, "reason_text")) {
        // Its length, its UTF-8 and that it needs "reason" are judged by the library's encoder
        // (length_too_large, invalid_syntax): the tool adds no rule of its own (docs §12).
        auto s = string_field(*j, "reason_text", f);
        if (!s) return std::nullopt;
        r.reason_text = std::move(*s);
    }
    auto st = opt_uint("status", 0xff);
    if (!st) return std::nullopt;
    if (*st) r.status = static_cast<std::uint8_t>(**st);
    auto sel = opt_uint("selected_method", 0xffff);
    if (!sel) return std::nullopt;
    if (*sel) r.selected_method = static_cast<std::uint16_t>(**sel);
    return r;
}

inline std::optional<escape_verify_request> parse_escape_verify(std::string_view text, failure& f) {
    auto j = parse_json(text, f);
    if (!j) return std::nullopt;
    if (!only_known_fields(*j, {"prf", "mode", "direction", "base_key", "key_id", "sa_binding", "message"}, f))
        return std::nullopt;
    escape_verify_request r;
    auto key = parse_escape_key(*j, f);
    if (!key) return std::nullopt;
    r.key = std::move(*key);
    auto m = hex_field(*j, "message", f, 1, esc::limits::max_message);
    if (!m) return std::nullopt;
    r.message = std::move(*m);
    return r;
}

}  // namespace pqike_cli
