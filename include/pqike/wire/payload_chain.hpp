// SPDX-License-Identifier: MIT
// The generic payload header and payload chains (RFC 7296 §3.2): a bounded cursor that walks a
// chain without recursion or heap, and a builder that back-patches Next Payload and lengths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "header.hpp"
#include "payload_type.hpp"

namespace pqike::wire {

inline constexpr std::size_t generic_header_size = 4;
inline constexpr std::uint8_t critical_bit = 0x80;
inline constexpr std::size_t default_max_payloads = 64;

// Offsets inside a generic payload header.
namespace payload_offset {
inline constexpr std::size_t next_payload = 0;
inline constexpr std::size_t flags = 1;  // critical bit + 7 reserved bits
inline constexpr std::size_t length = 2;
}  // namespace payload_offset

// One payload of a chain. `body` is a view into the caller's datagram (valid while it lives);
// `offset` is where the generic header starts in the outermost input. The reserved bits are
// kept only so a decoded payload re-encodes byte for byte (RFC 7296 §3.2: ignored on receipt).
struct raw_payload {
    payload_type type = payload_type::none;  // from the previous Next Payload field
    payload_type next = payload_type::none;  // this payload's Next Payload field
    bool critical = false;
    std::uint8_t reserved = 0;               // low 7 bits of the flags octet
    bytes_view body{};                       // after the 4-byte generic header
    std::size_t offset = 0;

    constexpr std::size_t length() const noexcept { return generic_header_size + body.size(); }
    // The offset of the body's first byte in the outermost input (for child decoders).
    constexpr std::size_t body_offset() const noexcept { return offset + generic_header_size; }
};

// A payload from its 4-octet generic header at h (type from the previous Next Payload), shared
// by the checked walk (chain_cursor) and the refill of an already checked chain.
PQIKE_HOT constexpr void fill_raw_payload(raw_payload& out, payload_type type, const std::byte* h,
                                          bytes_view body, std::size_t at) noexcept {
    const auto flags = std::to_integer<std::uint8_t>(h[payload_offset::flags]);
    out.type = type;
    out.next = static_cast<payload_type>(h[payload_offset::next_payload]);
    out.critical = (flags & critical_bit) != 0;
    out.reserved = static_cast<std::uint8_t>(flags & ~critical_bit);
    out.body = body;
    out.offset = at;
}

// SK and SKF end a chain: their Next Payload names the first payload inside them (RFC 7296
// §3.14, RFC 7383 §2.5).
constexpr bool ends_chain(payload_type t) noexcept {
    return t == payload_type::sk || t == payload_type::skf;
}

struct chain_limits {
    std::size_t max_payloads = default_max_payloads;  // errc::too_many_payloads above this
};

// RFC 7296 §2.5: an unknown payload with the critical bit set rejects the whole message with
// UNSUPPORTED_CRITICAL_PAYLOAD (error.notify() gives 1); a clear bit means skip it. `known`
// decides what "unknown" means for the caller (default: anything this library names).
constexpr status check_critical(const raw_payload& p,
                                bool (*known)(payload_type) = nullptr) noexcept {
    const bool is_known_type = known ? known(p.type) : is_known(p.type);
    if (!is_known_type && p.critical)
        return status{errc::unsupported_critical_payload, "payload.critical",
                      p.offset + payload_offset::flags};
    return {};
}

// Walks a chain over exactly `region`. Each payload's Length is checked against the bytes left
// in that region; the chain must end with Next Payload = NONE (or an SK/SKF payload) exactly at
// the region's end. Usage:
//   chain_cursor c{first, region, base};
//   while (!c.done()) { auto p = c.next(); if (!p) return p.error(); ... }
// After an error the cursor is done and stays failed.
class chain_cursor {
public:
    constexpr chain_cursor(payload_type first, bytes_view region, std::size_t base_offset = 0,
                           chain_limits limits = {}) noexcept
        : r_(region, base_offset), type_(first), limits_(limits) {
        done_ = false;
        if (first == payload_type::none && region.empty()) done_ = true;
    }

    constexpr bool done() const noexcept { return done_; }
    constexpr std::size_t count() const noexcept { return count_; }

    // The next payload, or the error that ends the walk (including a chain that ends early,
    // i.e. Next Payload = NONE with bytes left over).
    constexpr result<raw_payload> next() noexcept {
        raw_payload p;
        if (status s = next(p); !s) return s.error();
        return p;
    }

