// SPDX-License-Identifier: MIT
// The provider's escape state machine (docs/escape-message.md §8), sans I/O. One `provider`
// engine (configuration, sequence counter, output buffer) drives any number of per-consumer
// `provider_session`s of at most 128 bytes each; the SA binding and the tag keys belong to the
// caller's SA and are passed in on every call (docs/escape-message.md §8.1).
//   idle|failed → escape_sent (retransmit the same bytes with exponential backoff until ACK/NACK
//   or the deadline) → migrating (rekey running; then our CONFIRM, retransmitted until the
//   consumer's arrives) → confirmed | failed. Once confirmed, a copy of the consumer's CONFIRM
//   gets our CONFIRM in its ANSWER form; an ANSWER is never answered (no ping-pong, §6).
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

// The views must outlive the provider.
struct provider_config {
    std::span<const std::uint16_t> methods;  // target KE methods, preference order (post-quantum)
    procedure proc = procedure::ike_sa_rekey;
    bytes_view ppk_id;                       // PPK the consumers must mix in
    bool allow_no_ppk = false;               // an empty ppk_id is refused unless set (§7)
    std::span<const std::uint16_t> pq_methods = default_pq_methods;  // the allowlist
    std::optional<reason> why;
    std::uint32_t deadline = 3600;           // seconds from the first transmission to confirmation
    std::uint32_t initial_rto = 1;           // seconds before the first retransmission
    std::uint32_t max_rto = 64;              // backoff cap
    bool send_timestamp = true;
    std::uint8_t flags = 0;
    freshness_config fresh{};                // for the consumer's messages: only `window` applies

    // Options that cannot work together are refused here, not discovered in the field.
    constexpr status check() const noexcept {
        if (methods.empty() || methods.size() > limits::max_methods)
            return status{errc::invalid_length, "escape.config.methods"};
        if (!all_post_quantum(methods, pq_methods))
            return status{errc::invalid_syntax, "escape.config.methods"};
        if (proc != procedure::ike_sa_rekey) return status{errc::invalid_syntax, "escape.config.proc"};
        if (ppk_id.empty() && !allow_no_ppk) return status{errc::invalid_key, "escape.config.ppk_id"};
        if (ppk_id.size() > limits::max_ppk_id)
            return status{errc::invalid_length, "escape.config.ppk_id"};
        if (deadline == 0) return status{errc::invalid_syntax, "escape.config.deadline"};
        if (initial_rto == 0 || max_rto < initial_rto)
            return status{errc::invalid_syntax, "escape.config.rto"};
        if (fresh.window > replay_window::max_window)
            return status{errc::invalid_syntax, "escape.config.window"};
        // Answers carry no TIMESTAMP (§6): requiring one would refuse every ACK.
        if (fresh.require_timestamp)
            return status{errc::invalid_syntax, "escape.config.require_timestamp"};
        return {};
    }
};

enum class provider_state : std::uint8_t { idle, escape_sent, migrating, confirmed, failed };

// Per-consumer state: everything needed to resend the identical ESCAPE and CONFIRM and judge the
// answers. The CONFIRM is rebuilt from it and the rekey result (migration_rules.hpp seal_confirm).
struct provider_session {
    std::uint64_t seq = 0;         // of our ESCAPE
    std::uint64_t first_sent = 0;  // also the ESCAPE's timestamp
    std::uint64_t next_retx = 0;   // of the ESCAPE, then of our CONFIRM
    replay_window peer;            // the consumer's sequence numbers under the classical c2p key
    replay_window peer_confirm;    // ... and under the confirm key (§6: per key and sender)
    std::array<std::byte, 16> nonce{};
    std::uint32_t rto = 0;
    std::uint16_t selected = 0;
    provider_state state = provider_state::idle;
    std::uint8_t attempts = 0;
    bool confirm_sent = false;
    bool peer_confirmed = false;   // the consumer's CONFIRM verified (possibly before ours went out)
};
static_assert(sizeof(provider_session) <= 128, "provider state per consumer must stay <= 128 bytes");

template <policy::Prf P>
class provider {
public:
    static result<provider> make(const provider_config& cfg, std::uint64_t first_seq = 1) noexcept {
        if (auto s = cfg.check(); !s) return s.error();
        return provider{cfg, first_seq};
    }

