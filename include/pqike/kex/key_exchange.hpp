// SPDX-License-Identifier: MIT
// One interface for the two shapes of key exchange an IKE SA can run, without pretending a KEM is
// Diffie-Hellman:
//
//   initiator                                   responder
//   initiator_ke<M> ke;  ke.start(rng) ──data──► responder_ke<M>::respond(rng, data)
//                                                  -> {data to send back, shared secret}
//   ke.finish(data) -> shared secret ◄──data──
//
// For a KEM the initiator's data is the encapsulation key and the responder's the ciphertext
// (draft-ietf-ipsecme-ikev2-mlkem §2); for DH both are public values (RFC 7296 §1.2). The shared
// secret is used exactly where g^ir would be. any_initiator_ke / respond_any do the same for a
// method chosen at run time from a ke_registry.
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
#include "ke_registry.hpp"

namespace pqike::kex {

// ---- how a responder answers a rejected KE payload --------------------------------------------
// The draft says the responder SHOULD answer an ek that fails the FIPS 203 §7.2 check with
// INVALID_SYNTAX; strongSwan answers NO_PROPOSAL_CHOSEN. The error is errc::invalid_key either
// way; the stack picks the notify here.
struct responder_options {
    std::uint16_t invalid_key_notify = notify_error::invalid_syntax;
};

constexpr std::uint16_t notify_for(const error& e, const responder_options& o) noexcept {
    return e.code == errc::invalid_key ? o.invalid_key_notify : e.notify();
}

template <policy::KeMethod M>
using shared_secret = secret_array<method_traits<M>::shared_size>;

namespace detail {
enum class ke_state : std::uint8_t { idle, waiting, done };

// A wrong-size KE payload is rejected before any crypto (draft-ietf-ipsecme-ikev2-mlkem §2: the
// sizes differ per direction, so each side checks the size it expects).
template <std::size_t N>
constexpr result<std::span<const std::byte, N>> fixed(bytes_view peer) noexcept {
    if (peer.size() != N) return {errc::invalid_ke_length, "ke.data", 0};
    return std::span<const std::byte, N>(peer.data(), N);
}
}  // namespace detail

// ---- initiator ---------------------------------------------------------------------------------
// start() makes a fresh key pair (a new one for every exchange) and returns the data to send; it
// stays valid until finish() or destruction. finish() checks the peer's data length and derives
// the shared secret; the private key is wiped as soon as it has been used. A rejected peer input
// (wrong length, invalid DH public value) changes no state, so the caller decides whether to
// abort (the ML-KEM draft: abort the SA on a wrong ct length, without a notify) or to keep waiting.
template <policy::KeMethod M>
class initiator_ke;

template <policy::KeMethod M>
    requires policy::Kem<M>
class initiator_ke<M> {
public:
    using method_type = M;
    using traits = method_traits<M>;
    static constexpr std::uint16_t method = M::id;

    initiator_ke() noexcept = default;
    initiator_ke(const initiator_ke&) = delete;
    initiator_ke& operator=(const initiator_ke&) = delete;
    ~initiator_ke() { wipe(); }

    // KeyGen (FIPS 203 Alg. 19); returns ek, the KE payload data.
    template <policy::Rng R>
    result<std::span<const std::byte, M::ek_size>> start(R& rng) noexcept {
        if (state_ != detail::ke_state::idle) return {errc::unexpected_message, "ke.start", 0};
        if (auto s = M::keygen(rng, std::span<std::byte, M::ek_size>(ek_), dk_.span()); !s) {
            wipe();
            return s.error();
        }
        state_ = detail::ke_state::waiting;
        return std::span<const std::byte, M::ek_size>(ek_);
    }

    // Decaps (FIPS 203 Alg. 21) of the responder's ct. A ct of the right length is never an
    // error here: implicit rejection gives a different secret and the failure shows at ICV/AUTH.
    // The dk was made by start() and never left this object, so the §7.3 dk check is not run
    // (FIPS 203 asks for it where a dk's origin is not assured; see finish_checked).
    result<shared_secret<M>> finish(bytes_view peer) noexcept { return finish_impl(peer, false); }

    // finish() with the FIPS 203 §7.3 check of the held dk first (errc::invalid_key if it
    // fails; the state stays waiting): for an object kept in memory the caller controls, such
    // as the C ABI's handles (pqike_mlkem_initiator_finish), whose dk counts as imported.
    result<shared_secret<M>> finish_checked(bytes_view peer) noexcept { return finish_impl(peer, true); }

