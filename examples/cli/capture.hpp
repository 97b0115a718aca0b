// SPDX-License-Identifier: MIT
// IKE messages out of a capture file for `pqike decode --pcap`: pcap and pcapng through libpcap
// (the tool's dependency only, never the headers'); link types Ethernet (802.1Q / 802.1ad tags),
// raw IP, Linux cooked v1 and v2, BSD loopback (null / loop); IPv4 and IPv6 with extension
// headers and fragment reassembly (pqike/tools/ip_reassembly.hpp); UDP 500, UDP 4500 with the
// non-ESP marker (ESP and keepalives skipped), and TCP encapsulation (RFC 9329, port 4500) with
// its stream reassembly. Frames that carry none of these are skipped.
#pragma once

#include "common.hpp"

#include <pqike/bytes.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace pqike_cli {

struct ike_datagram {
    std::size_t frame = 0;        // 1-based frame that completed the message
    std::uint64_t time_ns = 0;    // capture time of that frame (ns since the epoch)
    std::string src;              // "192.0.2.1:500", "[2001:db8::1]:4500"
    std::string dst;
    bool tcp = false;             // RFC 9329 TCP encapsulation
    std::size_t ip_fragments = 0; // >0: IP datagram reassembled from that many fragments
    pqike::bytes_view msg{};      // the IKE message (no non-ESP marker), valid during the call
};

// Calls `on` for every IKE message in the file in order. Returns the failure that stopped the
// reading (io: cannot open; truncated / invalid_syntax: not a capture or a cut record), after the
// messages before it were delivered.
std::optional<failure> read_capture(const std::string& path, const std::function<void(const ike_datagram&)>& on);

}  // namespace pqike_cli
