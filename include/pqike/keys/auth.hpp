// SPDX-License-Identifier: MIT
// AUTH payload inputs (RFC 7296 §2.15, RFC 9242 §3.3.2):
//   InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, IDi') [| IntAuth]
//   ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, IDr') [| IntAuth]
//   PSK AUTH              = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>)
// ID' is the ID payload without its generic header (ID Type, 3 reserved octets, data). The
// octets are kept as a list of views and absorbed one after another: RealMessage (which can be
// over a kilobyte with ML-KEM in IKE_SA_INIT) is never copied.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <utility>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "ike_sa_keys.hpp"
#include "int_auth.hpp"

namespace pqike::keys {

// RFC 7296 §2.15: the 17 ASCII octets "Key Pad for IKEv2", no terminator.
inline constexpr std::array<char, 17> key_pad_for_ikev2{'K', 'e', 'y', ' ', 'P', 'a', 'd', ' ', 'f',
                                                        'o', 'r', ' ', 'I', 'K', 'E', 'v', '2'};

// The signed octets as views. The views point at the caller's RealMessage, nonce and IntAuth
// value, which must outlive this object; prf(SK_p, ID') is held inline.
template <policy::Prf P>
class signed_octets {
public:
    std::span<const bytes_view> parts() const noexcept { return {parts_.data(), count_}; }
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (std::size_t i = 0; i < count_; ++i) n += parts_[i].size();
        return n;
    }
    bytes_view maced_id() const noexcept { return bytes_view{maced_id_}; }

    // Builds the octets; `sk_p` is SK_pi for the initiator's octets, SK_pr for the responder's.
    static signed_octets make(bytes_view sk_p, bytes_view real_message, bytes_view peer_nonce,
                              bytes_view id_body, bytes_view int_auth) noexcept {
        signed_octets o;
        const P prf{sk_p};
        policy::prf_compute(prf, {id_body}, std::span<std::byte, P::output_size>{o.maced_id_});
        o.parts_[0] = real_message;
        o.parts_[1] = peer_nonce;
        o.parts_[2] = bytes_view{o.maced_id_};
        o.count_ = 3;
        if (!int_auth.empty()) o.parts_[o.count_++] = int_auth;
        return o;
    }

    signed_octets(const signed_octets& o) noexcept
        : maced_id_(o.maced_id_), parts_(o.parts_), count_(o.count_) {
        parts_[2] = bytes_view{maced_id_};  // re-point at this copy
    }
    signed_octets& operator=(const signed_octets&) = delete;

private:
    signed_octets() noexcept = default;
    std::array<std::byte, P::output_size> maced_id_{};
    std::array<bytes_view, 4> parts_{};
    std::size_t count_ = 0;
};

// InitiatorSignedOctets: the IKE_SA_INIT request as sent, the responder's Nonce data, IDi'.
template <policy::Prf P>
signed_octets<P> initiator_signed_octets(const ike_sa_keys<P>& keys, bytes_view real_message1,
                                         bytes_view nonce_r, bytes_view id_i_body,
                                         const int_auth_value<P>& int_auth) noexcept {
    return signed_octets<P>::make(keys.sk_pi(), real_message1, nonce_r, id_i_body, int_auth.view());
}

// ResponderSignedOctets: the IKE_SA_INIT response as sent, the initiator's Nonce data, IDr'.
template <policy::Prf P>
signed_octets<P> responder_signed_octets(const ike_sa_keys<P>& keys, bytes_view real_message2,
                                         bytes_view nonce_i, bytes_view id_r_body,
                                         const int_auth_value<P>& int_auth) noexcept {
    return signed_octets<P>::make(keys.sk_pr(), real_message2, nonce_i, id_r_body, int_auth.view());
}

// A received AUTH against the one computed, in constant time; `expect` is wiped.
template <std::size_t N>
[[nodiscard]] status auth_matches(std::array<std::byte, N>& expect, bytes_view received) noexcept {
    const bool ok = ct_equal(bytes_view{expect}, received);
    secure_zeroize(expect.data(), expect.size());
    return ok ? status{} : status{errc::authentication_failed, "auth", 0};
}

// PSK AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) fed part by part:
// an exchange helper absorbs RealMessage and the peer's nonce at IKE_SA_INIT and the rest at
// IKE_AUTH, so it need not keep the message in between. Single use: finish() spends it.
template <policy::Prf P>
class psk_auth_stream {
public:
    explicit psk_auth_stream(bytes_view psk) noexcept : s_(keyed(psk).stream()) {}

    void update(bytes_view part) noexcept { s_.update(part); }
    void finish(std::span<std::byte, P::output_size> out) noexcept { s_.finish(out); }
    // The IKE_AUTH parts (prf(SK_p, ID'), then IntAuth when IKE_INTERMEDIATE ran) and the AUTH.
    void finish(bytes_view sk_p, bytes_view id_body, bytes_view int_auth,
                std::span<std::byte, P::output_size> out) noexcept {
        std::array<std::byte, P::output_size> maced_id{};
        policy::prf_compute(P{sk_p}, {id_body}, std::span<std::byte, P::output_size>{maced_id});
        s_.update(bytes_view{maced_id});
        if (!int_auth.empty()) s_.update(int_auth);
        s_.finish(out);
    }
    // Checks a received AUTH in constant time; errc::authentication_failed on mismatch.
    [[nodiscard]] status verify(bytes_view sk_p, bytes_view id_body, bytes_view int_auth,
                                bytes_view received) noexcept {
        std::array<std::byte, P::output_size> expect{};
        finish(sk_p, id_body, int_auth, std::span<std::byte, P::output_size>{expect});
        return auth_matches(expect, received);
    }

private:
    static P keyed(bytes_view psk) noexcept {
        secret_array<P::output_size> k;
        policy::prf_compute(P{psk}, {as_bytes_view(key_pad_for_ikev2.data(), key_pad_for_ikev2.size())}, k.span());
        return P{k.view()};
    }
    decltype(std::declval<const P&>().stream()) s_;
};

// AUTH for Shared Key Message Integrity Code (auth method 2), into `out`.
template <policy::Prf P>
void psk_auth(bytes_view psk, const signed_octets<P>& octets,
              std::span<std::byte, P::output_size> out) noexcept {
    psk_auth_stream<P> s{psk};
    for (const bytes_view& part : octets.parts()) s.update(part);
    s.finish(out);
}

// Checks a received PSK AUTH in constant time; errc::authentication_failed on mismatch.
template <policy::Prf P>
[[nodiscard]] status verify_psk_auth(bytes_view psk, const signed_octets<P>& octets,
                                     bytes_view received) noexcept {
    std::array<std::byte, P::output_size> expect{};
    psk_auth(psk, octets, std::span<std::byte, P::output_size>{expect});
    return auth_matches(expect, received);
}

// Hands the octets to a signature-based stack: signer(std::span<const bytes_view>) is called
// once with the parts in order and its result is returned. A signer that needs one buffer can
// copy; one that hashes incrementally (RSA/ECDSA/ML-DSA pre-hash) never needs to.
template <policy::Prf P, class Signer>
decltype(auto) sign_octets(const signed_octets<P>& octets, Signer&& signer) {
    return static_cast<Signer&&>(signer)(octets.parts());
}

}  // namespace pqike::keys
