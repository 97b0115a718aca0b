// SPDX-License-Identifier: MIT
// Post-quantum preshared keys through the exchange helpers, both roles in memory:
// RFC 8784 (USE_PPK, PPK_IDENTITY, NO_PPK_AUTH in IKE_AUTH) with every fallback and refusal rule
// of its §3, and RFC 9867 (USE_PPK_INT, PPK_IDENTITY_KEY in IKE_INTERMEDIATE). Keys are checked
// against a run with the same seeds and no PPK, mixed with keys/ppk.hpp: the helpers must put the
// PPK exactly where the RFC says and nowhere else.
#include "common.hpp"
#include "exchange_helpers.hpp"

#include <pqike/keys/ppk.hpp>

using namespace exh;
using namespace pqike::test;

namespace {

bytes_view ppk_a() { return as_bytes_view("post-quantum preshared key A 0123456789", 39); }
bytes_view ppk_b() { return as_bytes_view("post-quantum preshared key B 0123456789", 39); }
wire::ppk_id id_a() { return {2, view("ppk-a@pq.test")}; }
wire::ppk_id id_b() { return {1, view("\x01\x02\x03\x04")}; }

// What a run ended with: the responder's refusal (code ok if none) and the initiator's last error.
struct outcome {
    error refused{};
    error initiator{};
};

// Runs the initial exchanges to the end, a refusal, or an error on either side.
template <class S>
outcome run_to_end(pair<S>& p, seeded_rng& ri, seeded_rng& rr) {
    outcome res;
    buffer bi, br;
    auto o = p.ini->start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
        ++p.exchanges;
        datagrams resp;
        for (auto& d : req) {
            auto r = p.rsp->on_message(view(d), rr, br.out());
            REQUIRE(r);
            if (r->is_refusal()) res.refused = r->refused;
            if (!r->empty()) resp = copy(*r);
        }
        req.clear();
        for (auto& d : resp) {
            auto r = p.ini->on_message(view(d), ri, bi.out());
            if (!r) {
                res.initiator = r.error();
                return res;
            }
            if (!r->empty()) req = copy(*r);
        }
    }
    return res;
}

template <class S>
struct ppk_peers : peers_cfg<S> {
    std::vector<exchange::ppk_entry> keys_i, keys_r;
    explicit ppk_peers(std::initializer_list<ke_method> addke = {ke_method::ml_kem_768})
        : peers_cfg<S>{addke, addke} {}
    void set(std::vector<exchange::ppk_entry> i, std::vector<exchange::ppk_entry> r) {
        keys_i = std::move(i);
        keys_r = std::move(r);
        this->ci.ppk.keys = keys_i;
        this->cr.ppk.keys = keys_r;
    }
};

// The same run without any PPK: its keys, mixed by hand, are what the PPK run must give.
template <class S>
std::unique_ptr<pair<S>> plain_run(std::initializer_list<ke_method> addke, std::uint64_t si, std::uint64_t sr,
                                   peers_cfg<S>& c) {
    (void)addke;
    seeded_rng ri{si}, rr{sr};
    auto p = std::make_unique<pair<S>>(c);
    p->run(ri, rr);
    REQUIRE(p->ini->established());
    return p;
}

}  // namespace

