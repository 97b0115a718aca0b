// SPDX-License-Identifier: MIT
// Interop replay of two real strongSwan 6.0.6 sessions (X25519 + ML-KEM-768 via
// IKE_INTERMEDIATE / IKE_FOLLOWUP_KE; AES-GCM-256 and AES-CBC-256 + HMAC-SHA2-256-128; NAT-T):
// every datagram of the captures goes through pqike's pcap reader, codec, SK/SKF open,
// reassembly, key schedule, IntAuth, PSK AUTH and Child SA / rekey derivations, with keys pqike
// derives itself from the logged shared secrets and what it decoded from the packets. The
// results are compared with strongSwan's own log values and with the 647 facts of
// exchanges.json (tests/interop/checks.hpp). Data: tests/data/README.md, "Interop replay".
#include "common.hpp"
#include "support/skip.hpp"

#include <set>

#include "interop/checks.hpp"
#include "interop/data.hpp"
#include "interop/replay.hpp"

#if defined(PQIKE_HAVE_OPENSSL)
#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>

using namespace pqike;
using namespace pqike::interop;

namespace {

// A replay of a scenario's capture whose shared secrets come from the logged values.
template <class P, class C>
std::unique_ptr<session_replay<P, C>> make_replay(const std::string& name) {
    const auto& sc = exchanges().at("scenarios").at(name);
    auto secrets = std::make_shared<std::map<std::string, std::string>>(secrets_by_ke(sc));
    return std::make_unique<session_replay<P, C>>(
        [secrets](bytes_view ke) -> byte_vec {
            auto it = secrets->find(hx(ke));
            return it == secrets->end() ? byte_vec{} : hex::decode(it->second).value();
        },
        sc.at("scenario").at("psk").get<std::string>());
}

// The same, run over the first `frames` records of the capture.
template <class P, class C>
std::unique_ptr<session_replay<P, C>> replay_scenario(const std::string& name,
                                                      std::size_t frames = static_cast<std::size_t>(-1)) {
    auto r = make_replay<P, C>(name);
    const auto file = read_data_file(pcap_name(name));
    REQUIRE(r->run(file, frames).ok());
    return r;
}

template <class P, class C>
void check_scenario(const std::string& name) {
    auto rp = replay_scenario<P, C>(name);
    auto& r = rp->result();
    for (const auto& e : r.errors) FAIL_CHECK(e);
    CHECK(r.errors.empty());
    const auto& sc = exchanges().at("scenarios").at(name);
    const auto& lg = logged().at("scenarios").at(name);

    // Every IKE datagram decodes, re-encodes, and (if protected) opens; every reassembled inner
    // chain re-encodes byte for byte.
    std::size_t ike = 0, opened = 0;
    for (const auto& f : r.frames) {
        if (!f.ike) continue;
        ++ike;
        CAPTURE(f.frame);
        CHECK(f.decoded);
        CHECK(f.reencoded);
        CHECK(f.header_length == f.udp_ike_size);
        if (f.encrypted) {
            CHECK(f.opened);
            opened += f.opened;
        }
    }
    CHECK(ike == sc.at("ike_messages").size() + [&] {
        std::size_t extra = 0;  // fragments: one ike_message, several frames
        for (const auto& m : sc.at("ike_messages")) extra += m.at("frames").size() - 1;
        return extra;
    }());
    CHECK(opened > 20);
    for (const auto& m : r.messages) CHECK(m.inner_reencoded);

    // Two IKE SAs (IKE_SA_INIT + one IKE_INTERMEDIATE; the rekey) and three Child SAs.
    REQUIRE(r.sas.size() == 2);
    CHECK(r.sas[0].stages.size() == 2);
    CHECK(r.sas[1].stages.size() == 1);
    CHECK(r.sas[1].rekey_of == 0);
    REQUIRE(r.children.size() == 3);
    CHECK(r.children[0].where == "IKE_AUTH");
    CHECK(r.children[1].ike_sa == 0);
    CHECK(r.children[1].exchange_initiator_is_original);
    CHECK(r.children[2].ike_sa == 1);
    CHECK_FALSE(r.children[2].exchange_initiator_is_original);  // responder-started rekey

    // strongSwan's ADDITIONAL_KEY_EXCHANGE link data (RFC 9370 §2.2.4: opaque, responder-chosen)
    // is one octet, 0x42, in every CREATE_CHILD_SA response that asks for a follow-up and is
    // echoed in the IKE_FOLLOWUP_KE request; the follow-up response carries none.
    std::size_t links = 0;
    for (const auto& m : r.messages) {
        const bool needs = m.exchange == 36 ? m.response : m.exchange == 44 && !m.response;
        CHECK(m.addke_link.has_value() == needs);
        if (m.addke_link) {
            CHECK(test::tohex(*m.addke_link) == "42");
            ++links;
        }
    }
    CHECK(links == 3 * 2);  // 3 rekeys: CREATE_CHILD_SA response + IKE_FOLLOWUP_KE request

    // Fragments: strongSwan's fragment_size 1280 counts the IPv4 and UDP headers (and the
    // non-ESP marker): the largest IKE datagram plus 28 (+ 4) octets is at most 1280.
    std::size_t largest = 0;
    bool marker = false;
    for (const auto& f : r.frames)
        if (f.ike && f.udp_ike_size > largest) {
            largest = f.udp_ike_size;
            marker = f.non_esp_marker;
        }
    CHECK(largest + 28 + (marker ? 4 : 0) <= 1280);
    CHECK(largest + 28 + (marker ? 4 : 0) > 1280 - C::block_size - 16);

    // Both sides logged each shared secret pqike used.
    for (const char* side : {"initiator", "responder"}) {
        std::set<std::string> logged_secrets;
        for (const auto& d : lg.at(side).at("dumps"))
            if (d.at("label").get<std::string>().find("key exchange secret") != std::string::npos)
                logged_secrets.insert(d.at("hex").get<std::string>());
        for (const auto& sa : r.sas)
            for (const auto& k : sa.kes) CHECK(logged_secrets.count(k.secret) == 1);
        for (const auto& c : r.children)
            for (const auto& k : c.kes) CHECK(logged_secrets.count(k.secret) == 1);
    }

    // PSK AUTH in both directions equals the AUTH payload of the capture.
    REQUIRE(r.sas[0].auth.size() == 2);
    for (const auto& a : r.sas[0].auth) {
        CHECK(a.computed == a.in_packet);
        CHECK(a.verified);
    }

    // The exchanges.json checks: every one of a supported kind must agree.
    const auto t = run_checks<P, C>(r, sc, lg);
    MESSAGE(name << ": " << t.summary());
    for (const auto& f : t.failures) FAIL_CHECK(f);
    CHECK(t.failures.empty());
    CHECK(t.reproduced == t.total);
}

// One byte of the SK/SKF payload flipped, at every position of every protected message of the
// capture, fed to a replay that has seen the capture up to that message: never opened, the ICV
// fails for every position the ICV covers, the replay's state (keys, IntAuth, reassembly,
// exchanges in flight) is unchanged, and the genuine message then still opens.
template <class P, class C>
void flipped_bytes(const std::string& name) {
    const auto file = read_data_file(pcap_name(name));
    auto msgs = captured_ike_messages(file);
    REQUIRE(msgs);
    std::size_t messages = 0, flips = 0, fragments_in_progress = 0;
    for (const auto& fm : *msgs) {
        const std::size_t frame = fm.first;  // not a structured binding: clang 14 cannot capture those
        const auto& msg = fm.second;
        auto f = wire::parse_protected<C>(test::view(msg));
        if (!f) continue;  // IKE_SA_INIT
        CAPTURE(frame);
        auto rp = replay_scenario<P, C>(name, frame - 1);
        const std::string before = rp->state_digest();
        fragments_in_progress += before.find("frag 1") != std::string::npos;
        const std::size_t body_at = f->sk_offset + wire::generic_header_size + (f->fragment ? wire::skf_fields_size : 0);
        for (std::size_t pos = f->sk_offset; pos < msg.size(); ++pos) {
            auto bad = msg;
            bad[pos] ^= std::byte{static_cast<unsigned char>(1u << (pos % 8))};
            const bool opened = rp->feed(frame, test::view(bad));
            ++flips;
            if (opened || (pos >= body_at && rp->last_error() != errc::integrity_check_failed) ||
                rp->state_digest() != before) {
                CAPTURE(pos);
                CAPTURE(errc_name(rp->last_error()));
                CHECK_FALSE(opened);
                CHECK(rp->state_digest() == before);
                if (pos >= body_at) CHECK(rp->last_error() == errc::integrity_check_failed);
            }
        }
        CHECK(rp->feed(frame, test::view(msg)));
        ++messages;
    }
    MESSAGE(name << ": " << flips << " flipped bytes in " << messages << " protected messages");
    CHECK(messages > 20);
    CHECK(fragments_in_progress >= 3);  // a second fragment was tried with the first one held
}

}  // namespace

