// SPDX-License-Identifier: MIT
// Zero heap: selection from an SA payload, the reply, its check on the initiator, the retry guard,
// and ML-KEM / DH exchanges through the adapters (static and run-time dispatch) run without a
// single call to operator new. This suite replaces the global operator new to count calls.
#include "common.hpp"
#include "support/kex_toy.hpp"


#include <pqike/crypto/mlkem.hpp>
#include <pqike/kex/key_exchange.hpp>
#include <pqike/kex/negotiate.hpp>
#include <pqike/kex/proposal.hpp>

#include "support/alloc_counter.hpp"

using namespace pqike;
using tt = wire::transform_type;

TEST_CASE("negotiation and key exchanges allocate nothing") {
    kex::proposal peer{wire::protocol_id::ike};
    kex::proposal local{wire::protocol_id::ike};
    for (kex::proposal* p : {&peer, &local}) {
        REQUIRE(p->add_encr(wire::encr_id::aes_gcm_16, 256));
        REQUIRE(p->add_prf(wire::prf_id::hmac_sha2_256));
        REQUIRE(p->add_ke(wire::ke_method::curve25519));
        REQUIRE(p->add_addke(1, wire::ke_method::ml_kem_768));
        REQUIRE(p->add_addke(2, wire::ke_method::ml_kem_1024));
        REQUIRE(p->add_addke(2, wire::ke_method::none));
    }
    std::array<std::byte, 1024> req{}, rep{};
    using reg = kex::ke_registry<test::toy_dh, crypto::mlkem768>;
    test::counter_rng rng;
    std::size_t failures = 0;

    g_news = 0;
    g_counting = true;
    {
        writer w{req};
        failures += !kex::encode_sa(w, std::span(&peer, 1)).ok();
        auto sa = wire::sa_view::decode(w.written());
        failures += !sa;
        kex::select_options o;
        o.ke_hint = 31;
        auto r = kex::select(*sa, std::span(&local, 1), o);
        failures += !r;
        failures += !kex::check_ke_payload(*r, 31).ok();
        writer rw{rep};
        failures += !kex::encode_reply(rw, *r).ok();
        auto reply = wire::sa_view::decode(rw.written());
        failures += !reply;
        auto acc = kex::accept_reply(std::span(&peer, 1), *reply);
        failures += !acc;
        failures += acc->plan().size() != 3;
        kex::ke_retry retry{kex::ke_retry::first_guess(std::span(&peer, 1))};
        failures += retry.on_invalid_ke(std::span(&peer, 1), 36).has_value();  // not a KE method

        kex::initiator_ke<crypto::mlkem768> ini;
        auto ek = ini.start(rng);
        failures += !ek;
        auto resp = kex::responder_ke<crypto::mlkem768>::respond(rng, *ek);
        failures += !resp;
        auto ss = ini.finish(resp->data);
        failures += !ss || !(*ss == resp->shared);

        for (auto id : reg::ids) {
            kex::any_initiator_ke<reg> any;
            auto sent = any.start(id, rng);
            failures += !sent;
            auto ar = kex::respond_any<reg>(id, rng, *sent);
            failures += !ar;
            auto s2 = any.finish(ar->data());
            failures += !s2 || !s2->ct_equals(ar->shared.view());
        }
    }
    g_counting = false;
    CHECK(failures == 0);
    CHECK(g_news == 0);
}
