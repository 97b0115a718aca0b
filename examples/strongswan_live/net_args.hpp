// SPDX-License-Identifier: MIT
// COOKIE and NAT traversal options of the live-interop examples (removed from argv like the PPK
// options, so the positional arguments keep their places):
//   --cookies          responder: cookies.threshold = 0, every IKE_SA_INIT without a valid cookie
//                      is answered with N(COOKIE) (RFC 7296 §2.6); the secret is drawn at start
//   --half-open        initiator: stop once IKE_SA_INIT is answered (leaves the peer a half-open
//                      IKE SA, e.g. to push a charon with cookie_threshold = 1 into cookie mode)
//   --nat-t L:P        initiator: NAT detection (RFC 7296 §2.23) with the datagram_context of the
//                      path; when it asks for encapsulation, float to the peer's NAT-T port P from
//                      local port L (the helpers then write and strip the non-ESP marker)
//   --nat-t L          responder: also listen on local port L as the NAT-T port (the helpers
//                      recognise 4500 only: datagram_context::local_port == 4500)
//   --force-encap      nat.force_encapsulation (strongSwan's encap = yes)
//   --local-addr A     the IPv4 loopback address to bind (default 127.0.0.1)
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace live {

struct net_args {
    bool cookies = false;
    bool half_open = false;
    bool force_encap = false;
    std::uint16_t nat_local = 0;  // 0: no NAT-T port
    std::uint16_t nat_peer = 0;
    in_addr local_addr{htonl(INADDR_LOOPBACK)};

    // Removes these options from argv. False (with a message) on a malformed option.
    bool parse(int& argc, char** argv) {
        int out = 1;
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--cookies") {
                cookies = true;
            } else if (a == "--half-open") {
                half_open = true;
            } else if (a == "--force-encap") {
                force_encap = true;
            } else if (a == "--nat-t" || a == "--local-addr") {
                if (i + 1 >= argc) return std::fprintf(stderr, "%s needs a value\n", a.c_str()), false;
                const std::string v = argv[++i];
                if (a == "--local-addr") {
                    if (::inet_pton(AF_INET, v.c_str(), &local_addr) != 1)
                        return std::fprintf(stderr, "--local-addr: not an IPv4 address\n"), false;
                    continue;
                }
                const auto colon = v.find(':');
                nat_local = port(v.substr(0, colon));
                nat_peer = colon == std::string::npos ? 0 : port(v.substr(colon + 1));
                if (nat_local == 0 || (colon != std::string::npos && nat_peer == 0))
                    return std::fprintf(stderr, "--nat-t: LOCAL[:PEER] ports\n"), false;
            } else {
                argv[out++] = argv[i];
            }
        }
        argc = out;
        return true;
    }

private:
    static std::uint16_t port(const std::string& s) {
        const long v = std::strtol(s.c_str(), nullptr, 10);
        return v > 0 && v < 65536 ? static_cast<std::uint16_t>(v) : 0;
    }
};

}  // namespace live