// ---- RFC 8784 -----------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("RFC 8784: both hold the PPK -> SK_d', SK_pi', SK_pr' in the SA and its Child SA", S,
                   PQIKE_EXCHANGE_SUITES) {
    ppk_peers<S> c;
    c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}, {id_a(), ppk_a()}});  // the responder picks its second
    seeded_rng ri{21}, rr{22};
    pair<S> p{c};
    const outcome e = run_to_end(p, ri, rr);
    CHECK(e.refused.code == errc::ok);
    CHECK(e.initiator.code == errc::ok);
    REQUIRE(p.ini->established());
    REQUIRE(p.rsp->established());
    CHECK(p.ini->ppk_negotiated() == exchange::ppk_mechanism::rfc8784);
    CHECK(p.rsp->ppk_negotiated() == exchange::ppk_mechanism::rfc8784);
    REQUIRE(p.ini->ppk_used() != nullptr);
    REQUIRE(p.rsp->ppk_used() != nullptr);
    CHECK(p.rsp->ppk_used()->id == id_a());
    CHECK(p.rsp->ppk_used() == &c.keys_r[1]);
    const auto& ki = *p.ini->sa().keys;
    CHECK(ki.ppk_mixed());
    CHECK(same_ike_keys(ki, *p.rsp->sa().keys));

    // The same seeds without a PPK: every key up to IKE_AUTH is the same, so the PPK run's keys
    // must be RFC 8784's mixing of the plain run's, and its Child SA must come from SK_d'.
    peers_cfg<S> plain{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
    auto q = plain_run<S>({}, 21, 22, plain);
    const auto& k0 = *q->ini->sa().keys;
    auto m = keys::mix_ppk_rfc8784(k0, ppk_a());
    REQUIRE(m);
    CHECK(same_ike_keys(ki, m->mixed));
    CHECK(tohex(ki.sk_ei()) == tohex(k0.sk_ei()));  // SK_e, SK_a unchanged (RFC 8784 §3)
    CHECK(tohex(ki.sk_d()) != tohex(k0.sk_d()));
    auto len = exchange::child_lengths(p.ini->child().negotiated);
    REQUIRE(len);
    auto child = keys::derive_child_sa_keys(m->mixed, p.ini->nonce_i(), p.ini->nonce_r(), {}, *len);
    REQUIRE(child);
    REQUIRE(p.ini->child().established());
    CHECK(tohex(p.ini->child().keys->encr_i()) == tohex(child->encr_i()));
    CHECK(tohex(p.rsp->child().keys->encr_r()) == tohex(child->encr_r()));
}

TEST_CASE_TEMPLATE("RFC 8784: the responder lacks the PPK ID, neither requires it -> NO_PPK_AUTH fallback", S,
                   PQIKE_EXCHANGE_SUITES) {
    ppk_peers<S> c;
    c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}});
    seeded_rng ri{23}, rr{24};
    pair<S> p{c};
    const outcome e = run_to_end(p, ri, rr);
    CHECK(e.refused.code == errc::ok);
    REQUIRE(p.ini->established());
    REQUIRE(p.rsp->established());
    CHECK(p.ini->ppk_negotiated() == exchange::ppk_mechanism::rfc8784);
    CHECK(p.ini->ppk_used() == nullptr);
    CHECK(p.rsp->ppk_used() == nullptr);
    CHECK_FALSE(p.ini->sa().keys->ppk_mixed());
    CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    peers_cfg<S> plain{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
    auto q = plain_run<S>({}, 23, 24, plain);
    CHECK(same_ike_keys(*p.ini->sa().keys, *q->ini->sa().keys));
}

TEST_CASE_TEMPLATE("RFC 8784 refusals: unknown ID when required, wrong PPK, required without NO_PPK_AUTH", S,
                   PQIKE_EXCHANGE_SUITES) {
    SUBCASE("responder requires the PPK and lacks the ID: AUTHENTICATION_FAILED (ppk_required)") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}});
        c.cr.ppk.required = true;
        seeded_rng ri{25}, rr{26};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.refused.code == errc::ppk_required);
        CHECK(e.initiator.code == errc::authentication_failed);
        CHECK(p.ini->failed());
        CHECK(p.rsp->failed());
        CHECK_FALSE(p.rsp->child().established());
    }
    SUBCASE("same ID, another secret: the AUTH made with SK_pi' does not verify") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_a(), ppk_b()}});
        seeded_rng ri{27}, rr{28};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.refused.code == errc::authentication_failed);
        CHECK(e.initiator.code == errc::authentication_failed);
        CHECK_FALSE(p.rsp->established());
        CHECK_FALSE(p.rsp->child().established());
    }
    SUBCASE("the initiator requires its PPK (no NO_PPK_AUTH sent); the responder lacks it") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}});
        c.ci.ppk.required = true;
        seeded_rng ri{29}, rr{30};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.refused.code == errc::authentication_failed);
        CHECK(p.ini->failed());
        CHECK_FALSE(p.rsp->established());
    }
    SUBCASE("the responder requires a PPK; the initiator has none to offer") {
        ppk_peers<S> c;
        c.set({}, {{id_a(), ppk_a()}});
        c.cr.ppk.required = true;
        seeded_rng ri{31}, rr{32};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(p.rsp->ppk_negotiated() == exchange::ppk_mechanism::none);
        CHECK(e.refused.code == errc::ppk_required);
        CHECK(e.initiator.code == errc::authentication_failed);
    }
    SUBCASE("the initiator requires a PPK; the responder announces none: no IKE_AUTH is sent") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {});
        c.ci.ppk.required = true;
        seeded_rng ri{33}, rr{34};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.initiator.code == errc::ppk_required);
        CHECK(p.exchanges == 1);
        // The response is unauthenticated: the initiator keeps waiting (state unchanged).
        CHECK(p.ini->state() == exchange::initial_state::sa_init);
    }
}

