// SPDX-License-Identifier: MIT
// The 4-way Keccak (crypto/keccak_x4.hpp): permute_x4_avx2 against permute_x4_portable on random
// states, the x4 SHAKE sponges of both backends against the scalar shake128/shake256 of sha3.hpp
// (random lengths, four different messages per call), the FIPS 202 ACVP known answers of
// tests/data/sha3.json (the same file and source as tests/unit/sha3.cpp), independence of the
// four instances, wipe(), and the documented behaviour on misuse.
#include "common.hpp"

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <pqike/crypto/cpu.hpp>
#include <pqike/crypto/keccak_x4.hpp>
#include <pqike/crypto/sha3.hpp>

using namespace pqike;
using namespace pqike::crypto;
using keccak::x4_backend;
using namespace pqike::test;

namespace {

byte_vec random_bytes(std::mt19937_64& g, std::size_t n) {
    byte_vec v(n);
    for (auto& b : v) b = static_cast<std::byte>(g() & 0xff);
    return v;
}

keccak::state_x4 random_state(std::mt19937_64& g) {
    keccak::state_x4 s;
    for (auto& l : s.lane)
        for (auto& v : l) v = g();
    return s;
}

// Four outputs of `blocks` blocks each from one x4 sponge.
template <class X>
std::array<byte_vec, 4> run_x4(const std::array<byte_vec, 4>& in, std::size_t blocks) {
    X x;
    x.absorb_once(view(in[0]), view(in[1]), view(in[2]), view(in[3]));
    std::array<byte_vec, 4> out;
    for (auto& o : out) o.assign(blocks * X::rate, std::byte{0xee});
    x.squeeze_blocks(out[0], out[1], out[2], out[3]);
    return out;
}

// The same, but squeezing one block per call (the state carries over between calls).
template <class X>
std::array<byte_vec, 4> run_x4_blockwise(const std::array<byte_vec, 4>& in, std::size_t blocks) {
    X x;
    x.absorb_once(view(in[0]), view(in[1]), view(in[2]), view(in[3]));
    std::array<byte_vec, 4> out;
    for (auto& o : out) o.assign(blocks * X::rate, std::byte{0xee});
    for (std::size_t b = 0; b < blocks; ++b) {
        auto blk = [&](std::size_t j) { return mut_bytes(out[j]).subspan(b * X::rate, X::rate); };
        x.squeeze_blocks(blk(0), blk(1), blk(2), blk(3));
    }
    return out;
}

template <class Scalar>
byte_vec run_scalar(const byte_vec& in, std::size_t len) {
    byte_vec out(len);
    Scalar::hash(view(in), out);
    return out;
}

std::vector<x4_backend> backends() {
    std::vector<x4_backend> b{x4_backend::portable};
    if (cpu::has_avx2()) b.push_back(x4_backend::avx2);
    return b;
}

// Dispatch a backend chosen at run time to the template (avx2 only where it is compiled in).
template <template <x4_backend> class X, class F>
void with_backend(x4_backend b, F&& f) {
#if PQIKE_HAVE_AVX2_PATH
    if (b == x4_backend::avx2) {
        f.template operator()<X<x4_backend::avx2>>();
        return;
    }
#endif
    REQUIRE(b == x4_backend::portable);
    f.template operator()<X<x4_backend::portable>>();
}

const char* name(x4_backend b) { return b == x4_backend::avx2 ? "avx2" : "portable"; }

template <template <x4_backend> class X, class Scalar>
void differential(x4_backend b, std::mt19937_64& g, int iterations) {
    for (int it = 0; it < iterations; ++it) {
        const std::size_t len = static_cast<std::size_t>(g() % 601);
        const std::size_t blocks = 1 + static_cast<std::size_t>(g() % 8);
        std::array<byte_vec, 4> in;
        for (auto& m : in) m = random_bytes(g, len);
        CAPTURE(len);
        CAPTURE(blocks);
        with_backend<X>(b, [&]<class T>() {
            const auto out = run_x4<T>(in, blocks);
            for (std::size_t j = 0; j < 4; ++j) {
                CAPTURE(j);
                CHECK(out[j] == run_scalar<Scalar>(in[j], blocks * T::rate));
            }
            if (it % 8 == 0) CHECK(run_x4_blockwise<T>(in, blocks) == out);
        });
    }
}

}  // namespace

