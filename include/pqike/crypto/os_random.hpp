// SPDX-License-Identifier: MIT
// The operating system's random source as an `Rng` policy: getrandom(2) on the kernel's
// urandom pool (it blocks only until the pool is first initialized, never afterwards).
// A failure is reported as errc::rng_failure and the output is zeroized; there is no fallback
// to a weaker source.
#pragma once

#include <cerrno>
#include <cstddef>
#include <sys/random.h>
#include <sys/types.h>

#include "../bytes.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../policy.hpp"

namespace pqike::crypto {

namespace detail {
// The system call, behind a type so tests can substitute a source that fails on purpose.
struct getrandom_syscall {
    static ssize_t call(void* p, std::size_t n) noexcept { return ::getrandom(p, n, 0); }
};
}  // namespace detail

template <class Sys>
struct basic_os_random {
    // getrandom(2) returns at most 33554431 bytes per call on a urandom source; larger requests
    // are served in pieces by the loop below, as are short reads after a signal.
    static constexpr std::size_t max_per_call = 33554431;

    // Fills all of out, or fails with errc::rng_failure (offset = bytes obtained before the
    // failure) and a zeroized out. EINTR and short reads are retried; every other error fails.
    static status fill(mut_bytes out) noexcept {
        std::byte* p = out.data();
        std::size_t left = out.size();
        while (left > 0) {
            const std::size_t ask = left < max_per_call ? left : max_per_call;
            const ssize_t got = Sys::call(p, ask);
            if (got < 0 && errno == EINTR) continue;
            // got == 0 is not specified for a non-empty request: refuse to spin on it, and
            // never trust a count larger than asked.
            if (got <= 0 || static_cast<std::size_t>(got) > ask) {
                const std::size_t done = out.size() - left;
                secure_zeroize(out);
                return status{errc::rng_failure, "getrandom", error_value{done}};
            }
            p += got;
            left -= static_cast<std::size_t>(got);
        }
        ct::secret(out);  // random bytes are secret until the caller says otherwise
        return {};
    }
};

using os_random = basic_os_random<detail::getrandom_syscall>;

static_assert(policy::Rng<os_random>);

}  // namespace pqike::crypto
