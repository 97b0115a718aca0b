// SPDX-License-Identifier: MIT
// Replay and freshness of escape messages (docs/escape-message.md §6). Per key and sender,
// sequence numbers strictly increase; an optional window (a 64-bit bitmap, as in RFC 4303 §3.4.3)
// accepts reordering of broadcasts. Every check is separate from its commit, so a message that
// fails any later check leaves the window untouched.
#pragma once

#include <cstdint>
#include <optional>

#include "../result.hpp"

namespace pqike::escape {

struct freshness_config {
    std::uint8_t window = 0;  // 0: strictly increasing; w <= 64: accept the w numbers below the highest
    bool require_timestamp = false;  // ESCAPE only: answers carry no TIMESTAMP (§6)
    std::uint64_t max_skew = 300;  // seconds either side of the receiver's clock
};

// The highest accepted sequence number and which of the `window` numbers below it were seen.
// 16 bytes; all zero means nothing accepted yet (sequence numbers start at 1). A window of w
// accepts the w numbers highest-1 .. highest-w (docs/escape-message.md §6); bit i-1 of the
// bitmap records highest-i, so w = 64 fits in 64 bits (the highest itself is always seen).
class replay_window {
public:
    static constexpr std::uint8_t max_window = 64;

    // escape_replayed: seen before; escape_stale: more than `window` below the highest.
    constexpr status check(std::uint64_t seq, std::uint8_t window) const noexcept {
        if (seq == 0) return status{errc::invalid_syntax, "escape.sequence"};
        if (seq > highest_) return {};
        if (seq == highest_) return status{errc::escape_replayed, "escape.sequence"};
        const std::uint64_t behind = highest_ - seq;  // >= 1
        const std::uint64_t w = window > max_window ? max_window : window;
        if (behind > w) return status{errc::escape_stale, "escape.sequence"};
        if ((seen_ >> (behind - 1)) & 1u) return status{errc::escape_replayed, "escape.sequence"};
        return {};
    }
    // Record seq; call only after check(seq) and every other check passed.
    constexpr void commit(std::uint64_t seq) noexcept {
        if (seq > highest_) {
            const std::uint64_t shift = seq - highest_;
            // The old highest (if any) becomes `shift` behind: bit shift-1.
            seen_ = shift >= 64 ? 0 : seen_ << shift;
            if (highest_ != 0 && shift <= 64) seen_ |= std::uint64_t{1} << (shift - 1);
            highest_ = seq;
        } else if (seq < highest_ && highest_ - seq <= 64) {
            seen_ |= std::uint64_t{1} << (highest_ - seq - 1);
        }
    }
    constexpr std::uint64_t highest() const noexcept { return highest_; }

private:
    std::uint64_t highest_ = 0;
    std::uint64_t seen_ = 0;  // bit i: highest_ - (i + 1) was accepted
};

// Timestamp check of an ESCAPE (§6): required or optional; not more than max_skew ahead of
// now, and not older than its own lifetime: a provider retransmits the identical ESCAPE (first
// TIMESTAMP) until TIMESTAMP + DEADLINE, so a copy is fresh until then (plus the skew). A
// retransmission is never refused only because it is one.
constexpr status check_timestamp(std::optional<std::uint64_t> ts, std::uint64_t now,
                                 const freshness_config& c, std::uint64_t lifetime = 0) noexcept {
    if (!ts) {
        if (c.require_timestamp) return status{errc::escape_missing_tlv, "escape.timestamp"};
        return {};
    }
    if (*ts > now && *ts - now > c.max_skew)
        return status{errc::escape_stale_timestamp, "escape.timestamp"};
    const std::uint64_t age = *ts < now ? now - *ts : 0;
    if (age > lifetime && age - lifetime > c.max_skew)
        return status{errc::escape_stale_timestamp, "escape.timestamp"};
    return {};
}

}  // namespace pqike::escape
