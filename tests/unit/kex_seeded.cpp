// SPDX-License-Identifier: MIT
// kex/seeded_initiator.hpp: an initiator that keeps only the FIPS 203 seed (d, z) of its ML-KEM
// key pair derives the same ek every time, decapsulates to the responder's secret, and is small.
#include "common.hpp"
#include "support/kex_toy.hpp"

#include <pqike/crypto/mlkem.hpp>
#include <pqike/kex/key_exchange.hpp>
#include <pqike/kex/seeded_initiator.hpp>

#include <vector>

using namespace pqike;
using namespace pqike::test;

namespace {

template <class M>
void seeded_round_trip() {
    counter_rng rng;
    kex::seeded_initiator_ke<M> ini;
    std::array<std::byte, M::ek_size> ek{}, again{};
    auto sent = ini.start(rng, ek);
    REQUIRE(sent);
    CHECK(sent->size() == M::ek_size);
    // FIPS 203 Alg. 16 is a function of the seed: the same ek again (a COOKIE retry's KE).
    auto regen = ini.data(again);
    REQUIRE(regen);
    CHECK(ek == again);
    auto resp = kex::responder_ke<M>::respond(rng, *sent);
    REQUIRE(resp);
    auto ss = ini.finish(resp->data);
    REQUIRE(ss);
    CHECK(ct_equal(ss->view(), resp->shared.view()));
    // A ct of the wrong length is refused before any work.
    kex::seeded_initiator_ke<M> other;
    REQUIRE(other.start(rng, ek));
    CHECK(other.finish(bytes_view{resp->data.data(), M::ct_size - 1}).error().code == errc::invalid_ke_length);
    CHECK(sizeof(kex::seeded_initiator_ke<M>) <= 64 + 16);
}

}  // namespace

TEST_CASE("seeded ML-KEM initiator: same ek from its seed, the responder's secret, 64 octets kept") {
    seeded_round_trip<crypto::mlkem512>();
    seeded_round_trip<crypto::mlkem768>();
    seeded_round_trip<crypto::mlkem1024>();
}

TEST_CASE("the seed form and the stored form give the same key pair for the same randomness") {
    // keygen(rng) draws d then z; keygen_derand(d, z) with the same 64 octets is the same pair.
    using M = crypto::mlkem768;
    counter_rng r1, r2;
    kex::initiator_ke<M> stored;
    kex::seeded_initiator_ke<M> seeded;
    auto a = stored.start(r1);
    std::array<std::byte, M::ek_size> b{};
    auto bs = seeded.start(r2, b);
    REQUIRE(a);
    REQUIRE(bs);
    CHECK(ct_equal(bytes_view(*a), *bs));
}

TEST_CASE("any_seeded_initiator_ke over a registry: each method, one finish, reset") {
    using reg = kex::ke_registry<toy_dh, crypto::mlkem768, crypto::mlkem1024>;
    counter_rng rng;
    kex::any_seeded_initiator_ke<reg> ke;
    std::array<std::byte, reg::max_initiator_data_size> buf{};
    for (std::uint16_t id : {static_cast<std::uint16_t>(toy_dh::id), std::uint16_t{36}, std::uint16_t{37}}) {
        ke.reset();
        auto d = ke.start(id, rng, buf);
        REQUIRE(d);
        CHECK(ke.method() == id);
        const std::vector<std::byte> first(d->begin(), d->end());
        std::array<std::byte, reg::max_initiator_data_size> buf2{};
        auto again = ke.data(buf2);
        REQUIRE(again);
        CHECK(std::vector<std::byte>(again->begin(), again->end()) == first);
        auto resp = kex::respond_any<reg>(id, rng, *d);
        REQUIRE(resp);
        auto ss = ke.finish(resp->data());
        REQUIRE(ss);
        CHECK(ct_equal(ss->view(), resp->shared.view()));
        CHECK_FALSE(ke.finish(resp->data()));  // spent
    }
    CHECK_FALSE(ke.start(36, rng, buf));  // one exchange at a time: reset() first
    ke.reset();
    CHECK_FALSE(ke.start(0x7fff, rng, buf));  // not in the registry
    CHECK(ke.method() == 0);
}
