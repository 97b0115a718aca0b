// SPDX-License-Identifier: MIT
// Constant-time check of SHA-2 and HMAC (for scripts/checks.d/ct.sh under valgrind memcheck).
// Built with -DPQIKE_CT_TESTING=1: keys and messages are marked undefined (ct::secret), so any
// branch or memory index that depends on them is reported. Key and message LENGTHS are public
// and vary on purpose (below, at and above the block size: padded, exact and hashed keys).
// Only the final MACs are declassified before they are compared. Must run with zero reports.
#include <array>
#include <cstddef>
#include <cstdio>

#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/sha2.hpp>

namespace {

using namespace pqike;
using namespace pqike::crypto;

template <class P, class Integ>
int run() {
    std::array<std::byte, 300> key{}, msg{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = std::byte(static_cast<unsigned char>(7 * i + 1));
        msg[i] = std::byte(static_cast<unsigned char>(13 * i + 5));
    }
    ct::secret(key);
    ct::secret(msg);
    using H = typename P::hash_type;
    for (std::size_t klen : {std::size_t{0}, P::output_size, H::block_size, H::block_size + 1}) {
        const P prf{bytes_view(key).first(klen)};
        std::array<std::byte, P::output_size> a{}, b{};
        prf.compute(bytes_view(msg).first(150), a);
        pqike::policy::prf_compute(prf, {bytes_view(msg).first(9), bytes_view(msg).subspan(9, 141)}, b);
        ct::declassify(a);
        ct::declassify(b);
        if (a != b) return 1;
    }
    std::array<std::byte, H::digest_size> d{};
    H::hash(msg, d);
    ct::declassify(d);

    std::array<std::byte, Integ::icv_size> icv{};
    if (!Integ::compute(bytes_view(key).first(Integ::key_size), {bytes_view(msg)}, icv)) return 1;
    ct::declassify(icv);
    // verify compares in constant time; only its verdict is public.
    if (!Integ::verify(bytes_view(key).first(Integ::key_size), {bytes_view(msg)}, icv)) return 1;
    return 0;
}

}  // namespace

int main() {
    int bad = run<hmac_sha1, auth_hmac_sha1_96>() + run<hmac_sha256, auth_hmac_sha2_256_128>() +
              run<hmac_sha384, auth_hmac_sha2_384_192>() + run<hmac_sha512, auth_hmac_sha2_512_256>();
    if (bad != 0) std::puts("ct_hmac: MAC mismatch");
    return bad;
}
