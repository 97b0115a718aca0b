// SPDX-License-Identifier: MIT
// KE registry over a type list: lookups by wire number, unknown numbers, compile-time sizes.
#include "common.hpp"
#include "support/kex_toy.hpp"

#include <pqike/kex/ke_registry.hpp>

#include <string>
#include <vector>

using namespace pqike;
using namespace pqike::test;

using reg = kex::ke_registry<toy_dh, toy_kem, toy_dh_wide>;

// Sizes are compile-time constants, usable for stack buffers.
static_assert(reg::size == 3);
static_assert(reg::max_initiator_data_size == 64);  // toy_dh_wide public value
static_assert(reg::max_responder_data_size == 64);
static_assert(reg::max_ek_size == toy_kem::ek_size);
static_assert(reg::max_ct_size == toy_kem::ct_size);
static_assert(reg::max_public_size == toy_dh_wide::public_size);
static_assert(reg::max_shared_size == toy_kem::ss_size);
static_assert(kex::ke_registry<toy_kem>::max_public_size == 0);  // no DH in the list
static_assert(kex::ke_registry<toy_dh>::max_ek_size == 0);       // no KEM in the list
static_assert(reg::contains(0xfff1) && !reg::contains(0xfff3));
static_assert(!reg::contains(wire::ke_method::none));
static_assert(reg::contains_type<toy_kem>() && !kex::ke_registry<toy_dh>::contains_type<toy_kem>());
static_assert(kex::method_traits<toy_kem>::is_kem && !kex::method_traits<toy_dh>::is_kem);
// visit is usable in constant expressions (no virtual call, no heap).
static_assert(reg::visit(0xfff1, [](auto tag) {
                  return kex::method_traits<typename decltype(tag)::type>::responder_data_size;
              }).value() == 4);

// A registry with a duplicated id or NONE does not compile (checked by hand; the static_asserts
// are in ke_registry.hpp): kex::ke_registry<toy_dh, toy_dh> and a policy with id 0.

TEST_CASE("visit calls f with the policy type for each known method number") {
    for (auto id : reg::ids) {
        std::string seen;
        auto st = reg::visit(id, [&](auto tag) {
            using M = typename decltype(tag)::type;
            CHECK(M::id == id);
            seen = M::name;
        });
        CHECK(st.ok());
        CHECK(seen == reg::name(id));
    }
}

TEST_CASE("visit on an unknown number returns invalid_ke_method and never calls f") {
    for (std::uint16_t id : {std::uint16_t{0}, std::uint16_t{31}, std::uint16_t{36},
                             std::uint16_t{0xfff3}, std::uint16_t{0xffff}}) {
        bool called = false;
        auto st = reg::visit(id, [&](auto) { called = true; });
        CHECK_FALSE(called);
        CHECK(st.code() == errc::invalid_ke_method);
        CHECK(std::string(st.error().field) == "ke.method");
        CHECK_FALSE(reg::contains(id));
        CHECK(reg::name(id) == nullptr);
        CHECK(reg::initiator_data_size(id) == 0);
        CHECK(reg::responder_data_size(id) == 0);
        // A value-returning visitor gives result<R>.
        auto r = reg::visit(id, [](auto tag) { return decltype(tag)::type::id; });
        CHECK(r.code() == errc::invalid_ke_method);
    }
}

TEST_CASE("run-time size queries per method and direction") {
    CHECK(reg::initiator_data_size(toy_kem::id) == toy_kem::ek_size);
    CHECK(reg::responder_data_size(toy_kem::id) == toy_kem::ct_size);
    CHECK(reg::initiator_data_size(toy_dh::id) == 4);
    CHECK(reg::responder_data_size(toy_dh::id) == 4);
    CHECK(reg::initiator_data_size(toy_dh_wide::id) == 64);
    CHECK(reg::is_kem(toy_kem::id));
    CHECK_FALSE(reg::is_kem(toy_dh::id));
    CHECK_FALSE(reg::is_kem(0xfff3));
}

TEST_CASE("visit forwards result and status returned by f") {
    auto r = reg::visit(toy_dh::id, [](auto) -> result<int> { return errc::invalid_key; });
    CHECK(r.code() == errc::invalid_key);
    auto s = reg::visit(toy_kem::id, [](auto) -> status { return errc::rng_failure; });
    CHECK(s.code() == errc::rng_failure);
    auto ok = reg::visit(toy_kem::id, [](auto) -> result<int> { return 7; });
    REQUIRE(ok);
    CHECK(*ok == 7);
}

TEST_CASE("for_each visits every method once, in list order") {
    std::vector<std::uint16_t> seen;
    reg::for_each([&](auto tag) { seen.push_back(decltype(tag)::type::id); });
    CHECK(seen == std::vector<std::uint16_t>(reg::ids.begin(), reg::ids.end()));
}
