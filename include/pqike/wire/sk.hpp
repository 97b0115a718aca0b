// SPDX-License-Identifier: MIT
// The Encrypted payload SK (RFC 7296 §3.14) and the Encrypted Fragment payload SKF (RFC 7383
// §2.5): framing, seal and open over any policy::SkCipher, and the RFC 9242 §3.3.2 "A" and "P"
// chunks of a protected message.
//
//   IKE header | [payloads in clear] | SK header [| Fragment Number | Total Fragments]
//     | IV | encrypt(inner payloads | padding | Pad Length) | ICV
//
// AEAD (RFC 5282 §5.1): the ICV is the tag, AAD = IKE header through the SK/SKF header.
// Encrypt-then-MAC: ICV = MAC(SK_a, IKE header .. end of ciphertext); the cipher policy is handed
// the same "aad" (header through SK/SKF header) and MACs aad | IV | ciphertext.
// Nothing here allocates: seal writes into the caller's buffer, open decrypts into one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "header.hpp"
#include "payload_chain.hpp"
#include "payload_type.hpp"

namespace pqike::wire {

// Keys protecting one direction: SK_ei/SK_ai (initiator's messages) or SK_er/SK_ar.
struct sk_keys {
    bytes_view sk_e;
    bytes_view sk_a;  // empty for AEAD
};

// Fragment Number and Total Fragments of an SKF payload (RFC 7383 §2.5): 1 <= number <= total.
struct fragment_id {
    std::uint16_t number = 1;
    std::uint16_t total = 1;
    friend constexpr bool operator==(const fragment_id&, const fragment_id&) = default;
};

inline constexpr std::size_t skf_fields_size = 4;  // Fragment Number + Total Fragments
inline constexpr std::size_t max_pad_length = 255; // one octet (RFC 7296 §3.14)

// A protected message before sealing or after opening/reassembly: everything but the
// encryption. Views are into caller memory and live as long as it does.
//   header       SPIs, exchange, flags, message ID (Next Payload and Length are computed)
//   unprotected  payloads sent in clear before SK (normally none; RFC 7383 §2.5.3 allows them
//                in the first fragment). A raw chain starting with `first_unprotected`; the
//                Next Payload of its last payload is rewritten to SK/SKF.
//   sk_flags     the SK/SKF generic header's flags octet (critical bit + reserved) as sent
//   first_inner  Next Payload of the SK header: type of the first inner payload
//   inner        the inner payload chain (plaintext)
struct protected_message {
    ike_header header{};
    payload_type first_unprotected = payload_type::none;
    bytes_view unprotected{};
    std::uint8_t sk_flags = 0;
    payload_type first_inner = payload_type::none;
    bytes_view inner{};
};

// ---- sizes --------------------------------------------------------------------------------------

// Padding that makes inner | padding | Pad Length a multiple of the block size.
template <policy::SkCipher C>
constexpr std::size_t sk_min_padding(std::size_t inner_size) noexcept {
    const std::size_t b = C::block_size;
    return (b - (inner_size + 1) % b) % b;
}
// Bytes after the SK/SKF header: IV | ciphertext | ICV.
template <policy::SkCipher C>
constexpr std::size_t sk_body_size(std::size_t inner_size, std::size_t padding) noexcept {
    return C::iv_size + inner_size + padding + 1 + C::icv_size;
}
// The largest inner chunk whose SK body fits in `body_room` octets (0 if none fits).
template <policy::SkCipher C>
constexpr std::size_t sk_max_inner(std::size_t body_room) noexcept {
    if (body_room < C::iv_size + C::icv_size + 1) return 0;
    const std::size_t enc = body_room - C::iv_size - C::icv_size;
    return (enc / C::block_size) * C::block_size - 1;
}

namespace sk_detail {

// Offset of the last payload's generic header inside a raw chain `region` that is assumed to
// consist of whole payloads (lengths are checked; npos for an empty region).
inline constexpr std::size_t npos = static_cast<std::size_t>(-1);
constexpr result<std::size_t> last_payload_at(bytes_view region, std::size_t base) noexcept {
    std::size_t at = 0, last = npos;
    while (at < region.size()) {
        if (region.size() - at < generic_header_size)
            return error{errc::truncated, "payload.header", base + at};
        const std::size_t len = load_be16(region.data() + at + payload_offset::length);
        if (len < generic_header_size)
            return error{errc::length_too_small, "payload.length", base + at + payload_offset::length};
        if (len > region.size() - at)
            return error{errc::length_too_large, "payload.length", base + at + payload_offset::length};
        last = at;
        at += len;
    }
    return last;
}

}  // namespace sk_detail

// ---- seal ---------------------------------------------------------------------------------------

// Per-message sealing inputs.
//   iv        C::iv_size octets; unique per key (AES-GCM: never reuse with the same SK_e)
//   padding   the padding octets to send; empty = the minimal number of zero octets. If given,
//             inner | padding | Pad Length must be a multiple of the block size and at most
//             255 octets of padding (RFC 7296 §3.14 lets senders pad more to hide lengths).
//   fragment  set for an SKF payload (RFC 7383 §2.5)
struct sk_seal_options {
    bytes_view iv{};
    bytes_view padding{};
    std::optional<fragment_id> fragment{};
};

// Size of the sealed message (header included) for `m` with `padding` octets of padding.
template <policy::SkCipher C>
constexpr std::size_t sealed_size(const protected_message& m, std::size_t padding,
                                  bool fragment = false) noexcept {
    return ike_header_size + m.unprotected.size() + generic_header_size +
           (fragment ? skf_fields_size : 0) + sk_body_size<C>(m.inner.size(), padding);
}

// Build and protect the whole message into `out`; returns the message bytes (a prefix of out).
// The views in `m` must not overlap `out`. On failure `out` holds no valid message.
template <policy::SkCipher C>
result<bytes_view> seal(const sk_keys& keys, const protected_message& m,
                        const sk_seal_options& opt, mut_bytes out) noexcept {
    if (opt.iv.size() != C::iv_size) return error{errc::invalid_length, "sk.iv", 0};
    if (opt.fragment) {
        const fragment_id f = *opt.fragment;
        if (f.number == 0 || f.total == 0 || f.number > f.total)
            return error{errc::invalid_fragment, "skf.fragment_number", 0};
    }
    const std::size_t pad = opt.padding.empty() ? sk_min_padding<C>(m.inner.size()) : opt.padding.size();
    if (pad > max_pad_length || (m.inner.size() + pad + 1) % C::block_size != 0)
        return error{errc::invalid_length, "sk.padding", 0};
    std::size_t last_clear = sk_detail::npos;
    if (!m.unprotected.empty()) {
        if (m.first_unprotected == payload_type::none || ends_chain(m.first_unprotected))
            return error{errc::invalid_syntax, "ike.next_payload", header_offset::next_payload};
        auto at = sk_detail::last_payload_at(m.unprotected, ike_header_size);
        if (!at) return at.error();
        last_clear = *at;
    }
    const std::size_t sk_hdr = generic_header_size + (opt.fragment ? skf_fields_size : 0);
    const std::size_t sk_len = sk_hdr + sk_body_size<C>(m.inner.size(), pad);
    if (sk_len > 0xffff) return error{errc::length_too_large, "sk.length", 0};
    const std::size_t total = ike_header_size + m.unprotected.size() + sk_len;
    if (total > 0xffffffffu) return error{errc::length_too_large, "ike.length", 0};
    if (out.size() < total) return error{errc::buffer_too_small, "output", error_value{total}};

    const payload_type sk_type = opt.fragment ? payload_type::skf : payload_type::sk;
    writer w{out};
    ike_header h = m.header;
    h.next = m.unprotected.empty() ? sk_type : m.first_unprotected;
    h.length = static_cast<std::uint32_t>(total);
    encode_header(w, h);
    w.bytes(m.unprotected);
    if (last_clear != sk_detail::npos)
        w.patch_u8(ike_header_size + last_clear + payload_offset::next_payload, to_number(sk_type));
    w.u8(to_number(m.first_inner));
    w.u8(m.sk_flags);
    w.u16(static_cast<std::uint16_t>(sk_len));
    if (opt.fragment) {
        w.u16(opt.fragment->number);
        w.u16(opt.fragment->total);
    }
    const std::size_t aad_end = w.size();
    w.bytes(opt.iv);
    const std::size_t data_at = w.size();
    w.bytes(m.inner);
    if (opt.padding.empty()) w.zeros(pad); else w.bytes(opt.padding);
    w.u8(static_cast<std::uint8_t>(pad));
    const std::size_t icv_at = w.size();
    w.zeros(C::icv_size);
    if (status s = w.finish(); !s) return s.error();

    const bytes_view aad{out.data(), aad_end};
    const bytes_view iv{out.data() + aad_end, C::iv_size};
    status s = C::seal(keys.sk_e, keys.sk_a, aad, iv, out.subspan(data_at, icv_at - data_at),
                       out.subspan(icv_at, C::icv_size));
    if (!s) {
        secure_zeroize(out.first(total));
        return s.error();
    }
    return bytes_view{out.data(), total};
}

// The same with the IV (and nothing else) drawn from an Rng.
template <policy::SkCipher C, policy::Rng R>
result<bytes_view> seal(const sk_keys& keys, const protected_message& m, R& rng,
                        mut_bytes out, std::optional<fragment_id> fragment = {}) noexcept {
    std::byte iv[C::iv_size];
    if (status s = rng.fill(mut_bytes{iv, C::iv_size}); !s) return s.error();
    sk_seal_options opt;
    opt.iv = bytes_view{iv, C::iv_size};
    opt.fragment = fragment;
    return seal<C>(keys, m, opt, out);
}

// ---- parse and open -----------------------------------------------------------------------------

// A protected message located but not yet authenticated: views into the received bytes.
struct sk_frame {
    ike_header header{};
    bytes_view message{};       // the whole IKE message
    bytes_view unprotected{};   // payloads before SK/SKF, raw (the last one's Next Payload is 46/53)
    std::size_t sk_offset = 0;  // where the SK/SKF generic header starts
    payload_type first_inner = payload_type::none;
    std::uint8_t sk_flags = 0;
    std::optional<fragment_id> fragment{};
    bytes_view aad{};           // IKE header through the SK/SKF header
    bytes_view iv{};
    bytes_view ciphertext{};    // inner | padding | Pad Length, encrypted
    bytes_view icv{};
};

// Locate and check the SK or SKF payload of a whole IKE message (after any non-ESP marker): the
// header must be valid, SK/SKF must be the last payload, its body must hold IV, at least the
// Pad Length octet in whole blocks, and the ICV; SKF numbers must satisfy 1 <= number <= total.
template <policy::SkCipher C>
result<sk_frame> parse_protected(bytes_view message, chain_limits limits = {}) noexcept {
    auto h = decode_header(message);
    if (!h) return h.error();
    sk_frame f;
    f.header = *h;
    f.message = message;
    const bytes_view chain = message.subspan(ike_header_size);
    chain_cursor c{h->next, chain, ike_header_size, limits};
    std::optional<raw_payload> sk;
    while (!c.done()) {
        auto p = c.next();
        if (!p) return p.error();
        if (ends_chain(p->type)) sk = *p;
    }
    if (!sk) return error{errc::missing_payload, "sk", ike_header_size};
    f.sk_offset = sk->offset;
    f.unprotected = message.subspan(ike_header_size, sk->offset - ike_header_size);
    f.first_inner = sk->next;
    f.sk_flags = static_cast<std::uint8_t>((sk->critical ? critical_bit : 0) | sk->reserved);
    bytes_view body = sk->body;
    std::size_t body_at = sk->body_offset();
    if (sk->type == payload_type::skf) {
        if (body.size() < skf_fields_size) return error{errc::truncated, "skf.total_fragments", body_at};
        fragment_id id{load_be16(body.data()), load_be16(body.data() + 2)};
        if (id.number == 0) return error{errc::invalid_fragment, "skf.fragment_number", body_at};
        if (id.total == 0) return error{errc::invalid_fragment, "skf.total_fragments", body_at + 2};
        if (id.number > id.total) return error{errc::invalid_fragment, "skf.fragment_number", body_at};
        f.fragment = id;
        body = body.subspan(skf_fields_size);
        body_at += skf_fields_size;
    }
    if (body.size() < C::iv_size + C::block_size + C::icv_size)
        return error{errc::length_too_small, "sk.length", sk->offset + payload_offset::length};
    const std::size_t ct = body.size() - C::iv_size - C::icv_size;
    if (ct % C::block_size != 0) return error{errc::invalid_syntax, "sk.ciphertext", body_at + C::iv_size};
    f.aad = message.first(body_at);
    f.iv = body.first(C::iv_size);
    f.ciphertext = body.subspan(C::iv_size, ct);
    f.icv = body.subspan(C::iv_size + ct);
    return f;
}

// An opened message: the frame's views plus the plaintext inner chain (inside the caller's
// output buffer, or inside the message for open_in_place).
struct sk_opened {
    sk_frame frame{};
    bytes_view inner{};
    std::size_t pad_length = 0;
    std::size_t inner_offset = 0;  // where the inner chain starts in the message (for errors)

