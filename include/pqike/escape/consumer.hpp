// SPDX-License-Identifier: MIT
// The consumer's escape state machine (docs/escape-message.md §8.2), sans I/O: it takes message
// bytes and the current time (seconds) and returns actions.
//   idle|failed --valid ESCAPE--> migrating (ACK sent, rekey started) --rekey_done--> CONFIRM
//   sent and retransmitted --provider CONFIRM verified--> confirmed; the deadline (from the
//   ESCAPE, else a local default, capped) ends migrating in failed.
// A provider CONFIRM that arrives before rekey_done is kept and verified then. Once confirmed, a
// copy of the provider's CONFIRM gets our CONFIRM in its ANSWER form; an ANSWER is never
// answered (no ping-pong, §6). Every check runs before any state is written, so a rejected
// message changes nothing.
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
#include "actions.hpp"
#include "message.hpp"
#include "migration_rules.hpp"
#include "protect.hpp"
#include "replay.hpp"

namespace pqike::escape {

// The views must outlive the consumer.
struct consumer_config {
    std::span<const std::uint16_t> methods;  // KE methods this consumer can run (all post-quantum)
    std::span<const bytes_view> ppk_ids;     // PPKs this consumer holds
    bool require_ppk = true;                 // NACK an ESCAPE that names no PPK (§7)
    std::span<const std::uint16_t> pq_methods = default_pq_methods;  // the allowlist
    std::uint32_t default_deadline = escape::default_deadline;  // for an ESCAPE without DEADLINE
    std::uint32_t max_deadline = default_max_deadline;          // longer DEADLINEs are cut to this
    std::uint32_t initial_rto = 1;  // seconds before our CONFIRM is first sent again
    std::uint32_t max_rto = 64;     // backoff cap
    freshness_config fresh{};

    // Options that cannot work together are refused here, not discovered in the field.
    constexpr status check() const noexcept {
        if (methods.empty() || methods.size() > limits::max_methods)
            return status{errc::invalid_length, "escape.config.methods"};
        if (!all_post_quantum(methods, pq_methods))
            return status{errc::invalid_syntax, "escape.config.methods"};
        if (require_ppk && ppk_ids.empty()) return status{errc::invalid_key, "escape.config.ppk_ids"};
        for (bytes_view id : ppk_ids)
            if (id.size() < limits::min_ppk_id || id.size() > limits::max_ppk_id)
                return status{errc::invalid_length, "escape.config.ppk_ids"};
        if (default_deadline == 0 || max_deadline < default_deadline)
            return status{errc::invalid_syntax, "escape.config.deadline"};
        if (initial_rto == 0 || max_rto < initial_rto)
            return status{errc::invalid_syntax, "escape.config.rto"};
        if (fresh.window > replay_window::max_window)
            return status{errc::invalid_syntax, "escape.config.window"};
        return {};
    }
};

enum class consumer_state : std::uint8_t { idle, migrating, confirmed, failed };

template <policy::Prf P>
class consumer {
public:
    // `keys` protect ESCAPE/ACK/NACK on the current (classical) SA.
    static result<consumer> make(const consumer_config& cfg, const key_pair<P>& keys) noexcept {
        if (auto s = cfg.check(); !s) return s.error();
        return consumer{cfg, keys};
    }

    consumer_state state() const noexcept { return state_; }
    plan migration() const noexcept { return {proc_, method_, ppk_id_.view()}; }
    bool confirm_sent() const noexcept { return confirm_keys_.has_value(); }

