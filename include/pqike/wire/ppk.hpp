// SPDX-License-Identifier: MIT
// The notifies of post-quantum preshared keys (RFC 8784 §3, RFC 9867 §3 and §4):
//   PPK_ID            = PPK_ID Type (1 octet) | identity             (RFC 8784 §3, §5.1)
//   PPK_IDENTITY      data: a PPK_ID (request), or empty (RFC 8784 response: "the PPK was used")
//   PPK_IDENTITY_KEY  data: PPK_ID | PPK Confirmation (8 octets)      (RFC 9867 §3.1)
//   NO_PPK_AUTH       data: the Authentication Data computed without the PPK (RFC 8784 §3)
// USE_PPK and USE_PPK_INT carry no data (check_empty_notify in notify.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../result.hpp"
#include "notify.hpp"

namespace pqike::wire {

// RFC 8784 §5.1: 1 = an opaque identity the peers agreed on, 2 = "fixed" (e.g. a name); 0 and
// 3..127 are reserved, 128..255 private use. Any type is carried; matching compares type and
// identity.
enum class ppk_id_type : std::uint8_t { opaque = 1, fixed = 2 };

inline constexpr std::size_t ppk_confirmation_size = 8;  // RFC 9867 §3.1

struct ppk_id {
    std::uint8_t type = static_cast<std::uint8_t>(ppk_id_type::fixed);
    bytes_view identity{};

    // `data` is the whole PPK_ID: a type octet and a non-empty identity.
    static constexpr result<ppk_id> decode(bytes_view data, std::size_t base = 0) noexcept {
        if (data.size() < 2) return error{errc::length_too_small, "notify.ppk_id", base};
        if (data[0] == std::byte{0}) return error{errc::invalid_syntax, "notify.ppk_id.type", base};
        return ppk_id{std::to_integer<std::uint8_t>(data[0]), data.subspan(1)};
    }
    constexpr std::size_t size() const noexcept { return 1 + identity.size(); }
    constexpr void encode(writer& w) const noexcept {
        w.u8(type);
        w.bytes(identity);
    }
    // PPK IDs are public: an ordinary comparison.
    friend constexpr bool operator==(const ppk_id& a, const ppk_id& b) noexcept {
        if (a.type != b.type || a.identity.size() != b.identity.size()) return false;
        for (std::size_t i = 0; i < a.identity.size(); ++i)
            if (a.identity[i] != b.identity[i]) return false;
        return true;
    }
};

// PPK_IDENTITY: `id` is absent in an RFC 8784 response (empty data).
struct ppk_identity_notify {
    bool has_id = false;
    ppk_id id{};

    static constexpr result<ppk_identity_notify> decode(const notify_view& n, std::size_t base = 0) noexcept {
        if (n.kind != notify_type::ppk_identity) return error{errc::invalid_syntax, "notify.type", base + 2};
        if (n.data.empty()) return ppk_identity_notify{};
        auto id = ppk_id::decode(n.data, base + n.data_offset());
        if (!id) return id.error();
        return ppk_identity_notify{true, *id};
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(to_number(protocol_id::none));
        w.u8(0);
        w.u16(to_number(notify_type::ppk_identity));
        if (has_id) id.encode(w);
    }
};

// PPK_IDENTITY_KEY: the PPK_ID is everything before the last 8 octets.
struct ppk_identity_key_notify {
    ppk_id id{};
    bytes_view confirmation{};  // ppk_confirmation_size octets

    static constexpr result<ppk_identity_key_notify> decode(const notify_view& n, std::size_t base = 0) noexcept {
        if (n.kind != notify_type::ppk_identity_key) return error{errc::invalid_syntax, "notify.type", base + 2};
        if (n.data.size() < 2 + ppk_confirmation_size)
            return error{errc::length_too_small, "notify.ppk_identity_key", base + n.data_offset()};
        const std::size_t id_size = n.data.size() - ppk_confirmation_size;
        auto id = ppk_id::decode(n.data.first(id_size), base + n.data_offset());
        if (!id) return id.error();
        return ppk_identity_key_notify{*id, n.data.subspan(id_size)};
    }
    constexpr void encode(writer& w) const noexcept {
        w.u8(to_number(protocol_id::none));
        w.u8(0);
        w.u16(to_number(notify_type::ppk_identity_key));
        id.encode(w);
        w.bytes(confirmation);
    }
};

// NO_PPK_AUTH: non-empty Authentication Data (no Auth Method octet).
struct no_ppk_auth_notify {
    bytes_view auth_data{};

    static constexpr result<no_ppk_auth_notify> decode(const notify_view& n, std::size_t base = 0) noexcept {
        if (n.kind != notify_type::no_ppk_auth) return error{errc::invalid_syntax, "notify.type", base + 2};
        if (n.data.empty()) return error{errc::length_too_small, "notify.data", base + n.data_offset()};
        return no_ppk_auth_notify{n.data};
    }
    constexpr void encode(writer& w) const noexcept { make_notify(notify_type::no_ppk_auth, auth_data).encode(w); }
};

}  // namespace pqike::wire
