// SPDX-License-Identifier: MIT
// Live interop with libreswan 5.x (pluto): one program, both roles, built only from the sans-I/O
// exchange helpers (include/pqike/exchange/) over a UDP socket (../strongswan_live/udp.hpp).
// Suite: AES-GCM-16-256, PRF-HMAC-SHA2-384 (libreswan: ike=aes_gcm256-sha2_384-...). Key
// exchanges: X25519 (libreswan's dh31), ECP-256 (dh19), ML-KEM-768/1024 (pqike's own FIPS 203
// code; libreswan 5.4 refuses ML-KEM in esp=, so Child SA ADDKEs are classical).
//
//   lsw_peer init <peer-port> <local-port> <psk> <id> [options]
//     IKE_SA_INIT [+ IKE_INTERMEDIATE] + IKE_AUTH with a Child SA, then per option a Child SA
//     rekey, an IKE SA rekey, and Deletes of the old and the new IKE SA.
//   lsw_peer resp <local-port> <peer-port> <psk> <id> [options]
//     answers the initial exchanges, CREATE_CHILD_SA / IKE_FOLLOWUP_KE (Child SA and IKE SA
//     rekeys) and INFORMATIONAL requests until the peer deletes the IKE SA it holds last.
// options:
//   --ike KES       IKE proposal's key exchanges: "mlkem768", "x25519+mlkem768", ... ('+': ADDKEn;
//                   names x25519, ecp256, mlkem512, mlkem768, mlkem1024)
//   --esp KES       Child SA key exchanges used in CREATE_CHILD_SA (default none: no PFS)
//   --auth-ke MODE  initiator: KE/ADDKE transforms in the IKE_AUTH Child SA proposal
//                   (initial_config::child_ke_in_auth): none (pqike's default), addke (ADDKEs
//                   without KE: what libreswan 5.4 responders require) or all
//   --rekey-child   initiator: rekey the Child SA (N(REKEY_SA)) with --esp
//   --rekey-ike KES initiator: rekey the IKE SA with these key exchanges
//   --frag N        IKE fragment size (RFC 7383), default 1280 counting IP+UDP
//   --marker        non-ESP marker both ways (libreswan's rightikeport= implies it)
//   --self-rekey    responder: start an IKE SA rekey (--rekey-ike, else --ike) once established
//   --show-keygen-seeds   print each ML-KEM KeyGen seed (see tap_rng; a secret, diagnosis only)
//   --local-ip A --peer-ip B   addresses (default 192.0.2.2 and pluto's 192.0.2.1)
//   --ppk-id ID --ppk HEX [--ppk-required]   RFC 8784 (../strongswan_live/ppk_args.hpp)
// Every key stage is printed ("pqike: keys ...") so it can be compared with pluto's log.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>
#include <algorithm>

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>
#include <pqike/wire/delete.hpp>

#include "../strongswan_live/ppk_args.hpp"
#include "../strongswan_live/udp.hpp"

using namespace pqike;
using namespace live;
using wire::ke_method;