    // An escape message from the provider: ESCAPE on the classical SA, CONFIRM on the new one.
    result<actions> on_message(bytes_view msg, std::uint64_t now) noexcept {
        auto d = decode(msg);
        if (!d) return d.error();
        if (d->type() == msg_type::confirm) return on_confirm(msg);
        if (d->type() != msg_type::escape)
            return error{errc::unexpected_message, "escape.type", 4};
        auto v = verify(keys_.p2c, msg);
        if (!v) return v.error();

        // A retransmission of the ESCAPE we last accepted gets the same answer, nothing else.
        if (is_same(v->tag(), escape_tag_)) return resend(ack_);
        if (auto s = window_.check(v->sequence(), cfg_.fresh.window); !s) return s.error();
        const std::uint32_t lifetime = deadline_of(*v);
        if (auto s = check_timestamp(v->timestamp(), now, cfg_.fresh, lifetime); !s) return s.error();
        // A failed migration can be started again (§8.2); one in progress or done cannot.
        if (state_ != consumer_state::idle && state_ != consumer_state::failed)
            return error{errc::escape_wrong_state, "escape.type", 4};

        // Decide. Provider's preference order; first method we support.
        std::optional<status_code> refuse;
        std::uint16_t chosen = 0;
        for (std::size_t i = 0; i < v->method_count() && chosen == 0; ++i)
            if (contains(cfg_.methods, v->method(i))) chosen = v->method(i);
        bool all_pq = true;
        for (std::size_t i = 0; i < v->method_count(); ++i)
            all_pq = all_pq && contains(cfg_.pq_methods, v->method(i));
        const auto proc = *v->proc();
        if (proc != procedure::ike_sa_rekey)
            refuse = status_code::unsupported_procedure;
        else if (!all_pq)
            refuse = status_code::policy_refused;  // a classical method offered as "escape"
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
        if (!sealed) return sealed.error();

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
            deadline_ = now + lifetime;
            confirm_keys_.reset();
            negotiated_count_ = 0;
            (void)confirm_.assign(bytes_view{});
            (void)answer_.assign(bytes_view{});
            (void)early_.assign(bytes_view{});
            peer_confirm_ = replay_window{};
            acts.push({action_kind::start_rekey, {}, migration()});
        }
        return acts;
    }

    // The rekey finished (§8.2): `r` as this side's rekey produced it. Sends our CONFIRM; if the
    // provider's CONFIRM arrived early, it is verified now and the migration may end confirmed.
    result<actions> rekey_done(const rekey_result<P>& r, std::uint64_t now) noexcept {
        if (state_ != consumer_state::migrating || confirm_keys_)
            return error{errc::escape_wrong_state, "escape.state"};
        if (auto s = check_rekey(migration(), r); !s) return s.error();
        std::array<std::byte, limits::max_message> out{};
        auto sealed = seal_confirm(r.confirm.c2p, nonce_.view(), migration(), r, out);
        if (!sealed) return sealed.error();
        std::array<std::byte, limits::max_message> out2{};
        auto answer = seal_confirm(r.confirm.c2p, nonce_.view(), migration(), r, out2, flag::answer);
        if (!answer) return answer.error();
        // Our own copies: the caller's views need not outlive this call.
        confirm_keys_.emplace(r.confirm);
        std::copy(r.ke_methods.begin(), r.ke_methods.end(), negotiated_.begin());
        negotiated_count_ = r.ke_methods.size();
        (void)confirm_.assign(*sealed);
        (void)answer_.assign(*answer);
        rto_ = cfg_.initial_rto;
        next_retx_ = now + rto_;
        actions acts;
        acts.push({action_kind::send, confirm_.view(), {}});
        if (!early_.empty()) {
            auto v = verify(confirm_keys_->p2c, early_.view());
            if (v && accept_confirm(*v)) acts.push({action_kind::confirmed, {}, migration()});
            (void)early_.assign(bytes_view{});  // a forged one is dropped; the provider resends
        }
        return acts;
    }

    // Time passed: resend our CONFIRM when due (until the provider's arrives); give up at the
    // deadline (once).
    actions on_timer(std::uint64_t now) noexcept {
        actions acts;
        if (state_ != consumer_state::migrating) return acts;
        if (now >= deadline_) {
            state_ = consumer_state::failed;
            acts.push({action_kind::give_up, {}, migration()});
            return acts;
        }
        if (confirm_keys_ && now >= next_retx_) {
            rto_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{rto_} * 2, cfg_.max_rto));
            next_retx_ = now + rto_;
            acts.push({action_kind::send, confirm_.view(), {}});
        }
        return acts;
    }

