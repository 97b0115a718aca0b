// SPDX-License-Identifier: MIT
// A tiny classic-pcap writer and reader for UDP/IPv4 datagrams (tests, examples, interop tools).
// Writer: Ethernet (LINKTYPE_ETHERNET 1) or raw IPv4 (LINKTYPE_RAW 101) frames carrying IPv4 +
// UDP, into the caller's buffer. Reader: bounded like every pqike decoder — a record length
// beyond the file, the snap length or 256 KiB is an error, never a read past the end.
// Format: the classic libpcap file format (24-byte global header, 16-byte record headers, fields
// in the writer's byte order, identified by the magic number).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"

namespace pqike::pcap {

enum class linktype : std::uint32_t { ethernet = 1, raw = 101, linux_sll = 113 };

inline constexpr std::uint32_t magic_usec = 0xa1b2c3d4u;
inline constexpr std::uint32_t magic_nsec = 0xa1b23c4du;
inline constexpr std::size_t global_header_size = 24;
inline constexpr std::size_t record_header_size = 16;
inline constexpr std::size_t max_record_size = 262144;
inline constexpr std::size_t ethernet_header_size = 14;
inline constexpr std::size_t sll_header_size = 16;
inline constexpr std::size_t ipv4_header_size = 20;
inline constexpr std::size_t udp_header_size = 8;
inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint8_t ip_proto_udp = 17;

using ipv4_addr = std::array<std::uint8_t, 4>;

struct udp_endpoint_pair {
    ipv4_addr src{10, 0, 0, 1};
    ipv4_addr dst{10, 0, 0, 2};
    std::uint16_t sport = 500;
    std::uint16_t dport = 500;
};

namespace detail {
constexpr void le32(writer& w, std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) w.u8(static_cast<std::uint8_t>(v >> (8 * i)));
}
constexpr std::uint32_t load32(const std::byte* p, bool swapped) noexcept {
    const std::uint32_t be = load_be32(p);
    if (!swapped) return be;
    return ((be & 0xffu) << 24) | ((be & 0xff00u) << 8) | ((be >> 8) & 0xff00u) | (be >> 24);
}
// RFC 791 header checksum over 20 octets.
constexpr std::uint16_t ipv4_checksum(const std::byte* h) noexcept {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < ipv4_header_size; i += 2) sum += load_be16(h + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}
}  // namespace detail

// ---- writing ----------------------------------------------------------------------------------

// Global header, little-endian, microsecond timestamps.
constexpr void write_file_header(writer& w, linktype lt, std::uint32_t snaplen = 65535) noexcept {
    detail::le32(w, magic_usec);
    w.u8(2); w.u8(0);  // version 2.4, little-endian u16s
    w.u8(4); w.u8(0);
    detail::le32(w, 0);  // thiszone
    detail::le32(w, 0);  // sigfigs
    detail::le32(w, snaplen);
    detail::le32(w, static_cast<std::uint32_t>(lt));
}

// One record: [Ethernet] + IPv4 + UDP (checksum 0 = none, RFC 768) + payload.
constexpr status write_udp_record(writer& w, linktype lt, std::uint32_t ts_sec,
                                  std::uint32_t ts_usec, const udp_endpoint_pair& ep,
                                  bytes_view payload) noexcept {
    if (lt != linktype::ethernet && lt != linktype::raw)
        return status{errc::invalid_syntax, "pcap.linktype", 0};
    const std::size_t ip_len = ipv4_header_size + udp_header_size + payload.size();
    if (ip_len > 0xffff) return status{errc::length_too_large, "pcap.payload", 0};
    const std::size_t frame = ip_len + (lt == linktype::ethernet ? ethernet_header_size : 0);
    detail::le32(w, ts_sec);
    detail::le32(w, ts_usec);
    detail::le32(w, static_cast<std::uint32_t>(frame));
    detail::le32(w, static_cast<std::uint32_t>(frame));
    if (lt == linktype::ethernet) {
        const std::array<std::uint8_t, 6> dst_mac{0x02, 0, 0, 0, 0, 2}, src_mac{0x02, 0, 0, 0, 0, 1};
        w.bytes(as_bytes_view(dst_mac.data(), dst_mac.size()));
        w.bytes(as_bytes_view(src_mac.data(), src_mac.size()));
        w.u16(ethertype_ipv4);
    }
    const std::size_t ip_at = w.needed();
    w.u8(0x45);  // version 4, IHL 5
    w.u8(0);
    w.u16(static_cast<std::uint16_t>(ip_len));
    w.u16(0);       // identification
    w.u16(0x4000);  // DF
    w.u8(64);       // TTL
    w.u8(ip_proto_udp);
    const std::size_t csum_at = w.needed();
    w.u16(0);  // checksum, computed over the header with this field zero
    for (auto b : ep.src) w.u8(b);
    for (auto b : ep.dst) w.u8(b);
    if (w.ok()) w.patch_u16(csum_at, detail::ipv4_checksum(w.buffer().data() + ip_at));
    w.u16(ep.sport);
    w.u16(ep.dport);
    w.u16(static_cast<std::uint16_t>(udp_header_size + payload.size()));
    w.u16(0);
    w.bytes(payload);
    return w.finish();
}

// ---- reading ----------------------------------------------------------------------------------

