// SPDX-License-Identifier: MIT
#pragma once
// Retransmitted requests (RFC 7296 §2.1, RFC 7383 §2.6.1), reassembly in progress and Delete,
// the same in every responder (issue #23 item 5). Found live too: charon 5.9.8 drops an
// IKE_SA_INIT response that races its own processing of the previous one and retransmits; an
// unanswered retransmission made it give up (scripts/checks.d/strongswan-live.sh).
#include "common.hpp"
#include "../exchange_helpers.hpp"

#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/rekey.hpp>

using namespace exh;
using namespace pqike::test;

namespace {

// Delivers every datagram of `d` to `on`; returns the last non-empty result.
template <class F>
exchange::outgoing deliver(const datagrams& d, F&& on) {
    exchange::outgoing last{};
    for (const auto& x : d) {
        auto r = on(view(x));
        REQUIRE(r);
        if (!r->empty() || r->retransmit) last = *r;
    }
    return last;
}

}  // namespace

TEST_CASE_TEMPLATE("initial responder: every request repeated after its answer asks for the answer again", S,
                   PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
    c.ci.fragments.max_size = 600;  // IKE_INTERMEDIATE in fragments
    c.cr.fragments.max_size = 600;
    exchange::initial_initiator<S> ini{c.ci};
    exchange::initial_responder<S> rsp{c.cr};
    seeded_rng ri{91}, rr{92};
    buffer bi, br;
    auto on_r = [&](bytes_view d) { return rsp.on_message(d, rr, br.out()); };
    auto on_i = [&](bytes_view d) { return ini.on_message(d, ri, bi.out()); };
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    std::size_t exchanges = 0;
    while (!req.empty()) {
        ++exchanges;
        datagrams resp = copy(deliver(req, on_r));
        REQUIRE_FALSE(resp.empty());
        // The whole request again: exactly one datagram asks for the response again, the other
        // fragments are ignored; nothing changes.
        const auto before = rsp.snapshot();
        std::size_t resend = 0;
        for (const auto& d : req) {
            auto r = on_r(view(d));
            REQUIRE(r);
            CHECK(r->empty());
            resend += r->retransmit ? 1u : 0u;
        }
        CHECK(resend == 1);
        CHECK(rsp.snapshot() == before);
        auto next = deliver(resp, on_i);
        req = copy(next);
    }
    CHECK(exchanges == 3);
    REQUIRE(rsp.established());
    REQUIRE(ini.established());
}

TEST_CASE("initial responder: a datagram with the answered request's header but other octets is no retransmission") {
    using S = reference_suite;
    peers_cfg<S> c{{}, {}};
    exchange::initial_initiator<S> ini{c.ci};
    exchange::initial_responder<S> rsp{c.cr};
    seeded_rng ri{93}, rr{94};
    buffer bi, br;
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    REQUIRE(rsp.on_message(view(req[0]), rr, br.out()));
    req[0].back() ^= std::byte{0x40};
    auto r = rsp.on_message(view(req[0]), rr, br.out());
    REQUIRE_FALSE(r);  // an IKE_SA_INIT while one is answered: unexpected
    CHECK(r.error().code == errc::unexpected_message);
}

TEST_CASE_TEMPLATE("rekey and INFORMATIONAL responders answer repeats the same way, also after they finished", S,
                   PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{}, {}};
    pair<S> p{c};
    seeded_rng ri{95}, rr{96};
    p.run(ri, rr);
    REQUIRE(p.rsp->established());
    const std::array<kex::proposal, 1> child{esp_proposal(9, {S::classical}, {ke_method::ml_kem_768})};
    exchange::rekey_config rk;
    rk.proposals = child;
    rk.ts_i = rk.ts_r = ts_body();
    exchange::rekey_initiator<S> ki{p.ini->sa(), rk};
    exchange::rekey_responder<S> kr{p.rsp->sa(), rk};
    buffer bi, br;
    auto o = ki.start(ri, bi.out());
    REQUIRE(o);
    const datagrams create = copy(*o);
    auto r1 = kr.on_message(view(create[0]), rr, br.out());
    REQUIRE(r1);
    const auto mid = p.rsp->sa().next_peer_id;
    auto again = kr.on_message(view(create[0]), rr, br.out());
    REQUIRE(again);
    CHECK(again->retransmit);
    CHECK(again->datagrams.empty());
    CHECK(p.rsp->sa().next_peer_id == mid);
    auto o2 = ki.on_message(r1->datagrams[0], ri, bi.out());
    REQUIRE(o2);
    const datagrams followup = copy(*o2);  // the ML-KEM ek: in fragments at 1280 octets
    REQUIRE(followup.size() >= 2);
    auto on_kr = [&](bytes_view d) { return kr.on_message(d, rr, br.out()); };
    const datagrams answer = copy(deliver(followup, on_kr));
    REQUIRE_FALSE(answer.empty());
    REQUIRE(kr.done());
    // The last response was lost: the retransmitted request draws one resend, whatever the order.
    std::size_t resend = 0;
    for (auto it = followup.rbegin(); it != followup.rend(); ++it) {
        auto late = kr.on_message(view(*it), rr, br.out());
        REQUIRE(late);
        CHECK(late->datagrams.empty());
        resend += late->retransmit ? 1u : 0u;
    }
    CHECK(resend == 1);
    auto stale = kr.on_message(view(create[0]), rr, br.out());  // older than the last answer
    CHECK_FALSE(stale);
    deliver(answer, [&](bytes_view d) { return ki.on_message(d, ri, bi.out()); });
    REQUIRE(ki.done());

    // INFORMATIONAL: receive, respond, the same request again.
    exchange::informational_initiator<S> ii{p.ini->sa()};
    exchange::informational_responder<S> ir{p.rsp->sa()};
    std::array<std::byte, 16> db{};
    auto del = exchange::delete_ike_sa_item(db);
    REQUIRE(del);
    const std::array<exchange::payload_item, 1> items{*del};
    auto q = ii.start(items, ri, bi.out());
    REQUIRE(q);
    const datagrams info = copy(*q);
    auto got = ir.receive(view(info[0]));
    REQUIRE(got);
    CHECK(*got);
    CHECK_FALSE(ir.retransmission());
    REQUIRE(ir.respond({}, rr, br.out()));
    auto rep = ir.receive(view(info[0]));
    REQUIRE(rep);
    CHECK_FALSE(*rep);
    CHECK(ir.retransmission());
}

