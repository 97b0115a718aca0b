// SPDX-License-Identifier: MIT
// Security Association payload (RFC 7296 §3.3): proposals → transforms → attributes, including
// the ADDKE1..7 transform types of RFC 9370 §2.1 and the Key Length attribute (§3.3.5).
// Views point into the datagram and live as long as it; iteration uses cursors, no heap, and
// sa_view::decode validates every level once so later walks cannot fail on a decoded view.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"
#include "protocol_id.hpp"
#include "transform.hpp"

namespace pqike::wire {

inline constexpr std::size_t proposal_header_size = 8;
inline constexpr std::size_t transform_header_size = 8;
inline constexpr std::size_t attribute_header_size = 4;
inline constexpr std::uint16_t attribute_tv_bit = 0x8000;  // AF: 1 = TV, 0 = TLV

// "Last Substruc" values (RFC 7296 §3.3.1, §3.3.2): 0 on the last one, 2 / 3 before it.
inline constexpr std::uint8_t last_substruc = 0;
inline constexpr std::uint8_t more_proposals = 2;
inline constexpr std::uint8_t more_transforms = 3;

// One transform attribute. TV: `value` holds it; TLV: `data` points into the datagram.
struct attribute_view {
    std::uint16_t type = 0;  // without the AF bit
    bool tv = true;
    std::uint16_t value = 0;
    bytes_view data{};

    constexpr std::size_t length() const noexcept {
        return attribute_header_size + (tv ? 0 : data.size());
    }
    constexpr void encode(writer& w) const noexcept {
        if (std::byte* h = w.room(attribute_header_size)) {
            store_be16(h, static_cast<std::uint16_t>(type | (tv ? attribute_tv_bit : 0)));
            store_be16(h + 2, tv ? value : static_cast<std::uint16_t>(data.size()));
        }
        if (!tv) w.bytes(data);
    }
};

class attribute_cursor {
public:
    constexpr attribute_cursor(bytes_view region, std::size_t base) noexcept : r_(region, base) {}
    constexpr bool done() const noexcept { return r_.empty(); }
    constexpr result<attribute_view> next() noexcept {
        attribute_view a;
        if (status s = next(a); !s) return s.error();
        return a;
    }
    // The same into the caller's `a` (unchanged on error). Hot loops use this form: a small
    // view returned inside a result went through the stack field by field (see chain_cursor).
    PQIKE_HOT constexpr status next(attribute_view& out) noexcept {
        const std::size_t at = r_.offset();
        const std::byte* h = r_.fixed(attribute_header_size);
        if (h == nullptr) return error{errc::truncated, "attribute", at};
        const std::uint16_t t = load_be16(h);
        const std::uint16_t v = load_be16(h + 2);
        const bool tv = (t & attribute_tv_bit) != 0;
        bytes_view data{};
        if (!tv) {
            data = r_.bytes(v);
            if (!r_.ok()) return error{errc::length_too_large, "attribute.length", at + 2};
        }
        out.type = static_cast<std::uint16_t>(t & ~attribute_tv_bit);
        out.tv = tv;
        out.value = tv ? v : std::uint16_t{0};
        out.data = data;
        return {};
    }

private:
    reader r_;
};

struct transform_view {
    std::uint8_t last = last_substruc;
    std::uint8_t reserved1 = 0;
    transform_type type = transform_type::encr;
    std::uint8_t reserved2 = 0;
    std::uint16_t id = 0;
    bytes_view attributes{};
    std::size_t attributes_offset = 0;

