// SPDX-License-Identifier: MIT
// SHA-1/SHA-2 (FIPS 180-4), HMAC (FIPS 198-1), the IKEv2 PRF and integrity policies, and the OS
// random source. Known answers: tests/data/hmac_sha2.json (RFC 4231, RFC 2202, NIST ACVP) and the
// FIPS 180-4 example digests (NIST "Example Values" for SHA-1/224/256/384/512).
#include "common.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <pqike/policy.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/os_random.hpp>
#include <pqike/crypto/sha2.hpp>

#if defined(PQIKE_HAVE_OPENSSL)
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif

using namespace pqike;
using namespace pqike::crypto;
using namespace pqike::test;

static_assert(policy::Hash<sha1> && policy::Hash<sha224> && policy::Hash<sha256> && policy::Hash<sha384> && policy::Hash<sha512>);
static_assert(sha1::digest_size == 20 && sha1::block_size == 64);
static_assert(sha224::digest_size == 28 && sha224::block_size == 64);
static_assert(sha256::digest_size == 32 && sha256::block_size == 64);
static_assert(sha384::digest_size == 48 && sha384::block_size == 128);
static_assert(sha512::digest_size == 64 && sha512::block_size == 128);

static_assert(policy::Prf<hmac_sha1> && policy::Prf<hmac_sha256> && policy::Prf<hmac_sha384> && policy::Prf<hmac_sha512>);
static_assert(hmac_sha1::transform_id == 2 && hmac_sha256::transform_id == 5 &&
              hmac_sha384::transform_id == 6 && hmac_sha512::transform_id == 7);
static_assert(hmac_sha256::output_size == 32 && hmac_sha256::preferred_key_size == 32);
static_assert(hmac_sha384::output_size == 48 && hmac_sha384::preferred_key_size == 48);
static_assert(hmac_sha512::output_size == 64 && hmac_sha512::preferred_key_size == 64);
static_assert(hmac_sha1::output_size == 20 && hmac_sha1::preferred_key_size == 20);
static_assert(!hmac_sha256::truncates_nonce_key && !hmac_sha1::truncates_nonce_key);

// RFC 4868 §2.3 / RFC 2404: IDs, key and ICV sizes of the integrity transforms.
static_assert(auth_hmac_sha1_96::transform_id == 2 && auth_hmac_sha1_96::key_size == 20 &&
              auth_hmac_sha1_96::icv_size == 12);
static_assert(auth_hmac_sha2_256_128::transform_id == 12 && auth_hmac_sha2_256_128::key_size == 32 &&
              auth_hmac_sha2_256_128::icv_size == 16);
static_assert(auth_hmac_sha2_384_192::transform_id == 13 && auth_hmac_sha2_384_192::key_size == 48 &&
              auth_hmac_sha2_384_192::icv_size == 24);
static_assert(auth_hmac_sha2_512_256::transform_id == 14 && auth_hmac_sha2_512_256::key_size == 64 &&
              auth_hmac_sha2_512_256::icv_size == 32);

static_assert(policy::Rng<os_random>);

namespace {

template <class H>
byte_vec digest(bytes_view m) {
    byte_vec out(H::digest_size);
    H::hash(m, std::span<std::byte, H::digest_size>(out.data(), H::digest_size));
    return out;
}

template <class H>
byte_vec mac(bytes_view key, bytes_view m) {
    byte_vec out(H::digest_size);
    hmac<H>(key).compute(m, std::span<std::byte, H::digest_size>(out.data(), H::digest_size));
    return out;
}

// HMAC written out from its definition (FIPS 198-1 §4, steps 1-9), with the message and pads
// concatenated: an independent check on the precomputed-state implementation.
template <class H>
byte_vec mac_by_definition(bytes_view key, bytes_view m) {
    byte_vec k0(H::block_size, std::byte{0});
    if (key.size() > H::block_size) {
        const auto hk = digest<H>(key);
        std::copy(hk.begin(), hk.end(), k0.begin());
    } else {
        std::copy(key.begin(), key.end(), k0.begin());
    }
    byte_vec inner;
    for (auto b : k0) inner.push_back(b ^ std::byte{0x36});
    inner.insert(inner.end(), m.begin(), m.end());
    const auto ih = digest<H>(view(inner));
    byte_vec outer;
    for (auto b : k0) outer.push_back(b ^ std::byte{0x5c});
    outer.insert(outer.end(), ih.begin(), ih.end());
    return digest<H>(view(outer));
}

byte_vec random_bytes(std::mt19937& rng, std::size_t n) {
    byte_vec v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng() & 0xff);
    return v;
}

}  // namespace

