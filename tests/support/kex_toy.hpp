// SPDX-License-Identifier: MIT
// Toy key exchange policies for the kex suites: small, deterministic, NOT secure. They satisfy the
// Kem / DhGroup concepts so the registry and the adapters can be tested for shape (sizes per
// direction, error paths, wiping) independently of the real ML-KEM and OpenSSL policies, which
// the suites also run when those are available.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <pqike/bytes.hpp>
#include <pqike/policy.hpp>
#include <pqike/result.hpp>

#include "rng.hpp"

namespace pqike::test {

// Exponentiation modulo the Mersenne prime 2^31 - 1 with generator 7.
namespace toy {
inline constexpr std::uint64_t p = 2147483647u;
inline constexpr std::uint64_t g = 7u;
constexpr std::uint64_t powmod(std::uint64_t b, std::uint64_t e) noexcept {
    std::uint64_t r = 1;
    b %= p;
    while (e) {
        if (e & 1u) r = r * b % p;
        b = b * b % p;
        e >>= 1u;
    }
    return r;
}
inline std::uint32_t load(std::span<const std::byte> b) noexcept { return load_be32(b.data()); }
inline void store(std::span<std::byte> b, std::uint64_t v) noexcept {
    store_be32(b.data(), static_cast<std::uint32_t>(v));
}
// 1 < x < p - 1: an exponent or a public value that is not degenerate.
constexpr bool in_range(std::uint64_t x) noexcept { return x > 1 && x < p - 1; }
inline std::uint64_t exponent(std::span<const std::byte> b) noexcept {
    return 2 + load(b) % (p - 3);
}
}  // namespace toy

// Toy DH: private 4 bytes, public 4 + Pad bytes (Pad leading zero bytes, so a registry can hold
// methods of different sizes), shared 4 bytes. Method numbers in the private-use range.
template <std::uint16_t Id, std::size_t Pad>
struct toy_dh_t {
    static constexpr std::uint16_t id = Id;
    static constexpr const char* name = Pad == 0 ? "toy-dh" : "toy-dh-wide";
    static constexpr std::size_t private_size = 4;
    static constexpr std::size_t public_size = 4 + Pad;
    static constexpr std::size_t shared_size = 4;

    template <class R>
    static status keygen(R& rng, std::span<std::byte, 4> priv,
                         std::span<std::byte, public_size> pub) noexcept {
        if (auto s = rng.fill(priv); !s) return s;
        for (std::size_t i = 0; i < Pad; ++i) pub[i] = std::byte{0};
        toy::store(pub.template last<4>(), toy::powmod(toy::g, toy::exponent(priv)));
        return {};
    }
    static status derive(std::span<const std::byte, 4> priv,
                         std::span<const std::byte, public_size> peer,
                         std::span<std::byte, 4> out) noexcept {
        const std::uint64_t y = toy::load(peer.template last<4>());
        bool ok = toy::in_range(y);
        for (std::size_t i = 0; i < Pad; ++i) ok = ok && peer[i] == std::byte{0};
        if (!ok) {
            for (auto& b : out) b = std::byte{0};
            return errc::invalid_key;
        }
        toy::store(out, toy::powmod(y, toy::exponent(priv)));
        return {};
    }
};
using toy_dh = toy_dh_t<0xfff0, 0>;
using toy_dh_wide = toy_dh_t<0xfff2, 60>;

// Toy KEM (hashed-ElGamal shaped): ek = 0x01 | g^x (5 bytes; check_ek wants the 0x01 tag and a
// non-degenerate value), dk = x | ek (9 bytes), ct = g^y (4 bytes, so ek and ct differ in size
// like ML-KEM's), ss = 32 bytes spread from g^xy. Method number 0xfff1.
struct toy_kem {
    static constexpr std::uint16_t id = 0xfff1;
    static constexpr const char* name = "toy-kem";
    static constexpr std::size_t ek_size = 5;
    static constexpr std::size_t dk_size = 9;
    static constexpr std::size_t ct_size = 4;
    static constexpr std::size_t ss_size = 32;

    static void spread(std::uint64_t v, std::span<std::byte, 32> ss) noexcept {
        for (std::size_t i = 0; i < 32; ++i)
            ss[i] = static_cast<std::byte>((v >> (8 * (i % 4))) ^ (i * 0x5bu));
    }
    static bool check_ek(std::span<const std::byte, 5> ek) noexcept {
        return ek[0] == std::byte{1} && toy::in_range(toy::load(ek.subspan<1, 4>()));
    }
    static status keygen_derand(std::span<const std::byte, 32> d, std::span<const std::byte, 32>,
                                std::span<std::byte, 5> ek, std::span<std::byte, 9> dk) noexcept {
        const std::uint64_t x = toy::exponent(d.first<4>());
        ek[0] = std::byte{1};
        toy::store(ek.subspan<1, 4>(), toy::powmod(toy::g, x));
        toy::store(dk.first<4>(), x);
        for (std::size_t i = 0; i < 5; ++i) dk[4 + i] = ek[i];
        return {};
    }
    static status encaps_derand(std::span<const std::byte, 5> ek, std::span<const std::byte, 32> m,
                                std::span<std::byte, 4> ct, std::span<std::byte, 32> ss) noexcept {
        if (!check_ek(ek)) {
            for (auto& b : ss) b = std::byte{0};
            return errc::invalid_key;
        }
        const std::uint64_t y = toy::exponent(m.first<4>());
        toy::store(ct, toy::powmod(toy::g, y));
        spread(toy::powmod(toy::load(ek.subspan<1, 4>()), y), ss);
        return {};
    }
    static status decaps(std::span<const std::byte, 9> dk, std::span<const std::byte, 4> ct,
                         std::span<std::byte, 32> ss) noexcept {
        // "Implicit rejection": any ct gives some secret.
        spread(toy::powmod(toy::load(ct), toy::load(dk.first<4>())), ss);
        return {};
    }
    template <class R>
    static status keygen(R& rng, std::span<std::byte, 5> ek, std::span<std::byte, 9> dk) noexcept {
        std::array<std::byte, 32> d{};
        if (auto s = rng.fill(d); !s) return s;
        return keygen_derand(d, d, ek, dk);
    }
    template <class R>
    static status encaps(R& rng, std::span<const std::byte, 5> ek, std::span<std::byte, 4> ct,
                         std::span<std::byte, 32> ss) noexcept {
        std::array<std::byte, 32> m{};
        if (auto s = rng.fill(m); !s) return s;
        return encaps_derand(ek, m, ct, ss);
    }
};

static_assert(policy::Kem<toy_kem>);
static_assert(policy::DhGroup<toy_dh>);
static_assert(!policy::Kem<toy_dh>);
static_assert(!policy::DhGroup<toy_kem>);
static_assert(policy::DhGroup<toy_dh_wide>);

}  // namespace pqike::test