    constexpr std::size_t length() const noexcept { return transform_header_size + attributes.size(); }
    constexpr attribute_cursor attribute_list() const noexcept {
        return {attributes, attributes_offset};
    }
    // The Key Length attribute in bits, or 0 when absent (only on a validated view).
    constexpr std::uint16_t key_length() const noexcept {
        attribute_cursor c = attribute_list();
        while (!c.done()) {
            auto a = c.next();
            if (!a) return 0;
            if (a->tv && a->type == static_cast<std::uint16_t>(attribute_type::key_length))
                return a->value;
        }
        return 0;
    }
};

class transform_cursor {
public:
    constexpr transform_cursor(bytes_view region, std::size_t base) noexcept : r_(region, base) {}
    constexpr bool done() const noexcept { return r_.empty(); }
    constexpr result<transform_view> next() noexcept {
        transform_view t;
        if (status s = next(t); !s) return s.error();
        return t;
    }
    // The same into the caller's `t` (unchanged on error); see attribute_cursor::next(out).
    PQIKE_HOT constexpr status next(transform_view& out) noexcept {
        const std::size_t at = r_.offset();
        const std::byte* h = r_.fixed(transform_header_size);
        if (h == nullptr) return error{errc::truncated, "transform", at};
        const auto last = std::to_integer<std::uint8_t>(h[0]);
        const std::uint16_t len = load_be16(h + 2);
        if (len < transform_header_size)
            return error{errc::length_too_small, "transform.length", at + 2};
        const std::size_t attributes_offset = r_.offset();
        const bytes_view attributes = r_.bytes(len - transform_header_size);
        if (!r_.ok()) return error{errc::length_too_large, "transform.length", at + 2};
        if (last != last_substruc && last != more_transforms)
            return error{errc::invalid_syntax, "transform.last", at};
        if ((last == last_substruc) != r_.empty())
            return error{r_.empty() ? errc::truncated : errc::trailing_data, "transform.last", at};
        out.last = last;
        out.reserved1 = std::to_integer<std::uint8_t>(h[1]);
        out.type = static_cast<transform_type>(h[4]);
        out.reserved2 = std::to_integer<std::uint8_t>(h[5]);
        out.id = load_be16(h + 6);
        out.attributes = attributes;
        out.attributes_offset = attributes_offset;
        return {};
    }

private:
    reader r_;
};

struct proposal_view {
    std::uint8_t last = last_substruc;
    std::uint8_t reserved = 0;
    std::uint8_t number = 1;
    protocol_id protocol = protocol_id::ike;
    std::uint8_t num_transforms = 0;
    bytes_view spi{};
    bytes_view transforms{};
    std::size_t transforms_offset = 0;

    constexpr transform_cursor transform_list() const noexcept {
        return {transforms, transforms_offset};
    }
};

class proposal_cursor {
public:
    constexpr proposal_cursor(bytes_view region, std::size_t base) noexcept : r_(region, base) {}
    constexpr bool done() const noexcept { return r_.empty(); }
    constexpr result<proposal_view> next() noexcept {
        proposal_view p;
        if (status s = next(p); !s) return s.error();
        return p;
    }
    // The same into the caller's `p` (unchanged on error); see attribute_cursor::next(out).
    PQIKE_HOT constexpr status next(proposal_view& out) noexcept {
        const std::size_t at = r_.offset();
        proposal_view p;
        const std::byte* h = r_.fixed(proposal_header_size);
        if (h == nullptr) return error{errc::truncated, "proposal", at};
        p.last = std::to_integer<std::uint8_t>(h[0]);
        p.reserved = std::to_integer<std::uint8_t>(h[1]);
        const std::uint16_t len = load_be16(h + 2);
        p.number = std::to_integer<std::uint8_t>(h[4]);
        p.protocol = static_cast<protocol_id>(h[5]);
        const auto spi_size = std::to_integer<std::uint8_t>(h[6]);
        p.num_transforms = std::to_integer<std::uint8_t>(h[7]);
        if (len < proposal_header_size + spi_size)
            return error{errc::length_too_small, "proposal.length", at + 2};
        if (len - proposal_header_size > r_.remaining())
            return error{errc::length_too_large, "proposal.length", at + 2};
        p.spi = r_.bytes(spi_size);
        p.transforms_offset = r_.offset();
        p.transforms = r_.bytes(len - proposal_header_size - spi_size);
        if (p.last != last_substruc && p.last != more_proposals)
            return error{errc::invalid_syntax, "proposal.last", at};
        if ((p.last == last_substruc) != r_.empty())
            return error{r_.empty() ? errc::truncated : errc::trailing_data, "proposal.last", at};
        out = p;
        return {};
    }

private:
    reader r_;
};

// A view of an SA body, fully validated by decode().
struct sa_view {
    static constexpr payload_type type = payload_type::sa;
    bytes_view proposals{};
    std::size_t proposals_offset = 0;

