// SPDX-License-Identifier: MIT
// pqike as the peer of a charon that runs the pqike-mlkem plugin (scripts/checks.d/
// strongswan-plugin.sh), built only from pqike's sans-I/O exchange helpers with ML-KEM-768 in
// IKE_SA_INIT (aes256gcm16-prfsha384-mlkem768, the proposal the charon is configured with):
//
//   initiate <peer-port> <local-port> <psk> <local-id>
//       IKE_SA_INIT (ML-KEM-768 ek), IKE_AUTH (PSK, childless), IKE SA rekey (CREATE_CHILD_SA,
//       ML-KEM-768), Delete of the old and the new IKE SA. Exit 0 only if all of it succeeded.
//   hostile-ek <peer-port> <local-port> short|modulus|long
//       an IKE_SA_INIT request whose ek is one octet short, fails the FIPS 203 §7.2 modulus
//       check (first coefficient 4095 >= q) or is one octet long; prints the Notify that comes
//       back. Exit 0 if charon answered with an error Notify and no KE (it refused).
//   hostile-ct <local-port> <peer-port> <psk> <local-id>
//       waits for charon's IKE_SA_INIT request and answers with a ct one octet short; exit 0
//       if charon sent no IKE_AUTH (it gave up on the exchange).
//   respond <local-port> <peer-port> <psk> <local-id>
//       the responder charon initiates to: IKE_SA_INIT (ML-KEM-768 ct), IKE_AUTH (PSK) with a
//       Child SA (ESP AES-GCM-16-256), an IKE SA rekey (CREATE_CHILD_SA, ML-KEM-768) and the
//       INFORMATIONAL requests, routed by SPI to the old or the new IKE SA. Exit 0 once charon
//       rekeyed the IKE SA and deleted both the old and the new one. charon sends from its
//       port 4500 (encap = yes: kernel-libipsec installs only UDP-encapsulated ESP), so every
//       message carries the non-ESP marker, and NAT detection runs on the 127.0.0.1 path.
//   bench <peer-port> <local-port> <psk> <local-id> x25519|mlkem768 <n>
//       n sequential handshakes (IKE_SA_INIT, IKE_AUTH childless, INFORMATIONAL Delete) with
//       aes256gcm16-prfsha384-<method>; prints the wall time per handshake. charon's own CPU
//       time is read by the script from /proc.
// Loopback UDP (examples/strongswan_live/udp.hpp), no non-ESP marker: charon's port is 500.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>
#include <pqike/wire/delete.hpp>

#include "../strongswan_live/udp.hpp"

using namespace pqike;
using namespace live;
using wire::ke_method;

namespace {

// X25519 only for the baseline of `bench`.
using methods = kex::ke_registry<crypto::mlkem768, adapters::openssl_x25519>;
using suite = exchange::suite<methods, adapters::openssl_prf_hmac_sha2_384, adapters::openssl_aes256_gcm16>;

kex::proposal ike_proposal(ke_method ke = ke_method::ml_kem_768) {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_384);
    (void)p.add_ke(ke);
    return p;
}

// A Delete payload body for the IKE SA (protocol 1, no SPI size, no SPIs).
constexpr std::array<std::byte, 4> del_ike{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}};

int fail(const char* step, const error& e) {
    std::printf("pqike-peer: FAILED %s: %s %s @%zu\n", step, errc_name(e.code), e.field ? e.field : "", e.offset);
    return 1;
}

template <class On, class Done>
bool exchange_loop(udp& s, std::vector<std::vector<std::byte>> req, On&& on, Done&& done, const char* step) {
    for (int tries = 0; tries < 5 && !done(); ++tries) {
        std::vector<bytes_view> v(req.begin(), req.end());
        if (!s.send(v)) return std::printf("pqike-peer: FAILED %s: send\n", step), false;
        for (;;) {
            auto d = s.recv(1000);
            if (d.empty()) break;
            auto r = on(bytes_view{d});
            if (!r) {
                std::printf("pqike-peer: %s: dropped a datagram (%s)\n", step, errc_name(r.error().code));
                continue;
            }
            if (!r->empty()) {
                req.clear();
                for (auto x : r->datagrams) req.emplace_back(x.begin(), x.end());
                break;
            }
            if (done()) return true;
        }
    }
    return done();
}

