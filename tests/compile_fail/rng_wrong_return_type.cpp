// SPDX-License-Identifier: MIT
// A random source whose fill() returns bool instead of pqike::status must fail the Rng concept
// (errors are values with a code, never a bare flag). g++ names the expression r.fill(out);
// clang names the failed return-type constraint; the expectation is a regex accepting either.
// expect-concept: Rng
// expect-requirement: r\.fill\(out\)|same_as<_Bool, pqike::status>
#include <pqike/policy.hpp>

struct rng_returning_bool {
#if defined(PQIKE_CONTROL)
    pqike::status fill(pqike::mut_bytes) noexcept { return {}; }
#else
    bool fill(pqike::mut_bytes) noexcept { return true; }
#endif
};

static_assert(pqike::policy::Rng<rng_returning_bool>);
