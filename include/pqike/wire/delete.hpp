// SPDX-License-Identifier: MIT
// Delete payload (RFC 7296 §3.11): a protocol, an SPI size and a list of SPIs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "payload_chain.hpp"
#include "protocol_id.hpp"

namespace pqike::wire {

// A view of a Delete body; `spis` points into the datagram (count × spi_size octets).
// For the IKE SA, SPI Size and the count are zero.
struct delete_view {
    static constexpr payload_type type = payload_type::del;
    protocol_id protocol = protocol_id::ike;
    std::uint8_t spi_size = 0;
    std::uint16_t count = 0;
    bytes_view spis{};

    static constexpr result<delete_view> decode(bytes_view body, std::size_t base = 0) noexcept {
        reader r{body, base};
        delete_view v;
        v.protocol = static_cast<protocol_id>(r.u8());
        v.spi_size = r.u8();
        v.count = r.u16();
        if (!r.ok()) return error{errc::truncated, "delete.header", base};
        const std::size_t need = std::size_t{v.spi_size} * v.count;
        if (need > r.remaining()) return error{errc::length_too_large, "delete.count", base + 2};
        if (need < r.remaining()) return error{errc::trailing_data, "delete.spis", base + 4 + need};
        v.spis = r.bytes(need);
        // RFC 7296 §3.11: SPI Size is 0 for IKE (and no SPIs follow), 4 for AH and ESP.
        if (v.protocol == protocol_id::ike && (v.spi_size != 0 || v.count != 0))
            return error{errc::invalid_syntax, "delete.spi_size", base + 1};
        if ((v.protocol == protocol_id::esp || v.protocol == protocol_id::ah) && v.spi_size != 4)
            return error{errc::invalid_syntax, "delete.spi_size", base + 1};
        return v;
    }
    static constexpr result<delete_view> decode(const raw_payload& p) noexcept {
        return decode(p.body, p.body_offset());
    }
    // The i-th SPI (i < count).
    constexpr bytes_view spi(std::size_t i) const noexcept {
        return spis.subspan(i * spi_size, spi_size);
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(to_number(protocol));
        w.u8(spi_size);
        w.u16(count);
        w.bytes(spis);
    }
};

}  // namespace pqike::wire