TEST_CASE("permute_x4_avx2 equals permute_x4_portable on random states") {
#if PQIKE_HAVE_AVX2_PATH
    if (!cpu::has_avx2()) {
        MESSAGE("no AVX2 on this CPU: only the portable permute is checked");
    } else {
        std::mt19937_64 g(0x4b656363616b7834ull);
        for (int it = 0; it < 2000; ++it) {
            keccak::state_x4 a = random_state(g);
            keccak::state_x4 b = a;
            keccak::permute_x4_portable(a);
            keccak::permute_x4_avx2(b);
            REQUIRE(a.lane == b.lane);
        }
        // The all-zero state and repeated application (the state after one permute feeds the next).
        keccak::state_x4 a{}, b{};
        for (int it = 0; it < 50; ++it) {
            keccak::permute_x4_portable(a);
            keccak::permute_x4_avx2(b);
        }
        CHECK(a.lane == b.lane);
    }
#else
    MESSAGE("AVX2 path not compiled in (PQIKE_NO_AVX2 or not x86-64)");
#endif
    // The portable permute is four scalar permutes, instance by instance.
    std::mt19937_64 g(7);
    for (int it = 0; it < 20; ++it) {
        keccak::state_x4 s = random_state(g);
        std::array<keccak::state, 4> one{};
        for (std::size_t j = 0; j < 4; ++j)
            for (std::size_t i = 0; i < keccak::lanes; ++i) one[j][i] = s.lane[i][j];
        keccak::permute_x4_portable(s);
        for (std::size_t j = 0; j < 4; ++j) {
            keccak::permute(one[j]);
            for (std::size_t i = 0; i < keccak::lanes; ++i) CHECK(one[j][i] == s.lane[i][j]);
        }
    }
}

TEST_CASE("x4 SHAKE equals four scalar SHAKEs: random lengths 0..600, 1..8 blocks") {
    for (const x4_backend b : backends()) {
        CAPTURE(name(b));
        std::mt19937_64 g(0x5348414b45ull + static_cast<unsigned>(b));
        differential<keccak::shake128_x4, shake128>(b, g, 150);
        differential<keccak::shake256_x4, shake256>(b, g, 150);
    }
}

TEST_CASE("x4 SHAKE at the block boundaries") {
    // Lengths around the rates, where the padding moves to the next block or shares a byte
    // with the suffix (rate - 1).
    for (const x4_backend b : backends()) {
        CAPTURE(name(b));
        std::mt19937_64 g(11);
        const std::size_t lens[] = {0, 1, 7, 8, 135, 136, 137, 167, 168, 169, 271, 272, 335, 336, 337, 504};
        for (const std::size_t len : lens) {
            CAPTURE(len);
            std::array<byte_vec, 4> in;
            for (auto& m : in) m = random_bytes(g, len);
            with_backend<keccak::shake128_x4>(b, [&]<class T>() {
                const auto out = run_x4<T>(in, 3);
                for (std::size_t j = 0; j < 4; ++j) CHECK(out[j] == run_scalar<shake128>(in[j], 3 * 168));
            });
            with_backend<keccak::shake256_x4>(b, [&]<class T>() {
                const auto out = run_x4<T>(in, 2);
                for (std::size_t j = 0; j < 4; ++j) CHECK(out[j] == run_scalar<shake256>(in[j], 2 * 136));
            });
        }
    }
}

TEST_CASE("x4 SHAKE matches the ACVP known answers (tests/data/sha3.json)") {
    // The SHAKE cases of the NIST ACVP SHAKE-128-FIPS202 / SHAKE-256-FIPS202 sample vectors
    // (source and licence in tests/data/README.md). The x4 API takes equal lengths, so each case
    // runs in every one of the four slots in turn, next to unrelated messages of the same length.
    const auto data = pqike::test::load_json("sha3.json");
    for (const x4_backend b : backends()) {
        CAPTURE(name(b));
        std::size_t n128 = 0, n256 = 0;
        std::mt19937_64 g(3);
        for (const auto& c : data["cases"]) {
            const std::string alg = c["alg"];
            if (alg != "SHAKE-128" && alg != "SHAKE-256") continue;
            const auto msg = unhex(c["msg"].get<std::string>());
            const std::string md = c["md"];
            const std::size_t out_len = c["outLen"];
            CAPTURE(c["source"].get<std::string>());
            const std::size_t slot = (n128 + n256) % 4;
            std::array<byte_vec, 4> in;
            for (std::size_t j = 0; j < 4; ++j) in[j] = j == slot ? msg : random_bytes(g, msg.size());
            auto check = [&]<class T>() {
                const std::size_t blocks = (out_len + T::rate - 1) / T::rate;
                const auto out = run_x4<T>(in, blocks);
                CHECK(tohex(bytes_view(out[slot]).first(out_len)) == md);
            };
            if (alg == "SHAKE-128") {
                with_backend<keccak::shake128_x4>(b, check);
                ++n128;
            } else {
                with_backend<keccak::shake256_x4>(b, check);
                ++n256;
            }
        }
        CHECK(n128 >= 28);
        CHECK(n256 >= 27);
        // SHAKE128("") begins 7f9c2ba4e88f827d616045507605853e (FIPS 202 example value, as in
        // tests/unit/sha3.cpp), in all four slots at once.
        with_backend<keccak::shake128_x4>(b, [&]<class T>() {
            const auto out = run_x4<T>({}, 1);
            for (const auto& o : out) CHECK(tohex(bytes_view(o).first(16)) == "7f9c2ba4e88f827d616045507605853e");
        });
    }
}