// ---- SHA-1 / SHA-2 -------------------------------------------------------------------------------

TEST_CASE("FIPS 180-4 example digests: abc, the 448-bit and 896-bit messages, one million a") {
    const std::string abc = "abc";
    const std::string m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    const std::string m896 =
        "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlm"
        "nopqrsmnopqrstnopqrstu";
    const std::string million(1000000, 'a');

    CHECK(tohex(digest<sha1>(view(abc))) == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(tohex(digest<sha1>(view(m448))) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    CHECK(tohex(digest<sha1>(view(million))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");

    CHECK(tohex(digest<sha224>(view(abc))) ==
          "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
    CHECK(tohex(digest<sha224>(view(m448))) ==
          "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525");
    CHECK(tohex(digest<sha224>(view(million))) ==
          "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67");

    CHECK(tohex(digest<sha256>(view(abc))) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(tohex(digest<sha256>(view(m448))) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(tohex(digest<sha256>(view(million))) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    CHECK(tohex(digest<sha384>(view(abc))) ==
          "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
          "34c825a7");
    CHECK(tohex(digest<sha384>(view(m896))) ==
          "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa"
          "91746039");
    CHECK(tohex(digest<sha384>(view(million))) ==
          "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd8"
          "7f3d8985");

    CHECK(tohex(digest<sha512>(view(abc))) ==
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23"
          "a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    CHECK(tohex(digest<sha512>(view(m896))) ==
          "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99de"
          "c4b5433ac7d329eeb6dd26545e96e55b874be909");
    CHECK(tohex(digest<sha512>(view(million))) ==
          "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432c"
          "e577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

TEST_CASE_TEMPLATE("incremental hashing equals one-shot for every split point", H, sha1, sha224,
                   sha256, sha384, sha512) {
    // Long enough to cross two blocks and every padding boundary of both block sizes.
    std::mt19937 rng(7);
    const auto msg = random_bytes(rng, 2 * H::block_size + 17);
    const auto one = digest<H>(view(msg));
    for (std::size_t cut = 0; cut <= msg.size(); ++cut) {
        H h;
        h.update(view(msg).first(cut));
        h.update(view(msg).subspan(cut));
        byte_vec out(H::digest_size);
        h.finish(std::span<std::byte, H::digest_size>(out.data(), H::digest_size));
        REQUIRE_MESSAGE(out == one, "split at " << cut);
    }
    // Byte by byte, and reuse after finish() starts a fresh message.
    H h;
    for (std::size_t i = 0; i < msg.size(); ++i) h.update(view(msg).subspan(i, 1));
    byte_vec out(H::digest_size);
    h.finish(std::span<std::byte, H::digest_size>(out.data(), H::digest_size));
    CHECK(out == one);
    h.update(view(msg));
    h.finish(std::span<std::byte, H::digest_size>(out.data(), H::digest_size));
    CHECK(out == one);
}

TEST_CASE_TEMPLATE("every message length around the padding boundaries is distinct", H, sha1,
                   sha256, sha512) {
    // Lengths 0..2 blocks: the padding of block_size - length_bytes - 1 and its neighbours takes
    // a different path; all digests differ from each other and each length's incremental form.
    std::vector<std::string> seen;
    const byte_vec zeros(2 * H::block_size + 1, std::byte{0});
    for (std::size_t n = 0; n <= 2 * H::block_size; ++n) {
        const auto d = tohex(digest<H>(view(zeros).first(n)));
        CHECK(std::find(seen.begin(), seen.end(), d) == seen.end());
        seen.push_back(d);
    }
}

// ---- HMAC known answers ----------------------------------------------------------------------

TEST_CASE("HMAC: every case of hmac_sha2.json (RFC 4231, RFC 2202, ACVP)") {
    const auto j = pqike::test::load_json("hmac_sha2.json");
    std::size_t n = 0, n1 = 0, n224 = 0, n256 = 0, n384 = 0, n512 = 0;
    for (const auto& c : j.at("cases")) {
        const std::string h = c.at("hash");
        const auto key = unhex(c.at("key").get<std::string>());
        const auto data = unhex(c.at("data").get<std::string>());
        const auto expect = unhex(c.at("mac").get<std::string>());
        const auto len = c.at("macLen").get<std::size_t>();
        REQUIRE(expect.size() == len);
        byte_vec got;
        if (h == "SHA-1") {
            got = mac<sha1>(view(key), view(data));
            ++n1;
        } else if (h == "SHA-224") {
            got = mac<sha224>(view(key), view(data));
            ++n224;
        } else if (h == "SHA-256") {
            got = mac<sha256>(view(key), view(data));
            ++n256;
        } else if (h == "SHA-384") {
            got = mac<sha384>(view(key), view(data));
            ++n384;
        } else if (h == "SHA-512") {
            got = mac<sha512>(view(key), view(data));
            ++n512;
        } else {
            FAIL("unknown hash " << h);
        }
        REQUIRE(got.size() >= len);
        got.resize(len);  // compare the leftmost macLen bytes
        CHECK_MESSAGE(got == expect, c.at("source").get<std::string>() << " " << h);
        ++n;
    }
    CHECK(n == 95);
    CHECK(n1 == 7);
    CHECK(n224 == 7);
    CHECK(n256 == 27);
    CHECK(n384 == 27);
    CHECK(n512 == 27);
}

TEST_CASE_TEMPLATE("HMAC key lengths 0, block-1, block, block+1 and 2*block follow FIPS 198-1", H,
                   sha1, sha256, sha384, sha512) {
    std::mt19937 rng(11);
    const auto msg = random_bytes(rng, 100);
    std::vector<std::string> seen;
    for (std::size_t klen : {std::size_t{0}, std::size_t{1}, H::digest_size, H::block_size - 1,
                             H::block_size, H::block_size + 1, 2 * H::block_size}) {
        const auto key = random_bytes(rng, klen);
        const auto got = mac<H>(view(key), view(msg));
        CHECK_MESSAGE(got == mac_by_definition<H>(view(key), view(msg)), "key length " << klen);
        if (klen > H::block_size) {
            // A long key is replaced by its hash (FIPS 198-1 §4 step 2).
            const auto hk = digest<H>(view(key));
            CHECK(got == mac<H>(view(hk), view(msg)));
        }
        const auto hx = tohex(got);
        CHECK(std::find(seen.begin(), seen.end(), hx) == seen.end());
        seen.push_back(hx);
    }
    // Zero-padding is part of the definition: key "" and key "\0" give the same MAC.
    const byte_vec zero1(1, std::byte{0});
    CHECK(mac<H>(bytes_view{}, view(msg)) == mac<H>(view(zero1), view(msg)));
}

TEST_CASE_TEMPLATE("HMAC keyed from parts equals keyed from the concatenation", P, hmac_sha1,
                   hmac_sha256, hmac_sha384, hmac_sha512) {
    using H = typename P::hash_type;
    std::mt19937 rng(17);
    const auto msg = random_bytes(rng, 40);
    // Totals below, at and above the block size (the last one is hashed first).
    for (std::size_t na : {std::size_t{0}, std::size_t{8}, H::block_size / 2, H::block_size}) {
        for (std::size_t nb : {std::size_t{0}, std::size_t{8}, H::block_size / 2, std::size_t{1}}) {
            const auto a = random_bytes(rng, na);
            const auto b = random_bytes(rng, nb);
            byte_vec ab = a;
            ab.insert(ab.end(), b.begin(), b.end());
            std::array<std::byte, P::output_size> from_parts{}, from_concat{};
            P{view(a), view(b)}.compute(view(msg), from_parts);
            P(view(ab)).compute(view(msg), from_concat);
            CHECK_MESSAGE(from_parts == from_concat, na << " + " << nb);
            CHECK(byte_vec(from_concat.begin(), from_concat.end()) ==
                  mac_by_definition<H>(view(ab), view(msg)));
        }
    }
}

// ---- the PRF policies ----------------------------------------------------------------------------

TEST_CASE_TEMPLATE("PRF: parts, streams and reuse agree with one concatenated message", P,
                   hmac_sha1, hmac_sha256, hmac_sha384, hmac_sha512) {
    std::mt19937 rng(23);
    const auto key = random_bytes(rng, P::preferred_key_size);
    const auto a = random_bytes(rng, 32);   // like Ni
    const auto b = random_bytes(rng, 200);  // like Nr, crossing a block
    const auto c = random_bytes(rng, 16);   // like SPIi | SPIr
    byte_vec all = a;
    all.insert(all.end(), b.begin(), b.end());
    all.insert(all.end(), c.begin(), c.end());

    const P prf{view(key)};
    std::array<std::byte, P::output_size> whole{}, parts{}, streamed{}, again{}, byparts{};
    prf.compute(view(all), whole);
    pqike::policy::prf_compute(prf, {view(a), view(b), view(c)}, parts);
    CHECK(parts == whole);

    const std::array<bytes_view, 5> list = {view(a), bytes_view{}, view(b), view(c), bytes_view{}};
    prf.compute(std::span<const bytes_view>(list), byparts);
    CHECK(byparts == whole);

    auto s = prf.stream();
    for (std::size_t i = 0; i < all.size(); i += 7)
        s.update(view(all).subspan(i, std::min<std::size_t>(7, all.size() - i)));
    s.finish(streamed);
    CHECK(streamed == whole);

    // compute is const and reusable: the keyed states are not consumed.
    prf.compute(view(all), again);
    CHECK(again == whole);
    const P copy = prf;
    copy.compute(view(all), again);
    CHECK(again == whole);

    // And it is the textbook HMAC.
    const auto ref = mac_by_definition<typename P::hash_type>(view(key), view(all));
    CHECK(byte_vec(whole.begin(), whole.end()) == ref);

    // A different key or a different split of the same bytes into a different message differs.
    auto key2 = key;
    key2[0] ^= std::byte{1};
    P{view(key2)}.compute(view(all), again);
    CHECK(again != whole);
}

// ---- integrity transforms --------------------------------------------------------------------

TEST_CASE_TEMPLATE("integrity transforms: truncated HMAC, key size, verify", I,
                   auth_hmac_sha1_96, auth_hmac_sha2_256_128, auth_hmac_sha2_384_192,
                   auth_hmac_sha2_512_256) {
    std::mt19937 rng(31);
    const auto key = random_bytes(rng, I::key_size);
    const auto aad = random_bytes(rng, 28);
    const auto ct = random_bytes(rng, 80);
    std::array<std::byte, I::icv_size> icv{};
    REQUIRE(I::compute(view(key), {view(aad), view(ct)}, icv).ok());

    byte_vec all = aad;
    all.insert(all.end(), ct.begin(), ct.end());
    // RFC 4868 §2.1 / RFC 2404 §2: the ICV is the leftmost bits of the full HMAC.
    using H = typename I::hash_type;
    const auto full = mac_by_definition<H>(view(key), view(all));
    CHECK(byte_vec(icv.begin(), icv.end()) == byte_vec(full.begin(), full.begin() + I::icv_size));

    CHECK(I::verify(view(key), {view(aad), view(ct)}, icv).ok());
    auto bad = icv;
    bad[I::icv_size - 1] ^= std::byte{0x80};
    CHECK(I::verify(view(key), {view(aad), view(ct)}, bad).code() == errc::integrity_check_failed);
    CHECK(I::verify(view(key), {view(aad), view(ct)}, bytes_view(icv).first(I::icv_size - 1))
              .code() == errc::integrity_check_failed);
    auto ct2 = ct;
    ct2[0] ^= std::byte{1};
    CHECK(I::verify(view(key), {view(aad), view(ct2)}, icv).code() == errc::integrity_check_failed);

    // A key of the wrong size is an error and the ICV buffer is zeroed.
    std::array<std::byte, I::icv_size> out{};
    out.fill(std::byte{0xaa});
    const auto short_key = view(key).first(I::key_size - 1);
    CHECK(I::compute(short_key, {view(ct)}, out).code() == errc::invalid_length);
    CHECK(std::all_of(out.begin(), out.end(), [](std::byte x) { return x == std::byte{0}; }));
    CHECK(I::verify(short_key, {view(ct)}, icv).code() == errc::invalid_length);
}

// ---- OS random source --------------------------------------------------------------------------

TEST_CASE("os_random fills buffers of 0, 1, 256, 100000 and more than one getrandom call") {
    os_random rng;
    CHECK(rng.fill(mut_bytes{}).ok());

    std::array<std::byte, 1> one{};
    CHECK(rng.fill(one).ok());

    // Two 256-byte draws differ, and neither is left all zero (each has probability 2^-2048).
    std::array<std::byte, 256> x{}, y{};
    REQUIRE(rng.fill(x).ok());
    REQUIRE(rng.fill(y).ok());
    CHECK(x != y);
    CHECK(std::any_of(x.begin(), x.end(), [](std::byte b) { return b != std::byte{0}; }));

    // The whole buffer is filled, including the tail.
    byte_vec big(100000, std::byte{0});
    REQUIRE(rng.fill(big).ok());
    CHECK(std::any_of(big.end() - 64, big.end(), [](std::byte b) { return b != std::byte{0}; }));
    CHECK(std::any_of(big.begin(), big.begin() + 64, [](std::byte b) { return b != std::byte{0}; }));

    // Larger than one getrandom(2) call returns: the loop must continue.
    byte_vec huge(os_random::max_per_call + 4096, std::byte{0});
    REQUIRE(rng.fill(huge).ok());
    CHECK(std::any_of(huge.end() - 4096, huge.end(), [](std::byte b) { return b != std::byte{0}; }));
}

namespace {
// A scripted getrandom: each call takes the next step (bytes to return, or -1 with an errno).
struct fake_step {
    long result;  // > 0: that many bytes (capped to the request); 0 or -1: returned as is
    int err;
};
struct fake_source {
    static inline std::vector<fake_step> script;
    static inline std::size_t calls = 0;
    static inline std::size_t largest_request = 0;
    static ssize_t call(void* p, std::size_t n) noexcept {
        largest_request = std::max(largest_request, n);
        const fake_step s = calls < script.size() ? script[calls] : fake_step{1L << 30, 0};
        ++calls;
        if (s.result < 0) {
            errno = s.err;
            return -1;
        }
        const std::size_t k = std::min(n, static_cast<std::size_t>(s.result));
        std::memset(p, 0x5a, k);
        return static_cast<ssize_t>(k);
    }
    static void reset(std::vector<fake_step> s) {
        script = std::move(s);
        calls = 0;
        largest_request = 0;
    }
};
using fake_random = basic_os_random<fake_source>;
}  // namespace

TEST_CASE("os_random retries EINTR and short reads, fails on anything else without fallback") {
    static_assert(policy::Rng<fake_random>);
    std::array<std::byte, 100> buf{};

    SUBCASE("EINTR, then short reads, then the rest: all bytes filled") {
        fake_source::reset({{-1, EINTR}, {3, 0}, {-1, EINTR}, {40, 0}});
        CHECK(fake_random::fill(buf).ok());
        CHECK(fake_source::calls == 5);
        CHECK(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0x5a}; }));
    }
    SUBCASE("an error after a partial fill: rng_failure, offset = bytes obtained, buffer zeroed") {
        for (int e : {EIO, ENOSYS, EFAULT, EAGAIN}) {
            fake_source::reset({{30, 0}, {-1, e}});
            buf.fill(std::byte{0x11});
            const status s = fake_random::fill(buf);
            CHECK(s.code() == errc::rng_failure);
            CHECK(s.error().value == 30);  // octets filled before the failure
            CHECK(fake_source::calls == 2);  // no retry, no other source
            CHECK(std::all_of(buf.begin(), buf.end(), [](std::byte b) { return b == std::byte{0}; }));
        }
    }
    SUBCASE("a zero-byte return for a non-empty request is a failure, not a spin") {
        fake_source::reset({{0, 0}});
        CHECK(fake_random::fill(buf).code() == errc::rng_failure);
        CHECK(fake_source::calls == 1);
    }
    SUBCASE("requests are capped at getrandom's per-call maximum") {
        fake_source::reset({});
        byte_vec big(fake_random::max_per_call * 2 + 5);
        CHECK(fake_random::fill(big).ok());
        CHECK(fake_source::largest_request == fake_random::max_per_call);
        CHECK(fake_source::calls == 3);
    }
    SUBCASE("an empty buffer makes no call") {
        fake_source::reset({{-1, EIO}});
        CHECK(fake_random::fill(mut_bytes{}).ok());
        CHECK(fake_source::calls == 0);
    }
}

// ---- cross-check against OpenSSL -------------------------------------------------------------

#if defined(PQIKE_HAVE_OPENSSL)
namespace {
template <class H>
const EVP_MD* evp_of() {
    if constexpr (std::is_same_v<H, sha1>) return EVP_sha1();
    else if constexpr (std::is_same_v<H, sha224>) return EVP_sha224();
    else if constexpr (std::is_same_v<H, sha256>) return EVP_sha256();
    else if constexpr (std::is_same_v<H, sha384>) return EVP_sha384();
    else return EVP_sha512();
}
}  // namespace

TEST_CASE_TEMPLATE("OpenSSL agrees on random digests and HMACs", P, hmac_sha1, hmac_sha256,
                   hmac_sha384, hmac_sha512) {
    using H = typename P::hash_type;
    std::mt19937 rng(static_cast<unsigned>(P::transform_id) * 1000u + 1u);
    for (int round = 0; round < 200; ++round) {
        const auto key = random_bytes(rng, rng() % 300);
        const auto msg = random_bytes(rng, rng() % 700);

        unsigned char ref[EVP_MAX_MD_SIZE];
        unsigned int ref_len = 0;
        REQUIRE(EVP_Digest(msg.data(), msg.size(), ref, &ref_len, evp_of<H>(), nullptr) == 1);
        REQUIRE(ref_len == H::digest_size);
        CHECK(digest<H>(view(msg)) == byte_vec(reinterpret_cast<std::byte*>(ref),
                                               reinterpret_cast<std::byte*>(ref) + ref_len));

        REQUIRE(HMAC(evp_of<H>(), key.data(), static_cast<int>(key.size()),
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), ref,
                     &ref_len) != nullptr);
        REQUIRE(ref_len == P::output_size);
        // Through the PRF, with the message cut into three parts at random points.
        const std::size_t c1 = msg.empty() ? 0 : rng() % (msg.size() + 1);
        const std::size_t c2 = c1 + (msg.size() == c1 ? 0 : rng() % (msg.size() - c1 + 1));
        std::array<std::byte, P::output_size> got{};
        pqike::policy::prf_compute(P{view(key)},
                    {view(msg).first(c1), view(msg).subspan(c1, c2 - c1), view(msg).subspan(c2)},
                    got);
        CHECK_MESSAGE(tohex(got) == tohex(bytes_view(reinterpret_cast<std::byte*>(ref), ref_len)),
                      "round " << round << " key " << key.size() << " msg " << msg.size());
    }
}
TEST_CASE_TEMPLATE("OpenSSL agrees on the truncated ICVs of the integrity transforms", I,
                   auth_hmac_sha1_96, auth_hmac_sha2_256_128, auth_hmac_sha2_384_192,
                   auth_hmac_sha2_512_256) {
    using H = typename I::hash_type;
    std::mt19937 rng(static_cast<unsigned>(I::transform_id) * 77u + 5u);
    for (int round = 0; round < 50; ++round) {
        const auto key = random_bytes(rng, I::key_size);
        const auto aad = random_bytes(rng, rng() % 64);
        const auto body = random_bytes(rng, rng() % 600);
        byte_vec all = aad;
        all.insert(all.end(), body.begin(), body.end());
        unsigned char ref[EVP_MAX_MD_SIZE];
        unsigned int ref_len = 0;
        REQUIRE(HMAC(evp_of<H>(), key.data(), static_cast<int>(key.size()),
                     reinterpret_cast<const unsigned char*>(all.data()), all.size(), ref,
                     &ref_len) != nullptr);
        std::array<std::byte, I::icv_size> icv{};
        REQUIRE(I::compute(view(key), {view(aad), view(body)}, icv).ok());
        CHECK(tohex(icv) == tohex(bytes_view(reinterpret_cast<std::byte*>(ref), I::icv_size)));
        CHECK(I::verify(view(key), {view(all)},
                        bytes_view(reinterpret_cast<std::byte*>(ref), I::icv_size))
                  .ok());
    }
}
#endif

