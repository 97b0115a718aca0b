// SPDX-License-Identifier: MIT
// README.md's API tour, compiled and run: every ```cpp block of the tour appears verbatim in this
// file (checked by the last test case), so the README cannot show code that does not build.
#include "common.hpp"

#include <pqike/pqike.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using pqike::test::unhex;
using pqike::test::view;

namespace tour {

// ---- "Bytes in, errors as values" ---------------------------------------------------------------
inline int notifies_sent = 0;
inline void send_notify(std::uint16_t) { ++notifies_sent; }

void bytes_in(pqike::bytes_view datagram) {
pqike::reader r{datagram};               // std::span<const std::byte>
auto spi_i = r.u64();                    // reads fail instead of running past the end
auto body  = r.child_u16();              // a length-prefixed region, bounded on its own
if (auto st = body.close("payload"); !st) // strict close: truncated or trailing bytes
    send_notify(st.error().notify());      // each error knows the IKEv2 notify that fits
(void)spi_i;
}

// ---- "Decode a message" -------------------------------------------------------------------------
pqike::status show(pqike::bytes_view datagram) {
    namespace wire = pqike::wire;
    wire::message<32> m;                            // 32 payload slots on the stack
    if (auto st = m.decode(datagram); !st)
        return st;                                  // st.error(): code, field, byte offset
    for (const wire::raw_payload& p : m.view.payloads)
        std::printf("%s, %zu octets\n", wire::name(p.type), p.length());
    if (const auto* ke = m.view.find(wire::payload_type::ke)) {
        auto v = wire::ke_view::decode(*ke);        // views point into the datagram
        std::printf("%s, %zu octets\n", wire::name(v->method), v->data.size());
    }
    return {};
}

// ---- "Build a KE payload for a compile-time KEM" --------------------------------------------------
pqike::result<std::size_t> ke_request(const pqike::wire::ike_header& header,
                                      pqike::kex::initiator_ke<pqike::crypto::mlkem768>& ke,
                                      std::span<std::byte> buf) {
    namespace wire = pqike::wire;
    using kem = pqike::crypto::mlkem768;
    pqike::crypto::os_random rng;
    auto ek = ke.start(rng);                        // std::span<const std::byte, 1184>
    if (!ek) return ek.error();
    pqike::writer w{buf};
    wire::message_builder b{w, header};             // SPIs, exchange, flags, message ID
    b.begin(wire::payload_type::ke);
    wire::encode_ke(b.out(), static_cast<wire::ke_method>(kem::id), *ek);
    return b.finish();                              // lengths patched; buffer_too_small if short
}

// ---- "Run the key schedule" ---------------------------------------------------------------------
struct exchange_secrets {
    pqike::bytes_view ni, nr, spi_i, spi_r, g_ir, mlkem_ss;
};

pqike::status schedule(const exchange_secrets& x) {
    using prf = pqike::crypto::hmac_sha384;
    namespace keys = pqike::keys;
    const keys::sa_key_lengths len{prf::preferred_key_size, 0, 36};  // AES-256-GCM: key + salt
    auto s0 = keys::ike_sa_keys<prf>::after_ike_sa_init(
        keys::initiator_nonce{x.ni}, keys::responder_nonce{x.nr}, keys::initiator_spi{x.spi_i},
        keys::responder_spi{x.spi_r}, keys::ke_secret{x.g_ir}, len);  // Ni/Nr, SPIi/SPIr named: no swap
    if (!s0) return s0.error();                       // protects IKE_INTERMEDIATE #1
    auto s1 = std::move(*s0).after_additional_ke(keys::ke_secret{x.mlkem_ss});  // RFC 9370: stage 0 -> 1
    if (!s1) return s1.error();                       // protects IKE_AUTH and after
    pqike::wire::sk_keys to_responder{s1->sk_ei(), s1->sk_ai()};
    std::array<char, keys::wireshark_line_max> line;
    auto n = keys::wireshark_ikev2_line(*s1, pqike::wire::encr_id::aes_gcm_16, 256,
                                        pqike::wire::integ_id::none, line);
    if (n) std::printf("%.*s\n", static_cast<int>(*n), line.data());
    (void)to_responder;
    return {};
}

// ---- "Protect an escape message" ----------------------------------------------------------------
struct escape_inputs {
    pqike::bytes_view escape_psk, key_id, spis, nonce;
};

pqike::result<std::uint16_t> escape_round_trip(const escape_inputs& in, std::span<std::byte> buf) {
    namespace esc = pqike::escape;
    using prf = pqike::crypto::hmac_sha256;
    auto key = esc::tag_key<prf>::derive(esc::key_mode::escape_psk,
                                         esc::direction::provider_to_consumer,
                                         in.escape_psk, in.key_id, in.spis);
    if (!key) return key.error();
    const std::uint16_t methods[] = {36, 37};       // ML-KEM-768, ML-KEM-1024
    esc::fields f;
    f.type = esc::msg_type::escape;
    f.sequence = 1;
    f.nonce = in.nonce;
    f.ke_methods = methods;
    f.proc = esc::procedure::ike_sa_rekey;
    auto msg = esc::seal<prf>(*key, f, buf);        // header, TLVs, tag last
    if (!msg) return msg.error();
    auto v = esc::verify<prf>(*key, *msg);          // consumer: key ID, binding, tag (constant time)
    if (!v) return v.error();                         // fields are readable only after this
    return v->method(0);
}

}  // namespace tour

