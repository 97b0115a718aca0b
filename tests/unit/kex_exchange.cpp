// SPDX-License-Identifier: MIT
// KE adapters: a KEM and a DH group driven through initiator_ke / responder_ke, end to end, with
// the size and validity checks each side must make. Runs over the toy policies always, and over
// the real ML-KEM, and over the OpenSSL X25519 / ECP groups when OpenSSL is present.
#include "common.hpp"
#include "support/kex_toy.hpp"

#include <pqike/kex/key_exchange.hpp>

#include <string>
#include <vector>

#include <pqike/crypto/mlkem.hpp>
#include <pqike/crypto/os_random.hpp>
#if defined(PQIKE_HAVE_OPENSSL)
#include <pqike/adapters/openssl.hpp>
#endif

using namespace pqike;
using namespace pqike::test;

namespace {

std::vector<std::byte> copy(bytes_view b) { return {b.begin(), b.end()}; }

template <class M, class Rng = counter_rng>
void run_end_to_end() {
    Rng rng;
    kex::initiator_ke<M> ini;
    auto sent = ini.start(rng);
    REQUIRE(sent);
    CHECK(sent->size() == kex::method_traits<M>::initiator_data_size);
    CHECK(ini.waiting());

    auto resp = kex::responder_ke<M>::respond(rng, *sent);
    REQUIRE(resp);
    CHECK(resp->data.size() == kex::method_traits<M>::responder_data_size);

    auto ss = ini.finish(resp->data);
    REQUIRE(ss);
    CHECK(*ss == resp->shared);
    CHECK_FALSE(ini.waiting());
    // The key pair is used once: a second finish is refused.
    CHECK(ini.finish(resp->data).code() == errc::unexpected_message);
}

template <class M>
void run_wrong_sizes() {
    counter_rng rng;
    constexpr std::size_t in = kex::method_traits<M>::initiator_data_size;
    constexpr std::size_t out = kex::method_traits<M>::responder_data_size;
    kex::initiator_ke<M> ini;
    auto sent = ini.start(rng);
    REQUIRE(sent);
    const auto ek = copy(*sent);

    // Responder: the initiator's data must have exactly the initiator's size.
    for (std::size_t n : {std::size_t{0}, in - 1, in + 1, out == in ? in + 2 : out}) {
        std::vector<std::byte> bad(n, std::byte{1});
        for (std::size_t i = 0; i < n && i < ek.size(); ++i) bad[i] = ek[i];
        auto r = kex::responder_ke<M>::respond(rng, {bad.data(), bad.size()});
        CHECK(r.code() == errc::invalid_ke_length);
    }

    auto resp = kex::responder_ke<M>::respond(rng, {ek.data(), ek.size()});
    REQUIRE(resp);
    // Initiator: the responder's data must have the responder's size; a rejected length leaves
    // the exchange waiting, and the right data still completes it.
    for (std::size_t n : {std::size_t{0}, out - 1, out + 1, in == out ? out + 2 : in}) {
        std::vector<std::byte> bad(n, std::byte{1});
        CHECK(ini.finish({bad.data(), bad.size()}).code() == errc::invalid_ke_length);
        CHECK(ini.waiting());
    }
    auto ss = ini.finish(resp->data);
    REQUIRE(ss);
    CHECK(*ss == resp->shared);
}

}  // namespace

TEST_CASE_TEMPLATE("initiator and responder obtain the same secret", M, toy_dh, toy_dh_wide, toy_kem) {
    run_end_to_end<M>();
}

TEST_CASE_TEMPLATE("KE data of the wrong size is rejected on both sides", M, toy_dh, toy_kem) {
    run_wrong_sizes<M>();
}

TEST_CASE("KEM responder validates ek before encapsulating") {
    counter_rng rng;
    kex::initiator_ke<toy_kem> ini;
    auto sent = ini.start(rng);
    REQUIRE(sent);
    auto bad = copy(*sent);
    bad[0] = std::byte{2};  // the toy check_ek's "modulus check"
    auto r = kex::responder_ke<toy_kem>::respond(rng, {bad.data(), bad.size()});
    REQUIRE(r.code() == errc::invalid_key);
    CHECK(std::string(r.error().field) == "ke.data");

    // The notify: INVALID_SYNTAX by default, NO_PROPOSAL_CHOSEN when configured (strongSwan).
    CHECK(kex::notify_for(r.error(), kex::responder_options{}) == notify_error::invalid_syntax);
    kex::responder_options sw{notify_error::no_proposal_chosen};
    CHECK(kex::notify_for(r.error(), sw) == notify_error::no_proposal_chosen);
    // Other errors keep their own notify whatever the option.
    CHECK(kex::notify_for(error{errc::invalid_ke_method}, sw) == notify_error::invalid_ke_payload);
}

