// SPDX-License-Identifier: MIT
// Traffic Selector payloads TSi / TSr (RFC 7296 §3.13) with IPv4 and IPv6 address ranges.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"
#include "registry.hpp"

namespace pqike::wire {

enum class ts_type : std::uint8_t {
    ipv4_addr_range = 7,
    ipv6_addr_range = 8,
};

constexpr const char* name(ts_type t) noexcept {
    switch (t) {
        case ts_type::ipv4_addr_range: return "TS_IPV4_ADDR_RANGE";
        case ts_type::ipv6_addr_range: return "TS_IPV6_ADDR_RANGE";
    }
    return unknown_name;
}

inline constexpr std::size_t ts_header_size = 4;         // count + 3 reserved
inline constexpr std::size_t selector_fixed_size = 8;    // type, proto, length, ports

// Address size of a known selector type (0 for unknown types, whose body is kept raw).
constexpr std::size_t ts_address_size(ts_type t) noexcept {
    return t == ts_type::ipv4_addr_range ? 4 : t == ts_type::ipv6_addr_range ? 16 : 0;
}

// One selector; `start_address`/`end_address` (known types) or `raw` (after the fixed part, any
// type) point into the datagram.
struct traffic_selector {
    ts_type kind = ts_type::ipv4_addr_range;
    std::uint8_t ip_protocol = 0;  // 0 = any
    std::uint16_t start_port = 0;
    std::uint16_t end_port = 0xffff;
    bytes_view start_address{};
    bytes_view end_address{};
    bytes_view raw{};  // everything after the ports

    constexpr std::size_t length() const noexcept { return selector_fixed_size + raw.size(); }
    constexpr void encode(writer& w) const noexcept {
        w.u8(static_cast<std::uint8_t>(kind));
        w.u8(ip_protocol);
        w.u16(static_cast<std::uint16_t>(length()));
        w.u16(start_port);
        w.u16(end_port);
        w.bytes(raw);
    }
};

// Build a selector for a known type; start/end must have the type's address size.
constexpr traffic_selector make_selector(ts_type t, std::uint8_t proto, std::uint16_t sport,
                                         std::uint16_t eport, bytes_view both_addresses) noexcept {
    const std::size_t a = ts_address_size(t);
    return {t, proto, sport, eport, both_addresses.first(a), both_addresses.subspan(a, a),
            both_addresses};
}

// Reads selectors from a region already validated by ts_view::decode.
class selector_cursor {
public:
    constexpr selector_cursor(bytes_view region, std::size_t base) noexcept : r_(region, base) {}
    constexpr bool done() const noexcept { return r_.empty(); }
    constexpr std::size_t offset() const noexcept { return r_.offset(); }
    // One selector, or an error naming the field (used by decode on unvalidated bytes).
    constexpr result<traffic_selector> next() noexcept {
        const std::size_t at = r_.offset();
        if (r_.remaining() < selector_fixed_size) return error{errc::truncated, "ts.selector", at};
        traffic_selector s;
        s.kind = static_cast<ts_type>(r_.u8());
        s.ip_protocol = r_.u8();
        const std::uint16_t len = r_.u16();
        s.start_port = r_.u16();
        s.end_port = r_.u16();
        if (len < selector_fixed_size) return error{errc::length_too_small, "ts.selector_length", at + 2};
        if (len - selector_fixed_size > r_.remaining())
            return error{errc::length_too_large, "ts.selector_length", at + 2};
        s.raw = r_.bytes(len - selector_fixed_size);
        const std::size_t a = ts_address_size(s.kind);
        if (a != 0) {
            if (s.raw.size() != 2 * a) return error{errc::length_mismatch, "ts.selector_length", at + 2};
            s.start_address = s.raw.first(a);
            s.end_address = s.raw.subspan(a, a);
        }
        return s;
    }

private:
    reader r_;
};

// A view of a TSi/TSr body: a count and that many selectors, filling the body exactly.
struct ts_view {
    std::uint8_t count = 0;
    std::uint8_t reserved[3] = {0, 0, 0};
    bytes_view selectors{};
    std::size_t selectors_offset = 0;

    static constexpr result<ts_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        reader r{body, base};
        ts_view v;
        v.count = r.u8();
        for (auto& b : v.reserved) b = r.u8();
        if (!r.ok()) return error{errc::truncated, "ts.header", base};
        if (v.count == 0) return error{errc::invalid_syntax, "ts.count", base};
        v.selectors_offset = base + ts_header_size;
        v.selectors = r.bytes_rest();
        selector_cursor c{v.selectors, v.selectors_offset};
        for (unsigned i = 0; i < v.count; ++i) {
            auto s = c.next();
            if (!s) return s.error();
        }
        if (!c.done()) return error{errc::trailing_data, "ts.selectors", c.offset()};
        return v;
    }
    static constexpr result<ts_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr selector_cursor cursor() const noexcept { return {selectors, selectors_offset}; }
    constexpr void encode(writer& w) const noexcept {
        w.u8(count);
        for (auto b : reserved) w.u8(b);
        w.bytes(selectors);
    }
};

}  // namespace pqike::wire
