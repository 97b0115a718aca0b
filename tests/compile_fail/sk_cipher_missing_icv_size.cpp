// SPDX-License-Identifier: MIT
// An SK cipher policy without icv_size must fail the SkCipher concept, the diagnostic naming the failing part and icv_size.
// expect-concept: SkCipherConstants
// expect-requirement: icv_size
#include <pqike/policy.hpp>

struct cipher_without_icv_size {
    static constexpr std::uint16_t encr_id = 20, integ_id = 0;
    static constexpr bool is_aead = true;
    static constexpr std::size_t encr_key_size = 36, integ_key_size = 0, iv_size = 8,
                                 block_size = 1;
#if defined(PQIKE_CONTROL)
    static constexpr std::size_t icv_size = 16;
#endif
    static pqike::status seal(pqike::bytes_view, pqike::bytes_view, pqike::bytes_view,
                              pqike::bytes_view, pqike::mut_bytes, pqike::mut_bytes) noexcept {
        return {};
    }
    static pqike::status open(pqike::bytes_view, pqike::bytes_view, pqike::bytes_view,
                              pqike::bytes_view, pqike::mut_bytes, pqike::bytes_view) noexcept {
        return {};
    }
};

static_assert(pqike::policy::SkCipher<cipher_without_icv_size>);
