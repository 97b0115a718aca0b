// SPDX-License-Identifier: MIT
// The world of the escape simulation, shared by tests/sim/escape_sim.cpp (the seeded test) and
// bench/escape_scale.cpp (one provider, 100 000 consumers).
//
// Deterministic network simulation of the escape migration (docs/escape-message.md §6-§8): one
// real escape::provider and several real escape::consumer engines over a simulated network that
// loses, duplicates, reorders and delays messages, with node downtime (restart from persisted
// state), a keyless attacker (inject, replay, truncate, bit-flip) and a keyed man in the middle.
// No threads, no sockets: one seeded PRNG drives everything, so a seed replays exactly.
//
// The IKE side is real (sim_ike.hpp): each consumer's legacy IKE SA comes from the IKE_SA_INIT +
// IKE_AUTH helpers (classical KE only; made once per program and copied into every run), and the
// migration's rekey is exchange::rekey_initiator (consumer, on START_REKEY) against
// exchange::rekey_responder (provider): CREATE_CHILD_SA with the classical KE + IKE_FOLLOWUP_KE
// with ML-KEM-768, the escape PPK on the wire (RFC 9867 notifies, required on both sides), its
// datagrams (RFC 7383 fragments included) through the same lossy network. The sim's "stack":
//   - the initiator retransmits its outstanding request on a timer (1, 2, 4, 8 ticks);
//   - the responder keeps its last request and response and answers a retransmitted request with
//     the stored response (RFC 7296 §2.1); a new CREATE_CHILD_SA gets a fresh responder;
//   - the provider configures the responder with the escape PPK because it sent the ESCAPE (it
//     need not have seen the ACK), and calls rekey_done once both the rekey and the ACK are in;
//   - a failed rekey is started again (at most 4 per migration) while the engine is migrating;
//     the failed exchange's Message ID counts as used (rekey_initiator leaves next_request_id
//     alone when an authenticated response ends it in failure, while the responder's refusal
//     advances next_peer_id: without this the SA would be wedged);
//   - one request in flight per SA and direction, whatever the exchange (RFC 7296 §2.3).
// The confirm keys come from the new SA (escape::confirm_keys), the methods from its negotiated
// plan, the PPK ID from the PPK the rekey mixed in. ESCAPE/ACK/CONFIRM ride in real INFORMATIONAL
// exchanges (exchange/informational.hpp, escape/ikev2.hpp Notify): the ESCAPE in a request on the
// legacy SA and the ACK/NACK in its response, each CONFIRM in a request on the side's new SA (an
// escape message the engine emits while a request is being answered goes into that response).
// Window 1: an engine send while our request is outstanding retransmits that request. A peer
// request that comes again gets the stored response. No dead-peer detection: an exchange that
// never gets its response blocks later requests on that SA (ack-never's second attempt).
// --carriage message sends the escape messages bare instead (the keyed MITM then also re-seals
// CONFIRMs, which --what-if no-ppk needs).
//
// Scenarios: clean, loss/dup/reorder, restarts, keyless attacker, "rekey-mitm" (an attacker who
// holds the legacy SA's keys but not the PPK runs its own rekey responder toward the consumer and
// its own rekey initiator toward the provider: with the right PPK ID and a wrong secret, with no
// PPK, or echoing PPK_IDENTITY / forwarding the consumer's PPK_IDENTITY_KEY by re-encrypting),
// "ack-lost" (the consumer's first three ACK transmissions are lost and it rekeys anyway, so the
// provider mostly finishes the rekey before it has the ACK: row 10) and "ack-never" (every ACK
// lost: both must end failed).
//
// After every run: safety (no message the peer did not send, and none a second time, changes an
// engine's state; a forged IKE datagram changes no rekey state; nobody is `confirmed` on an SA
// whose keys the peer does not hold, that has no PPK mixed in, or whose keys the attacker
// derived), agreement (both confirmed, or neither and both ended), liveness (loss <= 30 %, no
// attacker or a keyless one, all ACKs not lost: >= 99.9 % confirmed) and nothing stuck after the
// deadline — the network included: once every migration has ended it falls silent, and no
// migration sees more than `chatter_bound` messages after both its ends confirmed (a CONFIRM
// ANSWER is never answered, docs/escape-message.md §6).
//
// Command line: escape_sim.cpp.
#pragma once

#include "sim_ike.hpp"

#include <pqike/crypto/hmac.hpp>
#include <pqike/escape/consumer.hpp>
#include <pqike/escape/device_key.hpp>
#include <pqike/escape/hndl.hpp>
#include <pqike/escape/ikev2.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/exchange/informational.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace escape_sim {

using namespace pqike;
using namespace pqike::escape;
using sim_ike::S;
using sim_ike::sa_t;
using sim_ike::datagrams;
using P = S::prf;
using bytes = std::vector<std::byte>;

