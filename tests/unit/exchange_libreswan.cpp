// SPDX-License-Identifier: MIT
// What libreswan 5.4 does differently, found live (docs/interop.md, "libreswan"), reproduced in
// memory so CI needs no libreswan:
//  - its IKE_AUTH Child SA proposal carries the ADDKE transforms of its esp= line (no KE); as
//    responder it requires them there, as initiator it wants them echoed: pqike never runs
//    KE/ADDKE transforms in IKE_AUTH (RFC 7296 §1.2), echoes the peer's as RFC 7296 §2.7 asks,
//    and can send ADDKEs without KE (initial_config::child_ke_in_auth = addke_only);
//  - as responder to a Child SA rekey it echoes ADDKE1 in its SA but sends no
//    ADDITIONAL_KEY_EXCHANGE: pqike names that errc::additional_key_exchange_skipped.
#include "common.hpp"
#include "exchange_helpers.hpp"

#include <pqike/kex/negotiate.hpp>
#include <pqike/wire/sk.hpp>

using namespace exh;
using namespace pqike::test;

namespace {

// The SA payload body of libreswan 5.4's IKE_AUTH request for esp=aes_gcm256;dh31;addke1=dh19,
// pfs=yes, octet for octet as pluto's debug log of the live run shows it being emitted
// (examples/libreswan_live/README.md): proposal 1, ESP, SPI a2530783, ENCR AES-GCM-16 (Key
// Length 256), ESN 1, ESN 0, ADDKE1 ECP-256 (19) — ADDKE without KE.
constexpr std::array<std::uint8_t, 48> libreswan_54_auth_sa{
    0x00, 0x00, 0x00, 0x30, 0x01, 0x03, 0x04, 0x04, 0xa2, 0x53, 0x07, 0x83,  // proposal header, SPI
    0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x01, 0x00,  // ENCR 20, 256 bits
    0x03, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00, 0x01,                          // ESN 1
    0x03, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00, 0x00,                          // ESN 0
    0x00, 0x00, 0x00, 0x08, 0x06, 0x00, 0x00, 0x13,                          // ADDKE1 19
};

// The same shape with other key exchanges (KE optional, ADDKE1 given), as an SA payload body.
std::vector<std::byte> libreswan_auth_sa(std::initializer_list<ke_method> ke, ke_method addke1) {
    kex::proposal p{wire::protocol_id::esp};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_esn(wire::esn_id::no);
    for (auto m : ke) (void)p.add_ke(m);
    (void)p.add_addke(1, addke1);
    const std::array<std::byte, 4> spi{std::byte{0x11}, std::byte{0x22}, std::byte{0x33}, std::byte{0x44}};
    REQUIRE(p.set_spi(spi));
    std::vector<std::byte> buf(256);
    writer w{buf};
    const std::array<kex::proposal, 1> ps{p};
    REQUIRE(kex::encode_sa(w, ps));
    buf.resize(w.size());
    return buf;
}

kex::proposal decode_only(bytes_view sa_body) {
    auto sv = wire::sa_view::decode(sa_body);
    REQUIRE(sv);
    auto pc = sv->proposal_list();
    auto pv = pc.next();
    REQUIRE(pv);
    auto p = kex::decode_proposal(*pv);
    REQUIRE(p);
    return *p;
}

}  // namespace