// ---- raw edits of an unencrypted IKE_SA_INIT message (RFC 7296 §3.1-3.4) ------------------
unsigned get16(const std::vector<std::byte>& m, std::size_t o) {
    return (std::to_integer<unsigned>(m[o]) << 8) | std::to_integer<unsigned>(m[o + 1]);
}
void put16(std::vector<std::byte>& m, std::size_t o, unsigned v) {
    m[o] = std::byte(v >> 8);
    m[o + 1] = std::byte(v & 0xff);
}
// Offset of the first payload of `type`, or 0.
std::size_t find_payload(const std::vector<std::byte>& m, unsigned type) {
    if (m.size() < 28) return 0;
    unsigned next = std::to_integer<unsigned>(m[16]);
    std::size_t o = 28;
    while (next != 0 && o + 4 <= m.size()) {
        if (next == type) return o;
        next = std::to_integer<unsigned>(m[o]);
        const unsigned len = get16(m, o + 2);
        if (len < 4) return 0;
        o += len;
    }
    return 0;
}
constexpr unsigned payload_ke = 34, payload_notify = 41;
// Makes the KE data `delta` octets shorter (<0) or longer (>0), fixing both lengths.
bool resize_ke(std::vector<std::byte>& m, int delta) {
    const std::size_t ke = find_payload(m, payload_ke);
    if (ke == 0) return false;
    const unsigned len = get16(m, ke + 2);
    const std::size_t end = ke + len;
    if (delta < 0)
        m.erase(m.begin() + static_cast<std::ptrdiff_t>(end - static_cast<std::size_t>(-delta)),
                m.begin() + static_cast<std::ptrdiff_t>(end));
    else
        m.insert(m.begin() + static_cast<std::ptrdiff_t>(end), static_cast<std::size_t>(delta), std::byte{0x5a});
    put16(m, ke + 2, static_cast<unsigned>(static_cast<int>(len) + delta));
    const std::size_t total = m.size();
    m[24] = std::byte(total >> 24);
    m[25] = std::byte(total >> 16);
    m[26] = std::byte(total >> 8);
    m[27] = std::byte(total);
    return true;
}

int initiate(std::uint16_t peer, std::uint16_t local, const std::string& psk, const std::string& id) {
    udp s;
    if (!s.open(local, peer)) return std::printf("pqike-peer: FAILED socket\n"), 1;
    adapters::openssl_rng rng;
    const std::array<kex::proposal, 1> ike{ike_proposal()};
    exchange::initial_config cfg;
    cfg.ike = ike;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
    buffer b;
    auto o = ini->start(rng, b.out());
    if (!o) return fail("IKE_SA_INIT", o.error());
    error why{};
    const bool ok = exchange_loop(
        s, copy(*o),
        [&](bytes_view d) {
            auto r = ini->on_message(d, rng, b.out());
            if (!r) why = r.error();
            return r;
        },
        [&] { return ini->established() || ini->failed(); }, "initial");
    if (!ok || !ini->established())
        return std::printf("pqike-peer: FAILED initial exchanges: %s\n", ini->failed() ? errc_name(why.code) : "timeout"), 1;
    std::printf("pqike-peer: IKE SA established with ML-KEM-768 in IKE_SA_INIT (PSK, childless)\n");
    std::fflush(stdout);

    auto& sa = ini->sa();
    const std::array<kex::proposal, 1> rk{ike_proposal()};
    exchange::rekey_config rc;
    rc.proposals = rk;
    auto rekey = std::make_unique<exchange::rekey_initiator<suite>>(sa, rc);
    auto ro = rekey->start(rng, b.out());
    if (!ro) return fail("CREATE_CHILD_SA", ro.error());
    if (!exchange_loop(s, copy(*ro), [&](bytes_view d) { return rekey->on_message(d, rng, b.out()); },
                       [&] { return rekey->done(); }, "rekey") ||
        !rekey->is_ike_rekey() || !rekey->new_ike_sa().established())
        return std::printf("pqike-peer: FAILED IKE SA rekey\n"), 1;
    std::printf("pqike-peer: IKE SA rekeyed with ML-KEM-768\n");
    std::fflush(stdout);

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
            return std::printf("pqike-peer: FAILED INFORMATIONAL delete\n"), 1;
        std::printf("pqike-peer: %s IKE SA deleted\n", which == &sa ? "old" : "new");
    }
    std::printf("pqike-peer: OK\n");
    return 0;
}

