// SPDX-License-Identifier: MIT
// Nonce payload (RFC 7296 §3.9): 16..256 octets of random data.
#pragma once

#include <cstddef>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"

namespace pqike::wire {

inline constexpr std::size_t nonce_min_size = 16;
inline constexpr std::size_t nonce_max_size = 256;

// A view of a Nonce payload body; `data` points into the datagram and lives as long as it.
struct nonce_view {
    static constexpr payload_type type = payload_type::nonce;
    bytes_view data{};

    PQIKE_HOT static constexpr result<nonce_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        if (body.size() < nonce_min_size || body.size() > nonce_max_size)
            return error{errc::invalid_nonce_length, "nonce.data", base};
        return nonce_view{body};
    }
    PQIKE_HOT static constexpr result<nonce_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr void encode(writer& w) const noexcept { w.bytes(data); }
};

}  // namespace pqike::wire
