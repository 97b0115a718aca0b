// ML-KEM round-trip invariants (in the style of strongSwan's fuzz_ml_kem), all three sets.
// Input: byte 0 picks the set (% 3); then d, z, m (32 bytes each, zero-padded), then a
// ciphertext position (2 bytes) and an XOR mask (1 byte, 0 taken as 1).
// Invariants: generated keys pass check_ek and check_dk; Decaps(Encaps) gives the same secret;
// a modified ciphertext gives a different secret, equal to J(z || c) (implicit rejection),
// and is not an error.
#include <pqike/crypto/mlkem.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using namespace pqike;
using namespace pqike::crypto;

template <class K>
void run(const std::uint8_t* p, std::size_t n) {
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned sel = data[0] % 3u;
    if (sel == 0) run<mlkem512>(data + 1, size - 1);
    if (sel == 1) run<mlkem768>(data + 1, size - 1);
    if (sel == 2) run<mlkem1024>(data + 1, size - 1);
    return 0;
}
