// SPDX-License-Identifier: MIT
// What the sans-I/O escape state machines ask their caller to do, and the key pair of one SA.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "message.hpp"
#include "protect.hpp"

namespace pqike::escape {

// The migration the caller must run: the procedure, the KE method the consumer selected and the
// PPK to mix into the new SA (empty: none).
struct plan {
    procedure proc = procedure::ike_sa_rekey;
    std::uint16_t method = 0;
    bytes_view ppk_id;
};

enum class action_kind : std::uint8_t {
    send,         // send `bytes` to the peer (over the SA the machine is bound to)
    start_rekey,  // run `migration`; call rekey_done() with the new SA's keys
    give_up,      // the deadline passed or the peer refused: delete the new SA (if any), keep the
                  // classical one; local policy decides about retrying (docs §8.4)
    confirmed,    // the peer proved it holds the new PQ, PPK-mixed keys: retire the classical SA
};

struct action {
    action_kind kind = action_kind::send;
    bytes_view bytes;  // for send: valid until the next call on the machine
    plan migration;    // for start_rekey
};

// At most two actions per input (e.g. send the ACK, then start the rekey).
class actions {
public:
    constexpr void push(const action& a) noexcept {
        if (n_ < items_.size()) items_[n_++] = a;
    }
    constexpr std::size_t size() const noexcept { return n_; }
    constexpr bool empty() const noexcept { return n_ == 0; }
    constexpr const action& operator[](std::size_t i) const noexcept { return items_[i]; }
    constexpr const action* begin() const noexcept { return items_.data(); }
    constexpr const action* end() const noexcept { return items_.data() + n_; }

private:
    std::array<action, 2> items_{};
    std::size_t n_ = 0;
};

// The two tag keys of one SA and key mode: provider→consumer and consumer→provider.
template <policy::Prf P>
struct key_pair {
    tag_key<P> p2c;
    tag_key<P> c2p;

    static result<key_pair> derive(key_mode mode, bytes_view base, bytes_view key_id,
                                   bytes_view sa_binding) noexcept {
        auto a = tag_key<P>::derive(mode, direction::provider_to_consumer, base, key_id, sa_binding);
        if (!a) return a.error();
        auto b = tag_key<P>::derive(mode, direction::consumer_to_provider, base, key_id, sa_binding);
        if (!b) return b.error();
        return key_pair{*a, *b};
    }
};

// What the rekey produced, as this side learned it from its own rekey (never from the ACK
// alone): the confirm keys (key_mode::confirm from the new SA's PPK-mixed SK_d, bound to the new
// SPIs; hndl.hpp confirm_keys), every KE method the rekey negotiated in slot order (KE, then
// ADDKE1..7; kex::negotiated_sa::plan()) and the PPK that was mixed in (empty: none). The
// consumer copies what it keeps; the provider keeps nothing of it (its sessions stay small), so
// its caller passes the same result to rekey_done, on_timer and on_confirm.
template <policy::Prf P>
struct rekey_result {
    key_pair<P> confirm;
    std::span<const std::uint16_t> ke_methods;
    bytes_view ppk_id;
};

}  // namespace pqike::escape
