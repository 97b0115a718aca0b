// SPDX-License-Identifier: MIT
// The initial exchanges end to end in memory: IKE_SA_INIT (classical KE: X25519, or toy DH with
// reference crypto only) + IKE_INTERMEDIATE (ML-KEM-768) + IKE_INTERMEDIATE (ML-KEM-1024,
// fragmented) + IKE_AUTH (PSK, Child SA), and the same with every ADDKE = NONE; over every suite
// of support/exchange_suites.hpp (reference only; OpenSSL with reference and OpenSSL HMAC PRFs)
// with the same seeded Rng.
#include "common.hpp"
#include "exchange_helpers.hpp"

using namespace exh;
using namespace pqike::test;


TEST_CASE_TEMPLATE("classical KE + ML-KEM-768 + ML-KEM-1024 (fragmented) + PSK IKE_AUTH with a Child SA", S,
                   PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{ke_method::ml_kem_768, ke_method::ml_kem_1024}, {ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    seeded_rng ri{1}, rr{2};
    pair<S> p{c};
    p.run(ri, rr);
    REQUIRE(p.ini->established());
    REQUIRE(p.rsp->established());
    CHECK(p.exchanges == 4);            // IKE_SA_INIT, 2 x IKE_INTERMEDIATE, IKE_AUTH
    CHECK(p.max_fragments_seen >= 2);   // the ML-KEM-1024 ek does not fit 1280 octets
    CHECK(p.ini->plan().size() == 3);
    CHECK(p.ini->intermediates_done() == 2);
    CHECK(p.ini->int_auth().initiator_count() == 2);
    CHECK(p.rsp->int_auth().responder_count() == 2);
    CHECK(p.ini->sa().keys->stage() == 2);
    CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    CHECK(p.ini->sa().spi_i == p.rsp->sa().spi_i);
    CHECK(p.ini->sa().spi_r == p.rsp->sa().spi_r);
    CHECK(p.ini->sa().next_request_id == 4);
    CHECK(p.rsp->sa().next_peer_id == 4);
    REQUIRE(p.ini->child().established());
    REQUIRE(p.rsp->child().established());
    CHECK(ct_equal(p.ini->child().keys->encr_i(), p.rsp->child().keys->encr_i()));
    CHECK(ct_equal(p.ini->child().keys->encr_r(), p.rsp->child().keys->encr_r()));
    CHECK(p.ini->child().spi_i == p.rsp->child().spi_i);
    CHECK(p.ini->child().spi_r == p.rsp->child().spi_r);
    CHECK(tohex(p.rsp->peer_id()) == tohex(unhex("02000000" "616c6963652e6578616d706c65")));
}

TEST_CASE_TEMPLATE("every ADDKE NONE: no IKE_INTERMEDIATE, no IntAuth", S, PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{ke_method::none}, {ke_method::none}};
    seeded_rng ri{3}, rr{4};
    pair<S> p{c};
    p.run(ri, rr);
    REQUIRE(p.ini->established());
    REQUIRE(p.rsp->established());
    CHECK(p.exchanges == 2);
    CHECK(p.ini->plan().size() == 1);
    CHECK_FALSE(p.ini->int_auth().ran());
    CHECK_FALSE(p.rsp->int_auth().ran());
    CHECK(p.ini->sa().keys->stage() == 0);
    CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
    CHECK(p.ini->child().established());
}

#if defined(PQIKE_HAVE_OPENSSL)
TEST_CASE("reference and OpenSSL PRFs give the same keys for the same inputs") {
    const std::initializer_list<ke_method> addke{ke_method::ml_kem_768, ke_method::ml_kem_1024};
    peers_cfg<openssl_suite> ca{addke, addke};
    peers_cfg<openssl_prf_suite> cb{addke, addke};
    seeded_rng ri1{7}, rr1{8}, ri2{7}, rr2{8};
    pair<openssl_suite> a{ca};
    pair<openssl_prf_suite> b{cb};
    a.run(ri1, rr1);
    b.run(ri2, rr2);
    REQUIRE(a.ini->established());
    REQUIRE(b.ini->established());
    const auto& ka = *a.ini->sa().keys;
    const auto& kb = *b.ini->sa().keys;
    CHECK(tohex(ka.sk_d()) == tohex(kb.sk_d()));
    CHECK(tohex(ka.sk_ei()) == tohex(kb.sk_ei()));
    CHECK(tohex(ka.sk_pr()) == tohex(kb.sk_pr()));
    CHECK(tohex(a.ini->child().keys->encr_i()) == tohex(b.ini->child().keys->encr_i()));
}
#endif
