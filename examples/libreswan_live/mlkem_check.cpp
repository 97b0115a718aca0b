// SPDX-License-Identifier: MIT
// Offline check for the ML-KEM-only IKE SA rekey with libreswan (README.md): which encapsulation
// key did the peer's ciphertext go to? Rebuilds pqike's ML-KEM-768 key pairs from the KeyGen
// seeds d | z that lsw_peer printed (FIPS 203 Alg. 16, deterministic), prints the first octets
// of each ek (to match against the KE payloads in the peer's log), decapsulates the peer's
// ciphertext (Alg. 18) with each and tells whether decapsulation took the implicit-rejection
// branch: K = J(z | c) (SHAKE256, FIPS 203 §4.1, Alg. 18 line 10) means c does not re-encrypt
// under that ek, i.e. it was not made for it.
//   mlkem_check <ciphertext hex, 2176 digits> <d|z hex, 128 digits> [<d|z> ...]
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include <pqike/crypto/mlkem.hpp>
#include <pqike/crypto/sha3.hpp>

using namespace pqike;
using M = crypto::mlkem768;

namespace {

bool unhex(const std::string& h, std::vector<std::byte>& out) {
    if (h.size() % 2 != 0) return false;
    out.clear();
    for (std::size_t i = 0; i < h.size(); i += 2) {
        unsigned v = 0;
        if (std::sscanf(h.c_str() + i, "%2x", &v) != 1) return false;
        out.push_back(std::byte{static_cast<unsigned char>(v)});
    }
    return true;
}

std::string hex(const std::byte* p, std::size_t n) {
    std::string s;
    char t[3];
    for (std::size_t i = 0; i < n; ++i) std::snprintf(t, sizeof t, "%02x", static_cast<unsigned>(p[i])), s += t;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return std::fprintf(stderr, "usage: %s <ct hex> <d|z hex> [<d|z hex> ...]\n", argv[0]), 2;
    std::vector<std::byte> ct;
    if (!unhex(argv[1], ct) || ct.size() != M::ct_size) return std::fprintf(stderr, "bad ciphertext\n"), 2;
    for (int i = 2; i < argc; ++i) {
        std::vector<std::byte> dz;
        if (!unhex(argv[i], dz) || dz.size() != 64) return std::fprintf(stderr, "bad seed %d\n", i - 1), 2;
        std::array<std::byte, M::ek_size> ek{};
        std::array<std::byte, M::dk_size> dk{};
        std::array<std::byte, M::ss_size> ss{};
        if (!M::keygen_derand(std::span<const std::byte, 32>(dz.data(), 32), std::span<const std::byte, 32>(dz.data() + 32, 32), ek, dk)) return 1;
        if (!M::decaps(dk, std::span<const std::byte, M::ct_size>(ct.data(), M::ct_size), ss)) return 1;
        std::array<std::byte, 32> k_bar{};
        crypto::shake256 j;
        j.absorb(bytes_view{dz.data() + 32, 32});
        j.absorb(bytes_view{ct.data(), ct.size()});
        j.squeeze(k_bar);
        const bool rejected = ct_equal(bytes_view{ss}, bytes_view{k_bar});
        std::printf("seed %d: ek %s...  decaps(ct) = %s  %s\n", i - 1, hex(ek.data(), 16).c_str(),
                    hex(ss.data(), ss.size()).c_str(),
                    rejected ? "IMPLICIT REJECTION (ct not made for this ek)" : "valid (ct made for this ek)");
    }
    return 0;
}