    std::span<const std::byte, M::ek_size> sent_data() const noexcept {
        return std::span<const std::byte, M::ek_size>(ek_);
    }
    bool waiting() const noexcept { return state_ == detail::ke_state::waiting; }
    void wipe() noexcept { secure_zeroize(dk_.span()); }

private:
    result<shared_secret<M>> finish_impl(bytes_view peer, bool check_dk) noexcept {
        if (state_ != detail::ke_state::waiting) return {errc::unexpected_message, "ke.finish", 0};
        auto ct = detail::fixed<M::ct_size>(peer);
        if (!ct) return ct.error();
        shared_secret<M> ss;
        // A KEM policy without a decaps_generated always checks (its decaps is the only form).
        constexpr bool has_generated = requires(std::span<const std::byte, M::dk_size> dk,
                                                std::span<const std::byte, M::ct_size> c,
                                                std::span<std::byte, M::ss_size> out) {
            { M::decaps_generated(dk, c, out) } -> std::same_as<status>;
        };
        if constexpr (has_generated) {
            if (!check_dk) {
                if (auto s = M::decaps_generated(dk_.view(), *ct, ss.span()); !s) return s.error();
                wipe();
                state_ = detail::ke_state::done;
                return ss;
            }
        }
        if (auto s = M::decaps(dk_.view(), *ct, ss.span()); !s) return s.error();
        wipe();
        state_ = detail::ke_state::done;
        return ss;
    }

    secret_array<M::dk_size> dk_{};
    std::array<std::byte, M::ek_size> ek_{};
    detail::ke_state state_ = detail::ke_state::idle;
};

template <policy::KeMethod M>
    requires policy::DhGroup<M>
class initiator_ke<M> {
public:
    using method_type = M;
    using traits = method_traits<M>;
    static constexpr std::uint16_t method = M::id;

    initiator_ke() noexcept = default;
    initiator_ke(const initiator_ke&) = delete;
    initiator_ke& operator=(const initiator_ke&) = delete;
    ~initiator_ke() { wipe(); }

    // A fresh private value and its public value g^i, the KE payload data.
    template <policy::Rng R>
    result<std::span<const std::byte, M::public_size>> start(R& rng) noexcept {
        if (state_ != detail::ke_state::idle) return {errc::unexpected_message, "ke.start", 0};
        if (auto s = M::keygen(rng, priv_.span(), std::span<std::byte, M::public_size>(pub_)); !s) {
            wipe();
            return s.error();
        }
        state_ = detail::ke_state::waiting;
        return std::span<const std::byte, M::public_size>(pub_);
    }

    // g^ir from the responder's public value; an invalid one gives errc::invalid_key.
    result<shared_secret<M>> finish(bytes_view peer) noexcept {
        if (state_ != detail::ke_state::waiting) return {errc::unexpected_message, "ke.finish", 0};
        auto pub = detail::fixed<M::public_size>(peer);
        if (!pub) return pub.error();
        shared_secret<M> ss;
        if (auto s = M::derive(priv_.view(), *pub, ss.span()); !s) return s.error();
        wipe();
        state_ = detail::ke_state::done;
        return ss;
    }

    std::span<const std::byte, M::public_size> sent_data() const noexcept {
        return std::span<const std::byte, M::public_size>(pub_);
    }
    bool waiting() const noexcept { return state_ == detail::ke_state::waiting; }
    void wipe() noexcept { secure_zeroize(priv_.span()); }

private:
    secret_array<M::private_size> priv_{};
    std::array<std::byte, M::public_size> pub_{};
    detail::ke_state state_ = detail::ke_state::idle;
};

// ---- responder ---------------------------------------------------------------------------------
// What the responder sends back and what it keeps.
template <policy::KeMethod M>
struct responder_output {
    std::array<std::byte, method_traits<M>::responder_data_size> data{};
    shared_secret<M> shared{};
};

// Stateless: respond() validates the initiator's data and answers it in one step. Errors:
// errc::invalid_ke_length for a wrong size, errc::invalid_key for an ek failing the FIPS 203 §7.2
// check or an invalid DH public value (map it to a notify with notify_for(e, responder_options)).
template <policy::KeMethod M>
struct responder_ke {
    using method_type = M;
    using traits = method_traits<M>;
    using output = responder_output<M>;
    static constexpr std::uint16_t method = M::id;

