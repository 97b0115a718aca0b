// SPDX-License-Identifier: MIT
// Skips, not passes: a test case that cannot run here (no OpenSSL, no SHA-NI or AVX2 on this
// CPU) says PQIKE_SKIP("why"). The reason is printed, the case is counted as skipped by the
// shared main (tests/doctest_main.cpp), and a suite whose every case was skipped exits with 77,
// which ctest (SKIP_RETURN_CODE 77) and meson report as a skip instead of a pass.
#pragma once

#include <doctest/doctest.h>

namespace pqike::test {

// Marks the running test case as skipped (defined in tests/doctest_main.cpp).
void mark_skipped() noexcept;

// The exit code of a test run that ended without failures: 77 when every test case that ran
// was skipped, 0 otherwise.
int skip_exit_code() noexcept;

}  // namespace pqike::test

// Records the skip, prints the reason and leaves the test case.
#define PQIKE_SKIP(reason)                     \
    do {                                       \
        ::pqike::test::mark_skipped();         \
        MESSAGE("SKIPPED: " << reason);        \
        return;                                \
    } while (false)
