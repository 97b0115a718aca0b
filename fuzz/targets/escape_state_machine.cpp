// SPDX-License-Identifier: MIT
// Fuzz the provider and consumer state machines with a sequence of events and times. Each
// record: op (1 octet), time step (1 octet, seconds), then op-specific octets. Messages come
// from a pool filled with what the machines send (and from raw fuzzer bytes), optionally
// mutated. Invariants: a call that returns an error leaves the machine's state unchanged; the
// provider never reaches `confirmed` without having sent its CONFIRM; states only move forward.
#include <pqike/crypto/hmac.hpp>
#include <pqike/escape/consumer.hpp>
#include <pqike/escape/provider.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::escape;
using P = crypto::hmac_sha256;

namespace {
constexpr std::uint16_t offered[] = {36, 37};
constexpr std::uint16_t supported[] = {37, 36};
const char ppk_name[] = "ppk-2026";

key_pair<P> make(key_mode m, std::uint8_t fill, std::uint8_t spi) {
    std::array<std::byte, 32> base{};
    base.fill(static_cast<std::byte>(fill));
    std::array<std::byte, 16> spis{};
    spis.fill(static_cast<std::byte>(spi));
    static const char id[] = "escape-key-1";
    auto k = key_pair<P>::derive(m, base, as_bytes_view(id, sizeof id - 1), spis);
    if (!k) std::abort();
    return *k;
}

bool same(const provider_session& a, const provider_session& b) {
    return std::memcmp(&a.seq, &b.seq, sizeof a.seq) == 0 && a.first_sent == b.first_sent &&
           a.next_retx == b.next_retx && a.peer.highest() == b.peer.highest() && a.nonce == b.nonce &&
           a.rto == b.rto && a.selected == b.selected && a.state == b.state && a.attempts == b.attempts &&
           a.confirm_sent == b.confirm_sent;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto keys = make(key_mode::escape_psk, 7, 1);
    static const auto confirm = make(key_mode::confirm, 9, 2);
    static const std::array<std::byte, 32> new_sk_d = [] {
        std::array<std::byte, 32> b{};
        b.fill(std::byte{9});
        return b;
    }();
    static const std::array<std::byte, 16> new_spis = [] {
        std::array<std::byte, 16> b{};
        b.fill(std::byte{2});
        return b;
    }();
    const bytes_view ppk_ids[] = {as_bytes_view(ppk_name, sizeof ppk_name - 1)};

    provider_config pc;
    pc.methods = offered;
    pc.ppk_id = ppk_ids[0];
    pc.deadline = 120;
    consumer_config cc;
    cc.methods = supported;
    cc.ppk_ids = ppk_ids;
    cc.fresh.window = 4;
    provider<P> prov{pc};
    provider_session s;
    consumer<P> cons{cc, keys};
    std::vector<std::vector<std::byte>> pool;
    std::uint64_t now = 1767225600;

    auto keep = [&](const result<actions>& r) {
        if (!r) return;
        for (const auto& a : *r)
            if (a.kind == action_kind::send && pool.size() < 32) pool.emplace_back(a.bytes.begin(), a.bytes.end());
    };

    std::size_t i = 0;
    while (i + 2 <= size) {
        const std::uint8_t op = data[i] % 8;
        now += data[i + 1];
        i += 2;
        // A message: from the pool (arg < 0x80, optionally mutated) or raw bytes.
        std::vector<std::byte> msg;
        if (op <= 3 && i < size) {
            const std::uint8_t arg = data[i++];
            if (arg < 0x80 && !pool.empty()) {
                msg = pool[arg % pool.size()];
                if ((arg & 0x40) && i + 2 <= size && !msg.empty()) {
                    msg[data[i] % msg.size()] ^= static_cast<std::byte>(data[i + 1] | 1);
                    i += 2;
                }
            } else {
                std::size_t n = 0;
                if (i < size) {
                    n = data[i];
                    ++i;
                    n = std::min<std::size_t>(n, size - i);
                }
                msg.assign(reinterpret_cast<const std::byte*>(data + i), reinterpret_cast<const std::byte*>(data + i + n));
                i += n;
            }
        }
        const auto before_s = s;
        const auto before_c = cons.state();
        switch (op) {
            case 0:
            case 1: {  // to the consumer
                auto r = cons.on_message(msg, now);
                if (!r && cons.state() != before_c) std::abort();
                keep(r);
                break;
            }
            case 2: {  // ACK/NACK to the provider
                auto r = prov.on_message(s, keys, msg, now);
                if (!r && !same(before_s, s)) std::abort();
                keep(r);
                break;
            }
            case 3: {  // CONFIRM to the provider
                auto r = prov.on_confirm(s, confirm, msg, now);
                if (!r && !same(before_s, s)) std::abort();
                if (r && !s.confirm_sent) std::abort();
                keep(r);
                break;
            }
            case 4: {
                std::array<std::byte, 16> nonce{};
                nonce.fill(static_cast<std::byte>(i));
                auto r = prov.start(s, keys, nonce, now);
                if (!r && !same(before_s, s)) std::abort();
                keep(r);
                break;
            }
            case 5: {
                auto r = prov.on_timer(s, keys, now);
                keep(r);
                break;
            }
            case 6: {
                auto r = prov.rekey_done(s, confirm, now);
                if (!r && !same(before_s, s)) std::abort();
                keep(r);
                auto c = cons.rekey_done(new_sk_d, new_spis);
                if (!c && cons.state() != before_c) std::abort();
                keep(c);
                break;
            }
            case 7: {
                auto a = cons.on_timer(now);
                (void)a;
                break;
            }
        }
        // States only move forward (a provider may restart from failed).
        if (cons.state() < before_c) std::abort();
        if (s.state == provider_state::confirmed && !s.confirm_sent) std::abort();
        if (s.state < before_s.state && !(before_s.state == provider_state::failed && op == 4)) std::abort();
    }
    return 0;
}
