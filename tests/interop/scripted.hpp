// SPDX-License-Identifier: MIT
// Test-only stand-ins that let pqike's exchange helpers (exchange/initial.hpp, rekey.hpp,
// informational.hpp) play one side of a captured strongSwan session instead of a fresh one:
//   replay_x25519 / replay_mlkem768   KE method policies (policy::DhGroup / policy::Kem with the
//                       real method numbers and sizes) whose values come from the capture's key
//                       exchange records (exchanges.json: each exchange's initiator and responder
//                       KE data and the shared secret both daemons logged). keygen hands out the
//                       replayed side's recorded public value / ek, next in a queue; derive, encaps
//                       and decaps look the pair up and return the recorded secret (and ct). A
//                       pair not in the capture is refused (DH, encaps) or gives a secret no one
//                       logged (decaps: ML-KEM's implicit rejection), so a tampered value fails.
//   scripted_rng       a policy::Rng that serves the recorded SPIs, nonces, IVs and links in the
//                       order the helper asks for them (each scripted value only when the request
//                       has its size), and counter bytes for anything else.
// Nothing here is cryptography: the values are public test data (tests/data/README.md).
#pragma once

#include "common.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <pqike/bytes.hpp>
#include <pqike/policy.hpp>
#include <pqike/result.hpp>

namespace pqike::interop {

// One recorded key exchange: the initiator's data (DH public value / ML-KEM ek), the responder's
// (public value / ct) and the shared secret.
struct recorded_ke {
    std::uint16_t method = 0;
    test::byte_vec i_data, r_data, secret;
};

// The recorded key exchanges of a capture and what the replayed side generates, in order.
struct ke_script {
    std::vector<recorded_ke> records;
    std::deque<test::byte_vec> own_dh;  // public values the replayed side sends (keygen)
    std::deque<test::byte_vec> own_ek;  // ML-KEM eks the replayed side sends (keygen)
    std::map<test::byte_vec, test::byte_vec> ek_of_seed;  // keygen_derand is deterministic in (d, z)
    std::uint64_t plain_keygens = 0;
    std::size_t keygens = 0, derives = 0, encaps = 0, decaps = 0;
    std::size_t refused = 0;            // lookups that found no recorded pair

    const recorded_ke* find(std::uint16_t method, bytes_view a, bytes_view b) const {
        const auto eq = [](const test::byte_vec& v, bytes_view x) {
            return v.size() == x.size() && std::equal(v.begin(), v.end(), x.begin());
        };
        for (const auto& r : records)
            if (r.method == method && ((eq(r.i_data, a) && eq(r.r_data, b)) || (eq(r.i_data, b) && eq(r.r_data, a))))
                return &r;
        return nullptr;
    }
    const recorded_ke* find_ek(bytes_view ek) const {
        for (const auto& r : records)
            if (r.method == 36 && r.i_data.size() == ek.size() && std::equal(r.i_data.begin(), r.i_data.end(), ek.begin()))
                return &r;
        return nullptr;
    }
};

// The script the replay policies read (a test sets it before driving a helper).
inline ke_script*& current_ke_script() noexcept {
    static ke_script* s = nullptr;
    return s;
}

namespace scripted_detail {
template <std::size_t N>
inline void put(std::span<std::byte, N> out, const test::byte_vec& v) noexcept {
    for (std::size_t i = 0; i < N; ++i) out[i] = i < v.size() ? v[i] : std::byte{0};
}
template <std::size_t N>
inline void wipe(std::span<std::byte, N> out) noexcept {
    for (auto& b : out) b = std::byte{0};
}
}  // namespace scripted_detail

// X25519 (RFC 8031, method 31) as recorded. The "private value" is the replayed side's own public
// value, so derive() can find the recorded pair.
struct replay_x25519 {
    static constexpr std::uint16_t id = 31;
    static constexpr const char* name = "Curve25519 (replayed)";
    static constexpr std::size_t private_size = 32;
    static constexpr std::size_t public_size = 32;
    static constexpr std::size_t shared_size = 32;

    template <class R>
    static status keygen(R&, std::span<std::byte, 32> priv, std::span<std::byte, 32> pub) noexcept {
        ke_script* s = current_ke_script();
        if (s == nullptr || s->own_dh.empty()) return status{errc::rng_failure, "replay.dh", 0};
        scripted_detail::put(priv, s->own_dh.front());
        scripted_detail::put(pub, s->own_dh.front());
        s->own_dh.pop_front();
        ++s->keygens;
        return {};
    }
    static status derive(std::span<const std::byte, 32> priv, std::span<const std::byte, 32> peer,
                         std::span<std::byte, 32> out) noexcept {
        ke_script* s = current_ke_script();
        const recorded_ke* r = s ? s->find(id, priv, peer) : nullptr;
        if (r == nullptr) {
            if (s) ++s->refused;
            scripted_detail::wipe(out);
            return errc::invalid_key;
        }
        ++s->derives;
        scripted_detail::put(out, r->secret);
        return {};
    }
};

// ML-KEM-768 (FIPS 203, method 36) as recorded. dk is the ek itself (decaps finds the pair).
struct replay_mlkem768 {
    static constexpr std::uint16_t id = 36;
    static constexpr const char* name = "ML-KEM-768 (replayed)";
    static constexpr std::size_t ek_size = 1184;
    static constexpr std::size_t dk_size = 1184;
    static constexpr std::size_t ct_size = 1088;
    static constexpr std::size_t ss_size = 32;

