// SPDX-License-Identifier: MIT
// The PQC escape message codec (docs/escape-message.md): an 8-octet header and TLVs, the
// integrity tag last. It knows nothing of IKE or of crypto: decode() locates every TLV and checks
// the structure and every length; encode_unsigned() writes everything up to the tag value, which
// protect.hpp fills in. Field values are reachable only through escape::verified (protect.hpp),
// so nothing can act on a message whose tag has not been checked.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"

namespace pqike::escape {

// ---- numbers (docs/escape-message.md §2) ------------------------------------------------------

inline constexpr std::array<std::byte, 3> magic{std::byte{'P'}, std::byte{'Q'}, std::byte{'E'}};
inline constexpr std::uint8_t version = 1;
inline constexpr std::size_t header_size = 8;
inline constexpr std::size_t tlv_header_size = 4;

enum class msg_type : std::uint8_t { escape = 1, ack = 2, nack = 3, confirm = 4 };

// Header flags. Reserved bits are sent as zero and ignored on receipt (the tag covers them).
namespace flag {
inline constexpr std::uint8_t broadcast = 0x01;  // the same ESCAPE goes to many consumers
// On a CONFIRM: sent by a side already confirmed, in answer to a copy of the peer's CONFIRM.
// Never answered itself, as an IKEv2 response never is (RFC 7296 §2.1): no CONFIRM ping-pong.
inline constexpr std::uint8_t answer = 0x02;
}

// TLV type: the top bit marks a TLV the receiver must understand; the low 15 bits are the type.
inline constexpr std::uint16_t critical_bit = 0x8000;

enum class tlv : std::uint16_t {
    sequence = 1,
    timestamp = 2,
    nonce = 3,
    key_id = 4,
    sa_binding = 5,
    ke_methods = 6,
    procedure = 7,
    deadline = 8,
    reason = 9,
    ppk_id = 10,
    status = 11,
    selected_method = 12,
    echoed_nonce = 13,
    tag = 14,
};
inline constexpr std::size_t tlv_count = 15;  // index 0 unused

// Migration procedures a provider can ask for. Version 1 specifies one (docs §4, §8): the
// others a draft listed (Child SA rekey, a new IKE SA, a TLS re-handshake) were removed until
// each is specified to the same standard; a consumer NACKs any other value with status 2.
enum class procedure : std::uint8_t {
    ike_sa_rekey = 1,  // CREATE_CHILD_SA rekey of the IKE SA, RFC 9370 additional KEs
};

enum class reason : std::uint8_t {
    unspecified = 0,
    quantum_threat = 1,   // a cryptographically relevant quantum computer is believed to exist
    administrative = 2,
    scheduled = 3,
    compromise_suspected = 4,
};

// NACK status codes (an ACK may carry status 0).
enum class status_code : std::uint8_t {
    accepted = 0,
    unsupported_method = 1,
    unsupported_procedure = 2,
    unknown_ppk = 3,
    busy = 4,
    policy_refused = 5,
};

// Bounds on every length and count.
namespace limits {
inline constexpr std::size_t max_message = 1024;
inline constexpr std::size_t max_tlvs = 24;  // unknown TLVs included
inline constexpr std::size_t min_nonce = 16, max_nonce = 32;
inline constexpr std::size_t min_key_id = 1, max_key_id = 32;
inline constexpr std::size_t min_binding = 1, max_binding = 64;
inline constexpr std::size_t max_methods = 16;
inline constexpr std::size_t max_reason_text = 64;
inline constexpr std::size_t min_ppk_id = 1, max_ppk_id = 64;
inline constexpr std::size_t min_tag = 16, max_tag = 64;
inline constexpr std::size_t min_base_key = 1, max_base_key = 1024;  // the Base of §5.1
}  // namespace limits

// ---- encoder input ----------------------------------------------------------------------------

// What to send. Views must outlive the call; empty views and empty optionals are omitted.
// key_id and sa_binding are filled in by protect.hpp from the tag key, so they always agree.
struct fields {
    msg_type type = msg_type::escape;
    std::uint8_t flags = 0;
    std::uint64_t sequence = 0;
    std::optional<std::uint64_t> timestamp;
    bytes_view nonce;
    std::span<const std::uint16_t> ke_methods;
    std::optional<procedure> proc;
    std::optional<std::uint32_t> deadline;  // seconds after the first transmission
    std::optional<reason> why;
    bytes_view reason_text;  // UTF-8, only with `why`
    bytes_view ppk_id;
    std::optional<status_code> status;
    std::optional<std::uint16_t> selected_method;
    bytes_view echoed_nonce;
};

class verified;  // protect.hpp

// ---- decoded message --------------------------------------------------------------------------

// Every TLV of a structurally valid message, located. Views point into the decoded buffer and
// are valid while it is. Only the header, the key ID (needed to find the key) and the tagged
// region are public: the other fields are read through escape::verified after the tag check.
class decoded {
public:
    msg_type type() const noexcept { return type_; }
    std::uint8_t flags() const noexcept { return flags_; }
    bytes_view bytes() const noexcept { return bytes_; }
    // Unverified: use them only to select the key.
    bytes_view unverified_key_id() const noexcept { return value(tlv::key_id); }
    bytes_view unverified_binding() const noexcept { return value(tlv::sa_binding); }
    // Every byte before the tag TLV, and the tag value.
    bytes_view tagged_region() const noexcept { return bytes_.first(tag_tlv_offset_); }
    bytes_view tag() const noexcept { return value(tlv::tag); }

private:
    friend class verified;
    friend constexpr result<decoded> decode(bytes_view) noexcept;

