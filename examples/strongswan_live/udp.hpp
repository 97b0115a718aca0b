// SPDX-License-Identifier: MIT
// UDP transport for the live-interop examples: a connected IPv4 loopback socket that can add
// and strip the non-ESP marker, an out_buffer with room for fragments, datagram copies.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <pqike/exchange/common.hpp>
#include <pqike/wire/header.hpp>

namespace live {

using namespace pqike;

struct udp {
    int fd = -1;
    ~udp() {
        if (fd >= 0) ::close(fd);
    }
    // Bound to `addr`:local (a loopback address, 127.0.0.1 by default); replies go to where the
    // last datagram came from (the peer may float to its NAT-T port, RFC 7296 §2.23), initially
    // 127.0.0.1:peer.
    bool open(std::uint16_t local, std::uint16_t peer, in_addr addr = in_addr{htonl(INADDR_LOOPBACK)}) {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr = addr;
        a.sin_port = htons(local);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        local_ = a;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(peer);
        peer_ = a;
        return true;
    }
    // The path as the helpers' datagram_context wants it (addresses in network order).
    sockaddr_in local_{};
    bytes_view local_address() const { return as_bytes_view(&local_.sin_addr, 4); }
    std::uint16_t local_port() const { return ntohs(local_.sin_port); }
    bytes_view peer_address() const { return as_bytes_view(&peer_.sin_addr, 4); }
    std::uint16_t peer_port() const { return ntohs(peer_.sin_port); }
    exchange::datagram_context context() const {
        exchange::datagram_context c;
        c.local_address = local_address();
        c.local_port = local_port();
        c.peer_address = peer_address();
        c.peer_port = peer_port();
        return c;
    }
    // With `marker`, IKE messages carry the 4-octet non-ESP marker (RFC 3948 §2.2) both ways:
    // strongSwan expects it whenever neither port is 500, not only on 4500.
    bool marker = false;
    sockaddr_in peer_{};
    bool send(std::span<const bytes_view> ds) const {
        for (auto d : ds) {
            std::vector<std::byte> m(marker ? wire::non_esp_marker_size : 0, std::byte{0});
            m.insert(m.end(), d.begin(), d.end());
            if (::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_) !=
                static_cast<ssize_t>(m.size()))
                return false;
        }
        return true;
    }
    // One IKE message, or empty after the timeout (ESP and keepalives are skipped).
    std::vector<std::byte> recv(int timeout_ms) {
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, timeout_ms) <= 0) return {};
            std::vector<std::byte> b(65535);
            sockaddr_in from{};
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(fd, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
            b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
            if (n > 0 && from.sin_addr.s_addr == htonl(INADDR_LOOPBACK)) peer_ = from;
            if (!marker) return b;
            auto c = wire::classify_udp4500(bytes_view{b});
            if (c && c->kind == wire::udp_encap_kind::ike) return std::vector<std::byte>(c->data.begin(), c->data.end());
        }
    }
};

// The first of `a`, `b` (b may be null) with a datagram waiting, or null after the timeout.
inline udp* wait_any(udp& a, udp* b, int timeout_ms) {
    std::array<pollfd, 2> p{pollfd{a.fd, POLLIN, 0}, pollfd{b ? b->fd : -1, POLLIN, 0}};
    if (::poll(p.data(), b ? 2 : 1, timeout_ms) <= 0) return nullptr;
    return (p[0].revents & POLLIN) ? &a : b;
}

struct buffer {
    std::vector<std::byte> bytes = std::vector<std::byte>(32768);
    std::array<bytes_view, 32> slots{};
    exchange::out_buffer out() { return {bytes, slots}; }
};

inline std::vector<std::vector<std::byte>> copy(const exchange::outgoing& o) {
    std::vector<std::vector<std::byte>> d;
    for (auto v : o.datagrams) d.emplace_back(v.begin(), v.end());
    return d;
}

// RFC 7296 §2.1: a responder answers a retransmitted request with the response it already sent,
// without processing the request again. The helpers recognise the repeat (outgoing::retransmit,
// informational_responder::retransmission()) and keep no response: the stack keeps the last one.
struct replay_cache {
    std::vector<std::vector<std::byte>> response;
    void keep(const exchange::outgoing& o) { response = copy(o); }
    // Sends the last response again on `s`.
    bool resend(const udp& s) const {
        if (response.empty()) return false;
        std::vector<bytes_view> v(response.begin(), response.end());
        return s.send(v);
    }
};

}  // namespace live