TEST_CASE("DH: an invalid peer public value is invalid_key on both sides, state unchanged") {
    counter_rng rng;
    const std::array<std::byte, 4> one{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{1}};
    CHECK(kex::responder_ke<toy_dh>::respond(rng, one).code() == errc::invalid_key);

    kex::initiator_ke<toy_dh> ini;
    auto sent = ini.start(rng);
    REQUIRE(sent);
    CHECK(ini.finish(one).code() == errc::invalid_key);
    CHECK(ini.waiting());
    auto resp = kex::responder_ke<toy_dh>::respond(rng, *sent);
    REQUIRE(resp);
    auto ss = ini.finish(resp->data);
    REQUIRE(ss);
    CHECK(*ss == resp->shared);
}

TEST_CASE("order of calls and RNG failure") {
    counter_rng rng;
    kex::initiator_ke<toy_kem> ini;
    const std::array<std::byte, toy_kem::ct_size> ct{};
    CHECK(ini.finish(ct).code() == errc::unexpected_message);  // finish before start
    REQUIRE(ini.start(rng));
    CHECK(ini.start(rng).code() == errc::unexpected_message);  // one key pair per exchange

    counter_rng broken{1, true};
    kex::initiator_ke<toy_dh> dh;
    CHECK(dh.start(broken).code() == errc::rng_failure);
    CHECK_FALSE(dh.waiting());
    const std::array<std::byte, 4> pub{std::byte{0}, std::byte{0}, std::byte{1}, std::byte{0}};
    CHECK(kex::responder_ke<toy_dh>::respond(broken, pub).code() == errc::rng_failure);
}

TEST_CASE("fresh key pairs: two exchanges never send the same data") {
    counter_rng rng;
    kex::initiator_ke<toy_kem> a, b;
    auto da = a.start(rng);
    auto db = b.start(rng);
    REQUIRE(da);
    REQUIRE(db);
    CHECK(copy(*da) != copy(*db));
}

// ---- run-time choice -----------------------------------------------------------------------------

using reg = kex::ke_registry<toy_dh, toy_kem, toy_dh_wide>;

TEST_CASE("any_initiator_ke and respond_any run the method chosen at run time") {
    counter_rng rng;
    for (auto id : reg::ids) {
        CAPTURE(id);
        kex::any_initiator_ke<reg> ini;
        CHECK(ini.method() == 0);
        auto sent = ini.start(id, rng);
        REQUIRE(sent);
        CHECK(ini.method() == id);
        CHECK(sent->size() == reg::initiator_data_size(id));
        auto resp = kex::respond_any<reg>(id, rng, *sent);
        REQUIRE(resp);
        CHECK(resp->data().size() == reg::responder_data_size(id));
        auto ss = ini.finish(resp->data());
        REQUIRE(ss);
        CHECK(ss->ct_equals(resp->shared.view()));
        CHECK_FALSE(ss->empty());
    }
}

TEST_CASE("any_initiator_ke: unknown method, wrong order, method mix-up") {
    counter_rng rng;
    kex::any_initiator_ke<reg> ini;
    CHECK(ini.finish({}).code() == errc::unexpected_message);
    CHECK(ini.start(36, rng).code() == errc::invalid_ke_method);
    CHECK(ini.method() == 0);
    CHECK(kex::respond_any<reg>(0, rng, {}).code() == errc::invalid_ke_method);

    auto sent = ini.start(toy_kem::id, rng);
    REQUIRE(sent);
    CHECK(ini.start(toy_dh::id, rng).code() == errc::unexpected_message);
    // A DH answer to a KEM exchange has the wrong size for the KEM ciphertext.
    const std::array<std::byte, 64> wide{};
    CHECK(ini.finish(wide).code() == errc::invalid_ke_length);
    ini.reset();
    CHECK(ini.method() == 0);
    REQUIRE(ini.start(toy_dh::id, rng));
}

// ---- real policies ---------------------------------------------------------------------------

TEST_CASE_TEMPLATE("ML-KEM through the adapter", M, crypto::mlkem512, crypto::mlkem768,
                   crypto::mlkem1024) {
    run_end_to_end<M>();
    run_end_to_end<M, crypto::os_random>();
    run_wrong_sizes<M>();
    static_assert(kex::method_traits<M>::initiator_data_size == M::ek_size);
    static_assert(kex::method_traits<M>::responder_data_size == M::ct_size);
}