TEST_CASE_TEMPLATE("RFC 8784: a peer without PPK support sees a plain exchange", S, PQIKE_EXCHANGE_SUITES) {
    ppk_peers<S> c;
    c.set({{id_a(), ppk_a()}}, {});
    seeded_rng ri{35}, rr{36};
    pair<S> p{c};
    p.run(ri, rr);
    REQUIRE(p.ini->established());
    CHECK(p.ini->ppk_negotiated() == exchange::ppk_mechanism::none);
    CHECK_FALSE(p.ini->sa().keys->ppk_mixed());
    CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
}

// ---- RFC 9867 (IKE_INTERMEDIATE) ------------------------------------------------------------------

namespace {
template <class S>
void use_rfc9867(ppk_peers<S>& c, bool also_8784_i = false, bool also_8784_r = false) {
    c.ci.ppk.rfc9867 = c.cr.ppk.rfc9867 = true;
    c.ci.ppk.rfc8784 = also_8784_i;
    c.cr.ppk.rfc8784 = also_8784_r;
}
}  // namespace

TEST_CASE_TEMPLATE("RFC 9867: the PPK rides in the last IKE_INTERMEDIATE, mixed after its ADDKE", S,
                   PQIKE_EXCHANGE_SUITES) {
    ppk_peers<S> c;
    // The initiator offers B (which the responder holds under another secret) then A: B's
    // confirmation fails, A is chosen.
    const auto b_other = as_bytes_view("not the responder's B secret", 28);
    c.set({{id_b(), b_other}, {id_a(), ppk_a()}}, {{id_b(), ppk_b()}, {id_a(), ppk_a()}});
    use_rfc9867(c);
    seeded_rng ri{41}, rr{42};
    pair<S> p{c};
    const outcome e = run_to_end(p, ri, rr);
    CHECK(e.refused.code == errc::ok);
    CHECK(e.initiator.code == errc::ok);
    REQUIRE(p.ini->established());
    REQUIRE(p.rsp->established());
    CHECK(p.exchanges == 3);  // IKE_SA_INIT, one IKE_INTERMEDIATE (ML-KEM-768 + PPK), IKE_AUTH
    CHECK(p.ini->ppk_negotiated() == exchange::ppk_mechanism::rfc9867);
    REQUIRE(p.ini->ppk_used() == &c.keys_i[1]);
    REQUIRE(p.rsp->ppk_used() == &c.keys_r[1]);
    const auto& k = *p.ini->sa().keys;
    CHECK(k.ppk_mixed());
    CHECK(k.stage() == 1);
    CHECK(same_ike_keys(k, *p.rsp->sa().keys));
    // Same seeds, no PPK: the stage after the ADDKE, mixed by keys/ppk.hpp, is the PPK run's SA.
    peers_cfg<S> plain{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
    auto q = plain_run<S>({}, 41, 42, plain);
    auto m = keys::mix_ppk_intermediate(std::remove_cvref_t<decltype(k)>{*q->ini->sa().keys}, ppk_a());
    REQUIRE(m);
    CHECK(same_ike_keys(k, *m));
    CHECK(tohex(k.sk_ei()) != tohex(q->ini->sa().keys->sk_ei()));  // every key changes (§3.2)
    auto len = exchange::child_lengths(p.ini->child().negotiated);
    REQUIRE(len);
    auto child = keys::derive_child_sa_keys(*m, p.ini->nonce_i(), p.ini->nonce_r(), {}, *len);
    REQUIRE(child);
    CHECK(tohex(p.rsp->child().keys->encr_i()) == tohex(child->encr_i()));
    // And a key exchange after the PPK is refused by the key schedule itself.
    CHECK(std::remove_cvref_t<decltype(k)>{k}.after_additional_ke(keys::ke_secret{ppk_a()}).code() ==
          errc::ppk_not_last);
}

TEST_CASE_TEMPLATE("RFC 9867 without an ADDKE: one IKE_INTERMEDIATE of its own", S, PQIKE_EXCHANGE_SUITES) {
    ppk_peers<S> c{{ke_method::none}};
    c.set({{id_a(), ppk_a()}}, {{id_a(), ppk_a()}});
    use_rfc9867(c);
    seeded_rng ri{43}, rr{44};
    pair<S> p{c};
    const outcome e = run_to_end(p, ri, rr);
    CHECK(e.refused.code == errc::ok);
    REQUIRE(p.ini->established());
    CHECK(p.exchanges == 3);
    CHECK(p.ini->intermediates_done() == 1);
    CHECK(p.ini->sa().keys->stage() == 0);
    CHECK(p.ini->sa().keys->ppk_mixed());
    CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    CHECK(p.rsp->int_auth().responder_count() == 1);  // the PPK exchange is in IntAuth (RFC 9242 §3.3)
}

TEST_CASE_TEMPLATE("RFC 9867 and RFC 8784 offered together: RFC 9867 wins; an RFC 8784-only peer gets RFC 8784",
                   S, PQIKE_EXCHANGE_SUITES) {
    SUBCASE("both sides announce both") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_a(), ppk_a()}});
        use_rfc9867(c, true, true);
        seeded_rng ri{45}, rr{46};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        CHECK(p.ini->ppk_negotiated() == exchange::ppk_mechanism::rfc9867);
        CHECK(p.rsp->ppk_negotiated() == exchange::ppk_mechanism::rfc9867);
        CHECK(p.ini->sa().keys->ppk_mixed());
        CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    }
    SUBCASE("the responder speaks RFC 8784 only") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_a(), ppk_a()}});
        use_rfc9867(c, true, true);
        c.cr.ppk.rfc9867 = false;
        seeded_rng ri{47}, rr{48};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        CHECK(p.ini->ppk_negotiated() == exchange::ppk_mechanism::rfc8784);
        CHECK(p.ini->sa().keys->ppk_mixed());
        CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    }
}