// ---- deterministic randomness ------------------------------------------------------------------
struct rng {
    std::uint64_t s;
    std::uint64_t next() {  // splitmix64
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
};
// The same stream as a policy::Rng for the exchange helpers (nonces, SPIs, KE keys, IVs).
struct helper_rng {
    rng* r;
    status fill(mut_bytes out) noexcept {
        std::size_t i = 0;
        while (i < out.size()) {
            std::uint64_t v = r->next();
            for (int k = 0; k < 8 && i < out.size(); ++k, v >>= 8) out[i++] = static_cast<std::byte>(v);
        }
        return {};
    }
};
static_assert(policy::Rng<helper_rng>);

// ---- scenarios -----------------------------------------------------------------------------------
enum class ack_drop : std::uint8_t { none, first, all };
struct scenario {
    const char* name;
    double loss = 0, dup = 0;
    std::uint64_t max_delay = 1;
    bool restarts = false;
    bool attacker = false;    // keyless: inject, replay, truncate, flip
    bool rekey_mitm = false;  // keyed: holds the legacy SA's keys (not the PPK), sits in the rekey
    ack_drop acks = ack_drop::none;
    bool liveness = false;    // must confirm >= 99.9 %
};
inline constexpr scenario scenarios[] = {
    {"clean", 0, 0, 1, false, false, false, ack_drop::none, true},
    {"loss10-reorder", 0.10, 0.05, 4, false, false, false, ack_drop::none, true},
    {"loss30-dup-reorder", 0.30, 0.10, 6, false, false, false, ack_drop::none, true},
    {"restarts-loss10", 0.10, 0.05, 4, true, false, false, ack_drop::none, true},
    {"attacker-loss10", 0.10, 0.05, 4, false, true, false, ack_drop::none, true},
    {"rekey-mitm", 0.05, 0.0, 2, false, true, true, ack_drop::none, false},
    {"ack-lost", 0.05, 0.05, 2, false, false, false, ack_drop::first, true},
    {"ack-never", 0.05, 0.05, 2, false, false, false, ack_drop::all, false},
};
constexpr std::size_t scenario_count = sizeof scenarios / sizeof scenarios[0];

constexpr std::size_t default_consumers = 3;  // per run of the seeded test
constexpr std::uint32_t deadline = 300;
constexpr std::uint64_t t_start = 1767225600;
constexpr std::uint64_t horizon = 3 * deadline + 60;  // two attempts and the tail of the second
constexpr std::uint16_t offered[] = {36, 37};         // ML-KEM-768, ML-KEM-1024
constexpr std::uint16_t supported[] = {37, 36};
constexpr int max_rekeys = 4;  // rekey attempts per migration
constexpr std::uint64_t settle_ticks = 60;  // run on this long after every migration ended
constexpr std::uint64_t chatter_bound = 24;  // messages per migration after both ends confirmed
const char ppk_name[] = "ppk-2026";
const char ppk_secret[] = "post-quantum preshared key 2026!";
const char wrong_secret[] = "the attacker's guess at the PPK!";
const char key_id_text[] = "escape-key-1";

// --what-if no-ppk: the world before the PPK rode in the rekey (no PPK on the wire, confirm keys
// from any new SA, the ESCAPE's PPK ID claimed anyway). The keyed MITM then wins: the run must
// report violations (a self-test of the invariants; ctest escape_sim_what_if_no_ppk, WILL_FAIL).
inline bool what_if_no_ppk = false;
// --what-if ppk-on-ack: a provider stack that configures the PPK for the rekey only once it saw
// the ACK (row 10's trap). With the PPK agreed on the wire this must stay safe: the consumer
// refuses a rekey without the PPK and tries again, so the run must still pass.
inline bool what_if_ppk_on_ack = false;
// --carriage message: escape messages travel bare instead of in INFORMATIONAL exchanges.
inline bool ike_carriage = true;
// Set by the scale benchmark: the allocation counter (support/alloc_counter.hpp), read around
// every provider engine call so the engine's own allocations are counted apart from the sim's.
inline std::size_t (*count_allocs)() = nullptr;

inline bytes to_bytes(bytes_view b) { return bytes(b.begin(), b.end()); }
inline bytes_view ppk_id() { return as_bytes_view(ppk_name, sizeof ppk_name - 1); }
inline bytes_view key_id() { return as_bytes_view(key_id_text, sizeof key_id_text - 1); }

// The legacy IKE SAs: made once by the real initial helpers and copied per run; consumer i gets
// pool entry i % legacy_pool (a run of the seeded test has one SA per consumer; at scale the
// SPIs repeat, which changes nothing here: each device's escape keys come from its own PSK).
constexpr std::size_t legacy_pool = 3;
inline const std::array<sim_ike::legacy_pair, legacy_pool>& legacy_sas() {
    static const auto sas = [] {
        std::array<std::optional<sim_ike::legacy_pair>, legacy_pool> made;
        for (std::size_t i = 0; i < legacy_pool; ++i) {
            made[i] = sim_ike::make_legacy(1000 + i, [](std::uint64_t s) { return test::seeded_rng{s}; });
            if (!made[i]) {
                std::fprintf(stderr, "legacy IKE SA %zu not established\n", i);
                std::abort();
            }
        }
        return std::array<sim_ike::legacy_pair, legacy_pool>{*made[0], *made[1], *made[2]};
    }();
    return sas;
}

enum class node : std::uint8_t { provider, consumer };
struct packet {
    std::uint64_t at;
    std::uint64_t order;
    node to;
    std::size_t consumer;
    bytes data;
    bool genuine;            // sent by the other end's engine or stack (not crafted by an attacker)
    bool ike = false;        // an IKE datagram (rekey), else an escape message
    bool keyed = false;      // sent by the keyed man in the middle
    bool intercept = false;  // on its way through the keyed man in the middle
};

struct tally {
    std::uint64_t runs = 0, migrations = 0, confirmed = 0, failed = 0, violations = 0, rekeys = 0, before_ack = 0, chatter = 0,
                  chatter_max = 0;
    double secs = 0;
};

struct run_result {
    std::uint64_t confirmed = 0, failed = 0, rekeys = 0, before_ack = 0, chatter = 0, chatter_max = 0;
    std::uint64_t provider_allocs = 0;  // operator new calls inside the provider engine (count_allocs)
    std::vector<std::string> violations;
};

// One side's rekey outcome: the new IKE SA and what the engines need of it. The provider engine
// keeps nothing of it, so it must stay put while the session runs.
struct outcome {
    std::optional<sa_t> sa;
    std::optional<key_pair<P>> confirm;
    std::array<std::uint16_t, 8> methods{};
    std::size_t n_methods = 0;
    bytes ppk;  // the PPK_ID identity the rekey mixed in
    bool done = false;
    rekey_result<P> result() const {
        return {*confirm, std::span<const std::uint16_t>(methods.data(), n_methods), bytes_view{ppk.data(), ppk.size()}};
    }
};
// From a finished rekey helper; false when it gives nothing to confirm with (no PPK mixed in).
template <class Helper>
bool take(outcome& o, const Helper& h) {
    if (!h.done() || !h.is_ike_rekey()) return false;
    const sa_t& s = h.new_ike_sa();
    if (!s.keys) return false;
    auto k = what_if_no_ppk ? key_pair<P>::derive(key_mode::confirm, s.keys->sk_d(), key_id(), ike_binding::of(*s.keys).view())
                            : confirm_keys(*s.keys, key_id());
    if (!k) return false;
    o = outcome{};
    o.sa.emplace(s);
    o.confirm.emplace(*k);
    for (const auto& step : s.negotiated.plan())
        if (o.n_methods < o.methods.size()) o.methods[o.n_methods++] = step.method;
    if (const auto* p = h.ppk_used()) o.ppk.assign(p->id.identity.begin(), p->id.identity.end());
    if (what_if_no_ppk) o.ppk = to_bytes(ppk_id());
    o.done = true;
    return true;
}

// The stack around a rekey initiator: the outstanding request, retransmitted until answered.
struct init_stack {
    std::unique_ptr<exchange::rekey_initiator<S>> h;
    datagrams req;
    std::uint64_t next_retx = 0;
    std::uint32_t rto = 1;
    bool active() const {
        return h && (h->state() == exchange::rekey_state::create_child_sa || h->state() == exchange::rekey_state::followup);
    }
};
// ... and around a responder: the last request answered and its response (RFC 7296 §2.1).
struct resp_stack {
    std::unique_ptr<exchange::rekey_responder<S>> h;
    datagrams partial;  // fragments of the request being received
    datagrams last_req, last_resp;
};

// The stack's INFORMATIONAL exchanges on one IKE SA (escape/ikev2.hpp carriage): our requests
// (window 1: the outstanding one is retransmitted when the engine sends again) and the peer's
// (the last response is kept for a retransmitted request, RFC 7296 §2.1). Made for one SA (its
// SPIs); reset when the stack's new SA changes.
struct info_stack {
    std::uint64_t spi_i = 0, spi_r = 0;
    std::unique_ptr<exchange::informational_initiator<S>> ini;
    datagrams req;
    std::unique_ptr<exchange::informational_responder<S>> rsp;
    datagrams partial, last_req, last_resp;
    bool resp_ack = false;  // the last response carries an ACK
};

class sim {
public:
    // n consumers; judge = false drops the per-message safety records (every message each side
    // sent and applied), which at 100 000 consumers would dwarf what is being measured.
    // per_tick: the provider starts this many migrations per second (0: all at once), as a
    // provider escaping a large fleet paces itself.
    sim(std::uint64_t seed, const scenario& sc, bool verbose, std::size_t n = default_consumers, bool judge = true,
        std::size_t per_tick = 0)
        : r_{seed * 0x2545f4914f6cdd1dull + 1}, sc_(sc), verbose_(verbose), n_(n), judge_(judge),
          per_tick_(per_tick == 0 ? n : per_tick),
          cs_(n), ps_(n), mitm_(sc.rekey_mitm ? n : 0), chatter_(n), buckets_(horizon + 16) {}

