// SPDX-License-Identifier: MIT
// HMAC (FIPS 198-1, RFC 2104) over any copyable `Hash`, the IKEv2 PRFs built on it, and the
// truncated-HMAC integrity transforms of the SK payload.
//
// Keying hashes H(K0 ^ ipad) and H(K0 ^ opad) one block each, once; compute() then starts from
// copies of those two states, so a message that fits one block with its padding costs exactly
// two compressions. The keyed states are secret (they are functions of the key) and are wiped
// when the object goes away, as are all intermediates.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../policy.hpp"
#include "sha2.hpp"

namespace pqike::crypto {

template <policy::Hash H>
class hmac {
    static_assert(std::copyable<H>, "hmac<H> starts every MAC from a copy of its keyed states");
    static_assert(H::digest_size <= H::block_size, "FIPS 198-1 assumes L <= B");

public:
    using hash_type = H;
    static constexpr std::size_t output_size = H::digest_size;
    static constexpr std::size_t block_size = H::block_size;
    using output_span = std::span<std::byte, output_size>;

    // FIPS 198-1 §4: K0 is the key padded with zeros to B bytes, or H(key) padded when the key
    // is longer than B. Any key length is accepted (RFC 2104 §3; lengths below L are merely weak).
    explicit hmac(bytes_view key) noexcept : hmac(std::span<const bytes_view>(&key, 1)) {}

    // The key given as consecutive parts, e.g. SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14)
    // keys with {Ni, Nr} without concatenating them.
    explicit hmac(std::span<const bytes_view> key_parts) noexcept {
        std::size_t total = 0;
        for (const bytes_view& part : key_parts) total += part.size();
        std::byte k0[block_size] = {};
        if (total > block_size) {
            H h;
            for (const bytes_view& part : key_parts) h.update(part);
            h.finish(std::span<std::byte, output_size>(k0, output_size));
        } else {
            std::size_t at = 0;
            for (const bytes_view& part : key_parts)
                for (std::size_t i = 0; i < part.size(); ++i) k0[at++] = part[i];
        }
        std::byte pad[block_size];
        for (std::size_t i = 0; i < block_size; ++i) pad[i] = k0[i] ^ std::byte{0x36};
        inner_.update(bytes_view(pad, block_size));
        for (std::size_t i = 0; i < block_size; ++i) pad[i] = k0[i] ^ std::byte{0x5c};
        outer_.update(bytes_view(pad, block_size));
        secure_zeroize(pad, sizeof pad);
        secure_zeroize(k0, sizeof k0);
    }
    // Braces name the parts: hmac_sha256 prf{{ni, nr}}. One part is the plain key.
    explicit hmac(std::initializer_list<bytes_view> key_parts) noexcept
        : hmac(std::span<const bytes_view>(key_parts.begin(), key_parts.size())) {}

    hmac(const hmac&) noexcept = default;
    hmac& operator=(const hmac&) noexcept = default;
    ~hmac() = default;  // H wipes itself

    // An incremental MAC under this key: update(part)... then finish(out). Independent of the
    // hmac object it came from (it holds its own copies of the keyed states).
    class context {
    public:
        static constexpr std::size_t output_size = hmac::output_size;

        void update(bytes_view in) noexcept { inner_.update(in); }
        // Writes the MAC. The context is spent afterwards; take a new one from stream().
        void finish(std::span<std::byte, output_size> out) noexcept {
            std::byte ih[output_size];
            inner_.finish(std::span<std::byte, output_size>(ih, output_size));
            outer_.update(bytes_view(ih, output_size));
            outer_.finish(out);
            secure_zeroize(ih, sizeof ih);
        }

    private:
        friend class hmac;
        context(const H& inner, const H& outer) noexcept : inner_(inner), outer_(outer) {}
        H inner_;
        H outer_;
    };

    context stream() const noexcept { return context(inner_, outer_); }

    // HMAC(K, parts[0] | parts[1] | ...) without concatenating the parts.
    void compute(std::span<const bytes_view> parts, output_span out) const noexcept {
        context c = stream();
        for (const bytes_view& p : parts) c.update(p);
        c.finish(out);
    }
    void compute(std::initializer_list<bytes_view> parts, output_span out) const noexcept {
        compute(std::span<const bytes_view>(parts.begin(), parts.size()), out);
    }
    void compute(bytes_view msg, output_span out) const noexcept {
        context c = stream();
        c.update(msg);
        c.finish(out);
    }

