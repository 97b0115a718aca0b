// SPDX-License-Identifier: MIT
// Fuzz ML-KEM decapsulation with hostile keys and ciphertexts, for all three parameter sets.
// Input: byte 0 picks the set (bits 0-1, % 3) and the key mode (bits 2-3, % 3):
//   0: dk = the raw fuzz bytes (nearly always fails the §7.3 hash check)
//   1: dk = the raw fuzz bytes with H(ek) recomputed, so the hash check passes and decryption
//      runs on arbitrary (possibly out-of-range) ŝ and ek values
//   2: dk = KeyGen(d, z) with d, z from the input, so the ciphertext is decrypted under a real key
// The rest fills dk (modes 0, 1) or d || z (mode 2), then the ciphertext; missing bytes are zero.
// Invariants: never crashes; invalid_key exactly when check_dk fails, with a zeroized secret;
// otherwise the result is deterministic (same inputs, same secret). Runs on the portable and (when
// the build and CPU have it) the AVX2 backend, which must agree on the status and the secret.
#include <pqike/crypto/mlkem.hpp>

#include "support/mlkem_backends.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace {

using namespace pqike;
using namespace pqike::crypto;

struct input {
    const std::uint8_t* p;
    std::size_t n;
    void fill(std::byte* out, std::size_t len) {
        for (std::size_t i = 0; i < len; ++i) out[i] = i < n ? std::byte{p[i]} : std::byte{0};
        const std::size_t used = len < n ? len : n;
        p += used;
        n -= used;
    }
};

template <class K>
std::array<std::byte, 33> run(unsigned mode, input in) {
    std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{};
    if (mode == 2) {
        std::array<std::byte, 32> d{}, z{};
        std::array<std::byte, K::ek_size> ek{};
        in.fill(d.data(), d.size());
        in.fill(z.data(), z.size());
        if (!K::keygen_derand(d, z, ek, dk)) std::abort();
    } else {
        in.fill(dk.data(), dk.size());
        if (mode == 1)
            sha3_256::hash(std::span<const std::byte, K::ek_size>(dk.data() + K::dk_ek_offset, K::ek_size),
                           std::span<std::byte, 32>(dk.data() + K::dk_h_offset, 32));
    }
    in.fill(ct.data(), ct.size());

    std::array<std::byte, K::ss_size> ss{}, ss2{};
    ss.fill(std::byte{0xee});
    const status st = K::decaps(dk, ct, ss);
    if (st.ok() != K::check_dk(dk)) std::abort();
    if (mode != 0 && !st.ok()) std::abort();  // the hash was made right in modes 1 and 2
    if (!st.ok()) {
        if (st.code() != errc::invalid_key) std::abort();
        for (auto b : ss)
            if (b != std::byte{0}) std::abort();
    } else if (!K::decaps(dk, ct, ss2) || !(ss == ss2)) {
        std::abort();
    }
    std::array<std::byte, 33> out{};  // status, then the secret
    out[0] = std::byte{st.ok() ? std::uint8_t{1} : std::uint8_t{0}};
    for (std::size_t i = 0; i < ss.size(); ++i) out[1 + i] = ss[i];
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned sel = (data[0] & 3u) % 3u;
    const unsigned mode = (data[0] >> 2) % 3u;
    const input in{data + 1, size - 1};
    test::on_param_set(sel, [&]<class K>() { return run<K>(mode, in); });
    return 0;
}