    struct loc {
        std::uint16_t offset = 0;  // of the value; 0 = absent (a value never starts at 0)
        std::uint16_t length = 0;
    };
    bool has(tlv t) const noexcept { return at_[static_cast<std::size_t>(t)].offset != 0; }
    bytes_view value(tlv t) const noexcept {
        const loc l = at_[static_cast<std::size_t>(t)];
        return l.offset == 0 ? bytes_view{} : bytes_.subspan(l.offset, l.length);
    }

    bytes_view bytes_{};
    std::array<loc, tlv_count> at_{};
    std::size_t tag_tlv_offset_ = 0;
    msg_type type_ = msg_type::escape;
    std::uint8_t flags_ = 0;
};

namespace detail {

constexpr std::uint32_t bit(tlv t) noexcept { return 1u << static_cast<unsigned>(t); }

// TLVs each message type must carry, and may carry (docs/escape-message.md §4).
constexpr std::uint32_t required(msg_type t) noexcept {
    const std::uint32_t common = bit(tlv::sequence) | bit(tlv::key_id) | bit(tlv::sa_binding) |
                                 bit(tlv::tag);
    switch (t) {
        case msg_type::escape:
            return common | bit(tlv::nonce) | bit(tlv::ke_methods) | bit(tlv::procedure);
        case msg_type::ack: return common | bit(tlv::echoed_nonce) | bit(tlv::selected_method);
        case msg_type::nack: return common | bit(tlv::echoed_nonce) | bit(tlv::status);
        // CONFIRM covers what the rekey negotiated (§4): the methods and the selected one.
        case msg_type::confirm:
            return common | bit(tlv::echoed_nonce) | bit(tlv::ke_methods) | bit(tlv::selected_method);
    }
    return 0;
}
constexpr std::uint32_t allowed(msg_type t) noexcept {
    switch (t) {
        case msg_type::escape:
            return required(t) | bit(tlv::timestamp) | bit(tlv::deadline) | bit(tlv::reason) |
                   bit(tlv::ppk_id);
        case msg_type::ack:
            return required(t) | bit(tlv::timestamp) | bit(tlv::nonce) | bit(tlv::status) |
                   bit(tlv::ppk_id);
        case msg_type::nack: return required(t) | bit(tlv::timestamp) | bit(tlv::nonce);
        case msg_type::confirm: return required(t) | bit(tlv::timestamp) | bit(tlv::ppk_id);
    }
    return 0;
}

struct length_rule {
    std::uint16_t min;
    std::uint16_t max;
};
constexpr length_rule rule(tlv t) noexcept {
    switch (t) {
        case tlv::sequence:
        case tlv::timestamp: return {8, 8};
        case tlv::nonce:
        case tlv::echoed_nonce: return {limits::min_nonce, limits::max_nonce};
        case tlv::key_id: return {limits::min_key_id, limits::max_key_id};
        case tlv::sa_binding: return {limits::min_binding, limits::max_binding};
        case tlv::ke_methods: return {2, 2 * limits::max_methods};
        case tlv::procedure:
        case tlv::status: return {1, 1};
        case tlv::deadline: return {4, 4};
        case tlv::reason: return {1, 1 + limits::max_reason_text};
        case tlv::ppk_id: return {limits::min_ppk_id, limits::max_ppk_id};
        case tlv::selected_method: return {2, 2};
        case tlv::tag: return {limits::min_tag, limits::max_tag};
    }
    return {0, 0};
}
constexpr const char* tlv_name(tlv t) noexcept {
    switch (t) {
        case tlv::sequence: return "escape.sequence";
        case tlv::timestamp: return "escape.timestamp";
        case tlv::nonce: return "escape.nonce";
        case tlv::key_id: return "escape.key_id";
        case tlv::sa_binding: return "escape.sa_binding";
        case tlv::ke_methods: return "escape.ke_methods";
        case tlv::procedure: return "escape.procedure";
        case tlv::deadline: return "escape.deadline";
        case tlv::reason: return "escape.reason";
        case tlv::ppk_id: return "escape.ppk_id";
        case tlv::status: return "escape.status";
        case tlv::selected_method: return "escape.selected_method";
        case tlv::echoed_nonce: return "escape.echoed_nonce";
        case tlv::tag: return "escape.tag";
    }
    return "escape.tlv";
}
constexpr bool known(std::uint16_t type) noexcept {
    return type >= static_cast<std::uint16_t>(tlv::sequence) &&
           type <= static_cast<std::uint16_t>(tlv::tag);
}

// Well-formed UTF-8 (RFC 3629 §4): no overlong forms, no surrogates, nothing above U+10FFFF.
// Returns the offset of the first bad octet, or v.size() if all is well.
constexpr std::size_t utf8_error_at(bytes_view v) noexcept {
    std::size_t i = 0;
    while (i < v.size()) {
        const auto b = std::to_integer<std::uint8_t>(v[i]);
        std::size_t n = 0;
        std::uint8_t lo = 0x80, hi = 0xbf;  // bounds of the second octet
        if (b < 0x80) { ++i; continue; }
        if (b >= 0xc2 && b <= 0xdf) n = 1;
        else if (b == 0xe0) { n = 2; lo = 0xa0; }
        else if (b >= 0xe1 && b <= 0xec) n = 2;
        else if (b == 0xed) { n = 2; hi = 0x9f; }
        else if (b >= 0xee && b <= 0xef) n = 2;
        else if (b == 0xf0) { n = 3; lo = 0x90; }
        else if (b >= 0xf1 && b <= 0xf3) n = 3;
        else if (b == 0xf4) { n = 3; hi = 0x8f; }
        else return i;
        if (v.size() - i <= n) return i;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto c = std::to_integer<std::uint8_t>(v[i + k]);
            if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xbf)) return i;
        }
        i += n + 1;
    }
    return v.size();
}

