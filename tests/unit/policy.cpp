// SPDX-License-Identifier: MIT
// The policy layer (include/pqike/policy/): the reference policies satisfy their concepts, a
// suite is checked where a helper is named, and helpers refuse temporaries they would keep by
// reference. Most of it is compile-time; the test cases make the checks show up in the tally.
#include <doctest/doctest.h>

#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/crypto/os_random.hpp>
#include <pqike/crypto/sha2.hpp>
#include <pqike/crypto/sha3.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>
#include <pqike/kex/ke_registry.hpp>
#include <pqike/policy.hpp>

#include <type_traits>

#include "support/sk_test_cipher.hpp"

using namespace pqike;

namespace {
using methods = kex::ke_registry<crypto::mlkem768, crypto::mlkem1024>;
using cipher = test::toy_sk_cipher<true, 1>;
using good_suite = exchange::suite<methods, crypto::hmac_sha256, cipher>;

struct suite_without_cipher {
    using registry = methods;
    using prf = crypto::hmac_sha256;
};
struct suite_with_a_hash_as_prf {
    using registry = methods;
    using prf = crypto::sha256;
    using cipher = test::toy_sk_cipher<true, 1>;
};
// A type that claims both shapes is no key exchange method: KEM and DH are driven differently.
struct kem_and_dh {
    static constexpr std::uint16_t id = 36;
    static constexpr const char* name = "both";
    static constexpr std::size_t ek_size = crypto::mlkem768::ek_size, dk_size = crypto::mlkem768::dk_size,
                                 ct_size = crypto::mlkem768::ct_size, ss_size = 32;
    static constexpr std::size_t private_size = 32, public_size = 32, shared_size = 32;
    template <std::size_t N> using in = std::span<const std::byte, N>;
    template <std::size_t N> using out = std::span<std::byte, N>;
    static status keygen_derand(in<32>, in<32>, out<ek_size>, out<dk_size>) noexcept { return {}; }
    static status encaps_derand(in<ek_size>, in<32>, out<ct_size>, out<ss_size>) noexcept { return {}; }
    static status decaps(in<dk_size>, in<ct_size>, out<ss_size>) noexcept { return {}; }
    static bool check_ek(in<ek_size>) noexcept { return true; }
    template <class R> static status keygen(R&, out<ek_size>, out<dk_size>) noexcept { return {}; }
    template <class R> static status encaps(R&, in<ek_size>, out<ct_size>, out<ss_size>) noexcept { return {}; }
    template <class R> static status keygen(R&, out<32>, out<32>) noexcept { return {}; }
    static status derive(in<32>, in<32>, out<32>) noexcept { return {}; }
};
}  // namespace

TEST_CASE("reference policies satisfy the policy concepts") {
    static_assert(policy::Rng<crypto::os_random>);
    static_assert(policy::Hash<crypto::sha256> && policy::Hash<crypto::sha3_256>);
    static_assert(policy::Prf<crypto::hmac_sha256> && policy::Prf<crypto::hmac_sha512>);
    static_assert(policy::Kem<crypto::mlkem512> && policy::Kem<crypto::mlkem1024>);
    static_assert(policy::KeMethod<crypto::mlkem768>);
    static_assert(policy::KeWireSizes<crypto::mlkem768>);
    static_assert(policy::SkCipher<cipher>);
    static_assert(!policy::Prf<crypto::sha256>);
    static_assert(!policy::Kem<crypto::hmac_sha256>);
    CHECK(policy::Kem<crypto::mlkem768>);
}

TEST_CASE("KeMethod: a KEM or a DH group, never both") {
    static_assert(policy::Kem<kem_and_dh>);
    static_assert(policy::DhGroup<kem_and_dh>);
    static_assert(!policy::KeMethod<kem_and_dh>);
    CHECK_FALSE(policy::KeMethod<kem_and_dh>);
}

TEST_CASE("Suite: checked where a helper is named") {
    static_assert(policy::Suite<good_suite>);
    static_assert(policy::KeRegistry<methods>);
    static_assert(!policy::Suite<suite_without_cipher>);
    static_assert(!policy::Suite<suite_with_a_hash_as_prf>);
    static_assert(!policy::Suite<int>);
    CHECK(policy::Suite<good_suite>);
}

TEST_CASE("helpers refuse temporaries they would keep by reference") {
    using exchange::initial_config;
    using exchange::rekey_config;
    using sa = exchange::ike_sa<good_suite>;
    static_assert(std::is_constructible_v<exchange::initial_initiator<good_suite>, const initial_config&>);
    static_assert(!std::is_constructible_v<exchange::initial_initiator<good_suite>, initial_config>);
    static_assert(!std::is_constructible_v<exchange::initial_responder<good_suite>, initial_config&&>);
    static_assert(std::is_constructible_v<exchange::rekey_initiator<good_suite>, sa&, const rekey_config&>);
    static_assert(!std::is_constructible_v<exchange::rekey_initiator<good_suite>, sa&, rekey_config>);
    static_assert(!std::is_constructible_v<exchange::rekey_responder<good_suite>, sa, const rekey_config&>);
    static_assert(!std::is_constructible_v<exchange::informational_responder<good_suite>, sa>);
    static_assert(std::is_constructible_v<exchange::informational_responder<good_suite>, sa&>);
    CHECK(std::is_constructible_v<exchange::informational_initiator<good_suite>, sa&>);
}