int hostile_ek(std::uint16_t peer, std::uint16_t local, const std::string& how) {
    udp s;
    if (!s.open(local, peer)) return std::printf("pqike-peer: FAILED socket\n"), 1;
    adapters::openssl_rng rng;
    const std::array<kex::proposal, 1> ike{ike_proposal()};
    exchange::initial_config cfg;
    cfg.ike = ike;
    static const char id[] = "hostile.pqike.test";
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id, sizeof id - 1)};
    cfg.psk = as_bytes_view(id, sizeof id - 1);
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
    buffer b;
    auto o = ini->start(rng, b.out());
    if (!o) return fail("IKE_SA_INIT", o.error());
    auto req = copy(*o);
    if (req.size() != 1) return std::printf("pqike-peer: FAILED expected one IKE_SA_INIT datagram\n"), 1;
    auto& m = req[0];
    bool edited = false;
    if (how == "short") {
        edited = resize_ke(m, -1);
    } else if (how == "long") {
        edited = resize_ke(m, +1);
    } else if (how == "modulus") {
        // ek = ByteEncode12(t) || rho: the first coefficient is octet 0 | (octet 1 & 0x0f) << 8.
        if (const std::size_t ke = find_payload(m, payload_ke)) {
            m[ke + 8] = std::byte{0xff};
            m[ke + 9] |= std::byte{0x0f};
            edited = true;
        }
    }
    if (!edited) return std::printf("pqike-peer: FAILED unknown edit or no KE payload\n"), 2;
    std::printf("pqike-peer: sending IKE_SA_INIT with a %s ek (KE payload %u octets)\n", how.c_str(),
                get16(m, find_payload(m, payload_ke) + 2));
    std::vector<bytes_view> v{bytes_view{m}};
    for (int tries = 0; tries < 3; ++tries) {
        if (!s.send(v)) return std::printf("pqike-peer: FAILED send\n"), 1;
        auto d = s.recv(1500);
        if (d.empty()) continue;
        const std::size_t n = find_payload(d, payload_notify);
        const bool has_ke = find_payload(d, payload_ke) != 0;
        const unsigned type = n ? get16(d, n + 6) : 0;
        std::printf("pqike-peer: response: %s, Notify type %u%s\n", has_ke ? "with KE" : "no KE", type,
                    type == 14 ? " (NO_PROPOSAL_CHOSEN)" : type == 7 ? " (INVALID_SYNTAX)" : type == 17 ? " (INVALID_KE_PAYLOAD)" : "");
        return (!has_ke && type != 0 && type < 16384) ? 0 : 1;
    }
    std::printf("pqike-peer: no response\n");
    return 1;
}

int hostile_ct(std::uint16_t local, std::uint16_t peer, const std::string& psk, const std::string& id) {
    udp s;
    if (!s.open(local, peer)) return std::printf("pqike-peer: FAILED socket\n"), 1;
    adapters::openssl_rng rng;
    const std::array<kex::proposal, 1> ikes{ike_proposal()};
    exchange::initial_config cfg;
    cfg.ike = ikes;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    auto rsp = std::make_unique<exchange::initial_responder<suite>>(cfg);
    buffer b;
    bool sent = false;
    for (int idle = 0; idle < (sent ? 3 : 15);) {
        auto d = s.recv(1000);
        if (d.empty()) {
            ++idle;
            continue;
        }
        auto h = wire::decode_header(bytes_view{d});
        if (h && h->exchange == wire::exchange_type::ike_auth) {
            std::printf("pqike-peer: FAILED charon went on to IKE_AUTH after a short ct\n");
            return 1;
        }
        if (sent) continue;  // retransmissions of the request: we answered once
        auto o = rsp->on_message(bytes_view{d}, rng, b.out());
        if (!o) return fail("IKE_SA_INIT", o.error());
        auto out = copy(*o);
        if (out.size() != 1 || !resize_ke(out[0], -1))
            return std::printf("pqike-peer: FAILED no KE in our IKE_SA_INIT response\n"), 1;
        std::vector<bytes_view> v{bytes_view{out[0]}};
        if (!s.send(v)) return std::printf("pqike-peer: FAILED send\n"), 1;
        std::printf("pqike-peer: answered IKE_SA_INIT with a ct one octet short (KE payload %u octets)\n",
                    get16(out[0], find_payload(out[0], payload_ke) + 2));
        std::fflush(stdout);
        sent = true;
        idle = 0;
    }
    if (!sent) return std::printf("pqike-peer: FAILED no IKE_SA_INIT request from charon\n"), 1;
    std::printf("pqike-peer: OK (no IKE_AUTH followed)\n");
    return 0;
}

