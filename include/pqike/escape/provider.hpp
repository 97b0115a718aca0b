// SPDX-License-Identifier: MIT
// The provider's escape state machine (docs/escape-message.md §8), sans I/O. One `provider`
// engine (configuration, sequence counter, output buffer) drives any number of per-consumer
// `provider_session`s of at most 128 bytes each; the SA binding and the tag keys belong to the
// caller's SA and are passed in on every call.
//   idle → escape_sent (retransmit the same bytes with exponential backoff until ACK/NACK or
//   the deadline) → migrating (rekey running) → confirmed | failed
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
#include "protect.hpp"
#include "replay.hpp"

namespace pqike::escape {

// The views must outlive the provider.
struct provider_config {
    std::span<const std::uint16_t> methods;  // target KE methods, preference order
    procedure proc = procedure::ike_sa_rekey;
    bytes_view ppk_id;                       // PPK the consumers must mix in (empty: none)
    std::optional<reason> why;
    std::uint32_t deadline = 3600;           // seconds from the first transmission to confirmation
    std::uint32_t initial_rto = 1;           // seconds before the first retransmission
    std::uint32_t max_rto = 64;              // backoff cap
    bool send_timestamp = true;
    std::uint8_t flags = 0;
    freshness_config fresh{};                // for the consumer's messages
};

enum class provider_state : std::uint8_t { idle, escape_sent, migrating, confirmed, failed };

// Per-consumer state: everything needed to resend the identical ESCAPE and judge the answers.
struct provider_session {
    std::uint64_t seq = 0;         // of our ESCAPE
    std::uint64_t first_sent = 0;  // also the ESCAPE's timestamp
    std::uint64_t next_retx = 0;
    replay_window peer;            // the consumer's sequence numbers
    std::array<std::byte, 16> nonce{};
    std::uint32_t rto = 0;
    std::uint16_t selected = 0;
    provider_state state = provider_state::idle;
    std::uint8_t attempts = 0;
    bool confirm_sent = false;
};
static_assert(sizeof(provider_session) <= 128, "provider state per consumer must stay <= 128 bytes");

template <policy::Prf P>
class provider {
public:
    explicit provider(const provider_config& cfg, std::uint64_t first_seq = 1) noexcept
        : cfg_(cfg), next_seq_(first_seq == 0 ? 1 : first_seq) {}

    // Escape one consumer. `nonce`: 16 fresh random octets from the caller's Rng.
    result<actions> start(provider_session& s, const key_pair<P>& k,
                          std::span<const std::byte, 16> nonce, std::uint64_t now) noexcept {
        if (s.state != provider_state::idle && s.state != provider_state::failed)
            return error{errc::escape_wrong_state, "escape.state"};
        provider_session n = s;
        n.seq = next_seq_;
        n.first_sent = now;
        n.next_retx = now + cfg_.initial_rto;
        n.rto = cfg_.initial_rto;
        std::copy(nonce.begin(), nonce.end(), n.nonce.begin());
        n.state = provider_state::escape_sent;
        n.attempts = 1;
        n.selected = 0;
        n.confirm_sent = false;
        auto m = build_escape(n, k);
        if (!m) return m.err();
        ++next_seq_;
        s = n;
        actions a;
        a.push({action_kind::send, *m, {}});
        return a;
    }

    // Time passed: retransmit the identical ESCAPE when due; give up at the deadline.
    result<actions> on_timer(provider_session& s, const key_pair<P>& k, std::uint64_t now) noexcept {
        actions a;
        const bool running = s.state == provider_state::escape_sent ||
                             s.state == provider_state::migrating;
        if (!running) return a;
        if (now >= s.first_sent + cfg_.deadline) {
            s.state = provider_state::failed;
            a.push({action_kind::give_up, {}, plan_for(s)});
            return a;
        }
        if (s.state == provider_state::escape_sent && now >= s.next_retx) {
            auto m = build_escape(s, k);
            if (!m) return m.err();
            s.rto = static_cast<std::uint32_t>(std::min<std::uint64_t>(std::uint64_t{s.rto} * 2, cfg_.max_rto));
            s.next_retx = now + s.rto;
            if (s.attempts < 255) ++s.attempts;
            a.push({action_kind::send, *m, {}});
        }
        return a;
    }

