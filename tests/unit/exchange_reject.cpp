// SPDX-License-Identifier: MIT
// Bad input for the exchange helpers: wrong exchange type, Message ID or direction flag; a KE for
// another method than negotiated; a missing KE; more exchanges than negotiated; an ICV failure;
// an invalid ML-KEM ek (INVALID_SYNTAX or, configured, NO_PROPOSAL_CHOSEN); a ciphertext of the
// wrong length (abort without a notify); an unknown IKE_FOLLOWUP_KE link (STATE_NOT_FOUND).
// Dropped messages must leave the helper's snapshot unchanged. Over every suite of
// support/exchange_suites.hpp.
#include "common.hpp"
#include "exchange_helpers.hpp"

using namespace exh;
using namespace pqike::test;

namespace {

template <class S>
struct stepper {
    peers_cfg<S> c{{ke_method::ml_kem_768, ke_method::ml_kem_1024}, {ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    seeded_rng ri{31}, rr{32};
    std::unique_ptr<exchange::initial_initiator<S>> ini;
    std::unique_ptr<exchange::initial_responder<S>> rsp;
    buffer bi, br;
    datagrams to_rsp, to_ini;

    stepper() {
        // These cases reason about one datagram per message: no IP/UDP headers in the budget.
        c.ci.fragments.ip_udp_overhead = c.cr.fragments.ip_udp_overhead = 0;
        make();
    }
    void make() {
        ini = std::make_unique<exchange::initial_initiator<S>>(c.ci);
        rsp = std::make_unique<exchange::initial_responder<S>>(c.cr);
        auto o = ini->start(ri, bi.out());
        REQUIRE(o);
        to_rsp = copy(*o);
    }
    // Deliver the pending requests to the responder; its answer becomes to_ini.
    void responder_turn() {
        for (auto& d : to_rsp) {
            auto r = rsp->on_message(view(d), rr, br.out());
            REQUIRE(r);
            REQUIRE_FALSE(r->is_refusal());
            if (!r->empty()) to_ini = copy(*r);
        }
        to_rsp.clear();
    }
    void initiator_turn() {
        for (auto& d : to_ini) {
            auto r = ini->on_message(view(d), ri, bi.out());
            REQUIRE(r);
            if (!r->empty()) to_rsp = copy(*r);
        }
        to_ini.clear();
    }
};

std::vector<std::byte> patched(std::vector<std::byte> d, std::size_t at, std::uint8_t v) {
    d[at] = std::byte{v};
    return d;
}

}  // namespace

TEST_CASE_TEMPLATE("IKE_SA_INIT response: wrong exchange type, Message ID, direction flag are dropped", S,
                   PQIKE_EXCHANGE_SUITES) {
    stepper<S> t;
    t.responder_turn();
    REQUIRE(t.to_ini.size() == 1);
    const auto good = t.to_ini[0];
    const auto before = t.ini->snapshot();
    const std::vector<std::vector<std::byte>> bad{
        patched(good, wire::header_offset::exchange, 35),                    // IKE_AUTH
        patched(good, wire::header_offset::message_id + 3, 1),               // Message ID 1
        patched(good, wire::header_offset::flags, wire::flag::initiator),    // a request from the initiator
        patched(good, wire::header_offset::flags, wire::flag::response | wire::flag::initiator),
        patched(good, wire::header_offset::spi_i, 0x55)};
    for (const auto& d : bad) {
        auto r = t.ini->on_message(view(d), t.ri, t.bi.out());
        REQUIRE_FALSE(r);
        CHECK(r.error().code == errc::unexpected_message);
        CHECK(t.ini->snapshot() == before);
    }
    // Truncated and garbage inputs too.
    for (std::size_t n : {std::size_t{0}, std::size_t{27}, good.size() - 1}) {
        auto r = t.ini->on_message(bytes_view{good.data(), n}, t.ri, t.bi.out());
        CHECK_FALSE(r);
        CHECK(t.ini->snapshot() == before);
    }
    t.initiator_turn();
    CHECK(t.ini->state() == exchange::initial_state::intermediate);
}

TEST_CASE_TEMPLATE("IKE_INTERMEDIATE: header mismatches and an ICV failure change nothing", S,
                   PQIKE_EXCHANGE_SUITES) {
    stepper<S> t;
    t.responder_turn();
    t.initiator_turn();
    REQUIRE(t.to_rsp.size() == 1);  // ML-KEM-768 ek fits one datagram
    const auto good = t.to_rsp[0];
    const auto before = t.rsp->snapshot();
    const std::vector<std::vector<std::byte>> bad{
        patched(good, wire::header_offset::exchange, 37),
        patched(good, wire::header_offset::message_id + 3, 2),
        patched(good, wire::header_offset::flags, wire::flag::initiator | wire::flag::response),
        patched(good, wire::header_offset::flags, 0),
        patched(good, good.size() - 1, static_cast<std::uint8_t>(std::to_integer<int>(good.back()) ^ 1)),  // ICV
        patched(good, 60, static_cast<std::uint8_t>(std::to_integer<int>(good[60]) ^ 0x80))};              // ciphertext
    for (std::size_t i = 0; i < bad.size(); ++i) {
        CAPTURE(i);
        auto r = t.rsp->on_message(view(bad[i]), t.rr, t.br.out());
        REQUIRE_FALSE(r);
        CHECK((i < 4 ? r.error().code == errc::unexpected_message : r.error().code == errc::integrity_check_failed));
        CHECK(t.rsp->snapshot() == before);
    }
    t.responder_turn();  // the genuine one still works
    CHECK(t.rsp->snapshot().step == 2);
    // Same on the initiator side for the response.
    const auto resp = t.to_ini[0];
    const auto ib = t.ini->snapshot();
    auto r = t.ini->on_message(view(patched(resp, resp.size() - 1, static_cast<std::uint8_t>(std::to_integer<int>(resp.back()) ^ 1))),
                               t.ri, t.bi.out());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::integrity_check_failed);
    CHECK(t.ini->snapshot() == ib);
    auto r2 = t.ini->on_message(view(patched(resp, wire::header_offset::message_id + 3, 0)), t.ri, t.bi.out());
    REQUIRE_FALSE(r2);
    CHECK(r2.error().code == errc::unexpected_message);
    CHECK(t.ini->snapshot() == ib);
    t.initiator_turn();
    CHECK(t.ini->snapshot().step == 2);
}

TEST_CASE_TEMPLATE("IKE_INTERMEDIATE request: KE for another method, missing KE, invalid ek", S,
                   PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    for (int which = 0; which < 4; ++which) {
        CAPTURE(which);
        stepper<S> t;
        if (which == 3) t.c.cr.ke_errors.invalid_key_notify = notify_error::no_proposal_chosen;
        t.make();
        t.responder_turn();
        t.initiator_turn();
        const auto& sa = t.ini->sa();
        const auto h = sa.header(wire::exchange_type::ike_intermediate, 1, false);
        std::vector<std::byte> msg;
        if (which == 0) msg = craft<C>(sa.send_keys(), h, [](auto& ib) { add_ke(ib, ke_method::ml_kem_1024, 1568); });
        if (which == 1) msg = craft<C>(sa.send_keys(), h, [](auto& ib) { ib.notify(static_cast<wire::notify_type>(40960)); });
        // An ek whose first coefficient is 0xfff >= q fails the FIPS 203 §7.2 modulus check.
        if (which >= 2) msg = craft<C>(sa.send_keys(), h, [](auto& ib) { add_ke(ib, ke_method::ml_kem_768, 1184, 0xff); });
        auto r = t.rsp->on_message(view(msg), t.rr, t.br.out());
        REQUIRE(r);
        REQUIRE(r->is_refusal());
        CHECK(t.rsp->failed());
        const errc want[] = {errc::invalid_ke_method, errc::missing_payload, errc::invalid_key, errc::invalid_key};
        CHECK(r->refused.code == want[which]);
        // The initiator reads the notify: INVALID_SYNTAX, or NO_PROPOSAL_CHOSEN when configured.
        auto back = t.ini->on_message(r->datagrams[0], t.ri, t.bi.out());
        REQUIRE_FALSE(back);
        CHECK(back.error().value == (which == 3 ? notify_error::no_proposal_chosen : notify_error::invalid_syntax));
        CHECK(t.ini->failed());
    }
}

TEST_CASE_TEMPLATE("IKE_INTERMEDIATE response: wrong method, missing KE, wrong ct length abort without a notify", S,
                   PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    for (int which = 0; which < 3; ++which) {
        CAPTURE(which);
        stepper<S> t;
        t.responder_turn();
        t.initiator_turn();
        const auto& sa = t.rsp->sa();
        const auto h = sa.header(wire::exchange_type::ike_intermediate, 1, true);
        std::vector<std::byte> msg;
        if (which == 0) msg = craft<C>(sa.send_keys(), h, [](auto& ib) { add_ke(ib, ke_method::ml_kem_1024, 1568); });
        if (which == 1) msg = craft<C>(sa.send_keys(), h, [](auto& ib) { ib.notify(static_cast<wire::notify_type>(40960)); });
        if (which == 2) msg = craft<C>(sa.send_keys(), h, [](auto& ib) { add_ke(ib, ke_method::ml_kem_768, 1087); });
        auto r = t.ini->on_message(view(msg), t.ri, t.bi.out());
        REQUIRE_FALSE(r);
        const errc want[] = {errc::invalid_ke_method, errc::missing_payload, errc::invalid_ke_length};
        CHECK(r.error().code == want[which]);
        CHECK(t.ini->failed());
    }
}

TEST_CASE_TEMPLATE("more IKE_INTERMEDIATE exchanges than negotiated are rejected", S, PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    stepper<S> t;
    for (int i = 0; i < 3; ++i) {  // IKE_SA_INIT + two IKE_INTERMEDIATE
        t.responder_turn();
        t.initiator_turn();
    }
    REQUIRE(t.ini->state() == exchange::initial_state::auth);
    const auto before = t.rsp->snapshot();
    const auto& sa = t.ini->sa();
    auto msg = craft<C>(sa.send_keys(), sa.header(wire::exchange_type::ike_intermediate, 3, false),
                     [](auto& ib) { add_ke(ib, ke_method::ml_kem_768, 1184); });
    auto r = t.rsp->on_message(view(msg), t.rr, t.br.out());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::unexpected_message);
    CHECK(t.rsp->snapshot() == before);
    t.responder_turn();
    t.initiator_turn();
    CHECK(t.ini->established());
    CHECK(t.rsp->established());
}