namespace {

using methods = kex::ke_registry<adapters::openssl_x25519, adapters::openssl_ecp256, crypto::mlkem768, crypto::mlkem1024>;
using suite = exchange::suite<methods, adapters::openssl_prf_hmac_sha2_384, adapters::openssl_aes256_gcm16>;

std::vector<ke_method> parse_kes(const std::string& s) {
    std::vector<ke_method> v;
    std::size_t at = 0;
    while (at <= s.size() && !s.empty()) {
        const auto end = s.find('+', at);
        const std::string n = s.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (n == "x25519") v.push_back(ke_method::curve25519);
        else if (n == "ecp256") v.push_back(ke_method::ecp_256);
        else if (n == "mlkem768") v.push_back(ke_method::ml_kem_768);
        else if (n == "mlkem1024") v.push_back(ke_method::ml_kem_1024);
        else if (n == "mlkem512") v.push_back(ke_method::ml_kem_512);
        else std::fprintf(stderr, "unknown key exchange %s\n", n.c_str()), std::exit(2);
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return v;
}

void add_kes(kex::proposal& p, const std::vector<ke_method>& kes) {
    for (std::size_t i = 0; i < kes.size(); ++i)
        if (i == 0) (void)p.add_ke(kes[i]);
        else (void)p.add_addke(static_cast<unsigned>(i), kes[i]);
}

kex::proposal ike_proposal(const std::vector<ke_method>& kes) {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_384);
    add_kes(p, kes);
    return p;
}

kex::proposal esp_proposal(const std::vector<ke_method>& kes, std::uint8_t spi_last) {
    kex::proposal p{wire::protocol_id::esp};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_esn(wire::esn_id::no);
    add_kes(p, kes);
    const std::array<std::byte, 4> spi{std::byte{0xc0}, std::byte{0xde}, std::byte{0x00}, std::byte{spi_last}};
    (void)p.set_spi(spi);
    return p;
}

// TS payload body: one TS_IPV4_ADDR_RANGE, all protocols and ports, one address.
std::array<std::byte, 20> ts_body(std::uint8_t third) {
    std::array<std::byte, 20> b{};
    const std::uint8_t v[20] = {1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 0xff, 0xff, 10, 123, third, 1, 10, 123, third, 1};
    for (std::size_t i = 0; i < 20; ++i) b[i] = std::byte{v[i]};
    return b;
}

std::string hex(bytes_view v) {
    std::string s;
    char t[3];
    for (auto c : v) std::snprintf(t, sizeof t, "%02x", static_cast<unsigned>(c)), s += t;
    return s;
}

void print_keys(const char* what, const exchange::ike_sa<suite>& sa) {
    if (!sa.keys) return;
    const auto& k = *sa.keys;
    std::printf("pqike: keys %s SPIi %016llx SPIr %016llx\n  Ni %s\n  Nr %s\n  SK_d %s\n  SK_ei %s\n  SK_er %s\n", what,
                static_cast<unsigned long long>(sa.spi_i), static_cast<unsigned long long>(sa.spi_r),
                hex(k.nonce_i()).c_str(), hex(k.nonce_r()).c_str(), hex(k.sk_d()).c_str(), hex(k.sk_ei()).c_str(),
                hex(k.sk_er()).c_str());
}

void print_child(const char* what, const exchange::child_sa& c) {
    if (!c.established()) return std::printf("pqike: child %s: none\n", what), void();
    std::printf("pqike: child %s SPIi %s SPIr %s plan %zu KE\n  encr_i %s\n  encr_r %s\n", what, hex(c.spi_i).c_str(),
                hex(c.spi_r).c_str(), c.negotiated.plan().size(), hex(c.keys->encr_i()).c_str(),
                hex(c.keys->encr_r()).c_str());
}

// The RNG, optionally printing every 64-octet draw: pqike's ML-KEM KeyGen takes exactly d | z
// (FIPS 203 Alg. 19) from it, nothing else draws 64 octets. With the seed, mlkem_check.cpp
// rebuilds the decapsulation key offline to tell which ek a peer's ciphertext was made for.
// A secret: only for this interop diagnosis (--show-keygen-seeds).
struct tap_rng {
    adapters::openssl_rng r;
    bool show = false;
    status fill(mut_bytes out) noexcept {
        status s = r.fill(out);
        if (s && show && out.size() == 64) std::printf("pqike: ML-KEM keygen seed d|z %s\n", hex(bytes_view{out}).c_str());
        return s;
    }
};

struct options {
    std::vector<ke_method> ike{ke_method::curve25519};
    std::vector<ke_method> esp{};
    std::vector<ke_method> rekey_ike{};
    bool rekey_child = false;
    kex::ke_transforms auth_ke = kex::ke_transforms::none;
    std::size_t frag = 1280;
    bool marker = false;
    bool show_seeds = false;
    bool self_rekey = false;
    std::string local_ip = "192.0.2.2";
    std::string peer_ip = "192.0.2.1";
};

bool parse_options(int argc, char** argv, int from, options& o) {
    for (int i = from; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string{}; };
        if (a == "--ike") o.ike = parse_kes(next());
        else if (a == "--esp") o.esp = parse_kes(next());
        else if (a == "--rekey-ike") o.rekey_ike = parse_kes(next());
        else if (a == "--rekey-child") o.rekey_child = true;
        else if (a == "--auth-ke") {
            const std::string m = next();
            o.auth_ke = m == "addke" ? kex::ke_transforms::addke_only : m == "all" ? kex::ke_transforms::all : kex::ke_transforms::none;
        }
        else if (a == "--frag") o.frag = static_cast<std::size_t>(std::atoi(next().c_str()));
        else if (a == "--marker") o.marker = true;
        else if (a == "--show-keygen-seeds") o.show_seeds = true;
        else if (a == "--self-rekey") o.self_rekey = true;
        else if (a == "--local-ip") o.local_ip = next();
        else if (a == "--peer-ip") o.peer_ip = next();
        else return std::fprintf(stderr, "unknown option %s\n", a.c_str()), false;
    }
    return true;
}

