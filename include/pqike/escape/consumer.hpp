// SPDX-License-Identifier: MIT
// The consumer's escape state machine (docs/escape-message.md §8), sans I/O: it takes message
// bytes and the current time (seconds) and returns actions. idle → migrating after a valid
// ESCAPE (ACK sent, rekey started) → confirmed after the CONFIRM exchange under the new keys;
// failed when the deadline passes first. Every check runs before any state is written, so a
// rejected message changes nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "actions.hpp"
#include "message.hpp"
#include "protect.hpp"
#include "replay.hpp"

namespace pqike::escape {

// The views must outlive the consumer.
struct consumer_config {
    std::span<const std::uint16_t> methods;  // KE methods this consumer can run
    std::uint32_t procedures = 1u << static_cast<unsigned>(procedure::ike_sa_rekey);  // bit per procedure
    std::span<const bytes_view> ppk_ids;     // PPKs this consumer holds
    bool require_ppk = false;                // refuse an ESCAPE that names no PPK
    freshness_config fresh{};
};

enum class consumer_state : std::uint8_t { idle, migrating, confirmed, failed };

template <policy::Prf P>
class consumer {
public:
    // `keys` protect ESCAPE/ACK/NACK on the current (classical) SA.
    consumer(const consumer_config& cfg, const key_pair<P>& keys) noexcept
        : cfg_(cfg), keys_(keys) {}

    consumer_state state() const noexcept { return state_; }
    plan migration() const noexcept { return {proc_, method_, ppk_id_.view()}; }

    // An escape message from the provider.
    result<actions> on_message(bytes_view msg, std::uint64_t now) noexcept {
        auto d = decode(msg);
        if (!d) return d.err();
        if (d->type() == msg_type::confirm) return on_confirm(msg, now);
        if (d->type() != msg_type::escape)
            return error{errc::unexpected_message, "escape.type", 4};
        auto v = verify(keys_.p2c, msg);
        if (!v) return v.err();

        // A retransmission of the ESCAPE we last accepted gets the same answer, nothing else.
        if (is_same(v->tag(), escape_tag_)) return resend(ack_);
        if (auto s = window_.check(v->sequence(), cfg_.fresh.window); !s) return s.err();
        if (auto s = check_timestamp(v->timestamp(), now, cfg_.fresh); !s) return s.err();
        if (state_ != consumer_state::idle)
            return error{errc::escape_wrong_state, "escape.type", 4};

        // Decide. Provider's preference order; first method we support.
        std::optional<status_code> refuse;
        std::uint16_t chosen = 0;
        for (std::size_t i = 0; i < v->method_count() && chosen == 0; ++i)
            if (std::find(cfg_.methods.begin(), cfg_.methods.end(), v->method(i)) != cfg_.methods.end())
                chosen = v->method(i);
        const auto proc = *v->proc();
        const auto proc_bit = static_cast<unsigned>(proc);
        if (proc_bit >= 32 || ((cfg_.procedures >> proc_bit) & 1u) == 0)
            refuse = status_code::unsupported_procedure;
        else if (chosen == 0)
            refuse = status_code::unsupported_method;
        else if (!knows_ppk(v->ppk_id()))
            refuse = status_code::unknown_ppk;

        fields a;
        a.type = refuse ? msg_type::nack : msg_type::ack;
        a.sequence = window_self_ + 1;
        a.echoed_nonce = v->nonce();
        if (refuse) {
            a.status = *refuse;
        } else {
            a.selected_method = chosen;
            a.ppk_id = v->ppk_id();
        }
        std::array<std::byte, limits::max_message> out{};
        auto sealed = seal(keys_.c2p, a, out);
        if (!sealed) return sealed.err();

        // Commit.
        window_.commit(v->sequence());
        window_self_ = a.sequence;
        (void)escape_tag_.assign(v->tag());
        (void)ack_.assign(*sealed);
        actions acts;
        acts.push({action_kind::send, ack_.view(), {}});
        if (!refuse) {
            state_ = consumer_state::migrating;
            (void)nonce_.assign(v->nonce());
            (void)ppk_id_.assign(v->ppk_id());
            proc_ = proc;
            method_ = chosen;
            deadline_ = v->deadline() ? std::optional<std::uint64_t>(now + *v->deadline())
                                      : std::nullopt;
            acts.push({action_kind::start_rekey, {}, migration()});
        }
        return acts;
    }