    // RFC 7296 §3.3: every internal length and count must agree with its parent. One flat walk
    // by offsets over proposals, transforms and attributes: the same checks, in the same order
    // and with the same errors, as walking with the cursors below (tests/unit/wire_payloads.cpp
    // compares the two), without building a view per level. Through the cursors the walk of an
    // IKE_SA_INIT proposal of 12 transforms took half of that message's decode, and more in a
    // unit where g++ did not inline them (bench/daemon_tu.cpp).
    static constexpr result<sa_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        if (body.empty()) return error{errc::length_too_small, "sa.proposals", base};
        const std::byte* const b = body.data();
        const std::size_t end = body.size();
        const auto u8 = [b](std::size_t i) { return std::to_integer<std::uint8_t>(b[i]); };
        for (std::size_t at = 0; at < end;) {
            if (end - at < proposal_header_size) return error{errc::truncated, "proposal", base + at};
            const std::uint8_t last = u8(at);
            const std::size_t len = load_be16(b + at + 2), spi_size = u8(at + 6), num_transforms = u8(at + 7);
            if (len < proposal_header_size + spi_size)
                return error{errc::length_too_small, "proposal.length", base + at + 2};
            if (len > end - at) return error{errc::length_too_large, "proposal.length", base + at + 2};
            const std::size_t next = at + len;
            if (last != last_substruc && last != more_proposals)
                return error{errc::invalid_syntax, "proposal.last", base + at};
            if ((last == last_substruc) != (next == end))
                return error{next == end ? errc::truncated : errc::trailing_data, "proposal.last", base + at};
            const std::size_t first_transform = at + proposal_header_size + spi_size;
            if (num_transforms == 0 || first_transform == next)
                return error{errc::length_too_small, "proposal.num_transforms", base + at + 7};
            std::size_t n = 0;
            for (std::size_t t = first_transform; t < next; ++n) {
                if (next - t < transform_header_size) return error{errc::truncated, "transform", base + t};
                const std::uint8_t t_last = u8(t);
                const std::size_t t_len = load_be16(b + t + 2);
                if (t_len < transform_header_size)
                    return error{errc::length_too_small, "transform.length", base + t + 2};
                if (t_len > next - t) return error{errc::length_too_large, "transform.length", base + t + 2};
                const std::size_t t_next = t + t_len;
                if (t_last != last_substruc && t_last != more_transforms)
                    return error{errc::invalid_syntax, "transform.last", base + t};
                if ((t_last == last_substruc) != (t_next == next))
                    return error{t_next == next ? errc::truncated : errc::trailing_data, "transform.last", base + t};
                for (std::size_t a = t + transform_header_size; a < t_next;) {
                    if (t_next - a < attribute_header_size) return error{errc::truncated, "attribute", base + a};
                    const std::size_t a_len = (load_be16(b + a) & attribute_tv_bit) != 0 ? 0 : load_be16(b + a + 2);
                    if (a_len > t_next - a - attribute_header_size)
                        return error{errc::length_too_large, "attribute.length", base + a + 2};
                    a += attribute_header_size + a_len;
                }
                t = t_next;
            }
            if (n != num_transforms)
                return error{errc::length_mismatch, "proposal.num_transforms", base + at + 7};
            at = next;
        }
        return sa_view{body, base};
    }
    static constexpr result<sa_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr proposal_cursor proposal_list() const noexcept { return {proposals, proposals_offset}; }

    // Re-encode field by field through sa_builder (byte-exact for a validated view).
    constexpr void encode(writer& w) const noexcept;
};

// Builds an SA body: proposals, their transforms and Key Length attributes, patching each
// "last" octet, proposal/transform lengths and the transform count as it goes.
class sa_builder {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    constexpr explicit sa_builder(writer& w) noexcept : w_(w) {}

