// SPDX-License-Identifier: MIT
// IKE message fragmentation (RFC 7383): split a protected message into SKF fragments that fit a
// datagram size, and reassemble received fragments into caller-provided storage with caps on
// the fragment count and the reassembled size. Each fragment is authenticated and decrypted on
// its own (own IV, padding and ICV; RFC 7383 §2.5); only fragment 1 carries the first inner
// payload type and any payloads in clear.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "header.hpp"
#include "payload_chain.hpp"
#include "sk.hpp"

namespace pqike::wire {

// ---- splitting ----------------------------------------------------------------------------------

// How large a fragment may be.
//   max_size          the datagram limit (RFC 7383 §2.5.1: 1280 for IPv6 paths, 576 for IPv4 by
//                     default)
//   ip_udp_overhead   octets of max_size taken by IP and UDP headers: 28 (IPv4: 20 + 8) by default,
//                     as strongSwan's fragment_size counts them; 48 on IPv6 paths
//   non_esp_marker    the message goes to port 4500: its 4-octet marker counts against max_size
//                     (it is not written; the transport prepends it)
//   random_padding    padding octets come from the Rng (after each fragment's IV) instead of zeros
struct fragment_options {
    std::size_t max_size = 1280;
    std::size_t ip_udp_overhead = 28;
    bool non_esp_marker = false;
    bool random_padding = false;
};

namespace fragment_detail {

struct plan {
    std::size_t first_capacity;  // inner octets in fragment 1
    std::size_t capacity;        // inner octets in each later fragment
    std::size_t count;
};

template <policy::SkCipher C>
constexpr result<plan> make_plan(const protected_message& m, const fragment_options& o) noexcept {
    const std::size_t overhead = o.ip_udp_overhead + (o.non_esp_marker ? non_esp_marker_size : 0);
    const std::size_t fixed = ike_header_size + generic_header_size + skf_fields_size;
    if (o.max_size <= overhead + fixed + m.unprotected.size())
        return error{errc::length_too_small, "fragment.max_size", 0};
    const std::size_t budget = o.max_size - overhead;
    plan p{sk_max_inner<C>(budget - fixed - m.unprotected.size()), sk_max_inner<C>(budget - fixed), 1};
    if (p.first_capacity == 0 || p.capacity == 0)
        return error{errc::length_too_small, "fragment.max_size", 0};
    if (m.inner.size() > p.first_capacity)
        p.count += (m.inner.size() - p.first_capacity + p.capacity - 1) / p.capacity;
    if (p.count > 0xffff) return error{errc::length_too_large, "skf.total_fragments", 0};
    return p;
}

}  // namespace fragment_detail

// Number of fragments split() produces (1 if the message fits one SKF datagram).
template <policy::SkCipher C>
constexpr result<std::size_t> fragment_count(const protected_message& m,
                                             const fragment_options& o) noexcept {
    auto p = fragment_detail::make_plan<C>(m, o);
    if (!p) return p.error();
    return p->count;
}

// Seal `m` as SKF fragments 1..N written back to back into `out`; fragments[i] views the i-th
// datagram. Each fragment takes its IV (and padding, if random_padding) from rng. Returns N;
// fails with buffer_too_small if `out` or `fragments` is too small (nothing usable is left).
template <policy::SkCipher C, policy::Rng R>
result<std::size_t> split(const sk_keys& keys, const protected_message& m,
                          const fragment_options& o, R& rng, mut_bytes out,
                          std::span<bytes_view> fragments) noexcept {
    auto p = fragment_detail::make_plan<C>(m, o);
    if (!p) return p.error();
    if (fragments.size() < p->count) return error{errc::buffer_too_small, "fragments", error_value{p->count}};
    std::size_t used = 0, taken = 0;
    for (std::size_t i = 0; i < p->count; ++i) {
        protected_message part = m;
        const std::size_t cap = i == 0 ? p->first_capacity : p->capacity;
        const std::size_t n = std::min(cap, m.inner.size() - taken);
        part.inner = m.inner.subspan(taken, n);
        if (i > 0) {
            part.unprotected = {};
            part.first_unprotected = payload_type::none;
            part.first_inner = payload_type::none;  // RFC 7383 §2.5: only fragment 1 names it
        }
        std::byte iv[C::iv_size];
        std::array<std::byte, max_pad_length> pad{};
        sk_seal_options so;
        if (status s = rng.fill(mut_bytes{iv, C::iv_size}); !s) return s.error();
        so.iv = bytes_view{iv, C::iv_size};
        const std::size_t pad_len = sk_min_padding<C>(n);
        if (o.random_padding && pad_len > 0) {
            if (status s = rng.fill(mut_bytes{pad.data(), pad_len}); !s) return s.error();
            so.padding = bytes_view{pad.data(), pad_len};
        }
        so.fragment = fragment_id{static_cast<std::uint16_t>(i + 1),
                                  static_cast<std::uint16_t>(p->count)};
        auto r = seal<C>(keys, part, so, out.subspan(used));
        if (!r) {
            secure_zeroize(out.first(used));
            if (r.code() == errc::buffer_too_small)
                return error{errc::buffer_too_small, "output", used + r.error().offset};
            return r.error();
        }
        fragments[i] = *r;
        used += r->size();
        taken += n;
    }
    return p->count;
}

// ---- reassembly ---------------------------------------------------------------------------------

// Caps set by the caller (RFC 7383 §2.6 leaves them to implementations; strongSwan: 255
// fragments / 10000 octets, libreswan: 32 fragments).
//   max_fragments  Total Fragments above this is rejected (also bounded by the slots given)
//   max_total      octets of reassembled payloads (clear payloads + decrypted inner chain)
struct reassembly_limits {
    std::size_t max_fragments = 255;
    std::size_t max_total = std::size_t{64} * 1024;
};

// Bookkeeping for one fragment number; the caller provides one per possible fragment.
struct fragment_slot {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    bool present = false;
};

enum class reassembly_status : std::uint8_t {
    stored,     // authentic fragment kept; more are missing
    duplicate,  // a fragment already held: ignored (retransmission)
    complete,   // all fragments held: message() is ready
};

// Storage for a reassembler that lives wherever the caller puts it (static, member, stack).
// Room for max_total octets plus one fragment's ciphertext, which is decrypted in place there.
template <std::size_t MaxTotal = std::size_t{64} * 1024, std::size_t MaxFragments = 255,
          std::size_t Scratch = 2048>
struct reassembly_storage {
    std::array<std::byte, MaxTotal + Scratch> bytes{};
    std::array<fragment_slot, MaxFragments> slots{};
    static constexpr reassembly_limits limits{MaxFragments, MaxTotal};
};

// Collects the SKF fragments of one message. Every fragment is checked (framing, numbers,
// caps, consistency with the fragments held) before any crypto, then authenticated and decrypted
// into free storage; only an accepted fragment changes the state (RFC 7383 §2.6). A fragment
// with a larger Total Fragments than those held means the sender re-fragmented (RFC 7383
// §2.5.2): once it authenticates, the old fragments are dropped and reassembly restarts with it.
// A smaller total is dropped.
class reassembler {
public:
    reassembler(mut_bytes storage, std::span<fragment_slot> slots,
                reassembly_limits limits = {}) noexcept
        : store_(storage), slots_(slots), limits_(limits) {
        for (auto& s : slots_) s = {};
    }
    template <std::size_t T, std::size_t F, std::size_t S>
    explicit reassembler(reassembly_storage<T, F, S>& st) noexcept
        : reassembler(st.bytes, st.slots, st.limits) {}
    reassembler(const reassembler&) = delete;
    reassembler& operator=(const reassembler&) = delete;
    ~reassembler() { reset(); }

