// SPDX-License-Identifier: MIT
// The SHA-NI SHA-256 block function (sha256_sha_ni.hpp) against the portable one: bit-exact on
// random states and blocks for 0, 1, 2, 3 and 17 blocks at any alignment, then whole SHA-224 /
// SHA-256 digests and HMAC-SHA-256 MACs of every length 0..300 computed on each path, and the
// FIPS 180-4 example digests on the SHA-NI path alone. Skipped (PQIKE_SKIP) when the build
// has no SHA-NI code or the CPU lacks SHA; PQIKE_REQUIRE_SHA_NI=1 turns the skip into a failure.
// tests/unit/sha2_hmac.cpp runs the known answers through the dispatching sha256_compress.
#include "common.hpp"
#include "support/skip.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include <pqike/crypto/cpu.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/sha2.hpp>
#include <pqike/crypto/sha256_sha_ni.hpp>

using namespace pqike;
using namespace pqike::crypto;
using namespace pqike::test;

namespace {

// True when the SHA-NI path can run here. When it cannot: a failure if the environment says
// this host must have it (PQIKE_REQUIRE_SHA_NI=1), else false and the caller skips.
bool sha_ni_runs() {
    if (cpu::has_sha_ni()) return true;
    const char* req = std::getenv("PQIKE_REQUIRE_SHA_NI");
    if (req != nullptr && std::string_view(req) == "1")
        FAIL_CHECK("PQIKE_REQUIRE_SHA_NI=1 but the SHA-NI path is not available");
    return false;
}

}  // namespace

#define SKIP_WITHOUT_SHA_NI() \
    if (!sha_ni_runs()) PQIKE_SKIP("no SHA-NI path in this build or CPU")

#if PQIKE_HAVE_SHA_NI_PATH

namespace {

// The md_hash engine over one fixed block function, so whole digests can be taken on each path.
using block_fn = void (*)(std::uint32_t*, const std::byte*, std::size_t) noexcept;
template <class Traits, block_fn Compress>
struct on_block_fn : Traits {
    static void compress(typename Traits::word* st, const std::byte* p, std::size_t n) noexcept {
        Compress(st, p, n);
    }
};
using sha256_portable = detail::md_hash<on_block_fn<detail::sha256_traits, detail::sha256_compress_portable>>;
using sha256_sha_ni = detail::md_hash<on_block_fn<detail::sha256_traits, detail::sha256_compress_sha_ni>>;
using sha224_portable = detail::md_hash<on_block_fn<detail::sha224_traits, detail::sha256_compress_portable>>;
using sha224_sha_ni = detail::md_hash<on_block_fn<detail::sha224_traits, detail::sha256_compress_sha_ni>>;

std::mt19937_64& rng() {
    static std::mt19937_64 r(0x5a256u);
    return r;
}
void fill_random(std::byte* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::byte>(rng()() & 0xffu);
}
byte_vec random_bytes(std::size_t n) {
    byte_vec v(n);
    fill_random(v.data(), n);
    return v;
}

template <class H>
std::string digest_hex(bytes_view msg) {
    std::array<std::byte, H::digest_size> d{};
    H::hash(msg, d);
    return tohex(d);
}

}  // namespace

TEST_CASE("SHA-NI: FIPS 180-4 example digests on the SHA-NI path alone") {
    SKIP_WITHOUT_SHA_NI();
    // NIST "Example Values": one block, two blocks (448 bits), the 896-bit message, and "".
    CHECK(digest_hex<sha256_sha_ni>(view("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(digest_hex<sha256_sha_ni>(
              view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(digest_hex<sha256_sha_ni>(view("")) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(digest_hex<sha224_sha_ni>(view("abc")) ==
          "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
    // One million 'a': 15625 blocks in one compress call, then the padding block.
    const std::vector<char> a(1000000, 'a');
    CHECK(digest_hex<sha256_sha_ni>(as_bytes_view(a.data(), a.size())) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-NI compress equals the portable compress on random states and blocks") {
    SKIP_WITHOUT_SHA_NI();
    // 17 blocks plus room to start at any of 16 byte offsets; the state may start at any word
    // offset too (both paths must accept unaligned pointers).
    std::vector<std::byte> buf(17 * 64 + 16);
    std::size_t cases = 0;
    for (const std::size_t nblocks : {std::size_t{0}, std::size_t{1}, std::size_t{2},
                                      std::size_t{3}, std::size_t{17}}) {
        const int trials = nblocks == 17 ? 1000 : 4000;
        for (int t = 0; t < trials; ++t) {
            fill_random(buf.data(), buf.size());
            const std::size_t off = static_cast<std::size_t>(t) % 16;
            std::array<std::uint32_t, 12> a{}, b{};
            const std::size_t soff = static_cast<std::size_t>(t) % 4;
            for (std::size_t i = 0; i < 8; ++i) a[soff + i] = static_cast<std::uint32_t>(rng()());
            b = a;
            detail::sha256_compress_portable(a.data() + soff, buf.data() + off, nblocks);
            detail::sha256_compress_sha_ni(b.data() + soff, buf.data() + off, nblocks);
            REQUIRE_MESSAGE(a == b, "nblocks " << nblocks << " trial " << t);
            ++cases;
        }
    }
    // Carry-heavy corners: all-zero and all-one states and blocks.
    for (const std::uint32_t sv : {0u, 0xffffffffu}) {
        for (const unsigned bv : {0x00u, 0xffu}) {
            std::fill(buf.begin(), buf.end(), std::byte{static_cast<unsigned char>(bv)});
            std::array<std::uint32_t, 8> a{}, b{};
            a.fill(sv);
            b.fill(sv);
            detail::sha256_compress_portable(a.data(), buf.data(), 17);
            detail::sha256_compress_sha_ni(b.data(), buf.data(), 17);
            CHECK(a == b);
            ++cases;
        }
    }
    MESSAGE(cases << " compress calls compared");
}

TEST_CASE("SHA-NI: SHA-224/256 digests and HMAC-SHA-256 of every length 0..300 match portable") {
    SKIP_WITHOUT_SHA_NI();
    for (std::size_t len = 0; len <= 300; ++len) {
        CAPTURE(len);
        const byte_vec msg = random_bytes(len);
        const std::string p256 = digest_hex<sha256_portable>(view(msg));
        CHECK(digest_hex<sha256_sha_ni>(view(msg)) == p256);
        CHECK(digest_hex<sha256>(view(msg)) == p256);  // the dispatching path
        CHECK(digest_hex<sha224_sha_ni>(view(msg)) == digest_hex<sha224_portable>(view(msg)));

        // Key lengths cycle through 0..130: shorter than, equal to and longer than a block.
        const byte_vec key = random_bytes(len % 131);
        std::array<std::byte, 32> mp{}, mn{}, md{};
        hmac<sha256_portable>{view(key)}.compute(view(msg), mp);
        hmac<sha256_sha_ni>{view(key)}.compute(view(msg), mn);
        hmac_sha256{view(key)}.compute(view(msg), md);
        CHECK(mn == mp);
        CHECK(md == mp);

        // Incremental updates at a length-dependent cut (partial-block buffering on both paths).
        const std::size_t cut = (len * 7) % (len + 1);
        sha256_sha_ni h;
        h.update(view(msg).first(cut));
        h.update(view(msg).subspan(cut));
        std::array<std::byte, 32> d{};
        h.finish(d);
        CHECK(tohex(d) == p256);
    }
}

#else  // !PQIKE_HAVE_SHA_NI_PATH

TEST_CASE("SHA-NI path not compiled in this build") { SKIP_WITHOUT_SHA_NI(); }

#endif