TEST_CASE("interop bad input: one flipped byte in any SK/SKF payload fails the ICV and changes no state") {
    flipped_bytes<crypto::hmac_sha384, adapters::openssl_aes256_gcm16>("s1_mlkem768_gcm");
    flipped_bytes<crypto::hmac_sha256, adapters::openssl_aes256_cbc_hmac_sha256_128>("s3_cbc_hmac_natt");
}

TEST_CASE("interop bad input: a truncated capture gives a clear error") {
    const auto file = read_data_file(pcap_name("s1_mlkem768_gcm"));
    // Record boundaries, from the record headers (classic pcap, little-endian here).
    std::vector<std::size_t> bounds{pcap::global_header_size};
    while (bounds.back() < file.size()) {
        const std::size_t at = bounds.back();
        REQUIRE(at + pcap::record_header_size <= file.size());
        const std::size_t incl = std::to_integer<std::size_t>(file[at + 8]) | std::to_integer<std::size_t>(file[at + 9]) << 8 |
                                 std::to_integer<std::size_t>(file[at + 10]) << 16;
        bounds.push_back(at + pcap::record_header_size + incl);
    }
    REQUIRE(bounds.back() == file.size());
    std::vector<std::size_t> cuts;
    for (std::size_t n = 0; n <= pcap::record_header_size + 4; ++n) cuts.push_back(n);
    for (std::size_t i = 1; i < bounds.size() - 1; i += 5)
        for (std::size_t d : {1u, 8u, 15u, 16u, 17u, 100u}) cuts.push_back(bounds[i] + d);
    for (std::size_t n = 0; n < file.size(); n += 397) cuts.push_back(n);
    std::size_t checked = 0;
    for (const std::size_t n : cuts) {
        if (n >= file.size()) continue;
        CAPTURE(n);
        const bool boundary = std::find(bounds.begin(), bounds.end(), n) != bounds.end();
        auto rp = make_replay<crypto::hmac_sha384, adapters::openssl_aes256_gcm16>("s1_mlkem768_gcm");
        const status s = rp->run(bytes_view{file}.first(n));
        if (boundary) {
            CHECK(s.ok());  // a shorter but well-formed capture
            continue;
        }
        REQUIRE_FALSE(s.ok());
        CHECK(s.code() == errc::truncated);
        const std::string field = s.error().field;
        CHECK((field == "pcap.header" || field == "pcap.record" || field == "pcap.frame"));
        CHECK(s.error().offset <= n);
        ++checked;
    }
    CHECK(checked > 50);
}

