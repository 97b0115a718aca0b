// SPDX-License-Identifier: MIT
// Fuzz HMAC and the SHA-2 engines. Input layout: byte 0 picks the hash (mod 4), bytes 1-2 the
// key/message split point, bytes 3-4 a second cut inside the message; the rest is key | message.
// Invariants (abort on violation):
//   - one-shot compute == incremental stream() fed in pieces at the fuzzed cut
//   - compute over parts {m1, m2} == compute over m1 | m2; compute is repeatable
//   - a key longer than the block gives the same MAC as its hash (FIPS 198-1 §4)
//   - the hash of the message one-shot == incremental at the cut
//   - the integrity transform's ICV is the leftmost bytes of the PRF output
//   - (CPUs with SHA-NI) the SHA-NI SHA-256 block function equals the portable one on the
//     whole input, from a state taken from its first 32 bytes
#include <pqike/crypto/cpu.hpp>
#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/sha2.hpp>
#include <pqike/crypto/sha256_sha_ni.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace {

using namespace pqike;
using namespace pqike::crypto;

void require(bool ok) {
    if (!ok) std::abort();
}

template <class P, class Integ>
void check(bytes_view key, bytes_view msg, std::size_t cut) {
    using H = typename P::hash_type;
    constexpr std::size_t n = P::output_size;
    const P prf{key};
    std::array<std::byte, n> one{}, inc{}, parts{}, again{};
    prf.compute(msg, one);

    auto s = prf.stream();
    s.update(msg.first(cut));
    s.update(msg.subspan(cut));
    s.finish(inc);
    require(one == inc);

    pqike::policy::prf_compute(prf, {msg.first(cut), msg.subspan(cut)}, parts);
    require(one == parts);
    prf.compute(msg, again);
    require(one == again);

    if (key.size() > H::block_size) {
        std::array<std::byte, H::digest_size> hk{};
        H::hash(key, hk);
        P{bytes_view(hk)}.compute(msg, again);
        require(one == again);
    }

    std::array<std::byte, H::digest_size> d1{}, d2{};
    H::hash(msg, d1);
    H h;
    h.update(msg.first(cut));
    h.update(msg.subspan(cut));
    h.finish(d2);
    require(d1 == d2);

    // The integrity transform over the same key (padded or cut to its fixed key size).
    std::array<std::byte, Integ::key_size> ikey{};
    if (!key.empty())
        std::memcpy(ikey.data(), key.data(), key.size() < ikey.size() ? key.size() : ikey.size());
    std::array<std::byte, Integ::icv_size> icv{};
    require(Integ::compute(ikey, {msg.first(cut), msg.subspan(cut)}, icv).ok());
    P{bytes_view(ikey)}.compute(msg, again);
    require(std::memcmp(icv.data(), again.data(), icv.size()) == 0);
    require(Integ::verify(ikey, {msg}, icv).ok());
}

void check_sha_ni(bytes_view in) {
#if PQIKE_HAVE_SHA_NI_PATH
    if (!cpu::has_sha_ni() || in.size() < 32) return;
    std::array<std::uint32_t, 8> a{};
    for (std::size_t i = 0; i < 8; ++i) a[i] = load_be32(in.data() + 4 * i);
    in = in.subspan(32);
    auto b = a;
    detail::sha256_compress_portable(a.data(), in.data(), in.size() / 64);
    detail::sha256_compress_sha_ni(b.data(), in.data(), in.size() / 64);
    require(a == b);
#else
    (void)in;
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    check_sha_ni(as_bytes_view(data, size));
    const unsigned which = data[0] & 3u;
    const std::size_t split_hint = (std::size_t{data[1]} << 8) | data[2];
    const std::size_t cut_hint = (std::size_t{data[3]} << 8) | data[4];
    const bytes_view rest = as_bytes_view(data + 5, size - 5);
    const std::size_t split = split_hint % (rest.size() + 1);
    const bytes_view key = rest.first(split);
    const bytes_view msg = rest.subspan(split);
    const std::size_t cut = cut_hint % (msg.size() + 1);
    switch (which) {
        case 0: check<hmac_sha1, auth_hmac_sha1_96>(key, msg, cut); break;
        case 1: check<hmac_sha256, auth_hmac_sha2_256_128>(key, msg, cut); break;
        case 2: check<hmac_sha384, auth_hmac_sha2_384_192>(key, msg, cut); break;
        default: check<hmac_sha512, auth_hmac_sha2_512_256>(key, msg, cut); break;
    }
    return 0;
}