// Frame 1 of tests/data/strongswan_s1_mlkem768_gcm.pcap (a real strongSwan IKE_SA_INIT request).
static const char* const ike_sa_init_hex =
    "9e8305f5ab5fd25200000000000000002120220800000000000000f8220000300000002c010100040300000c01000014"
    "800e01000300000802000006030000080400001f000000080600002428000028001f0000f0448d75895e861faeb0759a"
    "e1967b140bd6e29f0e7fb2923766b7ea2c06266929000024ad813b3eac992a674f38bc4d90040910808c8b54958ce6c7"
    "602c6c5d959ce8e02900001c00004004703d363d0f3f9844bef450a13b9efd20955dffd12900001c000040052c2c5799"
    "475c943faa78b5fe79c7091c2ed87b54290000080000402e290000100000402f00020003000400052900000800004016"
    "0000000800004036";

TEST_CASE("tour: bytes in, errors as values") {
    const auto d = unhex("0102030405060708 0005 aabbcc");  // length prefix 5, only 3 octets follow
    tour::notifies_sent = 0;
    tour::bytes_in(view(d));
    CHECK(tour::notifies_sent == 1);
}

TEST_CASE("tour: decode a message") {
    const auto d = unhex(ike_sa_init_hex);
    CHECK(tour::show(view(d)).ok());
    auto cut = view(d).first(100);
    CHECK(tour::show(cut).code() == pqike::errc::length_too_large);  // Length says 248
}

TEST_CASE("tour: KE payload for a compile-time KEM") {
    pqike::wire::ike_header h;
    h.spi_i = 1;
    h.spi_r = 2;
    h.exchange = pqike::wire::exchange_type::ike_intermediate;
    h.flags = pqike::wire::flag::initiator;
    h.message_id = 1;
    pqike::kex::initiator_ke<pqike::crypto::mlkem768> ke;
    std::array<std::byte, 1400> buf{};
    auto n = tour::ke_request(h, ke, buf);
    REQUIRE(n);
    CHECK(*n == 28 + 4 + 4 + 1184);
    pqike::wire::message<4> m;
    REQUIRE(m.decode({buf.data(), *n}).ok());
    auto kv = pqike::wire::ke_view_for<pqike::crypto::mlkem768>::decode(m.view.payloads[0],
                                                                        pqike::wire::direction::request);
    REQUIRE(kv);
    CHECK(std::equal(kv->ek().begin(), kv->ek().end(), ke.sent_data().begin()));
    std::array<std::byte, 100> small{};
    CHECK(tour::ke_request(h, ke, small).code() == pqike::errc::unexpected_message);  // started once
    pqike::kex::initiator_ke<pqike::crypto::mlkem768> ke2;
    CHECK(tour::ke_request(h, ke2, small).code() == pqike::errc::buffer_too_small);
}