TEST_CASE_TEMPLATE("ML-KEM initiator: finish (own key, no §7.3 re-check) and finish_checked agree",
                   M, crypto::mlkem512, crypto::mlkem768, crypto::mlkem1024) {
    // Two initiators from the same seed hold the same key; one finishes unchecked, one checked.
    counter_rng r1, r2, rr;
    kex::initiator_ke<M> a, b;
    auto ea = a.start(r1);
    auto eb = b.start(r2);
    REQUIRE(ea);
    REQUIRE(eb);
    REQUIRE(copy(*ea) == copy(*eb));
    auto resp = kex::responder_ke<M>::respond(rr, *ea);
    REQUIRE(resp);
    auto sa = a.finish(resp->data);
    auto sb = b.finish_checked(resp->data);
    REQUIRE(sa);
    REQUIRE(sb);
    CHECK(copy(sa->view()) == copy(resp->shared.view()));
    CHECK(copy(sb->view()) == copy(resp->shared.view()));
    CHECK(!a.waiting());
    CHECK(!b.waiting());
}

TEST_CASE("ML-KEM-768 responder rejects an ek that fails the modulus check (FIPS 203 §7.2)") {
    counter_rng rng;
    kex::initiator_ke<crypto::mlkem768> ini;
    auto sent = ini.start(rng);
    REQUIRE(sent);
    auto bad = copy(*sent);
    // First 12-bit coefficient set to 4095 >= q = 3329: ByteEncode12(ByteDecode12(ek)) differs.
    bad[0] = std::byte{0xff};
    bad[1] = static_cast<std::byte>(std::to_integer<unsigned>(bad[1]) | 0x0fu);
    auto r = kex::responder_ke<crypto::mlkem768>::respond(rng, {bad.data(), bad.size()});
    CHECK(r.code() == errc::invalid_key);
    CHECK(kex::notify_for(r.error(), kex::responder_options{}) == notify_error::invalid_syntax);
    CHECK(kex::notify_for(r.error(), kex::responder_options{notify_error::no_proposal_chosen}) ==
          notify_error::no_proposal_chosen);
    // An invalid ct of the right length is not an error for the initiator (implicit rejection):
    // it yields a secret that differs from the responder's.
    auto good = kex::responder_ke<crypto::mlkem768>::respond(rng, *sent);
    REQUIRE(good);
    auto ct = good->data;
    ct[0] ^= std::byte{1};
    auto ss = ini.finish(ct);
    REQUIRE(ss);
    CHECK_FALSE(*ss == good->shared);
}

#if defined(PQIKE_HAVE_OPENSSL)
TEST_CASE_TEMPLATE("OpenSSL DH groups through the adapter", M, adapters::openssl_x25519,
                   adapters::openssl_ecp256, adapters::openssl_ecp384) {
    run_end_to_end<M, adapters::openssl_rng>();
    run_wrong_sizes<M>();
}

TEST_CASE("X25519: a small-order peer value is invalid_key on both sides") {
    adapters::openssl_rng rng;
    const std::array<std::byte, 32> zero{};  // the point of order 1 (RFC 7748 §6.1)
    CHECK(kex::responder_ke<adapters::openssl_x25519>::respond(rng, zero).code() == errc::invalid_key);
    kex::initiator_ke<adapters::openssl_x25519> ini;
    REQUIRE(ini.start(rng));
    CHECK(ini.finish(zero).code() == errc::invalid_key);
    CHECK(ini.waiting());
}

// The registry the initial-exchange helpers use: X25519 in IKE_SA_INIT, ML-KEM in IKE_INTERMEDIATE.
using real_reg = kex::ke_registry<adapters::openssl_x25519, adapters::openssl_ecp256,
                                  crypto::mlkem512, crypto::mlkem768, crypto::mlkem1024>;
static_assert(real_reg::max_initiator_data_size == 1568 && real_reg::max_responder_data_size == 1568);
static_assert(real_reg::max_public_size == 64 && real_reg::max_ek_size == 1568);
static_assert(real_reg::max_ct_size == 1568 && real_reg::max_shared_size == 32);
static_assert(real_reg::contains(wire::ke_method::ml_kem_768) && !real_reg::contains(wire::ke_method::ecp_384));

TEST_CASE("run-time dispatch over X25519 and ML-KEM by wire number") {
    crypto::os_random rng;
    for (auto m : {wire::ke_method::curve25519, wire::ke_method::ml_kem_768, wire::ke_method::ml_kem_1024}) {
        CAPTURE(wire::name(m));
        kex::any_initiator_ke<real_reg> ini;
        auto sent = ini.start(wire::to_number(m), rng);
        REQUIRE(sent);
        auto resp = kex::respond_any<real_reg>(wire::to_number(m), rng, *sent);
        REQUIRE(resp);
        auto ss = ini.finish(resp->data());
        REQUIRE(ss);
        CHECK(ss->size() == 32);
        CHECK(ss->ct_equals(resp->shared.view()));
    }
}
#endif
