// SPDX-License-Identifier: MIT
// Per-device escape PSKs (docs/escape-message.md §5.3). With one provider-wide escape PSK every
// device holds what it needs to derive every other SA's tag keys (K depends only on the PSK and
// the public key ID and SPIs). Instead the provider keeps a master key and gives each device
//     PSK_dev = prf+(master, "pqike escape 1 device" | len(DeviceID) | DeviceID)
// (RFC 7296 §2.13 prf+, |PSK_dev| = the PRF's preferred key size); a device learns only its own.
// PSK_dev is then the base of key mode (a).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../keys/prf_plus.hpp"
#include "../result.hpp"
#include "../secret.hpp"

namespace pqike::escape {

inline constexpr std::string_view device_label = "pqike escape 1 device";
inline constexpr std::size_t max_device_id = 255;  // its length is one octet

template <policy::Prf P>
using device_psk = secret_array<P::preferred_key_size>;

// The escape PSK of one device (its identity, e.g. the IKE ID it authenticates with).
template <policy::Prf P>
result<device_psk<P>> derive_device_psk(bytes_view master, bytes_view device_id) noexcept {
    if (master.empty()) return error{errc::invalid_key, "escape.master_key"};
    if (device_id.empty() || device_id.size() > max_device_id)
        return error{errc::invalid_length, "escape.device_id"};
    const std::array<std::byte, 1> len{static_cast<std::byte>(device_id.size())};
    const bytes_view seed[] = {as_bytes_view(device_label.data(), device_label.size()), len, device_id};
    device_psk<P> k;
    const P prf{master};
    if (auto s = keys::prf_plus(prf, std::span<const bytes_view>(seed), k.span()); !s) return s.error();
    return k;
}

}  // namespace pqike::escape