TEST_CASE_TEMPLATE("RFC 9867 refusals: no PPK in common with a requiring responder or initiator", S,
                   PQIKE_EXCHANGE_SUITES) {
    SUBCASE("responder requires: AUTHENTICATION_FAILED in the IKE_INTERMEDIATE response") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}});
        use_rfc9867(c);
        c.cr.ppk.required = true;
        seeded_rng ri{51}, rr{52};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.refused.code == errc::ppk_required);
        CHECK(e.initiator.code == errc::authentication_failed);
        CHECK(p.exchanges == 2);
        CHECK(p.rsp->failed());
        CHECK(p.ini->failed());
    }
    SUBCASE("a wrong secret under a known ID fails the confirmation, not AUTH") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_b()}}, {{id_a(), ppk_a()}});
        use_rfc9867(c);
        c.cr.ppk.required = true;
        seeded_rng ri{53}, rr{54};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.refused.code == errc::ppk_required);
        CHECK(p.exchanges == 2);
    }
    SUBCASE("initiator requires: it ends the attempt when the response names no PPK") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}});
        use_rfc9867(c);
        c.ci.ppk.required = true;
        seeded_rng ri{55}, rr{56};
        pair<S> p{c};
        const outcome e = run_to_end(p, ri, rr);
        CHECK(e.refused.code == errc::ok);
        CHECK(e.initiator.code == errc::ppk_required);
        CHECK(p.ini->failed());
        CHECK_FALSE(p.rsp->established());
    }
    SUBCASE("neither requires: the SA is made without a PPK") {
        ppk_peers<S> c;
        c.set({{id_a(), ppk_a()}}, {{id_b(), ppk_b()}});
        use_rfc9867(c);
        seeded_rng ri{57}, rr{58};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        CHECK(p.ini->ppk_used() == nullptr);
        CHECK_FALSE(p.rsp->sa().keys->ppk_mixed());
        CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    }
}