TEST_CASE("tour: key schedule reproduces strongSwan's stage 1 (s1 session)") {
    const auto sa = pqike::test::load_json("strongswan_keys.json")["scenarios"]["s1_mlkem768_gcm"]["ike_sas"][0];
    const auto ni = unhex(sa["ni"].get<std::string>()), nr = unhex(sa["nr"].get<std::string>());
    const auto si = unhex(sa["spi_i"].get<std::string>()), sr = unhex(sa["spi_r"].get<std::string>());
    const auto g = unhex(sa["ke_secrets"][0].get<std::string>()), k = unhex(sa["ke_secrets"][1].get<std::string>());
    CHECK(tour::schedule({view(ni), view(nr), view(si), view(sr), view(g), view(k)}).ok());
    // The same calls give strongSwan's logged SK_ei of stage 1.
    using prf = pqike::crypto::hmac_sha384;
    auto s0 = pqike::keys::ike_sa_keys<prf>::after_ike_sa_init(
        pqike::keys::initiator_nonce{view(ni)}, pqike::keys::responder_nonce{view(nr)},
        pqike::keys::initiator_spi{view(si)}, pqike::keys::responder_spi{view(sr)}, pqike::keys::ke_secret{view(g)},
        {prf::preferred_key_size, 0, 36});
    REQUIRE(s0);
    auto s1 = std::move(*s0).after_additional_ke(pqike::keys::ke_secret{view(k)});
    REQUIRE(s1);
    CHECK(pqike::test::tohex(s1->sk_ei()) == sa["stages"][1]["SK_ei"].get<std::string>());
    const auto short_spi = unhex("0102");
    CHECK(tour::schedule({view(ni), view(nr), view(short_spi), view(sr), view(g), view(k)}).code() ==
          pqike::errc::invalid_length);
}

TEST_CASE("tour: protect an escape message") {
    const auto psk = unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    const std::string kid = "escape-key-1";
    const auto spis = unhex("01020304050607081112131415161718");
    const auto nonce = unhex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    std::array<std::byte, 256> buf{};
    auto m = tour::escape_round_trip({view(psk), view(kid), view(spis), view(nonce)}, buf);
    REQUIRE(m);
    CHECK(*m == 36);
    std::array<std::byte, 20> small{};
    CHECK(tour::escape_round_trip({view(psk), view(kid), view(spis), view(nonce)}, small).code() ==
          pqike::errc::buffer_too_small);
}

TEST_CASE("every cpp block of README.md's API tour is in this file, verbatim") {
    auto slurp = [](const std::string& path) {
        std::ifstream f(path);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    };
    const std::string readme = slurp(std::string(PQIKE_SOURCE_DIR) + "/README.md");
    const std::string self = slurp(std::string(PQIKE_SOURCE_DIR) + "/tests/unit/readme_tour.cpp");
    REQUIRE(!readme.empty());
    REQUIRE(!self.empty());
    std::size_t blocks = 0, at = 0;
    while ((at = readme.find("```cpp\n", at)) != std::string::npos) {
        at += 7;
        const std::size_t end = readme.find("```", at);
        REQUIRE(end != std::string::npos);
        const std::string block = readme.substr(at, end - at);
        // The block's lines, each found in order in this file (indentation of the file may add
        // leading spaces: the README shows function bodies unindented).
        std::size_t pos = 0;
        std::istringstream lines(block);
        std::string line;
        bool all = true;
        while (std::getline(lines, line)) {
            if (line.empty()) continue;
            const std::size_t p = self.find(line, pos);
            if (p == std::string::npos) {
                all = false;
                MESSAGE("README line not in readme_tour.cpp: " << line);
                break;
            }
            pos = p + line.size();
        }
        CHECK(all);
        ++blocks;
        at = end + 3;
    }
    CHECK(blocks >= 5);
}
