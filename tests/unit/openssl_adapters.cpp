// SPDX-License-Identifier: MIT
// OpenSSL 3 adapters (include/pqike/adapters/openssl.hpp): RFC known answers for X25519 and
// ECP-256/384, invalid peer values, and cross-checks against the reference policies (HMAC PRFs,
// the HMAC-SHA2-256-128 ICV). The SK ciphers run through the SK suites (wire_sk.cpp,
// wire_fragment.cpp) next to the reference-built test cipher, including real strongSwan packets.
#include "common.hpp"
#include "support/rng.hpp"
#include "support/skip.hpp"

#if defined(PQIKE_HAVE_OPENSSL)

#include <array>
#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>
#include <random>

using namespace pqike;
using namespace pqike::adapters;
using namespace pqike::test;

namespace {

template <std::size_t N>
std::array<std::byte, N> arr(const std::string& hex) {
    const auto v = unhex(hex);
    REQUIRE(v.size() == N);
    std::array<std::byte, N> a{};
    std::copy(v.begin(), v.end(), a.begin());
    return a;
}

}  // namespace

TEST_CASE("openssl_rng fills and does not repeat") {
    openssl_rng rng;
    std::array<std::byte, 32> a{}, b{};
    REQUIRE(rng.fill(a).ok());
    REQUIRE(rng.fill(b).ok());
    CHECK(a != b);
    CHECK(rng.fill(mut_bytes{}).ok());
}

TEST_CASE("X25519: RFC 7748 §5.2 and §6.1 known answers") {
    const auto v = pqike::test::load_json("dh_rfc7748_rfc5903.json");
    using G = openssl_x25519;
    for (const auto& t : v["x25519_function"]) {
        auto k = arr<32>(t["scalar"]);
        auto u = arr<32>(t["u"]);
        std::array<std::byte, 32> out{};
        REQUIRE(G::derive(k, u, out).ok());
        CHECK(tohex(out) == t["out"].get<std::string>());
    }
    const auto& dh = v["x25519_dh"];
    auto a = arr<32>(dh["a"]), b = arr<32>(dh["b"]);
    std::array<std::byte, 32> ka{}, kb{}, k1{}, k2{};
    REQUIRE(G::public_key(a, ka).ok());
    REQUIRE(G::public_key(b, kb).ok());
    CHECK(tohex(ka) == dh["ka"].get<std::string>());
    CHECK(tohex(kb) == dh["kb"].get<std::string>());
    REQUIRE(G::derive(a, kb, k1).ok());
    REQUIRE(G::derive(b, ka, k2).ok());
    CHECK(tohex(k1) == dh["k"].get<std::string>());
    CHECK(tohex(k2) == dh["k"].get<std::string>());
    // keygen takes its private value from the Rng.
    replay_rng rng{byte_vec(a.begin(), a.end())};
    std::array<std::byte, 32> priv{}, pub{};
    REQUIRE(G::keygen(rng, priv, pub).ok());
    CHECK(priv == a);
    CHECK(tohex(pub) == dh["ka"].get<std::string>());
    // A failing Rng is an error value, with nothing left behind.
    replay_rng dead;
    CHECK(G::keygen(dead, priv, pub).code() == errc::rng_failure);
}

TEST_CASE("X25519: small-order peer values give an all-zero secret and are rejected") {
    using G = openssl_x25519;
    std::array<std::byte, 32> priv{}, out{};
    priv.fill(std::byte{0x42});
    // u = 0 and u = 1 are of small order (RFC 7748 §6.1: check for the all-zero value).
    for (int u0 : {0, 1}) {
        std::array<std::byte, 32> peer{};
        peer[0] = static_cast<std::byte>(u0);
        out.fill(std::byte{0x77});
        CHECK(G::derive(priv, peer, out).code() == errc::invalid_key);
        CHECK(std::all_of(out.begin(), out.end(), [](std::byte x) { return x == std::byte{0}; }));
    }
}

