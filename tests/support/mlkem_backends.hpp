// SPDX-License-Identifier: MIT
// The differential check the ML-KEM fuzz targets share: one input runs on the portable backend
// and, where the build and the CPU have it, on the AVX2 backend; any difference aborts
// (docs/ARCHITECTURE.md, "Identical results, by construction").
#pragma once

#include <cstdlib>

#include <pqike/crypto/mlkem.hpp>

namespace pqike::test {

// f.template operator()<K>() runs the input under KEM K and returns what it produced (anything
// comparable with ==).
template <class P, class F>
void on_both_backends(F& f) {
    namespace mk = crypto::mlkem;
    [[maybe_unused]] const auto portable = f.template operator()<mk::kem_with<P, mk::backend::portable>>();
#if PQIKE_HAVE_AVX2_PATH
    if (mk::avx2_available() && f.template operator()<mk::kem_with<P, mk::backend::avx2>>() != portable)
        std::abort();
#endif
}

// on_both_backends for the parameter set `sel` names: 0 ML-KEM-512, 1 ML-KEM-768, 2 ML-KEM-1024.
template <class F>
void on_param_set(unsigned sel, F&& f) {
    if (sel == 0) on_both_backends<crypto::mlkem::params512>(f);
    if (sel == 1) on_both_backends<crypto::mlkem::params768>(f);
    if (sel == 2) on_both_backends<crypto::mlkem::params1024>(f);
}

}  // namespace pqike::test
