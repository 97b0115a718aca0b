// SPDX-License-Identifier: MIT
// Capture reading for `pqike decode --pcap` (capture.hpp): libpcap for the file formats, the rest
// (link layers, IP, UDP, TCP) parsed here with pqike's bounded readers.
#include "capture.hpp"
#include "io.hpp"

#include <pqike/tools/ip_reassembly.hpp>
#include <pqike/wire/header.hpp>

#include <arpa/inet.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

namespace pqike_cli {
namespace {

using pqike::bytes_view;
using pqike::reader;

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86dd;
constexpr std::uint16_t port_ike = 500;
constexpr std::uint16_t port_natt = 4500;

// The IP packet inside one frame, or an empty view when the frame carries no IP.
bytes_view ip_of(int dlt, bytes_view frame) {
    reader r{frame};
    std::uint16_t type = 0;
    switch (dlt) {
        case DLT_EN10MB: {
            r.skip(12);
            type = r.u16();
            for (int tags = 0; tags < 4 && (type == 0x8100 || type == 0x88a8 || type == 0x9100); ++tags) {
                r.skip(2);  // TCI
                type = r.u16();
            }
            break;
        }
        case DLT_LINUX_SLL:
            r.skip(14);
            type = r.u16();
            break;
        case DLT_LINUX_SLL2:
            type = r.u16();
            r.skip(18);
            break;
        case DLT_NULL:
        case DLT_LOOP: {
            // AF_ value in the capturing host's byte order (null) or network order (loop).
            auto f = r.bytes(4);
            if (!r.ok()) return {};
            const std::uint32_t be = pqike::load_be32(f.data());
            const std::uint32_t le = (be >> 24) | ((be >> 8) & 0xff00u) | ((be << 8) & 0xff0000u) | (be << 24);
            const std::uint32_t af = dlt == DLT_LOOP ? be : (le < 256 ? le : be);
            if (af == 2) type = ethertype_ipv4;
            else if (af == 10 || af == 24 || af == 28 || af == 30) type = ethertype_ipv6;
            break;
        }
        case DLT_RAW:
        case DLT_IPV4:
        case DLT_IPV6: return frame;
        default: return {};
    }
    if (!r.ok() || (type != ethertype_ipv4 && type != ethertype_ipv6)) return {};
    return r.rest();
}

std::string endpoint(const pqike::ip::packet& p, const pqike::ip::address& a, std::uint16_t port) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (p.version == 4) {
        (void)inet_ntop(AF_INET, a.data(), buf, sizeof buf);
        return std::string(buf) + ":" + std::to_string(port);
    }
    (void)inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(port);
}

// ---- RFC 9329 TCP streams ------------------------------------------------------------------------
// One direction of a connection: bytes in sequence order, cut into Length-prefixed frames. Bounded:
// out-of-order segments (max_ooo of them, max_ooo_bytes in all), one frame of at most 65535 octets
// buffered; max_flows directions (the oldest is forgotten).
constexpr std::size_t max_flows = 64;
constexpr std::size_t max_ooo = 32;
constexpr std::size_t max_ooo_bytes = 256 * 1024;
constexpr std::size_t max_stream_buffer = 65535 + 65535;

struct flow {
    bool synced = false;
    bool broken = false;    // a framing error: nothing more is taken from this direction
    bool at_start = true;   // no byte taken yet: an "IKETCP" prefix may come
    std::uint32_t next = 0;
    std::vector<std::byte> buf;
    std::map<std::uint32_t, std::vector<std::byte>> ooo;
    std::size_t ooo_bytes = 0;
};
using flow_key = std::tuple<pqike::ip::address, pqike::ip::address, std::uint16_t, std::uint16_t>;

class tcp_streams {
public:
    // One segment; calls on(msg) for each complete IKE message (ESP frames are skipped).
    template <class On>
    void segment(const flow_key& k, std::uint32_t seq, std::uint8_t flags, bytes_view data, On&& on) {
        const bool syn = (flags & 0x02) != 0, fin = (flags & 0x01) != 0, rst = (flags & 0x04) != 0;
        if (rst) {
            erase(k);
            return;
        }
        flow* f = get(k);
        if (syn) {
            *f = flow{};
            f->synced = true;
            f->next = seq + 1;
            seq += 1;
        }
        if (!f->synced) {  // a capture that starts inside the connection: take it from here
            f->synced = true;
            f->next = seq;
        }
        if (!data.empty() && !f->broken) {
            const auto rel = static_cast<std::int32_t>(seq - f->next);
            if (rel < 0) {  // retransmission: keep only what is new
                const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(rel));
                if (old < data.size()) append(*f, data.subspan(old));
            } else if (rel == 0) {
                append(*f, data);
            } else if (f->ooo.size() < max_ooo && f->ooo_bytes + data.size() <= max_ooo_bytes &&
                       f->ooo.count(seq) == 0) {
                f->ooo.emplace(seq, std::vector<std::byte>(data.begin(), data.end()));
                f->ooo_bytes += data.size();
            }
            // Segments that now fit, in order.
            for (bool moved = true; moved;) {
                moved = false;
                for (auto it = f->ooo.begin(); it != f->ooo.end(); ++it) {
                    const auto d = static_cast<std::int32_t>(it->first - f->next);
                    if (d > 0) continue;
                    const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(d));
                    if (old < it->second.size()) append(*f, bytes_view{it->second}.subspan(old));
                    f->ooo_bytes -= it->second.size();
                    f->ooo.erase(it);
                    moved = true;
                    break;
                }
            }
            frames(*f, on);
        }
        if (fin) erase(k);
    }

