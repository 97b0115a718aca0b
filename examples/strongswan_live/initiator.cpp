// SPDX-License-Identifier: MIT
// Live interop: a pqike IKEv2 initiator over UDP, built only from the sans-I/O exchange helpers
// (include/pqike/exchange/), against a real peer (scripts/checks.d/strongswan-live.sh runs it
// against Debian's strongSwan 5.9.8 charon). Classical path (5.9.8 predates ML-KEM / RFC 9370):
//
//   IKE_SA_INIT  offering ECP-256 first (KE sent) and X25519; the peer accepts only X25519 and
//                answers INVALID_KE_PAYLOAD; the helper retries with X25519
//   IKE_AUTH     PSK, childless (no SA/TS: RFC 6023)
//   CREATE_CHILD_SA  IKE SA rekey (X25519)               RFC 7296 §2.18
//   INFORMATIONAL    Delete of the old IKE SA, then of the new one
//
// Usage: initiator <peer-port> <local-port> <psk> <local-id> [pause-seconds-after-auth] [marker]
//                  [--ppk-id ID --ppk HEX [--ppk-required]]
//                  [--nat-t LOCAL:PEER] [--force-encap] [--local-addr A] [--half-open] [--extensions]
//   marker: send and expect the non-ESP marker (strongSwan wants it when neither port is 500)
//   --nat-t etc.: NAT detection and floating to the peer's NAT-T port (net_args.hpp). A peer
//           that answers N(COOKIE) (RFC 7296 §2.6) is always followed: the helper repeats its
//           IKE_SA_INIT with the cookie first, also across the INVALID_KE_PAYLOAD retry
//   --ppk*: RFC 8784 post-quantum preshared key (ppk_args.hpp): USE_PPK in IKE_SA_INIT,
//           PPK_IDENTITY (and NO_PPK_AUTH unless required) in IKE_AUTH; the rekey then starts
//           from SK_d', so a wrong PPK mix shows up there too
//   --extensions: a Vendor ID in IKE_SA_INIT and N(INITIAL_CONTACT) in IKE_AUTH through
//           initial_config::extra (ext_args.hpp); the payloads of each response that the helper
//           did not read (outgoing::unconsumed: the peer's Vendor IDs, ...) are printed always
// Prints one line per step ("pqike: ..."): the COOKIE and INVALID_KE_PAYLOAD rounds, NAT
// detection and the float when --nat-t is given, the PPK outcome ("pqike: PPK negotiated
// rfc8784, mixed yes, PPK_ID '...'") and, when the initial exchanges fail, the reason
// ("pqike: FAILED initial exchanges: authentication_failed"); exits 0 only if every step
// succeeded.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <pqike/adapters/openssl.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>

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

kex::proposal ike_proposal(std::initializer_list<ke_method> kes) {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_256);
    for (auto m : kes) (void)p.add_ke(m);
    return p;
}

int fail(const char* step, const error& e) {
    std::printf("pqike: FAILED %s: %s %s @%zu\n", step, errc_name(e.code), e.field ? e.field : "", e.offset);
    return 1;
}

// Does this IKE_SA_INIT response carry notify `k`? (For the log: COOKIE, INVALID_KE_PAYLOAD.)
bool sa_init_notify(bytes_view msg, wire::notify_type k) {
    auto h = wire::decode_header(msg);
    if (!h || h->exchange != wire::exchange_type::ike_sa_init) return false;
    exchange::payload_list pl;
    if (!exchange::decode_payloads(h->next, msg.subspan(wire::ike_header_size), wire::ike_header_size, pl))
        return false;
    return pl.notify(k).has_value();
}