    // The same into the caller's `p` (unchanged on error). The hot loops (decode_message,
    // for_each_payload) use this form: it fills the caller's object field by field, where
    // returning a result<raw_payload> made g++ assemble the small fields in a register and
    // copy the struct through the stack (a store-forwarding stall per payload).
    PQIKE_HOT constexpr status next(raw_payload& out) noexcept {
        if (done_) return fail(errc::invalid_syntax, "payload.next", r_.offset());
        if (type_ == payload_type::none)  // NONE but bytes remain
            return fail(errc::trailing_data, "payload.next", r_.offset());
        if (count_ == limits_.max_payloads)
            return fail(errc::too_many_payloads, "payload", r_.offset());
        const std::size_t at = r_.offset();
        const std::byte* h = r_.fixed(generic_header_size);
        if (h == nullptr) return fail(errc::truncated, "payload.header", at);
        const std::uint16_t len = load_be16(h + payload_offset::length);
        if (len < generic_header_size)
            return fail(errc::length_too_small, "payload.length", at + payload_offset::length);
        if (len - generic_header_size > r_.remaining())
            return fail(errc::length_too_large, "payload.length", at + payload_offset::length);
        const payload_type type = type_;
        const auto next_type = static_cast<payload_type>(h[payload_offset::next_payload]);
        const bytes_view body = r_.bytes(len - generic_header_size);
        ++count_;
        if (ends_chain(type)) {
            // What follows SK/SKF is inside it; nothing may follow it in this region.
            if (!r_.empty()) return fail(errc::trailing_data, "payload.sk_last", r_.offset());
            done_ = true;
        } else {
            type_ = next_type;
            if (type_ == payload_type::none) {
                if (!r_.empty()) return fail(errc::trailing_data, "payload.next", r_.offset());
                done_ = true;
            } else if (r_.empty()) {
                return fail(errc::truncated, "payload.next", at + payload_offset::next_payload);
            }
        }
        fill_raw_payload(out, type, h, body, at);
        return {};
    }

private:
    constexpr error fail(errc c, const char* field, std::size_t at) noexcept {
        done_ = true;
        r_.fail();
        return error{c, field, at};
    }

    reader r_;
    payload_type type_;
    chain_limits limits_;
    std::size_t count_ = 0;
    bool done_ = true;
};

// Walk a whole chain, calling f(const raw_payload&) -> status for each payload; stops at the
// first error. f must not keep views beyond the region's lifetime.
template <class F>
constexpr status for_each_payload(payload_type first, bytes_view region, std::size_t base_offset,
                                  chain_limits limits, F&& f) noexcept {
    chain_cursor c{first, region, base_offset, limits};
    raw_payload p;
    while (!c.done()) {
        if (status s = c.next(p); !s) return s;
        if (status s = f(static_cast<const raw_payload&>(p)); !s) return s;
    }
    return {};
}

// Store the payloads of a chain that chain_cursor (or for_each_payload) has accepted with the
// same first type, region and limits: the same walk without the checks, none of which could
// fail again. Returns the count (at most out.size(), which must be at least that count).
PQIKE_HOT constexpr std::size_t refill_checked_chain(payload_type first, bytes_view region,
                                                     std::size_t base_offset,
                                                     std::span<raw_payload> out) noexcept {
    std::size_t pos = 0;
    std::size_t n = 0;
    payload_type type = first;
    while (pos < region.size() && n < out.size()) {
        const std::byte* h = region.data() + pos;
        const std::size_t len = load_be16(h + payload_offset::length);
        fill_raw_payload(out[n], type, h, region.subspan(pos + generic_header_size, len - generic_header_size),
                         base_offset + pos);
        type = out[n].next;
        ++n;
        pos += len;
    }
    return n;
}

// ---- building ---------------------------------------------------------------------------------

// Appends payloads to a writer. Each begin() writes a generic header whose Next Payload is NONE
// and whose Length is a poisoned placeholder, and sets the previous payload's Next Payload (or
// the field at `first_next_at`: the IKE header's, an SK payload's for its inner chain, or npos
// for none) to the new type; end() patches the Length. No heap; overflow shows at finish().
class chain_builder {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    constexpr chain_builder(writer& w, std::size_t first_next_at) noexcept
        : w_(w), prev_next_at_(first_next_at) {}

