// SPDX-License-Identifier: MIT
// The strongSwan 6 RFC 8784 PPK capture (strongswan_s6_ppk_rfc8784.pcap) replayed through pqike's
// own exchange helpers, not only its key functions (tests/unit/interop_replay.cpp does those):
// an initial_responder / initial_initiator configured like charon's peer is fed the other side's
// recorded datagrams, with the recorded SPIs, nonces and IVs from a scripted Rng and the recorded
// key exchange values from replay KE policies (tests/interop/scripted.hpp). What that proves:
//   - the responder helper accepts the recorded IKE_AUTH request: strongSwan's AUTH (SK_pi',
//     RFC 8784 §3) verifies through the helper; with a PPK of another ID and no requirement it
//     accepts N(NO_PPK_AUTH) (unmixed SK_pi) instead; requiring the PPK or flipping one PPK byte
//     makes it refuse (AUTHENTICATION_FAILED)
//   - the initiator helper accepts the recorded IKE_AUTH response: strongSwan's AUTH with SK_pr'
//     verifies, and the empty N(PPK_IDENTITY) makes it keep SK_d', SK_pi', SK_pr'
//   - pqike lays out IKE_INTERMEDIATE exactly like strongSwan (RFC 9242 §3.1 IntAuth covers the
//     encrypted messages' headers and lengths): with the recorded IVs its messages are the
//     captured ones byte for byte
//   - on the established SA the rekey and INFORMATIONAL helpers run the rest of the capture: the
//     Child SA rekey (CREATE_CHILD_SA + fragmented IKE_FOLLOWUP_KE, RFC 9370 §2.2.4), the IKE SA
//     rekey (RFC 7296 §2.18, SKEYSEED from SK_d') and the responder-started Child SA rekey on the
//     new IKE SA; every KEYMAT and the new IKE SA's keys equal exchanges_s6.json and the log
//   - both sides: each of the capture's 29 IKE datagrams is fed to a helper, and each one the
//     replayed side sent comes out of the helper byte for byte, except IKE_SA_INIT and IKE_AUTH
//     (pqike sends other notifies: no NAT-D, no SIGNATURE_HASH_ALGORITHMS, ...) and the SA
//     payloads of CREATE_CHILD_SA for a Child SA, whose transforms pqike writes by type (ESN
//     before ADDKE1; strongSwan puts ESN last): those are compared payload by payload.
// Every check has a failing twin: a flipped, unknown or missing PPK, or an unmixed SK_d.
#include "common.hpp"
#include "support/skip.hpp"

#if defined(PQIKE_HAVE_OPENSSL)
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>

#include "interop/data.hpp"
#include "interop/replay.hpp"
#include "interop/scripted.hpp"

using namespace pqike;
using namespace pqike::interop;
using test::byte_vec;
using test::tohex;
using test::unhex;

namespace {

using s6_methods = kex::ke_registry<replay_x25519, replay_mlkem768>;
using s6_suite = exchange::suite<s6_methods, crypto::hmac_sha384, adapters::openssl_aes256_gcm16>;
const std::string s6 = "s6_ppk_rfc8784";

const nlohmann::json& scenario() { return exchanges().at("scenarios").at(s6); }
std::string jstr(const nlohmann::json& j) { return j.get<std::string>(); }
byte_vec bytes_of(const std::string& t) {
    const bytes_view v = test::view(t);
    return byte_vec(v.begin(), v.end());
}

// The capture's IKE datagrams by 1-based record number (pqike's pcap reader; NAT-T marker
// stripped).
const std::map<std::size_t, byte_vec>& frames() {
    static const std::map<std::size_t, byte_vec> m = [] {
        std::map<std::size_t, byte_vec> r;
        auto msgs = captured_ike_messages(test::view(read_data_file(pcap_name(s6))));
        REQUIRE(msgs.has_value());
        for (auto& [n, b] : *msgs) r[n] = b;
        return r;
    }();
    return m;
}
bytes_view frame(std::size_t n) {
    REQUIRE(frames().count(n) == 1);
    return test::view(frames().at(n));
}
// The IV of a captured SK (after the generic header) or SKF message (after the fragment fields).
byte_vec iv_of(std::size_t n) {
    const bytes_view f = frame(n);
    const std::size_t at = std::to_integer<std::uint8_t>(f[16]) == 53 ? 36 : 32;
    return byte_vec(f.begin() + static_cast<std::ptrdiff_t>(at), f.begin() + static_cast<std::ptrdiff_t>(at + 8));
}

enum class side { initiator, responder };  // the original initiator / responder of IKE_SA_1

// Every recorded key exchange in capture order; what `who` generated goes in the keygen queues.
ke_script make_ke_script(side who) {
    struct item {
        std::size_t order;
        bool by_initiator;
        const nlohmann::json* ke;
    };
    std::vector<item> items;
    for (const auto& sa : scenario().at("ike_sas")) {
        const bool by_i = !sa.contains("rekey_initiated_by") || sa.at("rekey_initiated_by") == "initiator";
        for (const auto& k : sa.at("key_exchanges"))
            items.push_back({k.at("frames")[0].get<std::size_t>() * 10 + k.at("index").get<std::size_t>(), by_i, &k});
    }
    for (const auto& c : scenario().at("child_sas"))
        for (const auto& k : c.at("key_exchanges"))
            items.push_back({c.at("frames")[0].get<std::size_t>() * 10 + k.at("index").get<std::size_t>(),
                             c.at("exchange_initiator") == "initiator", &k});
    std::sort(items.begin(), items.end(), [](const item& a, const item& b) { return a.order < b.order; });
    ke_script s;
    for (const auto& it : items) {
        const auto& k = *it.ke;
        recorded_ke r{k.at("method_id").get<std::uint16_t>(), unhex(jstr(k.at("initiator_ke_data"))),
                    unhex(jstr(k.at("responder_ke_data"))), unhex(jstr(k.at("shared_secret")))};
        const bool we_start = (who == side::initiator) == it.by_initiator;
        if (r.method == replay_x25519::id) s.own_dh.push_back(we_start ? r.i_data : r.r_data);
        if (r.method == replay_mlkem768::id && we_start) s.own_ek.push_back(r.i_data);
        s.records.push_back(std::move(r));
    }
    return s;
}

// Sets the KE script for the lifetime of a test's helpers.
struct ke_scope {
    ke_script script;
    explicit ke_scope(side who) : script(make_ke_script(who)) { current_ke_script() = &script; }
    ~ke_scope() { current_ke_script() = nullptr; }
    ke_scope(const ke_scope&) = delete;
    ke_scope& operator=(const ke_scope&) = delete;
};

struct out_storage {
    std::array<std::byte, 16384> storage{};
    std::array<bytes_view, 8> slots{};
    exchange::out_buffer buf() { return {storage, slots}; }
};

// A payload body of a captured message, as exchanges_s6.json decoded it.
byte_vec payload_body(std::size_t frame_no, int type) {
    for (const auto& m : scenario().at("ike_messages"))
        if (m.at("frames")[0] == frame_no)
            for (const auto& p : m.at("payloads"))
                if (p.at("type") == type) return unhex(jstr(p.at("body_hex")));
    FAIL("no payload " << type << " in frame " << frame_no);
    return {};
}

const nlohmann::json& ike_sa_json(int i) { return scenario().at("ike_sas").at(static_cast<std::size_t>(i)); }
const nlohmann::json& child_json(int i) { return scenario().at("child_sas").at(static_cast<std::size_t>(i)); }

// The logged hex dumps with this label on one side.
bool logged_has(const char* who, const std::string& label, bytes_view v) {
    for (const auto& d : logged().at("scenarios").at(s6).at(who).at("dumps"))
        if (d.at("label") == label && d.at("hex") == tohex(v)) return true;
    return false;
}

// Charon's configuration for one side (tests/data: scenario.json of s6): IDs, PSK, the IKE
// proposal aes256gcm16-prfsha384-x25519-ke1_mlkem768, ESP aes256gcm16 (+ x25519-ke1_mlkem768 for
// rekeys), the PPK "ppk-oracle@pq.test" (PPK_ID_FIXED).
struct peer_setup {
    byte_vec psk, ppk, ppk_name, id;
    std::vector<exchange::ppk_entry> ppks;
    std::vector<kex::proposal> ike, child, rekey_child;
    byte_vec ts_i, ts_r;
    exchange::initial_config cfg;