// Semantic checks of values that have a valid length.
constexpr status check_value(tlv t, bytes_view v, std::size_t at) noexcept {
    switch (t) {
        case tlv::sequence:
            if (load_be64(v.data()) == 0) return status{errc::invalid_syntax, tlv_name(t), at};
            break;
        case tlv::ke_methods: {
            if (v.size() % 2 != 0) return status{errc::length_mismatch, tlv_name(t), at};
            for (std::size_t i = 0; i < v.size(); i += 2) {
                const std::uint16_t m = load_be16(v.data() + i);
                if (m == 0) return status{errc::invalid_syntax, tlv_name(t), at + i};
                for (std::size_t j = 0; j < i; j += 2)
                    if (load_be16(v.data() + j) == m)
                        return status{errc::invalid_syntax, tlv_name(t), at + i};
            }
            break;
        }
        case tlv::reason: {  // code, then UTF-8 text (§3): anything else is not text
            const std::size_t bad = utf8_error_at(v.subspan(1));
            if (bad != v.size() - 1) return status{errc::invalid_syntax, tlv_name(t), at + 1 + bad};
            break;
        }
        case tlv::procedure:
        case tlv::selected_method:
        case tlv::deadline: {
            bool zero = true;
            for (std::byte b : v) zero = zero && b == std::byte{0};
            if (zero) return status{errc::invalid_syntax, tlv_name(t), at};
            break;
        }
        default: break;
    }
    return {};
}

}  // namespace detail