TEST_CASE("IKE_AUTH Child SA proposal with ADDKE1 (libreswan): refused as before, accepted as NONE with key_exchange_as_none") {
    const std::array<kex::proposal, 1> local{esp_proposal(2)};
    for (auto ke : {std::initializer_list<ke_method>{}, std::initializer_list<ke_method>{ke_method::curve25519}}) {
        const auto body = libreswan_auth_sa(ke, ke_method::ml_kem_768);
        auto sv = wire::sa_view::decode(view(body));
        REQUIRE(sv);
        // Without the option the ADDKE1 {ML-KEM-768} list meets our implicit {NONE}: nothing matches.
        auto plain = kex::select(*sv, local);
        REQUIRE_FALSE(plain);
        CHECK(plain.error().code == errc::no_proposal_chosen);
        kex::select_options so;
        so.key_exchange_as_none = true;
        auto neg = kex::select(*sv, local, so);
        REQUIRE(neg);
        CHECK(neg->ke() == 0);
        CHECK(neg->addke(1) == 0);
        CHECK(neg->plan().empty());
        CHECK(neg->includes(wire::transform_type::ke) == (ke.size() != 0));
        CHECK(neg->includes(wire::addke(1)));
        CHECK(neg->includes(wire::transform_type::encr));
        CHECK(neg->get(wire::transform_type::encr) == kex::transform{20, 256});
        // The reply echoes one transform of each type the peer included (RFC 7296 §2.7), as
        // libreswan 5.4 wants, although none of them runs.
        std::vector<std::byte> reply(128);
        writer w{reply};
        REQUIRE(kex::encode_reply(w, *neg, view(std::vector<std::byte>(4, std::byte{7}))));
        reply.resize(w.size());
        const auto rp = decode_only(view(reply));
        CHECK(rp.has(wire::transform_type::ke) == (ke.size() != 0));
        REQUIRE(rp.has(wire::addke(1)));
        CHECK(rp.of(wire::addke(1))[0].id == wire::to_number(ke_method::ml_kem_768));
        CHECK(rp.has(wire::transform_type::esn));
        // And a pqike initiator takes that reply as NONE.
        const std::array<kex::proposal, 1> offered{decode_only(view(body))};
        auto back = kex::accept_reply(offered, rp, true);
        REQUIRE(back);
        CHECK(back->plan().empty());
    }
    // The option waives only the key exchange types: a cipher we do not have still fails.
    kex::proposal other{wire::protocol_id::esp};
    (void)other.add_encr(wire::encr_id::aes_gcm_16, 128);
    (void)other.add_esn(wire::esn_id::no);
    (void)other.add_addke(1, ke_method::ml_kem_768);
    const std::array<kex::proposal, 1> peer{other};
    kex::select_options so;
    so.key_exchange_as_none = true;
    auto neg = kex::select(std::span<const kex::proposal>{peer}, std::span<const kex::proposal>{local}, so);
    REQUIRE_FALSE(neg);
    CHECK(neg.error().code == errc::no_proposal_chosen);
}

TEST_CASE("libreswan 5.4's recorded IKE_AUTH Child SA proposal: accepted, ADDKE1 echoed, nothing run") {
    const bytes_view body = as_bytes_view(libreswan_54_auth_sa.data(), libreswan_54_auth_sa.size());
    auto sv = wire::sa_view::decode(body);
    REQUIRE(sv);
    const std::array<kex::proposal, 1> local{esp_proposal(2)};  // AES-GCM-16-256, ESN 0
    auto plain = kex::select(*sv, local);  // what pqike answered before: NO_PROPOSAL_CHOSEN
    REQUIRE_FALSE(plain);
    CHECK(plain.error().code == errc::no_proposal_chosen);
    kex::select_options so;
    so.key_exchange_as_none = true;
    auto neg = kex::select(*sv, local, so);
    REQUIRE(neg);
    CHECK(neg->plan().empty());
    CHECK(neg->get(wire::transform_type::esn).id == 0);
    const std::array<std::byte, 4> spi{std::byte{0xa2}, std::byte{0x53}, std::byte{0x07}, std::byte{0x83}};
    CHECK(ct_equal(neg->peer_spi_view(), bytes_view{spi}));
    std::vector<std::byte> reply(64);
    writer w{reply};
    REQUIRE(kex::encode_reply(w, *neg, bytes_view{spi}));
    reply.resize(w.size());
    const auto rp = decode_only(view(reply));
    REQUIRE(rp.has(wire::addke(1)));
    CHECK(rp.of(wire::addke(1))[0].id == 19);
    CHECK_FALSE(rp.has(wire::transform_type::ke));
    CHECK(reply.size() == 4 + 8 + 12 + 8 + 8);  // SA reply body: proposal header + SPI, ENCR, ESN, ADDKE1
}

