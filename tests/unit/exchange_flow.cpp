// SPDX-License-Identifier: MIT
// The whole life of an SA in memory, both sides built only from the exchange helpers:
// IKE_SA_INIT (X25519) + IKE_INTERMEDIATE (ML-KEM-768) + IKE_INTERMEDIATE (ML-KEM-1024,
// fragmented) + IKE_AUTH (PSK), then a Child SA rekey (X25519 + ML-KEM-768 via IKE_FOLLOWUP_KE),
// an IKE SA rekey started by the original responder, and an INFORMATIONAL exchange on the new SA.
// Both sides must end with identical keys; run over every suite of support/exchange_suites.hpp
// (reference crypto only, where toy DH is the classical KE; OpenSSL's X25519 and AES-GCM with
// reference and OpenSSL HMAC PRFs).
#include "common.hpp"
#include "exchange_helpers.hpp"

using namespace exh;
using namespace pqike::test;


TEST_CASE_TEMPLATE("initial exchange, Child SA rekey with IKE_FOLLOWUP_KE, IKE SA rekey, INFORMATIONAL", S,
                   PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{ke_method::ml_kem_768, ke_method::ml_kem_1024}, {ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    seeded_rng ri{11}, rr{12};
    pair<S> p{c};
    p.run(ri, rr);
    REQUIRE(p.ini->established());
    REQUIRE(p.rsp->established());
    auto& sa_i = p.ini->sa();
    auto& sa_r = p.rsp->sa();

    // Child SA rekey: KE the classical method (X25519 or toy DH), ADDKE1 ML-KEM-768; a 3-octet link.
    const std::array<kex::proposal, 1> child_i{esp_proposal(5, {S::classical}, {ke_method::ml_kem_768})};
    const std::array<kex::proposal, 2> accept_r{esp_proposal(6, {S::classical}, {ke_method::ml_kem_768}),
                                                ike_proposal<S>(S::classical, {ke_method::ml_kem_768})};
    exchange::rekey_config rci;
    rci.proposals = child_i;
    rci.ts_i = ts_body();
    rci.ts_r = ts_body();
    rci.rekeyed_spi = bytes_view{p.ini->child().spi_i};
    exchange::rekey_config rcr;
    rcr.proposals = accept_r;
    rcr.link_size = 3;
    {
        rekey_run<S> k{sa_i, rci, sa_r, rcr, ri, rr};
        REQUIRE(k.ki->done());
        REQUIRE(k.kr->done());
        CHECK(k.exchanges == 2);  // CREATE_CHILD_SA + one IKE_FOLLOWUP_KE
        CHECK(k.ki->followups_done() == 1);
        CHECK_FALSE(k.ki->is_ike_rekey());
        const auto& a = k.ki->child();
        const auto& b = k.kr->child();
        REQUIRE(a.established());
        REQUIRE(b.established());
        CHECK(ct_equal(a.keys->encr_i(), b.keys->encr_i()));
        CHECK(ct_equal(a.keys->encr_r(), b.keys->encr_r()));
        CHECK(a.spi_i == b.spi_i);
        CHECK(a.spi_r == b.spi_r);
        // Not the IKE_AUTH Child SA's keys.
        CHECK_FALSE(ct_equal(a.keys->encr_i(), p.ini->child().keys->encr_i()));
        CHECK(sa_i.next_request_id == 6);
        CHECK(sa_r.next_peer_id == 6);
    }

    // IKE SA rekey started by the original responder: it becomes the new SA's original initiator.
    const std::array<kex::proposal, 1> ike_r{ike_proposal<S>(S::classical, {ke_method::ml_kem_768})};
    const std::array<kex::proposal, 1> ike_i{ike_proposal<S>(S::classical, {ke_method::ml_kem_768})};
    exchange::rekey_config a_cfg;
    a_cfg.proposals = ike_r;
    exchange::rekey_config b_cfg;
    b_cfg.proposals = ike_i;
    b_cfg.link_size = 1;
    rekey_run<S> k{sa_r, a_cfg, sa_i, b_cfg, rr, ri};
    REQUIRE(k.ki->done());
    REQUIRE(k.kr->done());
    CHECK(k.exchanges == 2);
    CHECK(k.ki->is_ike_rekey());
    auto& na = k.ki->new_ike_sa();  // old responder's side
    auto& nb = k.kr->new_ike_sa();
    REQUIRE(na.established());
    REQUIRE(nb.established());
    CHECK(na.original_initiator);
    CHECK_FALSE(nb.original_initiator);
    CHECK(na.spi_i == nb.spi_i);
    CHECK(na.spi_r == nb.spi_r);
    CHECK(na.spi_i != sa_i.spi_i);
    CHECK(same_ike_keys(*na.keys, *nb.keys));
    CHECK_FALSE(ct_equal(na.keys->sk_d(), sa_i.keys->sk_d()));
    CHECK(na.keys->stage() == 0);

    // INFORMATIONAL on the new SA: a private-use Notify (40960) and a Delete of the old IKE SA.
    const auto cafe = unhex("cafe");
    std::array<std::byte, 16> note_buf{};
    auto note = exchange::notify_item(wire::make_notify(static_cast<wire::notify_type>(40960), view(cafe)), note_buf);
    REQUIRE(note);
    CHECK(tohex(note->body) == "0000a000cafe");  // protocol 0, SPI size 0, type 40960, data
    const auto del = unhex("01000000");           // Delete, protocol IKE
    const std::array<exchange::payload_item, 2> items{
        *note, exchange::payload_item{wire::payload_type::del, view(del)}};
    auto ii = std::make_unique<exchange::informational_initiator<S>>(na);
    auto ir = std::make_unique<exchange::informational_responder<S>>(nb);
    buffer b1, b2;
    auto o = ii->start(items, rr, b1.out());
    REQUIRE(o);
    REQUIRE(o->datagrams.size() == 1);
    const auto req = copy(*o);
    auto got = ir->receive(view(req[0]));
    REQUIRE(got);
    REQUIRE(*got);
    CHECK(ir->payloads().n == 2);
    auto nv = ir->payloads().notify(static_cast<wire::notify_type>(40960));
    REQUIRE(nv);
    CHECK(tohex(nv->data) == "cafe");
    CHECK(ir->payloads().find(wire::payload_type::del) != nullptr);
    auto resp = ir->respond({}, ri, b2.out());
    REQUIRE(resp);
    const auto rsp = copy(*resp);
    auto fin = ii->on_message(view(rsp[0]));
    REQUIRE(fin);
    CHECK(*fin);
    CHECK(ii->payloads().n == 0);
    CHECK(na.next_request_id == 1);
    CHECK(nb.next_peer_id == 1);
}

#if defined(PQIKE_HAVE_OPENSSL)
TEST_CASE("the same inputs give the same rekeyed keys over reference and OpenSSL PRFs") {
    auto keys_of = [&](auto tag) {
        using S = typename decltype(tag)::type;
        peers_cfg<S> c{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
        seeded_rng ri{21}, rr{22};
        pair<S> p{c};
        p.run(ri, rr);
        REQUIRE(p.ini->established());
        const std::array<kex::proposal, 1> ike{ike_proposal<S>(S::classical, {ke_method::ml_kem_768})};
        exchange::rekey_config cfg;
        cfg.proposals = ike;
        rekey_run<S> k{p.ini->sa(), cfg, p.rsp->sa(), cfg, ri, rr};
        REQUIRE(k.ki->done());
        return tohex(k.ki->new_ike_sa().keys->sk_d()) + tohex(k.ki->new_ike_sa().keys->sk_er());
    };
    struct ref_tag { using type = openssl_suite; };
    struct ossl_tag { using type = openssl_prf_suite; };
    CHECK(keys_of(ref_tag{}) == keys_of(ossl_tag{}));
}
#endif
