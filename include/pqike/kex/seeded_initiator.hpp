// SPDX-License-Identifier: MIT
// The initiator's side of a key exchange, kept small while it waits for the response. For a KEM
// only the 64-octet seed (d, z) is held: ML-KEM.KeyGen_internal (FIPS 203 Alg. 16) is
// deterministic, so the key pair is derived from it again when the ek is needed again (a COOKIE
// retry repeats the KE payload, RFC 7296 §2.6) and when the ciphertext arrives; FIPS 203 §7.1
// allows the seed as the stored form of a decapsulation key. Cost: one more keygen per exchange.
// Gain: an ML-KEM-1024 exchange in flight keeps 64 octets instead of its 4.7 KB key pair, which
// brings every exchange helper under the 4 KB kept between datagrams (docs/exchanges.md,
// "Memory"). A DH method keeps its private and public value, as initiator_ke does.
// The KE data is written into the caller's buffer (at least Registry::max_initiator_data_size).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "key_exchange.hpp"
#include "ke_registry.hpp"

namespace pqike::kex {

template <policy::KeMethod M>
class seeded_initiator_ke;

template <policy::KeMethod M>
    requires policy::Kem<M>
class seeded_initiator_ke<M> {
public:
    seeded_initiator_ke() noexcept = default;
    seeded_initiator_ke(const seeded_initiator_ke&) = delete;
    seeded_initiator_ke& operator=(const seeded_initiator_ke&) = delete;
    ~seeded_initiator_ke() { secure_zeroize(seed_.span()); }

    // A fresh seed; the ek into `out`.
    template <policy::Rng R>
    result<bytes_view> start(R& rng, mut_bytes out) noexcept {
        if (status s = rng.fill(seed_.span()); !s) return s.error();
        return data(out);
    }

    // The ek of the held seed into `out` (the same octets every time).
    result<bytes_view> data(mut_bytes out) const noexcept {
        if (out.size() < M::ek_size) return error{errc::buffer_too_small, "ke.data", error_value{M::ek_size}};
        secret_array<M::dk_size> dk;
        if (status s = M::keygen_derand(d(), z(), std::span<std::byte, M::ek_size>(out.data(), M::ek_size), dk.span()); !s)
            return s.error();
        return bytes_view{out.data(), M::ek_size};
    }

    // Decaps of the responder's ct with the key pair derived again; the seed is wiped after.
    result<shared_secret<M>> finish(bytes_view peer) noexcept {
        auto ct = detail::fixed<M::ct_size>(peer);
        if (!ct) return ct.error();
        secret_array<M::dk_size> dk;
        std::array<std::byte, M::ek_size> ek{};
        if (status s = M::keygen_derand(d(), z(), std::span<std::byte, M::ek_size>(ek), dk.span()); !s)
            return s.error();
        shared_secret<M> ss;
        // The dk was made here from our own seed: a policy that can skip the FIPS 203 §7.3 dk
        // check for such a key does.
        constexpr bool has_generated = requires(std::span<const std::byte, M::dk_size> k,
                                                std::span<const std::byte, M::ct_size> c,
                                                std::span<std::byte, M::ss_size> o) {
            { M::decaps_generated(k, c, o) } -> std::same_as<status>;
        };
        status s{};
        if constexpr (has_generated)
            s = M::decaps_generated(dk.view(), *ct, ss.span());
        else
            s = M::decaps(dk.view(), *ct, ss.span());
        if (!s) return s.error();
        secure_zeroize(seed_.span());
        return ss;
    }

private:
    std::span<const std::byte, 32> d() const noexcept { return std::span<const std::byte, 32>(seed_.view().data(), 32); }
    std::span<const std::byte, 32> z() const noexcept {
        return std::span<const std::byte, 32>(seed_.view().data() + 32, 32);
    }
    secret_array<64> seed_{};
};

template <policy::KeMethod M>
    requires policy::DhGroup<M>
class seeded_initiator_ke<M> {
public:
    template <policy::Rng R>
    result<bytes_view> start(R& rng, mut_bytes out) noexcept {
        auto pub = ke_.start(rng);
        if (!pub) return pub.error();
        return data(out);
    }
    result<bytes_view> data(mut_bytes out) const noexcept {
        const auto pub = ke_.sent_data();
        if (out.size() < pub.size()) return error{errc::buffer_too_small, "ke.data", error_value{pub.size()}};
        std::copy(pub.begin(), pub.end(), out.begin());
        return bytes_view{out.data(), pub.size()};
    }
    result<shared_secret<M>> finish(bytes_view peer) noexcept { return ke_.finish(peer); }

private:
    initiator_ke<M> ke_{};
};

// The same for a method chosen at run time from a registry (the form the exchange helpers hold).
template <class Registry>
class any_seeded_initiator_ke;

template <policy::KeMethod... Ms>
class any_seeded_initiator_ke<ke_registry<Ms...>> {
public:
    using registry = ke_registry<Ms...>;
    using secret = secret_bytes<registry::max_shared_size>;
    static constexpr std::size_t max_data_size = registry::max_initiator_data_size;

    any_seeded_initiator_ke() noexcept = default;
    any_seeded_initiator_ke(const any_seeded_initiator_ke&) = delete;
    any_seeded_initiator_ke& operator=(const any_seeded_initiator_ke&) = delete;

    // Start method `id`; the KE data into `out`. errc::invalid_ke_method if the registry lacks it.
    template <policy::Rng R>
    result<bytes_view> start(std::uint16_t id, R& rng, mut_bytes out) noexcept {
        if (method_ != 0) return error{errc::unexpected_message, "ke.start", 0};
        auto r = registry::visit(id, [&](auto tag) -> result<bytes_view> {
            using M = typename decltype(tag)::type;
            return v_.template emplace<seeded_initiator_ke<M>>().start(rng, out);
        });
        if (r)
            method_ = id;
        else
            v_.template emplace<std::monostate>();
        return r;
    }
    // The KE data of the exchange started, again (RFC 7296 §2.6: a COOKIE retry repeats it).
    result<bytes_view> data(mut_bytes out) const noexcept {
        if (method_ == 0) return error{errc::unexpected_message, "ke.data", 0};
        return registry::visit(method_, [&](auto tag) -> result<bytes_view> {
            using M = typename decltype(tag)::type;
            const auto* ke = std::get_if<seeded_initiator_ke<M>>(&v_);
            if (ke == nullptr) return error{errc::unexpected_message, "ke.data", 0};
            return ke->data(out);
        });
    }
    result<secret> finish(bytes_view peer) noexcept {
        if (method_ == 0 || finished_) return error{errc::unexpected_message, "ke.finish", 0};
        auto r = registry::visit(method_, [&](auto tag) -> result<secret> {
            using M = typename decltype(tag)::type;
            auto* ke = std::get_if<seeded_initiator_ke<M>>(&v_);
            if (ke == nullptr) return error{errc::unexpected_message, "ke.finish", 0};
            auto ss = ke->finish(peer);
            if (!ss) return ss.error();
            return secret(bytes_view(ss->view()));
        });
        finished_ = r.has_value();
        return r;
    }
    std::uint16_t method() const noexcept { return method_; }
    // Forget the exchange (the seed or private value is wiped).
    void reset() noexcept {
        v_.template emplace<std::monostate>();
        method_ = 0;
        finished_ = false;
    }

private:
    std::variant<std::monostate, seeded_initiator_ke<Ms>...> v_{};
    std::uint16_t method_ = 0;
    bool finished_ = false;
};

}  // namespace pqike::kex
