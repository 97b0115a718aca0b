// SPDX-License-Identifier: MIT
// SHA3-256, SHA3-512 (FIPS 202 §6.1) as Hash policies, and the XOFs SHAKE128, SHAKE256
// (FIPS 202 §6.2) with incremental absorb and squeeze. ML-KEM uses all four (FIPS 203 §4.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "keccak.hpp"

namespace pqike::crypto {

namespace detail {

// SHA3-d: rate 200 - 2·(d/8) bytes, suffix 01 then pad10*1 (0x06 in the byte-level form).
template <std::size_t DigestSize>
class sha3 {
public:
    static constexpr std::size_t digest_size = DigestSize;
    static constexpr std::size_t block_size = 200 - 2 * DigestSize;  // the sponge rate

    void update(bytes_view in) noexcept { sponge_.absorb(in); }
    // Writes the digest and wipes the state, leaving the object ready for a new message.
    void finish(std::span<std::byte, digest_size> out) noexcept {
        sponge_.squeeze(out);
        sponge_.wipe();
    }
    void reset() noexcept { sponge_.wipe(); }

    // One-shot: out = SHA3-d(in).
    static void hash(bytes_view in, std::span<std::byte, digest_size> out) noexcept {
        sha3 h;
        h.update(in);
        h.finish(out);
    }

private:
    keccak::sponge<block_size, 0x06> sponge_;
};

// SHAKE: rate 200 - 2·(security/8) bytes, suffix 1111 then pad10*1 (0x1f).
template <std::size_t Rate>
class shake {
public:
    static constexpr std::size_t rate = Rate;

    // Absorb input; only before the first squeeze.
    void update(bytes_view in) noexcept { sponge_.absorb(in); }
    void absorb(bytes_view in) noexcept { sponge_.absorb(in); }
    // Squeeze the next out.size() bytes of output; may be called any number of times.
    void squeeze(mut_bytes out) noexcept { sponge_.squeeze(out); }
    void reset() noexcept { sponge_.wipe(); }

    // One-shot: out = SHAKE(in, 8·out.size()).
    static void hash(bytes_view in, mut_bytes out) noexcept {
        shake x;
        x.absorb(in);
        x.squeeze(out);
    }

private:
    keccak::sponge<Rate, 0x1f> sponge_;
};

}  // namespace detail

using sha3_256 = detail::sha3<32>;
using sha3_512 = detail::sha3<64>;
using shake128 = detail::shake<168>;
using shake256 = detail::shake<136>;

static_assert(policy::Hash<sha3_256> && policy::Hash<sha3_512>);
static_assert(sha3_256::block_size == 136 && sha3_512::block_size == 72);

}  // namespace pqike::crypto
