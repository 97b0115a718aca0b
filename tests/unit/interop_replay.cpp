// SPDX-License-Identifier: MIT
// Interop replay of three real strongSwan 6.0.6 sessions (X25519 + ML-KEM-768 via
// IKE_INTERMEDIATE / IKE_FOLLOWUP_KE; AES-GCM-256 and AES-CBC-256 + HMAC-SHA2-256-128; NAT-T;
// an RFC 8784 PPK):
// every datagram of the captures goes through pqike's pcap reader, codec, SK/SKF open,
// reassembly, key schedule, IntAuth, PPK mixing, PSK AUTH and Child SA / rekey derivations, with keys pqike
// derives itself from the logged shared secrets and what it decoded from the packets. The
// results are compared with strongSwan's own log values and with the 976 facts of
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

// The scenario's configured RFC 8784 PPK (s6), empty when it has none.
byte_vec scenario_ppk(const std::string& name) {
    const auto& sc = exchanges().at("scenarios").at(name).at("scenario");
    if (!sc.contains("ppk")) return {};
    return hex::decode(sc.at("ppk").at("secret_hex").get<std::string>()).value();
}

// A replay of a scenario's capture whose shared secrets come from the logged values; the PPK is
// the scenario's unless one is given.
template <class P, class C>
std::unique_ptr<session_replay<P, C>> make_replay(const std::string& name, std::optional<byte_vec> ppk = std::nullopt) {
    const auto& sc = exchanges().at("scenarios").at(name);
    auto secrets = std::make_shared<std::map<std::string, std::string>>(secrets_by_ke(sc));
    return std::make_unique<session_replay<P, C>>(
        [secrets](bytes_view ke) -> byte_vec {
            auto it = secrets->find(hx(ke));
            return it == secrets->end() ? byte_vec{} : hex::decode(it->second).value();
        },
        sc.at("scenario").at("psk").get<std::string>(), ppk ? *ppk : scenario_ppk(name));
}

