// SPDX-License-Identifier: MIT
// Consumer smoke test for pqike::openssl: the adapter header compiles and links libcrypto
// without the consumer naming OpenSSL anywhere.
#include <pqike/adapters/openssl.hpp>

#include <array>
#include <cstdio>

int main() {
    std::array<std::byte, 32> a{}, b{};
    pqike::adapters::openssl_rng rng;
    if (!rng.fill(a).ok() || !rng.fill(b).ok()) return 1;
    if (pqike::ct_equal(a, b)) return 1;  // two 256-bit draws from RAND_bytes never collide
    std::printf("pqike::openssl consumer ok\n");
    return 0;
}
