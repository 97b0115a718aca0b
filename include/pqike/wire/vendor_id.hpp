// SPDX-License-Identifier: MIT
// Vendor ID payload (RFC 7296 §3.12): opaque bytes chosen by the sender.
#pragma once

#include <cstddef>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"

namespace pqike::wire {

// A view of a Vendor ID body; `id` points into the datagram. RFC 7296 sets no length limits
// beyond the payload's own; an empty ID is accepted.
struct vendor_id_view {
    static constexpr payload_type type = payload_type::vendor_id;
    bytes_view id{};

    static constexpr result<vendor_id_view> decode(bytes_view body, std::size_t = 0) noexcept {
        return vendor_id_view{body};
    }
    static constexpr result<vendor_id_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    constexpr void encode(writer& w) const noexcept { w.bytes(id); }
};

}  // namespace pqike::wire
