// SPDX-License-Identifier: MIT
// NAT traversal (RFC 7296 §2.23, RFC 3948 §2.2): NAT detection in IKE_SA_INIT and UDP port 4500
// with the non-ESP marker.
//
//   N(NAT_DETECTION_SOURCE_IP)      = SHA-1(SPIi | SPIr | source IP | source port)
//   N(NAT_DETECTION_DESTINATION_IP) = SHA-1(SPIi | SPIr | destination IP | destination port)
//
// with the SPIs of the message's header (SPIr zero in the request). A received source hash that
// matches no address of the sender means the peer is behind a NAT; a destination hash that does
// not match our own address means we are. Either way the initiator floats to port 4500 from
// IKE_AUTH on, where every IKE message carries the 4-octet non-ESP marker; the responder answers
// on the port a request came to. `force_encapsulation` fakes our source hash so both sides float
// even without a NAT (strongSwan's encap = yes). SHA-1 is the RFC's choice here, over public
// values only; a suite may name its own hash policy as `nat_hash`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "../bytes.hpp"
#include "../crypto/sha2.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../wire/header.hpp"
#include "../wire/message.hpp"
#include "../wire/notify.hpp"
#include "common.hpp"

namespace pqike::exchange {

inline constexpr std::size_t nat_detection_size = 20;  // SHA-1
inline constexpr std::uint16_t nat_t_port = 4500;

struct nat_config {
    bool force_encapsulation = false;
};

// What NAT detection found. `checked`: both sides sent NAT detection payloads.
struct nat_status {
    bool checked = false;
    bool local_behind_nat = false;
    bool peer_behind_nat = false;
    constexpr bool encapsulate() const noexcept { return local_behind_nat || peer_behind_nat; }
    friend constexpr bool operator==(const nat_status&, const nat_status&) = default;
};

// The hash policy for NAT detection: Suite::nat_hash when the suite names one, else SHA-1.
template <class Suite>
struct nat_hash_of {
    using type = crypto::sha1;
};
template <class Suite>
    requires requires { typename Suite::nat_hash; }
struct nat_hash_of<Suite> {
    using type = typename Suite::nat_hash;
};

// An address and port as the stack saw them, kept by value (the caller's views may not live).
struct udp_endpoint {
    bounded_bytes<16> address;
    std::uint16_t port = 0;
    bool known() const noexcept { return address.size() == 4 || address.size() == 16; }
};

struct udp_path {
    udp_endpoint local, peer;
    bool known() const noexcept { return local.known() && peer.known(); }
    static udp_path of(const datagram_context& c) noexcept {
        udp_path p;
        if ((c.local_address.size() == 4 || c.local_address.size() == 16) &&
            (c.peer_address.size() == 4 || c.peer_address.size() == 16)) {
            (void)p.local.address.assign(c.local_address);
            (void)p.peer.address.assign(c.peer_address);
            p.local.port = c.local_port;
            p.peer.port = c.peer_port;
        }
        return p;
    }
};

template <policy::Hash H>
std::array<std::byte, nat_detection_size> nat_detection_hash(std::uint64_t spi_i, std::uint64_t spi_r,
                                                             const udp_endpoint& e) noexcept {
    static_assert(H::digest_size >= nat_detection_size);
    std::array<std::byte, 16> spis{};
    std::array<std::byte, 2> port{};
    store_be64(spis.data(), spi_i);
    store_be64(spis.data() + 8, spi_r);
    store_be16(port.data(), e.port);
    H h;
    h.update(bytes_view{spis});
    h.update(e.address.view());
    h.update(bytes_view{port});
    std::array<std::byte, H::digest_size> d{};
    h.finish(std::span<std::byte, H::digest_size>{d});
    std::array<std::byte, nat_detection_size> out{};
    for (std::size_t i = 0; i < nat_detection_size; ++i) out[i] = d[i];
    return out;
}

// Adds both NAT detection notifies for a message with these SPIs sent over `path`. With
// `fake_source` (force_encapsulation) the source hash is `fake` instead.
template <policy::Hash H>
void add_nat_detection(wire::message_builder& b, writer& w, std::uint64_t spi_i, std::uint64_t spi_r,
                       const udp_path& path, const std::array<std::byte, nat_detection_size>* fake_source) noexcept {
    const auto src = fake_source ? *fake_source : nat_detection_hash<H>(spi_i, spi_r, path.local);
    const auto dst = nat_detection_hash<H>(spi_i, spi_r, path.peer);
    b.begin(wire::payload_type::notify);
    wire::make_notify(wire::notify_type::nat_detection_source_ip, bytes_view{src}).encode(w);
    b.begin(wire::payload_type::notify);
    wire::make_notify(wire::notify_type::nat_detection_destination_ip, bytes_view{dst}).encode(w);
}

// The NAT detection payloads of a received IKE_SA_INIT message (SPIs of its header) against the
// path it came over; `checked` false when the peer sent none (or the path is unknown).
template <policy::Hash H>
nat_status check_nat_detection(const payload_list& pl, std::uint64_t spi_i, std::uint64_t spi_r,
                               const udp_path& path) noexcept {
    nat_status s;
    if (!path.known()) return s;
    const auto src_expect = nat_detection_hash<H>(spi_i, spi_r, path.peer);
    const auto dst_expect = nat_detection_hash<H>(spi_i, spi_r, path.local);
    bool any_src = false, src_match = false, dst_seen = false, dst_match = false;
    // One NAT_DETECTION_SOURCE_IP per address of the sender; the first DESTINATION counts.
    pl.each_notify(wire::notify_type::nat_detection_source_ip, [&](const wire::notify_view& n) {
        any_src = true;
        src_match = src_match || ct_equal(n.data, bytes_view{src_expect});
    });
    pl.each_notify(wire::notify_type::nat_detection_destination_ip, [&](const wire::notify_view& n) {
        if (dst_seen) return;
        dst_seen = true;
        dst_match = ct_equal(n.data, bytes_view{dst_expect});
    });
    if (!any_src || !dst_seen) return s;
    s.checked = true;
    s.peer_behind_nat = !src_match;
    s.local_behind_nat = !dst_match;
    return s;
}

// ---- the non-ESP marker (RFC 3948 §2.2) ---------------------------------------------------------

// The IKE message of a datagram: on port 4500 it must start with the 4-octet zero marker (else it
// is ESP, not for the IKE helpers), which is removed.
inline result<bytes_view> ike_message_of(bytes_view datagram, bool port_4500) noexcept {
    if (!port_4500) return datagram;
    return wire::strip_non_esp_marker(datagram);
}

}  // namespace pqike::exchange