    std::size_t size() const { return n_; }
    // What the simulation holds per consumer for both ends (engines, SAs, stacks, rekey state):
    // the caller's side of the world, not the provider engine's.
    static constexpr std::size_t sim_bytes_per_consumer() { return sizeof(side_c) + sizeof(side_p); }
    // The provider engine and one consumer's session, for the scale benchmark's accounting.
    const provider_session& session(std::size_t i) const { return ps_[i].s; }

    run_result run() {
        setup();
        std::uint64_t settled_since = 0;
        bool quiet = false;
        for (; now_ <= t_start + horizon; ++now_) {
            for (std::size_t k = 0; k < per_tick_ && started_ < n_; ++k) start(started_++, now_);
            deliver_due();
            timers();
            const bool done = settled();
            // Faults are injected while a migration runs; afterwards the network must fall silent.
            if (sc_.attacker && !done) attack();
            if (sc_.restarts && !done) maybe_restart();
            if (!done) settled_since = 0;
            else if (settled_since == 0) settled_since = now_;
            // Everyone settled for a while and nothing left in flight: no timer runs once every
            // engine has ended, so only messages could wake anyone again.
            if (done && now_ - settled_since >= settle_ticks && pending_ == 0) {
                quiet = true;
                break;
            }
        }
        // Nothing stuck includes the network: engines that have ended must not keep each other
        // busy (before the ANSWER flag two confirmed sides answered each other's CONFIRM copies
        // for ever, §6).
        if (!quiet && settled())
            violation("the network never fell silent after every migration ended (" + std::to_string(pending_) +
                      " messages in flight, CONFIRM ping-pong?)");
        finish();
        return std::move(res_);
    }

private:
    struct side_c {
        std::optional<consumer<P>> m;
        std::optional<key_pair<P>> keys;
        sa_t legacy;
        std::array<kex::proposal, 1> props{};
        exchange::rekey_config rc{};
        init_stack ini;
        outcome out;
        info_stack il, in;  // INFORMATIONAL on the legacy and on the new SA
        std::uint16_t method = 0;
        int rekeys = 0;              // rekey attempts in this migration
        std::uint64_t retry_at = 0;  // next attempt after a failed one (0: none)
        bool want_rekey = false;     // start one when the exchange in flight is over
        std::uint64_t down_until = 0;
        int acks = 0;
        std::vector<bytes> from_provider;  // every genuine escape message the provider sent it
        std::vector<bytes> ike_from_provider;
        std::vector<bytes> applied;        // messages that changed its state
    };
    struct side_p {
        provider_session s;
        std::optional<key_pair<P>> keys;
        sa_t legacy;
        resp_stack resp;
        outcome out;
        info_stack il, in;
        std::uint64_t retry_at = 0;
        int attempts = 0;
        std::vector<bytes> from_consumer;
        std::vector<bytes> ike_from_consumer;
        std::vector<bytes> applied;
    };
    // The keyed man in the middle of one consumer's rekey: its copies of the legacy SA (it knows
    // the keys and follows the Message IDs), a responder toward the consumer and an initiator
    // toward the provider.
    struct mitm {
        bool have = false;
        sa_t to_c, to_p;
        resp_stack resp;
        init_stack ini;
        std::array<kex::proposal, 1> props{};
        bytes ppk_key_notify;  // the consumer's N(PPK_IDENTITY_KEY), to forward (variant 2)
        std::optional<sa_t> new_c, new_p;  // the new SAs its rekeys made with each side
    };

    void setup() {
        now_ = t_start;
        std::array<std::byte, 32> master{};
        for (auto& b : master) b = static_cast<std::byte>(r_.next());
        pc_.methods = offered;
        pc_.ppk_id = ppk_id();
        pc_.deadline = deadline;
        pc_.initial_rto = 1;
        pc_.max_rto = 8;
        pc_.fresh.window = 0;
        ppks_[0] = ppk_id();
        cc_.methods = supported;
        cc_.ppk_ids = ppks_;
        cc_.initial_rto = 1;
        cc_.max_rto = 8;
        escape_ppk_[0] = exchange::ppk_entry{{2, ppk_id()}, as_bytes_view(ppk_secret, sizeof ppk_secret - 1)};
        wrong_ppk_[0] = exchange::ppk_entry{{2, ppk_id()}, as_bytes_view(wrong_secret, sizeof wrong_secret - 1)};
        // The provider accepts the classical KE with ML-KEM-768 or -1024 as ADDKE1.
        props_p_ = {test::ike_proposal<S>(S::classical, {wire::ke_method::ml_kem_768}),
                    test::ike_proposal<S>(S::classical, {wire::ke_method::ml_kem_1024})};
        rc_p_.proposals = props_p_;
        rc_p_.ppk.keys = escape_ppk_;
        rc_p_.ppk.required = true;
        if (what_if_no_ppk) rc_p_.ppk = {};
        rc_p_late_.proposals = props_p_;  // what-if ppk-on-ack: before the ACK, no PPK configured
        auto p = provider<P>::make(pc_);
        if (!p) std::abort();
        prov_.emplace(*p);
        const auto& legacy = legacy_sas();
        for (std::size_t i = 0; i < n_; ++i) {
            std::array<char, 32> id{};
            std::snprintf(id.data(), id.size(), "device-%zu", i);
            auto psk = derive_device_psk<P>(master, as_bytes_view(id.data(), std::strlen(id.data())));
            auto& c = cs_[i];
            auto& pv = ps_[i];
            c.legacy = legacy[i % legacy_pool].consumer;
            pv.legacy = legacy[i % legacy_pool].provider;
            // ESCAPE/ACK tags: the device's escape PSK, bound to the legacy SA's SPIs.
            auto k = key_pair<P>::derive(key_mode::escape_psk, psk->view(), key_id(),
                                         ike_binding::of(*c.legacy.keys).view());
            if (!k) std::abort();
            c.keys.emplace(*k);
            pv.keys.emplace(*k);
            auto m = consumer<P>::make(cc_, *k);
            if (!m) std::abort();
            c.m.emplace(*m);
            c.rc.proposals = c.props;
            c.rc.ppk.keys = escape_ppk_;
            c.rc.ppk.required = true;
            if (what_if_no_ppk) c.rc.ppk = {};
        }
        if (sc_.rekey_mitm) {
            // 0: the right PPK ID with a wrong secret; 1: no PPK; 2: no PPK, but echo
            // PPK_IDENTITY to the consumer and forward its PPK_IDENTITY_KEY to the provider.
            variant_ = static_cast<int>(r_.below(3));
            if (variant_ == 0) {
                rc_a_.ppk.keys = wrong_ppk_;
                rc_a_.ppk.required = true;
            }
            rc_a_.proposals = props_p_;
            constexpr const char* what[] = {"right PPK ID, wrong secret", "no PPK", "echo PPK_IDENTITY, forward PPK_IDENTITY_KEY"};
            log("attacker variant", 0, what[variant_]);
        }
        now_ = t_start;
    }

