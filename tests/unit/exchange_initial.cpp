// The initial exchanges end to end in memory: IKE_SA_INIT (X25519) + IKE_INTERMEDIATE
// (ML-KEM-768) + IKE_INTERMEDIATE (ML-KEM-1024, fragmented) + IKE_AUTH (PSK, Child SA), and the
// same with every ADDKE = NONE; over reference HMAC and OpenSSL HMAC PRFs with the same fixed Rng.
#include "exchange_helpers.hpp"

using namespace exh;
using namespace pqike::test;

namespace {

struct peers_cfg {
    std::array<kex::proposal, 1> ike_i;
    std::array<kex::proposal, 1> ike_r;
    std::array<kex::proposal, 1> child_i{esp_proposal(1)};
    std::array<kex::proposal, 1> child_r{esp_proposal(2)};
    exchange::initial_config ci{};
    exchange::initial_config cr{};
    peers_cfg(std::initializer_list<ke_method> addke_i, std::initializer_list<ke_method> addke_r)
        : ike_i{ike_proposal(addke_i)}, ike_r{ike_proposal(addke_r)} {
        ci.ike = ike_i;
        ci.child = child_i;
        ci.ts_i = ts_body();
        ci.ts_r = ts_body();
        ci.id = exchange::identity{wire::id_type::fqdn, view("alice.example")};
        ci.psk = psk();
        cr.ike = ike_r;
        cr.child = child_r;
        cr.id = exchange::identity{wire::id_type::fqdn, view("bob.example")};
        cr.psk = psk();
    }
};

template <class S>
struct pair {
    std::unique_ptr<exchange::initial_initiator<S>> ini;
    std::unique_ptr<exchange::initial_responder<S>> rsp;
    std::size_t max_fragments_seen = 0;
    std::size_t exchanges = 0;
    pair(const peers_cfg& c)
        : ini(std::make_unique<exchange::initial_initiator<S>>(c.ci)),
          rsp(std::make_unique<exchange::initial_responder<S>>(c.cr)) {}

    // Runs until both are established or a call fails.
    void run(fixed_rng& ri, fixed_rng& rr) {
        buffer bi, br;
        auto o = ini->start(ri, bi.out());
        REQUIRE(o);
        datagrams req = copy(*o);
        for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
            ++exchanges;
            max_fragments_seen = std::max(max_fragments_seen, req.size());
            datagrams resp;
            for (auto& d : req) {
                auto r = rsp->on_message(view(d), rr, br.out());
                REQUIRE(r);
                REQUIRE_FALSE(r->is_refusal());
                if (!r->empty()) resp = copy(*r);
            }
            max_fragments_seen = std::max(max_fragments_seen, resp.size());
            req.clear();
            for (auto& d : resp) {
                auto r = ini->on_message(view(d), ri, bi.out());
                REQUIRE(r);
                if (!r->empty()) req = copy(*r);
            }
        }
    }
};

template <class P>
bool same_ike_keys(const keys::ike_sa_keys<P>& a, const keys::ike_sa_keys<P>& b) {
    return ct_equal(a.sk_d(), b.sk_d()) && ct_equal(a.sk_ai(), b.sk_ai()) && ct_equal(a.sk_ar(), b.sk_ar()) &&
           ct_equal(a.sk_ei(), b.sk_ei()) && ct_equal(a.sk_er(), b.sk_er()) && ct_equal(a.sk_pi(), b.sk_pi()) &&
           ct_equal(a.sk_pr(), b.sk_pr());
}

}  // namespace

TEST_CASE_TEMPLATE("X25519 + ML-KEM-768 + ML-KEM-1024 (fragmented) + PSK IKE_AUTH with a Child SA", S, ref_suite,
                   ossl_suite) {
    peers_cfg c{{ke_method::ml_kem_768, ke_method::ml_kem_1024}, {ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    fixed_rng ri{1}, rr{2};
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

TEST_CASE_TEMPLATE("every ADDKE NONE: no IKE_INTERMEDIATE, no IntAuth", S, ref_suite, ossl_suite) {
    peers_cfg c{{ke_method::none}, {ke_method::none}};
    fixed_rng ri{3}, rr{4};
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

TEST_CASE("reference and OpenSSL PRFs give the same keys for the same inputs") {
    peers_cfg c{{ke_method::ml_kem_768, ke_method::ml_kem_1024}, {ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    fixed_rng ri1{7}, rr1{8}, ri2{7}, rr2{8};
    pair<ref_suite> a{c};
    pair<ossl_suite> b{c};
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
