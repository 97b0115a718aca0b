// SPDX-License-Identifier: MIT
// Choice of the K-PKE implementation under ML-KEM: the portable one (kpke.hpp, the fallback and
// the test oracle), the AVX2 one (avx2/kpke.hpp), or the run-time choice between them.
//
//   backend::portable  always kpke<P>;
//   backend::avx2      always kpke_avx2<P>; only where PQIKE_HAVE_AVX2_PATH is 1, and only to be
//                      called when cpu::has_avx2() is true (tests and benches check first);
//   backend::runtime   kpke_avx2<P> when cpu::has_avx2() (one cpuid + XCR0 check per process,
//                      crypto/cpu.hpp), else kpke<P>. This is what mlkem512/768/1024 use.
// Compile-time switches (crypto/cpu.hpp): -DPQIKE_NO_AVX2 drops the AVX2 code (runtime is then
// always portable); -DPQIKE_FORCE_AVX2 skips the check (runtime is then always AVX2).
// Both implementations give identical bytes for every input (tests/unit/mlkem*.cpp check it).
#pragma once

#include <cstddef>
#include <span>

#include "../cpu.hpp"
#include "avx2/kpke.hpp"
#include "kpke.hpp"
#include "params.hpp"

namespace pqike::crypto::mlkem {

enum class backend { portable, avx2, runtime };

// True when backend::avx2 may be used in this process.
inline bool avx2_available() noexcept { return cpu::has_avx2(); }

template <class P>
struct kpke_runtime {
    using sym = std::span<const std::byte, sym_bytes>;

    static void keygen(sym d, std::span<std::byte, P::ek_size> ek, std::span<std::byte, P::dk_pke_size> dk) noexcept {
#if PQIKE_HAVE_AVX2_PATH
        if (cpu::has_avx2()) return kpke_avx2<P>::keygen(d, ek, dk);
#endif
        kpke<P>::keygen(d, ek, dk);
    }
    static void encrypt(std::span<const std::byte, P::ek_size> ek, sym m, sym r,
                        std::span<std::byte, P::ct_size> c) noexcept {
#if PQIKE_HAVE_AVX2_PATH
        if (cpu::has_avx2()) return kpke_avx2<P>::encrypt(ek, m, r, c);
#endif
        kpke<P>::encrypt(ek, m, r, c);
    }
    static bool ek_modulus_ok(std::span<const std::byte, P::polyvec_bytes> t) noexcept {
#if PQIKE_HAVE_AVX2_PATH
        if (cpu::has_avx2()) return kpke_avx2<P>::ek_modulus_ok(t);
#endif
        return kpke<P>::ek_modulus_ok(t);
    }
    template <class Before>
    static void encrypt_with(std::span<const std::byte, P::ek_size> ek, sym m, sym r, std::span<std::byte, P::ct_size> c,
                             side_hashes sides, Before&& before) noexcept {
#if PQIKE_HAVE_AVX2_PATH
        if (cpu::has_avx2()) return kpke_avx2<P>::encrypt_with(ek, m, r, c, sides, before);
#endif
        kpke<P>::encrypt_with(ek, m, r, c, sides, before);
    }
    static void decrypt(std::span<const std::byte, P::dk_pke_size> dk, std::span<const std::byte, P::ct_size> c,
                        std::span<std::byte, sym_bytes> m) noexcept {
#if PQIKE_HAVE_AVX2_PATH
        if (cpu::has_avx2()) return kpke_avx2<P>::decrypt(dk, c, m);
#endif
        kpke<P>::decrypt(dk, c, m);
    }
};

template <class P, backend B>
struct pke_select {
    using type = kpke_runtime<P>;
};
template <class P>
struct pke_select<P, backend::portable> {
    using type = kpke<P>;
};
#if PQIKE_HAVE_AVX2_PATH
template <class P>
struct pke_select<P, backend::avx2> {
    using type = kpke_avx2<P>;
};
#else
template <class P>
struct pke_select<P, backend::avx2> {
    static_assert(sizeof(P) == 0, "backend::avx2 is not compiled in this build (PQIKE_NO_AVX2 or not x86-64)");
};
#endif

}  // namespace pqike::crypto::mlkem
