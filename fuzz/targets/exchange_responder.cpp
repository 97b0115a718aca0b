// SPDX-License-Identifier: MIT
// Fuzz the initial-exchange responder (exchange/initial.hpp): fed any datagram it never crashes,
// and a message it rejects (an error value, no response) leaves its state exactly as it was
// (compared through snapshot()).
//   byte 0 (mod 3): how far a genuine initiator has driven the responder first
//                   0 = fresh (the input is taken as IKE_SA_INIT)
//                   1 = after IKE_SA_INIT (input: IKE_INTERMEDIATE / IKE_AUTH / anything)
//                   2 = after the IKE_INTERMEDIATE exchange
//   rest:           the datagram
// Crypto: ML-KEM-768 as the KE method (no OpenSSL needed), ML-KEM-768 as ADDKE1, HMAC-SHA-256,
// and a stand-in SK cipher built from HMAC (keystream + 16-octet ICV): it exercises the
// encrypt-then-MAC framing path and makes genuine messages from the seed corpus authenticate.
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/initial.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

using namespace pqike;

namespace {

// Stand-in for ENCR_AES_CBC-256 + AUTH_HMAC_SHA2_256_128 (same IDs and sizes): keystream
// block i = HMAC(SK_e, IV | i), ICV = HMAC(SK_a, aad | IV | ciphertext)[0..16).
struct hmac_stream_cipher {
    static constexpr std::uint16_t encr_id = static_cast<std::uint16_t>(wire::encr_id::aes_cbc);
    static constexpr std::uint16_t integ_id = static_cast<std::uint16_t>(wire::integ_id::hmac_sha2_256_128);
    static constexpr std::uint16_t key_bits = 256;
    static constexpr bool is_aead = false;
    static constexpr std::size_t encr_key_size = 32;
    static constexpr std::size_t integ_key_size = 32;
    static constexpr std::size_t iv_size = 16;
    static constexpr std::size_t icv_size = 16;
    static constexpr std::size_t block_size = 16;

    static void xor_stream(bytes_view sk_e, bytes_view iv, mut_bytes data) noexcept {
        const crypto::hmac_sha256 prf{sk_e};
        std::array<std::byte, 32> ks{};
        std::array<std::byte, 4> ctr{};
        for (std::size_t at = 0, i = 0; at < data.size(); at += 32, ++i) {
            store_be32(ctr.data(), static_cast<std::uint32_t>(i));
            policy::prf_compute(prf, {iv, bytes_view{ctr}}, std::span<std::byte, 32>{ks});
            for (std::size_t j = 0; j < 32 && at + j < data.size(); ++j) data[at + j] ^= ks[j];
        }
    }
    static void mac(bytes_view sk_a, bytes_view aad, bytes_view iv, bytes_view ct, std::span<std::byte, 32> out) noexcept {
        const crypto::hmac_sha256 prf{sk_a};
        policy::prf_compute(prf, {aad, iv, ct}, out);
    }
    static status seal(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv, mut_bytes data,
                       mut_bytes icv) noexcept {
        if (sk_e.size() != encr_key_size || sk_a.size() != integ_key_size || icv.size() != icv_size)
            return {errc::invalid_length, "key", 0};
        xor_stream(sk_e, iv, data);
        std::array<std::byte, 32> t{};
        mac(sk_a, aad, iv, data, t);
        std::memcpy(icv.data(), t.data(), icv_size);
        return {};
    }
    static status open(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv, mut_bytes data,
                       bytes_view icv) noexcept {
        if (sk_e.size() != encr_key_size || sk_a.size() != integ_key_size || icv.size() != icv_size)
            return {errc::invalid_length, "key", 0};
        std::array<std::byte, 32> t{};
        mac(sk_a, aad, iv, data, t);
        if (!ct_equal(bytes_view{t.data(), icv_size}, icv)) return {errc::integrity_check_failed, "icv", 0};
        xor_stream(sk_e, iv, data);
        return {};
    }
};
static_assert(policy::SkCipher<hmac_stream_cipher>);

using methods = kex::ke_registry<crypto::mlkem768>;
using suite = exchange::suite<methods, crypto::hmac_sha256, hmac_stream_cipher>;

struct fixed_rng {
    std::uint64_t s;
    status fill(mut_bytes out) noexcept {
        for (auto& b : out) {
            s += 0x9e3779b97f4a7c15ull;
            std::uint64_t z = s;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            b = static_cast<std::byte>((z ^ (z >> 31)) & 0xff);
        }
        return {};
    }
};

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

    world() {
        static const char psk[] = "fuzz psk";
        static const char id[] = "fuzz.example";
        cfg.ike = ike;
        cfg.psk = as_bytes_view(psk, sizeof psk - 1);
        cfg.id = {wire::id_type::fqdn, as_bytes_view(id, sizeof id - 1)};
        ini = std::make_unique<exchange::initial_initiator<suite>>(cfg);
        rsp = std::make_unique<exchange::initial_responder<suite>>(cfg);
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
    world w;
    const unsigned phase = data[0] % 3u;
    for (unsigned i = 0; i < phase; ++i) w.advance();
    const bytes_view msg = as_bytes_view(data + 1, size - 1);
    const auto before = w.rsp->snapshot();
    auto r = w.rsp->on_message(msg, w.rr, {w.br, w.sr});
    if (!r) {
        if (!(w.rsp->snapshot() == before)) std::abort();  // a rejection changed the state
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
    world w;
    for (unsigned phase = 0; phase < 3; ++phase) {
        for (std::size_t i = 0; i < w.next.size(); ++i) {
            std::ofstream f(std::string(argv[1]) + "/genuine_phase" + std::to_string(phase) + "_" + std::to_string(i),
                            std::ios::binary);
            const char p = static_cast<char>(phase);
            f.write(&p, 1);
            f.write(reinterpret_cast<const char*>(w.next[i].data()), static_cast<std::streamsize>(w.next[i].size()));
        }
        w.advance();
    }
    return 0;
}
#endif