    template <policy::Rng R>
    static result<output> respond(R& rng, bytes_view peer) noexcept {
        output out;
        if constexpr (policy::Kem<M>) {
            auto ek = detail::fixed<M::ek_size>(peer);
            if (!ek) return ek.error();
            // FIPS 203 §7.2 input check; draft-ietf-ipsecme-ikev2-mlkem §2: the responder MUST run it.
            if (!M::check_ek(*ek)) return {errc::invalid_key, "ke.data", 0};
            if (auto s = M::encaps(rng, *ek, std::span<std::byte, M::ct_size>(out.data),
                                   out.shared.span());
                !s)
                return s.error();
        } else {
            auto pub = detail::fixed<M::public_size>(peer);
            if (!pub) return pub.error();
            secret_array<M::private_size> priv;  // wiped when it goes out of scope
            if (auto s = M::keygen(rng, priv.span(), std::span<std::byte, M::public_size>(out.data)); !s)
                return s.error();
            if (auto s = M::derive(priv.view(), *pub, out.shared.span()); !s) return s.error();
        }
        return out;
    }
};

// ---- run-time choice over a registry -----------------------------------------------------------
// For stacks that negotiate the method: the same two roles, the method given by its number.
// Storage is a variant of the registry's initiator_ke types (no heap); dispatch goes through
// ke_registry::visit (integer compares, no virtual call).
template <class Registry>
class any_initiator_ke;

template <policy::KeMethod... Ms>
class any_initiator_ke<ke_registry<Ms...>> {
public:
    using registry = ke_registry<Ms...>;
    using secret = secret_bytes<registry::max_shared_size>;

    any_initiator_ke() noexcept = default;
    any_initiator_ke(const any_initiator_ke&) = delete;
    any_initiator_ke& operator=(const any_initiator_ke&) = delete;

    // Start a key exchange with method `id`; errc::invalid_ke_method if the registry lacks it.
    // The returned view stays valid until the next start(), finish() success, or destruction.
    template <policy::Rng R>
    result<bytes_view> start(std::uint16_t id, R& rng) noexcept {
        if (method_ != 0) return {errc::unexpected_message, "ke.start", 0};
        auto r = registry::visit(id, [&](auto tag) -> result<bytes_view> {
            using M = typename decltype(tag)::type;
            auto& ke = v_.template emplace<initiator_ke<M>>();
            auto sent = ke.start(rng);
            if (!sent) return sent.error();
            return bytes_view(*sent);
        });
        if (r) method_ = id;
        else v_.template emplace<std::monostate>();
        return r;
    }

    result<secret> finish(bytes_view peer) noexcept {
        if (method_ == 0) return {errc::unexpected_message, "ke.finish", 0};
        return registry::visit(method_, [&](auto tag) -> result<secret> {
            using M = typename decltype(tag)::type;
            auto* ke = std::get_if<initiator_ke<M>>(&v_);
            if (ke == nullptr) return {errc::unexpected_message, "ke.finish", 0};
            auto ss = ke->finish(peer);
            if (!ss) return ss.error();
            return secret(bytes_view(ss->view()));
        });
    }

    // The method number started, 0 before start().
    std::uint16_t method() const noexcept { return method_; }
    // Forget the exchange (wipes the private key); start() may be called again.
    void reset() noexcept {
        v_.template emplace<std::monostate>();
        method_ = 0;
    }

private:
    std::variant<std::monostate, initiator_ke<Ms>...> v_{};
    std::uint16_t method_ = 0;
};

// The responder's answer for a method chosen at run time.
template <class Registry>
struct any_responder_output {
    std::array<std::byte, Registry::max_responder_data_size> buffer{};
    std::size_t size = 0;
    secret_bytes<Registry::max_shared_size> shared{};
    bytes_view data() const noexcept { return {buffer.data(), size}; }
};

template <class Registry, policy::Rng R>
result<any_responder_output<Registry>> respond_any(std::uint16_t id, R& rng, bytes_view peer) noexcept {
    using out_t = any_responder_output<Registry>;
    return Registry::visit(id, [&](auto tag) -> result<out_t> {
        using M = typename decltype(tag)::type;
        auto r = responder_ke<M>::respond(rng, peer);
        if (!r) return r.error();
        out_t out;
        for (std::size_t i = 0; i < r->data.size(); ++i) out.buffer[i] = r->data[i];
        out.size = r->data.size();
        (void)out.shared.assign(r->shared.view());
        return out;
    });
}

}  // namespace pqike::kex