    void log(const char* what, std::size_t i, const char* detail = "") {
        if (verbose_)
            std::printf("  t+%4llu c%zu %-30s %s\n", static_cast<unsigned long long>(now_ - t_start), i, what, detail);
    }
    // A provider engine call, its allocations counted when the benchmark asks for it.
    template <class F>
    auto engine(F&& f) {
        const std::size_t before = count_allocs ? count_allocs() : 0;
        auto r = f();
        if (count_allocs) res_.provider_allocs += count_allocs() - before;
        return r;
    }
    void violation(const std::string& v) {
        res_.violations.push_back(v + " (t+" + std::to_string(now_ - t_start) + ")");
    }

    void start(std::size_t i, std::uint64_t t) {
        auto& p = ps_[i];
        std::array<std::byte, 16> nonce{};
        for (auto& b : nonce) b = static_cast<std::byte>(r_.next());
        auto a = engine([&] { return prov_->start(p.s, *p.keys, nonce, t); });
        if (!a) return;
        p.attempts++;
        p.out = outcome{};
        // From now on a CREATE_CHILD_SA on this legacy SA must carry the escape PPK (§7): the
        // provider's stack knows because it sent the ESCAPE, whether or not an ACK arrives.
        p.legacy.ppk_int = true;
        log("provider starts", i);
        handle_provider(i, *a);
    }

    // ---- network ----
    void send(node to, std::size_t i, bytes_view b, bool genuine, bool ike = false, bool keyed = false) {
        if (genuine && judge_) {
            if (ike) (to == node::consumer ? cs_[i].ike_from_provider : ps_[i].ike_from_consumer).push_back(to_bytes(b));
            else record(to, i, b);
            if (sc_.attacker) captured_.push_back({to, i, to_bytes(b), ike});
        }
        const bool confirm = !ike && b.size() > 4 && b[4] == std::byte{4};
        const bool intercept = genuine && (ike || confirm) && sc_.rekey_mitm;
        int copies = r_.chance(sc_.dup) ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
            if (r_.chance(sc_.loss)) continue;
            enqueue({now_ + r_.below(sc_.max_delay + 1), order_++, to, i, to_bytes(b), genuine, ike, keyed, intercept});
        }
    }
    // An escape message one engine sent to the other (what `judge` accepts as genuine).
    void record(node to, std::size_t i, bytes_view m) {
        if (!judge_) return;
        (to == node::consumer ? cs_[i].from_provider : ps_[i].from_consumer).push_back(to_bytes(m));
        // The keyless attacker also throws bare escape messages at the engines (as if a stack
        // handed them over unchecked): the engines must hold on their own.
        if (ike_carriage && sc_.attacker) captured_.push_back({to, i, to_bytes(m), false});
    }

    // ---- escape messages out of the engines: bare, or in INFORMATIONAL exchanges ----
    void esc_out(node from, std::size_t i, bytes_view m) {
        const node to = from == node::consumer ? node::provider : node::consumer;
        const bool ack = from == node::consumer && m.size() > 4 && m[4] == std::byte{2};
        if (!ike_carriage) {
            if (!(ack && drop_ack(i))) send(to, i, m, true);
            return;
        }
        record(to, i, m);
        if (capture_reply_ && !reply_) {  // answering a request: in its response
            reply_ = to_bytes(m);
            return;
        }
        // An ACK/NACK only rides the response to the ESCAPE's request; the engine's answer to a
        // bare copy has no exchange to ride (the stack resends stored responses itself).
        if (m.size() > 4 && (m[4] == std::byte{2} || m[4] == std::byte{3})) return;
        info_request(from, i, m);
    }
    bool drop_ack(std::size_t i) {
        auto& c = cs_[i];
        ++c.acks;
        if (sc_.acks == ack_drop::all || (sc_.acks == ack_drop::first && c.acks <= 3)) {
            log("consumer's ACK lost", i);
            return true;
        }
        return false;
    }
    // The SA (legacy, or the new one of this side's rekey) and its INFORMATIONAL stack.
    std::pair<sa_t*, info_stack*> info_of(node at, std::size_t i, bool on_new) {
        sa_t& legacy = at == node::consumer ? cs_[i].legacy : ps_[i].legacy;
        outcome& out = at == node::consumer ? cs_[i].out : ps_[i].out;
        info_stack& st = on_new ? (at == node::consumer ? cs_[i].in : ps_[i].in)
                                : (at == node::consumer ? cs_[i].il : ps_[i].il);
        sa_t* sa = on_new ? (out.sa ? &*out.sa : nullptr) : &legacy;
        if (sa == nullptr) return {nullptr, nullptr};
        if (st.spi_i != sa->spi_i || st.spi_r != sa->spi_r) {
            st = info_stack{};
            st.spi_i = sa->spi_i;
            st.spi_r = sa->spi_r;
        }
        return {sa, &st};
    }
    void info_request(node from, std::size_t i, bytes_view m) {
        const node to = from == node::consumer ? node::provider : node::consumer;
        // ESCAPE on the classical SA, CONFIRM on the new one (docs §9).
        const bool on_new = m.size() > 4 && m[4] == std::byte{4};
        auto [sa, st] = info_of(from, i, on_new);
        if (sa == nullptr) return;
        // One request in flight per SA and direction, whatever the exchange (RFC 7296 §2.3): not
        // while the consumer's CREATE_CHILD_SA / IKE_FOLLOWUP_KE is out on the legacy SA.
        if (!on_new && from == node::consumer && cs_[i].ini.active()) return;
        if (st->ini && st->ini->pending()) {  // window 1: the outstanding request again
            for (const auto& d : st->req) send(to, i, d, true, true);
            return;
        }
        if (!st->ini) st->ini = std::make_unique<exchange::informational_initiator<S>>(*sa);
        auto n = carriage_.notify(m);
        if (!n) return;
        auto item = exchange::notify_item(*n, item_buf_);
        if (!item) return;
        auto o = st->ini->start(std::span<const exchange::payload_item>(&*item, 1), hrng_, buf_.out());
        if (!o) return;
        st->req = sim_ike::copy(*o);
        for (const auto& d : st->req) send(to, i, d, true, true);
    }
    std::optional<bytes> escape_in(const exchange::payload_list& pl) const {
        auto n = pl.notify(static_cast<wire::notify_type>(carriage_.notify_type));
        if (!n) return std::nullopt;
        auto m = carriage_.extract(*n);
        if (!m) return std::nullopt;
        return to_bytes(*m);
    }
    void to_engine(node at, std::size_t i, bytes m) {
        packet e{now_, 0, at, i, std::move(m), true};
        if (at == node::consumer) to_consumer(e);
        else to_provider(e);
    }
    // An INFORMATIONAL datagram at `at`: the response to our request, or the peer's request.
    void info_in(node at, const packet& pk) {
        const std::size_t i = pk.consumer;
        auto h = wire::decode_header(pk.data);
        if (!h) return;
        const sa_t& legacy = at == node::consumer ? cs_[i].legacy : ps_[i].legacy;
        const bool on_new = !(h->spi_i == legacy.spi_i && h->spi_r == legacy.spi_r);
        auto [sa, st] = info_of(at, i, on_new);
        if (sa == nullptr || h->spi_i != sa->spi_i || h->spi_r != sa->spi_r) return;  // no such SA
        const node to = at == node::consumer ? node::provider : node::consumer;
        if (h->response()) {
            if (!st->ini || !st->ini->pending()) return;
            auto r = st->ini->on_message(pk.data);
            if (!r || !*r) return;
            if (auto m = escape_in(st->ini->payloads())) to_engine(at, i, std::move(*m));
            if (st->ini && !st->ini->pending()) st->ini.reset();  // idle: its state is in the SA
            return;
        }
        if (contains(st->last_req, pk.data)) {  // retransmitted: the same response
            if (!(st->resp_ack && drop_ack(i)))
                for (const auto& d : st->last_resp) send(to, i, d, true, true);
            return;
        }
        if (!st->rsp) st->rsp = std::make_unique<exchange::informational_responder<S>>(*sa);
        auto r = st->rsp->receive(pk.data);
        if (!r) return;
        if (!*r) {
            st->partial.push_back(pk.data);
            return;
        }
        auto m = escape_in(st->rsp->payloads());
        capture_reply_ = true;
        reply_.reset();
        if (m) to_engine(at, i, std::move(*m));
        capture_reply_ = false;
        std::optional<exchange::payload_item> item;
        if (reply_) {
            auto n = carriage_.notify(*reply_);
            if (n) {
                auto it = exchange::notify_item(*n, item_buf_);
                if (it) item = *it;
            }
        }
        auto o = st->rsp->respond(item ? std::span<const exchange::payload_item>(&*item, 1)
                                       : std::span<const exchange::payload_item>{},
                                  hrng_, buf_.out());
        if (!o) return;
        st->last_req = std::move(st->partial);
        st->partial.clear();
        st->last_req.push_back(pk.data);
        st->last_resp = sim_ike::copy(*o);
        st->resp_ack = reply_ && reply_->size() > 4 && (*reply_)[4] == std::byte{2};
        reply_.reset();
        st->rsp.reset();  // answered (a retransmission gets last_resp); its state is in the SA
        if (!(st->resp_ack && drop_ack(i)))
            for (const auto& d : st->last_resp) send(to, i, d, true, true);
    }
    static bool is_informational(bytes_view d) {
        auto h = wire::decode_header(d);
        return h && h->exchange == wire::exchange_type::informational;
    }