    // Start a payload; returns the offset of its generic header in the writer.
    PQIKE_HOT constexpr std::size_t begin(payload_type t, bool critical = false,
                                          std::uint8_t reserved = 0) noexcept {
        if (open_at_ != npos) end();
        if (prev_next_at_ != npos) w_.patch_u8(prev_next_at_, to_number(t));
        const std::size_t at = w_.needed();
        // The 4-octet generic header in one store; Length stays poisoned (0xffff) until end().
        if (std::byte* h = w_.room(generic_header_size)) {
            h[payload_offset::next_payload] = std::byte{to_number(payload_type::none)};
            h[payload_offset::flags] =
                static_cast<std::byte>((critical ? critical_bit : 0) | (reserved & ~critical_bit));
            h[payload_offset::length] = std::byte{0xff};
            h[payload_offset::length + 1] = std::byte{0xff};
        }
        open_at_ = at;
        ++count_;
        prev_next_at_ = at + payload_offset::next_payload;
        return at;
    }
    // Close the open payload: patch its Length (it must fit in 16 bits).
    PQIKE_HOT constexpr void end() noexcept {
        if (open_at_ == npos) return;
        const std::size_t len = w_.needed() - open_at_;
        if (len > 0xffff && err_.ok())
            err_ = status{errc::length_too_large, "payload.length", open_at_ + payload_offset::length};
        w_.patch_u16(open_at_ + payload_offset::length, static_cast<std::uint16_t>(len));
        open_at_ = npos;
    }
    // A whole payload from its body bytes.
    PQIKE_HOT constexpr void add(payload_type t, bytes_view body, bool critical = false,
                                 std::uint8_t reserved = 0) noexcept {
        begin(t, critical, reserved);
        w_.bytes(body);
        end();
    }
    // Re-emit a decoded payload exactly (unknown ones included). SK/SKF keep their Next Payload,
    // which names the first payload inside them.
    constexpr void add(const raw_payload& p) noexcept {
        const std::size_t at = begin(p.type, p.critical, p.reserved);
        if (ends_chain(p.type)) w_.patch_u8(at + payload_offset::next_payload, to_number(p.next));
        w_.bytes(p.body);
        end();
    }

    constexpr writer& out() noexcept { return w_; }
    constexpr std::size_t count() const noexcept { return count_; }

    PQIKE_HOT constexpr status finish() noexcept {
        end();
        if (!err_) return err_;
        return w_.finish();
    }

private:
    writer& w_;
    std::size_t prev_next_at_;
    std::size_t open_at_ = npos;
    std::size_t count_ = 0;
    status err_{};
};

// An IKE message: header, then the top-level chain; finish() patches the header's Length.
// The header's Next Payload is set by the first begin() (left NONE for an empty message).
class message_builder {
public:
    PQIKE_HOT constexpr message_builder(writer& w, const ike_header& h) noexcept
        : w_(w), start_(w.needed()), chain_(w, w.needed() + header_offset::next_payload) {
        ike_header copy = h;
        copy.next = payload_type::none;
        copy.length = 0xffffffffu;  // poisoned until finish()
        encode_header(w_, copy);
    }
    PQIKE_HOT constexpr std::size_t begin(payload_type t, bool critical = false,
                                std::uint8_t reserved = 0) noexcept {
        return chain_.begin(t, critical, reserved);
    }
    PQIKE_HOT constexpr void end() noexcept { chain_.end(); }
    PQIKE_HOT constexpr void add(payload_type t, bytes_view body, bool critical = false,
                       std::uint8_t reserved = 0) noexcept {
        chain_.add(t, body, critical, reserved);
    }
    PQIKE_HOT constexpr void add(const raw_payload& p) noexcept { chain_.add(p); }
    constexpr writer& out() noexcept { return w_; }

    // Close the last payload and patch the message Length; returns the message's size.
    PQIKE_HOT constexpr result<std::size_t> finish() noexcept {
        if (status s = chain_.finish(); !s) return s.error();
        const std::size_t len = w_.needed() - start_;
        if (len > 0xffffffffu) return error{errc::length_too_large, "ike.length", start_ + header_offset::length};
        w_.patch_u32(start_ + header_offset::length, static_cast<std::uint32_t>(len));
        return len;
    }

private:
    writer& w_;
    std::size_t start_;
    chain_builder chain_;
};

}  // namespace pqike::wire