TEST_CASE("IKE_AUTH reply echoing our ADDKE1: accepted as NONE; an ADDKE we did not offer is still refused") {
    const std::array<kex::proposal, 1> ours{esp_proposal(1, {}, {ke_method::ml_kem_768})};
    kex::proposal echo{wire::protocol_id::esp};
    echo.number = 1;
    (void)echo.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)echo.add_esn(wire::esn_id::no);
    (void)echo.add_addke(1, ke_method::ml_kem_768);
    auto as_none = kex::accept_reply(ours, echo, true);
    REQUIRE(as_none);
    CHECK(as_none->addke(1) == 0);
    CHECK(as_none->plan().empty());
    auto plain = kex::accept_reply(ours, echo);  // a CREATE_CHILD_SA reply keeps it
    REQUIRE(plain);
    CHECK(plain->addke(1) == wire::to_number(ke_method::ml_kem_768));
    kex::proposal wrong = echo;
    wrong.lists[wire::to_number(wire::addke(1)) - 1u].clear();
    (void)wrong.add_addke(1, ke_method::ml_kem_1024);
    auto bad = kex::accept_reply(ours, wrong, true);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == errc::invalid_syntax);
}

TEST_CASE("encode_sa: all, none or only the ADDKE key exchange transforms") {
    const std::array<kex::proposal, 1> ps{esp_proposal(1, {ke_method::curve25519}, {ke_method::ml_kem_768})};
    std::vector<std::byte> all(256), none(256), addke(256);
    writer a{all}, n{none}, d{addke};
    REQUIRE(kex::encode_sa(a, ps));
    REQUIRE(kex::encode_sa(n, ps, kex::ke_transforms::none));
    REQUIRE(kex::encode_sa(d, ps, kex::ke_transforms::addke_only));
    all.resize(a.size());
    none.resize(n.size());
    addke.resize(d.size());
    const auto pa = decode_only(view(all)), pn = decode_only(view(none)), pd = decode_only(view(addke));
    CHECK(pa.has(wire::transform_type::ke));
    CHECK(pa.has(wire::addke(1)));
    CHECK_FALSE(pn.has(wire::transform_type::ke));
    CHECK_FALSE(pn.has(wire::addke(1)));
    CHECK_FALSE(pd.has(wire::transform_type::ke));
    CHECK(pd.has(wire::addke(1)));
    for (const auto* p : {&pa, &pn, &pd}) {
        CHECK(p->of(wire::transform_type::encr).size() == 1);
        CHECK(p->has(wire::transform_type::esn));
    }
    CHECK(all.size() == none.size() + 16);  // two 8-octet transforms
    CHECK(addke.size() == none.size() + 8);
}