// charon initiates; pqike answers every exchange of the SA's life until both IKE SAs are gone.
int respond(std::uint16_t local, std::uint16_t peer, const std::string& psk, const std::string& id) {
    udp s;
    s.marker = true;
    if (!s.open(local, peer)) return std::printf("pqike-peer: FAILED socket\n"), 1;
    static constexpr std::array<std::byte, 4> loopback{std::byte{127}, std::byte{0}, std::byte{0}, std::byte{1}};
    exchange::datagram_context ctx;
    ctx.local_address = bytes_view{loopback};
    ctx.local_port = local;
    ctx.peer_address = bytes_view{loopback};
    ctx.peer_port = peer;
    adapters::openssl_rng rng;
    kex::proposal esp{wire::protocol_id::esp};
    (void)esp.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)esp.add_esn(wire::esn_id::no);
    const std::array<kex::proposal, 1> ikes{ike_proposal()}, esps{esp};
    exchange::initial_config cfg;
    cfg.ike = ikes;
    cfg.child = esps;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    auto rsp = std::make_unique<exchange::initial_responder<suite>>(cfg);
    buffer b;
    for (int idle = 0; idle < 20 && !rsp->established();) {
        auto d = s.recv(1000);
        if (d.empty()) {
            ++idle;
            continue;
        }
        auto o = rsp->on_message(bytes_view{d}, rng, b.out(), ctx);
        if (!o) {
            std::printf("pqike-peer: dropped a datagram (%s)\n", errc_name(o.error().code));
            continue;
        }
        if (o->is_refusal()) std::printf("pqike-peer: refused: %s\n", errc_name(o->refused.code));
        if (!s.send(o->datagrams)) return std::printf("pqike-peer: FAILED send\n"), 1;
        if (rsp->failed()) return std::printf("pqike-peer: FAILED initial exchanges as responder\n"), 1;
    }
    if (!rsp->established()) return std::printf("pqike-peer: FAILED initial exchanges as responder: timeout\n"), 1;
    std::printf("pqike-peer: responder: IKE SA established with ML-KEM-768 in IKE_SA_INIT (PSK), Child SA %s\n",
                rsp->child().established() ? "established" : "not requested");
    std::fflush(stdout);

    auto& old_sa = rsp->sa();
    const std::array<kex::proposal, 1> rk{ike_proposal()};
    exchange::rekey_config rc;
    rc.proposals = rk;
    std::unique_ptr<exchange::rekey_responder<suite>> rekey;
    bool old_deleted = false, new_deleted = false, rekeyed = false;
    for (int idle = 0; idle < 30 && !(old_deleted && (!rekeyed || new_deleted));) {
        auto d = s.recv(1000);
        if (d.empty()) {
            ++idle;
            continue;
        }
        auto h = wire::decode_header(bytes_view{d});
        if (!h) continue;
        const bool on_new = rekeyed && h->spi_i == rekey->new_ike_sa().spi_i && h->spi_r == rekey->new_ike_sa().spi_r;
        if (h->exchange == wire::exchange_type::create_child_sa && !on_new) {
            if (!rekey) rekey = std::make_unique<exchange::rekey_responder<suite>>(old_sa, rc);
            auto o = rekey->on_message(bytes_view{d}, rng, b.out());
            if (!o) {
                std::printf("pqike-peer: CREATE_CHILD_SA dropped (%s)\n", errc_name(o.error().code));
                continue;
            }
            if (!s.send(o->datagrams)) return std::printf("pqike-peer: FAILED send\n"), 1;
            if (rekey->done() && !rekeyed) {
                if (!rekey->is_ike_rekey() || !rekey->new_ike_sa().established())
                    return std::printf("pqike-peer: FAILED CREATE_CHILD_SA was not an IKE SA rekey\n"), 1;
                rekeyed = true;
                std::printf("pqike-peer: responder: IKE SA rekeyed with ML-KEM-768\n");
                std::fflush(stdout);
            }
            continue;
        }
        if (h->exchange != wire::exchange_type::informational) {
            std::printf("pqike-peer: ignored exchange %u\n", static_cast<unsigned>(h->exchange));
            continue;
        }
        auto& sa = on_new ? rekey->new_ike_sa() : old_sa;
        exchange::informational_responder<suite> info{sa};
        auto got = info.receive(bytes_view{d});
        if (!got || !*got) {
            std::printf("pqike-peer: dropped an INFORMATIONAL datagram\n");
            continue;
        }
        bool ike_deleted = false;
        for (std::size_t i = 0; const auto* p = info.payloads().find(wire::payload_type::del, i); ++i)
            if (auto dv = wire::delete_view::decode(*p); dv && dv->protocol == wire::protocol_id::ike) ike_deleted = true;
        auto o = info.respond({}, rng, b.out());
        if (!o || !s.send(o->datagrams)) return std::printf("pqike-peer: FAILED INFORMATIONAL response\n"), 1;
        if (ike_deleted) {
            (on_new ? new_deleted : old_deleted) = true;
            std::printf("pqike-peer: responder: %s IKE SA deleted by charon\n", on_new ? "new" : "old");
            std::fflush(stdout);
        }
    }
    if (!rekeyed || !old_deleted || !new_deleted)
        return std::printf("pqike-peer: FAILED responder: rekeyed %d, old deleted %d, new deleted %d\n", rekeyed,
                           old_deleted, new_deleted),
               1;
    std::printf("pqike-peer: responder OK\n");
    return 0;
}