    // Escape one consumer (again, after a failure). `nonce`: 16 fresh random octets.
    result<actions> start(provider_session& s, const key_pair<P>& k,
                          std::span<const std::byte, 16> nonce, std::uint64_t now) noexcept {
        if (s.state != provider_state::idle && s.state != provider_state::failed)
            return error{errc::escape_wrong_state, "escape.state"};
        provider_session n;
        n.seq = next_seq_;
        n.first_sent = now;
        n.next_retx = now + cfg_.initial_rto;
        n.rto = cfg_.initial_rto;
        n.peer = s.peer;  // the consumer's ACK/NACK numbers keep increasing under the same key
        std::copy(nonce.begin(), nonce.end(), n.nonce.begin());
        n.state = provider_state::escape_sent;
        n.attempts = 1;
        auto m = build_escape(n, k);
        if (!m) return m.error();
        ++next_seq_;
        s = n;
        actions a;
        a.push({action_kind::send, *m, {}});
        return a;
    }

    // Time passed: retransmit the identical ESCAPE when due; give up at the deadline.
    result<actions> on_timer(provider_session& s, const key_pair<P>& k, std::uint64_t now) noexcept {
        return timer(s, k, nullptr, now);
    }
    // The same after rekey_done: also retransmits our CONFIRM until the consumer's arrives.
    result<actions> on_timer(provider_session& s, const key_pair<P>& k, const rekey_result<P>& r,
                             std::uint64_t now) noexcept {
        return timer(s, k, &r, now);
    }

    // ESCAPE_ACK / ESCAPE_NACK from the consumer, under the classical SA's keys. Their TIMESTAMP,
    // if any, is not judged: an answer is fresh because it echoes our outstanding nonce (§6).
    result<actions> on_message(provider_session& s, const key_pair<P>& k, bytes_view msg,
                               std::uint64_t) noexcept {
        auto d = decode(msg);
        if (!d) return d.error();
        if (d->type() != msg_type::ack && d->type() != msg_type::nack)
            return error{errc::escape_wrong_state, "escape.type", 4};
        auto v = verify(k.c2p, msg);
        if (!v) return v.error();
        if (auto st = s.peer.check(v->sequence(), cfg_.fresh.window); !st) return st.error();
        if (s.state == provider_state::idle)
            return error{errc::escape_no_matching_escape, "escape.echoed_nonce"};
        if (s.state != provider_state::escape_sent)
            return error{errc::escape_wrong_state, "escape.type", 4};
        if (!ct_equal(v->echoed_nonce(), s.nonce))
            return error{errc::escape_no_matching_escape, "escape.echoed_nonce"};
        actions a;
        if (v->type() == msg_type::ack) {
            const std::uint16_t m = *v->selected_method();
            if (!contains(cfg_.methods, m))
                return error{errc::escape_method_not_offered, "escape.selected_method"};
            // An echoed PPK ID must be the one we named (the consumer mixes that PPK in).
            if (!v->ppk_id().empty() && !ct_equal(v->ppk_id(), cfg_.ppk_id))
                return error{errc::invalid_syntax, "escape.ppk_id"};
            s.peer.commit(v->sequence());
            s.selected = m;
            s.state = provider_state::migrating;
            a.push({action_kind::start_rekey, {}, plan_for(s)});
        } else {
            s.peer.commit(v->sequence());
            s.state = provider_state::failed;
            a.push({action_kind::give_up, {}, plan_for(s)});
        }
        return a;
    }

    // The rekey finished; `r` as this side's rekey produced it (actions.hpp). Sends our
    // ESCAPE_CONFIRM, and reports `confirmed` at once if the consumer's CONFIRM came first.
    result<actions> rekey_done(provider_session& s, const rekey_result<P>& r,
                               std::uint64_t now) noexcept {
        if (s.state != provider_state::migrating || s.confirm_sent)
            return error{errc::escape_wrong_state, "escape.state"};
        if (auto st = check_rekey(plan_for(s), r); !st) return st.error();
        auto m = seal_confirm(r.confirm.p2c, s.nonce, plan_for(s), r, out_);
        if (!m) return m.error();
        s.confirm_sent = true;
        s.rto = cfg_.initial_rto;
        s.next_retx = now + s.rto;
        actions a;
        a.push({action_kind::send, *m, {}});
        if (s.peer_confirmed) {
            s.state = provider_state::confirmed;
            a.push({action_kind::confirmed, {}, plan_for(s)});
        }
        return a;
    }

