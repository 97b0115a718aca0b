// SPDX-License-Identifier: MIT
// Memory an exchange helper uses only while it handles one datagram, and memory it borrows only
// while a fragmented message (RFC 7383) is being reassembled. Neither is part of the helper, so
// what an exchange in flight keeps between datagrams stays small (docs/exchanges.md, "Memory"):
//   workspace        the inner payload chain of the message being built and the plaintext of the
//                    message being read; one per thread (thread_workspace()), lent to each call
//   fragment_pool    reassembly storage: a helper takes a slot at the first fragment of a message
//                    and gives it back when the message is complete or abandoned
// No heap: the default pool and the workspaces are static / thread-local storage.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <span>

#include "../bytes.hpp"
#include "../wire/fragment.hpp"

namespace pqike::exchange {

inline constexpr std::size_t max_inner_chain = 8192;         // payloads of a message we build
inline constexpr std::size_t max_protected_message = 16384;  // plaintext of a message we accept
inline constexpr std::size_t max_message_fragments = 32;     // SKF fragments of one message

struct workspace {
    std::array<std::byte, max_inner_chain> inner{};
    std::array<std::byte, max_protected_message> plain{};
};

// The calling thread's workspace. What a helper returns that views a received message (e.g.
// informational_responder::payloads()) lives here: valid until the next call of any helper on
// the same thread.
inline workspace& thread_workspace() noexcept {
    thread_local constinit workspace w{};
    return w;
}

using fragment_storage = wire::reassembly_storage<max_protected_message, max_message_fragments>;

// Reassembly slots shared by the helpers that point at it; safe to use from several threads. A
// full pool refuses a first fragment (errc::reassembly_limit, "reassembly.pool") and nothing
// else changes: the peer retransmits (RFC 7383 §2.6), by which time a slot may be free. Only
// authenticated fragments take a slot, so only peers holding SK keys can occupy one.
class fragment_pool {
public:
    constexpr fragment_pool(std::span<fragment_storage> slots, std::span<std::atomic<bool>> busy) noexcept
        : slots_(slots), busy_(busy) {}
    fragment_pool(const fragment_pool&) = delete;
    fragment_pool& operator=(const fragment_pool&) = delete;

    fragment_storage* acquire() noexcept {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            bool idle = false;
            if (busy_[i].compare_exchange_strong(idle, true, std::memory_order_acquire)) return &slots_[i];
        }
        return nullptr;
    }
    // `s` must come from acquire() on this pool; the reassembler has wiped what it used.
    void release(fragment_storage* s) noexcept {
        busy_[static_cast<std::size_t>(s - slots_.data())].store(false, std::memory_order_release);
    }
    std::size_t size() const noexcept { return slots_.size(); }
    std::size_t in_use() const noexcept {
        std::size_t n = 0;
        for (const auto& b : busy_) n += b.load(std::memory_order_relaxed) ? 1u : 0u;
        return n;
    }

private:
    std::span<fragment_storage> slots_;
    std::span<std::atomic<bool>> busy_;
};

namespace detail {
template <std::size_t N>
struct pool_slots {
    std::array<fragment_storage, N> storage{};
    std::array<std::atomic<bool>, N> busy{};
};
}  // namespace detail

// A pool with its own `N` slots (about 18.8 KB each). The slots are a base constructed first,
// so the pool's views of them are formed in a constant expression (constinit static pools).
template <std::size_t N>
class fragment_pool_of : private detail::pool_slots<N>, public fragment_pool {
public:
    constexpr fragment_pool_of() noexcept
        : detail::pool_slots<N>{}, fragment_pool(this->storage, this->busy) {}
};

inline constexpr std::size_t default_fragment_pool_slots = 64;

// The pool of every helper whose fragmentation::pool is null: 64 slots in static storage
// (untouched pages cost no memory), so 64 messages may be in reassembly at once.
inline fragment_pool& default_fragment_pool() noexcept {
    static constinit fragment_pool_of<default_fragment_pool_slots> pool{};
    return pool;
}

}  // namespace pqike::exchange
