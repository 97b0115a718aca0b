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
    std::uint8_t window = 0;  // 0: strictly increasing; up to 64: accept that much reordering
    bool require_timestamp = false;
    std::uint64_t max_skew = 300;  // seconds either side of the receiver's clock
};

// The highest accepted sequence number and which of the `window` numbers below it were seen.
// 16 bytes; all zero means nothing accepted yet (sequence numbers start at 1).
class replay_window {
public:
    // escape_replayed: seen before; escape_stale: below the window (or not above the highest
    // when the window is 0 and it is not the highest either).
    constexpr status check(std::uint64_t seq, std::uint8_t window) const noexcept {
        if (seq == 0) return status{errc::invalid_syntax, "escape.sequence"};
        if (seq > highest_) return {};
        if (seq == highest_) return status{errc::escape_replayed, "escape.sequence"};
        const std::uint64_t behind = highest_ - seq;  // >= 1
        const std::uint64_t w = window > 64 ? 64 : window;
        if (behind >= w) return status{errc::escape_stale, "escape.sequence"};
        if ((seen_ >> behind) & 1u) return status{errc::escape_replayed, "escape.sequence"};
        return {};
    }
    // Record seq; call only after check(seq) and every other check passed.
    constexpr void commit(std::uint64_t seq) noexcept {
        if (seq > highest_) {
            const std::uint64_t shift = seq - highest_;
            seen_ = shift >= 64 ? 0 : seen_ << shift;
            seen_ |= 1u;
            highest_ = seq;
        } else {
            seen_ |= std::uint64_t{1} << (highest_ - seq);
        }
    }
    constexpr std::uint64_t highest() const noexcept { return highest_; }

private:
    std::uint64_t highest_ = 0;
    std::uint64_t seen_ = 0;  // bit i: highest_ - i was accepted
};

// Timestamp check: required or optional, and within max_skew of now (seconds).
constexpr status check_timestamp(std::optional<std::uint64_t> ts, std::uint64_t now,
                                 const freshness_config& c) noexcept {
    if (!ts) {
        if (c.require_timestamp) return status{errc::escape_missing_tlv, "escape.timestamp"};
        return {};
    }
    const std::uint64_t diff = *ts > now ? *ts - now : now - *ts;
    if (diff > c.max_skew) return status{errc::escape_stale_timestamp, "escape.timestamp"};
    return {};
}

}  // namespace pqike::escape
