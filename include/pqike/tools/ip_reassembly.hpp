// SPDX-License-Identifier: MIT
// IPv4 and IPv6 packets as read from a capture, with fragment reassembly (tools: `pqike decode`,
// the ip_reassembly fuzz target). Pure: no libpcap, no I/O; the caller hands in whole IP packets
// (from the IP header on) and capture timestamps.
//
//   ip::reassembler r;                       // ip::limits{} bounds everything it keeps
//   auto f = r.feed(time_us, ip_bytes);      // error: not a well-formed IPv4/IPv6 packet
//   if (f && f->what == ip::outcome::complete) use(f->pkt);   // f->pkt.payload valid until next feed
//
// IPv6: the extension header chain (Hop-by-Hop, Routing, Destination Options, AH, Fragment) is
// walked to the upper-layer header, also inside a reassembled fragmentable part (RFC 8200 §4.5).
// Hostile input (RFC 5722, RFC 791 §3.2):
//   - an overlap between two fragments of one datagram drops the whole datagram; its later
//     fragments are dropped too until it times out. An exact duplicate (same offset, length and
//     bytes, as a capture on two interfaces gives) is ignored (RFC 8200 §4.5 allows it).
//   - a last fragment that disagrees with what is stored (another end, data past the end) drops it.
//   - a reassembled datagram never exceeds 65535 octets (IPv4 total length / IPv6 payload length).
//   - at most limits::max_datagrams pending (the oldest is evicted), limits::max_fragments per
//     datagram and limits::max_bytes buffered in all; pending datagrams time out by capture time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "../bytes.hpp"
#include "../result.hpp"

namespace pqike::ip {

inline constexpr std::uint8_t proto_hop_by_hop = 0;
inline constexpr std::uint8_t proto_tcp = 6;
inline constexpr std::uint8_t proto_udp = 17;
inline constexpr std::uint8_t proto_routing = 43;
inline constexpr std::uint8_t proto_fragment = 44;
inline constexpr std::uint8_t proto_esp = 50;
inline constexpr std::uint8_t proto_ah = 51;
inline constexpr std::uint8_t proto_none = 59;
inline constexpr std::uint8_t proto_dest_opts = 60;
inline constexpr std::size_t max_datagram = 65535;
inline constexpr std::size_t max_ext_headers = 16;

using address = std::array<std::uint8_t, 16>;  // IPv4 in the first 4 octets

// One upper-layer packet: unfragmented, or reassembled from `fragments` fragments.
struct packet {
    std::uint8_t version = 4;
    address src{};
    address dst{};
    std::uint8_t protocol = 0;  // after the IPv6 extension headers
    bytes_view payload{};       // the upper-layer header and data
    std::size_t fragments = 0;  // 0: not fragmented
};

// One parsed IP header: either a whole packet or one fragment of a datagram.
struct fragment_info {
    packet pkt{};             // for a fragment: payload = this fragment's data
    bool fragment = false;
    std::uint32_t id = 0;     // IPv4 Identification or IPv6 Fragment Identification
    std::size_t offset = 0;   // octets
    bool more = false;
    std::size_t header_size = 0;  // IPv4 header / IPv6 unfragmentable part incl. Fragment header
};

namespace detail {
constexpr void copy_addr(reader& r, address& a, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) a[i] = r.u8();
}
constexpr bool is_ext(std::uint8_t nh) noexcept {
    return nh == proto_hop_by_hop || nh == proto_routing || nh == proto_dest_opts || nh == proto_ah;
}
// Skips extension headers (not Fragment) from nh on; r at the first one. Returns the upper layer.
constexpr result<std::uint8_t> skip_ext(reader& r, std::uint8_t nh, std::size_t& count) noexcept {
    while (is_ext(nh)) {
        if (++count > max_ext_headers) return error{errc::invalid_syntax, "ipv6.ext_headers", r.offset()};
        const std::size_t at = r.offset();
        const std::uint8_t next = r.u8();
        const std::uint8_t len = r.u8();
        const std::size_t size = nh == proto_ah ? (std::size_t{len} + 2) * 4 : (std::size_t{len} + 1) * 8;
        r.skip(size - 2);
        if (!r.ok()) return error{errc::truncated, "ipv6.ext_header", at};
        nh = next;
    }
    return nh;
}
}  // namespace detail