TEST_CASE_TEMPLATE("IKE_SA_INIT: INVALID_KE_PAYLOAD retry, and a forged one cannot pick an unoffered method", S,
                   PQIKE_EXCHANGE_SUITES) {
    stepper<S> t;
    // The responder wants ML-KEM-768 as KE; the initiator guesses its classical method first.
    const kex::proposal want = ike_proposal<S>(ke_method::ml_kem_768, {});
    kex::proposal offer = ike_proposal<S>(S::classical, {});
    REQUIRE(offer.add_ke(ke_method::ml_kem_768));
    t.c.ike_i[0] = offer;
    t.c.ike_r[0] = want;
    t.make();
    auto r = t.rsp->on_message(view(t.to_rsp[0]), t.rr, t.br.out());
    REQUIRE(r);
    REQUIRE(r->is_refusal());
    CHECK(r->refused.code == errc::invalid_ke_payload);
    CHECK(t.rsp->state() == exchange::initial_state::idle);
    const auto notify = copy(*r);
    // A forged INVALID_KE_PAYLOAD asking for ML-KEM-1024 (not offered as KE) is refused.
    auto forged = notify[0];
    forged[forged.size() - 1] = std::byte{37};
    auto f = t.ini->on_message(view(forged), t.ri, t.bi.out());
    REQUIRE_FALSE(f);
    CHECK(f.error().code == errc::no_proposal_chosen);
    t.to_ini = notify;
    t.initiator_turn();  // retry with ML-KEM-768
    REQUIRE(t.to_rsp.size() == 1);
    while (!t.to_rsp.empty()) {
        t.responder_turn();
        t.initiator_turn();
    }
    CHECK(t.ini->established());
    CHECK(t.ini->plan()[0].method == wire::to_number(ke_method::ml_kem_768));
}

