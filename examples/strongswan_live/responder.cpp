// SPDX-License-Identifier: MIT
// Live interop, the other direction: a pqike IKEv2 responder over UDP, built only from the
// sans-I/O exchange helpers, that a real peer initiates to (scripts/checks.d/strongswan-live.sh:
// `swanctl --initiate` on Debian's strongSwan 5.9.8, then `swanctl --terminate`):
//
//   IKE_SA_INIT, IKE_AUTH (PSK) with a Child SA (ESP AES-GCM-16-256, TS echoed)
//   INFORMATIONAL requests answered (Delete of a Child SA or of the IKE SA); ends after the
//   IKE SA Delete. A repeated request gets the last response again (replay_cache, udp.hpp).
//
// Usage: responder <local-port> <peer-port> <psk> <local-id> [marker]
//                  [--ppk-id ID --ppk HEX [--ppk-required]] [--cookies] [--nat-t 4500] [--force-encap]
//                  [--extensions]
//   --ppk*: the RFC 8784 post-quantum preshared key it accepts (ppk_args.hpp)
//   --cookies, --nat-t, --force-encap: COOKIE challenges and NAT traversal (net_args.hpp). The
//   helper always gets the datagram's path (datagram_context), so it answers NAT detection.
//   --extensions: a Vendor ID in the IKE_SA_INIT response and N(INITIAL_CONTACT) in the IKE_AUTH
//   response (initial_config::extra, ext_args.hpp). Each accepted request's payloads that the
//   helper did not read (outgoing::unconsumed: the peer's Vendor IDs, INITIAL_CONTACT) are printed.
// It accepts one IKE proposal, AES-GCM-16-256 / PRF-HMAC-SHA2-256 / X25519, and selects it
// among whatever the peer offers (RFC 7296 §2.7); the proposal number it chose is printed.
// Prints one line per step ("pqike-responder: ..."), with the PPK outcome; exits 0 only if the
// IKE SA was established and then deleted by the peer. A refusal that ends the attempt (e.g.
// AUTHENTICATION_FAILED on a PPK mismatch) prints "pqike-responder: FAILED initial exchanges:
// refused <errc>" and exits 1 at once.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <pqike/adapters/openssl.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/wire/delete.hpp>

#include "ext_args.hpp"
#include "net_args.hpp"
#include "ppk_args.hpp"
#include "udp.hpp"

using namespace pqike;
using namespace live;
using wire::ke_method;

namespace {

using methods = kex::ke_registry<adapters::openssl_ecp256, adapters::openssl_x25519>;
using suite = exchange::suite<methods, adapters::openssl_prf_hmac_sha2_256, adapters::openssl_aes256_gcm16>;

}  // namespace

