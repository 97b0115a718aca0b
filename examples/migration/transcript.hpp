// SPDX-License-Identifier: MIT
// The demo's record of what went over the wire: a readable line per datagram (exchange, direction,
// payloads, sizes; the inner payloads when a known key opens them), every datagram in a pcap, and
// one Wireshark ikev2_decryption_table line per key stage. Also counts mismatches.
#pragma once

#include <pqike/adapters/openssl.hpp>
#include <pqike/pqike.hpp>
#include <pqike/tools/pcap.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace demo {

using namespace pqike;

// One party of the demo: a name and a UDP endpoint.
struct peer {
    const char* name;
    pcap::ipv4_addr addr;
};

class transcript {
public:
    using clock = std::chrono::steady_clock;

    transcript() : t0_(clock::now()), pcap_(pcap::global_header_size) {
        writer w{pcap_};
        pcap::write_file_header(w, pcap::linktype::ethernet);
    }

    void section(const char* title) { std::printf("\n== %s\n", title); }
    void note(const std::string& s) { std::printf("   %s\n", s.c_str()); }

    bool expect(bool ok, const char* what) {
        if (!ok) {
            std::printf("   MISMATCH: %s\n", what);
            ++mismatches_;
        }
        return ok;
    }
    int mismatches() const { return mismatches_; }

    // Record and print one datagram from `from` to `to`.
    void datagram(const peer& from, const peer& to, bytes_view d) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0_).count();
        const auto t = static_cast<std::uint64_t>(us);
        std::array<std::byte, 70000> rec{};
        writer w{rec};
        const pcap::udp_endpoint_pair ep{from.addr, to.addr, 500, 500};
        if (pcap::write_udp_record(w, pcap::linktype::ethernet, static_cast<std::uint32_t>(t / 1000000),
                                   static_cast<std::uint32_t>(t % 1000000), ep, d))
            pcap_.insert(pcap_.end(), rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(w.size()));
        ++datagrams_;
        std::printf("   %-9s -> %-9s %s\n", from.name, to.name, describe(d).c_str());
    }

    // A key stage now in force: its Wireshark line is kept (and used to open later datagrams).
    template <class P>
    void keys_in_force(const keys::ike_sa_keys<P>& k, const char* what) {
        std::array<char, keys::wireshark_line_max> line{};
        auto n = keys::wireshark_ikev2_line(k, wire::encr_id::aes_gcm_16, 256, wire::integ_id::none, line);
        if (!expect(n.has_value(), "Wireshark line")) return;
        const std::string l{line.data(), *n};
        for (const auto& r : rows_)
            if (r.line == l) return;
        rows_.push_back(row{l, load_be64(k.spi_i().view().data()), load_be64(k.spi_r().view().data()),
                            std::vector<std::byte>(k.sk_ei().begin(), k.sk_ei().end()),
                            std::vector<std::byte>(k.sk_er().begin(), k.sk_er().end())});
        std::printf("   keys in force: %s — SPIs %s/%s, stage %u%s, SK_d %s...\n", what, hex::encode(k.spi_i()).c_str(),
                    hex::encode(k.spi_r()).c_str(), k.stage(), k.ppk_mixed() ? ", PPK mixed" : "",
                    hex::encode(k.sk_d().first(4)).c_str());
    }

    std::size_t datagram_count() const { return datagrams_; }
    bytes_view pcap_bytes() const { return {pcap_.data(), pcap_.size()}; }

    bool write(const char* pcap_path, const char* table_path) const {
        std::ofstream p(pcap_path, std::ios::binary);
        p.write(reinterpret_cast<const char*>(pcap_.data()), static_cast<std::streamsize>(pcap_.size()));
        std::ofstream t(table_path);
        for (const auto& r : rows_) t << r.line << "\n";
        return p.good() && t.good();
    }
    void print_table() const {
        for (const auto& r : rows_) std::printf("   %s\n", r.line.c_str());
    }

private:
    struct row {
        std::string line;
        std::uint64_t spi_i, spi_r;
        std::vector<std::byte> sk_ei, sk_er;
    };

    std::string describe(bytes_view d) const {
        wire::message<16> m;
        if (auto st = m.decode(d); !st) return std::string("undecodable: ") + st.error().name();
        const auto& h = m.view.header;
        std::string s = std::string(wire::name(h.exchange)) + (h.response() ? " response" : " request") +
                        std::string(" MID ") + std::to_string(h.message_id) + std::string(", ") + std::to_string(d.size()) + " B:";
        for (const auto& p : m.view.payloads) {
            s += std::string(" ") + wire::name(p.type);
            if (p.type == wire::payload_type::ke)
                if (auto ke = wire::ke_view::decode(p)) s += std::string("(") + wire::name(ke->method) + ")";
            if (p.type == wire::payload_type::skf && p.body.size() >= 4)
                s += std::string("(") + std::to_string(load_be16(p.body.data())) + std::string("/") + std::to_string(load_be16(p.body.data() + 2)) + ")";
        }
        if (m.view.payloads.empty() || m.view.payloads.back().type != wire::payload_type::sk) return s;
        // Open SK with the newest key stage of this SA that authenticates it.
        for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
            if (it->spi_i != h.spi_i || it->spi_r != h.spi_r) continue;
            const auto& e = h.initiator() ? it->sk_ei : it->sk_er;
            std::vector<std::byte> out(d.size());
            auto o = wire::open<adapters::openssl_aes256_gcm16>(wire::sk_keys{e, {}}, d, out);
            if (!o) continue;
            s += " {";
            auto c = o->inner_chain();
            bool first = true;
            while (!c.done()) {
                auto p = c.next();
                if (!p) break;
                s += first ? "" : " ";
                s += wire::name(p->type);
                if (p->type == wire::payload_type::ke)
                    if (auto ke = wire::ke_view::decode(*p)) s += std::string("(") + wire::name(ke->method) + ")";
                if (p->type == wire::payload_type::notify)
                    if (auto nv = wire::notify_view::decode(*p)) {
                        const char* nn = wire::name(nv->kind);
                        s += "(";
                        s += wire::is_unknown_name(nn) ? std::to_string(static_cast<unsigned>(nv->kind)) : std::string(nn);
                        s += ")";
                    }
                first = false;
            }
            s += "}";
            break;
        }
        return s;
    }

    clock::time_point t0_;
    std::vector<std::byte> pcap_;
    std::vector<row> rows_;
    std::size_t datagrams_ = 0;
    int mismatches_ = 0;
};

// Milliseconds since `t`, for the per-step timings.
inline double ms_since(transcript::clock::time_point t) {
    return std::chrono::duration<double, std::milli>(transcript::clock::now() - t).count();
}

}  // namespace demo