    void deliver_due() {
        // Everything due now, in an order the seed decides (reordering within a tick).
        // Buckets per tick: the one for now and the previous one (sent while it was delivered).
        std::vector<packet>& due = due_;
        due.clear();
        for (std::uint64_t t = now_ > t_start ? now_ - 1 : now_; t <= now_; ++t) {
            auto& bucket = buckets_[t - t_start];
            for (auto& pk : bucket) due.push_back(std::move(pk));
            bucket.clear();
        }
        pending_ -= due.size();
        std::sort(due.begin(), due.end(), [](const packet& a, const packet& b) { return a.order < b.order; });
        for (std::size_t k = due.size(); k > 1; --k) std::swap(due[k - 1], due[r_.below(k)]);
        for (auto& pk : due) {
            if (pk.intercept && !pk.ike) mitm_confirm(pk);
            else if (pk.intercept) mitm_in(pk);
            else if (pk.ike && pk.to == node::consumer) consumer_ike(pk);
            else if (pk.ike) provider_ike(pk);
            else if (pk.to == node::consumer) to_consumer(pk);
            else to_provider(pk);
        }
    }

    static bool contains(const std::vector<bytes>& v, bytes_view b) {
        return std::any_of(v.begin(), v.end(), [&](const bytes& x) {
            return x.size() == b.size() && std::equal(x.begin(), x.end(), b.begin());
        });
    }
    // Safety: only a message the peer really sent may change state, and only once.
    template <class Side>
    void judge(Side& side, const packet& pk, bool changed, const std::vector<bytes>& sent_by_peer, std::size_t i) {
        if (!changed || !judge_) return;
        if (!contains(sent_by_peer, pk.data)) violation("forged message changed state at " + who(pk.to, i));
        else if (contains(side.applied, pk.data)) violation("replayed message changed state at " + who(pk.to, i));
        side.applied.push_back(pk.data);
    }
    // A datagram no one with the SA's keys sent must not move the rekey.
    void judge_ike(const packet& pk, bool changed, const std::vector<bytes>& sent_by_peer, std::size_t i) {
        if (!judge_) return;
        if (changed && !pk.keyed && !contains(sent_by_peer, pk.data))
            violation("forged IKE datagram changed the rekey at " + who(pk.to, i));
    }
    static std::string who(node n, std::size_t i) {
        return n == node::provider ? "provider/c" + std::to_string(i) : "consumer c" + std::to_string(i);
    }

    // Messages delivered to an engine of a migration both of whose ends are confirmed.
    void count_chatter(std::size_t i) {
        if (cs_[i].m->state() != consumer_state::confirmed || ps_[i].s.state != provider_state::confirmed) return;
        res_.chatter++;
        res_.chatter_max = std::max(res_.chatter_max, ++chatter_[i]);
        // Each CONFIRM sent while migrating draws at most one ANSWER per copy (§6): a handful
        // per migration, whatever the seed. Dozens mean the sides are answering each other.
        if (chatter_[i] == chatter_bound + 1)
            violation("more than " + std::to_string(chatter_bound) + " messages after both ends of c" + std::to_string(i) +
                      " confirmed (CONFIRM ping-pong)");
    }
    void to_consumer(const packet& pk) {
        auto& c = cs_[pk.consumer];
        if (now_ < c.down_until) return;
        if (pk.genuine) count_chatter(pk.consumer);
        const auto before = std::pair{c.m->state(), c.m->confirm_sent()};
        auto r = c.m->on_message(pk.data, now_);
        const auto after = std::pair{c.m->state(), c.m->confirm_sent()};
        judge(c, pk, before != after, c.from_provider, pk.consumer);
        if (r) handle_consumer(pk.consumer, *r);
    }
    void to_provider(const packet& pk) {
        auto& p = ps_[pk.consumer];
        if (now_ < p_down_until_) return;
        if (pk.genuine) count_chatter(pk.consumer);
        const auto before = snapshot(p.s);
        const bool confirm_type = pk.data.size() > 4 && pk.data[4] == std::byte{4};
        if (confirm_type && !p.out.done) return;  // no new SA yet: the IKE layer cannot decrypt it
        auto r = engine([&] {
            return confirm_type ? prov_->on_confirm(p.s, p.out.result(), pk.data, now_)
                                : prov_->on_message(p.s, *p.keys, pk.data, now_);
        });
        judge(p, pk, snapshot(p.s) != before, p.from_consumer, pk.consumer);
        if (r) handle_provider(pk.consumer, *r);
    }
    static std::array<std::uint64_t, 4> snapshot(const provider_session& s) {
        return {static_cast<std::uint64_t>(s.state), s.confirm_sent, s.peer_confirmed, s.seq};
    }