// Total length a message announces, from its first 8 octets (for stream carriage): the header
// must be valid; the caller then waits for that many octets.
// The header is checked in its own order over the octets present (§2): magic, version, then
// truncation, so "not an escape message" is reported from the first three octets alone.
constexpr result<std::size_t> announced_length(bytes_view in) noexcept {
    for (std::size_t i = 0; i < magic.size() && i < in.size(); ++i)
        if (in[i] != magic[i]) return error{errc::invalid_syntax, "escape.magic", i};
    if (in.size() > 3 && std::to_integer<std::uint8_t>(in[3]) != version)
        return error{errc::unsupported_version, "escape.version", 3};
    if (in.size() < header_size) return error{errc::truncated, "escape.header", in.size()};
    const std::size_t len = load_be16(in.data() + 6);
    if (len < header_size + tlv_header_size)
        return error{errc::length_too_small, "escape.length", 6};
    if (len > limits::max_message) return error{errc::length_too_large, "escape.length", 6};
    return len;
}

// Decode one complete message (exactly `in`, no trailing bytes). Checks: magic, version, type,
// header length, each TLV length against its parent and its rule, duplicates, unknown critical
// TLVs, the tag being present and last, and the TLVs each type requires and allows.
constexpr result<decoded> decode(bytes_view in) noexcept {
    auto len = announced_length(in);
    if (!len) return len.error();
    if (in.size() < *len) return error{errc::truncated, "escape.length", in.size()};
    if (in.size() > *len) return error{errc::trailing_data, "escape.length", *len};

    decoded d;
    d.bytes_ = in;
    const auto t = std::to_integer<std::uint8_t>(in[4]);
    if (t < 1 || t > 4) return error{errc::invalid_syntax, "escape.type", 4};
    d.type_ = static_cast<msg_type>(t);
    d.flags_ = std::to_integer<std::uint8_t>(in[5]);

    reader r{in.subspan(header_size), header_size};
    std::uint32_t seen = 0;
    std::size_t count = 0;
    while (!r.empty()) {
        const std::size_t at = r.offset();
        if (d.has(tlv::tag)) return error{errc::escape_tag_not_last, "escape.tag", at};
        if (++count > limits::max_tlvs) return error{errc::too_many_payloads, "escape.tlv", at};
        const std::uint16_t raw_type = r.u16();
        const std::uint16_t vlen = r.u16();
        if (r.failed()) return error{errc::truncated, "escape.tlv", at};
        if (vlen > r.remaining()) return error{errc::length_too_large, "escape.tlv.length", at + 2};
        const bytes_view v = r.bytes(vlen);
        const std::uint16_t type = raw_type & static_cast<std::uint16_t>(~critical_bit);
        if (!detail::known(type)) {
            if ((raw_type & critical_bit) != 0)
                return error{errc::escape_unknown_critical_tlv, "escape.tlv.type", at};
            continue;  // unknown non-critical: skipped (still covered by the tag)
        }
        const auto k = static_cast<tlv>(type);
        const char* name = detail::tlv_name(k);
        if ((seen & detail::bit(k)) != 0) return error{errc::escape_duplicate_tlv, name, at};
        if ((detail::allowed(d.type_) & detail::bit(k)) == 0)
            return error{errc::invalid_syntax, name, at};
        const auto lr = detail::rule(k);
        if (vlen < lr.min) return error{errc::length_too_small, name, at + 2};
        if (vlen > lr.max) return error{errc::length_too_large, name, at + 2};
        if (auto s = detail::check_value(k, v, at + tlv_header_size); !s) return s.error();
        seen |= detail::bit(k);
        d.at_[type] = {static_cast<std::uint16_t>(at + tlv_header_size), vlen};
        if (k == tlv::tag) d.tag_tlv_offset_ = at;
    }
    const std::uint32_t missing = detail::required(d.type_) & ~seen;
    if (missing != 0) {
        for (std::uint16_t i = 1; i < tlv_count; ++i)
            if ((missing & (1u << i)) != 0)
                return error{errc::escape_missing_tlv, detail::tlv_name(static_cast<tlv>(i)),
                             in.size()};
    }
    return d;
}