TEST_CASE("Delete items: the IKE SA, Child SAs by SPI, and what a received INFORMATIONAL deletes") {
    using S = reference_suite;
    peers_cfg<S> c{{}, {}};
    pair<S> p{c};
    seeded_rng ri{97}, rr{98};
    p.run(ri, rr);
    REQUIRE(p.rsp->established());
    std::array<std::byte, 32> b1{}, b2{};
    const std::array<std::array<std::byte, 4>, 2> spis{{{std::byte{0xc0}, std::byte{0}, std::byte{0}, std::byte{1}},
                                                        {std::byte{0xc0}, std::byte{0}, std::byte{0}, std::byte{2}}}};
    auto child = exchange::delete_child_sa_item(wire::protocol_id::esp, spis, b1);
    REQUIRE(child);
    auto ike = exchange::delete_ike_sa_item(b2);
    REQUIRE(ike);
    CHECK_FALSE(exchange::delete_child_sa_item(wire::protocol_id::ike, spis, b1));
    CHECK_FALSE(exchange::delete_child_sa_item(wire::protocol_id::esp, {}, b1));
    std::array<std::byte, 4> tiny{};
    CHECK_FALSE(exchange::delete_child_sa_item(wire::protocol_id::esp, spis, tiny));

    exchange::informational_initiator<S> ii{p.ini->sa()};
    exchange::informational_responder<S> ir{p.rsp->sa()};
    buffer bi, br;
    const std::array<exchange::payload_item, 2> items{*child, *ike};
    auto q = ii.start(items, ri, bi.out());
    REQUIRE(q);
    auto got = ir.receive(q->datagrams[0]);
    REQUIRE(got);
    REQUIRE(*got);
    auto d = exchange::deletes_of(ir.payloads());
    REQUIRE(d);
    CHECK(d->ike_sa);
    REQUIRE(d->child_sas().size() == 1);
    CHECK(d->child_sas()[0].protocol == wire::protocol_id::esp);
    REQUIRE(d->child_sas()[0].count == 2);
    CHECK(ct_equal(d->child_sas()[0].spi(1), bytes_view{spis[1]}));
}

TEST_CASE_TEMPLATE("a rekey responder shows a reassembly in progress", S, PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{}, {}};
    c.ci.fragments.max_size = 600;
    c.cr.fragments.max_size = 600;
    pair<S> p{c};
    seeded_rng ri{99}, rr{100};
    p.run(ri, rr);
    REQUIRE(p.rsp->established());
    // A Child SA rekey with ML-KEM-768 in CREATE_CHILD_SA: its request is fragmented.
    const std::array<kex::proposal, 1> child{esp_proposal(9, {ke_method::ml_kem_768})};
    exchange::rekey_config rk;
    rk.proposals = child;
    rk.ts_i = rk.ts_r = ts_body();
    exchange::rekey_initiator<S> ki{p.ini->sa(), rk};
    exchange::rekey_responder<S> kr{p.rsp->sa(), rk};
    buffer bi, br;
    auto o = ki.start(ri, bi.out());
    REQUIRE(o);
    const datagrams req = copy(*o);
    REQUIRE(req.size() >= 2);
    auto r = kr.on_message(view(req[0]), rr, br.out());
    REQUIRE(r);
    CHECK(r->empty());
    CHECK(kr.reassembling());
    CHECK(kr.state() == exchange::rekey_state::idle);
    for (std::size_t i = 1; i < req.size(); ++i) REQUIRE(kr.on_message(view(req[i]), rr, br.out()));
    CHECK_FALSE(kr.reassembling());
    CHECK(kr.state() == exchange::rekey_state::done);
}