    // ---- the rekey: consumer (initiator) ----
    void start_rekey_c(std::size_t i) {
        auto& c = cs_[i];
        if (c.ini.active()) {  // never abandon an exchange in flight (RFC 7296 §2.1): after it
            c.want_rekey = true;
            return;
        }
        c.want_rekey = false;
        c.out = outcome{};
        c.rekeys++;
        res_.rekeys++;
        c.props[0] = test::ike_proposal<S>(S::classical, {static_cast<wire::ke_method>(c.method)});
        c.ini.h = std::make_unique<exchange::rekey_initiator<S>>(c.legacy, c.rc);
        auto o = c.ini.h->start(hrng_, buf_.out());
        if (!o) {
            c.ini.h.reset();
            log("consumer rekey not started", i);
            return;
        }
        c.ini.req = sim_ike::copy(*o);
        for (const auto& d : c.ini.req) send(node::provider, i, d, true, true);
        c.ini.rto = 1;
        c.ini.next_retx = now_ + 1;
        log("consumer sends CREATE_CHILD_SA", i);
    }
    // The exchange with `mid` is over even when it failed: its Message ID is used up.
    static void use_up(sa_t& sa, const init_stack& st) {
        if (st.req.empty()) return;
        auto h = wire::decode_header(st.req[0]);
        if (h && sa.next_request_id == h->message_id) ++sa.next_request_id;
    }
    void consumer_ike(const packet& pk) {
        const std::size_t i = pk.consumer;
        auto& c = cs_[i];
        if (now_ < c.down_until) return;
        if (is_informational(pk.data)) return info_in(node::consumer, pk);
        if (!c.ini.active()) return;
        const auto before = c.ini.h->snapshot();
        auto r = c.ini.h->on_message(pk.data, hrng_, buf_.out());
        judge_ike(pk, !(c.ini.h->snapshot() == before), c.ike_from_provider, i);
        if (r && !r->empty()) {
            c.ini.req = sim_ike::copy(*r);
            for (const auto& d : c.ini.req) send(node::provider, i, d, true, true);
            c.ini.rto = 1;
            c.ini.next_retx = now_ + 1;
        }
        const bool migrating = c.m->state() == consumer_state::migrating && !c.m->confirm_sent();
        if (c.ini.h->done()) {
            const bool ok = !c.want_rekey && migrating && take(c.out, *c.ini.h);
            log(ok ? "consumer rekey done" : "consumer rekey done, not used", i);
            c.ini.h.reset();
            if (ok) {
                auto a = c.m->rekey_done(c.out.result(), now_);
                if (a) handle_consumer(i, *a);
                else log("consumer rekey_done refused", i);
            } else if (c.want_rekey) {
                start_rekey_c(i);
            } else if (migrating) {
                retry_rekey(i);
            }
        } else if (c.ini.h->failed()) {
            log("consumer rekey failed", i, r ? "" : r.error().field);
            use_up(c.legacy, c.ini);
            c.ini.h.reset();
            if (c.want_rekey) start_rekey_c(i);
            else if (migrating) retry_rekey(i);
        }
    }
    void retry_rekey(std::size_t i) {
        auto& c = cs_[i];
        if (c.rekeys < max_rekeys) c.retry_at = now_ + (2u << c.rekeys);
    }

    // ---- the rekey: responder stacks (provider and attacker) ----
    // Returns whether this datagram finished the rekey.
    template <class Out>
    bool responder_in(sa_t& sa, const exchange::rekey_config& rc, resp_stack& st, bytes_view d, Out&& out) {
        auto h = wire::decode_header(d);
        if (!h || h->response()) return false;
        if (contains(st.last_req, d)) {  // a retransmission: the stored response again
            for (const auto& x : st.last_resp) out(bytes_view{x}, h->exchange);
            return false;
        }
        std::unique_ptr<exchange::rekey_responder<S>> fresh;
        exchange::rekey_responder<S>* to = st.h.get();
        if (h->exchange == wire::exchange_type::create_child_sa) {
            fresh = std::make_unique<exchange::rekey_responder<S>>(sa, rc);
            to = fresh.get();
        } else if (h->exchange != wire::exchange_type::ike_followup_ke || to == nullptr) {
            return false;
        }
        const bool was_done = to->done();
        auto r = to->on_message(d, hrng_, buf_.out());
        if (!r) return false;
        if (r->empty()) {  // a fragment of a request still being reassembled
            st.partial.push_back(to_bytes(d));
            return false;
        }
        if (fresh) st.h = std::move(fresh);
        st.last_req = std::move(st.partial);
        st.partial.clear();
        st.last_req.push_back(to_bytes(d));
        st.last_resp = sim_ike::copy(*r);
        for (const auto& x : st.last_resp) out(bytes_view{x}, h->exchange);
        return !was_done && st.h->done();
    }
    void provider_ike(const packet& pk) {
        const std::size_t i = pk.consumer;
        auto& p = ps_[i];
        if (now_ < p_down_until_) return;
        if (is_informational(pk.data)) return info_in(node::provider, pk);
        const auto before = std::pair{p.legacy.next_peer_id, p.resp.h ? p.resp.h->snapshot() : exchange::rekey_snapshot{}};
        const bool acked = p.s.state == provider_state::migrating || p.s.state == provider_state::confirmed;
        const auto& rc = what_if_ppk_on_ack && !acked ? rc_p_late_ : rc_p_;
        const bool finished = responder_in(p.legacy, rc, p.resp, pk.data, [&](bytes_view d, wire::exchange_type) {
            send(node::consumer, i, d, true, true);
        });
        const auto after = std::pair{p.legacy.next_peer_id, p.resp.h ? p.resp.h->snapshot() : exchange::rekey_snapshot{}};
        judge_ike(pk, before != after, p.ike_from_consumer, i);
        if (finished) provider_rekey_finished(i);
    }
    void provider_rekey_finished(std::size_t i) {
        auto& p = ps_[i];
        const bool running = p.s.state == provider_state::escape_sent || p.s.state == provider_state::migrating;
        const bool used = running && take(p.out, *p.resp.h);
        // The exchange is over (a retransmitted request gets last_resp): free the helper, which
        // is mostly buffers (tens of kilobytes: at 100 000 consumers it would dominate).
        p.resp.h.reset();
        if (!used) {
            log("provider rekey done, not used", i);
            return;
        }
        if (p.s.state != provider_state::migrating) res_.before_ack++;
        log("provider rekey done", i, p.s.state == provider_state::migrating ? "" : "(no ACK yet)");
        provider_rekey_done(i);
    }
    void provider_rekey_done(std::size_t i) {
        auto& p = ps_[i];
        if (!p.out.done || p.s.state != provider_state::migrating || p.s.confirm_sent) return;
        auto a = engine([&] { return prov_->rekey_done(p.s, p.out.result(), now_); });
        if (a) handle_provider(i, *a);
        else log("provider rekey_done refused", i);
    }