// The same, run over the first `frames` records of the capture.
template <class P, class C>
std::unique_ptr<session_replay<P, C>> replay_scenario(const std::string& name,
                                                      std::size_t frames = static_cast<std::size_t>(-1),
                                                      std::optional<byte_vec> ppk = std::nullopt) {
    auto r = make_replay<P, C>(name, std::move(ppk));
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

// ---- s6: RFC 8784 PPK on top of X25519 + ML-KEM-768 ----------------------------------------------

namespace {
using s6_prf = crypto::hmac_sha384;
using s6_cipher = adapters::openssl_aes256_gcm16;
const std::string s6 = "s6_ppk_rfc8784";

// strongSwan's logged hex dumps with this label on one side, in log order.
std::vector<std::string> logged_values(const std::string& scenario, const std::string& side, const std::string& label) {
    std::vector<std::string> v;
    for (const auto& d : logged().at("scenarios").at(scenario).at(side).at("dumps"))
        if (d.at("label") == label) v.push_back(d.at("hex").get<std::string>());
    return v;
}
bool logged_contains(const std::string& side, const std::string& label, const std::string& hex) {
    const auto v = logged_values(s6, side, label);
    return std::find(v.begin(), v.end(), hex) != v.end();
}
}  // namespace

TEST_CASE("interop replay s6: RFC 8784 PPK (USE_PPK, PPK_IDENTITY, NO_PPK_AUTH) over X25519 + ML-KEM-768") {
    check_scenario<s6_prf, s6_cipher>(s6);
    // Without the PPK-aware handlers some s6 facts would be unsupported: every one is known.
    auto rp = replay_scenario<s6_prf, s6_cipher>(s6);
    const auto t = run_checks<s6_prf, s6_cipher>(rp->result(), exchanges().at("scenarios").at(s6),
                                                logged().at("scenarios").at(s6));
    CHECK(t.unsupported.empty());
    CHECK(t.total == 329);
    CHECK(t.kinds.at("model_NO_PPK_AUTH_equals_notify_data_in_packet").reproduced == 1);
    CHECK(t.kinds.at("negative_control_child_KEYMAT_with_non_PPK_SK_d_differs").reproduced == 2);
}

TEST_CASE("interop replay s6: PPK_IDENTITY, USE_PPK and the logged SK_d', SK_pi', SK_pr'") {
    auto rp = replay_scenario<s6_prf, s6_cipher>(s6);
    auto& r = rp->result();
    CHECK(r.errors.empty());
    REQUIRE(r.sas.size() == 2);
    const auto& p = r.sas[0].ppk;
    CHECK(p.use_ppk_i);
    CHECK(p.use_ppk_r);
    REQUIRE(p.identity_request.has_value());
    CHECK(p.id_type == 2);  // PPK_ID_FIXED (RFC 8784 §3)
    CHECK(p.id == "ppk-oracle@pq.test");
    CHECK(test::tohex(*p.identity_request) == "02" + test::tohex(test::view(std::string("ppk-oracle@pq.test"))));
    REQUIRE(p.identity_response.has_value());
    CHECK(p.identity_response->empty());
    CHECK(p.used);
    // pqike's SK_d', SK_pi', SK_pr' are the values both daemons logged after "derive keys using PPK",
    // and differ from the unmixed ones (also logged, as the last key stage).
    for (const char* side : {"initiator", "responder"}) {
        CAPTURE(side);
        CHECK(logged_values(s6, side, "derive keys using PPK") ==
              std::vector<std::string>{exchanges().at("scenarios").at(s6).at("scenario").at("ppk").at("secret_hex")});
        CHECK(logged_contains(side, "Sk_d secret", p.sk_d));
        CHECK(logged_contains(side, "Sk_pi secret", p.sk_pi));
        CHECK(logged_contains(side, "Sk_pr secret", p.sk_pr));
        CHECK(logged_contains(side, "Sk_d secret", p.sk_d_before));
        CHECK(logged_contains(side, "Sk_pi secret", p.sk_pi_before));
        CHECK(logged_contains(side, "Sk_pr secret", p.sk_pr_before));
    }
    CHECK(p.sk_d != p.sk_d_before);
    CHECK(p.sk_pi != p.sk_pi_before);
    CHECK(p.sk_pr != p.sk_pr_before);
    CHECK(p.sk_d_before == r.sas[0].stages.back().sk_d);  // the stage before mixing
    // No PPK for s1 (no USE_PPK, no PPK_IDENTITY, nothing mixed).
    auto r1 = replay_scenario<s6_prf, s6_cipher>("s1_mlkem768_gcm");
    CHECK_FALSE(r1->result().sas[0].ppk.use_ppk_i);
    CHECK_FALSE(r1->result().sas[0].ppk.use_ppk_r);
    CHECK_FALSE(r1->result().sas[0].ppk.identity_request.has_value());
    CHECK_FALSE(r1->result().sas[0].ppk.used);
}

TEST_CASE("interop replay s6: AUTH verifies only with SK_pi'/SK_pr', NO_PPK_AUTH only with the unmixed SK_pi") {
    auto rp = replay_scenario<s6_prf, s6_cipher>(s6);
    auto& r = rp->result();
    REQUIRE(r.sas.size() == 2);
    const auto& p = r.sas[0].ppk;
    REQUIRE(r.sas[0].auth.size() == 2);
    for (const auto& a : r.sas[0].auth) {
        CAPTURE(a.initiator);
        CHECK(a.ppk);
        CHECK(a.sk_p == (a.initiator ? p.sk_pi : p.sk_pr));
        CHECK(a.verified);
        CHECK(a.computed == a.in_packet);
        CHECK(a.other_sk_p == (a.initiator ? p.sk_pi_before : p.sk_pr_before));
        CHECK_FALSE(a.other_verified);
        CHECK(a.other_computed != a.in_packet);
    }
    REQUIRE(p.no_ppk_auth.has_value());
    const auto& n = *p.no_ppk_auth;
    CHECK_FALSE(n.ppk);
    CHECK(n.sk_p == p.sk_pi_before);
    CHECK(n.verified);
    CHECK(n.computed == n.in_packet);
    CHECK(n.other_sk_p == p.sk_pi);
    CHECK_FALSE(n.other_verified);
    CHECK(n.in_packet != r.sas[0].auth[0].in_packet);

    // The live state: the SA continued with the mixed stage, both candidates kept.
    auto& st = *rp->states()[0];
    REQUIRE(st.ppk.has_value());
    CHECK(st.stages.back().ppk_mixed());
    CHECK(hx(st.stages.back().sk_d()) == p.sk_d);
    CHECK(hx(st.ppk->unmixed.sk_pi()) == p.sk_pi_before);
    CHECK(hx(st.ppk->mixed.sk_pi()) == p.sk_pi);
}

TEST_CASE("interop replay s6: one flipped PPK byte and no AUTH verifies, no Child SA key matches the log") {
    auto ppk = scenario_ppk(s6);
    REQUIRE(ppk.size() == 32);
    ppk[17] ^= std::byte{0x01};
    auto rp = replay_scenario<s6_prf, s6_cipher>(s6, static_cast<std::size_t>(-1), ppk);
    auto& r = rp->result();
    REQUIRE(r.sas.size() == 2);
    REQUIRE(r.sas[0].auth.size() == 2);
    for (const auto& a : r.sas[0].auth) {
        CHECK(a.ppk);
        CHECK_FALSE(a.verified);
        CHECK(a.computed != a.in_packet);
    }
    // NO_PPK_AUTH does not depend on the PPK.
    REQUIRE(r.sas[0].ppk.no_ppk_auth.has_value());
    CHECK(r.sas[0].ppk.no_ppk_auth->verified);
    CHECK_FALSE(logged_contains("initiator", "Sk_d secret", r.sas[0].ppk.sk_d));
    // The rekeyed IKE SA's keys come from the wrong SK_d': nothing on it opens, so its Child SA
    // (the third) is never seen.
    CHECK_FALSE(r.errors.empty());
    REQUIRE(r.children.size() == 2);
    for (const auto& ch : r.children) {
        CHECK_FALSE(logged_contains("initiator", "encryption initiator key", ch.encr_i));
        CHECK_FALSE(logged_contains("responder", "encryption responder key", ch.encr_r));
    }
    CHECK_FALSE(logged_contains("initiator", "SKEYSEED", r.sas[1].stages[0].skeyseed));
    const auto t = run_checks<s6_prf, s6_cipher>(r, exchanges().at("scenarios").at(s6), logged().at("scenarios").at(s6));
    CHECK(t.reproduced < t.total);
    for (const char* k : {"model_PSK_AUTH_equals_AUTH_payload_in_packet", "model_PPK_SK_d'_equals_logged",
                          "model_child_encr_i_equals_logged", "esp_packet_decrypts_to_icmp_with_model_child_keys",
                          "logged_ppk_derivation_found"}) {
        CAPTURE(k);
        CHECK(t.kinds.at(k).reproduced == 0);
    }
    CHECK(t.kinds.at("model_NO_PPK_AUTH_equals_notify_data_in_packet").reproduced == 1);
    // Without any PPK the replay keeps the unmixed keys: the AUTH payloads do not verify either.
    auto none = replay_scenario<s6_prf, s6_cipher>(s6, static_cast<std::size_t>(-1), byte_vec{});
    REQUIRE(none->result().sas[0].auth.size() == 2);
    for (const auto& a : none->result().sas[0].auth) CHECK_FALSE(a.verified);
    CHECK_FALSE(none->result().sas[0].ppk.used);
}

TEST_CASE("interop replay s6: every Child SA and the IKE SA rekey use SK_d'; ESP keys match the log") {
    auto rp = replay_scenario<s6_prf, s6_cipher>(s6);
    auto& r = rp->result();
    REQUIRE(r.sas.size() == 2);
    const auto& p = r.sas[0].ppk;
    REQUIRE(r.children.size() == 3);
    for (const auto& ch : r.children) {
        CAPTURE(ch.mid);
        // Children of the first IKE SA come from SK_d'; the one on the rekeyed SA from its own SK_d.
        if (ch.ike_sa == 0) CHECK(ch.sk_d == p.sk_d);
        else CHECK(ch.sk_d == r.sas[1].stages.back().sk_d);
        for (const char* side : {"initiator", "responder"}) {
            CHECK(logged_contains(side, "seed", ch.seed));
            CHECK(logged_contains(side, "encryption initiator key", ch.encr_i));
            CHECK(logged_contains(side, "encryption responder key", ch.encr_r));
        }
        CHECK(ch.integ_i.empty());  // AES-GCM: no integrity keys
    }
    CHECK(r.sas[1].rekey_of == 0);
    CHECK(r.sas[1].rekey_sk_d == p.sk_d);
    for (const char* side : {"initiator", "responder"}) CHECK(logged_contains(side, "SKEYSEED", r.sas[1].stages[0].skeyseed));
    // The ESP packets decrypt with them (tshark's esp_sa rows too), via the check dispatcher.
    const auto t = run_checks<s6_prf, s6_cipher>(r, exchanges().at("scenarios").at(s6), logged().at("scenarios").at(s6));
    CHECK(t.kinds.at("esp_packet_decrypts_to_icmp_with_model_child_keys").total == 8);
    CHECK(t.kinds.at("esp_packet_decrypts_to_icmp_with_model_child_keys").reproduced == 8);
    CHECK(t.kinds.at("save_keys_esp_row_matches_model_child_keys").reproduced == 12);
}

TEST_CASE("interop bad input s6: one flipped byte in any SK/SKF payload fails the ICV and changes no state") {
    flipped_bytes<s6_prf, s6_cipher>(s6);
}

#else
TEST_CASE("interop replay: needs the OpenSSL adapters (AES-GCM / AES-CBC SK ciphers)") {
    PQIKE_SKIP("built without OpenSSL 3");
}
#endif