    // The rekey finished: `new_sk_d` is the new SA's SK_d after the PPK was mixed in
    // (hndl.hpp), `new_binding` its SPIs. Sends our ESCAPE_CONFIRM.
    result<actions> rekey_done(bytes_view new_sk_d, bytes_view new_binding) noexcept {
        if (state_ != consumer_state::migrating || confirm_keys_)
            return error{errc::escape_wrong_state, "escape.state"};
        auto k = key_pair<P>::derive(key_mode::confirm, new_sk_d, keys_.p2c.key_id(), new_binding);
        if (!k) return k.err();
        fields c;
        c.type = msg_type::confirm;
        c.sequence = window_self_ + 1;
        c.echoed_nonce = nonce_.view();
        c.selected_method = method_;
        c.ppk_id = ppk_id_.view();
        std::array<std::byte, limits::max_message> out{};
        auto sealed = seal(k->c2p, c, out);
        if (!sealed) return sealed.err();
        confirm_keys_.emplace(*k);
        window_self_ = c.sequence;
        (void)confirm_.assign(*sealed);
        actions acts;
        acts.push({action_kind::send, confirm_.view(), {}});
        return acts;
    }

    // Deadline passed before confirmation: give up (once).
    actions on_timer(std::uint64_t now) noexcept {
        actions acts;
        if (state_ == consumer_state::migrating && deadline_ && now >= *deadline_) {
            state_ = consumer_state::failed;
            acts.push({action_kind::give_up, {}, migration()});
        }
        return acts;
    }

private:
    result<actions> on_confirm(bytes_view msg, std::uint64_t now) noexcept {
        if (!confirm_keys_) return error{errc::escape_wrong_state, "escape.type", 4};
        auto v = verify(confirm_keys_->p2c, msg);
        if (!v) return v.err();
        if (is_same(v->tag(), peer_confirm_tag_)) return resend(confirm_);
        if (auto s = window_.check(v->sequence(), cfg_.fresh.window); !s) return s.err();
        if (auto s = check_timestamp(v->timestamp(), now, cfg_.fresh); !s) return s.err();
        if (state_ != consumer_state::migrating)
            return error{errc::escape_wrong_state, "escape.type", 4};
        if (!ct_equal(v->echoed_nonce(), nonce_.view()))
            return error{errc::escape_no_matching_escape, "escape.echoed_nonce"};
        if (v->selected_method() && *v->selected_method() != method_)
            return error{errc::escape_method_not_offered, "escape.selected_method"};
        window_.commit(v->sequence());
        (void)peer_confirm_tag_.assign(v->tag());
        state_ = consumer_state::confirmed;
        actions acts;
        acts.push({action_kind::confirmed, {}, migration()});
        return acts;
    }

    bool knows_ppk(bytes_view id) const noexcept {
        if (id.empty()) return !cfg_.require_ppk;
        for (bytes_view k : cfg_.ppk_ids)
            if (k.size() == id.size() && std::equal(k.begin(), k.end(), id.begin())) return true;
        return false;
    }
    // Same tag as a message we accepted: with a verified tag, the same bytes.
    template <std::size_t N>
    static bool is_same(bytes_view tag, const bounded_bytes<N>& seen) noexcept {
        return !seen.empty() && ct_equal(tag, seen.view());
    }
    template <std::size_t N>
    static actions resend(const bounded_bytes<N>& answer) noexcept {
        actions acts;
        if (!answer.empty()) acts.push({action_kind::send, answer.view(), {}});
        return acts;
    }
    consumer_config cfg_;
    key_pair<P> keys_;
    std::optional<key_pair<P>> confirm_keys_;
    consumer_state state_ = consumer_state::idle;
    replay_window window_;           // the provider's sequence numbers
    std::uint64_t window_self_ = 0;  // our last sequence number
    std::optional<std::uint64_t> deadline_;
    procedure proc_ = procedure::ike_sa_rekey;
    std::uint16_t method_ = 0;
    // Copies of decoded fields and of our sealed answers; the decoder's limits bound every one,
    // so assign() cannot fail on them.
    bounded_bytes<limits::max_nonce> nonce_;             // of the accepted ESCAPE
    bounded_bytes<limits::max_ppk_id> ppk_id_;           // of the accepted ESCAPE
    bounded_bytes<limits::max_tag> escape_tag_;          // of the last accepted ESCAPE
    bounded_bytes<limits::max_message> ack_;             // our answer to it
    bounded_bytes<limits::max_tag> peer_confirm_tag_;    // of the provider's accepted CONFIRM
    bounded_bytes<limits::max_message> confirm_;         // our CONFIRM
};

}  // namespace pqike::escape
