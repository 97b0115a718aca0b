// SPDX-License-Identifier: MIT
#pragma once
// What an exchange in flight keeps between datagrams (issue #23 item 7): the helpers hold their
// state only; the buffers of one call are the thread's workspace, and a fragmented message
// borrows a slot of a fragment pool only while it is incomplete (exchange/workspace.hpp).
#include "common.hpp"
#include "../exchange_helpers.hpp"

using namespace exh;
using namespace pqike::test;

namespace {

constexpr std::size_t state_budget = 4096;

// Initiator and responder sharing `pool`, with datagrams small enough that the ML-KEM-768
// IKE_INTERMEDIATE messages are fragmented both ways (RFC 7383).
template <class S>
struct fragmenting_peers : peers_cfg<S> {
    explicit fragmenting_peers(exchange::fragment_pool& pool) : peers_cfg<S>({ke_method::ml_kem_768}, {ke_method::ml_kem_768}) {
        for (auto* c : {&this->ci, &this->cr}) {
            c->fragments.max_size = 600;
            c->fragments_pool = &pool;
        }
    }
};

// Runs IKE_SA_INIT and returns the fragments of the first IKE_INTERMEDIATE request.
template <class S>
datagrams first_intermediate(exchange::initial_initiator<S>& ini, exchange::initial_responder<S>& rsp,
                             seeded_rng& ri, seeded_rng& rr) {
    buffer bi, br;
    auto o = ini.start(ri, bi.out());
    REQUIRE(o);
    auto r = rsp.on_message(o->datagrams[0], rr, br.out());
    REQUIRE(r);
    auto n = ini.on_message(r->datagrams[0], ri, bi.out());
    REQUIRE(n);
    return copy(*n);
}

}  // namespace

TEST_CASE_TEMPLATE("every helper keeps at most 4 KB between datagrams", S, PQIKE_EXCHANGE_SUITES) {
    CHECK(sizeof(exchange::initial_responder<S>) <= state_budget);
    CHECK(sizeof(exchange::rekey_responder<S>) <= state_budget);
    CHECK(sizeof(exchange::informational_responder<S>) <= state_budget);
    CHECK(sizeof(exchange::informational_initiator<S>) <= state_budget);
    // The initiators hold their ML-KEM-1024 key share as its 64-octet seed (kex/seeded_initiator.hpp).
    CHECK(sizeof(exchange::initial_initiator<S>) <= state_budget);
    CHECK(sizeof(exchange::rekey_initiator<S>) <= state_budget);
}

TEST_CASE_TEMPLATE("a fragmented message holds a pool slot only until it is complete", S, PQIKE_EXCHANGE_SUITES) {
    exchange::fragment_pool_of<1> pool;
    fragmenting_peers<S> c{pool};
    exchange::initial_initiator<S> ini{c.ci};
    exchange::initial_responder<S> rsp{c.cr};
    seeded_rng ri{71}, rr{72};
    const datagrams frags = first_intermediate(ini, rsp, ri, rr);
    REQUIRE(frags.size() >= 2);
    buffer bi, br;
    datagrams resp;
    for (std::size_t i = 0; i < frags.size(); ++i) {
        auto r = rsp.on_message(view(frags[i]), rr, br.out());
        REQUIRE(r);
        if (i + 1 < frags.size()) {
            CHECK(r->empty());
            CHECK(pool.in_use() == 1);
            CHECK(rsp.snapshot().fragment_pending);
        } else {
            resp = copy(*r);
        }
    }
    CHECK(pool.in_use() == 0);  // complete: given back before the response went out
    REQUIRE(resp.size() >= 2);  // the ciphertext answer is fragmented too
    for (std::size_t i = 0; i < resp.size(); ++i) {
        auto r = ini.on_message(view(resp[i]), ri, bi.out());
        REQUIRE(r);
        CHECK(pool.in_use() == (i + 1 < resp.size() ? 1u : 0u));
    }
    CHECK(ini.intermediates_done() == 1);
}

TEST_CASE_TEMPLATE("a full fragment pool refuses a first fragment and changes nothing", S, PQIKE_EXCHANGE_SUITES) {
    exchange::fragment_pool_of<1> pool;
    fragmenting_peers<S> c{pool};
    exchange::initial_initiator<S> ini{c.ci};
    exchange::initial_responder<S> rsp{c.cr};
    seeded_rng ri{73}, rr{74};
    const datagrams frags = first_intermediate(ini, rsp, ri, rr);
    REQUIRE(frags.size() >= 2);
    buffer br;
    exchange::fragment_storage* taken = pool.acquire();  // another SA's reassembly
    REQUIRE(taken != nullptr);
    const auto before = rsp.snapshot();
    auto r = rsp.on_message(view(frags[0]), rr, br.out());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::reassembly_limit);
    CHECK(std::string_view{r.error().field} == "reassembly.pool");
    CHECK(rsp.snapshot() == before);
    pool.release(taken);
    // The peer's retransmission finds a free slot (RFC 7383 §2.6).
    datagrams resp;
    for (auto& f : frags) {
        auto again = rsp.on_message(view(f), rr, br.out());
        REQUIRE(again);
        if (!again->empty()) resp = copy(*again);
    }
    CHECK_FALSE(resp.empty());
    CHECK(pool.in_use() == 0);
}

TEST_CASE_TEMPLATE("a helper destroyed during reassembly gives its slot back", S, PQIKE_EXCHANGE_SUITES) {
    exchange::fragment_pool_of<1> pool;
    fragmenting_peers<S> c{pool};
    exchange::initial_initiator<S> ini{c.ci};
    auto rsp = std::make_unique<exchange::initial_responder<S>>(c.cr);
    seeded_rng ri{75}, rr{76};
    const datagrams frags = first_intermediate(ini, *rsp, ri, rr);
    REQUIRE(frags.size() >= 2);
    buffer br;
    REQUIRE(rsp->on_message(view(frags[0]), rr, br.out()));
    CHECK(pool.in_use() == 1);
    rsp.reset();
    CHECK(pool.in_use() == 0);
}

TEST_CASE("an unauthentic first fragment takes no slot") {
    using S = reference_suite;
    exchange::fragment_pool_of<1> pool;
    fragmenting_peers<S> c{pool};
    exchange::initial_initiator<S> ini{c.ci};
    exchange::initial_responder<S> rsp{c.cr};
    seeded_rng ri{77}, rr{78};
    datagrams frags = first_intermediate(ini, rsp, ri, rr);
    REQUIRE(frags.size() >= 2);
    frags[0].back() ^= std::byte{1};  // breaks the ICV
    buffer br;
    auto r = rsp.on_message(view(frags[0]), rr, br.out());
    REQUIRE_FALSE(r);
    CHECK(pool.in_use() == 0);
}