    // One-shot HMAC(key, msg) including the key setup.
    static void mac(bytes_view key, bytes_view msg, output_span out) noexcept {
        hmac(key).compute(msg, out);
    }

private:
    H inner_;  // after absorbing K0 ^ ipad
    H outer_;  // after absorbing K0 ^ opad
};

// ---- IKEv2 PRFs (RFC 7296 §3.3.2 Transform Type 2) ----------------------------------------------

// An HMAC PRF policy for the `Prf` concept. The preferred key size is the output size
// (RFC 7296 §2.13; RFC 4868 §2.2 for SHA-2). HMAC keys the whole nonces (no truncation).
template <policy::Hash H, std::uint16_t TransformId>
class hmac_prf : public hmac<H> {
public:
    static constexpr std::uint16_t transform_id = TransformId;
    static constexpr std::size_t preferred_key_size = H::digest_size;
    static constexpr bool truncates_nonce_key = false;
    using hmac<H>::hmac;
};

using hmac_sha1 = hmac_prf<sha1, 2>;      // PRF_HMAC_SHA1 (RFC 7296)
using hmac_sha256 = hmac_prf<sha256, 5>;  // PRF_HMAC_SHA2_256 (RFC 4868)
using hmac_sha384 = hmac_prf<sha384, 6>;  // PRF_HMAC_SHA2_384 (RFC 4868)
using hmac_sha512 = hmac_prf<sha512, 7>;  // PRF_HMAC_SHA2_512 (RFC 4868)

static_assert(policy::Prf<hmac_sha1> && policy::Prf<hmac_sha256> && policy::Prf<hmac_sha384> && policy::Prf<hmac_sha512>);

// ---- integrity transforms (RFC 7296 §3.3.2 Transform Type 3) -----------------------------------

// Truncated HMAC for encrypt-then-MAC SK protection: ICV = leftmost icv_size bytes of
// HMAC(SK_a, parts...). The key must be exactly key_size bytes (RFC 4868 §2.1.1, RFC 2404 §3).
template <policy::Hash H, std::uint16_t TransformId, std::size_t KeySize, std::size_t IcvSize>
struct hmac_integ {
    static_assert(IcvSize <= H::digest_size);
    using hash_type = H;
    static constexpr std::uint16_t transform_id = TransformId;
    static constexpr std::size_t key_size = KeySize;
    static constexpr std::size_t icv_size = IcvSize;
    using icv_span = std::span<std::byte, icv_size>;

    // Writes the ICV; a key of the wrong length gives errc::invalid_length and a zeroed ICV.
    static status compute(bytes_view key, std::span<const bytes_view> parts,
                          icv_span icv_out) noexcept {
        if (key.size() != key_size) {
            secure_zeroize(icv_out);
            return status{errc::invalid_length, "integ.key", 0};
        }
        std::byte full[H::digest_size];
        hmac<H>(key).compute(parts, std::span<std::byte, H::digest_size>(full, H::digest_size));
        for (std::size_t i = 0; i < icv_size; ++i) icv_out[i] = full[i];
        secure_zeroize(full, sizeof full);
        return {};
    }
    static status compute(bytes_view key, std::initializer_list<bytes_view> parts,
                          icv_span icv_out) noexcept {
        return compute(key, std::span<const bytes_view>(parts.begin(), parts.size()), icv_out);
    }

    // Recomputes the ICV and compares in constant time: errc::integrity_check_failed on a
    // mismatch (including an ICV of the wrong length), errc::invalid_length for a bad key.
    static status verify(bytes_view key, std::span<const bytes_view> parts,
                         bytes_view icv) noexcept {
        std::byte mine[icv_size];
        const status s = compute(key, parts, icv_span(mine, icv_size));
        bool same = ct_equal(bytes_view(mine, icv_size), icv);
        secure_zeroize(mine, sizeof mine);
        ct::declassify(&same, sizeof same);  // the verdict is public, the ICV was not
        if (!s) return s;
        return same ? status{} : status{errc::integrity_check_failed, "integ.icv", 0};
    }
    static status verify(bytes_view key, std::initializer_list<bytes_view> parts,
                         bytes_view icv) noexcept {
        return verify(key, std::span<const bytes_view>(parts.begin(), parts.size()), icv);
    }
};

using auth_hmac_sha1_96 = hmac_integ<sha1, 2, 20, 12>;           // RFC 2404
using auth_hmac_sha2_256_128 = hmac_integ<sha256, 12, 32, 16>;  // RFC 4868 §2.3
using auth_hmac_sha2_384_192 = hmac_integ<sha384, 13, 48, 24>;  // RFC 4868 §2.3
using auth_hmac_sha2_512_256 = hmac_integ<sha512, 14, 64, 32>;  // RFC 4868 §2.3

}  // namespace pqike::crypto