struct record {
    std::uint32_t ts_sec = 0;
    std::uint32_t ts_frac = 0;  // micro- or nanoseconds (file_reader::nanoseconds())
    bytes_view frame{};         // points into the file bytes
    std::uint32_t orig_len = 0;
};

// Reads records from a whole pcap file held by the caller.
class file_reader {
public:
    static constexpr result<file_reader> open(bytes_view file) noexcept {
        if (file.size() < global_header_size) return error{errc::truncated, "pcap.header", 0};
        file_reader f;
        const std::uint32_t m = load_be32(file.data());
        if (m == magic_usec || m == magic_nsec) {
            f.swapped_ = false;
        } else {
            const std::uint32_t s = detail::load32(file.data(), true);
            if (s != magic_usec && s != magic_nsec) return error{errc::invalid_syntax, "pcap.magic", 0};
            f.swapped_ = true;
        }
        f.nsec_ = detail::load32(file.data(), f.swapped_) == magic_nsec;
        f.snaplen_ = detail::load32(file.data() + 16, f.swapped_);
        f.linktype_ = static_cast<linktype>(detail::load32(file.data() + 20, f.swapped_));
        f.r_ = reader{file.subspan(global_header_size), global_header_size};
        return f;
    }
    constexpr linktype link() const noexcept { return linktype_; }
    constexpr bool nanoseconds() const noexcept { return nsec_; }
    constexpr std::uint32_t snaplen() const noexcept { return snaplen_; }
    constexpr bool done() const noexcept { return r_.empty(); }

    constexpr result<record> next() noexcept {
        const std::size_t at = r_.offset();
        auto h = r_.bytes(record_header_size);
        if (!r_.ok()) return error{errc::truncated, "pcap.record", at};
        record rec;
        rec.ts_sec = detail::load32(h.data(), swapped_);
        rec.ts_frac = detail::load32(h.data() + 4, swapped_);
        const std::uint32_t incl = detail::load32(h.data() + 8, swapped_);
        rec.orig_len = detail::load32(h.data() + 12, swapped_);
        if (incl > max_record_size)
            return error{errc::length_too_large, "pcap.incl_len", at + 8};
        rec.frame = r_.bytes(incl);
        if (!r_.ok()) return error{errc::truncated, "pcap.frame", at + record_header_size};
        return rec;
    }

private:
    reader r_{};
    std::uint32_t snaplen_ = 0;
    linktype linktype_ = linktype::ethernet;
    bool swapped_ = false;
    bool nsec_ = false;
};

struct udp_datagram {
    udp_endpoint_pair endpoints{};
    bytes_view payload{};  // points into the frame
};

// IPv4 + UDP from a frame of the given link type; anything else (IPv6, ESP, ARP, IP fragments)
// is errc::invalid_syntax so callers can skip it.
constexpr result<udp_datagram> parse_udp(linktype lt, bytes_view frame) noexcept {
    reader r{frame};
    if (lt == linktype::ethernet) {
        r.skip(12);
        if (!r.ok()) return error{errc::truncated, "eth.header", 0};
        if (r.u16() != ethertype_ipv4) return error{errc::invalid_syntax, "eth.type", 12};
    } else if (lt == linktype::linux_sll) {
        r.skip(14);
        if (!r.ok()) return error{errc::truncated, "sll.header", 0};
        if (r.u16() != ethertype_ipv4) return error{errc::invalid_syntax, "sll.protocol", 14};
    } else if (lt != linktype::raw) {
        return error{errc::invalid_syntax, "pcap.linktype", 0};
    }
    const std::size_t ip_at = r.offset();
    const std::uint8_t vihl = r.u8();
    if (!r.ok()) return error{errc::truncated, "ipv4.header", ip_at};
    if ((vihl >> 4) != 4) return error{errc::invalid_syntax, "ipv4.version", ip_at};
    const std::size_t ihl = std::size_t{vihl & 0x0fu} * 4;
    if (ihl < ipv4_header_size) return error{errc::length_too_small, "ipv4.ihl", ip_at};
    (void)r.u8();
    const std::uint16_t total = r.u16();
    (void)r.u16();
    const std::uint16_t frag = r.u16();
    (void)r.u8();
    const std::uint8_t proto = r.u8();
    (void)r.u16();
    udp_datagram d;
    for (auto& b : d.endpoints.src) b = r.u8();
    for (auto& b : d.endpoints.dst) b = r.u8();
    r.skip(ihl - ipv4_header_size);
    if (!r.ok()) return error{errc::truncated, "ipv4.options", ip_at};
    if (total < ihl || total - ihl > r.remaining())
        return error{errc::length_too_large, "ipv4.total_length", ip_at + 2};
    if ((frag & 0x3fff) != 0) return error{errc::invalid_syntax, "ipv4.fragment", ip_at + 6};
    if (proto != ip_proto_udp) return error{errc::invalid_syntax, "ipv4.protocol", ip_at + 9};
    reader u{r.bytes(total - ihl), r.offset()};
    const std::size_t udp_at = u.offset();
    d.endpoints.sport = u.u16();
    d.endpoints.dport = u.u16();
    const std::uint16_t ulen = u.u16();
    (void)u.u16();
    if (!u.ok()) return error{errc::truncated, "udp.header", udp_at};
    if (ulen < udp_header_size || ulen - udp_header_size > u.remaining())
        return error{errc::length_too_large, "udp.length", udp_at + 4};
    d.payload = u.bytes(ulen - udp_header_size);
    return d;
}

}  // namespace pqike::pcap
