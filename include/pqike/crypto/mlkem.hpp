// ML-KEM-512/768/1024 (FIPS 203) reference policies: pqike::crypto::mlkem512, mlkem768,
// mlkem1024, each a Kem (crypto/concepts.hpp). The implementation is split by job under mlkem/.
#pragma once

#include "concepts.hpp"
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

static_assert(Kem<mlkem512> && Kem<mlkem768> && Kem<mlkem1024>);
static_assert(mlkem512::id == 35 && mlkem768::id == 36 && mlkem1024::id == 37);
static_assert(mlkem768::ek_size == 1184 && mlkem768::dk_size == 2400 && mlkem768::ct_size == 1088 &&
              mlkem768::ss_size == 32);

}  // namespace pqike::crypto
