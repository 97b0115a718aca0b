// SPDX-License-Identifier: MIT
// prf+ (RFC 7296 §2.13) over a list of seed parts, into the caller's buffer.
// T1 = prf(K, S | 0x01), Tn = prf(K, T(n-1) | S | n); the one-octet counter caps the output at
// 255 blocks. The seed is absorbed part by part (Ni | Nr | SPIi | SPIr is never concatenated),
// T(n-1) is read back from the output already written, and only a final partial block goes
// through a stack temporary that is wiped. No heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"

namespace pqike::keys {

// RFC 7296 §2.13: the counter is one octet, so at most 255 output blocks.
inline constexpr std::size_t prf_plus_max_blocks = 255;

template <policy::Prf P>
constexpr std::size_t prf_plus_max_output = prf_plus_max_blocks * P::output_size;

// prf+ with a PRF already keyed (key setup done once by the caller). Fills all of `out`.
// Fails with errc::too_much_output (and leaves `out` untouched) above 255 blocks.
template <policy::Prf P>
[[nodiscard]] status prf_plus(const P& prf, std::span<const bytes_view> seed, mut_bytes out) noexcept {
    constexpr std::size_t L = P::output_size;
    const std::size_t blocks = out.size() / L + (out.size() % L != 0 ? 1 : 0);
    if (blocks > prf_plus_max_blocks) return {errc::too_much_output, "prf_plus.length", error_value{out.size()}};

    std::array<std::byte, 1> counter{};
    std::array<std::byte, L> last{};  // only used for a final partial block
    for (std::size_t i = 1; i <= blocks; ++i) {
        counter[0] = static_cast<std::byte>(i);
        const std::size_t at = (i - 1) * L;
        const bool full = out.size() - at >= L;
        auto s = prf.stream();
        if (i > 1) s.update(bytes_view{out.data() + at - L, L});  // T(i-1), always a full block
        for (const bytes_view part : seed) s.update(part);
        s.update(bytes_view{counter});
        if (full) {
            s.finish(std::span<std::byte, L>{out.data() + at, L});
        } else {
            s.finish(std::span<std::byte, L>{last});
            for (std::size_t j = 0; at + j < out.size(); ++j) out[at + j] = last[j];
            secure_zeroize(last.data(), L);
        }
    }
    return {};
}

template <policy::Prf P>
[[nodiscard]] status prf_plus(const P& prf, std::initializer_list<bytes_view> seed,
                              mut_bytes out) noexcept {
    return prf_plus(prf, std::span<const bytes_view>(seed.begin(), seed.size()), out);
}

// prf+ keyed from raw key bytes (one key setup).
template <policy::Prf P>
[[nodiscard]] status prf_plus(bytes_view key, std::span<const bytes_view> seed, mut_bytes out) noexcept {
    const P prf{key};
    return prf_plus(prf, seed, out);
}

template <policy::Prf P>
[[nodiscard]] status prf_plus(bytes_view key, std::initializer_list<bytes_view> seed,
                              mut_bytes out) noexcept {
    const P prf{key};
    return prf_plus(prf, std::span<const bytes_view>(seed.begin(), seed.size()), out);
}

}  // namespace pqike::keys
