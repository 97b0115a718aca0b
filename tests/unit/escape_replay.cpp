// SPDX-License-Identifier: MIT
// Replay window and timestamp freshness of escape messages.
#include "common.hpp"

#include <pqike/escape/replay.hpp>

using namespace pqike;
using namespace pqike::escape;

TEST_CASE("replay window 0: strictly increasing") {
    replay_window w;
    CHECK(w.check(0, 0).code() == errc::invalid_syntax);
    CHECK(w.check(1, 0).ok());
    w.commit(1);
    CHECK(w.check(1, 0).code() == errc::escape_replayed);
    CHECK(w.check(5, 0).ok());
    w.commit(5);
    CHECK(w.check(4, 0).code() == errc::escape_stale);
    CHECK(w.check(6, 0).ok());
    CHECK(w.highest() == 5);
}

TEST_CASE("replay window: reordering inside the window, replay and staleness outside") {
    replay_window w;
    w.commit(10);
    CHECK(w.check(9, 4).ok());
    CHECK(w.check(7, 4).ok());
    CHECK(w.check(6, 4).ok());                            // 10 - 6 = 4 = window: inside
    CHECK(w.check(5, 4).code() == errc::escape_stale);  // 10 - 5 = 5 > window
    w.commit(8);
    CHECK(w.check(8, 4).code() == errc::escape_replayed);
    CHECK(w.check(9, 4).ok());
    // Moving forward shifts the bitmap: 8 and 10 stay seen.
    w.commit(12);
    CHECK(w.check(10, 4).code() == errc::escape_replayed);
    CHECK(w.check(11, 4).ok());
    CHECK(w.check(8, 4).code() == errc::escape_replayed);  // 4 behind: still remembered
    CHECK(w.check(7, 4).code() == errc::escape_stale);
    // A jump of 64 or more clears the bitmap without undefined shifts.
    w.commit(200);
    CHECK(w.check(199, 64).ok());
    CHECK(w.check(200, 64).code() == errc::escape_replayed);
    CHECK(w.check(136, 64).ok());  // 64 below the highest: the last one the window holds
    CHECK(w.check(135, 64).code() == errc::escape_stale);
    // A window above 64 is capped at 64.
    CHECK(w.check(136, 255).ok());
    CHECK(w.check(135, 255).code() == errc::escape_stale);
}

TEST_CASE("replay window: check alone never changes it") {
    replay_window w;
    w.commit(3);
    for (std::uint64_t s = 0; s < 10; ++s) (void)w.check(s, 8);
    CHECK(w.highest() == 3);
    CHECK(w.check(2, 8).ok());
}

TEST_CASE("timestamp freshness") {
    freshness_config c;
    c.max_skew = 60;
    CHECK(check_timestamp(std::nullopt, 1000, c).ok());
    c.require_timestamp = true;
    CHECK(check_timestamp(std::nullopt, 1000, c).code() == errc::escape_missing_tlv);
    CHECK(check_timestamp(1000 - 60, 1000, c).ok());
    CHECK(check_timestamp(1000 + 60, 1000, c).ok());
    CHECK(check_timestamp(1000 - 61, 1000, c).code() == errc::escape_stale_timestamp);
    CHECK(check_timestamp(1000 + 61, 1000, c).code() == errc::escape_stale_timestamp);
    CHECK(check_timestamp(0, UINT64_MAX, c).code() == errc::escape_stale_timestamp);
}