TEST_CASE_TEMPLATE("IKE_FOLLOWUP_KE with an unknown link, or with no rekey in progress: STATE_NOT_FOUND", S,
                   PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    stepper<S> t;
    while (!t.to_rsp.empty()) {
        t.responder_turn();
        t.initiator_turn();
    }
    REQUIRE(t.ini->established());
    auto& sa_i = t.ini->sa();
    auto& sa_r = t.rsp->sa();
    const std::array<kex::proposal, 1> child{esp_proposal(7, {S::classical}, {ke_method::ml_kem_768})};
    exchange::rekey_config ci;
    ci.proposals = child;
    ci.ts_i = ts_body();
    ci.ts_r = ts_body();
    exchange::rekey_config cr;
    cr.proposals = child;
    auto ki = std::make_unique<exchange::rekey_initiator<S>>(sa_i, ci);
    auto kr = std::make_unique<exchange::rekey_responder<S>>(sa_r, cr);

    // No rekey in progress.
    auto stray = craft<C>(sa_i.send_keys(), sa_i.header(wire::exchange_type::ike_followup_ke, sa_r.next_peer_id, false),
                       [](auto& ib) {
                           add_ke(ib, ke_method::ml_kem_768, 1184);
                           ib.notify(wire::notify_type::additional_key_exchange, as_bytes_view("link", 4));
                       });
    auto r0 = kr->on_message(view(stray), t.rr, t.br.out());
    REQUIRE(r0);
    CHECK(r0->refused.code == errc::state_not_found);
    CHECK(kr->state() == exchange::rekey_state::idle);
    ++sa_i.next_request_id;  // that Message ID was used up by the refused exchange

    auto o = ki->start(t.ri, t.bi.out());
    REQUIRE(o);
    auto req = copy(*o);
    auto r1 = kr->on_message(view(req[0]), t.rr, t.br.out());
    REQUIRE(r1);
    REQUIRE_FALSE(r1->is_refusal());
    auto resp = copy(*r1);
    auto r2 = ki->on_message(view(resp[0]), t.ri, t.bi.out());
    REQUIRE(r2);
    auto followup = copy(*r2);
    REQUIRE(kr->state() == exchange::rekey_state::followup);
    // A link the responder never gave.
    auto bogus = craft<C>(sa_i.send_keys(), sa_i.header(wire::exchange_type::ike_followup_ke, sa_r.next_peer_id, false),
                       [](auto& ib) {
                           add_ke(ib, ke_method::ml_kem_768, 1184);
                           ib.notify(wire::notify_type::additional_key_exchange, as_bytes_view("bogus-link", 10));
                       });
    const auto before = kr->snapshot();
    auto r3 = kr->on_message(view(bogus), t.rr, t.br.out());
    REQUIRE(r3);
    CHECK(r3->refused.code == errc::state_not_found);
    CHECK(kr->state() == exchange::rekey_state::followup);
    CHECK(kr->snapshot().step == before.step);
    // The initiator reads the STATE_NOT_FOUND answer to its IKE_FOLLOWUP_KE as the end of the rekey.
    auto r4 = ki->on_message(r3->datagrams[0], t.ri, t.bi.out());
    REQUIRE_FALSE(r4);
    CHECK(r4.error().code == errc::state_not_found);
    CHECK(ki->failed());
    CHECK(followup.size() == 1);
}
