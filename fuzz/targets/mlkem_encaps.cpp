// SPDX-License-Identifier: MIT
// Fuzz ML-KEM encapsulation with hostile encapsulation keys, for all three parameter sets.
// Input: byte 0 picks the set (% 3), the next 32 bytes are m, the rest is ek (zero-padded;
// bytes beyond ek_size are ignored). Invariant: Encaps and check_ek reject exactly the keys an
// independent, deliberately naive modulus check rejects (FIPS 203 §7.2: every 12-bit
// coefficient of ek[0:384k], read bit by bit, is < q); on rejection ct and ss are zero. The
// portable and (when the build and CPU have it) the AVX2 backend give the same ct and ss.
#include <pqike/crypto/mlkem.hpp>

#include "support/mlkem_backends.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using namespace pqike;
using namespace pqike::crypto;

// Bit i of the byte string, little-endian within each byte (FIPS 203 Alg. 3 BytesToBits).
bool bit(const std::byte* b, std::size_t i) {
    return ((std::to_integer<unsigned>(b[i / 8]) >> (i % 8)) & 1u) != 0;
}

template <class K>
bool naive_modulus_ok(const std::array<std::byte, K::ek_size>& ek) {
    const std::size_t coeffs = 256 * (K::ek_size - 32) / 384;
    for (std::size_t c = 0; c < coeffs; ++c) {
        unsigned v = 0;
        for (std::size_t j = 0; j < 12; ++j) v += static_cast<unsigned>(bit(ek.data(), 12 * c + j)) << j;
        if (v >= 3329) return false;
    }
    return true;
}

template <class K>
std::array<std::byte, K::ct_size + K::ss_size> run(const std::uint8_t* p, std::size_t n) {
    std::array<std::byte, 32> m{};
    std::array<std::byte, K::ek_size> ek{};
    for (std::size_t i = 0; i < 32; ++i) m[i] = i < n ? std::byte{p[i]} : std::byte{0};
    for (std::size_t i = 0; i < K::ek_size; ++i) ek[i] = 32 + i < n ? std::byte{p[32 + i]} : std::byte{0};

    const bool want = naive_modulus_ok<K>(ek);
    if (K::check_ek(ek) != want) std::abort();
    if (K::check_ek_bytes(ek) != want) std::abort();
    std::array<std::byte, K::ct_size> ct{};
    std::array<std::byte, K::ss_size> ss{};
    ct.fill(std::byte{0xee});
    ss.fill(std::byte{0xee});
    const status st = K::encaps_derand(ek, m, ct, ss);
    if (st.ok() != want) std::abort();
    if (!want) {
        if (st.code() != errc::invalid_key) std::abort();
        for (auto b : ct)
            if (b != std::byte{0}) std::abort();
        for (auto b : ss)
            if (b != std::byte{0}) std::abort();
    }
    std::array<std::byte, K::ct_size + K::ss_size> out{};
    for (std::size_t i = 0; i < ct.size(); ++i) out[i] = ct[i];
    for (std::size_t i = 0; i < ss.size(); ++i) out[ct.size() + i] = ss[i];
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    test::on_param_set(data[0] % 3u, [&]<class K>() { return run<K>(data + 1, size - 1); });
    return 0;
}