    // A bounded cursor over the inner chain; error offsets count from the message start.
    chain_cursor inner_chain(chain_limits limits = {}) const noexcept {
        return chain_cursor{frame.first_inner, inner, inner_offset, limits};
    }

    // The message as a protected_message (for IntAuth chunks, or to re-seal).
    protected_message view() const noexcept {
        protected_message m;
        m.header = frame.header;
        m.unprotected = frame.unprotected;
        m.first_unprotected = frame.unprotected.empty() ? payload_type::none : frame.header.next;
        m.sk_flags = frame.sk_flags;
        m.first_inner = frame.first_inner;
        m.inner = inner;
        return m;
    }
};

// Verify, then decrypt the frame's ciphertext into `out` (at least frame.ciphertext.size()
// octets; must not overlap the message unless it is the ciphertext itself). On any error out's
// used part is wiped and nothing else changes.
template <policy::SkCipher C>
result<sk_opened> open(const sk_keys& keys, const sk_frame& f, mut_bytes out) noexcept {
    const std::size_t n = f.ciphertext.size();
    if (out.size() < n) return error{errc::buffer_too_small, "output", error_value{n}};
    mut_bytes data = out.first(n);
    if (data.data() != f.ciphertext.data() && n != 0)
        std::memcpy(data.data(), f.ciphertext.data(), n);
    const std::size_t ct_at = f.aad.size() + C::iv_size;
    if (status s = C::open(keys.sk_e, keys.sk_a, f.aad, f.iv, data, f.icv); !s) {
        if (data.data() != f.ciphertext.data()) secure_zeroize(data);
        if (s.code() != errc::integrity_check_failed) return s.error();  // e.g. a wrong key size
        return error{errc::integrity_check_failed, "sk.icv", ct_at + n};
    }
    const std::size_t pad = std::to_integer<std::size_t>(data[n - 1]);
    if (pad + 1 > n) {
        secure_zeroize(data);
        return error{errc::invalid_syntax, "sk.pad_length", ct_at + n - 1};
    }
    sk_opened o;
    o.frame = f;
    o.pad_length = pad;
    o.inner = bytes_view{data.data(), n - pad - 1};
    o.inner_offset = ct_at;
    return o;
}

// Parse and open a whole message, decrypting into `out`.
template <policy::SkCipher C>
result<sk_opened> open(const sk_keys& keys, bytes_view message, mut_bytes out,
                       chain_limits limits = {}) noexcept {
    auto f = parse_protected<C>(message, limits);
    if (!f) return f.error();
    return open<C>(keys, *f, out);
}

// Parse and open in place: the plaintext replaces the ciphertext inside `message` (which is left
// as received if authentication fails). Views in the result point into `message`.
template <policy::SkCipher C>
result<sk_opened> open_in_place(const sk_keys& keys, mut_bytes message,
                                chain_limits limits = {}) noexcept {
    auto f = parse_protected<C>(message, limits);
    if (!f) return f.error();
    const std::size_t at = static_cast<std::size_t>(f->ciphertext.data() - message.data());
    return open<C>(keys, *f, message.subspan(at, f->ciphertext.size()));
}

// ---- RFC 9242 §3.3.2: the A and P chunks of IntAuth ---------------------------------------------

// A = IKE header through the Encrypted payload header, written as if the message had been sent
// unfragmented and without IV, padding, Pad Length and ICV: header Next Payload = SK (or the
// first clear payload), Length = 28 + clear payloads + 4 + |P|; the last clear payload's Next
// Payload = SK; SK header = first inner type, flags as sent, Length = 4 + |P|. P = the inner
// payloads. Computed over the whole (reassembled) message (RFC 9242 §3.3.2, RFC 7383).
struct int_auth_chunks {
    bytes_view a;
    bytes_view p;
};

// Size of A for a message with these clear payloads.
constexpr std::size_t int_auth_a_size(const protected_message& m) noexcept {
    return ike_header_size + m.unprotected.size() + generic_header_size;
}

// Write A into `a_out` (at least int_auth_a_size(m) octets); P is m.inner.
inline result<int_auth_chunks> int_auth_a_p(const protected_message& m, mut_bytes a_out) noexcept {
    const std::size_t a_size = int_auth_a_size(m);
    const std::size_t sk_len = generic_header_size + m.inner.size();
    if (sk_len > 0xffff) return error{errc::length_too_large, "sk.length", 0};
    const std::size_t total = a_size + m.inner.size();
    if (total > 0xffffffffu) return error{errc::length_too_large, "ike.length", 0};
    std::size_t last_clear = sk_detail::npos;
    if (!m.unprotected.empty()) {
        if (m.first_unprotected == payload_type::none || ends_chain(m.first_unprotected))
            return error{errc::invalid_syntax, "ike.next_payload", header_offset::next_payload};
        auto at = sk_detail::last_payload_at(m.unprotected, ike_header_size);
        if (!at) return at.error();
        last_clear = *at;
    }
    if (a_out.size() < a_size) return error{errc::buffer_too_small, "output", error_value{a_size}};
    writer w{a_out};
    ike_header h = m.header;
    h.next = m.unprotected.empty() ? payload_type::sk : m.first_unprotected;
    h.length = static_cast<std::uint32_t>(total);
    encode_header(w, h);
    w.bytes(m.unprotected);
    if (last_clear != sk_detail::npos)
        w.patch_u8(ike_header_size + last_clear + payload_offset::next_payload,
                   to_number(payload_type::sk));
    w.u8(to_number(m.first_inner));
    w.u8(m.sk_flags);
    w.u16(static_cast<std::uint16_t>(sk_len));
    if (status s = w.finish(); !s) return s.error();
    return int_auth_chunks{bytes_view{a_out.data(), a_size}, m.inner};
}

}  // namespace pqike::wire