TEST_CASE("interop replay: one wrong bit in a logged ML-KEM secret and nothing after IKE_INTERMEDIATE opens") {
    const auto& sc = exchanges().at("scenarios").at("s1_mlkem768_gcm");
    auto secrets = secrets_by_ke(sc);
    const std::string ek = sc.at("ike_sas")[0].at("key_exchanges")[1].at("initiator_ke_data").get<std::string>();
    auto& s = secrets.at(ek);
    s[0] = s[0] == '0' ? '1' : '0';
    session_replay<crypto::hmac_sha384, adapters::openssl_aes256_gcm16> rp(
        [&](bytes_view ke) -> byte_vec {
            auto it = secrets.find(hx(ke));
            return it == secrets.end() ? byte_vec{} : hex::decode(it->second).value();
        },
        sc.at("scenario").at("psk").get<std::string>());
    REQUIRE(rp.run(read_data_file(pcap_name("s1_mlkem768_gcm"))).ok());
    auto& r = rp.result();
    CHECK_FALSE(r.errors.empty());
    CHECK(r.sas.size() == 1);       // the IKE_SA_INIT keys are right, stage 1 is not
    CHECK(r.sas[0].auth.empty());   // IKE_AUTH never opened
    const auto t = run_checks<crypto::hmac_sha384, adapters::openssl_aes256_gcm16>(
        r, sc, logged().at("scenarios").at("s1_mlkem768_gcm"));
    CHECK(t.reproduced < t.total);
    CHECK(t.failures.size() > 100);
}

TEST_CASE("interop replay s1: AES-GCM-16-256, PRF-HMAC-SHA2-384, X25519 + ML-KEM-768, SKF IKE_FOLLOWUP_KE") {
    check_scenario<crypto::hmac_sha384, adapters::openssl_aes256_gcm16>("s1_mlkem768_gcm");
}

TEST_CASE("interop replay s3: AES-CBC-256 + HMAC-SHA2-256-128, NAT-T port 4500, SKF IKE_INTERMEDIATE") {
    check_scenario<crypto::hmac_sha256, adapters::openssl_aes256_cbc_hmac_sha256_128>("s3_cbc_hmac_natt");
}

#else
TEST_CASE("interop replay: needs the OpenSSL adapters (AES-GCM / AES-CBC SK ciphers)") {
    PQIKE_SKIP("built without OpenSSL 3");
}
#endif