int main(int argc, char** argv) {
    ppk_args ppk;
    net_args net;
    ext_args ext;
    if (!ppk.parse(argc, argv) || !net.parse(argc, argv) || !ext.parse(argc, argv) || argc < 5) {
        std::fprintf(stderr,
                     "usage: %s <local-port> <peer-port> <psk> <local-id> [marker]"
                     " [--ppk-id ID --ppk HEX [--ppk-required]] [--cookies] [--nat-t PORT] [--force-encap]"
                     " [--extensions]\n",
                     argv[0]);
        return 2;
    }
    const auto local = static_cast<std::uint16_t>(std::atoi(argv[1]));
    const auto peer = static_cast<std::uint16_t>(std::atoi(argv[2]));
    const std::string psk = argv[3], id = argv[4];
    udp s, nat_s;  // nat_s: the NAT-T port, where the helper writes and strips the marker itself
    s.marker = argc > 5 && std::string(argv[5]) == "marker";
    if (!s.open(local, peer)) return std::printf("pqike-responder: FAILED socket\n"), 1;
    if (net.nat_local != 0 && !nat_s.open(net.nat_local, peer))
        return std::printf("pqike-responder: FAILED socket (NAT-T port %u)\n", net.nat_local), 1;
    udp* nat_p = net.nat_local != 0 ? &nat_s : nullptr;
    adapters::openssl_rng rng;

    kex::proposal ike{wire::protocol_id::ike};
    (void)ike.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)ike.add_prf(wire::prf_id::hmac_sha2_256);
    (void)ike.add_ke(ke_method::curve25519);
    kex::proposal esp{wire::protocol_id::esp};
    (void)esp.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)esp.add_esn(wire::esn_id::no);
    const std::array<kex::proposal, 1> ikes{ike}, esps{esp};
    exchange::initial_config cfg;
    cfg.ike = ikes;
    cfg.child = esps;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    cfg.ppk = ppk.config();
    cfg.nat.force_encapsulation = net.force_encap;
    cfg.extra = ext.extra();
    std::array<std::byte, 32> cookie_secret{};
    if (net.cookies) {  // RFC 7296 §2.6: threshold 0, so every IKE_SA_INIT must bring a cookie
        if (!rng.fill(cookie_secret)) return std::printf("pqike-responder: FAILED rng\n"), 1;
        cfg.cookies.current = exchange::cookie_secret{1, bytes_view{cookie_secret}};
        cfg.cookies.threshold = 0;
    }
    auto rsp = std::make_unique<exchange::initial_responder<suite>>(cfg);
    buffer b;

    // The initial exchanges (the helper answers refusals itself; a retransmitted request gets
    // the response kept in `cache` again, RFC 7296 §2.1).
    replay_cache cache;
    bool auth_on_nat_t = false;
    for (int idle = 0; idle < 30 && !rsp->established();) {
        udp* from = wait_any(s, nat_p, 1000);
        auto d = from ? from->recv(0) : std::vector<std::byte>{};
        if (d.empty()) {
            ++idle;
            continue;
        }
        // The path as this socket saw it; half_open 0: this responder holds no other IKE SA.
        auto o = rsp->on_message(bytes_view{d}, rng, b.out(), from->context());
        if (!o) {
            std::printf("pqike-responder: dropped a datagram (%s)\n", errc_name(o.error().code));
            continue;
        }
        if (o->retransmit) {
            if (cache.resend(*from)) std::printf("pqike-responder: answered a retransmitted request again\n");
            continue;
        }
        if (auto h = wire::decode_header(bytes_view{d}.subspan(from == nat_p ? wire::non_esp_marker_size : 0)))
            print_unconsumed("pqike-responder", wire::name(h->exchange), o->unconsumed);
        if (o->cookie_challenge) std::printf("pqike-responder: answered IKE_SA_INIT with a COOKIE challenge\n");
        if (o->is_refusal()) std::printf("pqike-responder: refused: %s\n", errc_name(o->refused.code));
        if (!from->send(o->datagrams)) return std::printf("pqike-responder: FAILED send\n"), 1;
        if (!o->empty()) cache.keep(*o);
        auth_on_nat_t = from == nat_p;
        if (rsp->failed())
            return std::printf("pqike-responder: FAILED initial exchanges: refused %s\n", errc_name(o->refused.code)), 1;
    }
    if (!rsp->established()) return std::printf("pqike-responder: FAILED initial exchanges\n"), 1;
    std::printf("pqike-responder: IKE SA established (PSK), Child SA %s\n",
                rsp->child().established() ? "established" : "not requested");
    const auto& ng = rsp->sa().negotiated;
    std::printf("pqike-responder: selected the peer's IKE proposal #%u (ENCR %u/%u bits, PRF %u, KE %u)\n",
                ng.proposal_number, ng.get(wire::transform_type::encr).id, ng.get(wire::transform_type::encr).key_bits,
                ng.get(wire::transform_type::prf).id, ng.ke());
    const auto& n = rsp->nat();
    std::printf("pqike-responder: NAT detection: checked %s, local behind NAT %s, peer behind NAT %s; "
                "IKE_AUTH on the NAT-T port: %s\n",
                n.checked ? "yes" : "no", n.local_behind_nat ? "yes" : "no", n.peer_behind_nat ? "yes" : "no",
                auth_on_nat_t ? "yes" : "no");
    if (ppk.enabled()) print_ppk("pqike-responder", *rsp);
    std::fflush(stdout);

    // INFORMATIONAL requests until the peer deletes the IKE SA.
    auto& sa = rsp->sa();
    exchange::informational_responder<suite> info{sa};
    for (int idle = 0; idle < 60;) {
        udp* from = wait_any(s, nat_p, 1000);
        auto d = from ? from->recv(0) : std::vector<std::byte>{};
        if (d.empty()) {
            ++idle;
            continue;
        }
        auto m = exchange::ike_message_of(bytes_view{d}, sa.frag.options.non_esp_marker);
        auto h = m ? wire::decode_header(*m) : result<wire::ike_header>{m.error()};
        if (h && h->exchange == wire::exchange_type::ike_auth) {  // IKE_AUTH again: its response was lost
            auto again = rsp->on_message(bytes_view{d}, rng, b.out(), from->context());
            if (again && again->retransmit && cache.resend(*from))
                std::printf("pqike-responder: answered a retransmitted request again\n");
            continue;
        }
        if (!h || h->exchange != wire::exchange_type::informational) {
            std::printf("pqike-responder: ignored a non-INFORMATIONAL request\n");
            continue;
        }
        auto got = info.receive(bytes_view{d});
        if (got && !*got && info.retransmission()) {
            if (cache.resend(*from)) std::printf("pqike-responder: answered a retransmitted request again\n");
            continue;
        }
        if (!got || !*got) {
            std::printf("pqike-responder: dropped an INFORMATIONAL datagram\n");
            continue;
        }
        auto del = exchange::deletes_of(info.payloads());
        const bool ike_deleted = del && del->ike_sa;
        auto o = info.respond({}, rng, b.out());
        if (!o || !from->send(o->datagrams)) return std::printf("pqike-responder: FAILED INFORMATIONAL response\n"), 1;
        cache.keep(*o);
        std::printf("pqike-responder: answered INFORMATIONAL (%s)\n", ike_deleted ? "Delete IKE SA" : "other");
        std::fflush(stdout);
        if (ike_deleted) {
            std::printf("pqike-responder: OK\n");
            return 0;
        }
    }
    return std::printf("pqike-responder: FAILED no Delete of the IKE SA\n"), 1;
}
