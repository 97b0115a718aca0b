// SPDX-License-Identifier: MIT
// Fuzz IP fragment reassembly (tools/ip_reassembly.hpp), the part of `pqike decode --pcap` that
// hostile captures reach first.
//   byte 0 bit 0 = 0: the rest is a list of packets, each [u8 time step][u16 length][bytes], fed to
//                     one reassembler with small limits; nothing may crash, the limits must hold
//                     after every packet, and a completed packet must fit 65535 octets.
//   byte 0 bit 0 = 1: bit 1 picks IPv6; byte 1 the fragment size, byte 2 the order, byte 3 a
//                     fragment to duplicate and bit 2 of byte 0 an overlapping forgery sent first;
//                     the rest is the payload. It is fragmented and fed in that order: without the forgery it
//                     must come back complete and equal to the input, with it never.
#include <pqike/tools/ip_reassembly.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace pqike;

namespace {

constexpr ip::limits small{4, 8, 8192, 100};

void check_bounds(const ip::reassembler& r) {
    if (r.pending() > small.max_datagrams || r.buffered() > small.max_bytes) std::abort();
}

void raw_packets(bytes_view in) {
    ip::reassembler r{small};
    reader rd{in};
    std::uint64_t now = 0;
    while (!rd.empty()) {
        now += rd.u8();
        const std::uint16_t len = rd.u16();
        const bytes_view pkt = rd.bytes(std::min<std::size_t>(len, rd.remaining()));
        if (rd.failed()) break;
        auto f = r.feed(now, pkt);
        check_bounds(r);
        if (f && f->what == ip::outcome::complete) {
            if (f->pkt.payload.size() > ip::max_datagram) std::abort();
            if (f->pkt.fragments > small.max_fragments) std::abort();
        }
    }
}

void put16(std::vector<std::byte>& v, std::size_t at, std::size_t x) {
    v[at] = std::byte(static_cast<std::uint8_t>(x >> 8));
    v[at + 1] = std::byte(static_cast<std::uint8_t>(x));
}

// One fragment of `payload` (the fragmentable part) at `off`.
std::vector<std::byte> fragment(bool v6, bytes_view payload, std::size_t off, std::size_t n, bool more) {
    std::vector<std::byte> p(v6 ? 48 : 20);
    if (v6) {
        p[0] = std::byte{0x60};
        put16(p, 4, 8 + n);
        p[6] = std::byte{ip::proto_fragment};
        p[23] = std::byte{1};
        p[39] = std::byte{2};
        p[40] = std::byte{ip::proto_udp};
        put16(p, 42, off | (more ? 1u : 0u));
        p[47] = std::byte{7};  // identification
    } else {
        p[0] = std::byte{0x45};
        put16(p, 2, 20 + n);
        put16(p, 4, 7);  // identification
        put16(p, 6, off / 8 | (more ? 0x2000u : 0u));
        p[9] = std::byte{ip::proto_udp};
        p[15] = std::byte{1};
        p[19] = std::byte{2};
    }
    p.insert(p.end(), payload.begin() + static_cast<std::ptrdiff_t>(off),
             payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    return p;
}

void split_and_feed(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return;
    const bool v6 = (data[0] & 2) != 0, forge = (data[0] & 4) != 0;
    const bytes_view payload = as_bytes_view(data + 4, std::min<std::size_t>(size - 4, 6000));
    if (payload.empty()) return;
    const std::size_t step = (std::size_t{data[1]} % 64 + 1) * 8;
    std::vector<std::vector<std::byte>> frags;
    for (std::size_t off = 0; off < payload.size(); off += step) {
        const std::size_t n = std::min(step, payload.size() - off);
        frags.push_back(fragment(v6, payload, off, n, off + n < payload.size()));
    }
    if (frags.size() < 2 || frags.size() > ip::limits{}.max_fragments) return;
    std::rotate(frags.begin(), frags.begin() + static_cast<std::ptrdiff_t>(data[2] % frags.size()), frags.end());
    frags.insert(frags.begin() + static_cast<std::ptrdiff_t>(data[3] % frags.size()), frags[data[3] % frags.size()]);
    if (forge) {  // first: the real fragment at offset 0 with 8 octets more, an overlap, never a duplicate
        // The forgery must not cover fragment 2 entirely (else it completes the datagram before
        // any genuine overlap shows: indistinguishable from a genuine first fragment).
        if (step < 16 || payload.size() <= step + 8) return;
        auto f = fragment(v6, payload, 0, step, true);
        f.resize(f.size() + 8);
        put16(f, v6 ? 4 : 2, f.size() - (v6 ? 40 : 0));
        frags.insert(frags.begin(), std::move(f));
    }
    ip::reassembler r;
    bool done = false;
    for (const auto& f : frags) {
        auto res = r.feed(0, bytes_view{f});
        if (!res) std::abort();  // every header here is well formed
        if (res->what != ip::outcome::complete) continue;
        if (done || forge) std::abort();
        done = true;
        const auto& p = res->pkt;
        if (p.protocol != ip::proto_udp || !std::equal(p.payload.begin(), p.payload.end(), payload.begin(), payload.end()))
            std::abort();
    }
    if (!forge && !done) std::abort();
    // A duplicate that comes after completion starts a new datagram (it times out): at most one.
    if (r.pending() > 1) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    if ((data[0] & 1) == 0) raw_packets(as_bytes_view(data + 1, size - 1));
    else split_and_feed(data, size);
    return 0;
}