    // ---- the keyed man in the middle (scenario rekey-mitm) ----
    void mitm_in(const packet& pk) {
        const std::size_t i = pk.consumer;
        if (is_informational(pk.data)) {  // it could read the legacy SA's, but relays them as they are
            if (pk.to == node::consumer) consumer_ike(pk);
            else provider_ike(pk);
            return;
        }
        auto& a = mitm_[i];
        if (!a.have) {
            a.to_c = ps_[i].legacy;
            a.to_p = cs_[i].legacy;
            a.to_c.ppk_int = a.to_p.ppk_int = variant_ == 0;
            a.have = true;
        }
        if (pk.to == node::provider) {  // the consumer's request: answer it ourselves
            auto h = wire::decode_header(pk.data);
            if (!h) return;
            const bool create = h->exchange == wire::exchange_type::create_child_sa && !contains(a.resp.last_req, pk.data);
            if (create && variant_ == 2)
                if (auto n = sim_ike::find_notify(a.to_c.receive_keys(), pk.data, wire::notify_type::ppk_identity_key))
                    a.ppk_key_notify = *n;
            const bool finished = responder_in(a.to_c, rc_a_, a.resp, pk.data, [&](bytes_view d, wire::exchange_type ex) {
                std::optional<bytes> edited;
                if (variant_ == 2 && ex == wire::exchange_type::create_child_sa)
                    edited = sim_ike::reseal(a.to_c.send_keys(), d, hrng_, [](const auto&, exchange::inner_builder& ib) {
                        ib.begin(wire::payload_type::notify);
                        wire::ppk_identity_notify{true, {2, ppk_id()}}.encode(ib.out());
                    });
                send(node::consumer, i, edited ? bytes_view{*edited} : d, false, true, true);
            });
            if (finished) {
                attacker_sas_.push_back(a.resp.h->new_ike_sa());
                a.new_c.emplace(a.resp.h->new_ike_sa());
                log("attacker: rekey with the consumer done", i);
            }
            if (create && !a.ini.active()) {  // and run our own toward the provider
                a.props[0] = test::ike_proposal<S>(S::classical, {wire::ke_method::ml_kem_768});
                rc_ai_ = rc_a_;
                rc_ai_.proposals = a.props;
                a.ini.h = std::make_unique<exchange::rekey_initiator<S>>(a.to_p, rc_ai_);
                auto o = a.ini.h->start(hrng_, buf_.out());
                if (!o) {
                    a.ini.h.reset();
                    return;
                }
                a.ini.req = sim_ike::copy(*o);
                if (variant_ == 2 && !a.ppk_key_notify.empty()) {
                    auto e = sim_ike::reseal(a.to_p.send_keys(), a.ini.req[0], hrng_, [&](const auto&, exchange::inner_builder& ib) {
                        ib.add(wire::payload_type::notify, a.ppk_key_notify);
                    });
                    if (e) a.ini.req[0] = *e;
                }
                for (const auto& d : a.ini.req) send(node::provider, i, d, false, true, true);
                a.ini.rto = 1;
                a.ini.next_retx = now_ + 1;
            }
            return;
        }
        // The provider's response: to our initiator.
        if (!a.ini.active()) return;
        auto r = a.ini.h->on_message(pk.data, hrng_, buf_.out());
        if (r && !r->empty()) {
            a.ini.req = sim_ike::copy(*r);
            for (const auto& d : a.ini.req) send(node::provider, i, d, false, true, true);
            a.ini.rto = 1;
            a.ini.next_retx = now_ + 1;
        }
        if (a.ini.h->done()) {
            attacker_sas_.push_back(a.ini.h->new_ike_sa());
            a.new_p.emplace(a.ini.h->new_ike_sa());
            log("attacker: rekey with the provider done", i);
            a.ini.h.reset();
        } else if (a.ini.h->failed()) {
            use_up(a.to_p, a.ini);
            a.ini.h.reset();
        }
    }

    // A CONFIRM on its way: if the attacker holds the new SA the sender confirms, it re-seals the
    // CONFIRM under the confirm key of its SA with the other side; else it passes unchanged.
    void mitm_confirm(packet pk) {
        const std::size_t i = pk.consumer;
        auto& a = mitm_[i];
        pk.intercept = false;
        if (a.new_c && a.new_p) {
            auto derive = [](const sa_t& sa) {
                return key_pair<P>::derive(key_mode::confirm, sa.keys->sk_d(), key_id(), ike_binding::of(*sa.keys).view());
            };
            auto kc = derive(*a.new_c), kp = derive(*a.new_p);
            const bool c2p = pk.to == node::provider;
            if (kc && kp) {
                auto v = verify(c2p ? kc->c2p : kp->p2c, pk.data);
                if (v && v->type() == msg_type::confirm && v->selected_method()) {
                    std::array<std::uint16_t, limits::max_methods> m{};
                    for (std::size_t k = 0; k < v->method_count() && k < m.size(); ++k) m[k] = v->method(k);
                    const rekey_result<P> r{c2p ? *kp : *kc, std::span<const std::uint16_t>(m.data(), v->method_count()),
                                            v->ppk_id()};
                    std::array<std::byte, limits::max_message> out{};
                    auto sealed = seal_confirm(c2p ? kp->c2p : kc->p2c, v->echoed_nonce(),
                                               plan{procedure::ike_sa_rekey, *v->selected_method(), v->ppk_id()}, r, out);
                    if (sealed) {
                        log("attacker re-seals a CONFIRM", i);
                        pk.data = to_bytes(*sealed);
                        pk.genuine = false;
                        pk.keyed = true;
                    }
                }
            }
        }
        if (pk.to == node::consumer) to_consumer(pk);
        else to_provider(pk);
    }

    // ---- actions ----
    void handle_consumer(std::size_t i, const actions& acts) {
        auto& c = cs_[i];
        bool rekey = false;
        for (const auto& a : acts) {
            switch (a.kind) {
                case action_kind::send: esc_out(node::consumer, i, a.bytes); break;
                case action_kind::start_rekey:
                    // The consumer initiates the rekey (§8.3), with the escape PPK (RFC 9867).
                    c.legacy.ppk_int = true;
                    c.method = a.migration.method;
                    c.rekeys = 0;
                    c.retry_at = 0;
                    rekey = true;
                    break;
                case action_kind::confirmed:
                    log("consumer confirmed", i);
                    check_keys(i, node::consumer);
                    break;
                case action_kind::give_up: log("consumer gives up", i); break;
            }
        }
        if (rekey) start_rekey_c(i);
    }
    void handle_provider(std::size_t i, const actions& acts) {
        auto& p = ps_[i];
        bool rekey = false;
        for (const auto& a : acts) {
            switch (a.kind) {
                case action_kind::send: esc_out(node::provider, i, a.bytes); break;
                case action_kind::start_rekey:
                    log("provider got the ACK", i, p.out.done ? "(rekey already done)" : "");
                    rekey = true;
                    break;
                case action_kind::confirmed:
                    log("provider confirmed", i);
                    check_keys(i, node::provider);
                    break;
                case action_kind::give_up:
                    log("provider gives up", i);
                    p.out = outcome{};
                    if (p.attempts < 2) p.retry_at = now_ + 5;
                    break;
            }
        }
        if (rekey) provider_rekey_done(i);  // after the loop: rekey_done reuses the send buffer
    }
    // Safety: `confirmed` only on a PPK-mixed SA whose keys the peer holds and the attacker not.
    void check_keys(std::size_t i, node side) {
        const auto& a = cs_[i].out;
        const auto& b = ps_[i].out;
        const std::string s = (side == node::consumer ? "consumer c" : "provider c") + std::to_string(i);
        if (!a.done || !b.done || !sim_ike::same_sa(*a.sa, *b.sa))
            violation(s + " confirmed with keys the peer does not hold");
        const outcome& mine = side == node::consumer ? a : b;
        if (!mine.done) return;
        if (!mine.sa->keys->ppk_mixed()) violation(s + " confirmed on an SA without the PPK");
        for (const auto& x : attacker_sas_)
            if (x.keys && ct_equal(x.keys->sk_d(), mine.sa->keys->sk_d()))
                violation(s + " confirmed on keys the attacker holds");
    }