// Bound to local_ip:local, sending to peer_ip:peer. pluto ignores loopback addresses, so the
// run uses two TEST-NET-1 addresses on lo in a network namespace (README.md).
bool open_socket(udp& s, const options& o, std::uint16_t local, std::uint16_t peer) {
    s.fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (s.fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (::inet_pton(AF_INET, o.local_ip.c_str(), &a.sin_addr) != 1) return false;
    a.sin_port = htons(local);
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
    if (::inet_pton(AF_INET, o.peer_ip.c_str(), &a.sin_addr) != 1) return false;
    a.sin_port = htons(peer);
    s.peer_ = a;
    return true;
}

int fail(const char* step, const error& e) {
    std::printf("pqike: FAILED %s: %s %s @%zu\n", step, errc_name(e.code), e.field ? e.field : "", e.offset);
    return 1;
}

// Sends `req`, then feeds every received datagram to `on` until `done()`; retransmits after a
// second of silence (RFC 7296 §2.1).
template <class On, class Done>
bool exchange_loop(udp& s, std::vector<std::vector<std::byte>> req, On&& on, Done&& done, const char* step) {
    for (int tries = 0; tries < 6 && !done(); ++tries) {
        std::vector<bytes_view> v(req.begin(), req.end());
        if (!s.send(v)) return std::printf("pqike: FAILED %s: send\n", step), false;
        for (;;) {
            auto d = s.recv(1500);
            if (d.empty()) break;
            auto r = on(bytes_view{d});
            if (!r) {
                std::printf("pqike: %s: datagram not taken (%s %s)\n", step, errc_name(r.error().code),
                            r.error().field ? r.error().field : "");
                if (done()) return true;
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

template <class Helper>
bool run_rekey(udp& s, Helper& rk, buffer& b, tap_rng& rng, const char* step, error& why) {
    auto o = rk.start(rng, b.out());
    if (!o) return why = o.error(), false;
    exchange_loop(
        s, copy(*o),
        [&](bytes_view d) {
            auto r = rk.on_message(d, rng, b.out());
            if (!r) why = r.error();
            return r;
        },
        [&] { return rk.done() || rk.failed(); }, step);
    return rk.done();
}

bool delete_ike(udp& s, exchange::ike_sa<suite>& sa, buffer& b, tap_rng& rng) {
    const std::array<std::byte, 4> del_ike{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}};
    const std::array<exchange::payload_item, 1> items{exchange::payload_item{wire::payload_type::del, bytes_view{del_ike}}};
    exchange::informational_initiator<suite> info{sa};
    auto io = info.start(items, rng, b.out());
    if (!io) return false;
    bool done = false;
    return exchange_loop(
        s, copy(*io),
        [&](bytes_view d) -> result<exchange::outgoing> {
            auto r = info.on_message(d);
            if (!r) return r.error();
            done = *r;
            return exchange::outgoing{};
        },
        [&] { return done; }, "delete");
}

int initiator(udp& s, const options& opt, exchange::initial_config& cfg) {
    tap_rng rng;
    rng.show = opt.show_seeds;
    buffer b;
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
    auto o = ini->start(rng, b.out());
    if (!o) return fail("IKE_SA_INIT", o.error());
    error why{};
    exchange_loop(
        s, copy(*o),
        [&](bytes_view d) {
            auto r = ini->on_message(d, rng, b.out());
            if (!r) why = r.error();
            return r;
        },
        [&] { return ini->established() || ini->failed(); }, "initial");
    if (!ini->established()) return fail("initial exchanges", why);
    std::printf("pqike: IKE SA established (PSK), %zu IKE_INTERMEDIATE, Child SA %s\n", ini->plan().additional(),
                ini->child().established() ? "established" : "not created");
    print_keys("IKE SA", ini->sa());
    print_child("IKE_AUTH", ini->child());
    if (!cfg.ppk.keys.empty()) print_ppk("pqike", *ini);
    std::fflush(stdout);
    auto& sa = ini->sa();
    int rc = ini->child().established() ? 0 : 3;

    if (opt.rekey_child && ini->child().established()) {
        const std::array<kex::proposal, 1> ps{esp_proposal(opt.esp, 2)};
        const auto tsi = ts_body(1), tsr = ts_body(2);
        exchange::rekey_config rc2;
        rc2.proposals = ps;
        rc2.ts_i = tsi;
        rc2.ts_r = tsr;
        rc2.rekeyed_spi = bytes_view{ini->child().spi_i};  // our inbound SPI (RFC 7296 §1.3.3)
        exchange::rekey_initiator<suite> rk{sa, rc2};
        error w{};
        if (run_rekey(s, rk, b, rng, "child rekey", w)) {
            std::printf("pqike: Child SA rekeyed, %zu IKE_FOLLOWUP_KE\n", rk.followups_done());
            print_child("rekeyed", rk.child());
        } else {
            std::printf("pqike: FAILED Child SA rekey: %s %s\n", errc_name(w.code), w.field ? w.field : "");
            rc = 4;
        }
        std::fflush(stdout);
    }
    if (!opt.rekey_ike.empty()) {
        const std::array<kex::proposal, 1> ps{ike_proposal(opt.rekey_ike)};
        exchange::rekey_config rc2;
        rc2.proposals = ps;
        auto rk = std::make_unique<exchange::rekey_initiator<suite>>(sa, rc2);
        error w{};
        if (!run_rekey(s, *rk, b, rng, "IKE rekey", w)) return fail("IKE SA rekey", w);
        std::printf("pqike: IKE SA rekeyed, %zu IKE_FOLLOWUP_KE\n", rk->followups_done());
        print_keys("rekeyed IKE SA", rk->new_ike_sa());
        std::fflush(stdout);
        if (!delete_ike(s, sa, b, rng)) return std::printf("pqike: FAILED Delete of the old IKE SA\n"), 1;
        std::printf("pqike: old IKE SA deleted\n");
        auto& nsa = const_cast<exchange::ike_sa<suite>&>(rk->new_ike_sa());
        if (!delete_ike(s, nsa, b, rng)) return std::printf("pqike: FAILED Delete on the new IKE SA\n"), 1;
        std::printf("pqike: new IKE SA deleted (the peer decrypted it)\n");
    } else {
        if (!delete_ike(s, sa, b, rng)) return std::printf("pqike: FAILED Delete of the IKE SA\n"), 1;
        std::printf("pqike: IKE SA deleted\n");
    }
    std::printf(rc == 0 ? "pqike: OK\n" : "pqike: DONE with failures (%d)\n", rc);
    return rc;
}

int responder(udp& s, const options& opt, exchange::initial_config& cfg) {
    tap_rng rng;
    rng.show = opt.show_seeds;
    buffer b;
    auto rsp = std::make_unique<exchange::initial_responder<suite>>(cfg);
    for (int idle = 0; idle < 40 && !rsp->established();) {
        auto d = s.recv(1000);
        if (d.empty()) {
            ++idle;
            continue;
        }
        auto o = rsp->on_message(bytes_view{d}, rng, b.out());
        if (!o) {
            std::printf("pqike: dropped a datagram (%s)\n", errc_name(o.error().code));
            continue;
        }
        if (o->is_refusal()) std::printf("pqike: refused: %s\n", errc_name(o->refused.code));
        if (!s.send(o->datagrams)) return std::printf("pqike: FAILED send\n"), 1;
        if (rsp->failed()) return std::printf("pqike: FAILED initial exchanges: refused %s\n", errc_name(o->refused.code)), 1;
    }
    if (!rsp->established()) return std::printf("pqike: FAILED initial exchanges\n"), 1;
    std::printf("pqike: IKE SA established (PSK), Child SA %s\n", rsp->child().established() ? "established" : "not created");
    print_keys("IKE SA", rsp->sa());
    print_child("IKE_AUTH", rsp->child());
    if (!cfg.ppk.keys.empty()) print_ppk("pqike", *rsp);
    std::fflush(stdout);

    // --self-rekey: the original responder starts the IKE SA rekey (RFC 7296 §2.18 allows either).
    if (opt.self_rekey) {
        const std::array<kex::proposal, 1> ps{ike_proposal(opt.rekey_ike.empty() ? opt.ike : opt.rekey_ike)};
        exchange::rekey_config rc2;
        rc2.proposals = ps;
        exchange::rekey_initiator<suite> rk0{rsp->sa(), rc2};
        error w{};
        if (run_rekey(s, rk0, b, rng, "IKE rekey", w)) {
            std::printf("pqike: IKE SA rekeyed by pqike (original responder), %zu IKE_FOLLOWUP_KE\n", rk0.followups_done());
            print_keys("rekeyed IKE SA", rk0.new_ike_sa());
        } else {
            std::printf("pqike: FAILED IKE SA rekey started by pqike: %s %s\n", errc_name(w.code), w.field ? w.field : "");
            return 5;
        }
    }

    // Acceptable in CREATE_CHILD_SA: the IKE proposal (for IKE SA rekeys) and the ESP one.
    const std::array<kex::proposal, 2> acc{ike_proposal(opt.rekey_ike.empty() ? opt.ike : opt.rekey_ike),
                                          esp_proposal(opt.esp, 3)};
    exchange::rekey_config rcfg;
    rcfg.proposals = acc;
    const auto tsi = ts_body(2), tsr = ts_body(1);
    rcfg.ts_i = tsi;
    rcfg.ts_r = tsr;
    // The SAs alive: the current IKE SA (the helper's or a rekeyed copy).
    std::optional<exchange::ike_sa<suite>> rekeyed;
    exchange::ike_sa<suite>* sa = &rsp->sa();
    std::unique_ptr<exchange::rekey_responder<suite>> rk;
    int rc = 0;
    // Child SAs by the peer's inbound SPI -> ours, to answer a Child SA Delete with the paired
    // Delete (RFC 7296 §1.4.1; libreswan treats a response without it as a fatal error).
    std::vector<std::pair<std::array<std::byte, 4>, std::array<std::byte, 4>>> children;
    if (rsp->child().established()) children.emplace_back(rsp->child().spi_i, rsp->child().spi_r);
    for (int idle = 0; idle < 60;) {
        auto d = s.recv(1000);
        if (d.empty()) {
            ++idle;
            continue;
        }
        auto h = wire::decode_header(bytes_view{d});
        if (!h) continue;
        // The SA this message belongs to (after an IKE SA rekey the old one gets its Delete).
        exchange::ike_sa<suite>* on = sa;
        if (rekeyed && h->spi_i == rsp->sa().spi_i && h->spi_r == rsp->sa().spi_r) on = &rsp->sa();
        // While our IKE_FOLLOWUP_KE is due, the rekey helper sees every request first: an authentic
        // other one fails it with additional_key_exchange_skipped (libreswan 5.4 Child SA rekeys).
        if (rk && rk->state() == exchange::rekey_state::followup && h->exchange != wire::exchange_type::ike_followup_ke) {
            auto o = rk->on_message(bytes_view{d}, rng, b.out());
            if (!o && o.error().code == errc::additional_key_exchange_skipped) {
                std::printf("pqike: FAILED the peer skipped IKE_FOLLOWUP_KE: %s\n", errc_name(o.error().code));
                rc = 4;
            }
        }
        if (h->exchange == wire::exchange_type::create_child_sa || h->exchange == wire::exchange_type::ike_followup_ke) {
            if (!rk || rk->done() || rk->failed()) rk = std::make_unique<exchange::rekey_responder<suite>>(*on, rcfg);
            auto o = rk->on_message(bytes_view{d}, rng, b.out());
            if (!o) {
                std::printf("pqike: CREATE_CHILD_SA/FOLLOWUP not taken: %s %s\n", errc_name(o.error().code),
                            o.error().field ? o.error().field : "");
                if (o.error().code == errc::additional_key_exchange_skipped) rc = 4;
                continue;
            }
            if (o->is_refusal()) std::printf("pqike: refused: %s\n", errc_name(o->refused.code));
            if (!s.send(o->datagrams)) return 1;
            if (rk->done()) {
                if (rk->is_ike_rekey()) {
                    rekeyed.emplace(rk->new_ike_sa());
                    std::printf("pqike: IKE SA rekeyed by the peer, %zu IKE_FOLLOWUP_KE\n", rk->followups_done());
                    print_keys("rekeyed IKE SA", *rekeyed);
                    sa = &*rekeyed;
                } else {
                    children.emplace_back(rk->child().spi_i, rk->child().spi_r);
                    std::printf("pqike: Child SA %s by the peer, %zu IKE_FOLLOWUP_KE\n", "rekeyed", rk->followups_done());
                    print_child("rekeyed", rk->child());
                }
            } else if (rk->state() == exchange::rekey_state::followup && !o->empty()) {
                std::printf("pqike: answered CREATE_CHILD_SA, waiting for %zu IKE_FOLLOWUP_KE\n", rk->plan().additional());
            }
            std::fflush(stdout);
            continue;
        }
        if (h->exchange != wire::exchange_type::informational) continue;
        exchange::informational_responder<suite> info{*on};
        auto got = info.receive(bytes_view{d});
        if (!got || !*got) {
            std::printf("pqike: dropped an INFORMATIONAL datagram\n");
            continue;
        }
        bool ike_deleted = false;
        std::vector<std::byte> paired{std::byte{3}, std::byte{4}, std::byte{0}, std::byte{0}};  // ESP, SPI size 4
        for (std::size_t i = 0; const auto* p = info.payloads().find(wire::payload_type::del, i); ++i) {
            if (p->body.size() >= 4 && p->body[0] == std::byte{1}) ike_deleted = true;
            if (p->body.size() < 4 || p->body[0] != std::byte{3} || p->body[1] != std::byte{4}) continue;
            for (std::size_t at = 4; at + 4 <= p->body.size(); at += 4)
                for (const auto& [theirs, ours] : children)
                    if (std::equal(theirs.begin(), theirs.end(), p->body.begin() + static_cast<std::ptrdiff_t>(at))) {
                        paired.insert(paired.end(), ours.begin(), ours.end());
                        paired[3] = std::byte{static_cast<unsigned char>(std::to_integer<unsigned>(paired[3]) + 1u)};
                    }
        }
        const std::array<exchange::payload_item, 1> del{exchange::payload_item{wire::payload_type::del, bytes_view{paired}}};
        auto o = info.respond(paired.size() > 4 ? std::span<const exchange::payload_item>{del}
                                                : std::span<const exchange::payload_item>{},
                              rng, b.out());
        if (!o || !s.send(o->datagrams)) return std::printf("pqike: FAILED INFORMATIONAL response\n"), 1;
        std::printf("pqike: answered INFORMATIONAL (%s) on the %s IKE SA\n",
                    ike_deleted ? "Delete IKE SA" : paired.size() > 4 ? "Delete Child SA, paired Delete sent" : "other",
                    on == sa ? "current" : "old");
        std::fflush(stdout);
        if (ike_deleted && on == sa) {
            std::printf(rc == 0 ? "pqike: OK\n" : "pqike: DONE with failures (%d)\n", rc);
            return rc;
        }
    }
    return std::printf("pqike: FAILED no Delete of the IKE SA\n"), 1;
}

}  // namespace

int main(int argc, char** argv) {
    ppk_args ppk;
    if (!ppk.parse(argc, argv) || argc < 6) {
        std::fprintf(stderr, "usage: %s init|resp <port> <port> <psk> <id> [options]\n", argv[0]);
        return 2;
    }
    const bool init = std::string(argv[1]) == "init";
    const auto a = static_cast<std::uint16_t>(std::atoi(argv[2]));
    const auto c = static_cast<std::uint16_t>(std::atoi(argv[3]));
    const std::string psk = argv[4], id = argv[5];
    options opt;
    if (!parse_options(argc, argv, 6, opt)) return 2;
    udp s;
    s.marker = opt.marker;
    if (!open_socket(s, opt, init ? c : a, init ? a : c)) return std::printf("pqike: FAILED socket\n"), 1;

    const std::array<kex::proposal, 1> ike{ike_proposal(opt.ike)};
    const std::array<kex::proposal, 1> esp{esp_proposal(opt.esp, 1)};
    const auto tsi = ts_body(1), tsr = ts_body(2);
    exchange::initial_config cfg;
    cfg.ike = ike;
    cfg.child = esp;
    cfg.ts_i = tsi;
    cfg.ts_r = tsr;
    cfg.child_ke_in_auth = opt.auth_ke;
    cfg.fragments.max_size = opt.frag;
    cfg.id = exchange::identity{wire::id_type::fqdn, as_bytes_view(id.data(), id.size())};
    cfg.psk = as_bytes_view(psk.data(), psk.size());
    cfg.ppk = ppk.config();
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    return init ? initiator(s, opt, cfg) : responder(s, opt, cfg);
}