TEST_CASE("the four instances are independent") {
    for (const x4_backend b : backends()) {
        CAPTURE(name(b));
        std::mt19937_64 g(5);
        std::array<byte_vec, 4> in;
        for (auto& m : in) m = random_bytes(g, 33);
        with_backend<keccak::shake128_x4>(b, [&]<class T>() {
            const auto base = run_x4<T>(in, 2);
            for (std::size_t k = 0; k < 4; ++k) {
                CAPTURE(k);
                auto changed = in;
                changed[k][17] ^= std::byte{0x01};  // one bit of one input
                const auto out = run_x4<T>(changed, 2);
                for (std::size_t j = 0; j < 4; ++j) {
                    CAPTURE(j);
                    if (j == k)
                        CHECK(out[j] != base[j]);
                    else
                        CHECK(out[j] == base[j]);
                }
            }
            // Four equal inputs give four equal outputs.
            const std::array<byte_vec, 4> same{in[0], in[0], in[0], in[0]};
            const auto out = run_x4<T>(same, 1);
            CHECK(out[1] == out[0]);
            CHECK(out[2] == out[0]);
            CHECK(out[3] == out[0]);
        });
    }
}

TEST_CASE("wipe zeroizes the state; absorb_once starts over") {
    for (const x4_backend b : backends()) {
        CAPTURE(name(b));
        with_backend<keccak::shake256_x4>(b, [&]<class T>() {
            std::mt19937_64 g(9);
            std::array<byte_vec, 4> in;
            for (auto& m : in) m = random_bytes(g, 64);
            T x;
            x.absorb_once(view(in[0]), view(in[1]), view(in[2]), view(in[3]));
            std::array<byte_vec, 4> out;
            for (auto& o : out) o.resize(T::rate);
            x.squeeze_blocks(out[0], out[1], out[2], out[3]);
            const keccak::state_x4 zero{};
            CHECK(x.raw_state().lane != zero.lane);
            x.wipe();
            CHECK(x.raw_state().lane == zero.lane);

            // A second absorb_once on a used object gives the same as a fresh object.
            x.absorb_once(view(in[0]), view(in[1]), view(in[2]), view(in[3]));
            x.squeeze_blocks(out[0], out[1], out[2], out[3]);
            const auto fresh = run_x4<T>(in, 1);
            CHECK(out == fresh);
        });
    }
}

TEST_CASE("misuse: unequal lengths absorb nothing, bad output sizes are zero-filled") {
    for (const x4_backend b : backends()) {
        CAPTURE(name(b));
        with_backend<keccak::shake128_x4>(b, [&]<class T>() {
            const byte_vec a(10, std::byte{1}), shorter(9, std::byte{1});
            const keccak::state_x4 zero{};
            std::array<byte_vec, 4> out;
            for (auto& o : out) o.assign(T::rate, std::byte{0xee});
            T x;
            x.absorb_once(view(a), view(a), view(shorter), view(a));
            CHECK(x.raw_state().lane == zero.lane);
            x.squeeze_blocks(out[0], out[1], out[2], out[3]);  // not absorbed
            for (const auto& o : out) CHECK(o == byte_vec(T::rate, std::byte{0}));

            x.absorb_once(view(a), view(a), view(a), view(a));
            const auto before = x.raw_state();
            out[2].assign(2 * T::rate, std::byte{0xee});  // sizes differ
            for (std::size_t j : {0u, 1u, 3u}) out[j].assign(T::rate, std::byte{0xee});
            x.squeeze_blocks(out[0], out[1], out[2], out[3]);
            for (const auto& o : out) CHECK(o == byte_vec(o.size(), std::byte{0}));
            CHECK(x.raw_state().lane == before.lane);  // did not advance
            for (auto& o : out) o.assign(T::rate + 8, std::byte{0xee});  // not a multiple of rate
            x.squeeze_blocks(out[0], out[1], out[2], out[3]);
            for (const auto& o : out) CHECK(o == byte_vec(o.size(), std::byte{0}));
            CHECK(x.raw_state().lane == before.lane);

            // Empty outputs are a valid request for zero blocks.
            x.squeeze_blocks({}, {}, {}, {});
            CHECK(x.raw_state().lane == before.lane);
            for (auto& o : out) o.resize(T::rate);
            x.squeeze_blocks(out[0], out[1], out[2], out[3]);
            CHECK(out[0] == run_scalar<shake128>(a, T::rate));
        });
    }
}