private:
    void append(flow& f, bytes_view d) {
        f.next += static_cast<std::uint32_t>(d.size());
        if (f.buf.size() + d.size() > max_stream_buffer) {
            f.broken = true;
            f.buf = {};
            return;
        }
        f.buf.insert(f.buf.end(), d.begin(), d.end());
    }
    template <class On>
    void frames(flow& f, On&& on) {
        static constexpr char prefix[] = "IKETCP";
        if (f.at_start) {
            const std::size_t n = std::min<std::size_t>(f.buf.size(), 6);
            if (n == 0 || std::memcmp(f.buf.data(), prefix, n) == 0) {
                if (n < 6) return;  // maybe the prefix: wait for more
                f.buf.erase(f.buf.begin(), f.buf.begin() + 6);
            }
            f.at_start = false;
        }
        std::size_t at = 0;
        while (f.buf.size() - at >= 2) {
            const std::size_t len = pqike::load_be16(f.buf.data() + at);
            if (len < 2) {  // Length counts itself: the stream is not RFC 9329
                f.broken = true;
                f.buf = {};
                return;
            }
            if (f.buf.size() - at < len) break;
            const bytes_view frame{f.buf.data() + at + 2, len - 2};
            at += len;
            if (frame.size() >= 4 && pqike::load_be32(frame.data()) == 0) on(frame.subspan(4));  // non-ESP marker
        }
        f.buf.erase(f.buf.begin(), f.buf.begin() + static_cast<std::ptrdiff_t>(at));
    }
    flow* get(const flow_key& k) {
        for (auto& [key, f] : flows_)
            if (key == k) return &f;
        if (flows_.size() >= max_flows) flows_.erase(flows_.begin());  // the oldest
        flows_.emplace_back(k, flow{});
        return &flows_.back().second;
    }
    void erase(const flow_key& k) {
        for (auto it = flows_.begin(); it != flows_.end(); ++it)
            if (it->first == k) {
                flows_.erase(it);
                return;
            }
    }
    std::vector<std::pair<flow_key, flow>> flows_;
};

failure pcap_failure(const char* text) {
    const std::string t = text;
    return failure{t.find("truncated") != std::string::npos ? "truncated" : "invalid_syntax", "pcap: " + t, 0};
}

