// SPDX-License-Identifier: MIT
// Real data: every key-schedule stage of two strongSwan 6.0.6 sessions reproduced from the logged
// shared secrets, nonces and SPIs (tests/data/strongswan_keys.json): SKEYSEED and SK_* of each
// stage, IntAuth, the PSK AUTH of both peers, the Child SA KEYMATs (IKE_AUTH, Child rekey with
// X25519 + ML-KEM-768, Child rekey on the rekeyed IKE SA), the IKE SA rekey with two key
// exchanges, and the Wireshark decryption-table lines.
#include "keys_helpers.hpp"

#include <map>
#include <optional>
#include <set>

#include <pqike/keys/auth.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/int_auth.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/tools/wireshark.hpp>

using namespace pqike;
using namespace pqike::test;

namespace {

std::string hx(const nlohmann::json& j, const char* k) { return j.at(k).get<std::string>(); }
byte_vec bx(const nlohmann::json& j, const char* k) { return unhex(hx(j, k)); }

template <class P>
void check_stage(const keys::ike_sa_keys<P>& k, const nlohmann::json& st) {
    CHECK(tohex(k.sk_d()) == hx(st, "SK_d"));
    CHECK(tohex(k.sk_ai()) == hx(st, "SK_ai"));
    CHECK(tohex(k.sk_ar()) == hx(st, "SK_ar"));
    CHECK(tohex(k.sk_ei()) == hx(st, "SK_ei"));
    CHECK(tohex(k.sk_er()) == hx(st, "SK_er"));
    CHECK(tohex(k.sk_pi()) == hx(st, "SK_pi"));
    CHECK(tohex(k.sk_pr()) == hx(st, "SK_pr"));
}

keys::sa_key_lengths lengths_of(const nlohmann::json& sa) {
    auto l = keys::ike_key_lengths(static_cast<wire::encr_id>(sa.at("encr_id").get<unsigned>()),
                                   sa.at("encr_bits").get<std::uint16_t>(),
                                   static_cast<wire::integ_id>(sa.at("integ_id").get<unsigned>()),
                                   static_cast<wire::prf_id>(sa.at("prf_id").get<unsigned>()));
    REQUIRE(l);
    return *l;
}

template <class P>
std::string wireshark_line(const keys::ike_sa_keys<P>& k, const nlohmann::json& sa) {
    std::array<char, keys::wireshark_line_max> buf{};
    auto n = keys::wireshark_ikev2_line(k, static_cast<wire::encr_id>(sa.at("encr_id").get<unsigned>()),
                                        sa.at("encr_bits").get<std::uint16_t>(),
                                        static_cast<wire::integ_id>(sa.at("integ_id").get<unsigned>()), buf);
    REQUIRE(n);
    return std::string(buf.data(), *n);
}

template <class P>
void run_scenario(const nlohmann::json& sc) {
    const auto& sas = sc.at("ike_sas");
    REQUIRE(sas.size() == 2);
    const auto& sa1 = sas[0];
    const auto& sa2 = sas[1];
    std::set<std::string> lines;

    // ---- IKE_SA_1: stage 0 from IKE_SA_INIT, stage 1 after the ML-KEM-768 IKE_INTERMEDIATE ----
    const auto ni = bx(sa1, "ni"), nr = bx(sa1, "nr"), spi_i = bx(sa1, "spi_i"), spi_r = bx(sa1, "spi_r");
    const auto sk0 = unhex(sa1.at("ke_secrets")[0].get<std::string>());
    const auto sk1 = unhex(sa1.at("ke_secrets")[1].get<std::string>());
    const auto len = lengths_of(sa1);
    const auto& st = sa1.at("stages");
    REQUIRE(st.size() == 2);

    std::array<std::byte, P::output_size> seed{};
    REQUIRE(keys::skeyseed_initial<P>(keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                      keys::ke_secret{view(sk0)}, seed)
                .ok());
    CHECK(tohex(seed) == hx(st[0], "SKEYSEED"));
    auto s0 = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, keys::initiator_spi{view(spi_i)},
        keys::responder_spi{view(spi_r)}, keys::ke_secret{view(sk0)}, len);
    REQUIRE(s0);
    check_stage(*s0, st[0]);
    lines.insert(wireshark_line(*s0, sa1));

