// SPDX-License-Identifier: MIT
// ML-KEM round-trip invariants (in the style of strongSwan's fuzz_ml_kem), all three sets.
// Input: byte 0 picks the set (% 3); then d, z, m (32 bytes each, zero-padded), then a
// ciphertext position (2 bytes) and an XOR mask (1 byte, 0 taken as 1).
// Invariants: generated keys pass check_ek and check_dk; Decaps(Encaps) gives the same secret;
// a modified ciphertext gives a different secret, equal to J(z || c) (implicit rejection),
// and is not an error. The portable and (when the build and CPU have it) the AVX2 backend give
// the same keys, ciphertext and secrets.
#include <pqike/crypto/mlkem.hpp>

#include "support/mlkem_backends.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

using namespace pqike;
using namespace pqike::crypto;

template <class K>
std::vector<std::byte> run(const std::uint8_t* p, std::size_t n) {
    std::array<std::byte, 32 * 3 + 3> in{};
    for (std::size_t i = 0; i < in.size() && i < n; ++i) in[i] = std::byte{p[i]};
    const std::span<const std::byte, 32> d(in.data(), 32), z(in.data() + 32, 32), m(in.data() + 64, 32);

    std::array<std::byte, K::ek_size> ek{};
    std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{};
    std::array<std::byte, K::ss_size> ss{}, ss2{};
    if (!K::keygen_derand(d, z, ek, dk)) std::abort();
    if (!K::check_ek(ek) || !K::check_dk(dk)) std::abort();
    if (!K::encaps_derand(ek, m, ct, ss)) std::abort();
    if (!K::decaps(dk, ct, ss2) || !(ss == ss2)) std::abort();

    const std::size_t pos = (std::to_integer<std::size_t>(in[96]) | (std::to_integer<std::size_t>(in[97]) << 8)) % K::ct_size;
    const std::byte flip = in[98] == std::byte{0} ? std::byte{1} : in[98];
    ct[pos] ^= flip;
    if (!K::decaps(dk, ct, ss2)) std::abort();
    if (ss == ss2) std::abort();
    std::array<std::byte, 32> kbar{};
    shake256 j;
    j.absorb(z);
    j.absorb(ct);
    j.squeeze(kbar);
    if (!ct_equal(kbar, ss2)) std::abort();
    std::vector<std::byte> out;
    for (const bytes_view b : {bytes_view(ek), bytes_view(dk), bytes_view(ct), bytes_view(ss), bytes_view(ss2)})
        out.insert(out.end(), b.begin(), b.end());
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    test::on_param_set(data[0] % 3u, [&]<class K>() { return run<K>(data + 1, size - 1); });
    return 0;
}