// n handshakes in a row, each IKE SA deleted at once; the wall time per handshake.
int bench(std::uint16_t peer, std::uint16_t local, const std::string& psk, const std::string& id,
          const std::string& method, int n) {
    const ke_method ke = method == "x25519" ? ke_method::curve25519 : ke_method::ml_kem_768;
    if (n <= 0 || (method != "x25519" && method != "mlkem768")) return std::printf("pqike-peer: bad bench args\n"), 2;
    udp s;
    if (!s.open(local, peer)) return std::printf("pqike-peer: FAILED socket\n"), 1;
    adapters::openssl_rng rng;
    const std::array<kex::proposal, 1> ike{ike_proposal(ke)};
    exchange::initial_config cfg;
    cfg.ike = ike;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    buffer b;
    const std::array<exchange::payload_item, 1> items{
        exchange::payload_item{wire::payload_type::del, bytes_view{del_ike}}};
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
        auto o = ini->start(rng, b.out());
        if (!o) return fail("IKE_SA_INIT", o.error());
        if (!exchange_loop(s, copy(*o), [&](bytes_view d) { return ini->on_message(d, rng, b.out()); },
                           [&] { return ini->established() || ini->failed(); }, "bench") ||
            !ini->established())
            return std::printf("pqike-peer: FAILED bench handshake %d\n", i), 1;
        auto info = std::make_unique<exchange::informational_initiator<suite>>(ini->sa());
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
                [&] { return done; }, "bench delete"))
            return std::printf("pqike-peer: FAILED bench delete %d\n", i), 1;
    }
    const double us =
        static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    std::printf("pqike-peer: bench %s: %d handshakes in %.0f ms, %.0f us each, %.0f per s\n", method.c_str(), n,
                us / 1000.0, us / n, n * 1e6 / us);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    auto port = [&](int i) { return static_cast<std::uint16_t>(std::atoi(argv[i])); };
    if (mode == "initiate" && argc == 6) return initiate(port(2), port(3), argv[4], argv[5]);
    if (mode == "hostile-ek" && argc == 5) return hostile_ek(port(2), port(3), argv[4]);
    if (mode == "hostile-ct" && argc == 6) return hostile_ct(port(2), port(3), argv[4], argv[5]);
    if (mode == "respond" && argc == 6) return respond(port(2), port(3), argv[4], argv[5]);
    if (mode == "bench" && argc == 8) return bench(port(2), port(3), argv[4], argv[5], argv[6], std::atoi(argv[7]));
    std::fprintf(stderr,
                 "usage: %s initiate <peer-port> <local-port> <psk> <local-id>\n"
                 "       %s hostile-ek <peer-port> <local-port> short|modulus|long\n"
                 "       %s hostile-ct <local-port> <peer-port> <psk> <local-id>\n"
                 "       %s respond <local-port> <peer-port> <psk> <local-id>\n"
                 "       %s bench <peer-port> <local-port> <psk> <local-id> x25519|mlkem768 <n>\n",
                 argv[0], argv[0], argv[0], argv[0], argv[0]);
    return 2;
}