    keys::skeyseed_next<P>(s0->sk_d(), keys::ke_secret{view(sk1)}, keys::initiator_nonce{view(ni)},
                           keys::responder_nonce{view(nr)}, seed);
    CHECK(tohex(seed) == hx(st[1], "SKEYSEED"));
    auto s1 = keys::ike_sa_keys<P>{*s0}.after_additional_ke(keys::ke_secret{view(sk1)});  // stage 0 stays for IntAuth
    REQUIRE(s1);
    CHECK(s1->stage() == 1);
    check_stage(*s1, st[1]);
    lines.insert(wireshark_line(*s1, sa1));

    // ---- IntAuth over the one IKE_INTERMEDIATE exchange (protected by stage 0) ----
    keys::int_auth<P> ia, ia_frag;  // P whole, and P as the fragments' inner data (s3 request: 2 SKF)
    for (const auto& step : sa1.at("int_auth").at("steps")) {
        REQUIRE(step.at("stage").get<int>() == 0);
        const auto a = bx(step, "a"), p = bx(step, "p");
        const auto who = step.at("sender") == "initiator" ? keys::int_auth_sender::initiator
                                                          : keys::int_auth_sender::responder;
        ia.add(who, *s0, view(a), view(p));
        std::vector<byte_vec> frags;
        for (const auto& f : step.at("p_fragments")) frags.push_back(unhex(f.get<std::string>()));
        std::vector<bytes_view> fv;
        for (const auto& f : frags) fv.push_back(view(f));
        ia_frag.add(who, *s0, view(a), fv);
        CHECK(tohex(who == keys::int_auth_sender::initiator ? ia.initiator_value() : ia.responder_value()) ==
              hx(step, "int_auth"));
    }
    const auto mid = sa1.at("ike_auth_mid").get<std::uint32_t>();
    auto iav = ia.finish(mid);
    REQUIRE(iav);
    CHECK(tohex(iav->view()) == hx(sa1.at("int_auth"), "value"));
    CHECK(tohex(ia_frag.finish(mid).value().view()) == hx(sa1.at("int_auth"), "value"));

    // ---- PSK AUTH of both peers, with the last stage's SK_p ----
    const std::string psk_text = sc.at("psk").get<std::string>();
    const auto psk = view(psk_text);
    for (const auto& au : sa1.at("auth")) {
        const auto real = bx(au, "real_message"), nonce = bx(au, "peer_nonce"), id = bx(au, "id_body");
        const bool init = au.at("sender") == "initiator";
        const auto oct = init ? keys::initiator_signed_octets(*s1, view(real), view(nonce), view(id), *iav)
                              : keys::responder_signed_octets(*s1, view(real), view(nonce), view(id), *iav);
        CHECK(oct.size() == au.at("octets_len").get<std::size_t>());
        CHECK(oct.parts().size() == 4);
        std::array<std::byte, P::output_size> auth{};
        keys::psk_auth(psk, oct, auth);
        CHECK(tohex(auth) == hx(au, "auth"));
        CHECK(keys::verify_psk_auth(psk, oct, view(bx(au, "auth"))).ok());
        auto wrong = bx(au, "auth");
        wrong.back() ^= std::byte{1};
        CHECK(keys::verify_psk_auth(psk, oct, view(wrong)).code() == errc::authentication_failed);
        // Signed with the stage-0 SK_p the value differs: the stage matters.
        const auto old = init ? keys::initiator_signed_octets(*s0, view(real), view(nonce), view(id), *iav)
                              : keys::responder_signed_octets(*s0, view(real), view(nonce), view(id), *iav);
        CHECK(keys::verify_psk_auth(psk, old, view(bx(au, "auth"))).code() == errc::authentication_failed);
    }