TEST_CASE_TEMPLATE("RFC 9867: an IKE_INTERMEDIATE after the PPK exchange is refused (ppk_not_last)", S,
                   PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    ppk_peers<S> c;
    c.set({{id_a(), ppk_a()}}, {{id_a(), ppk_a()}});
    use_rfc9867(c);
    seeded_rng ri{61}, rr{62};
    pair<S> p{c};
    buffer bi, br;
    auto o = p.ini->start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    for (int i = 0; i < 2; ++i) {  // IKE_SA_INIT, then the IKE_INTERMEDIATE with ML-KEM-768 + PPK
        datagrams resp;
        for (auto& d : req) {
            auto r = p.rsp->on_message(view(d), rr, br.out());
            REQUIRE(r);
            if (!r->empty()) resp = copy(*r);
        }
        req.clear();
        for (auto& d : resp) {
            auto r = p.ini->on_message(view(d), ri, bi.out());
            REQUIRE(r);
            if (!r->empty()) req = copy(*r);
        }
    }
    REQUIRE(p.ini->state() == exchange::initial_state::auth);
    REQUIRE(p.rsp->sa().keys->ppk_mixed());
    const auto before = p.rsp->snapshot();
    const auto& sa = p.ini->sa();
    auto extra = craft<C>(sa.send_keys(), sa.header(wire::exchange_type::ike_intermediate, 2, false),
                          [](auto& ib) { add_ke(ib, ke_method::ml_kem_768, 1184); });
    auto r = p.rsp->on_message(view(extra), rr, br.out());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::ppk_not_last);
    CHECK(p.rsp->snapshot() == before);
    // The genuine IKE_AUTH still completes.
    for (auto& d : req) {
        auto a = p.rsp->on_message(view(d), rr, br.out());
        REQUIRE(a);
        for (auto v : a->datagrams) REQUIRE(p.ini->on_message(v, ri, bi.out()));
    }
    CHECK(p.ini->established());
    CHECK(p.rsp->established());
}

// ---- RFC 9867 (CREATE_CHILD_SA) -------------------------------------------------------------------

namespace {
// An IKE SA made with RFC 9867 (so USE_PPK_INT was negotiated), both sides holding A and B.
template <class S>
struct ppk_sa {
    ppk_peers<S> c;
    seeded_rng ri, rr;
    std::unique_ptr<pair<S>> p;
    ppk_sa(std::uint64_t si, std::uint64_t sr) : ri{si}, rr{sr} {
        c.set({{id_a(), ppk_a()}}, {{id_a(), ppk_a()}});
        use_rfc9867(c);
        p = std::make_unique<pair<S>>(c);
        p->run(ri, rr);
        REQUIRE(p->ini->established());
        REQUIRE(p->ini->sa().ppk_int);
        REQUIRE(p->rsp->sa().ppk_int);
    }
};
}  // namespace

TEST_CASE_TEMPLATE("RFC 9867 CREATE_CHILD_SA: a Child SA without PFS gets KEYMAT = prf+(SK_d', Ni | Nr)", S,
                   PQIKE_EXCHANGE_SUITES) {
    ppk_sa<S> t{71, 72};
    const std::array<kex::proposal, 1> child_i{esp_proposal(7)};
    const std::array<kex::proposal, 1> child_r{esp_proposal(8)};
    const std::vector<exchange::ppk_entry> offer{{id_b(), ppk_b()}, {id_a(), ppk_a()}};
    const std::vector<exchange::ppk_entry> hold{{id_b(), as_bytes_view("another B secret", 16)}, {id_a(), ppk_a()}};
    exchange::rekey_config ci, cr;
    ci.proposals = child_i;
    ci.ts_i = ci.ts_r = ts_body();
    ci.ppk.keys = offer;
    cr.proposals = child_r;
    cr.ppk.keys = hold;
    auto& sa_i = t.p->ini->sa();
    auto& sa_r = t.p->rsp->sa();
    const std::string sk_d_before = tohex(sa_i.keys->sk_d());
    rekey_run<S> k{sa_i, ci, sa_r, cr, t.ri, t.rr};
    REQUIRE(k.ki->done());
    REQUIRE(k.kr->done());
    REQUIRE(k.ki->ppk_used() == &offer[1]);  // B's confirmation fails at the responder: A is chosen
    REQUIRE(k.kr->ppk_used() == &hold[1]);
    const auto& a = k.ki->child();
    CHECK(ct_equal(a.keys->encr_i(), k.kr->child().keys->encr_i()));
    auto from = keys::with_ppk_sk_d(*sa_i.keys, ppk_a());
    REQUIRE(from);
    auto len = exchange::child_lengths(a.negotiated);
    REQUIRE(len);
    auto want = keys::derive_child_sa_keys(*from, k.ki->nonce_i(), k.ki->nonce_r(), {}, *len);
    REQUIRE(want);
    CHECK(tohex(a.keys->encr_i()) == tohex(want->encr_i()));
    CHECK(tohex(a.keys->encr_r()) == tohex(want->encr_r()));
    auto plain = keys::derive_child_sa_keys(*sa_i.keys, k.ki->nonce_i(), k.ki->nonce_r(), {}, *len);
    REQUIRE(plain);
    CHECK(tohex(a.keys->encr_i()) != tohex(plain->encr_i()));
    CHECK(tohex(sa_i.keys->sk_d()) == sk_d_before);  // the IKE SA keeps its SK_d
}

