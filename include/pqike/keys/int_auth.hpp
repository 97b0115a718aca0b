// SPDX-License-Identifier: MIT
// IntAuth accumulation over IKE_INTERMEDIATE exchanges (RFC 9242 §3.3.2):
//   IntAuth_i1 = prf(SK_pi(1), A_i1 | P_i1),  IntAuth_ik = prf(SK_pi(k), IntAuth_i(k-1) | A_ik | P_ik)
//   IntAuth_r1 = prf(SK_pr(1), A_r1 | P_r1),  IntAuth_rk = prf(SK_pr(k), IntAuth_r(k-1) | A_rk | P_rk)
//   IntAuth    = IntAuth_iN | IntAuth_rN | IKE_AUTH message ID (4 octets, big-endian)
// SK_p(k) is the key of the stage that protected message k (stage k-1 when each exchange carries
// one additional key exchange). A and P are computed by the wire codec on the whole message as
// if it were not fragmented; P may be passed in pieces (e.g. per fragment), the result is the
// same. When no IKE_INTERMEDIATE ran, IntAuth is absent: its contribution is empty, not zeros.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "ike_sa_keys.hpp"

namespace pqike::keys {

// The value appended to the signed octets: empty, or IntAuth_iN | IntAuth_rN | MID.
template <policy::Prf P>
class int_auth_value {
public:
    static constexpr std::size_t max_size = 2 * P::output_size + 4;
    bytes_view view() const noexcept { return {data_.data(), size_}; }
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }

private:
    template <policy::Prf>
    friend class int_auth;
    std::array<std::byte, max_size> data_{};
    std::size_t size_ = 0;
};

enum class int_auth_sender : std::uint8_t { initiator, responder };

// Accumulates both chains. A fresh object is the "no IKE_INTERMEDIATE ran" state.
template <policy::Prf P>
class int_auth {
public:
    static constexpr std::size_t prf_size = P::output_size;

    // Fold in one IKE_INTERMEDIATE message sent by `sender`, with the SK_pi (initiator) or
    // SK_pr (responder) in force when it was protected.
    void add(int_auth_sender sender, bytes_view sk_p, bytes_view a, std::span<const bytes_view> p) noexcept {
        chain& c = sender == int_auth_sender::initiator ? i_ : r_;
        const P prf{sk_p};
        auto s = prf.stream();
        if (c.count > 0) s.update(bytes_view{c.value});
        s.update(a);
        for (const bytes_view part : p) s.update(part);
        s.finish(std::span<std::byte, prf_size>{c.value});
        ++c.count;
    }
    void add(int_auth_sender sender, bytes_view sk_p, bytes_view a, bytes_view p) noexcept {
        add(sender, sk_p, a, std::span<const bytes_view>{&p, 1});
    }
    // Same, taking SK_pi / SK_pr from the stage that protected the message.
    void add(int_auth_sender sender, const ike_sa_keys<P>& protecting_stage, bytes_view a,
             std::span<const bytes_view> p) noexcept {
        add(sender, sender == int_auth_sender::initiator ? protecting_stage.sk_pi() : protecting_stage.sk_pr(),
            a, p);
    }
    void add(int_auth_sender sender, const ike_sa_keys<P>& protecting_stage, bytes_view a,
             bytes_view p) noexcept {
        add(sender, protecting_stage, a, std::span<const bytes_view>{&p, 1});
    }

    // Number of IKE_INTERMEDIATE messages folded in per direction.
    std::size_t initiator_count() const noexcept { return i_.count; }
    std::size_t responder_count() const noexcept { return r_.count; }
    bool ran() const noexcept { return i_.count > 0 || r_.count > 0; }
    bytes_view initiator_value() const noexcept { return i_.count ? bytes_view{i_.value} : bytes_view{}; }
    bytes_view responder_value() const noexcept { return r_.count ? bytes_view{r_.value} : bytes_view{}; }

    // IntAuth for the IKE_AUTH exchange with message ID `ike_auth_mid`. Empty when no
    // IKE_INTERMEDIATE ran; errc::unexpected_message when a request has no response (or the
    // reverse), since both chains must cover the same exchanges.
    [[nodiscard]] result<int_auth_value<P>> finish(std::uint32_t ike_auth_mid) const noexcept {
        int_auth_value<P> v;
        if (!ran()) return v;
        if (i_.count != r_.count) return {errc::unexpected_message, "ike_intermediate.count", error_value{r_.count}};
        for (std::size_t k = 0; k < prf_size; ++k) {
            v.data_[k] = i_.value[k];
            v.data_[prf_size + k] = r_.value[k];
        }
        store_be32(v.data_.data() + 2 * prf_size, ike_auth_mid);
        v.size_ = 2 * prf_size + 4;
        return v;
    }

private:
    struct chain {
        std::array<std::byte, prf_size> value{};
        std::size_t count = 0;
    };
    chain i_;
    chain r_;
};

}  // namespace pqike::keys