    peer_setup(side who, bool ppk_required) {
        const auto& s = scenario().at("scenario");
        psk = bytes_of(jstr(s.at("psk")));
        ppk = unhex(jstr(s.at("ppk").at("secret_hex")));
        const std::string pid = jstr(s.at("ppk").at("ppk_id"));
        ppk_name = bytes_of(pid);
        const std::string me = jstr(s.at(who == side::initiator ? "initiator" : "responder").at("id"));
        id = bytes_of(me);
        ppks.push_back({wire::ppk_id{2, test::view(ppk_name)}, test::view(ppk)});

        kex::proposal p{wire::protocol_id::ike};
        (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
        (void)p.add_prf(wire::prf_id::hmac_sha2_384);
        (void)p.add_ke(wire::ke_method::curve25519);
        (void)p.add_addke(1, wire::ke_method::ml_kem_768);
        ike.push_back(p);
        kex::proposal e{wire::protocol_id::esp};
        (void)e.add_encr(wire::encr_id::aes_gcm_16, 256);
        (void)e.add_esn(wire::esn_id::no);
        child.push_back(e);
        (void)e.add_ke(wire::ke_method::curve25519);
        (void)e.add_addke(1, wire::ke_method::ml_kem_768);
        rekey_child.push_back(e);
        if (who == side::initiator)  // the SPI charon's initiator chose (RFC 7296 §3.3.1)
            (void)child[0].set_spi(test::view(unhex(jstr(child_json(0).at("spi_in_at_exchange_initiator")))));
        ts_i = payload_body(5, 44);
        ts_r = payload_body(5, 45);

        cfg.ike = ike;
        cfg.child = child;
        cfg.ts_i = test::view(ts_i);
        cfg.ts_r = test::view(ts_r);
        cfg.id = {wire::id_type::fqdn, test::view(id)};
        cfg.psk = test::view(psk);
        // The default fragment size counts the IPv4 and UDP headers, as strongSwan's 1280 does.
        REQUIRE(cfg.fragments.ip_udp_overhead == 28);
        cfg.ppk.keys = ppks;
        cfg.ppk.required = ppk_required;
    }
    peer_setup(const peer_setup&) = delete;
    peer_setup& operator=(const peer_setup&) = delete;
};

// ---- responder ----------------------------------------------------------------------------------
struct responder_run {
    std::unique_ptr<peer_setup> setup;
    std::unique_ptr<exchange::initial_responder<s6_suite>> rsp;
    scripted_rng rng;
    out_storage out;
    byte_vec intermediate_response;   // what the helper answered to frame 3
    std::optional<result<exchange::outgoing>> auth_result;
    result<exchange::outgoing>& auth() { return *auth_result; }
};

// Feeds frames 1, 3, 5 to a responder configured like charon's; `tweak` changes the PPK setup.
template <class Tweak>
std::unique_ptr<responder_run> run_responder(Tweak tweak) {
    auto r = std::make_unique<responder_run>();
    r->setup = std::make_unique<peer_setup>(side::responder, true);
    tweak(*r->setup);
    r->setup->cfg.ppk.keys = r->setup->ppks;
    r->rsp = std::make_unique<exchange::initial_responder<s6_suite>>(r->setup->cfg);
    const auto& sa1 = ike_sa_json(0);
    // IKE_SA_INIT: the helper draws SPIr, then Nr (RFC 7296 §2.10).
    r->rng.push(unhex(jstr(sa1.at("spi_r"))));
    r->rng.push(unhex(jstr(sa1.at("Nr"))));
    auto o1 = r->rsp->on_message(frame(1), r->rng, r->out.buf());
    REQUIRE(o1.has_value());
    REQUIRE_FALSE(o1->is_refusal());
    CHECK(r->rng.served == 2);
    // IKE_INTERMEDIATE: the ML-KEM ciphertext, sealed with the recorded IV.
    r->rng.push(iv_of(4));
    auto o3 = r->rsp->on_message(frame(3), r->rng, r->out.buf());
    REQUIRE(o3.has_value());
    REQUIRE(o3->datagrams.size() == 1);
    r->intermediate_response.assign(o3->datagrams[0].begin(), o3->datagrams[0].end());
    // IKE_AUTH: the Child SA's inbound SPI, then the response's IV.
    r->rng.push(unhex(jstr(child_json(0).at("spi_in_at_exchange_responder"))));
    r->auth_result.emplace(r->rsp->on_message(frame(5), r->rng, r->out.buf()));
    return r;
}

// The inner payloads of a message the helper sealed with `keys`: the Notify types (with their data)
// it carries, in order.
std::vector<std::pair<std::uint16_t, std::string>> sent_notifies(bytes_view msg, const wire::sk_keys& keys) {
    std::vector<std::byte> buf(msg.size());
    auto o = wire::open<s6_suite::cipher>(keys, msg, buf);
    REQUIRE(o.has_value());
    exchange::payload_list pl;
    REQUIRE(exchange::decode_payloads(o->frame.first_inner, o->inner, 0, pl).ok());
    std::vector<std::pair<std::uint16_t, std::string>> v;
    for (const auto& p : pl.view()) {
        if (p.type != wire::payload_type::notify) continue;
        auto n = wire::notify_view::decode(p);
        REQUIRE(n.has_value());
        v.emplace_back(wire::to_number(n->kind), tohex(n->data));
    }
    return v;
}
constexpr std::uint16_t n_ppk_identity = 16436, n_no_ppk_auth = 16437;  // RFC 8784 §5

void check_logged_stage(const keys::ike_sa_keys<crypto::hmac_sha384>& k, bool mixed) {
    const auto& p = ike_sa_json(0).at("ppk");
    CHECK(tohex(k.sk_d()) == jstr(p.at(mixed ? "SK_d'" : "SK_d_before")));
    CHECK(tohex(k.sk_pi()) == jstr(p.at(mixed ? "SK_pi'" : "SK_pi_before")));
    CHECK(tohex(k.sk_pr()) == jstr(p.at(mixed ? "SK_pr'" : "SK_pr_before")));
    const auto& st = ike_sa_json(0).at("stages").at(1);  // SK_e unchanged by RFC 8784 mixing
    CHECK(tohex(k.sk_ei()) == jstr(st.at("SK_ei")));
    CHECK(tohex(k.sk_er()) == jstr(st.at("SK_er")));
    for (const char* who : {"initiator", "responder"}) {
        CAPTURE(who);
        CHECK(logged_has(who, "Sk_d secret", k.sk_d()));
        CHECK(logged_has(who, "Sk_pi secret", k.sk_pi()));
        CHECK(logged_has(who, "Sk_pr secret", k.sk_pr()));
    }
}

void check_child(const exchange::child_sa& c, int i) {
    REQUIRE(c.established());
    const auto& km = child_json(i).at("keymat");
    CHECK(tohex(c.keys->encr_i()) == jstr(km.at("encr_i")));
    CHECK(tohex(c.keys->encr_r()) == jstr(km.at("encr_r")));
    CHECK(c.keys->integ_i().empty());
    CHECK(c.keys->integ_r().empty());
    CHECK(logged_has("initiator", "encryption initiator key", c.keys->encr_i()));
    CHECK(logged_has("responder", "encryption responder key", c.keys->encr_r()));
}

}  // namespace

TEST_CASE("interop helpers s6: the capture's frames and key exchanges are what the replay expects") {
    // Frames 1-6 initial exchanges; 13+14, 22+23, 29+30 are SKF fragments of IKE_FOLLOWUP_KE.
    CHECK(frame(3).size() == 1249);  // 28 + SK 4 + IV 8 + KE(ek) 1192 + Pad Length 1 + ICV 16
    CHECK(frame(4).size() == 1153);  // 28 + 4 + 8 + KE(ct) 1096 + 1 + 16
    CHECK(frames().size() == 29);    // 37 records less 8 ESP
    const auto s = make_ke_script(side::responder);
    CHECK(s.records.size() == 8);
    CHECK(s.own_dh.size() == 4);  // its KE in IKE_SA_INIT and three CREATE_CHILD_SA
    CHECK(s.own_ek.size() == 1);  // the responder-started Child SA rekey
    const auto i = make_ke_script(side::initiator);
    CHECK(i.own_dh.size() == 4);
    CHECK(i.own_ek.size() == 3);
}

TEST_CASE("interop helpers s6: initial_responder accepts strongSwan's IKE_AUTH (AUTH with SK_pi') and mixes the PPK") {
    ke_scope ke{side::responder};
    auto r = run_responder([](peer_setup&) {});
    // RFC 9242 §3.1: IntAuth covers the header and SK payload lengths; pqike's IKE_INTERMEDIATE
    // response is strongSwan's byte for byte (same keys, IV, layout, no padding with AES-GCM).
    CHECK(tohex(test::view(r->intermediate_response)) == tohex(frame(4)));
    REQUIRE(r->auth().has_value());
    CHECK_FALSE(r->auth()->is_refusal());
    CHECK(r->auth()->refused.code == errc::ok);
    REQUIRE(r->rsp->established());
    REQUIRE(r->rsp->ppk_used() != nullptr);
    CHECK(r->rsp->ppk_used()->id == wire::ppk_id{2, test::view(std::string("ppk-oracle@pq.test"))});
    CHECK(r->rsp->ppk_negotiated() == exchange::ppk_mechanism::rfc8784);
    CHECK(r->rsp->sa().keys->ppk_mixed());
    check_logged_stage(*r->rsp->sa().keys, true);
    check_child(r->rsp->child(), 0);
    CHECK(tohex(r->rsp->child().spi_i) == jstr(child_json(0).at("spi_in_at_exchange_initiator")));
    CHECK(tohex(r->rsp->child().spi_r) == jstr(child_json(0).at("spi_in_at_exchange_responder")));
    CHECK(ke.script.refused == 0);
    CHECK(ke.script.derives == 1);
    CHECK(ke.script.encaps == 1);
    // RFC 8784 §3: the response tells the initiator its PPK was used with an empty N(PPK_IDENTITY).
    REQUIRE(r->auth()->datagrams.size() == 1);
    const auto ns = sent_notifies(r->auth()->datagrams[0], r->rsp->sa().send_keys());
    CHECK(ns == std::vector<std::pair<std::uint16_t, std::string>>{{n_ppk_identity, ""}});
}

TEST_CASE("interop helpers s6: with another PPK and no requirement the responder accepts NO_PPK_AUTH (unmixed SK_pi)") {
    ke_scope ke{side::responder};
    static const byte_vec other_name{std::byte{'o'}, std::byte{'t'}, std::byte{'h'}, std::byte{'e'}, std::byte{'r'}};
    auto r = run_responder([](peer_setup& s) {
        s.ppks[0].id = wire::ppk_id{2, test::view(other_name)};
        s.cfg.ppk.required = false;
    });
    REQUIRE(r->auth().has_value());
    CHECK_FALSE(r->auth()->is_refusal());
    REQUIRE(r->rsp->established());
    CHECK(r->rsp->ppk_used() == nullptr);
    CHECK_FALSE(r->rsp->sa().keys->ppk_mixed());
    check_logged_stage(*r->rsp->sa().keys, false);
    // The Child SA then comes from the unmixed SK_d: not the keys strongSwan installed.
    REQUIRE(r->rsp->child().established());
    CHECK(tohex(r->rsp->child().keys->encr_i()) != jstr(child_json(0).at("keymat").at("encr_i")));
    // No N(PPK_IDENTITY) in the response: the initiator learns the PPK was not used (RFC 8784 §3).
    REQUIRE(r->auth()->datagrams.size() == 1);
    CHECK(sent_notifies(r->auth()->datagrams[0], r->rsp->sa().send_keys()).empty());
}

TEST_CASE("interop helpers s6: the responder refuses strongSwan's IKE_AUTH when the PPK is required but unknown or wrong") {
    ke_scope ke{side::responder};
    SUBCASE("required, another PPK ID: AUTHENTICATION_FAILED, ppk_required") {
        static const byte_vec other_name{std::byte{'x'}, std::byte{'y'}};
        auto r = run_responder([](peer_setup& s) { s.ppks[0].id = wire::ppk_id{2, test::view(other_name)}; });
        REQUIRE(r->auth().has_value());
        CHECK(r->auth()->is_refusal());
        CHECK(r->auth()->refused.code == errc::ppk_required);
        CHECK(r->rsp->failed());
        CHECK_FALSE(r->rsp->established());
    }
    SUBCASE("the right ID, one PPK byte flipped: AUTH does not verify") {
        auto r = run_responder([](peer_setup& s) {
            s.ppk[17] ^= std::byte{0x01};
            s.ppks[0].key = test::view(s.ppk);
        });
        REQUIRE(r->auth().has_value());
        CHECK(r->auth()->is_refusal());
        CHECK(r->auth()->refused.code == errc::authentication_failed);
        CHECK(r->rsp->failed());
    }
    SUBCASE("one PPK byte flipped and not required: NO_PPK_AUTH does not apply (the ID is known)") {
        auto r = run_responder([](peer_setup& s) {
            s.ppk[0] ^= std::byte{0x80};
            s.ppks[0].key = test::view(s.ppk);
            s.cfg.ppk.required = false;
        });
        REQUIRE(r->auth().has_value());
        CHECK(r->auth()->is_refusal());
        CHECK(r->auth()->refused.code == errc::authentication_failed);
    }
    SUBCASE("no PPK configured: the AUTH payload (SK_pi') does not verify with SK_pi") {
        auto r = run_responder([](peer_setup& s) {
            s.ppks.clear();
            s.cfg.ppk.required = false;
        });
        REQUIRE(r->auth().has_value());
        CHECK(r->auth()->is_refusal());
        CHECK(r->auth()->refused.code == errc::authentication_failed);
    }
}

// ---- initiator ---------------------------------------------------------------------------------
namespace {

struct initiator_run {
    std::unique_ptr<peer_setup> setup;
    std::unique_ptr<exchange::initial_initiator<s6_suite>> ini;
    scripted_rng rng;
    out_storage out;
    byte_vec intermediate_request;  // what the helper sent after frame 2
    byte_vec auth_request;          // and after frame 4
    std::optional<result<exchange::outgoing>> auth_response;
};

// Starts an initiator configured like charon's (ppk_required = no: it sends NO_PPK_AUTH too) and
// feeds it frames 2, 4, 6.
template <class Tweak>
std::unique_ptr<initiator_run> run_initiator(Tweak tweak) {
    auto r = std::make_unique<initiator_run>();
    r->setup = std::make_unique<peer_setup>(side::initiator, false);
    tweak(*r->setup);
    r->setup->cfg.ppk.keys = r->setup->ppks;
    r->ini = std::make_unique<exchange::initial_initiator<s6_suite>>(r->setup->cfg);
    const auto& sa1 = ike_sa_json(0);
    r->rng.push(unhex(jstr(sa1.at("spi_i"))));  // SPIi, then Ni
    r->rng.push(unhex(jstr(sa1.at("Ni"))));
    auto o0 = r->ini->start(r->rng, r->out.buf());
    REQUIRE(o0.has_value());
    CHECK(r->rng.served == 2);
    r->rng.push(iv_of(3));
    auto o2 = r->ini->on_message(frame(2), r->rng, r->out.buf());
    REQUIRE(o2.has_value());
    REQUIRE(o2->datagrams.size() == 1);
    r->intermediate_request.assign(o2->datagrams[0].begin(), o2->datagrams[0].end());
    auto o4 = r->ini->on_message(frame(4), r->rng, r->out.buf());
    REQUIRE(o4.has_value());
    REQUIRE(o4->datagrams.size() == 1);
    r->auth_request.assign(o4->datagrams[0].begin(), o4->datagrams[0].end());
    r->auth_response.emplace(r->ini->on_message(frame(6), r->rng, r->out.buf()));
    return r;
}

}  // namespace

TEST_CASE("interop helpers s6: initial_initiator accepts strongSwan's IKE_AUTH response (AUTH with SK_pr', empty PPK_IDENTITY)") {
    ke_scope ke{side::initiator};
    auto r = run_initiator([](peer_setup&) {});
    // Its IKE_INTERMEDIATE request is frame 3 byte for byte (the IntAuth A|P chunks strongSwan's
    // AUTH covers, RFC 9242 §3.1).
    CHECK(tohex(test::view(r->intermediate_request)) == tohex(frame(3)));
    REQUIRE(r->auth_response->has_value());
    CHECK((*r->auth_response)->empty());
    REQUIRE(r->ini->established());
    REQUIRE(r->ini->ppk_used() != nullptr);
    CHECK(r->ini->ppk_used()->id == wire::ppk_id{2, test::view(std::string("ppk-oracle@pq.test"))});
    check_logged_stage(*r->ini->sa().keys, true);
    check_child(r->ini->child(), 0);
    CHECK(tohex(r->ini->child().spi_r) == jstr(child_json(0).at("spi_in_at_exchange_responder")));
    CHECK(tohex(r->ini->peer_id()) == "02000000" + tohex(test::view(std::string("responder.pq.test"))));
    CHECK(ke.script.refused == 0);
    CHECK(ke.script.derives == 1);
    CHECK(ke.script.decaps == 1);
    // Its IKE_AUTH request carried what charon's did (frame 5): N(PPK_IDENTITY, PPK_ID_FIXED |
    // "ppk-oracle@pq.test") and, ppk_required being off, N(NO_PPK_AUTH) with a 48-octet AUTH.
    const auto ns = sent_notifies(test::view(r->auth_request), r->ini->sa().send_keys());
    REQUIRE(ns.size() == 2);
    CHECK(ns[0] == std::pair<std::uint16_t, std::string>{n_ppk_identity, "02" + tohex(test::view(std::string("ppk-oracle@pq.test")))});
    CHECK(ns[1].first == n_no_ppk_auth);
    CHECK(ns[1].second.size() == 2 * 48);
}

TEST_CASE("interop helpers s6: the initiator refuses strongSwan's IKE_AUTH response without the right PPK") {
    ke_scope ke{side::initiator};
    SUBCASE("one PPK byte flipped: SK_pr' differs, AUTH does not verify") {
        auto r = run_initiator([](peer_setup& s) {
            s.ppk[5] ^= std::byte{0x10};
            s.ppks[0].key = test::view(s.ppk);
        });
        REQUIRE_FALSE(r->auth_response->has_value());
        CHECK(r->auth_response->error().code == errc::authentication_failed);
        CHECK(r->ini->failed());
    }
    SUBCASE("no PPK: the helper keeps SK_pr, strongSwan's AUTH used SK_pr'") {
        auto r = run_initiator([](peer_setup& s) { s.ppks.clear(); });
        REQUIRE_FALSE(r->auth_response->has_value());
        CHECK(r->auth_response->error().code == errc::authentication_failed);
        CHECK_FALSE(r->ini->established());
    }
}

// ---- rekeys and INFORMATIONAL on the established SA (the original responder's side) ------------
namespace {

// The datagrams a helper sent are the captured frames `want`, byte for byte.
void check_sent(const result<exchange::outgoing>& o, std::initializer_list<std::size_t> want) {
    REQUIRE(o.has_value());
    CHECK_FALSE(o->is_refusal());
    REQUIRE(o->datagrams.size() == want.size());
    std::size_t i = 0;
    for (std::size_t f : want) {
        CAPTURE(f);
        CHECK(tohex(o->datagrams[i++]) == tohex(frame(f)));
    }
}

// The transforms of an SA payload body's proposals as a sorted list, each with its "last
// substructure" octet cleared (RFC 7296 §3.3.2); the proposal headers and SPIs as they are.
std::vector<std::string> sa_parts(bytes_view body) {
    std::vector<std::string> parts;
    std::size_t at = 0;
    while (at + 8 <= body.size()) {
        const std::size_t plen = load_be16(body.data() + at + 2);
        const std::size_t spi = std::to_integer<std::size_t>(body[at + 6]);
        REQUIRE(plen >= 8 + spi);
        REQUIRE(at + plen <= body.size());
        parts.push_back("P" + tohex(body.subspan(at, 8 + spi)));
        std::vector<std::string> ts;
        for (std::size_t t = at + 8 + spi; t + 8 <= at + plen;) {
            const std::size_t tlen = load_be16(body.data() + t + 2);
            REQUIRE(tlen >= 8);
            ts.push_back(tohex(body.subspan(t + 1, tlen - 1)));
            t += tlen;
        }
        std::sort(ts.begin(), ts.end());
        parts.insert(parts.end(), ts.begin(), ts.end());
        at += plen;
    }
    return parts;
}

// A sent CREATE_CHILD_SA message equals the captured frame except for the order of the
// transforms inside the SA payload: pqike writes them by Transform Type (ENCR, KE, ESN,
// ADDKE1), strongSwan puts ESN last. Both are opened with the sender's keys and compared
// payload by payload; the header and lengths (all that is not encrypted) are equal.
void check_sent_but_transform_order(const result<exchange::outgoing>& o, std::size_t f, const wire::sk_keys& keys) {
    using C = s6_suite::cipher;
    REQUIRE(o.has_value());
    REQUIRE(o->datagrams.size() == 1);
    const bytes_view ours = o->datagrams[0];
    const bytes_view theirs = frame(f);
    REQUIRE(ours.size() == theirs.size());
    CHECK(tohex(ours.first(40)) == tohex(theirs.first(40)));  // header, SK header, IV
    std::vector<std::byte> a(ours.size()), b(theirs.size());
    auto oa = wire::open<C>(keys, ours, a);
    auto ob = wire::open<C>(keys, theirs, b);
    REQUIRE(oa.has_value());
    REQUIRE(ob.has_value());
    exchange::payload_list la, lb;
    REQUIRE(exchange::decode_payloads(oa->frame.first_inner, oa->inner, 0, la).ok());
    REQUIRE(exchange::decode_payloads(ob->frame.first_inner, ob->inner, 0, lb).ok());
    REQUIRE(la.n == lb.n);
    std::size_t reordered = 0;
    for (std::size_t i = 0; i < la.n; ++i) {
        CAPTURE(i);
        CHECK(la.slots[i].type == lb.slots[i].type);
        if (la.slots[i].type == wire::payload_type::sa) {
            CHECK(sa_parts(la.slots[i].body) == sa_parts(lb.slots[i].body));
            reordered += tohex(la.slots[i].body) != tohex(lb.slots[i].body) ? 1u : 0u;
        } else {
            CHECK(tohex(la.slots[i].body) == tohex(lb.slots[i].body));
        }
    }
    CHECK(reordered == 1);  // the only difference
}

// CHILD_SA_2: charon's initiator rekeys the IKE_AUTH Child SA (frames 11-15: CREATE_CHILD_SA with
// X25519, IKE_FOLLOWUP_KE with ML-KEM-768 in two SKF fragments); the responder draws Nr, its SPI
// and the one-octet link strongSwan used (0x42, RFC 9370 §2.2.4).
struct child2_run {
    exchange::rekey_config cfg;
    std::unique_ptr<exchange::rekey_responder<s6_suite>> rk;
};
std::unique_ptr<child2_run> rekey_child2(exchange::ike_sa<s6_suite>& sa, peer_setup& setup, scripted_rng& rng,
                                         out_storage& out, bool expect_recorded) {
    auto r = std::make_unique<child2_run>();
    r->cfg.proposals = setup.rekey_child;
    r->cfg.link_size = 1;
    r->rk = std::make_unique<exchange::rekey_responder<s6_suite>>(sa, r->cfg);
    rng.push(unhex(jstr(child_json(1).at("Nr"))));
    rng.push(unhex(jstr(child_json(1).at("spi_in_at_exchange_responder"))));
    rng.push(byte_vec{std::byte{0x42}});
    rng.push(iv_of(12));
    auto o12 = r->rk->on_message(frame(11), rng, out.buf());
    if (expect_recorded) check_sent_but_transform_order(o12, 12, sa.send_keys());
    else REQUIRE(o12.has_value());
    rng.push(iv_of(15));
    auto o13 = r->rk->on_message(frame(13), rng, out.buf());
    REQUIRE(o13.has_value());
    CHECK(o13->empty());  // first fragment stored (RFC 7383 §2.6)
    auto o15 = r->rk->on_message(frame(14), rng, out.buf());
    if (expect_recorded) check_sent(o15, {15});
    else REQUIRE(o15.has_value());
    REQUIRE(r->rk->done());
    return r;
}

}  // namespace

TEST_CASE("interop helpers s6: rekey and INFORMATIONAL helpers replay the rest of the capture from SK_d'") {
    ke_scope ke{side::responder};
    auto r = run_responder([](peer_setup&) {});
    REQUIRE(r->rsp->established());
    auto& sa = r->rsp->sa();
    auto& rng = r->rng;
    auto& out = r->out;

    SUBCASE("the whole session") {
        // CHILD_SA_2 (RFC 9370 §2.2.3-2.2.4): KEYMAT from SK_d', SK(0) | Ni | Nr | SK(1).
        auto c2 = rekey_child2(sa, *r->setup, rng, out, true);
        CHECK_FALSE(c2->rk->is_ike_rekey());
        check_child(c2->rk->child(), 1);
        CHECK(tohex(c2->rk->child().spi_i) == jstr(child_json(1).at("spi_in_at_exchange_initiator")));
        CHECK(tohex(c2->rk->child().spi_r) == jstr(child_json(1).at("spi_in_at_exchange_responder")));

        // Frames 16/17: Delete of the old Child SA (RFC 7296 §1.4.1), answered with ours.
        {
            exchange::informational_responder<s6_suite> inf{sa};
            auto got = inf.receive(frame(16));
            REQUIRE(got.has_value());
            REQUIRE(*got);
            const auto* d = inf.payloads().find(wire::payload_type::del);
            REQUIRE(d != nullptr);
            CHECK(tohex(d->body) == "03040001" + jstr(child_json(0).at("spi_in_at_exchange_initiator")));
            const byte_vec ours = unhex("03040001" + jstr(child_json(0).at("spi_in_at_exchange_responder")));
            const exchange::payload_item items[]{{wire::payload_type::del, test::view(ours)}};
            rng.push(iv_of(17));
            check_sent(inf.respond(items, rng, out.buf()), {17});
        }

        // IKE_SA_2 (RFC 7296 §2.18, RFC 9370 §2.2.4): SKEYSEED = prf(SK_d', SK(0) | Ni | Nr | SK(1)).
        exchange::rekey_config ike_cfg;
        ike_cfg.proposals = r->setup->ike;
        ike_cfg.link_size = 1;
        auto rk = std::make_unique<exchange::rekey_responder<s6_suite>>(sa, ike_cfg);
        const auto& sa2j = ike_sa_json(1);
        rng.push(unhex(jstr(sa2j.at("Nr"))));
        rng.push(unhex(jstr(sa2j.at("spi_r"))));
        rng.push(byte_vec{std::byte{0x42}});
        rng.push(iv_of(21));
        check_sent(rk->on_message(frame(20), rng, out.buf()), {21});
        rng.push(iv_of(24));
        auto o22 = rk->on_message(frame(22), rng, out.buf());
        REQUIRE(o22.has_value());
        CHECK(o22->empty());
        check_sent(rk->on_message(frame(23), rng, out.buf()), {24});
        REQUIRE(rk->done());
        REQUIRE(rk->is_ike_rekey());
        auto sa2 = std::make_unique<exchange::ike_sa<s6_suite>>(rk->new_ike_sa());
        REQUIRE(sa2->established());
        CHECK_FALSE(sa2->original_initiator);  // charon's initiator started the rekey
        CHECK(tohex(exchange::spi_bytes(sa2->spi_i)) == jstr(sa2j.at("spi_i")));
        CHECK(tohex(exchange::spi_bytes(sa2->spi_r)) == jstr(sa2j.at("spi_r")));
        const auto& st = sa2j.at("stages").at(0);
        CHECK(tohex(sa2->keys->sk_d()) == jstr(st.at("SK_d")));
        CHECK(tohex(sa2->keys->sk_ei()) == jstr(st.at("SK_ei")));
        CHECK(tohex(sa2->keys->sk_er()) == jstr(st.at("SK_er")));
        CHECK(tohex(sa2->keys->sk_pi()) == jstr(st.at("SK_pi")));
        CHECK(tohex(sa2->keys->sk_pr()) == jstr(st.at("SK_pr")));
        CHECK(st.at("inputs").at("old_SA_SK_d") == jstr(ike_sa_json(0).at("ppk").at("SK_d'")));
        for (const char* who : {"initiator", "responder"}) CHECK(logged_has(who, "Sk_d secret", sa2->keys->sk_d()));

        // Frames 25/26: Delete of the old IKE SA on the old SA, empty response.
        {
            exchange::informational_responder<s6_suite> inf{sa};
            auto got = inf.receive(frame(25));
            REQUIRE(got.has_value());
            REQUIRE(*got);
            const auto* d = inf.payloads().find(wire::payload_type::del);
            REQUIRE(d != nullptr);
            CHECK(tohex(d->body) == "01000000");
            rng.push(iv_of(26));
            check_sent(inf.respond({}, rng, out.buf()), {26});
        }

        // CHILD_SA_3: charon's responder rekeys CHILD_SA_2 on the new IKE SA; here the helper is the
        // exchange initiator (rekey_initiator), its request is frame 27, its IKE_FOLLOWUP_KE frames
        // 29 + 30 (RFC 7383 fragments of strongSwan's size).
        exchange::rekey_config c3;
        std::vector<kex::proposal> c3p = r->setup->rekey_child;
        REQUIRE(c3p[0].set_spi(test::view(unhex(jstr(child_json(2).at("spi_in_at_exchange_initiator"))))));
        const byte_vec ts_i = payload_body(27, 44), ts_r = payload_body(27, 45);
        const byte_vec rekeyed = unhex(jstr(child_json(1).at("spi_in_at_exchange_responder")));
        c3.proposals = c3p;
        c3.ts_i = test::view(ts_i);
        c3.ts_r = test::view(ts_r);
        c3.rekeyed_spi = test::view(rekeyed);
        auto rk3 = std::make_unique<exchange::rekey_initiator<s6_suite>>(*sa2, c3);
        rng.push(unhex(jstr(child_json(2).at("Ni"))));
        rng.push(iv_of(27));
        check_sent_but_transform_order(rk3->start(rng, out.buf()), 27, sa2->send_keys());
        rng.push(iv_of(29));
        rng.push(iv_of(30));
        check_sent(rk3->on_message(frame(28), rng, out.buf()), {29, 30});
        auto o31 = rk3->on_message(frame(31), rng, out.buf());
        REQUIRE(o31.has_value());
        CHECK(o31->empty());
        REQUIRE(rk3->done());
        check_child(rk3->child(), 2);
        CHECK(tohex(rk3->child().spi_r) == jstr(child_json(2).at("spi_in_at_exchange_responder")));

        // Frames 32/33: our Delete of CHILD_SA_2 and charon's answer; 36/37: charon deletes IKE_SA_2.
        {
            exchange::informational_initiator<s6_suite> inf{*sa2};
            const byte_vec del = unhex("03040001" + tohex(test::view(rekeyed)));
            const exchange::payload_item items[]{{wire::payload_type::del, test::view(del)}};
            rng.push(iv_of(32));
            check_sent(inf.start(items, rng, out.buf()), {32});
            auto got = inf.on_message(frame(33));
            REQUIRE(got.has_value());
            CHECK(*got);
            const auto* d = inf.payloads().find(wire::payload_type::del);
            REQUIRE(d != nullptr);
            CHECK(tohex(d->body) == "03040001" + jstr(child_json(1).at("spi_in_at_exchange_initiator")));
        }
        {
            exchange::informational_responder<s6_suite> inf{*sa2};
            auto got = inf.receive(frame(36));
            REQUIRE(got.has_value());
            REQUIRE(*got);
            rng.push(iv_of(37));
            check_sent(inf.respond({}, rng, out.buf()), {37});
        }
        CHECK(ke.script.refused == 0);
        CHECK(ke.script.own_dh.empty());
        CHECK(ke.script.own_ek.empty());
        CHECK(rng.script.empty());
    }

    SUBCASE("negative control: a Child SA rekey from the unmixed SK_d gives keys nobody installed") {
        // The same requests on an SA whose SK_d is not SK_d' (SK_e is the same: they still open).
        static const byte_vec other_name{std::byte{'z'}};
        ke_scope ke2{side::responder};
        auto plain = run_responder([](peer_setup& s) {
            s.ppks[0].id = wire::ppk_id{2, test::view(other_name)};
            s.cfg.ppk.required = false;
        });
        REQUIRE(plain->rsp->established());
        REQUIRE(plain->rsp->ppk_used() == nullptr);
        auto c2 = rekey_child2(plain->rsp->sa(), *plain->setup, plain->rng, plain->out, false);
        REQUIRE(c2->rk->child().established());
        CHECK(tohex(c2->rk->child().keys->encr_i()) != jstr(child_json(1).at("keymat").at("encr_i")));
        CHECK(tohex(c2->rk->child().keys->encr_r()) != jstr(child_json(1).at("keymat").at("encr_r")));
        CHECK_FALSE(logged_has("initiator", "encryption initiator key", c2->rk->child().keys->encr_i()));
    }
}

TEST_CASE("interop helpers s6: the original initiator's side of the rekeys and INFORMATIONAL exchanges") {
    ke_scope ke{side::initiator};
    auto r = run_initiator([](peer_setup&) {});
    REQUIRE(r->ini->established());
    auto& sa = r->ini->sa();
    auto& rng = r->rng;
    auto& out = r->out;

    // CHILD_SA_2: the helper sends frame 11 (but for the transform order) and 13 + 14.
    exchange::rekey_config c2;
    std::vector<kex::proposal> c2p = r->setup->rekey_child;
    REQUIRE(c2p[0].set_spi(test::view(unhex(jstr(child_json(1).at("spi_in_at_exchange_initiator"))))));
    const byte_vec ts_i = payload_body(11, 44), ts_r = payload_body(11, 45);
    const byte_vec old_spi = unhex(jstr(child_json(0).at("spi_in_at_exchange_initiator")));
    c2.proposals = c2p;
    c2.ts_i = test::view(ts_i);
    c2.ts_r = test::view(ts_r);
    c2.rekeyed_spi = test::view(old_spi);
    auto rk2 = std::make_unique<exchange::rekey_initiator<s6_suite>>(sa, c2);
    rng.push(unhex(jstr(child_json(1).at("Ni"))));
    rng.push(iv_of(11));
    check_sent_but_transform_order(rk2->start(rng, out.buf()), 11, sa.send_keys());
    rng.push(iv_of(13));
    rng.push(iv_of(14));
    check_sent(rk2->on_message(frame(12), rng, out.buf()), {13, 14});
    auto o15 = rk2->on_message(frame(15), rng, out.buf());
    REQUIRE(o15.has_value());
    CHECK(o15->empty());
    REQUIRE(rk2->done());
    check_child(rk2->child(), 1);

    {  // frames 16/17
        exchange::informational_initiator<s6_suite> inf{sa};
        const byte_vec del = unhex("03040001" + tohex(test::view(old_spi)));
        const exchange::payload_item items[]{{wire::payload_type::del, test::view(del)}};
        rng.push(iv_of(16));
        check_sent(inf.start(items, rng, out.buf()), {16});
        auto got = inf.on_message(frame(17));
        REQUIRE(got.has_value());
        CHECK(*got);
    }

    // IKE_SA_2: the helper draws the new SPIi, then Ni (RFC 7296 §2.18).
    exchange::rekey_config ike_cfg;
    ike_cfg.proposals = r->setup->ike;
    auto rk = std::make_unique<exchange::rekey_initiator<s6_suite>>(sa, ike_cfg);
    const auto& sa2j = ike_sa_json(1);
    rng.push(unhex(jstr(sa2j.at("spi_i"))));
    rng.push(unhex(jstr(sa2j.at("Ni"))));
    rng.push(iv_of(20));
    check_sent(rk->start(rng, out.buf()), {20});
    rng.push(iv_of(22));
    rng.push(iv_of(23));
    check_sent(rk->on_message(frame(21), rng, out.buf()), {22, 23});
    auto o24 = rk->on_message(frame(24), rng, out.buf());
    REQUIRE(o24.has_value());
    REQUIRE(rk->done());
    auto sa2 = std::make_unique<exchange::ike_sa<s6_suite>>(rk->new_ike_sa());
    CHECK(sa2->original_initiator);
    const auto& st = sa2j.at("stages").at(0);
    CHECK(tohex(sa2->keys->sk_d()) == jstr(st.at("SK_d")));
    CHECK(tohex(sa2->keys->sk_ei()) == jstr(st.at("SK_ei")));
    CHECK(tohex(sa2->keys->sk_er()) == jstr(st.at("SK_er")));
    CHECK(tohex(sa2->keys->sk_pi()) == jstr(st.at("SK_pi")));
    CHECK(tohex(sa2->keys->sk_pr()) == jstr(st.at("SK_pr")));

    {  // frames 25/26 on the old SA
        exchange::informational_initiator<s6_suite> inf{sa};
        const byte_vec del = unhex("01000000");
        const exchange::payload_item items[]{{wire::payload_type::del, test::view(del)}};
        rng.push(iv_of(25));
        check_sent(inf.start(items, rng, out.buf()), {25});
        auto got = inf.on_message(frame(26));
        REQUIRE(got.has_value());
        CHECK(*got);
    }

    // CHILD_SA_3, started by charon's responder: the helper answers frame 27 with 28 (but for the
    // transform order) and the fragmented follow-up 29 + 30 with 31.
    exchange::rekey_config c3;
    c3.proposals = r->setup->rekey_child;
    c3.link_size = 1;
    auto rk3 = std::make_unique<exchange::rekey_responder<s6_suite>>(*sa2, c3);
    rng.push(unhex(jstr(child_json(2).at("Nr"))));
    rng.push(unhex(jstr(child_json(2).at("spi_in_at_exchange_responder"))));
    rng.push(byte_vec{std::byte{0x42}});
    rng.push(iv_of(28));
    check_sent_but_transform_order(rk3->on_message(frame(27), rng, out.buf()), 28, sa2->send_keys());
    rng.push(iv_of(31));
    auto o29 = rk3->on_message(frame(29), rng, out.buf());
    REQUIRE(o29.has_value());
    CHECK(o29->empty());
    check_sent(rk3->on_message(frame(30), rng, out.buf()), {31});
    REQUIRE(rk3->done());
    check_child(rk3->child(), 2);

    {  // frames 32/33, then 36/37 (Delete of IKE_SA_2)
        exchange::informational_responder<s6_suite> inf{*sa2};
        auto got = inf.receive(frame(32));
        REQUIRE(got.has_value());
        REQUIRE(*got);
        const byte_vec del = unhex("03040001" + jstr(child_json(1).at("spi_in_at_exchange_initiator")));
        const exchange::payload_item items[]{{wire::payload_type::del, test::view(del)}};
        rng.push(iv_of(33));
        check_sent(inf.respond(items, rng, out.buf()), {33});
    }
    {
        exchange::informational_initiator<s6_suite> inf{*sa2};
        const byte_vec del = unhex("01000000");
        const exchange::payload_item items[]{{wire::payload_type::del, test::view(del)}};
        rng.push(iv_of(36));
        check_sent(inf.start(items, rng, out.buf()), {36});
        auto got = inf.on_message(frame(37));
        REQUIRE(got.has_value());
        CHECK(*got);
    }
    CHECK(ke.script.refused == 0);
    CHECK(ke.script.own_dh.empty());
    CHECK(ke.script.own_ek.empty());
    CHECK(rng.script.empty());
}

#else
TEST_CASE("interop helpers: needs the OpenSSL adapters (AES-GCM SK cipher)") {
    PQIKE_SKIP("built without OpenSSL 3");
}
#endif