private:
    consumer(const consumer_config& cfg, const key_pair<P>& keys) noexcept : cfg_(cfg), keys_(keys) {}

    // DEADLINE of an ESCAPE, or the local default; never longer than the local maximum (§6).
    std::uint32_t deadline_of(const verified& v) const noexcept {
        const std::uint32_t d = v.deadline() ? *v.deadline() : cfg_.default_deadline;
        return std::min(d, cfg_.max_deadline);
    }

    result<actions> on_confirm(bytes_view msg) noexcept {
        if (!confirm_keys_) {
            // Before our rekey is done (§8.2): keep the latest candidate (its key ID matching) and
            // verify it in rekey_done. The provider resends its CONFIRM, so one slot is enough.
            if (state_ != consumer_state::migrating)
                return error{errc::escape_wrong_state, "escape.type", 4};
            auto d = decode(msg);
            if (!d) return d.error();
            const bytes_view kid = d->unverified_key_id();
            if (kid.size() != keys_.p2c.key_id().size() || !ct_equal(kid, keys_.p2c.key_id()))
                return error{errc::escape_wrong_key_id, "escape.key_id"};
            (void)early_.assign(msg);
            return actions{};
        }
        auto v = verify(confirm_keys_->p2c, msg);
        if (!v) return v.error();
        // A CONFIRM we already accepted, while confirmed: the provider may lack ours — a copy of
        // its CONFIRM gets our ANSWER form; an ANSWER comes from a confirmed provider, which has
        // ours, and answering it would start a ping-pong (§6).
        if (peer_confirm_.check(v->sequence(), 0).code() == errc::escape_replayed &&
            state_ == consumer_state::confirmed) {
            if ((v->flags() & flag::answer) != 0) return error{errc::escape_replayed, "escape.sequence"};
            return resend(answer_);
        }
        if (auto s = peer_confirm_.check(v->sequence(), cfg_.fresh.window); !s) return s.error();
        if (state_ != consumer_state::migrating)
            return error{errc::escape_wrong_state, "escape.type", 4};
        if (auto s = check_confirm(*v, nonce_.view(), migration(), negotiated(), ppk_id_.view()); !s)
            return s.error();
        (void)accept_confirm(*v);
        actions acts;
        acts.push({action_kind::confirmed, {}, migration()});
        return acts;
    }
    // Checks that need the state, then commit. Returns whether it was accepted.
    bool accept_confirm(const verified& v) noexcept {
        if (state_ != consumer_state::migrating) return false;
        if (!peer_confirm_.check(v.sequence(), cfg_.fresh.window)) return false;
        if (!check_confirm(v, nonce_.view(), migration(), negotiated(), ppk_id_.view())) return false;
        peer_confirm_.commit(v.sequence());
        state_ = consumer_state::confirmed;
        return true;
    }

    // What our rekey negotiated (its PPK is the ESCAPE's, ppk_id_: check_rekey made sure).
    std::span<const std::uint16_t> negotiated() const noexcept {
        return {negotiated_.data(), negotiated_count_};
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
    std::optional<key_pair<P>> confirm_keys_;  // set by rekey_done: our CONFIRM is out
    std::array<std::uint16_t, limits::max_methods> negotiated_{};  // what our rekey negotiated
    std::size_t negotiated_count_ = 0;
    consumer_state state_ = consumer_state::idle;
    replay_window window_;           // the provider's sequence numbers under keys_.p2c
    replay_window peer_confirm_;     // ... and under the confirm key (§6: per key and sender)
    std::uint64_t window_self_ = 0;  // our last sequence number under keys_.c2p
    std::uint64_t deadline_ = 0;
    std::uint64_t next_retx_ = 0;
    std::uint32_t rto_ = 0;
    procedure proc_ = procedure::ike_sa_rekey;
    std::uint16_t method_ = 0;
    // Copies of decoded fields and of our sealed answers; the decoder's limits bound every one,
    // so assign() cannot fail on them.
    bounded_bytes<limits::max_nonce> nonce_;             // of the accepted ESCAPE
    bounded_bytes<limits::max_ppk_id> ppk_id_;           // of the accepted ESCAPE
    bounded_bytes<limits::max_tag> escape_tag_;          // of the last accepted ESCAPE
    bounded_bytes<limits::max_message> ack_;             // our answer to it
    bounded_bytes<limits::max_message> confirm_;         // our CONFIRM
    bounded_bytes<limits::max_message> answer_;          // ... in its ANSWER form
    bounded_bytes<limits::max_message> early_;           // a provider CONFIRM before rekey_done
};

}  // namespace pqike::escape