// Sends `first` on `*s`, then feeds every received datagram to `on` until `done()`; retransmits
// the request (RFC 7296 §2.1) when nothing arrives for a second. `on` may point `s` elsewhere
// (the float to the NAT-T port) before the next request goes out.
template <class On, class Done>
bool exchange_loop(udp*& s, std::vector<std::vector<std::byte>> req, On&& on, Done&& done, const char* step) {
    for (int tries = 0; tries < 10 && !done(); ++tries) {
        std::vector<bytes_view> v(req.begin(), req.end());
        if (!s->send(v)) return std::printf("pqike: FAILED %s: send\n", step), false;
        for (;;) {
            auto d = s->recv(1000);
            if (d.empty()) break;  // retransmit
            auto r = on(bytes_view{d});
            if (!r) {
                std::printf("pqike: %s: dropped a datagram (%s)\n", step, errc_name(r.error().code));
                continue;
            }
            if (!r->empty()) {  // the next request of this exchange sequence
                req.clear();
                for (auto x : r->datagrams) req.emplace_back(x.begin(), x.end());
                break;
            }
            if (done()) return true;
        }
    }
    return done();
}

}  // namespace

int main(int argc, char** argv) {
    ppk_args ppk;
    net_args net;
    ext_args ext;
    if (!ppk.parse(argc, argv) || !net.parse(argc, argv) || !ext.parse(argc, argv) || argc < 5) {
        std::fprintf(stderr,
                     "usage: %s <peer-port> <local-port> <psk> <local-id> [pause-after-auth] [marker]"
                     " [--ppk-id ID --ppk HEX [--ppk-required]] [--nat-t LOCAL:PEER] [--force-encap]"
                     " [--local-addr A] [--half-open] [--extensions]\n",
                     argv[0]);
        return 2;
    }
    const auto peer = static_cast<std::uint16_t>(std::atoi(argv[1]));
    const auto local = static_cast<std::uint16_t>(std::atoi(argv[2]));
    const std::string psk = argv[3], id = argv[4];
    const int pause = argc > 5 ? std::atoi(argv[5]) : 0;

    udp s, nat_s;  // nat_s: the NAT-T port after the float
    udp* io = &s;
    s.marker = argc > 6 && std::string(argv[6]) == "marker";
    if (!s.open(local, peer, net.local_addr)) return std::printf("pqike: FAILED socket\n"), 1;
    adapters::openssl_rng rng;

    // ECP-256 first: the peer (X25519 only) answers INVALID_KE_PAYLOAD, then X25519 is used.
    const std::array<kex::proposal, 1> ike{ike_proposal({ke_method::ecp_256, ke_method::curve25519})};
    exchange::initial_config cfg;
    cfg.ike = ike;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    cfg.ppk = ppk.config();
    cfg.nat.force_encapsulation = net.force_encap;
    cfg.extra = ext.extra();
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
    buffer b;
    // With --nat-t the helper gets the path: NAT_DETECTION_* notifies in IKE_SA_INIT (RFC 7296
    // §2.23). Without it, no NAT detection (the context names no addresses).
    const exchange::datagram_context ctx = net.nat_local != 0 ? s.context() : exchange::datagram_context{};
    auto o = ini->start(rng, b.out(), ctx);
    if (!o) return fail("IKE_SA_INIT", o.error());
    std::size_t sa_inits = 0, cookies = 0, invalid_ke = 0;
    error why{};
    const bool ok = exchange_loop(
        io, copy(*o),
        [&](bytes_view d) -> result<exchange::outgoing> {
            auto h = wire::decode_header(d);
            if (h && h->exchange == wire::exchange_type::ike_sa_init) ++sa_inits;
            cookies += sa_init_notify(d, wire::notify_type::cookie) ? 1u : 0u;
            invalid_ke += sa_init_notify(d, wire::notify_type::invalid_ke_payload) ? 1u : 0u;
            auto r = ini->on_message(d, rng, b.out());
            if (!r) why = r.error();
            if (r && h) print_unconsumed("pqike", wire::name(h->exchange), r->unconsumed);
            // NAT detection asked for encapsulation: IKE_AUTH and everything after go to the
            // peer's NAT-T port, each message with the non-ESP marker the helpers now write.
            if (r && io == &s && ini->sa().frag.options.non_esp_marker) {
                if (net.nat_peer == 0) return error{errc::unexpected_message, "nat-t port (no --nat-t)", 0};
                if (!nat_s.open(net.nat_local, net.nat_peer, net.local_addr))
                    return error{errc::unexpected_message, "nat-t socket", 0};
                io = &nat_s;
            }
            return r;
        },
        [&] {
            return ini->established() || ini->failed() ||
                   (net.half_open && ini->state() != exchange::initial_state::sa_init);
        },
        "initial");
    std::printf("pqike: IKE_SA_INIT responses %zu (COOKIE %zu, INVALID_KE_PAYLOAD %zu)\n", sa_inits, cookies,
                invalid_ke);
    if (ok && net.half_open && !ini->failed())
        return std::printf("pqike: IKE_SA_INIT answered, IKE_AUTH not sent (left half-open)\n"), 0;
    if (!ok || !ini->established())
        return std::printf("pqike: FAILED initial exchanges: %s\n", ini->failed() ? errc_name(why.code) : "timeout"), 1;
    std::printf("pqike: IKE SA established (PSK, childless)\n");
    if (net.nat_local != 0) {
        const auto& n = ini->nat();
        std::printf("pqike: NAT detection: checked %s, local behind NAT %s, peer behind NAT %s\n",
                    n.checked ? "yes" : "no", n.local_behind_nat ? "yes" : "no", n.peer_behind_nat ? "yes" : "no");
        if (io == &nat_s)
            std::printf("pqike: floated: IKE_AUTH and later from port %u to 127.0.0.1:%u, non-ESP marker\n",
                        net.nat_local, net.nat_peer);
    }
    if (ppk.enabled()) print_ppk("pqike", *ini);
    std::fflush(stdout);
    if (invalid_ke < 1) return std::printf("pqike: FAILED expected an INVALID_KE_PAYLOAD round\n"), 1;
    if (pause > 0) ::sleep(static_cast<unsigned>(pause));

    // IKE SA rekey.
    auto& sa = ini->sa();
    const std::array<kex::proposal, 1> rk{ike_proposal({ke_method::curve25519})};
    exchange::rekey_config rc;
    rc.proposals = rk;
    auto rekey = std::make_unique<exchange::rekey_initiator<suite>>(sa, rc);
    auto ro = rekey->start(rng, b.out());
    if (!ro) return fail("CREATE_CHILD_SA", ro.error());
    if (!exchange_loop(io, copy(*ro), [&](bytes_view d) { return rekey->on_message(d, rng, b.out()); },
                       [&] { return rekey->done(); }, "rekey") ||
        !rekey->is_ike_rekey() || !rekey->new_ike_sa().established())
        return std::printf("pqike: FAILED IKE SA rekey\n"), 1;
    std::printf("pqike: IKE SA rekeyed\n");
    std::fflush(stdout);

    // Delete the old IKE SA on the old SA, then the new one on the new SA (RFC 7296 §1.4.1).
    const std::array<std::byte, 4> del_ike{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}};
    const std::array<exchange::payload_item, 1> items{
        exchange::payload_item{wire::payload_type::del, bytes_view{del_ike}}};
    for (auto* which : {&sa, &rekey->new_ike_sa()}) {
        auto info = std::make_unique<exchange::informational_initiator<suite>>(*which);
        auto info_o = info->start(items, rng, b.out());
        if (!info_o) return fail("INFORMATIONAL", info_o.error());
        bool done = false;
        if (!exchange_loop(
                io, copy(*info_o),
                [&](bytes_view d) -> result<exchange::outgoing> {
                    auto r = info->on_message(d);
                    if (!r) return r.error();
                    done = *r;
                    return exchange::outgoing{};
                },
                [&] { return done; }, "delete"))
            return std::printf("pqike: FAILED INFORMATIONAL delete\n"), 1;
        std::printf("pqike: %s IKE SA deleted\n", which == &sa ? "old" : "new");
    }
    std::printf("pqike: OK\n");
    return 0;
}