// ---- encoder ----------------------------------------------------------------------------------

namespace detail {
inline void put_tlv(writer& w, tlv t, bytes_view v, bool critical = true) noexcept {
    w.u16(static_cast<std::uint16_t>(static_cast<std::uint16_t>(t) | (critical ? critical_bit : 0)));
    w.u16(static_cast<std::uint16_t>(v.size()));
    w.bytes(v);
}
inline void put_u64(writer& w, tlv t, std::uint64_t x) noexcept {
    std::array<std::byte, 8> b{};
    store_be64(b.data(), x);
    put_tlv(w, t, b);
}
inline status check_len(tlv t, std::size_t n) noexcept {
    const auto lr = rule(t);
    if (n < lr.min) return status{errc::length_too_small, tlv_name(t), n};
    if (n > lr.max) return status{errc::length_too_large, tlv_name(t), n};
    return {};
}
}  // namespace detail

// Where encode_unsigned() left the tag: the region to tag and the value to fill.
struct unsigned_message {
    std::size_t tagged_size = 0;  // octets before the tag TLV
    std::size_t total_size = 0;   // whole message
    std::size_t tag_offset = 0;   // of the tag value
};

// Write header + TLVs (in type order) + the tag TLV with a zero value of tag_size octets. The
// caller computes the tag over out[0, tagged_size) and writes it at tag_offset. The encoder
// refuses what the decoder would reject (lengths, missing or disallowed TLVs).
inline result<unsigned_message> encode_unsigned(const fields& f, bytes_view key_id,
                                                bytes_view sa_binding, std::size_t tag_size,
                                                mut_bytes out) noexcept {
    using detail::bit;
    std::uint32_t present = bit(tlv::sequence) | bit(tlv::key_id) | bit(tlv::sa_binding) |
                            bit(tlv::tag);
    if (f.timestamp) present |= bit(tlv::timestamp);
    if (!f.nonce.empty()) present |= bit(tlv::nonce);
    if (!f.ke_methods.empty()) present |= bit(tlv::ke_methods);
    if (f.proc) present |= bit(tlv::procedure);
    if (f.deadline) present |= bit(tlv::deadline);
    if (f.why) present |= bit(tlv::reason);
    if (!f.ppk_id.empty()) present |= bit(tlv::ppk_id);
    if (f.status) present |= bit(tlv::status);
    if (f.selected_method) present |= bit(tlv::selected_method);
    if (!f.echoed_nonce.empty()) present |= bit(tlv::echoed_nonce);
    if ((present & ~detail::allowed(f.type)) != 0) return error{errc::invalid_syntax, "escape.fields"};
    if ((detail::required(f.type) & ~present) != 0)
        return error{errc::escape_missing_tlv, "escape.fields"};
    if (f.sequence == 0) return error{errc::invalid_syntax, "escape.sequence"};
    for (auto s : {detail::check_len(tlv::key_id, key_id.size()),
                   detail::check_len(tlv::sa_binding, sa_binding.size()),
                   detail::check_len(tlv::tag, tag_size)})
        if (!s) return s.error();
    if (!f.nonce.empty()) {
        if (auto s = detail::check_len(tlv::nonce, f.nonce.size()); !s) return s.error();
    }
    if (!f.echoed_nonce.empty()) {
        if (auto s = detail::check_len(tlv::echoed_nonce, f.echoed_nonce.size()); !s) return s.error();
    }
    if (!f.ppk_id.empty()) {
        if (auto s = detail::check_len(tlv::ppk_id, f.ppk_id.size()); !s) return s.error();
    }
    if (f.ke_methods.size() > limits::max_methods)
        return error{errc::length_too_large, "escape.ke_methods"};
    if (f.reason_text.size() > limits::max_reason_text)
        return error{errc::length_too_large, "escape.reason"};
    if (!f.why && !f.reason_text.empty())  // text travels only with a code (§3): never dropped
        return error{errc::invalid_syntax, "escape.reason"};

    writer w{out};
    w.bytes(magic);
    w.u8(version);
    w.u8(static_cast<std::uint8_t>(f.type));
    w.u8(f.flags);
    const std::size_t len_at = w.reserve(2);
    w.u16(static_cast<std::uint16_t>(tlv::sequence) | critical_bit);
    w.u16(8);
    w.u64(f.sequence);
    if (f.timestamp) detail::put_u64(w, tlv::timestamp, *f.timestamp);
    if (!f.nonce.empty()) detail::put_tlv(w, tlv::nonce, f.nonce);
    detail::put_tlv(w, tlv::key_id, key_id);
    detail::put_tlv(w, tlv::sa_binding, sa_binding);
    if (!f.ke_methods.empty()) {
        w.u16(static_cast<std::uint16_t>(tlv::ke_methods) | critical_bit);
        w.u16(static_cast<std::uint16_t>(2 * f.ke_methods.size()));
        for (std::uint16_t m : f.ke_methods) w.u16(m);
    }
    if (f.proc) {
        w.u16(static_cast<std::uint16_t>(tlv::procedure) | critical_bit);
        w.u16(1);
        w.u8(static_cast<std::uint8_t>(*f.proc));
    }
    if (f.deadline) {
        w.u16(static_cast<std::uint16_t>(tlv::deadline) | critical_bit);
        w.u16(4);
        w.u32(*f.deadline);
    }
    if (f.why) {  // informational: not critical
        w.u16(static_cast<std::uint16_t>(tlv::reason));
        w.u16(static_cast<std::uint16_t>(1 + f.reason_text.size()));
        w.u8(static_cast<std::uint8_t>(*f.why));
        w.bytes(f.reason_text);
    }
    if (!f.ppk_id.empty()) detail::put_tlv(w, tlv::ppk_id, f.ppk_id);
    if (f.status) {
        w.u16(static_cast<std::uint16_t>(tlv::status) | critical_bit);
        w.u16(1);
        w.u8(static_cast<std::uint8_t>(*f.status));
    }
    if (f.selected_method) {
        w.u16(static_cast<std::uint16_t>(tlv::selected_method) | critical_bit);
        w.u16(2);
        w.u16(*f.selected_method);
    }
    if (!f.echoed_nonce.empty()) detail::put_tlv(w, tlv::echoed_nonce, f.echoed_nonce);
    unsigned_message m;
    m.tagged_size = w.needed();
    w.u16(static_cast<std::uint16_t>(tlv::tag) | critical_bit);
    w.u16(static_cast<std::uint16_t>(tag_size));
    m.tag_offset = w.needed();
    w.zeros(tag_size);
    m.total_size = w.needed();
    if (m.total_size > limits::max_message) return error{errc::length_too_large, "escape.length"};
    if (auto s = w.finish(); !s) return s.error();
    w.patch_u16(len_at, static_cast<std::uint16_t>(m.total_size));
    // The decoder's semantic checks (zero or duplicate methods, zero deadline) apply to what we
    // send too: never emit a message a peer must reject.
    auto check = decode(bytes_view{out.data(), m.total_size});
    if (!check) return check.error();
    return m;
}

}  // namespace pqike::escape
