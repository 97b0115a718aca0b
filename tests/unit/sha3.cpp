// SPDX-License-Identifier: MIT
// SHA3-256/512 and SHAKE128/256 against the FIPS 202 ACVP answers (tests/data/sha3.json), plus
// incremental use: any split of the input and of the output gives the same bytes.
#include "common.hpp"

#include <array>
#include <string>
#include <vector>

#include <pqike/crypto/sha3.hpp>

using namespace pqike;
using namespace pqike::crypto;
using namespace pqike::test;

namespace {

template <class H>
std::string digest_split(bytes_view msg, std::size_t split) {
    H h;
    h.update(msg.first(split));
    h.update(msg.subspan(split));
    std::array<std::byte, H::digest_size> out{};
    h.finish(out);
    return tohex(out);
}

template <class X>
std::string xof(bytes_view msg, std::size_t out_len, std::size_t in_split, std::size_t out_split) {
    X x;
    x.absorb(msg.first(in_split));
    x.absorb(msg.subspan(in_split));
    std::vector<std::byte> out(out_len);
    x.squeeze(mut_bytes(out).first(out_split));
    x.squeeze(mut_bytes(out).subspan(out_split));
    return tohex(view(out));
}

}  // namespace

TEST_CASE("SHA-3 and SHAKE match the ACVP known answers, whole and split") {
    const auto data = pqike::test::load_json("sha3.json");
    std::size_t n256 = 0, n512 = 0, n128 = 0, ns256 = 0;
    for (const auto& c : data["cases"]) {
        const std::string alg = c["alg"];
        const auto msg = unhex(c["msg"].get<std::string>());
        const std::string md = c["md"];
        CAPTURE(c["source"].get<std::string>());
        // Splits: whole, at 1, in the middle, at the end minus one (covers partial blocks).
        const std::vector<std::size_t> splits{0, msg.size() / 2, msg.size() > 0 ? msg.size() - 1 : 0,
                                              msg.size() > 0 ? 1u : 0u};
        for (const std::size_t sp : splits) {
            if (alg == "SHA3-256") {
                CHECK(digest_split<sha3_256>(view(msg), sp) == md);
            } else if (alg == "SHA3-512") {
                CHECK(digest_split<sha3_512>(view(msg), sp) == md);
            } else {
                const std::size_t len = c["outLen"];
                REQUIRE(md.size() == 2 * len);
                for (const std::size_t osp : {std::size_t{0}, std::size_t{1}, len / 2, len - 7}) {
                    if (alg == "SHAKE-128")
                        CHECK(xof<shake128>(view(msg), len, sp, osp) == md);
                    else if (alg == "SHAKE-256")
                        CHECK(xof<shake256>(view(msg), len, sp, osp) == md);
                    else
                        FAIL("unknown alg " << alg);
                }
            }
        }
        if (alg == "SHA3-256") ++n256;
        if (alg == "SHA3-512") ++n512;
        if (alg == "SHAKE-128") ++n128;
        if (alg == "SHAKE-256") ++ns256;
    }
    CHECK(n256 >= 28);
    CHECK(n512 >= 28);
    CHECK(n128 >= 28);
    CHECK(ns256 >= 27);
}

TEST_CASE("one-shot hash equals incremental, and finish leaves a reusable object") {
    const auto msg = unhex("616263");  // "abc"
    std::array<std::byte, 32> a{}, b{};
    sha3_256::hash(view(msg), a);
    // FIPS 202 example value SHA3-256("abc") (ACVP-independent sanity value published by NIST).
    CHECK(tohex(a) == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
    sha3_256 h;
    h.update(view(msg));
    h.finish(b);
    CHECK(a == b);
    h.update(view(msg));  // after finish the state is reset
    h.finish(b);
    CHECK(a == b);
}

TEST_CASE("SHAKE squeezes a long stream byte by byte exactly as in one call") {
    std::array<std::byte, 1000> whole{}, bytewise{};
    shake128::hash(bytes_view{}, whole);
    // SHAKE128("") starts 7f9c2ba4e88f827d616045507605853e (FIPS 202 example, also the start of
    // the CCTV accumulated-test RNG stream).
    CHECK(tohex(bytes_view(whole).first(16)) == "7f9c2ba4e88f827d616045507605853e");
    shake128 x;
    for (auto& b : bytewise) x.squeeze(mut_bytes(&b, 1));
    CHECK(whole == bytewise);
    // Absorbing after squeezing has started is ignored (documented): the stream just goes on.
    x.absorb(view(unhex("00")));
    std::array<std::byte, 8> more{};
    x.squeeze(more);
    std::array<std::byte, 1008> longer{};
    shake128::hash(bytes_view{}, longer);
    CHECK(bytes_view(more).size() == 8);
    CHECK(tohex(more) == tohex(bytes_view(longer).subspan(1000)));
}