TEST_CASE_TEMPLATE("RFC 9867 CREATE_CHILD_SA: Child SA with IKE_FOLLOWUP_KE and IKE SA rekey, both with the PPK", S,
                   PQIKE_EXCHANGE_SUITES) {
    ppk_sa<S> t{73, 74};
    auto& sa_i = t.p->ini->sa();
    auto& sa_r = t.p->rsp->sa();
    const std::vector<exchange::ppk_entry> keys{{id_a(), ppk_a()}};
    {
        const std::array<kex::proposal, 1> child_i{esp_proposal(9, {S::classical}, {ke_method::ml_kem_768})};
        const std::array<kex::proposal, 1> child_r{esp_proposal(10, {S::classical}, {ke_method::ml_kem_768})};
        exchange::rekey_config ci, cr;
        ci.proposals = child_i;
        ci.ts_i = ci.ts_r = ts_body();
        ci.ppk.keys = keys;
        ci.ppk.required = true;
        cr.proposals = child_r;
        cr.ppk.keys = keys;
        rekey_run<S> k{sa_i, ci, sa_r, cr, t.ri, t.rr};
        REQUIRE(k.ki->done());
        REQUIRE(k.kr->done());
        CHECK(k.exchanges == 2);
        CHECK(k.ki->ppk_used() != nullptr);
        CHECK(k.kr->ppk_used() != nullptr);
        CHECK(ct_equal(k.ki->child().keys->encr_r(), k.kr->child().keys->encr_r()));
    }
    // IKE SA rekey with X25519/toy DH + ML-KEM-768; the new SA may use RFC 9867 PPKs again.
    const std::array<kex::proposal, 1> ike{ike_proposal<S>(S::classical, {ke_method::ml_kem_768})};
    exchange::rekey_config ci, cr;
    ci.proposals = cr.proposals = ike;
    ci.ppk.keys = cr.ppk.keys = keys;
    cr.ppk.required = true;
    rekey_run<S> k{sa_i, ci, sa_r, cr, t.ri, t.rr};
    REQUIRE(k.ki->done());
    CHECK(k.ki->ppk_used() != nullptr);
    CHECK(k.kr->ppk_used() != nullptr);
    const auto& na = k.ki->new_ike_sa();
    CHECK(same_ike_keys(*na.keys, *k.kr->new_ike_sa().keys));
    CHECK(na.ppk_int);
}

