// SPDX-License-Identifier: MIT
// Extension payloads in the live-interop examples (issue 23 item 4): what the example adds to
// the messages its helper builds, and how it shows what the peer sent that the helper did not
// read (exchange::outgoing::unconsumed).
//   --extensions   add a Vendor ID (RFC 7296 §3.12, the octets of "pqike-live-vendor-id") to
//                  IKE_SA_INIT and N(INITIAL_CONTACT) (§3.10.1, status type 16384) to IKE_AUTH
// Every accepted message's unconsumed payloads are printed, with or without the option:
//   "<who>: unconsumed in IKE_SA_INIT: V(6f8...) N(16384)"
#pragma once

#include <array>
#include <cstdio>
#include <span>
#include <string>

#include <pqike/exchange/common.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/wire/notify.hpp>

namespace live {

struct ext_args {
    bool enabled = false;
    static constexpr char vendor_id[] = "pqike-live-vendor-id";
    std::array<std::byte, 8> contact_body{};
    std::array<pqike::exchange::payload_item, 1> sa_init{}, auth{};

    // Removes the option from argv.
    bool parse(int& argc, char** argv) {
        int out = 1;
        for (int i = 1; i < argc; ++i) {
            if (std::string(argv[i]) == "--extensions") {
                enabled = true;
            } else {
                argv[out++] = argv[i];
            }
        }
        argc = out;
        return true;
    }

    // The items to add, per exchange (views into this object: it must outlive the helper).
    pqike::exchange::extra_payloads extra() {
        using namespace pqike;
        if (!enabled) return {};
        sa_init[0] = exchange::payload_item{wire::payload_type::vendor_id,
                                            as_bytes_view(vendor_id, sizeof vendor_id - 1)};
        auto n = exchange::notify_item(wire::make_notify(wire::notify_type::initial_contact), contact_body);
        if (n) auth[0] = *n;
        exchange::extra_payloads x;
        x.ike_sa_init = sa_init;
        if (n) x.ike_auth = auth;
        return x;
    }
};

// Prints the payloads a helper did not read: Vendor IDs with their octets in hex, Notifies by
// type, other payloads by their short name.
inline void print_unconsumed(const char* who, const char* exchange_name,
                             std::span<const pqike::wire::raw_payload> rest) {
    using namespace pqike;
    if (rest.empty()) return;
    std::printf("%s: unconsumed in %s:", who, exchange_name);
    for (const auto& p : rest) {
        if (p.type == wire::payload_type::vendor_id) {
            std::printf(" V(");
            for (std::byte b : p.body) std::printf("%02x", static_cast<unsigned>(b));
            std::printf(")");
        } else if (p.type == wire::payload_type::notify) {
            auto v = wire::notify_view::decode(p);
            std::printf(" N(%u)", v ? static_cast<unsigned>(wire::to_number(v->kind)) : 0u);
        } else {
            std::printf(" %s", wire::name(p.type));
        }
    }
    std::printf("\n");
}

}  // namespace live