    // Feed one received IKE message (after any non-ESP marker).
    template <policy::SkCipher C>
    result<reassembly_status> add(const sk_keys& keys, bytes_view message,
                                  chain_limits chain = {}) noexcept {
        auto f = parse_protected<C>(message, chain);
        if (!f) return f.error();
        if (!f->fragment) return error{errc::invalid_fragment, "skf", f->sk_offset};
        const fragment_id id = *f->fragment;
        const std::size_t id_at = f->sk_offset + generic_header_size;
        if (id.total > limits_.max_fragments || id.total > slots_.size())
            return error{errc::reassembly_limit, "skf.total_fragments", id_at + 2};
        if (id.number > 1 && !f->unprotected.empty())
            return error{errc::invalid_fragment, "skf.unprotected", ike_header_size};
        if (id.number > 1 && f->first_inner != payload_type::none)
            return error{errc::invalid_fragment, "skf.next_payload", f->sk_offset};
        bool restart = false;
        if (total_ != 0) {
            if (!same_message(f->header)) return error{errc::unexpected_message, "skf.message", 0};
            if (id.total < total_) return error{errc::invalid_fragment, "skf.total_fragments", id_at + 2};
            if (id.total == total_ && slots_[id.number - 1u].present) return reassembly_status::duplicate;
            restart = id.total > total_;
        }
        const std::size_t clear = id.number == 1 ? f->unprotected.size() : 0;
        const std::size_t ct = f->ciphertext.size();
        // Decrypted into the free tail so a fragment that fails changes nothing held; a restart
        // therefore also needs that much free room (storage = max_total + one fragment).
        if (ct + clear > store_.size() - used_)
            return error{errc::reassembly_limit, "reassembly.storage", 0};

        auto o = open<C>(keys, *f, store_.subspan(used_, ct));
        if (!o) return o.error();
        const std::size_t plen = o->inner.size();
        const std::size_t after = (restart ? 0 : held_) + plen + clear;
        if (after > limits_.max_total) {
            secure_zeroize(store_.subspan(used_, ct));
            return error{errc::reassembly_limit, "reassembly.total", 0};
        }

        // Accepted: commit.
        if (restart) drop_held();
        std::size_t at = used_;
        if (restart) {  // move the new piece to the front, wipe what it leaves behind
            if (plen != 0) std::memmove(store_.data(), store_.data() + at, plen);
            secure_zeroize(store_.subspan(plen, at + ct - plen));
            at = 0;
        } else {
            secure_zeroize(store_.subspan(at + plen, ct - plen));  // padding residue
        }
        used_ = at + plen;
        if (total_ == 0 || restart) {
            ident_ = f->header;
            total_ = id.total;
        }
        slots_[id.number - 1u] = {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(plen), true};
        if (id.number == 1) {
            std::copy(f->unprotected.begin(), f->unprotected.end(),
                      store_.begin() + static_cast<std::ptrdiff_t>(used_));
            clear_at_ = used_;
            clear_len_ = clear;
            used_ += clear;
            header_ = f->header;
            first_inner_ = f->first_inner;
            sk_flags_ = f->sk_flags;
        }
        held_ = after;
        ++received_;
        if (received_ < total_) return reassembly_status::stored;
        put_in_order();
        complete_ = true;
        return reassembly_status::complete;
    }