TEST_CASE_TEMPLATE("ECP: RFC 5903 §8 known answers, keygen and invalid points", G, openssl_ecp256,
                   openssl_ecp384) {
    const auto v = pqike::test::load_json("dh_rfc7748_rfc5903.json");
    const nlohmann::json& t = v["ecp"][std::to_string(G::id)];
    constexpr std::size_t n = G::private_size;
    auto i = arr<n>(t["i"]), r = arr<n>(t["r"]);
    std::array<std::byte, G::public_size> gi{}, gr{};
    REQUIRE(G::public_key(i, gi).ok());
    REQUIRE(G::public_key(r, gr).ok());
    CHECK(tohex(gi) == t["gix"].get<std::string>() + t["giy"].get<std::string>());
    CHECK(tohex(gr) == t["grx"].get<std::string>() + t["gry"].get<std::string>());
    std::array<std::byte, G::shared_size> s1{}, s2{};
    REQUIRE(G::derive(i, gr, s1).ok());
    REQUIRE(G::derive(r, gi, s2).ok());
    CHECK(tohex(s1) == t["girx"].get<std::string>());
    CHECK(tohex(s2) == t["girx"].get<std::string>());

    SUBCASE("keygen rejects out-of-range scalars and draws again") {
        byte_vec bytes(n, std::byte{0xff});  // >= the group order: rejected
        bytes.insert(bytes.end(), n, std::byte{0});  // zero: rejected
        bytes.insert(bytes.end(), i.begin(), i.end());
        replay_rng rng{bytes};
        std::array<std::byte, n> priv{};
        std::array<std::byte, G::public_size> pub{};
        REQUIRE(G::keygen(rng, priv, pub).ok());
        CHECK(priv == i);
        CHECK(pub == gi);
        std::array<std::byte, n> zero{};
        CHECK(G::public_key(zero, pub).code() == errc::invalid_key);
    }
    SUBCASE("a point off the curve is rejected") {
        auto bad = gr;
        bad[G::public_size - 1] ^= std::byte{1};  // y changed
        s1.fill(std::byte{0x77});
        CHECK(G::derive(i, bad, s1).code() == errc::invalid_key);
        CHECK(std::all_of(s1.begin(), s1.end(), [](std::byte x) { return x == std::byte{0}; }));
    }
    SUBCASE("(0, 0) and coordinates >= p are rejected") {
        std::array<std::byte, G::public_size> zero{}, big{};
        big.fill(std::byte{0xff});
        CHECK(G::derive(i, zero, s1).code() == errc::invalid_key);
        CHECK(G::derive(i, big, s1).code() == errc::invalid_key);
    }
    SUBCASE("random pairs agree") {
        openssl_rng rng;
        std::array<std::byte, n> a{}, b{};
        std::array<std::byte, G::public_size> pa{}, pb{};
        REQUIRE(G::keygen(rng, a, pa).ok());
        REQUIRE(G::keygen(rng, b, pb).ok());
        REQUIRE(G::derive(a, pb, s1).ok());
        REQUIRE(G::derive(b, pa, s2).ok());
        CHECK(s1 == s2);
    }
}

TEST_CASE("HMAC PRFs: RFC 4231 answers and the same outputs as the reference PRFs") {
    const auto v = pqike::test::load_json("hmac_sha2.json");
    std::size_t checked = 0;
    for (const auto& c : v["cases"]) {
        if (c["truncated"].get<bool>()) continue;
        const auto key = unhex(c["key"].get<std::string>());
        const auto data = unhex(c["data"].get<std::string>());
        const auto hash = c["hash"].get<std::string>();
        auto run = [&]<class P>() {
            P prf{view(key)};
            REQUIRE(prf.ok());
            std::array<std::byte, P::output_size> out{};
            policy::prf_compute(prf, {view(data)}, out);
            CHECK(tohex(out) == c["mac"].get<std::string>());
            ++checked;
        };
        if (hash == "SHA-256") run.operator()<openssl_prf_hmac_sha2_256>();
        if (hash == "SHA-384") run.operator()<openssl_prf_hmac_sha2_384>();
        if (hash == "SHA-512") run.operator()<openssl_prf_hmac_sha2_512>();
    }
    CHECK(checked >= 18);

    std::mt19937 gen(5);
    auto random_bytes = [&](std::size_t len) {
        byte_vec b(len);
        for (auto& x : b) x = static_cast<std::byte>(gen());
        return b;
    };
    auto cross = [&]<class Ours, class Ref>() {
        static_assert(Ours::output_size == Ref::output_size);
        static_assert(Ours::transform_id == Ref::transform_id);
        for (std::size_t klen : {0u, 1u, 32u, 64u, 129u, 200u}) {
            const auto key = random_bytes(klen);
            const auto a = random_bytes(gen() % 300), b = random_bytes(gen() % 300);
            Ours ours{view(key)};
            Ref ref{view(key)};
            std::array<std::byte, Ours::output_size> x{}, y{}, z{};
            policy::prf_compute(ours, {view(a), view(b)}, x);
            policy::prf_compute(ref, {view(a), view(b)}, y);
            CHECK(x == y);
            auto s = ours.stream();  // incremental, split differently
            s.update(view(a));
            s.update(view(b));
            s.finish(z);
            CHECK(z == y);
            Ours copy = ours;  // copies keep the key
            policy::prf_compute(copy, {view(a), view(b)}, z);
            CHECK(z == y);
        }
    };
    cross.operator()<openssl_prf_hmac_sha2_256, crypto::hmac_sha256>();
    cross.operator()<openssl_prf_hmac_sha2_384, crypto::hmac_sha384>();
    cross.operator()<openssl_prf_hmac_sha2_512, crypto::hmac_sha512>();
}