TEST_CASE_TEMPLATE("RFC 9867 CREATE_CHILD_SA refusals: no common PPK, or no USE_PPK_INT on the SA", S,
                   PQIKE_EXCHANGE_SUITES) {
    const std::array<kex::proposal, 1> child_i{esp_proposal(11)};
    const std::array<kex::proposal, 1> child_r{esp_proposal(12)};
    const std::vector<exchange::ppk_entry> a{{id_a(), ppk_a()}}, b{{id_b(), ppk_b()}};
    SUBCASE("the responder requires a PPK it does not get: NO_PROPOSAL_CHOSEN, the IKE SA stays") {
        ppk_sa<S> t{75, 76};
        exchange::rekey_config ci, cr;
        ci.proposals = child_i;
        ci.ts_i = ci.ts_r = ts_body();
        ci.ppk.keys = a;
        cr.proposals = child_r;
        cr.ppk.keys = b;
        cr.ppk.required = true;
        exchange::rekey_initiator<S> ki{t.p->ini->sa(), ci};
        exchange::rekey_responder<S> kr{t.p->rsp->sa(), cr};
        buffer b1, b2;
        auto o = ki.start(t.ri, b1.out());
        REQUIRE(o);
        const auto req = copy(*o);
        auto r = kr.on_message(view(req[0]), t.rr, b2.out());
        REQUIRE(r);
        CHECK(r->refused.code == errc::ppk_required);
        const auto resp = copy(*r);
        auto fin = ki.on_message(view(resp[0]), t.ri, b1.out());
        REQUIRE_FALSE(fin);
        CHECK(fin.error().code == errc::no_proposal_chosen);
        CHECK(t.p->rsp->sa().established());
        CHECK(kr.state() == exchange::rekey_state::idle);  // ready for another request
        // Both sides counted that Message ID: a new rekey with the PPK the responder wants works.
        CHECK(t.p->ini->sa().next_request_id == t.p->rsp->sa().next_peer_id);
        exchange::rekey_config ci2 = ci;
        ci2.ppk.keys = b;
        exchange::rekey_initiator<S> ki2{t.p->ini->sa(), ci2};
        exchange::rekey_responder<S> kr2{t.p->rsp->sa(), cr};
        auto o2 = ki2.start(t.ri, b1.out());
        REQUIRE(o2);
        drive(
            *o2, [&](bytes_view d) { return ki2.on_message(d, t.ri, b1.out()); },
            [&](bytes_view d) { return kr2.on_message(d, t.rr, b2.out()); });
        CHECK(ki2.done());
        CHECK(kr2.done());
        CHECK(ki2.ppk_used() != nullptr);
    }
    SUBCASE("the initiator requires one and the responder names none") {
        ppk_sa<S> t{77, 78};
        exchange::rekey_config ci, cr;
        ci.proposals = child_i;
        ci.ts_i = ci.ts_r = ts_body();
        ci.ppk.keys = a;
        ci.ppk.required = true;
        cr.proposals = child_r;
        cr.ppk.keys = b;
        exchange::rekey_initiator<S> ki{t.p->ini->sa(), ci};
        exchange::rekey_responder<S> kr{t.p->rsp->sa(), cr};
        buffer b1, b2;
        auto o = ki.start(t.ri, b1.out());
        REQUIRE(o);
        const auto req = copy(*o);
        auto r = kr.on_message(view(req[0]), t.rr, b2.out());
        REQUIRE(r);
        CHECK_FALSE(r->is_refusal());
        CHECK(kr.ppk_used() == nullptr);
        const auto resp = copy(*r);
        auto fin = ki.on_message(view(resp[0]), t.ri, b1.out());
        REQUIRE_FALSE(fin);
        CHECK(fin.error().code == errc::ppk_required);
        CHECK(ki.failed());
    }
    SUBCASE("an SA made without USE_PPK_INT: a required PPK cannot be used, start() says so") {
        peers_cfg<S> c{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
        seeded_rng ri{79}, rr{80};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        CHECK_FALSE(p.ini->sa().ppk_int);
        exchange::rekey_config ci;
        ci.proposals = child_i;
        ci.ts_i = ci.ts_r = ts_body();
        ci.ppk.keys = a;
        ci.ppk.required = true;
        exchange::rekey_initiator<S> ki{p.ini->sa(), ci};
        buffer b1;
        CHECK(ki.start(ri, b1.out()).code() == errc::ppk_required);
    }
}

TEST_CASE_TEMPLATE("a PPK required with none configured is refused before anything is sent", S, PQIKE_EXCHANGE_SUITES) {
    ppk_peers<S> c;
    c.ci.ppk.required = true;
    exchange::initial_initiator<S> ini{c.ci};
    seeded_rng r{81};
    buffer b;
    CHECK(ini.start(r, b.out()).code() == errc::ppk_required);
    CHECK(ini.state() == exchange::initial_state::idle);
}