struct closer {
    void operator()(pcap_t* p) const { pcap_close(p); }
};

}  // namespace

std::optional<failure> read_capture(const std::string& path, const std::function<void(const ike_datagram&)>& on) {
    // "-": stdin, read once per run (io.hpp), handed to libpcap as an in-memory FILE.
    std::string stdin_bytes;
    std::FILE* fp = nullptr;
    if (path == "-") {
        failure f;
        auto all = read_file(path, f);
        if (!all) return f;
        stdin_bytes = std::move(*all);
        if (stdin_bytes.empty()) return failure{"truncated", "pcap: empty input", 0};
        fp = fmemopen(stdin_bytes.data(), stdin_bytes.size(), "rb");
    } else {
        fp = std::fopen(path.c_str(), "rb");
    }
    if (fp == nullptr) return failure{"io", "cannot open " + path, 0};
    char err[PCAP_ERRBUF_SIZE] = {};
    std::unique_ptr<pcap_t, closer> pc{pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, err)};
    if (!pc) {
        std::fclose(fp);
        return pcap_failure(err);
    }
    pqike::ip::reassembler ip;
    tcp_streams tcp;
    std::size_t frame = 0;
    for (;;) {
        pcap_pkthdr* h = nullptr;
        const u_char* data = nullptr;
        const int rc = pcap_next_ex(pc.get(), &h, &data);
        if (rc == PCAP_ERROR_BREAK) return std::nullopt;
        if (rc != 1) return pcap_failure(pcap_geterr(pc.get()));
        ++frame;
        // pcapng may mix interfaces with different link types; libpcap reports the first one's.
        const int dlt = pcap_datalink(pc.get());
        const std::uint64_t t = static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000u +
                                static_cast<std::uint64_t>(h->ts.tv_usec);
        const bytes_view ipb = ip_of(dlt, pqike::as_bytes_view(data, h->caplen));
        if (ipb.empty()) continue;
        auto fed = ip.feed(t / 1000u, ipb);
        if (!fed || fed->what != pqike::ip::outcome::complete) continue;  // not IP, or a fragment kept
        const auto& p = fed->pkt;
        ike_datagram d;
        d.frame = frame;
        d.time_ns = t;
        d.ip_fragments = p.fragments;
        reader r{p.payload};
        const std::uint16_t sport = r.u16();
        const std::uint16_t dport = r.u16();
        if (!r.ok()) continue;
        d.src = endpoint(p, p.src, sport);
        d.dst = endpoint(p, p.dst, dport);
        if (p.protocol == pqike::ip::proto_udp) {
            const std::uint16_t ulen = r.u16();
            (void)r.u16();
            if (!r.ok() || ulen < 8 || ulen - 8u > r.remaining()) continue;
            d.msg = r.bytes(ulen - 8u);
            if (sport == port_natt || dport == port_natt) {
                auto c = pqike::wire::classify_udp4500(d.msg);
                if (!c || c->kind != pqike::wire::udp_encap_kind::ike) continue;  // ESP or keepalive
                d.msg = c->data;
            } else if (sport != port_ike && dport != port_ike) {
                continue;
            }
            on(d);
        } else if (p.protocol == pqike::ip::proto_tcp && (sport == port_natt || dport == port_natt)) {
            const std::uint32_t seq = r.u32();
            (void)r.u32();
            const std::uint8_t off = r.u8();
            const std::uint8_t flags = r.u8();
            const std::size_t hlen = std::size_t{static_cast<std::uint8_t>(off >> 4)} * 4;
            if (!r.ok() || hlen < 20 || hlen > p.payload.size()) continue;
            d.tcp = true;
            const flow_key k{p.src, p.dst, sport, dport};
            tcp.segment(k, seq, flags, p.payload.subspan(hlen), [&](bytes_view m) {
                d.msg = m;
                on(d);
            });
        }
    }
}

}  // namespace pqike_cli