    // The consumer's ESCAPE_CONFIRM, under the confirm keys of `r`. Before rekey_done it is
    // verified and kept (peer_confirmed); after confirmation a copy is answered with ours in its
    // ANSWER form, unless the copy is itself an ANSWER (escape_replayed: the consumer, being
    // confirmed, holds ours; answering it would start a ping-pong, §6).
    result<actions> on_confirm(provider_session& s, const rekey_result<P>& r, bytes_view msg,
                               std::uint64_t) noexcept {
        if (s.state != provider_state::migrating && s.state != provider_state::confirmed)
            return error{errc::escape_wrong_state, "escape.state"};
        auto v = verify(r.confirm.c2p, msg);
        if (!v) return v.error();
        if (v->type() != msg_type::confirm) return error{errc::escape_wrong_state, "escape.type", 4};
        if (s.state == provider_state::confirmed) return answer_copy(s, r, *v);
        if (auto st = s.peer_confirm.check(v->sequence(), cfg_.fresh.window); !st) return st.error();
        if (auto st = check_rekey(plan_for(s), r); !st) return st.error();
        if (auto st = check_confirm(*v, s.nonce, plan_for(s), r.ke_methods, r.ppk_id); !st) return st.error();
        s.peer_confirm.commit(v->sequence());
        s.peer_confirmed = true;
        actions a;
        if (s.confirm_sent) {
            s.state = provider_state::confirmed;
            a.push({action_kind::confirmed, {}, plan_for(s)});
        }
        return a;
    }

    const provider_config& config() const noexcept { return cfg_; }

private:
    provider(const provider_config& cfg, std::uint64_t first_seq) noexcept
        : cfg_(cfg), next_seq_(first_seq == 0 ? 1 : first_seq) {}

    result<actions> timer(provider_session& s, const key_pair<P>& k, const rekey_result<P>* r,
                          std::uint64_t now) noexcept {
        actions a;
        const bool running = s.state == provider_state::escape_sent ||
                             s.state == provider_state::migrating;
        if (!running) return a;
        if (now >= s.first_sent + cfg_.deadline) {
            s.state = provider_state::failed;
            a.push({action_kind::give_up, {}, plan_for(s)});
            return a;
        }
        if (now < s.next_retx) return a;
        bytes_view m;
        if (s.state == provider_state::escape_sent) {
            auto e = build_escape(s, k);
            if (!e) return e.error();
            m = *e;
        } else if (s.confirm_sent && r != nullptr) {
            auto c = seal_confirm(r->confirm.p2c, s.nonce, plan_for(s), *r, out_);
            if (!c) return c.error();
            m = *c;
        } else {
            return a;
        }
        s.rto = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{s.rto} * 2, cfg_.max_rto));
        s.next_retx = now + s.rto;
        if (s.attempts < 255) ++s.attempts;
        a.push({action_kind::send, m, {}});
        return a;
    }
    // A verified copy of the consumer's CONFIRM reached us confirmed: the consumer may lack ours
    // (it still retransmits), so answer — but never an ANSWER, which only a confirmed consumer
    // sends. Each CONFIRM sent while migrating thus draws at most one answer per copy.
    result<actions> answer_copy(const provider_session& s, const rekey_result<P>& r,
                                const verified& v) noexcept {
        if ((v.flags() & flag::answer) != 0) return error{errc::escape_replayed, "escape.sequence"};
        auto c = seal_confirm(r.confirm.p2c, s.nonce, plan_for(s), r, out_, flag::answer);
        if (!c) return c.error();
        actions a;
        a.push({action_kind::send, *c, {}});
        return a;
    }
    plan plan_for(const provider_session& s) const noexcept {
        return {cfg_.proc, s.selected, cfg_.ppk_id};
    }
    // Deterministic from the session, so a retransmission is the identical message.
    result<bytes_view> build_escape(const provider_session& s, const key_pair<P>& k) noexcept {
        fields f;
        f.type = msg_type::escape;
        f.flags = cfg_.flags;
        f.sequence = s.seq;
        if (cfg_.send_timestamp) f.timestamp = s.first_sent;
        f.nonce = s.nonce;
        f.ke_methods = cfg_.methods;
        f.proc = cfg_.proc;
        f.deadline = cfg_.deadline;
        f.why = cfg_.why;
        f.ppk_id = cfg_.ppk_id;
        return seal(k.p2c, f, out_);
    }

    provider_config cfg_;
    std::uint64_t next_seq_;
    std::array<std::byte, limits::max_message> out_{};
};

}  // namespace pqike::escape
