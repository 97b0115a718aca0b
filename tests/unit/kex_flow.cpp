// SPDX-License-Identifier: MIT
// The kex pieces together, without IKE messages around them: the initiator proposes, the
// responder selects from the bytes (its KE payload guess rejected once with INVALID_KE_PAYLOAD),
// the initiator retries and accepts the reply, then both run the negotiated plan of key
// exchanges through the registry and end with the same secret for every step.
#include "common.hpp"

#include <pqike/crypto/mlkem.hpp>
#include <pqike/crypto/os_random.hpp>
#include <pqike/kex/key_exchange.hpp>
#include <pqike/kex/negotiate.hpp>
#include <pqike/kex/proposal.hpp>
#include <pqike/wire/notify.hpp>
#if defined(PQIKE_HAVE_OPENSSL)
#include <pqike/adapters/openssl.hpp>
#endif

#include <vector>

using namespace pqike;
using wire::ke_method;

#if defined(PQIKE_HAVE_OPENSSL)
using methods = kex::ke_registry<adapters::openssl_x25519, adapters::openssl_ecp256, crypto::mlkem768,
                                 crypto::mlkem1024>;

namespace {

kex::proposal ike(std::initializer_list<ke_method> ke) {
    kex::proposal p{wire::protocol_id::ike};
    REQUIRE(p.add_encr(wire::encr_id::aes_gcm_16, 256));
    REQUIRE(p.add_prf(wire::prf_id::hmac_sha2_256));
    for (auto m : ke) REQUIRE(p.add_ke(m));
    REQUIRE(kex::validate(p).ok());
    return p;
}

// Run one key exchange of the plan; returns true when both sides derived the same secret.
bool run_step(std::uint16_t method, crypto::os_random& rng) {
    kex::any_initiator_ke<methods> ini;
    auto sent = ini.start(method, rng);
    if (!sent) return false;
    auto resp = kex::respond_any<methods>(method, rng, *sent);
    if (!resp) return false;
    auto ss = ini.finish(resp->data());
    return ss && ss->ct_equals(resp->shared.view()) && ss->size() == 32;
}

}  // namespace

TEST_CASE("negotiate with one INVALID_KE_PAYLOAD round, then run KE + 2 ADDKE") {
    crypto::os_random rng;
    // Initiator: ECP-256 first (its guess), X25519 also fine; ML-KEM-768 then ML-KEM-1024, the
    // second one optional.
    std::array<kex::proposal, 1> ours{ike({ke_method::ecp_256, ke_method::curve25519})};
    REQUIRE(ours[0].add_addke(1, ke_method::ml_kem_768));
    REQUIRE(ours[0].add_addke(2, ke_method::ml_kem_1024));
    REQUIRE(ours[0].add_addke(2, ke_method::none));
    // Responder: X25519 only, and requires both ADDKEs.
    std::array<kex::proposal, 1> theirs{ike({ke_method::curve25519})};
    REQUIRE(theirs[0].add_addke(1, ke_method::ml_kem_768));
    REQUIRE(theirs[0].add_addke(2, ke_method::ml_kem_1024));

    kex::ke_retry retry{kex::ke_retry::first_guess(ours)};
    REQUIRE(retry.current() == wire::to_number(ke_method::ecp_256));

    std::vector<std::byte> req(2048), rep(512), note(64);
    std::optional<kex::negotiated_sa> agreed;
    for (int round = 0; round < 3 && !agreed; ++round) {
        writer w{req};
        REQUIRE(kex::encode_sa(w, ours).ok());
        auto sa = wire::sa_view::decode(w.written());
        REQUIRE(sa);
        kex::select_options o;
        o.ke_hint = retry.current();  // the method of the initiator's KE payload
        auto chosen = kex::select(*sa, theirs, o);
        REQUIRE(chosen);
        if (auto st = kex::check_ke_payload(*chosen, retry.current()); !st) {
            REQUIRE(st.code() == errc::invalid_ke_payload);
            writer nw{note};
            wire::invalid_ke_notify{static_cast<ke_method>(chosen->ke())}.encode(nw);
            auto nv = wire::notify_view::decode(nw.written());
            REQUIRE(nv);
            auto ik = wire::invalid_ke_notify::decode(*nv);
            REQUIRE(ik);
            auto next = retry.on_invalid_ke(ours, ik->accepted);
            REQUIRE(next);
            continue;
        }
        writer rw{rep};
        REQUIRE(kex::encode_reply(rw, *chosen).ok());
        auto reply = wire::sa_view::decode(rw.written());
        REQUIRE(reply);
        auto acc = kex::accept_reply(ours, *reply);
        REQUIRE(acc);
        CHECK(acc->chosen == chosen->chosen);
        agreed.emplace(*acc);
    }
    REQUIRE(agreed);
    CHECK(retry.attempts() == 2);
    const auto plan = agreed->plan();
    REQUIRE(plan.size() == 3);
    CHECK(plan[0].method == wire::to_number(ke_method::curve25519));
    CHECK(plan[1].method == wire::to_number(ke_method::ml_kem_768));
    CHECK(plan[2].method == wire::to_number(ke_method::ml_kem_1024));
    for (const auto& step : plan) {
        CAPTURE(step.slot);
        CHECK(methods::contains(step.method));
        CHECK(run_step(step.method, rng));
    }
}

TEST_CASE("every ADDKE negotiated as NONE: the plan is the KE alone") {
    crypto::os_random rng;
    std::array<kex::proposal, 1> ours{ike({ke_method::curve25519})};
    for (unsigned n = 1; n <= 7; ++n) {
        REQUIRE(ours[0].add_addke(n, ke_method::ml_kem_768));
        REQUIRE(ours[0].add_addke(n, ke_method::none));
    }
    const std::array<kex::proposal, 1> theirs{ike({ke_method::curve25519})};
    std::vector<std::byte> req(4096);
    writer w{req};
    REQUIRE(kex::encode_sa(w, ours).ok());
    auto sa = wire::sa_view::decode(w.written());
    REQUIRE(sa);
    auto chosen = kex::select(*sa, theirs);
    REQUIRE(chosen);
    for (unsigned n = 1; n <= 7; ++n) {
        CHECK(chosen->addke(n) == 0);
        CHECK(chosen->includes(wire::addke(n)));  // echoed as NONE
    }
    const auto plan = chosen->plan();
    REQUIRE(plan.size() == 1);
    CHECK(plan.additional() == 0);
    CHECK(run_step(plan[0].method, rng));
}
#endif
