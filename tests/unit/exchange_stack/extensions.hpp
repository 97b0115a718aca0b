// SPDX-License-Identifier: MIT
#pragma once
// Payloads a stack adds to what the helpers build (extra_payloads), and the payloads of a received
// message a helper did not read (outgoing::unconsumed): issue #23 item 4.
#include "common.hpp"
#include "../exchange_helpers.hpp"

#include <pqike/exchange/rekey.hpp>

using namespace exh;
using namespace pqike::test;

namespace {

// A copy of one unconsumed payload (the views die with the next helper call).
struct seen {
    wire::payload_type type;
    std::vector<std::byte> body;
    bool operator==(const seen&) const = default;
};
using seen_list = std::vector<seen>;

seen_list keep(const exchange::outgoing& o) {
    seen_list s;
    for (const auto& p : o.unconsumed) s.push_back({p.type, {p.body.begin(), p.body.end()}});
    return s;
}

std::vector<std::byte> notify_body(wire::notify_type t, bytes_view data = {}) {
    std::array<std::byte, 64> b{};
    writer w{b};
    wire::make_notify(t, data).encode(w);
    REQUIRE(w.finish());
    return {w.written().begin(), w.written().end()};
}

// Status notify types (RFC 7296 §3.10.1, IANA): INITIAL_CONTACT; a private-use one (40960+).
constexpr auto initial_contact = static_cast<wire::notify_type>(16384);
constexpr auto private_notify = static_cast<wire::notify_type>(40961);

// Carries one message each way and returns what each side's helper left unread.
struct exchange_seen {
    seen_list at_responder, at_initiator;
};

}  // namespace

TEST_CASE_TEMPLATE("extra payloads reach the peer as unconsumed, helper payloads do not", S, PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
    const std::vector<std::byte> vid_i = {std::byte{'p'}, std::byte{'q'}, std::byte{'i'}};
    const std::vector<std::byte> vid_r = {std::byte{'r'}, std::byte{'s'}, std::byte{'p'}, std::byte{'!'}};
    const auto ic = notify_body(initial_contact);
    const auto priv = notify_body(private_notify, view("deployment"));
    const std::array<exchange::payload_item, 1> init_sa{{{wire::payload_type::vendor_id, view(vid_i)}}};
    const std::array<exchange::payload_item, 2> init_auth{
        {{wire::payload_type::notify, view(ic)}, {wire::payload_type::vendor_id, view(vid_i)}}};
    const std::array<exchange::payload_item, 1> resp_sa{{{wire::payload_type::vendor_id, view(vid_r)}}};
    const std::array<exchange::payload_item, 1> resp_int{{{wire::payload_type::notify, view(priv)}}};
    c.ci.extra.ike_sa_init = init_sa;
    c.ci.extra.ike_auth = init_auth;
    c.cr.extra.ike_sa_init = resp_sa;
    c.cr.extra.ike_intermediate = resp_int;
    exchange::initial_initiator<S> ini{c.ci};
    exchange::initial_responder<S> rsp{c.cr};
    seeded_rng ri{81}, rr{82};
    buffer bi, br;
    std::vector<exchange_seen> rounds;
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    while (!req.empty()) {
        exchange_seen rd;
        datagrams resp;
        for (auto& d : req) {
            auto r = rsp.on_message(view(d), rr, br.out());
            REQUIRE(r);
            REQUIRE_FALSE(r->is_refusal());
            if (!r->empty()) {
                rd.at_responder = keep(*r);
                resp = copy(*r);
            }
        }
        req.clear();
        for (auto& d : resp) {
            auto r = ini.on_message(view(d), ri, bi.out());
            REQUIRE(r);
            rd.at_initiator = keep(*r);
            if (!r->empty()) req = copy(*r);
        }
        rounds.push_back(rd);
    }
    REQUIRE(ini.established());
    REQUIRE(rsp.established());
    REQUIRE(rounds.size() == 3);  // IKE_SA_INIT, one IKE_INTERMEDIATE, IKE_AUTH
    // IKE_SA_INIT: each side sees the other's vendor ID and nothing of SA, KE, Nonce, the
    // fragmentation / intermediate notifies.
    CHECK(rounds[0].at_responder == seen_list{{wire::payload_type::vendor_id, vid_i}});
    CHECK(rounds[0].at_initiator == seen_list{{wire::payload_type::vendor_id, vid_r}});
    // IKE_INTERMEDIATE: the responder's private notify; the KE is the helpers'.
    CHECK(rounds[1].at_responder.empty());
    CHECK(rounds[1].at_initiator == seen_list{{wire::payload_type::notify, priv}});
    // IKE_AUTH: INITIAL_CONTACT and the vendor ID, in order; the initiator is left the TS
    // payloads of the response (narrowing is the stack's policy).
    CHECK(rounds[2].at_responder ==
          seen_list{{wire::payload_type::notify, ic}, {wire::payload_type::vendor_id, vid_i}});
    REQUIRE(rounds[2].at_initiator.size() == 2);
    CHECK(rounds[2].at_initiator[0].type == wire::payload_type::tsi);
    CHECK(rounds[2].at_initiator[1].type == wire::payload_type::tsr);
}