TEST_CASE_TEMPLATE("AES-CBC + HMAC-SHA2-256-128: the ICV equals the reference integrity policy",
                   C, openssl_aes128_cbc_hmac_sha256_128, openssl_aes256_cbc_hmac_sha256_128) {
    const byte_vec e(C::encr_key_size, std::byte{0x11}), a(C::integ_key_size, std::byte{0x22});
    const byte_vec iv(C::iv_size, std::byte{0x33});
    const auto aad = unhex("0102030405060708 1112131415161718 2e202508 00000007 00000050 29000034");
    byte_vec data(48, std::byte{0x5a});
    const auto plain = data;
    std::array<std::byte, 16> icv{}, ref{};
    REQUIRE(C::seal(view(e), view(a), view(aad), view(iv), data, icv).ok());
    CHECK(data != plain);
    REQUIRE(crypto::auth_hmac_sha2_256_128::compute(view(a), {view(aad), view(iv), view(data)},
                                                    ref).ok());
    CHECK(icv == ref);
    REQUIRE(C::open(view(e), view(a), view(aad), view(iv), data, icv).ok());
    CHECK(data == plain);
    // Size errors are invalid_length, not ICV failures.
    CHECK(C::seal(view(e), view(a), view(aad), view(iv), mut_bytes{data.data(), 47}, icv).code() ==
          errc::invalid_length);
    CHECK(C::open(view(e).first(8), view(a), view(aad), view(iv), data, icv).code() ==
          errc::invalid_length);
}

TEST_CASE_TEMPLATE("AES-GCM-16: tag over the AAD; a failed open leaves the ciphertext", C,
                   openssl_aes128_gcm16, openssl_aes256_gcm16) {
    const byte_vec e(C::encr_key_size, std::byte{0x11});
    const byte_vec iv(C::iv_size, std::byte{0x33});
    auto aad = unhex("0102030405060708 1112131415161718 2e202508 00000007 00000050 29000034");
    byte_vec data(37, std::byte{0x5a});  // GCM needs no block alignment
    const auto plain = data;
    std::array<std::byte, 16> icv{};
    REQUIRE(C::seal(view(e), {}, view(aad), view(iv), data, icv).ok());
    const auto ct = data;
    aad[5] ^= std::byte{1};
    CHECK(C::open(view(e), {}, view(aad), view(iv), data, icv).code() == errc::integrity_check_failed);
    CHECK(data == ct);
    aad[5] ^= std::byte{1};
    REQUIRE(C::open(view(e), {}, view(aad), view(iv), data, icv).ok());
    CHECK(data == plain);
    const byte_vec a(1);
    CHECK(C::open(view(e), view(a), view(aad), view(iv), data, icv).code() == errc::invalid_length);
}

TEST_CASE("AES-GCM and AES-CBC known answers through the SkCipher interface") {
    const auto v = pqike::test::load_json("aes_sk_kat.json");
    for (const auto& t : v["gcm"]) {
        const auto nonce = unhex(t["nonce"].get<std::string>());
        auto sk_e = unhex(t["key"].get<std::string>());
        sk_e.insert(sk_e.end(), nonce.begin(), nonce.begin() + 4);  // salt (RFC 5282 §7.1)
        const byte_vec iv(nonce.begin() + 4, nonce.end());
        const auto aad = unhex(t["aad"].get<std::string>());
        auto data = unhex(t["pt"].get<std::string>());
        std::array<std::byte, 16> tag{};
        auto run = [&]<class C>() {
            REQUIRE(C::seal(view(sk_e), {}, view(aad), view(iv), data, tag).ok());
            CHECK(tohex(view(data)) == t["ct"].get<std::string>());
            CHECK(tohex(tag) == t["tag"].get<std::string>());
            REQUIRE(C::open(view(sk_e), {}, view(aad), view(iv), data, tag).ok());
            CHECK(tohex(view(data)) == t["pt"].get<std::string>());
        };
        if (sk_e.size() == openssl_aes128_gcm16::encr_key_size) run.operator()<openssl_aes128_gcm16>();
        else run.operator()<openssl_aes256_gcm16>();
    }
    for (const auto& t : v["cbc"]) {
        using C = openssl_aes128_cbc_hmac_sha256_128;
        const auto key = unhex(t["key"].get<std::string>());
        const auto iv = unhex(t["iv"].get<std::string>());
        const byte_vec sk_a(32, std::byte{0x01});
        auto data = unhex(t["pt"].get<std::string>());
        std::array<std::byte, 16> icv{};
        REQUIRE(C::seal(view(key), view(sk_a), {}, view(iv), data, icv).ok());
        CHECK(tohex(view(data)) == t["ct"].get<std::string>());
        REQUIRE(C::open(view(key), view(sk_a), {}, view(iv), data, icv).ok());
        CHECK(tohex(view(data)) == t["pt"].get<std::string>());
    }
}

#else
TEST_CASE("OpenSSL adapters") { PQIKE_SKIP("built without OpenSSL 3: the adapters are not compiled"); }
#endif
