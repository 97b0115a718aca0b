// SPDX-License-Identifier: MIT
// Constant-time check of ML-KEM (run by scripts/checks.d/ct.sh under valgrind memcheck).
// Built with -DPQIKE_CT_TESTING=1: the KEM marks d, z, m and dk as undefined on entry
// (ct::secret) and declassifies ek, ct and the dk-check decision, so any branch or memory index
// that depends on a secret is reported by memcheck. This program only drives the operations and
// declassifies the shared secrets it compares; it must run with zero memcheck reports.
// Both backends run: the portable one and, when compiled in and supported by the (valgrind-
// emulated) CPU, the AVX2 one; the dispatching policy is run as well. When the host has AVX2
// (ct.sh then sets PQIKE_CT_REQUIRE_AVX2=1) a run where the AVX2 backend could not be checked
// fails, so the check cannot silently lose coverage; on a host without AVX2 it is skipped.
#include <array>
#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include <pqike/crypto/mlkem.hpp>

namespace {

using namespace pqike;
using namespace pqike::crypto;

template <class K>
int run(unsigned seed) {
    std::array<std::byte, 32> d{}, z{}, m{};
    for (std::size_t i = 0; i < 32; ++i) {
        d[i] = std::byte(static_cast<unsigned char>(seed * 7 + i));
        z[i] = std::byte(static_cast<unsigned char>(seed * 13 + 3 * i));
        m[i] = std::byte(static_cast<unsigned char>(seed * 29 + 5 * i));
    }
    std::array<std::byte, K::ek_size> ek{};
    std::array<std::byte, K::dk_size> dk{};
    std::array<std::byte, K::ct_size> ct{};
    std::array<std::byte, K::ss_size> ss{}, ss2{}, ss3{};
    if (!K::keygen_derand(d, z, ek, dk)) return 1;
    if (!K::encaps_derand(ek, m, ct, ss)) return 1;
    if (!K::decaps(dk, ct, ss2)) return 1;
    // Implicit rejection path: a modified ciphertext.
    ct[5] ^= std::byte{0x10};
    if (!K::decaps(dk, ct, ss3)) return 1;
    // A dk whose stored H(ek) is wrong: rejected (a public decision), secret zeroized.
    std::array<std::byte, K::dk_size> bad = dk;
    bad[K::dk_h_offset] ^= std::byte{1};
    if (K::decaps(bad, ct, ss3).code() != errc::invalid_key) return 1;
    if (!K::decaps(dk, ct, ss3)) return 1;
    // The test itself looks at the secrets: declassify them first.
    ct::declassify(ss);
    ct::declassify(ss2);
    ct::declassify(ss3);
    if (!(ss == ss2) || ss == ss3) {
        std::printf("%s: wrong shared secrets\n", K::name);
        return 1;
    }
    return 0;
}

template <mlkem::backend B>
int run_sets(unsigned s) {
    return run<mlkem::kem_with<mlkem::params512, B>>(s) + run<mlkem::kem_with<mlkem::params768, B>>(s) +
           run<mlkem::kem_with<mlkem::params1024, B>>(s);
}

}  // namespace

int main() {
    int fails = 0;
    for (unsigned s = 0; s < 2; ++s) {
        fails += run_sets<mlkem::backend::portable>(s);
        fails += run_sets<mlkem::backend::runtime>(s);
#if PQIKE_HAVE_AVX2_PATH
        if (mlkem::avx2_available()) {
            fails += run_sets<mlkem::backend::avx2>(s);
        } else {
            const bool required = std::getenv("PQIKE_CT_REQUIRE_AVX2") != nullptr;
            std::printf("ct_mlkem: the AVX2 backend cannot run here, so it was not checked%s\n",
                        required ? " (the host has AVX2: FAIL)" : " (the host lacks AVX2: skipped)");
            if (required) ++fails;
        }
#endif
    }
    std::printf("ct_mlkem: %s\n", fails == 0 ? "ok" : "FAILED");
    return fails == 0 ? 0 : 1;
}