    PQIKE_HOT constexpr void begin_proposal(std::uint8_t number, protocol_id protocol, bytes_view spi = {},
                                  std::uint8_t reserved = 0) noexcept {
        end_proposal();
        if (prev_proposal_ != npos) w_.patch_u8(prev_proposal_, more_proposals);
        prop_at_ = w_.needed();
        // Length (2-3) and transform count (7) stay poisoned (0xff) until end_proposal().
        if (std::byte* h = w_.room(proposal_header_size)) {
            h[0] = std::byte{last_substruc};
            h[1] = std::byte{reserved};
            h[2] = h[3] = std::byte{0xff};
            h[4] = std::byte{number};
            h[5] = std::byte{to_number(protocol)};
            h[6] = static_cast<std::byte>(spi.size());
            h[7] = std::byte{0xff};
        }
        w_.bytes(spi);
        if (spi.size() > 0xff) fail(errc::length_too_large, "proposal.spi_size", prop_at_ + 6);
        ntransforms_ = 0;
        prev_transform_ = npos;
    }
    // Start a transform; attributes may follow (add_key_length / add_attribute).
    constexpr void begin_transform(transform_type t, std::uint16_t id, std::uint8_t reserved1 = 0,
                                   std::uint8_t reserved2 = 0) noexcept {
        end_transform();
        if (prop_at_ == npos) fail(errc::invalid_syntax, "transform", w_.needed());
        if (prev_transform_ != npos) w_.patch_u8(prev_transform_, more_transforms);
        tr_at_ = w_.needed();
        // Length (2-3) stays poisoned (0xffff) until end_transform().
        put_transform_header(w_.room(transform_header_size), t, id, 0xffff, reserved1, reserved2);
        ++ntransforms_;
    }
    constexpr void add_attribute(const attribute_view& a) noexcept { a.encode(w_); }
    constexpr void add_key_length(std::uint16_t bits) noexcept {
        add_attribute({static_cast<std::uint16_t>(attribute_type::key_length), true, bits, {}});
    }
    // A whole transform, with a Key Length attribute when key_bits != 0.
    // Its length is known up front, so it is written in one piece with nothing to patch.
    PQIKE_HOT constexpr void add_transform(transform_type t, std::uint16_t id, std::uint16_t key_bits = 0) noexcept {
        end_transform();
        if (prop_at_ == npos) fail(errc::invalid_syntax, "transform", w_.needed());
        if (prev_transform_ != npos) w_.patch_u8(prev_transform_, more_transforms);
        const std::size_t at = w_.needed();
        const std::size_t len = transform_header_size + (key_bits != 0 ? attribute_header_size : 0);
        std::byte* h = w_.room(len);
        put_transform_header(h, t, id, static_cast<std::uint16_t>(len), 0, 0);
        if (h != nullptr && key_bits != 0) {
            store_be16(h + transform_header_size,
                       static_cast<std::uint16_t>(static_cast<std::uint16_t>(attribute_type::key_length) | attribute_tv_bit));
            store_be16(h + transform_header_size + 2, key_bits);
        }
        prev_transform_ = at;
        ++ntransforms_;
    }
    PQIKE_HOT constexpr void end_transform() noexcept {
        if (tr_at_ == npos) return;
        patch_len(tr_at_, "transform.length");
        prev_transform_ = tr_at_;
        tr_at_ = npos;
    }
    PQIKE_HOT constexpr void end_proposal() noexcept {
        end_transform();
        if (prop_at_ == npos) return;
        patch_len(prop_at_, "proposal.length");
        if (ntransforms_ > 0xff) fail(errc::length_too_large, "proposal.num_transforms", prop_at_ + 7);
        w_.patch_u8(prop_at_ + 7, static_cast<std::uint8_t>(ntransforms_));
        prev_proposal_ = prop_at_;
        prop_at_ = npos;
    }
    constexpr status finish() noexcept {
        end_proposal();
        if (!err_) return err_;
        if (prev_proposal_ == npos) return status{errc::length_too_small, "sa.proposals", w_.needed()};
        return w_.finish();
    }

private:
    // The 8-octet transform header (RFC 7296 §3.3.2) at h, unless h is null (overflow).
    static constexpr void put_transform_header(std::byte* h, transform_type t, std::uint16_t id,
                                               std::uint16_t len, std::uint8_t reserved1,
                                               std::uint8_t reserved2) noexcept {
        if (h == nullptr) return;
        h[0] = std::byte{last_substruc};
        h[1] = std::byte{reserved1};
        store_be16(h + 2, len);
        h[4] = std::byte{to_number(t)};
        h[5] = std::byte{reserved2};
        store_be16(h + 6, id);
    }
    constexpr void fail(errc c, const char* f, std::size_t at) noexcept {
        if (err_) err_ = status{c, f, at};
    }
    constexpr void patch_len(std::size_t at, const char* f) noexcept {
        const std::size_t len = w_.needed() - at;
        if (len > 0xffff) fail(errc::length_too_large, f, at + 2);
        w_.patch_u16(at + 2, static_cast<std::uint16_t>(len));
    }

    writer& w_;
    std::size_t prop_at_ = npos, tr_at_ = npos;
    std::size_t prev_proposal_ = npos, prev_transform_ = npos;
    std::size_t ntransforms_ = 0;
    status err_{};
};

constexpr void sa_view::encode(writer& w) const noexcept {
    sa_builder b{w};
    proposal_cursor pc = proposal_list();
    while (!pc.done()) {
        auto p = pc.next();
        if (!p) return w.fail();  // not a validated view: poison the writer
        b.begin_proposal(p->number, p->protocol, p->spi, p->reserved);
        transform_cursor tc = p->transform_list();
        while (!tc.done()) {
            auto t = tc.next();
            if (!t) return w.fail();
            b.begin_transform(t->type, t->id, t->reserved1, t->reserved2);
            attribute_cursor ac = t->attribute_list();
            while (!ac.done()) {
                auto a = ac.next();
                if (!a) return w.fail();
                b.add_attribute(*a);
            }
            b.end_transform();
        }
    }
    if (!b.finish()) w.fail();
}

}  // namespace pqike::wire
