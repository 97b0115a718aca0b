// SPDX-License-Identifier: MIT
// Fuzz the provider and consumer state machines with a sequence of events and times. Each
// record: op (1 octet), time step (1 octet, seconds), then op-specific octets. Messages come
// from a pool filled with what the machines send (and from raw fuzzer bytes), optionally
// mutated. Inputs include early CONFIRMs (before rekey_done), CONFIRM retransmission timers,
// restarts after failure and downgraded rekey results. Invariants: a call that returns an error
// leaves the machine's state unchanged; the provider never reaches `confirmed` without having
// sent its CONFIRM and verified the consumer's; a machine ends `confirmed` only with the honest
// rekey result; states only move forward except a restart from `failed`.
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
           a.confirm_sent == b.confirm_sent && a.peer_confirmed == b.peer_confirmed &&
           a.peer_confirm.highest() == b.peer_confirm.highest();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto keys = make(key_mode::escape_psk, 7, 1);
    static const auto confirm = make(key_mode::confirm, 9, 2);
    static constexpr std::uint16_t negotiated[] = {31, 36};
    static constexpr std::uint16_t downgraded[] = {31};
    const bytes_view ppk_ids[] = {as_bytes_view(ppk_name, sizeof ppk_name - 1)};
    // The honest rekey result, and ones an attacker in the rekey could cause.
    const rekey_result<P> honest{confirm, negotiated, ppk_ids[0]};
    const rekey_result<P> results[] = {honest, {confirm, downgraded, ppk_ids[0]}, {confirm, negotiated, {}}};

    provider_config pc;
    pc.methods = offered;
    pc.ppk_id = ppk_ids[0];
    pc.deadline = 120;
    consumer_config cc;
    cc.methods = supported;
    cc.ppk_ids = ppk_ids;
    cc.fresh.window = 4;
    cc.initial_rto = 2;
    auto made_p = provider<P>::make(pc);
    auto made_c = consumer<P>::make(cc, keys);
    if (!made_p || !made_c) std::abort();
    provider<P>& prov = *made_p;
    consumer<P>& cons = *made_c;
    provider_session s;
    bool cons_honest = false;  // the consumer's rekey_done got the honest result
    std::vector<std::vector<std::byte>> pool;
    std::uint64_t now = 1767225600;

    auto keep = [&](const result<actions>& r) {
        if (!r) return;
        for (const auto& a : *r)
            if (a.kind == action_kind::send && pool.size() < 32) pool.emplace_back(a.bytes.begin(), a.bytes.end());
    };

    std::size_t i = 0;
    while (i + 2 <= size) {
        const std::uint8_t op = data[i] % 10;
        const rekey_result<P>& rr = results[(data[i] >> 4) % 3];
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
            case 3: {  // CONFIRM to the provider (possibly before its rekey_done)
                auto r = prov.on_confirm(s, rr, msg, now);
                if (!r && !same(before_s, s)) std::abort();
                if (s.state == provider_state::confirmed && !(s.confirm_sent && s.peer_confirmed)) std::abort();
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
                auto r = prov.rekey_done(s, rr, now);
                if (!r && !same(before_s, s)) std::abort();
                if (r && &rr != &results[0]) std::abort();  // only the honest result passes
                keep(r);
                break;
            }
            case 7: {
                keep(cons.on_timer(now));
                break;
            }
            case 8: {
                const bool sent_before = cons.confirm_sent();
                auto c = cons.rekey_done(rr, now);
                if (!c && cons.state() != before_c) std::abort();
                if (c && &rr != &results[0]) std::abort();
                if (c && !sent_before) cons_honest = true;
                keep(c);
                break;
            }
            case 9: {  // CONFIRM retransmission timer of the provider
                keep(prov.on_timer(s, keys, rr, now));
                break;
            }
        }
        // States only move forward (either side may restart from failed).
        if (cons.state() < before_c && !(before_c == consumer_state::failed && op <= 1)) std::abort();
        if (cons.state() == consumer_state::confirmed && !cons_honest) std::abort();
        if (cons.state() == consumer_state::migrating && before_c != consumer_state::migrating) cons_honest = false;
        if (s.state == provider_state::confirmed && !s.confirm_sent) std::abort();
        if (s.state < before_s.state && !(before_s.state == provider_state::failed && op == 4)) std::abort();
    }
    return 0;
}