    // ESCAPE_ACK / ESCAPE_NACK from the consumer, under the classical SA's keys.
    result<actions> on_message(provider_session& s, const key_pair<P>& k, bytes_view msg,
                               std::uint64_t now) noexcept {
        auto d = decode(msg);
        if (!d) return d.err();
        if (d->type() != msg_type::ack && d->type() != msg_type::nack)
            return error{errc::escape_wrong_state, "escape.type", 4};
        auto v = verify(k.c2p, msg);
        if (!v) return v.err();
        if (auto st = s.peer.check(v->sequence(), cfg_.fresh.window); !st) return st.err();
        if (auto st = check_timestamp(v->timestamp(), now, cfg_.fresh); !st) return st.err();
        if (s.state == provider_state::idle)
            return error{errc::escape_no_matching_escape, "escape.echoed_nonce"};
        if (s.state != provider_state::escape_sent)
            return error{errc::escape_wrong_state, "escape.type", 4};
        if (!ct_equal(v->echoed_nonce(), s.nonce))
            return error{errc::escape_no_matching_escape, "escape.echoed_nonce"};
        actions a;
        if (v->type() == msg_type::ack) {
            const std::uint16_t m = *v->selected_method();
            if (std::find(cfg_.methods.begin(), cfg_.methods.end(), m) == cfg_.methods.end())
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

    // The rekey finished; `confirm` = key_pair::derive(key_mode::confirm, new PPK-mixed SK_d,
    // key ID, new SPIs). Sends our ESCAPE_CONFIRM.
    result<actions> rekey_done(provider_session& s, const key_pair<P>& confirm,
                               std::uint64_t now) noexcept {
        if (s.state != provider_state::migrating || s.confirm_sent)
            return error{errc::escape_wrong_state, "escape.state"};
        auto m = build_confirm(s, confirm, now);
        if (!m) return m.err();
        s.confirm_sent = true;
        actions a;
        a.push({action_kind::send, *m, {}});
        return a;
    }

    // The consumer's ESCAPE_CONFIRM, under the confirm keys.
    result<actions> on_confirm(provider_session& s, const key_pair<P>& confirm, bytes_view msg,
                               std::uint64_t now) noexcept {
        if (s.state != provider_state::migrating || !s.confirm_sent)
            return error{errc::escape_wrong_state, "escape.state"};
        auto v = verify(confirm.c2p, msg);
        if (!v) return v.err();
        if (v->type() != msg_type::confirm) return error{errc::escape_wrong_state, "escape.type", 4};
        if (auto st = s.peer.check(v->sequence(), cfg_.fresh.window); !st) return st.err();
        if (auto st = check_timestamp(v->timestamp(), now, cfg_.fresh); !st) return st.err();
        if (!ct_equal(v->echoed_nonce(), s.nonce))
            return error{errc::escape_no_matching_escape, "escape.echoed_nonce"};
        if (v->selected_method() && *v->selected_method() != s.selected)
            return error{errc::escape_method_not_offered, "escape.selected_method"};
        s.peer.commit(v->sequence());
        s.state = provider_state::confirmed;
        actions a;
        a.push({action_kind::confirmed, {}, plan_for(s)});
        return a;
    }

    const provider_config& config() const noexcept { return cfg_; }

private:
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
    result<bytes_view> build_confirm(const provider_session& s, const key_pair<P>& k,
                                     std::uint64_t now) noexcept {
        fields f;
        f.type = msg_type::confirm;
        f.sequence = next_seq_++;
        if (cfg_.send_timestamp) f.timestamp = now;
        f.echoed_nonce = s.nonce;
        f.selected_method = s.selected;
        f.ppk_id = cfg_.ppk_id;
        return seal(k.p2c, f, out_);
    }

    provider_config cfg_;
    std::uint64_t next_seq_;
    std::array<std::byte, limits::max_message> out_{};
};

}  // namespace pqike::escape
