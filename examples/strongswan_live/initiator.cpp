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
//   marker: send and expect the non-ESP marker (strongSwan wants it when neither port is 500)
//   --ppk*: RFC 8784 post-quantum preshared key (ppk_args.hpp): USE_PPK in IKE_SA_INIT,
//           PPK_IDENTITY (and NO_PPK_AUTH unless required) in IKE_AUTH; the rekey then starts
//           from SK_d', so a wrong PPK mix shows up there too
// Prints one line per step ("pqike: ..."), with the PPK outcome ("pqike: PPK negotiated
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

// Sends `first`, then feeds every received datagram to `on` until `done()`; retransmits the
// request (RFC 7296 §2.1) when nothing arrives for a second.
template <class On, class Done>
bool exchange_loop(udp& s, std::vector<std::vector<std::byte>> req, On&& on, Done&& done, const char* step) {
    for (int tries = 0; tries < 10 && !done(); ++tries) {
        std::vector<bytes_view> v(req.begin(), req.end());
        if (!s.send(v)) return std::printf("pqike: FAILED %s: send\n", step), false;
        for (;;) {
            auto d = s.recv(1000);
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
    if (!ppk.parse(argc, argv) || argc < 5) {
        std::fprintf(stderr,
                     "usage: %s <peer-port> <local-port> <psk> <local-id> [pause-after-auth] [marker]"
                     " [--ppk-id ID --ppk HEX [--ppk-required]]\n",
                     argv[0]);
        return 2;
    }
    const auto peer = static_cast<std::uint16_t>(std::atoi(argv[1]));
    const auto local = static_cast<std::uint16_t>(std::atoi(argv[2]));
    const std::string psk = argv[3], id = argv[4];
    const int pause = argc > 5 ? std::atoi(argv[5]) : 0;

    udp s;
    s.marker = argc > 6 && std::string(argv[6]) == "marker";
    if (!s.open(local, peer)) return std::printf("pqike: FAILED socket\n"), 1;
    adapters::openssl_rng rng;

    // ECP-256 first: the peer (X25519 only) answers INVALID_KE_PAYLOAD, then X25519 is used.
    const std::array<kex::proposal, 1> ike{ike_proposal({ke_method::ecp_256, ke_method::curve25519})};
    exchange::initial_config cfg;
    cfg.ike = ike;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    cfg.ppk = ppk.config();
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
    buffer b;
    auto o = ini->start(rng, b.out());
    if (!o) return fail("IKE_SA_INIT", o.error());
    std::size_t sa_inits = 0;
    error why{};
    const bool ok = exchange_loop(
        s, copy(*o),
        [&](bytes_view d) {
            auto h = wire::decode_header(d);
            if (h && h->exchange == wire::exchange_type::ike_sa_init) ++sa_inits;
            auto r = ini->on_message(d, rng, b.out());
            if (!r) why = r.error();
            return r;
        },
        [&] { return ini->established() || ini->failed(); }, "initial");
    if (!ok || !ini->established())
        return std::printf("pqike: FAILED initial exchanges: %s\n", ini->failed() ? errc_name(why.code) : "timeout"), 1;
    std::printf("pqike: IKE_SA_INIT responses %zu (INVALID_KE_PAYLOAD retry %s)\n", sa_inits,
                sa_inits >= 2 ? "done" : "not seen");
    std::printf("pqike: IKE SA established (PSK, childless)\n");
    if (ppk.enabled()) print_ppk("pqike", *ini);
    std::fflush(stdout);
    if (sa_inits < 2) return std::printf("pqike: FAILED expected an INVALID_KE_PAYLOAD round\n"), 1;
    if (pause > 0) ::sleep(static_cast<unsigned>(pause));

    // IKE SA rekey.
    auto& sa = ini->sa();
    const std::array<kex::proposal, 1> rk{ike_proposal({ke_method::curve25519})};
    exchange::rekey_config rc;
    rc.proposals = rk;
    auto rekey = std::make_unique<exchange::rekey_initiator<suite>>(sa, rc);
    auto ro = rekey->start(rng, b.out());
    if (!ro) return fail("CREATE_CHILD_SA", ro.error());
    if (!exchange_loop(s, copy(*ro), [&](bytes_view d) { return rekey->on_message(d, rng, b.out()); },
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
        auto io = info->start(items, rng, b.out());
        if (!io) return fail("INFORMATIONAL", io.error());
        bool done = false;
        if (!exchange_loop(
                s, copy(*io),
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
