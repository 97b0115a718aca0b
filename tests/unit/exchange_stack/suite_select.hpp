// SPDX-License-Identifier: MIT
#pragma once
// One responder for several IKE suites (exchange/suite_select.hpp, RFC 7296 §2.7; issue #23
// item 3): the proposal selected names the suite that runs the exchange.
#include "common.hpp"
#include "../exchange_helpers.hpp"

#include <pqike/exchange/suite_select.hpp>

using namespace exh;
using namespace pqike::test;

namespace {

// A second suite beside each test suite: another PRF (and, with OpenSSL, AES-GCM with 128-bit keys).
struct reference_suite_384
    : exchange::suite<kex::ke_registry<toy_dh, crypto::mlkem768, crypto::mlkem1024>, crypto::hmac_sha384,
                      hmac_stream_cipher> {
    static constexpr wire::ke_method classical = reference_suite::classical;
};
struct reference_pair {
    using A = reference_suite;
    using B = reference_suite_384;
};
#if defined(PQIKE_HAVE_OPENSSL)
struct openssl_suite_128_384
    : exchange::suite<x25519_mlkem_methods, crypto::hmac_sha384, adapters::openssl_aes128_gcm16> {
    static constexpr wire::ke_method classical = wire::ke_method::curve25519;
};
struct openssl_pair {
    using A = openssl_suite;
    using B = openssl_suite_128_384;
};
#define SUITE_PAIRS reference_pair, openssl_pair
#else
#define SUITE_PAIRS reference_pair
#endif

// Configs: the responder accepts A's and B's proposals (A first); the initiator offers `offer`.
template <class P>
struct multi_cfg {
    using A = typename P::A;
    using B = typename P::B;
    std::array<kex::proposal, 2> accepted{ike_proposal<A>(A::classical, {ke_method::ml_kem_768}),
                                          ike_proposal<B>(B::classical, {ke_method::ml_kem_768})};
    std::array<kex::proposal, 1> child{esp_proposal(2)};
    exchange::initial_config cr{};
    multi_cfg() {
        cr.ike = accepted;
        cr.child = child;
        cr.id = exchange::identity{wire::id_type::fqdn, view("bob.example")};
        cr.psk = psk();
    }
};

template <class S>
exchange::initial_config initiator_cfg(std::span<const kex::proposal> offer, std::span<const kex::proposal> child) {
    exchange::initial_config ci;
    ci.ike = offer;
    ci.child = child;
    ci.ts_i = ts_body();
    ci.ts_r = ts_body();
    ci.id = exchange::identity{wire::id_type::fqdn, view("alice.example")};
    ci.psk = psk();
    return ci;
}

// Runs initiator `ini` against `rsp` to the end; false if the responder refused.
template <class I, class R>
bool run(I& ini, R& rsp, seeded_rng& ri, seeded_rng& rr, const exchange::datagram_context& ctx = {}) {
    buffer bi, br;
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    for (int guard = 0; guard < 10 && !req.empty(); ++guard) {
        datagrams resp;
        for (auto& d : req) {
            auto r = rsp.on_message(view(d), rr, br.out(), ctx);
            REQUIRE(r);
            if (r->is_refusal()) return false;
            if (!r->empty()) resp = copy(*r);
        }
        req.clear();
        for (auto& d : resp) {
            auto r = ini.on_message(view(d), ri, bi.out());
            REQUIRE(r);
            if (!r->empty()) req = copy(*r);
        }
    }
    return true;
}

}  // namespace