// IPv4 (RFC 791): the header checksum is not checked (captures with offload carry garbage);
// total length bounds the packet (Ethernet padding is cut off).
constexpr result<fragment_info> parse_ipv4(bytes_view in) noexcept {
    reader r{in};
    const std::uint8_t vihl = r.u8();
    if (!r.ok()) return error{errc::truncated, "ipv4.header", 0};
    if ((vihl >> 4) != 4) return error{errc::invalid_syntax, "ipv4.version", 0};
    const std::size_t ihl = std::size_t{vihl & 0x0fu} * 4;
    if (ihl < 20) return error{errc::length_too_small, "ipv4.ihl", 0};
    (void)r.u8();
    const std::uint16_t total = r.u16();
    const std::uint16_t id = r.u16();
    const std::uint16_t frag = r.u16();
    (void)r.u8();
    fragment_info f;
    f.pkt.version = 4;
    f.pkt.protocol = r.u8();
    (void)r.u16();
    detail::copy_addr(r, f.pkt.src, 4);
    detail::copy_addr(r, f.pkt.dst, 4);
    r.skip(ihl - 20);
    if (!r.ok()) return error{errc::truncated, "ipv4.header", 0};
    if (total < ihl) return error{errc::length_too_small, "ipv4.total_length", 2};
    if (total > in.size()) return error{errc::truncated, "ipv4.total_length", 2};
    if ((frag & 0x8000u) != 0) return error{errc::invalid_syntax, "ipv4.flags", 6};
    f.pkt.payload = in.subspan(ihl, total - ihl);
    f.id = id;
    f.offset = std::size_t{frag & 0x1fffu} * 8;
    f.more = (frag & 0x2000u) != 0;
    f.fragment = f.more || f.offset != 0;
    f.header_size = ihl;
    return f;
}

// IPv6 (RFC 8200) up to the upper layer or the Fragment header. A Jumbo Payload (length 0) is
// refused; an atomic fragment (offset 0, M 0; RFC 6946) is a whole packet.
constexpr result<fragment_info> parse_ipv6(bytes_view in) noexcept {
    reader r{in};
    const std::uint32_t vtf = r.u32();
    const std::uint16_t plen = r.u16();
    std::uint8_t nh = r.u8();
    (void)r.u8();
    fragment_info f;
    f.pkt.version = 6;
    detail::copy_addr(r, f.pkt.src, 16);
    detail::copy_addr(r, f.pkt.dst, 16);
    if (!r.ok()) return error{errc::truncated, "ipv6.header", 0};
    if ((vtf >> 28) != 6) return error{errc::invalid_syntax, "ipv6.version", 0};
    if (plen == 0) return error{errc::invalid_syntax, "ipv6.payload_length", 4};
    if (plen > r.remaining()) return error{errc::truncated, "ipv6.payload_length", 4};
    reader p{in.subspan(40, plen), 40};
    std::size_t count = 0;
    auto up = detail::skip_ext(p, nh, count);
    if (!up) return up.error();
    nh = *up;
    if (nh == proto_fragment) {
        const std::size_t at = p.offset();
        const std::uint8_t next = p.u8();
        (void)p.u8();
        const std::uint16_t off = p.u16();
        const std::uint32_t id = p.u32();
        if (!p.ok()) return error{errc::truncated, "ipv6.fragment", at};
        f.id = id;
        f.offset = std::size_t{off} / 8 * 8;
        f.more = (off & 1u) != 0;
        f.fragment = f.more || f.offset != 0;
        f.header_size = p.offset();
        if (!f.fragment) {  // atomic fragment: go on with the chain
            auto u = detail::skip_ext(p, next, count);
            if (!u) return u.error();
            if (*u == proto_fragment) return error{errc::invalid_syntax, "ipv6.fragment", p.offset()};
            f.pkt.protocol = *u;
        } else {
            f.pkt.protocol = next;  // first header of the fragmentable part
        }
    } else {
        f.pkt.protocol = nh;
        f.header_size = p.offset();
    }
    f.pkt.payload = p.rest();
    return f;
}

enum class outcome : std::uint8_t {
    complete,   // pkt holds an upper-layer packet (whole, or just reassembled)
    stored,     // a fragment was kept
    duplicate,  // an exact copy of a kept fragment: ignored
    dropped,    // the fragment (and maybe its datagram) was thrown away; reason says why
};