    static bool check_ek(std::span<const std::byte, ek_size> ek) noexcept {
        ke_script* s = current_ke_script();
        return s != nullptr && s->find_ek(ek) != nullptr;
    }
    // The next recorded ek for a seed not seen before; the same ek again for a seed seen before
    // (FIPS 203 KeyGen_internal is a function of (d, z): the exchange helpers derive a key pair
    // from its seed again at decapsulation, kex/seeded_initiator.hpp).
    static status keygen_derand(std::span<const std::byte, 32> d, std::span<const std::byte, 32> z,
                                std::span<std::byte, ek_size> ek, std::span<std::byte, dk_size> dk) noexcept {
        ke_script* s = current_ke_script();
        if (s == nullptr) return status{errc::rng_failure, "replay.ek", 0};
        test::byte_vec seed(d.begin(), d.end());
        seed.insert(seed.end(), z.begin(), z.end());
        auto it = s->ek_of_seed.find(seed);
        if (it == s->ek_of_seed.end()) {
            if (s->own_ek.empty()) return status{errc::rng_failure, "replay.ek", 0};
            it = s->ek_of_seed.emplace(std::move(seed), s->own_ek.front()).first;
            s->own_ek.pop_front();
            ++s->keygens;
        }
        scripted_detail::put(ek, it->second);
        scripted_detail::put(dk, it->second);
        return {};
    }
    static status encaps_derand(std::span<const std::byte, ek_size> ek, std::span<const std::byte, 32>,
                                std::span<std::byte, ct_size> ct, std::span<std::byte, ss_size> ss) noexcept {
        ke_script* s = current_ke_script();
        const recorded_ke* r = s ? s->find_ek(ek) : nullptr;
        if (r == nullptr) {
            if (s) ++s->refused;
            scripted_detail::wipe(ss);
            return errc::invalid_key;
        }
        ++s->encaps;
        scripted_detail::put(ct, r->r_data);
        scripted_detail::put(ss, r->secret);
        return {};
    }
    // A ct that was not recorded with this ek gives a secret derived from the ct (ML-KEM's implicit
    // rejection: no error, just a secret the peer does not have).
    static status decaps(std::span<const std::byte, dk_size> dk, std::span<const std::byte, ct_size> ct,
                         std::span<std::byte, ss_size> ss) noexcept {
        ke_script* s = current_ke_script();
        const recorded_ke* r = s ? s->find(id, dk, ct) : nullptr;
        if (r == nullptr) {
            if (s) ++s->refused;
            for (std::size_t i = 0; i < ss_size; ++i) ss[i] = ct[i] ^ std::byte{0x5c};
            return {};
        }
        ++s->decaps;
        scripted_detail::put(ss, r->secret);
        return {};
    }
    template <class R>
    static status keygen(R&, std::span<std::byte, ek_size> ek, std::span<std::byte, dk_size> dk) noexcept {
        // A seed of its own per call (the randomized form hands out the next ek every time).
        std::array<std::byte, 32> d{}, z{};
        if (ke_script* s = current_ke_script()) store_be64(d.data(), ++s->plain_keygens);
        z[0] = std::byte{0xff};
        return keygen_derand(d, z, ek, dk);
    }
    template <class R>
    static status encaps(R&, std::span<const std::byte, ek_size> ek, std::span<std::byte, ct_size> ct,
                         std::span<std::byte, ss_size> ss) noexcept {
        const std::array<std::byte, 32> none{};
        return encaps_derand(ek, none, ct, ss);
    }
};

static_assert(policy::DhGroup<replay_x25519> && !policy::Kem<replay_x25519>);
static_assert(policy::Kem<replay_mlkem768> && !policy::DhGroup<replay_mlkem768>);

// Serves the scripted values in order: the next one when the request has its size, counter bytes
// otherwise (IVs nobody recorded, padding). served counts the scripted values handed out.
struct scripted_rng {
    std::deque<test::byte_vec> script;
    std::size_t served = 0;
    std::size_t filled = 0;  // requests answered with counter bytes
    std::uint8_t next = 0xa0;

    void push(test::byte_vec v) { script.push_back(std::move(v)); }
    status fill(mut_bytes out) noexcept {
        if (!script.empty() && script.front().size() == out.size()) {
            std::copy(script.front().begin(), script.front().end(), out.begin());
            script.pop_front();
            ++served;
            return {};
        }
        for (auto& b : out) b = std::byte{next++};
        ++filled;
        return {};
    }
};
static_assert(policy::Rng<scripted_rng>);

}  // namespace pqike::interop