    void retransmit(init_stack& st, node to, std::size_t i, bool genuine) {
        if (!st.active() || now_ < st.next_retx) return;
        for (const auto& d : st.req) send(to, i, d, genuine, true, !genuine);
        st.rto = std::min<std::uint32_t>(st.rto * 2, 8);
        st.next_retx = now_ + st.rto;
    }

    void timers() {
        for (std::size_t i = 0; i < n_; ++i) {
            auto& c = cs_[i];
            auto& p = ps_[i];
            if (now_ >= c.down_until) {
                retransmit(c.ini, node::provider, i, true);
                if (c.retry_at != 0 && now_ >= c.retry_at) {
                    c.retry_at = 0;
                    if (c.m->state() == consumer_state::migrating && !c.m->confirm_sent()) start_rekey_c(i);
                }
                handle_consumer(i, c.m->on_timer(now_));
            }
            if (sc_.rekey_mitm) retransmit(mitm_[i].ini, node::provider, i, false);
            if (now_ >= p_down_until_) {
                auto a = engine([&] {
                    return p.out.done ? prov_->on_timer(p.s, *p.keys, p.out.result(), now_)
                                      : prov_->on_timer(p.s, *p.keys, now_);
                });
                if (a) handle_provider(i, *a);
                if (p.retry_at != 0 && now_ >= p.retry_at && now_ + deadline <= t_start + horizon) {
                    p.retry_at = 0;
                    start(i, now_);
                }
            }
        }
    }

    // Every migration ended for good on both sides, no rekey or retry pending.
    bool settled() const {
        if (started_ < n_) return false;
        for (std::size_t i = 0; i < n_; ++i) {
            const auto cs = cs_[i].m->state();
            const auto ps = ps_[i].s.state;
            if (cs == consumer_state::migrating || cs == consumer_state::idle) return false;
            if (ps != provider_state::confirmed && ps != provider_state::failed) return false;
            if (ps_[i].retry_at != 0 || cs_[i].retry_at != 0 || cs_[i].ini.active() || (sc_.rekey_mitm && mitm_[i].ini.active())) return false;
            if (now_ < cs_[i].down_until) return false;
        }
        return now_ >= p_down_until_;
    }

    // ---- faults ----
    void maybe_restart() {
        if (!r_.chance(0.01)) return;
        const std::uint64_t down = 1 + r_.below(20);
        if (r_.chance(0.5)) {
            p_down_until_ = now_ + down;  // state persisted: sessions, SAs and the exchange in flight
            log("provider restarts", 0);
        } else {
            const std::size_t i = r_.below(n_);
            cs_[i].down_until = now_ + down;
            // Restart from the persisted copy: everything it committed survives.
            const consumer<P> persisted = *cs_[i].m;
            cs_[i].m.emplace(persisted);
            log("consumer restarts", i);
        }
    }
    void attack() {
        if (!r_.chance(0.2)) return;
        const std::size_t i = r_.below(n_);
        node to = r_.chance(0.5) ? node::provider : node::consumer;
        bool ike = r_.chance(0.5);
        bytes b;
        const std::size_t pick = captured_.empty() ? 0 : r_.below(captured_.size());
        switch (r_.below(4)) {
            case 0: {  // garbage, sometimes with the magic
                b.resize(r_.below(200));
                for (auto& x : b) x = static_cast<std::byte>(r_.next());
                if (b.size() > 8 && r_.chance(0.5)) {
                    b[0] = std::byte{'P'}; b[1] = std::byte{'Q'}; b[2] = std::byte{'E'}; b[3] = std::byte{1};
                    b[4] = static_cast<std::byte>(1 + r_.below(4));
                    b[6] = static_cast<std::byte>(b.size() >> 8);
                    b[7] = static_cast<std::byte>(b.size());
                }
                break;
            }
            case 1:  // replay anything captured, to anyone
                if (captured_.empty()) return;
                b = captured_[pick].data;
                ike = captured_[pick].ike;
                break;
            case 2:  // truncate
                if (captured_.empty()) return;
                b = captured_[pick].data;
                ike = captured_[pick].ike;
                b.resize(r_.below(b.size()));
                break;
            default:  // flip one bit
                if (captured_.empty()) return;
                b = captured_[pick].data;
                ike = captured_[pick].ike;
                if (b.empty()) return;
                b[r_.below(b.size())] ^= static_cast<std::byte>(1u << r_.below(8));
                break;
        }
        enqueue({now_ + r_.below(3), order_++, to, i, std::move(b), false, ike, false, false});
    }

    static const char* name(provider_state s) {
        constexpr const char* n[] = {"idle", "escape_sent", "migrating", "confirmed", "failed"};
        return n[static_cast<int>(s)];
    }
    static const char* name(consumer_state s) {
        constexpr const char* n[] = {"idle", "migrating", "confirmed", "failed"};
        return n[static_cast<int>(s)];
    }

    void finish() {
        for (std::size_t i = 0; i < n_; ++i) {
            const auto cs = cs_[i].m->state();
            const auto ps = ps_[i].s.state;
            const bool c_ok = cs == consumer_state::confirmed, p_ok = ps == provider_state::confirmed;
            if (c_ok && p_ok) res_.confirmed++;
            else res_.failed++;
            if (c_ok != p_ok)
                violation("disagreement c" + std::to_string(i) + ": provider " + name(ps) + ", consumer " + name(cs));
            if (cs == consumer_state::migrating || ps == provider_state::escape_sent || ps == provider_state::migrating)
                violation("stuck after the deadline: c" + std::to_string(i));
        }
    }

    rng r_;
    helper_rng hrng_{&r_};
    const scenario& sc_;
    bool verbose_;
    int variant_ = 0;
    std::uint64_t now_ = 0, order_ = 0, p_down_until_ = 0;
    provider_config pc_;
    consumer_config cc_;
    std::array<bytes_view, 1> ppks_{};
    std::array<exchange::ppk_entry, 1> escape_ppk_{}, wrong_ppk_{};
    std::array<kex::proposal, 2> props_p_{};
    exchange::rekey_config rc_p_{}, rc_p_late_{}, rc_a_{}, rc_ai_{};
    std::optional<provider<P>> prov_;
    std::size_t n_;
    bool judge_;
    std::size_t per_tick_;
    std::size_t started_ = 0;
    std::vector<side_c> cs_;
    std::vector<side_p> ps_;
    std::vector<mitm> mitm_;  // only under a keyed attacker
    std::vector<std::uint64_t> chatter_;
    std::vector<sa_t> attacker_sas_;
    std::vector<std::vector<packet>> buckets_;  // in flight, by delivery tick - t_start
    std::uint64_t pending_ = 0;
    std::vector<packet> due_;
    void enqueue(packet&& pk) {
        const std::uint64_t slot = pk.at - t_start;
        if (slot >= buckets_.size()) return;  // after the horizon: never delivered
        buckets_[slot].push_back(std::move(pk));
        ++pending_;
    }
    struct capture {
        node to;
        std::size_t consumer;
        bytes data;
        bool ike;
    };
    std::vector<capture> captured_;
    sim_ike::buffer buf_;
    const escape::ikev2::carriage carriage_{};
    std::array<std::byte, 2048> item_buf_{};
    bool capture_reply_ = false;
    std::optional<bytes> reply_;
    run_result res_;
};

}  // namespace escape_sim