struct feed_result {
    outcome what = outcome::dropped;
    packet pkt{};
    const char* reason = "";  // for dropped: "overlap", "too_large", "too_many_fragments", ...
};

struct limits {
    std::size_t max_datagrams = 64;        // pending datagrams (an overlap-dropped one counts)
    std::size_t max_fragments = 128;       // per datagram
    std::size_t max_bytes = 4u << 20;      // data buffered over all pending datagrams
    std::uint64_t timeout_us = 60'000'000; // pending datagram age by capture time (RFC 8200: 60 s)
};

struct stats {
    std::size_t reassembled = 0;
    std::size_t overlaps = 0;
    std::size_t timeouts = 0;
    std::size_t evicted = 0;
    std::size_t refused = 0;  // too large, too many fragments, inconsistent last fragment
};

class reassembler {
public:
    explicit reassembler(limits l = {}) : lim_(l) { pending_.reserve(lim_.max_datagrams); }

    // One IP packet (version from its first nibble). An error is a malformed header, never a
    // policy decision; the returned payload stays valid until the next feed.
    result<feed_result> feed(std::uint64_t time_us, bytes_view ip) {
        expire(time_us);
        if (ip.empty()) return error{errc::truncated, "ip.version", 0};
        const unsigned v = std::to_integer<unsigned>(ip[0]) >> 4;
        auto f = v == 4 ? parse_ipv4(ip) : v == 6 ? parse_ipv6(ip) : result<fragment_info>{error{errc::invalid_syntax, "ip.version", 0}};
        if (!f) return f.error();
        if (!f->fragment) return feed_result{outcome::complete, f->pkt, ""};
        return add(time_us, *f);
    }

    std::size_t pending() const noexcept { return pending_.size(); }
    std::size_t buffered() const noexcept { return bytes_; }
    const stats& counters() const noexcept { return stats_; }
    const limits& bounds() const noexcept { return lim_; }

private:
    struct key {
        std::uint8_t version = 4;
        std::uint8_t protocol = 0;  // IPv4 only (RFC 791 key); 0 for IPv6
        std::uint32_t id = 0;
        address src{};
        address dst{};
        friend bool operator==(const key&, const key&) = default;
    };
    struct piece {
        std::size_t offset;
        std::size_t size;
    };
    struct entry {
        key k{};
        std::uint64_t first_seen = 0;
        bool poisoned = false;
        bool have_last = false;
        bool have_first = false;
        std::size_t total = 0;        // fragmentable part size, once the last fragment came
        std::uint8_t first_next = 0;  // IPv6: Next Header of the first fragment's Fragment header
        std::vector<std::byte> data;  // grows to the highest end seen, ≤ max_datagram
        std::vector<piece> pieces;    // ≤ max_fragments
    };

