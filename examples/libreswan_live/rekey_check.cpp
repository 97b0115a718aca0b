// SPDX-License-Identifier: MIT
// Offline check for the ML-KEM-only IKE SA rekey with libreswan (README.md): derives the new IKE
// SA's keys with pqike's key schedule from the old SK_d, the rekey's nonces and SPIs and a
// candidate shared secret (RFC 7296 §2.18: SKEYSEED = prf(SK_d(old), g^ir | Ni | Nr), then
// prf+(SKEYSEED, Ni | Nr | SPIi | SPIr); suite AES-GCM-16-256 + PRF-HMAC-SHA2-384), prints the
// new SK_d, and tries to open a message the responder sent on the new SA with the SK_er made
// from it. Which candidate opens it tells which shared secret the responder used.
//   rekey_check <SK_d old> <Ni> <Nr> <SPIi> <SPIr> <message> <g^ir> [<g^ir> ...]   (all hex)
#include <cstdio>
#include <string>
#include <vector>

#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/keys/prf_plus.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/wire/sk.hpp>

using namespace pqike;
using prf = crypto::hmac_sha384;

namespace {

bool unhex(const char* h, std::vector<std::byte>& out) {
    const std::string s = h;
    if (s.size() % 2 != 0) return false;
    out.clear();
    for (std::size_t i = 0; i < s.size(); i += 2) {
        unsigned v = 0;
        if (std::sscanf(s.c_str() + i, "%2x", &v) != 1) return false;
        out.push_back(std::byte{static_cast<unsigned char>(v)});
    }
    return true;
}

std::string hex(bytes_view v) {
    std::string s;
    char t[3];
    for (auto c : v) std::snprintf(t, sizeof t, "%02x", static_cast<unsigned>(c)), s += t;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 8) return std::fprintf(stderr, "usage: %s SK_d Ni Nr SPIi SPIr message g^ir...\n", argv[0]), 2;
    std::vector<std::byte> sk_d, ni, nr, spi_i, spi_r, msg;
    if (!unhex(argv[1], sk_d) || !unhex(argv[2], ni) || !unhex(argv[3], nr) || !unhex(argv[4], spi_i) ||
        !unhex(argv[5], spi_r) || !unhex(argv[6], msg) || spi_i.size() != 8 || spi_r.size() != 8)
        return std::fprintf(stderr, "bad input\n"), 2;
    constexpr std::size_t k = 48, e = 36;  // PRF key, AES-GCM-16-256 key + salt (RFC 5282 §7.1)
    for (int i = 7; i < argc; ++i) {
        std::vector<std::byte> ss;
        if (!unhex(argv[i], ss)) return std::fprintf(stderr, "bad g^ir\n"), 2;
        std::array<std::byte, prf::output_size> seed{};
        const std::array<bytes_view, 1> secrets{bytes_view{ss}};
        if (!keys::skeyseed_rekey<prf>(bytes_view{sk_d}, keys::initiator_nonce{bytes_view{ni}},
                                       keys::responder_nonce{bytes_view{nr}}, secrets, seed))
            return 1;
        std::array<std::byte, 3 * k + 2 * e> km{};  // SK_d | SK_ei | SK_er | SK_pi | SK_pr (no SK_a)
        if (!keys::prf_plus(prf{bytes_view{seed}}, {bytes_view{ni}, bytes_view{nr}, bytes_view{spi_i}, bytes_view{spi_r}},
                            km))
            return 1;
        const bytes_view new_sk_d{km.data(), k}, sk_er{km.data() + k + e, e};
        std::vector<std::byte> out(msg.size());
        auto opened = wire::open<adapters::openssl_aes256_gcm16>(wire::sk_keys{sk_er, {}}, bytes_view{msg}, out);
        std::printf("g^ir %s...: SKEYSEED %s...\n  new SK_d %s\n  SK_er opens the responder's message: %s\n",
                    hex(bytes_view{ss}.first(8)).c_str(), hex(bytes_view{seed}.first(8)).c_str(), hex(new_sk_d).c_str(),
                    opened ? "YES" : errc_name(opened.error().code));
    }
    return 0;
}
