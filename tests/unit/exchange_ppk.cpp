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