    bool in_progress() const noexcept { return total_ != 0 && !complete_; }
    bool complete() const noexcept { return complete_; }
    std::uint16_t total_fragments() const noexcept { return total_; }
    std::size_t received() const noexcept { return received_; }
    // Message ID of the message being reassembled (valid while total_fragments() != 0).
    std::uint32_t message_id() const noexcept { return ident_.message_id; }

    // The reassembled message (valid when complete(); views into the storage until reset()):
    // fragment 1's header, its clear payloads, the first inner type and the whole inner chain.
    // Use it with int_auth_a_p() for IntAuth, which treats it as if it had been unfragmented.
    protected_message message() const noexcept {
        protected_message m;
        if (!complete_) return m;
        m.header = header_;
        m.unprotected = bytes_view{store_.data(), clear_len_};
        m.first_unprotected = clear_len_ ? header_.next : payload_type::none;
        m.sk_flags = sk_flags_;
        m.first_inner = first_inner_;
        m.inner = bytes_view{store_.data() + clear_len_, held_ - clear_len_};
        return m;
    }

    // Forget everything (storage wiped), ready for the next message.
    void reset() noexcept {
        drop_held();
        used_ = 0;
    }

private:
    bool same_message(const ike_header& h) const noexcept {
        return h.spi_i == ident_.spi_i && h.spi_r == ident_.spi_r && h.exchange == ident_.exchange &&
               h.flags == ident_.flags && h.message_id == ident_.message_id &&
               h.minor_version == ident_.minor_version;
    }
    void drop_held() noexcept {
        secure_zeroize(store_.first(used_));
        for (std::size_t i = 0; i < total_ && i < slots_.size(); ++i) slots_[i] = {};
        total_ = 0;
        received_ = 0;
        held_ = 0;
        clear_at_ = clear_len_ = 0;
        complete_ = false;
        first_inner_ = payload_type::none;
        sk_flags_ = 0;
    }
    // Rotate the pieces (clear payloads, then fragments 1..N) to the front, in order. Pieces are
    // contiguous in arrival order; each step moves one piece to the cursor and shifts the ones
    // between right by its length. No heap; O(N * size) moves at worst, for N <= slots.
    void put_in_order() noexcept {
        std::size_t cursor = 0;
        auto bring = [&](std::size_t off, std::size_t len) {
            if (off != cursor) {
                std::rotate(store_.begin() + static_cast<std::ptrdiff_t>(cursor),
                            store_.begin() + static_cast<std::ptrdiff_t>(off),
                            store_.begin() + static_cast<std::ptrdiff_t>(off + len));
                for (std::size_t i = 0; i < total_; ++i)
                    if (slots_[i].offset >= cursor && slots_[i].offset < off)
                        slots_[i].offset = static_cast<std::uint32_t>(slots_[i].offset + len);
                if (clear_len_ && clear_at_ >= cursor && clear_at_ < off) clear_at_ += len;
            }
            cursor += len;
        };
        if (clear_len_) {
            bring(clear_at_, clear_len_);
            clear_at_ = 0;
        }
        for (std::size_t i = 0; i < total_; ++i) {
            const std::size_t at = cursor;
            bring(slots_[i].offset, slots_[i].length);
            slots_[i].offset = static_cast<std::uint32_t>(at);
        }
    }

    mut_bytes store_;
    std::span<fragment_slot> slots_;
    reassembly_limits limits_;
    ike_header ident_{};
    ike_header header_{};
    std::size_t used_ = 0;       // octets of storage in use (pieces, contiguous from 0)
    std::size_t held_ = 0;       // plaintext + clear octets held (counted against max_total)
    std::size_t received_ = 0;
    std::size_t clear_at_ = 0, clear_len_ = 0;
    std::uint16_t total_ = 0;    // 0 = nothing held
    payload_type first_inner_ = payload_type::none;
    std::uint8_t sk_flags_ = 0;
    bool complete_ = false;
};

}  // namespace pqike::wire