TEST_CASE_TEMPLATE("extra payloads in CREATE_CHILD_SA and IKE_FOLLOWUP_KE", S, PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{}, {}};
    pair<S> p{c};
    seeded_rng ri{83}, rr{84};
    p.run(ri, rr);
    REQUIRE(p.ini->established());
    const std::array<kex::proposal, 1> child{esp_proposal(9, {S::classical}, {ke_method::ml_kem_768})};
    const auto ic = notify_body(private_notify, view("rekey"));
    const std::vector<std::byte> vid = {std::byte{'v'}};
    const std::array<exchange::payload_item, 1> on_create{{{wire::payload_type::notify, view(ic)}}};
    const std::array<exchange::payload_item, 1> on_followup{{{wire::payload_type::vendor_id, view(vid)}}};
    exchange::rekey_config rk_i, rk_r;
    rk_i.proposals = rk_r.proposals = child;
    rk_i.ts_i = rk_i.ts_r = ts_body();
    rk_i.extra.create_child_sa = on_create;
    rk_r.extra.ike_followup_ke = on_followup;
    exchange::rekey_initiator<S> ki{p.ini->sa(), rk_i};
    exchange::rekey_responder<S> kr{p.rsp->sa(), rk_r};
    buffer bi, br;
    auto o = ki.start(ri, bi.out());
    REQUIRE(o);
    auto r1 = kr.on_message(o->datagrams[0], rr, br.out());  // CREATE_CHILD_SA
    REQUIRE(r1);
    CHECK(keep(*r1) == seen_list{{wire::payload_type::notify, ic}});
    auto o2 = ki.on_message(r1->datagrams[0], ri, bi.out());
    REQUIRE(o2);
    const datagrams followup = copy(*o2);  // the ML-KEM ek: in fragments at 1280 octets
    exchange::outgoing r2{};
    for (const auto& d : followup) {
        auto r = kr.on_message(view(d), rr, br.out());  // IKE_FOLLOWUP_KE
        REQUIRE(r);
        if (!r->empty()) r2 = *r;
    }
    REQUIRE_FALSE(r2.empty());
    CHECK(r2.unconsumed.empty());
    const datagrams answer = copy(r2);
    seen_list last;
    for (const auto& d : answer) {
        auto r = ki.on_message(view(d), ri, bi.out());
        REQUIRE(r);
        last = keep(*r);
    }
    CHECK(last == seen_list{{wire::payload_type::vendor_id, vid}});
    CHECK(ki.done());
    CHECK(kr.done());
}

TEST_CASE("an extra payload that cannot stand in a chain is refused before anything is built") {
    using S = reference_suite;
    peers_cfg<S> c{{}, {}};
    const std::array<exchange::payload_item, 1> bad{{{wire::payload_type::sk, view("x")}}};
    c.ci.extra.ike_auth = bad;
    exchange::initial_initiator<S> ini{c.ci};
    seeded_rng ri{85};
    buffer bi;
    auto o = ini.start(ri, bi.out());
    REQUIRE_FALSE(o);
    CHECK(o.error().code == errc::invalid_syntax);
    CHECK(std::string_view{o.error().field} == "payload_item.type");
    CHECK(ini.state() == exchange::initial_state::idle);
    // The responder likewise refuses to answer with it configured, and keeps no state.
    peers_cfg<S> ok{{}, {}};
    ok.cr.extra.ike_sa_init = bad;
    exchange::initial_initiator<S> ini2{ok.ci};
    exchange::initial_responder<S> rsp{ok.cr};
    auto req = ini2.start(ri, bi.out());
    REQUIRE(req);
    buffer br;
    seeded_rng rr{86};
    auto r = rsp.on_message(req->datagrams[0], rr, br.out());
    REQUIRE_FALSE(r);
    CHECK(rsp.state() == exchange::initial_state::idle);
}