TEST_CASE_TEMPLATE("IKE_AUTH with ADDKE in the Child SA proposal, both directions of the option", S, PQIKE_EXCHANGE_SUITES) {
    for (const auto mode : {kex::ke_transforms::addke_only, kex::ke_transforms::none, kex::ke_transforms::all}) {
        CAPTURE(static_cast<int>(mode));
        peers_cfg<S> c{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
        // Initiator: a Child SA policy with KE and ADDKE1, for its later rekeys.
        c.child_i = {esp_proposal(1, {S::classical}, {ke_method::ml_kem_768})};
        c.ci.child = c.child_i;
        c.ci.child_ke_in_auth = mode;
        // Responder as libreswan would be configured: the same ADDKE in its Child SA policy.
        c.child_r = {esp_proposal(2, {S::classical}, {ke_method::ml_kem_768})};
        c.cr.child = c.child_r;
        seeded_rng ri{31}, rr{32};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        REQUIRE(p.rsp->established());
        REQUIRE(p.ini->child().established());
        REQUIRE(p.rsp->child().established());
        CHECK(p.ini->child().negotiated.plan().empty());
        CHECK(p.rsp->child().negotiated.plan().empty());
        CHECK(ct_equal(p.ini->child().keys->encr_i(), p.rsp->child().keys->encr_i()));
        CHECK(ct_equal(p.ini->child().keys->encr_r(), p.rsp->child().keys->encr_r()));
    }
}

// The Child SA rekey of a libreswan 5.4 responder: SA with ADDKE1 echoed, KE, no
// N(ADDITIONAL_KEY_EXCHANGE). Made from pqike's own response with that notify taken out.
TEST_CASE_TEMPLATE("Child SA rekey: responder picks ADDKE1 but sends no ADDITIONAL_KEY_EXCHANGE", S, PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    for (const bool strip : {false, true}) {
        CAPTURE(strip);
        peers_cfg<S> c{{}, {}};
        seeded_rng ri{41}, rr{42};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        auto& sa_i = p.ini->sa();
        auto& sa_r = p.rsp->sa();
        const std::array<kex::proposal, 1> child_i{esp_proposal(5, {S::classical}, {ke_method::ml_kem_768})};
        const std::array<kex::proposal, 1> accept_r{esp_proposal(6, {S::classical}, {ke_method::ml_kem_768})};
        exchange::rekey_config rci;
        rci.proposals = child_i;
        rci.ts_i = ts_body();
        rci.ts_r = ts_body();
        rci.rekeyed_spi = bytes_view{p.ini->child().spi_i};
        exchange::rekey_config rcr;
        rcr.proposals = accept_r;
        auto ki = std::make_unique<exchange::rekey_initiator<S>>(sa_i, rci);
        auto kr = std::make_unique<exchange::rekey_responder<S>>(sa_r, rcr);
        buffer bi, br;
        auto req = ki->start(ri, bi.out());
        REQUIRE(req);
        REQUIRE(req->datagrams.size() == 1);
        auto resp = kr->on_message(req->datagrams[0], rr, br.out());
        REQUIRE(resp);
        REQUIRE(resp->datagrams.size() == 1);
        std::vector<std::byte> msg(resp->datagrams[0].begin(), resp->datagrams[0].end());
        if (strip) {
            std::vector<std::byte> plain(msg.size());
            auto op = wire::open<C>(sa_r.send_keys(), view(msg), plain);
            REQUIRE(op);
            std::size_t dropped = 0;
            msg = craft<C>(sa_r.send_keys(), op->frame.header, [&](exchange::inner_builder& ib) {
                auto cur = op->inner_chain();
                while (!cur.done()) {
                    auto pl = cur.next();
                    REQUIRE(pl);
                    if (pl->type == wire::payload_type::notify) {
                        auto n = wire::notify_view::decode(pl->body);
                        REQUIRE(n);
                        if (n->kind == wire::notify_type::additional_key_exchange) {
                            ++dropped;
                            continue;
                        }
                    }
                    ib.add(pl->type, pl->body);
                }
            });
            REQUIRE(dropped == 1);
        }
        auto r = ki->on_message(view(msg), ri, bi.out());
        if (strip) {
            REQUIRE_FALSE(r);
            CHECK(r.error().code == errc::additional_key_exchange_skipped);
            CHECK(ki->failed());
            CHECK_FALSE(ki->child().established());
        } else {
            REQUIRE(r);
            CHECK(ki->state() == exchange::rekey_state::followup);  // IKE_FOLLOWUP_KE goes out
            CHECK(r->datagrams.size() >= 1);
        }
    }
}

TEST_CASE("additional_key_exchange_skipped: its name, its notify, its C code") {
    CHECK(std::string{errc_name(errc::additional_key_exchange_skipped)} == "additional_key_exchange_skipped");
    CHECK(notify_for(errc::additional_key_exchange_skipped) == notify_error::invalid_syntax);
    CHECK(notify_for(errc::additional_key_exchange_skipped, false) == notify_error::none);
    CHECK(static_cast<int>(errc::additional_key_exchange_skipped) == 44);  // PQIKE_ADDITIONAL_KEY_EXCHANGE_SKIPPED
}

// The other direction (libreswan 5.4 as rekey initiator): it gets our N(ADDITIONAL_KEY_EXCHANGE),
// installs the SA without IKE_FOLLOWUP_KE and sends its next request (a Delete of the old Child SA).
TEST_CASE_TEMPLATE("Child SA rekey: the initiator's next request is not the IKE_FOLLOWUP_KE", S, PQIKE_EXCHANGE_SUITES) {
    using C = typename S::cipher;
    for (const int next : {0, 1, 2, 3}) {  // INFORMATIONAL, CREATE_CHILD_SA, forged INFORMATIONAL, the real follow-up
        CAPTURE(next);
        peers_cfg<S> c{{}, {}};
        seeded_rng ri{51}, rr{52};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        auto& sa_i = p.ini->sa();
        auto& sa_r = p.rsp->sa();
        const std::array<kex::proposal, 1> child_i{esp_proposal(5, {S::classical}, {ke_method::ml_kem_768})};
        const std::array<kex::proposal, 1> accept_r{esp_proposal(6, {S::classical}, {ke_method::ml_kem_768})};
        exchange::rekey_config rci;
        rci.proposals = child_i;
        rci.ts_i = ts_body();
        rci.ts_r = ts_body();
        rci.rekeyed_spi = bytes_view{p.ini->child().spi_i};
        exchange::rekey_config rcr;
        rcr.proposals = accept_r;
        auto ki = std::make_unique<exchange::rekey_initiator<S>>(sa_i, rci);
        auto kr = std::make_unique<exchange::rekey_responder<S>>(sa_r, rcr);
        buffer bi, br;
        auto req = ki->start(ri, bi.out());
        REQUIRE(req);
        auto resp = kr->on_message(req->datagrams[0], rr, br.out());
        REQUIRE(resp);
        REQUIRE(kr->state() == exchange::rekey_state::followup);
        const auto before = kr->snapshot();
        const std::array<std::byte, 8> del{std::byte{3}, std::byte{4}, std::byte{0}, std::byte{1},
                                           std::byte{0xc0}, std::byte{0}, std::byte{0}, std::byte{5}};
        std::vector<std::byte> msg;
        if (next == 0 || next == 2) {
            msg = craft<C>(sa_i.send_keys(), sa_i.header(wire::exchange_type::informational, sa_r.next_peer_id, false),
                           [&](exchange::inner_builder& ib) { ib.add(wire::payload_type::del, bytes_view{del}); });
            if (next == 2) msg.back() ^= std::byte{1};  // inside the ICV
        } else if (next == 1) {
            msg = craft<C>(sa_i.send_keys(), sa_i.header(wire::exchange_type::create_child_sa, sa_r.next_peer_id, false),
                           [&](exchange::inner_builder& ib) { ib.notify(wire::notify_type::rekey_sa); });
        } else {
            auto f = ki->on_message(view(copy(*resp)[0]), ri, bi.out());
            REQUIRE(f);
            REQUIRE(f->datagrams.size() >= 1);
            for (auto d : copy(*f)) {
                auto r = kr->on_message(view(d), rr, br.out());
                REQUIRE(r);
            }
            CHECK(kr->done());
            continue;
        }
        auto r = kr->on_message(view(msg), rr, br.out());
        REQUIRE_FALSE(r);
        if (next == 2) {  // not authentic: dropped, the rekey still waits
            CHECK(r.error().code == errc::integrity_check_failed);
            CHECK(kr->snapshot() == before);
        } else {
            CHECK(r.error().code == errc::additional_key_exchange_skipped);
            CHECK(kr->failed());
            CHECK_FALSE(kr->child().established());
        }
    }
}