    // ---- IKE_SA_2: rekey of IKE_SA_1 with X25519 (CREATE_CHILD_SA) + ML-KEM-768 (IKE_FOLLOWUP_KE) ----
    REQUIRE(sa2.at("rekey_of") == "IKE_SA_1");
    const auto ni2 = bx(sa2, "ni"), nr2 = bx(sa2, "nr"), spi_i2 = bx(sa2, "spi_i"), spi_r2 = bx(sa2, "spi_r");
    std::vector<byte_vec> rk_secrets;
    for (const auto& s : sa2.at("ke_secrets")) rk_secrets.push_back(unhex(s.get<std::string>()));
    REQUIRE(rk_secrets.size() == 2);
    const bytes_view rk_views[] = {view(rk_secrets[0]), view(rk_secrets[1])};
    REQUIRE(keys::skeyseed_rekey<P>(s1->sk_d(), keys::initiator_nonce{view(ni2)}, keys::responder_nonce{view(nr2)},
                                    rk_views, seed)
                .ok());
    CHECK(tohex(seed) == hx(sa2.at("stages")[0], "SKEYSEED"));
    auto r0 = keys::rekey_ike_sa<P>(*s1, keys::initiator_nonce{view(ni2)}, keys::responder_nonce{view(nr2)},
                                    keys::initiator_spi{view(spi_i2)}, keys::responder_spi{view(spi_r2)}, rk_views,
                                    lengths_of(sa2));
    REQUIRE(r0);
    CHECK(r0->stage() == 0);
    check_stage(*r0, sa2.at("stages")[0]);
    lines.insert(wireshark_line(*r0, sa2));

    // ---- Child SAs ----
    std::map<std::string, const keys::ike_sa_keys<P>*> ike_by_id{{"IKE_SA_1", &*s1}, {"IKE_SA_2", &*r0}};
    const auto& children = sc.at("child_sas");
    REQUIRE(children.size() == 3);
    for (const auto& c : children) {
        CAPTURE(c.at("id").get<std::string>());
        std::vector<byte_vec> secrets;
        for (const auto& s : c.at("ke_secrets")) secrets.push_back(unhex(s.get<std::string>()));
        std::vector<bytes_view> sv;
        for (const auto& s : secrets) sv.push_back(view(s));
        auto cl = keys::child_lengths(static_cast<wire::encr_id>(c.at("encr_id").get<unsigned>()),
                                      c.at("encr_bits").get<std::uint16_t>(),
                                      static_cast<wire::integ_id>(c.at("integ_id").get<unsigned>()));
        REQUIRE(cl);
        const auto cni = bx(c, "ni"), cnr = bx(c, "nr");
        auto ck =
            keys::derive_child_sa_keys(*ike_by_id.at(c.at("ike_sa").get<std::string>()),
                                       keys::initiator_nonce{view(cni)}, keys::responder_nonce{view(cnr)}, sv, *cl);
        REQUIRE(ck);
        const auto& km = c.at("keymat");
        CHECK(tohex(ck->encr_i()) == hx(km, "encr_i"));
        CHECK(tohex(ck->integ_i()) == hx(km, "integ_i"));
        CHECK(tohex(ck->encr_r()) == hx(km, "encr_r"));
        CHECK(tohex(ck->integ_r()) == hx(km, "integ_r"));
    }

    // ---- Wireshark: our lines are exactly the tshark 4.0 tables' lines ----
    std::set<std::string> expect;
    for (const auto& l : sc.at("wireshark_lines")) expect.insert(l.get<std::string>());
    CHECK(lines == expect);
}

}  // namespace

TEST_CASE("strongSwan s1: PRF-HMAC-SHA2-384, AES-GCM-256, X25519 + ML-KEM-768") {
    const auto doc = test::load_json("strongswan_keys.json");
    const auto& sc = doc.at("scenarios").at("s1_mlkem768_gcm");
    REQUIRE(sc.at("ike_sas")[0].at("prf_id") == 6);
    run_scenario<crypto::hmac_sha384>(sc);
}

TEST_CASE("strongSwan s3: PRF-HMAC-SHA2-256, AES-CBC-256 + HMAC-SHA2-256-128, X25519 + ML-KEM-768") {
    const auto doc = test::load_json("strongswan_keys.json");
    const auto& sc = doc.at("scenarios").at("s3_cbc_hmac_natt");
    REQUIRE(sc.at("ike_sas")[0].at("prf_id") == 5);
    run_scenario<crypto::hmac_sha256>(sc);
}