TEST_CASE_TEMPLATE("the selected proposal picks the suite, and both ends agree on the keys", P, SUITE_PAIRS) {
    using A = typename P::A;
    using B = typename P::B;
    multi_cfg<P> m;
    const std::array<kex::proposal, 1> child_i{esp_proposal(1)};
    SUBCASE("an initiator of suite B") {
        const std::array<kex::proposal, 1> offer{m.accepted[1]};
        const auto ci = initiator_cfg<B>(offer, child_i);
        exchange::initial_initiator<B> ini{ci};
        exchange::initial_responder_any<A, B> rsp{m.cr};
        seeded_rng ri{1}, rr{2};
        REQUIRE(run(ini, rsp, ri, rr));
        REQUIRE(rsp.established());
        CHECK(rsp.suite_index() == 2);
        bool same = false;
        CHECK(rsp.visit([&](auto& r) {
            if constexpr (std::is_same_v<std::decay_t<decltype(r)>, exchange::initial_responder<B>>)
                same = same_ike_keys(*r.sa().keys, *ini.sa().keys);
        }));
        CHECK(same);
    }
    SUBCASE("an initiator of suite A") {
        const std::array<kex::proposal, 1> offer{m.accepted[0]};
        const auto ci = initiator_cfg<A>(offer, child_i);
        exchange::initial_initiator<A> ini{ci};
        exchange::initial_responder_any<A, B> rsp{m.cr};
        seeded_rng ri{3}, rr{4};
        REQUIRE(run(ini, rsp, ri, rr));
        CHECK(rsp.established());
        CHECK(rsp.suite_index() == 1);
    }
    SUBCASE("two proposals offered, the responder serves only the second") {
        // The initiator (suite B) offers a proposal nobody here accepts, then B's.
        kex::proposal foreign{wire::protocol_id::ike};
        (void)foreign.add_encr(wire::encr_id::aes_cbc, 192);
        (void)foreign.add(wire::transform_type::integ, 14);  // AUTH_HMAC_SHA2_512_256
        (void)foreign.add_prf(wire::prf_id::hmac_sha2_512);
        (void)foreign.add_ke(B::classical);
        (void)foreign.add_addke(1, ke_method::ml_kem_768);
        const std::array<kex::proposal, 2> offer{foreign, m.accepted[1]};
        const auto ci = initiator_cfg<B>(offer, child_i);
        exchange::initial_initiator<B> ini{ci};
        exchange::initial_responder_any<A, B> rsp{m.cr};
        seeded_rng ri{5}, rr{6};
        REQUIRE(run(ini, rsp, ri, rr));
        CHECK(rsp.established());
        CHECK(rsp.suite_index() == 2);
        CHECK(ini.sa().negotiated.proposal_number == 2);
    }
}

TEST_CASE_TEMPLATE("no suite fits: refused as a one-suite responder refuses, and nothing is kept", P, SUITE_PAIRS) {
    using A = typename P::A;
    using B = typename P::B;
    multi_cfg<P> m;
    const std::array<kex::proposal, 1> only_b{m.accepted[1]};
    m.cr.ike = std::span<const kex::proposal>{m.accepted.data(), 1};  // the responder accepts A only
    const auto ci = initiator_cfg<B>(only_b, {});
    exchange::initial_initiator<B> ini{ci};
    exchange::initial_responder_any<A, B> rsp{m.cr};
    seeded_rng ri{7}, rr{8};
    buffer bi, br;
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    auto r = rsp.on_message(o->datagrams[0], rr, br.out());
    REQUIRE(r);
    REQUIRE(r->is_refusal());
    CHECK(r->refused.code == errc::no_proposal_chosen);
    CHECK(rsp.suite_index() == 0);
    CHECK(rsp.state() == exchange::initial_state::idle);
}

TEST_CASE_TEMPLATE("a COOKIE challenge keeps no suite; the retry with the cookie runs", P, SUITE_PAIRS) {
    using A = typename P::A;
    using B = typename P::B;
    multi_cfg<P> m;
    static const std::array<std::byte, 32> secret{std::byte{7}};
    m.cr.cookies.current.key = secret;
    m.cr.cookies.threshold = 0;
    const std::array<kex::proposal, 1> offer{m.accepted[1]};
    const std::array<kex::proposal, 1> child_i{esp_proposal(1)};
    const auto ci = initiator_cfg<B>(offer, child_i);
    exchange::initial_initiator<B> ini{ci};
    exchange::initial_responder_any<A, B> rsp{m.cr};
    seeded_rng ri{9}, rr{10};
    buffer bi, br;
    const std::array<std::byte, 4> ip{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}};
    exchange::datagram_context ctx;
    ctx.peer_address = ip;
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    auto r = rsp.on_message(o->datagrams[0], rr, br.out(), ctx);
    REQUIRE(r);
    CHECK(r->cookie_challenge);
    CHECK(rsp.suite_index() == 0);
    auto retry = ini.on_message(r->datagrams[0], ri, bi.out());
    REQUIRE(retry);
    auto r2 = rsp.on_message(retry->datagrams[0], rr, br.out(), ctx);
    REQUIRE(r2);
    CHECK_FALSE(r2->cookie_challenge);
    CHECK(rsp.suite_index() == 2);
}
