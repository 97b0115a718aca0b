// Interop replay of two real strongSwan 6.0.6 sessions (X25519 + ML-KEM-768 via
// IKE_INTERMEDIATE / IKE_FOLLOWUP_KE; AES-GCM-256 and AES-CBC-256 + HMAC-SHA2-256-128; NAT-T):
// every datagram of the captures goes through pqike's pcap reader, codec, SK/SKF open,
// reassembly, key schedule, IntAuth, PSK AUTH and Child SA / rekey derivations, with keys pqike
// derives itself from the logged shared secrets and what it decoded from the packets. The
// results are compared with strongSwan's own log values and with the 647 facts of
// exchanges.json (tests/interop/checks.hpp). Data: tests/data/README.md, "Interop replay".
#include "common.hpp"

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

template <class P, class C>
std::unique_ptr<session_replay<P, C>> replay_scenario(const std::string& name) {
    const auto& sc = exchanges().at("scenarios").at(name);
    auto secrets = std::make_shared<std::map<std::string, std::string>>(secrets_by_ke(sc));
    auto r = std::make_unique<session_replay<P, C>>(
        [secrets](bytes_view ke) -> byte_vec {
            auto it = secrets->find(hx(ke));
            return it == secrets->end() ? byte_vec{} : hex::decode(it->second).value();
        },
        sc.at("scenario").at("psk").get<std::string>());
    const auto file = read_data_file(pcap_name(name));
    REQUIRE(r->run(file).ok());
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

}  // namespace

TEST_CASE("interop replay s1: AES-GCM-16-256, PRF-HMAC-SHA2-384, X25519 + ML-KEM-768, SKF IKE_FOLLOWUP_KE") {
    check_scenario<crypto::hmac_sha384, adapters::openssl_aes256_gcm16>("s1_mlkem768_gcm");
}

TEST_CASE("interop replay s3: AES-CBC-256 + HMAC-SHA2-256-128, NAT-T port 4500, SKF IKE_INTERMEDIATE") {
    check_scenario<crypto::hmac_sha256, adapters::openssl_aes256_cbc_hmac_sha256_128>("s3_cbc_hmac_natt");
}

#else
TEST_CASE("interop replay: needs the OpenSSL adapters (AES-GCM / AES-CBC SK ciphers)") {
    MESSAGE("skipped: built without OpenSSL 3");
}
#endif
