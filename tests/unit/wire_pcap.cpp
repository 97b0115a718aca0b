// SPDX-License-Identifier: MIT
// The pcap writer/reader (include/pqike/tools/pcap.hpp) and the wire codec on real strongSwan
// captures: every IKE datagram decodes and re-encodes byte for byte.
#include "common.hpp"

#include <fstream>
#include <iterator>
#include <pqike/tools/pcap.hpp>
#include <pqike/wire/message.hpp>
#include <string>
#include <vector>

#include "wire/samples.hpp"

using namespace pqike;
using namespace pqike::wire;
using pqike::test::tohex;
namespace s = pqike::wire::samples;

namespace {
std::vector<std::byte> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    REQUIRE_MESSAGE(f.good(), "cannot open " << path);
    std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::byte> b(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) b[i] = static_cast<std::byte>(c[i]);
    return b;
}
}  // namespace

TEST_CASE("pcap: written records read back, Ethernet and raw IPv4") {
    const auto a = s::ike_sa_init_request();
    const auto b = s::informational();
    for (auto lt : {pcap::linktype::ethernet, pcap::linktype::raw}) {
        std::vector<std::byte> file(8192);
        writer w{file};
        pcap::write_file_header(w, lt);
        pcap::udp_endpoint_pair ep{{192, 0, 2, 1}, {192, 0, 2, 2}, 500, 4500};
        REQUIRE(pcap::write_udp_record(w, lt, 7, 8, ep, a).ok());
        REQUIRE(pcap::write_udp_record(w, lt, 9, 10, ep, b).ok());
        auto f = pcap::file_reader::open(w.written());
        REQUIRE(f);
        CHECK(f->link() == lt);
        auto r1 = f->next();
        REQUIRE(r1);
        CHECK(r1->ts_sec == 7);
        auto u = pcap::parse_udp(lt, r1->frame);
        REQUIRE(u);
        CHECK(u->endpoints.dport == 4500);
        CHECK(u->endpoints.src == pcap::ipv4_addr{192, 0, 2, 1});
        CHECK(tohex(u->payload) == tohex(a));
        auto r2 = f->next();
        REQUIRE(r2);
        CHECK(tohex(pcap::parse_udp(lt, r2->frame)->payload) == tohex(b));
        CHECK(f->done());
        CHECK(f->next().code() == errc::truncated);
    }
}

TEST_CASE("pcap reader: bounded against hostile files") {
    std::vector<std::byte> file(512);
    writer w{file};
    pcap::write_file_header(w, pcap::linktype::raw);
    const auto ok = s::informational();
    REQUIRE(pcap::write_udp_record(w, pcap::linktype::raw, 1, 0, {}, ok).ok());
    const auto whole = std::vector<std::byte>(w.written().begin(), w.written().end());
    CHECK(pcap::file_reader::open(bytes_view{whole}.first(23)).code() == errc::truncated);
    auto bad_magic = whole;
    bad_magic[0] = std::byte{0};
    CHECK(pcap::file_reader::open(bad_magic).code() == errc::invalid_syntax);
    // every truncation of the record fails cleanly
    for (std::size_t n = pcap::global_header_size; n < whole.size(); ++n) {
        auto f = pcap::file_reader::open(bytes_view{whole}.first(n));
        REQUIRE(f);
        if (n == pcap::global_header_size) {
            CHECK(f->done());
            continue;
        }
        CHECK(!f->next());
    }
    // a huge incl_len is refused before any read
    auto huge = whole;
    huge[pcap::global_header_size + 8 + 3] = std::byte{0x7f};
    auto f = pcap::file_reader::open(huge);
    CHECK(f->next().code() == errc::length_too_large);
    // IP / UDP lengths that exceed the frame
    auto frame = *pcap::file_reader::open(whole)->next();
    std::vector<std::byte> fr(frame.frame.begin(), frame.frame.end());
    fr[3] = std::byte{0xff};  // IPv4 total length
    CHECK(pcap::parse_udp(pcap::linktype::raw, fr).code() == errc::length_too_large);
    std::vector<std::byte> fr2(frame.frame.begin(), frame.frame.end());
    fr2[20 + 5] = std::byte{0xff};  // UDP length
    CHECK(pcap::parse_udp(pcap::linktype::raw, fr2).code() == errc::length_too_large);
    for (std::size_t n = 0; n < 28; ++n)
        CHECK(!pcap::parse_udp(pcap::linktype::raw, bytes_view{frame.frame}.first(n)));
}

TEST_CASE("real strongSwan captures: every IKE datagram decodes and re-encodes identically") {
    struct cap {
        const char* file;
        std::size_t min_ike;
    };
    for (const cap c : {cap{"strongswan_s1_mlkem768_gcm.pcap", 20}, cap{"strongswan_s3_cbc_hmac_natt.pcap", 20}}) {
        CAPTURE(c.file);
        const auto file = read_file(std::string(PQIKE_TEST_DATA_DIR) + "/" + c.file);
        auto f = pcap::file_reader::open(file);
        REQUIRE(f);
        std::size_t ike = 0, esp = 0, fragments = 0, exchanges_seen = 0;
        bool saw[256] = {};
        while (!f->done()) {
            auto rec = f->next();
            REQUIRE(rec);
            auto u = pcap::parse_udp(f->link(), rec->frame);
            if (!u) continue;  // not IPv4/UDP (ESP without NAT-T)
            bytes_view msg = u->payload;
            if (u->endpoints.sport == 4500 || u->endpoints.dport == 4500) {
                auto e = classify_udp4500(msg);
                REQUIRE(e);
                if (e->kind != udp_encap_kind::ike) {
                    ++esp;
                    continue;
                }
                msg = e->data;
            }
            message<16> m;
            auto st = m.decode(msg);
            INFO(st.error().name() << " " << st.error().field << " @" << st.error().offset);
            REQUIRE(st.ok());
            ++ike;
            const auto ex = to_number(m.view.header.exchange);
            if (!saw[ex]) ++exchanges_seen;
            saw[ex] = true;
            fragments += m.view.count(payload_type::skf);
            std::vector<std::byte> out(msg.size());
            writer w{out};
            REQUIRE(encode_message(m.view, w));
            CHECK(tohex(w.written()) == tohex(msg));
            if (m.view.header.exchange == exchange_type::ike_sa_init) {
                auto sa = sa_view::decode(*m.view.find(payload_type::sa));
                REQUIRE(sa);
                auto ke = ke_view::decode(*m.view.find(payload_type::ke));
                CHECK(ke->method == ke_method::curve25519);
                CHECK(ke->data.size() == 32);
                CHECK(m.view.find(payload_type::nonce) != nullptr);
            }
        }
        CHECK(ike >= c.min_ike);
        CHECK(fragments >= 2);
        CHECK(exchanges_seen == 6);  // 34, 35, 36, 37, 43, 44
        CHECK(saw[43]);
        CHECK(saw[44]);
        if (std::string(c.file).find("s3") != std::string::npos) CHECK(esp > 0);
    }
}