    void release(entry& e) noexcept {
        bytes_ -= e.data.size();
        e.data = {};
        e.pieces = {};
    }
    void erase_at(std::size_t i) {
        release(pending_[i]);
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    void expire(std::uint64_t now) {
        for (std::size_t i = 0; i < pending_.size();) {
            const auto t0 = pending_[i].first_seen;
            if (now >= t0 && now - t0 > lim_.timeout_us) {
                if (!pending_[i].poisoned) ++stats_.timeouts;
                erase_at(i);
            } else {
                ++i;
            }
        }
    }
    feed_result drop(entry& e, const char* why, std::size_t& counter) {
        ++counter;
        release(e);
        e.poisoned = true;
        return feed_result{outcome::dropped, {}, why};
    }

    result<feed_result> add(std::uint64_t now, const fragment_info& f) {
        const std::size_t size = f.pkt.payload.size();
        if (f.more && (size == 0 || size % 8 != 0)) {
            ++stats_.refused;
            return feed_result{outcome::dropped, {}, "fragment_size"};
        }
        key k{f.pkt.version, f.pkt.version == 4 ? f.pkt.protocol : std::uint8_t{0}, f.id, f.pkt.src, f.pkt.dst};
        entry* e = nullptr;
        for (auto& p : pending_)
            if (p.k == k) e = &p;
        if (e == nullptr) {
            if (lim_.max_datagrams == 0) return feed_result{outcome::dropped, {}, "no_room"};
            if (pending_.size() >= lim_.max_datagrams) {
                ++stats_.evicted;
                erase_at(0);  // the oldest
            }
            pending_.push_back(entry{});
            e = &pending_.back();
            e->k = k;
            e->first_seen = now;
        }
        if (e->poisoned) return feed_result{outcome::dropped, {}, "datagram_dropped"};
        const std::size_t end = f.offset + size;
        // IPv4: header + data ≤ 65535 (the first fragment's header size is not known yet: use this one's);
        // IPv6: the Payload Length of the reassembled packet ≤ 65535.
        const std::size_t room = f.pkt.version == 4 ? max_datagram - f.header_size : max_datagram - (f.header_size - 40);
        if (end > room) return drop(*e, "too_large", stats_.refused);
        if (!f.more) {
            if ((e->have_last && e->total != end) || e->data.size() > end) return drop(*e, "inconsistent_end", stats_.refused);
        } else if (e->have_last && end > e->total) {
            return drop(*e, "past_end", stats_.refused);
        }
        for (const auto& p : e->pieces) {
            if (f.offset < p.offset + p.size && p.offset < end) {
                if (p.offset == f.offset && p.size == size && same(*e, f.offset, f.pkt.payload))
                    return feed_result{outcome::duplicate, {}, ""};
                return drop(*e, "overlap", stats_.overlaps);
            }
        }
        if (e->pieces.size() >= lim_.max_fragments) return drop(*e, "too_many_fragments", stats_.refused);
        if (end > e->data.size()) {
            const std::size_t grow = end - e->data.size();
            while (bytes_ + grow > lim_.max_bytes && pending_.size() > 1 && &pending_.front() != e) {
                ++stats_.evicted;
                erase_at(0);
                e = find(k);
            }
            if (bytes_ + grow > lim_.max_bytes) return drop(*e, "memory", stats_.refused);
            e->data.resize(end);
            bytes_ += grow;
        }
        for (std::size_t i = 0; i < size; ++i) e->data[f.offset + i] = f.pkt.payload[i];
        e->pieces.push_back(piece{f.offset, size});
        if (f.offset == 0) {
            e->have_first = true;
            e->first_next = f.pkt.protocol;
        }
        if (!f.more) {
            e->have_last = true;
            e->total = end;
        }
        std::size_t covered = 0;
        for (const auto& p : e->pieces) covered += p.size;
        if (!e->have_last || covered != e->total) return feed_result{outcome::stored, {}, ""};
        return finish(*e);
    }

    entry* find(const key& k) noexcept {
        for (auto& p : pending_)
            if (p.k == k) return &p;
        return nullptr;
    }

    static bool same(const entry& e, std::size_t at, bytes_view b) noexcept {
        for (std::size_t i = 0; i < b.size(); ++i)
            if (e.data[at + i] != b[i]) return false;
        return true;
    }

    result<feed_result> finish(entry& e) {
        packet pkt;
        pkt.version = e.k.version;
        pkt.src = e.k.src;
        pkt.dst = e.k.dst;
        pkt.fragments = e.pieces.size();
        bytes_ -= e.data.size();
        done_ = std::move(e.data);
        e.data = {};  // erase_at() below accounts for nothing more
        const std::uint8_t first_next = e.first_next;
        const std::uint8_t proto = e.k.protocol;
        for (std::size_t i = 0; i < pending_.size(); ++i)
            if (&pending_[i] == &e) {
                erase_at(i);
                break;
            }
        ++stats_.reassembled;
        bytes_view all{done_.data(), done_.size()};
        if (pkt.version == 4) {
            pkt.protocol = proto;
            pkt.payload = all;
        } else {
            reader r{all};
            std::size_t count = 0;
            auto up = detail::skip_ext(r, first_next, count);
            if (!up) return up.error();
            if (*up == proto_fragment) return error{errc::invalid_syntax, "ipv6.fragment", r.offset()};
            pkt.protocol = *up;
            pkt.payload = r.rest();
        }
        return feed_result{outcome::complete, pkt, ""};
    }

    limits lim_;
    std::vector<entry> pending_;
    std::vector<std::byte> done_;
    std::size_t bytes_ = 0;
    stats stats_{};
};

}  // namespace pqike::ip
