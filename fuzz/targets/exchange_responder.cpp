// SPDX-License-Identifier: MIT
// Fuzz the initial-exchange responder (exchange/initial.hpp): fed any datagram it never crashes,
// and a message it rejects (an error value, no response) leaves its state exactly as it was
// (compared through snapshot()), and so does one it takes for a retransmission of the request
// it answered last.
//   byte 0 (mod 3): how far a genuine initiator has driven the responder first
//                   0 = fresh (the input is taken as IKE_SA_INIT)
//                   1 = after IKE_SA_INIT (input: IKE_INTERMEDIATE / IKE_AUTH / anything)
//                   2 = after the IKE_INTERMEDIATE exchange
//   byte 0 / 3 (mod 4): PPKs on both sides (exchange/ppk.hpp): none, RFC 8784, RFC 9867 (its
//                   notifies ride in the IKE_INTERMEDIATE), both announced; the responder holds
//                   two PPKs and requires one in modes 1-3
//   rest:           the datagram
// Crypto: ML-KEM-768 as the KE method (no OpenSSL needed), ML-KEM-768 as ADDKE1, HMAC-SHA-256,
// and a stand-in SK cipher built from HMAC (keystream + 16-octet ICV): it exercises the
// encrypt-then-MAC framing path and makes genuine messages from the seed corpus authenticate.
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/initial.hpp>

#include "support/rng.hpp"
#include "support/sk_test_cipher.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

using namespace pqike;

namespace {

using methods = kex::ke_registry<crypto::mlkem768>;
using suite = exchange::suite<methods, crypto::hmac_sha256, test::hmac_stream_cipher>;

using fixed_rng = test::seeded_rng;

kex::proposal ike_proposal() {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_cbc, 256);
    (void)p.add_integ(wire::integ_id::hmac_sha2_256_128);
    (void)p.add_prf(wire::prf_id::hmac_sha2_256);
    (void)p.add_ke(wire::ke_method::ml_kem_768);
    (void)p.add_addke(1, wire::ke_method::ml_kem_768);
    return p;
}

struct world {
    std::array<kex::proposal, 1> ike{ike_proposal()};
    exchange::initial_config cfg{};
    std::unique_ptr<exchange::initial_initiator<suite>> ini;
    std::unique_ptr<exchange::initial_responder<suite>> rsp;
    std::vector<std::byte> bi = std::vector<std::byte>(16384), br = std::vector<std::byte>(16384);
    std::array<bytes_view, 32> si{}, sr{};
    fixed_rng ri{1}, rr{2};
    std::vector<std::vector<std::byte>> next;  // the initiator's pending request datagrams

    std::array<exchange::ppk_entry, 2> ppks{};
    exchange::initial_config rcfg{};

    explicit world(unsigned ppk_mode) {
        static const char psk[] = "fuzz psk";
        static const char id[] = "fuzz.example";
        static const char ppk1[] = "fuzz post-quantum preshared key one";
        static const char ppk2[] = "fuzz post-quantum preshared key two";
        static const char ppk_id1[] = "ppk-1";
        static const char ppk_id2[] = "ppk-2";
        ppks[0] = {{2, as_bytes_view(ppk_id1, 5)}, as_bytes_view(ppk1, sizeof ppk1 - 1)};
        ppks[1] = {{2, as_bytes_view(ppk_id2, 5)}, as_bytes_view(ppk2, sizeof ppk2 - 1)};
        cfg.ike = ike;
        cfg.psk = as_bytes_view(psk, sizeof psk - 1);
        cfg.id = {wire::id_type::fqdn, as_bytes_view(id, sizeof id - 1)};
        rcfg = cfg;
        if (ppk_mode != 0) {
            cfg.ppk.keys = std::span<const exchange::ppk_entry>(ppks.data() + 1, 1);
            cfg.ppk.rfc8784 = ppk_mode != 2;
            cfg.ppk.rfc9867 = ppk_mode != 1;
            rcfg.ppk = cfg.ppk;
            rcfg.ppk.keys = ppks;
            rcfg.ppk.required = true;
        }
        ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
        rsp = std::make_unique<exchange::initial_responder<suite>>(rcfg);
        auto o = ini->start(ri, {bi, si});
        if (!o) std::abort();
        keep(*o);
    }
    void keep(const exchange::outgoing& o) {
        next.clear();
        for (auto d : o.datagrams) next.emplace_back(d.begin(), d.end());
    }
    // One genuine round trip.
    void advance() {
        std::vector<std::vector<std::byte>> resp;
        for (auto& d : next) {
            auto r = rsp->on_message(bytes_view{d}, rr, {br, sr});
            if (!r || r->is_refusal()) std::abort();
            for (auto v : r->datagrams) resp.emplace_back(v.begin(), v.end());
        }
        for (auto& d : resp) {
            auto r = ini->on_message(bytes_view{d}, ri, {bi, si});
            if (!r) std::abort();
            keep(*r);
        }
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    world w{(data[0] / 3u) % 4u};
    const unsigned phase = data[0] % 3u;
    for (unsigned i = 0; i < phase; ++i) w.advance();
    const bytes_view msg = as_bytes_view(data + 1, size - 1);
    const auto before = w.rsp->snapshot();
    auto r = w.rsp->on_message(msg, w.rr, {w.br, w.sr});
    if (!r) {
        if (!(w.rsp->snapshot() == before)) std::abort();  // a rejection changed the state
    } else if (r->retransmit) {
        // A repeat of the request answered last: nothing built, nothing changed (RFC 7296 §2.1).
        if (!r->datagrams.empty() || !(w.rsp->snapshot() == before)) std::abort();
    } else {
        for (auto d : r->datagrams)
            if (d.size() < wire::ike_header_size) std::abort();
    }
    return 0;
}

#if defined(EXCHANGE_FUZZ_SEEDGEN)
// Writes genuine messages of each phase as seeds: c++ -DEXCHANGE_FUZZ_SEEDGEN ... && ./a.out DIR
#include <fstream>
#include <string>
int main(int argc, char** argv) {
    if (argc < 2) return 1;
    for (unsigned mode = 0; mode < 4; ++mode) {
        world w{mode};
        for (unsigned phase = 0; phase < 3; ++phase) {
            for (std::size_t i = 0; i < w.next.size(); ++i) {
                const std::string tag = mode == 0 ? "" : "_ppk" + std::to_string(mode);
                std::ofstream f(std::string(argv[1]) + "/genuine" + tag + "_phase" + std::to_string(phase) + "_" +
                                    std::to_string(i),
                                std::ios::binary);
                const char p = static_cast<char>(phase + 3 * mode);
                f.write(&p, 1);
                f.write(reinterpret_cast<const char*>(w.next[i].data()), static_cast<std::streamsize>(w.next[i].size()));
            }
            w.advance();
        }
    }
    return 0;
}
#endif
