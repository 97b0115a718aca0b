// SPDX-License-Identifier: MIT
// ML-KEM-512/768/1024 (FIPS 203) policies: pqike::crypto::mlkem512, mlkem768, mlkem1024, each a
// Kem (policy/kem.hpp). The implementation is split by job under mlkem/: the portable code,
// and under mlkem/avx2/ an AVX2 twin chosen at run time (mlkem/backend.hpp). For tests and
// benchmarks, mlkem::kem_with<P, mlkem::backend::portable / avx2> pin one backend.
#pragma once

#include "../policy.hpp"
#include "mlkem/avx2/arith.hpp"
#include "mlkem/avx2/basemul.hpp"
#include "mlkem/avx2/encode.hpp"
#include "mlkem/avx2/kpke.hpp"
#include "mlkem/avx2/ntt.hpp"
#include "mlkem/avx2/sampling.hpp"
#include "mlkem/backend.hpp"
#include "mlkem/encode.hpp"
#include "mlkem/kem.hpp"
#include "mlkem/kpke.hpp"
#include "mlkem/ntt.hpp"
#include "mlkem/params.hpp"
#include "mlkem/poly.hpp"
#include "mlkem/reduce.hpp"
#include "mlkem/sampling.hpp"

namespace pqike::crypto {

using mlkem512 = mlkem::kem<mlkem::params512>;
using mlkem768 = mlkem::kem<mlkem::params768>;
using mlkem1024 = mlkem::kem<mlkem::params1024>;

static_assert(policy::Kem<mlkem512> && policy::Kem<mlkem768> && policy::Kem<mlkem1024>);
static_assert(mlkem512::id == 35 && mlkem768::id == 36 && mlkem1024::id == 37);
static_assert(mlkem768::ek_size == 1184 && mlkem768::dk_size == 2400 && mlkem768::ct_size == 1088 &&
              mlkem768::ss_size == 32);

}  // namespace pqike::crypto
