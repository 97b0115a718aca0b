// SPDX-License-Identifier: MIT
// Deterministic network simulation of the escape migration (docs/escape-message.md §6, §8): one
// real escape::provider and several real escape::consumer engines over a simulated network that
// loses, duplicates, reorders and delays messages, with node downtime (restart from persisted
// state) and a keyless attacker (inject, replay, truncate, bit-flip). No threads, no sockets:
// one seeded PRNG drives everything, so a seed replays exactly.
//
// After every run: safety (no message the peer did not send, and none a second time, changes
// state; nobody is `confirmed` with keys the peer does not hold), agreement (both confirmed, or
// neither and both ended), liveness (loss <= 30 %, no attacker: >= 99.9 % confirmed) and nothing
// stuck after the deadline. The rekey is modelled by one function both sides call (later: the
// real CREATE_CHILD_SA helpers).
//
//   escape_sim [--seeds N] [--first S]      run seeds S..S+N-1, print a tally per scenario
//   escape_sim --seed S [--verbose]         replay one seed (its scenario follows from S)
#include <pqike/crypto/hmac.hpp>
#include <pqike/escape/consumer.hpp>
#include <pqike/escape/device_key.hpp>
#include <pqike/escape/provider.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace pqike;
using namespace pqike::escape;
using P = crypto::hmac_sha256;
using bytes = std::vector<std::byte>;

namespace {

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

// ---- scenarios -----------------------------------------------------------------------------------
struct scenario {
    const char* name;
    double loss = 0, dup = 0;
    std::uint64_t max_delay = 1;
    bool restarts = false;
    bool attacker = false;
    bool rekey_mitm = false;  // the rekey gives the two sides different keys (no PPK held by the MITM)
    bool liveness = false;    // must confirm >= 99.9 %
};
constexpr scenario scenarios[] = {
    {"clean", 0, 0, 1, false, false, false, true},
    {"loss10-reorder", 0.10, 0.05, 4, false, false, false, true},
    {"loss30-dup-reorder", 0.30, 0.10, 6, false, false, false, true},
    {"restarts-loss10", 0.10, 0.05, 4, true, false, false, true},
    {"attacker-loss10", 0.10, 0.05, 4, false, true, false, false},
    {"rekey-mitm", 0.05, 0.0, 2, false, true, true, false},
};
constexpr std::size_t scenario_count = sizeof scenarios / sizeof scenarios[0];

constexpr std::size_t consumers = 3;
constexpr std::uint32_t deadline = 300;
constexpr std::uint64_t t_start = 1767225600;
constexpr std::uint64_t horizon = 3 * deadline + 60;  // two attempts and the tail of the second
constexpr std::uint16_t offered[] = {36, 37};
constexpr std::uint16_t supported[] = {37, 36};
const char ppk_name[] = "ppk-2026";
const char key_id_text[] = "escape-key-1";

bytes to_bytes(bytes_view b) { return bytes(b.begin(), b.end()); }
bytes_view ppk_id() { return as_bytes_view(ppk_name, sizeof ppk_name - 1); }
bytes_view key_id() { return as_bytes_view(key_id_text, sizeof key_id_text - 1); }

// The rekey: both ends of one CREATE_CHILD_SA (run secret, consumer, rekey instance) get the new
// SA's PPK-mixed SK_d and SPIs. `side_secret` differs per side under a MITM.
struct new_sa {
    std::array<std::byte, 32> sk_d{};
    std::array<std::byte, 16> spis{};
};
new_sa model_rekey(std::uint64_t side_secret, std::size_t consumer, std::uint64_t instance) {
    std::array<std::byte, 8> nonce{};
    std::memcpy(nonce.data(), &instance, 8);
    std::array<std::byte, 16> k{};
    std::memcpy(k.data(), &side_secret, 8);
    k[8] = static_cast<std::byte>(consumer);
    const P prf{k};
    new_sa n;
    const std::array<std::byte, 1> a{std::byte{'d'}}, b{std::byte{'s'}};
    policy::prf_compute(prf, {a, nonce}, std::span<std::byte, 32>(n.sk_d));
    std::array<std::byte, 32> s{};
    policy::prf_compute(prf, {b, nonce}, std::span<std::byte, 32>(s));
    std::copy_n(s.begin(), 16, n.spis.begin());
    return n;
}

enum class node : std::uint8_t { provider, consumer };
struct packet {
    std::uint64_t at;
    std::uint64_t order;
    node to;
    std::size_t consumer;
    bytes data;
    bool genuine;  // sent by the engine of the other end (not crafted by the attacker)
};

struct tally {
    std::uint64_t runs = 0, migrations = 0, confirmed = 0, failed = 0, violations = 0;
};

struct run_result {
    std::uint64_t confirmed = 0, failed = 0;
    std::vector<std::string> violations;
};

// One side's rekey outcome, kept alive while the machines may use its views.
struct outcome {
    std::uint64_t secret = 0;
    new_sa sa;
    std::optional<key_pair<P>> confirm;
    std::array<std::uint16_t, 2> methods{};
    bool done = false;
    rekey_result<P> result() const { return {*confirm, std::span<const std::uint16_t>(methods), ppk_id()}; }
};

class sim {
public:
    sim(std::uint64_t seed, const scenario& sc, bool verbose) : r_{seed * 0x2545f4914f6cdd1dull + 1}, sc_(sc), verbose_(verbose) {}

    run_result run() {
        setup();
        for (std::size_t i = 0; i < consumers; ++i) start(i, now_);
        for (; now_ <= t_start + horizon; ++now_) {
            deliver_due();
            timers();
            if (sc_.attacker) attack();
            if (sc_.restarts) maybe_restart();
        }
        finish();
        return std::move(res_);
    }

private:
    struct side_c {
        std::optional<consumer<P>> m;
        std::optional<key_pair<P>> keys;
        outcome out;
        std::uint64_t rekey_at = 0;      // when its rekey completes (0: none pending)
        std::uint64_t instance = 0;      // the CREATE_CHILD_SA it initiated last (0: none)
        std::uint64_t down_until = 0;
        bool changed_by_seen = false;
        std::vector<bytes> from_provider;  // every genuine message the provider sent it
        std::vector<bytes> applied;        // messages that changed its state
    };
    struct side_p {
        provider_session s;
        std::optional<key_pair<P>> keys;
        outcome out;
        std::uint64_t rekey_at = 0;
        std::uint64_t retry_at = 0;
        int attempts = 0;
        std::vector<bytes> from_consumer;
        std::vector<bytes> applied;
    };

    void setup() {
        std::array<std::byte, 32> master{};
        for (auto& b : master) b = static_cast<std::byte>(r_.next());
        secret_ = r_.next();
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
        auto p = provider<P>::make(pc_);
        if (!p) std::abort();
        prov_.emplace(*p);
        for (std::size_t i = 0; i < consumers; ++i) {
            std::array<char, 16> id{};
            std::snprintf(id.data(), id.size(), "device-%zu", i);
            auto psk = derive_device_psk<P>(master, as_bytes_view(id.data(), std::strlen(id.data())));
            std::array<std::byte, 16> spis{};
            for (auto& b : spis) b = static_cast<std::byte>(r_.next());
            auto k = key_pair<P>::derive(key_mode::escape_psk, psk->view(), key_id(), spis);
            if (!k) std::abort();
            cs_[i].keys.emplace(*k);
            ps_[i].keys.emplace(*k);
            auto c = consumer<P>::make(cc_, *k);
            if (!c) std::abort();
            cs_[i].m.emplace(*c);
        }
        now_ = t_start;
    }

    void log(const char* what, std::size_t i, const char* detail = "") {
        if (verbose_)
            std::printf("  t+%4llu c%zu %-28s %s\n", static_cast<unsigned long long>(now_ - t_start), i, what, detail);
    }
    void violation(const std::string& v) {
        res_.violations.push_back(v + " (t+" + std::to_string(now_ - t_start) + ")");
    }

    void start(std::size_t i, std::uint64_t t) {
        auto& p = ps_[i];
        std::array<std::byte, 16> nonce{};
        for (auto& b : nonce) b = static_cast<std::byte>(r_.next());
        auto a = prov_->start(p.s, *p.keys, nonce, t);
        if (!a) return;
        p.attempts++;
        p.out = outcome{};
        p.rekey_at = 0;
        log("provider starts", i);
        handle_provider(i, *a);
    }

    // ---- network ----
    void send(node to, std::size_t i, bytes_view b, bool genuine) {
        if (genuine) {
            auto& list = to == node::consumer ? cs_[i].from_provider : ps_[i].from_consumer;
            list.push_back(to_bytes(b));
            if (sc_.attacker) captured_.push_back({to, i, to_bytes(b)});
        }
        int copies = r_.chance(sc_.dup) ? 2 : 1;
        for (int c = 0; c < copies; ++c) {
            if (r_.chance(sc_.loss)) continue;
            queue_.push_back({now_ + r_.below(sc_.max_delay + 1), order_++, to, i, to_bytes(b), genuine});
        }
    }
    void deliver_due() {
        // Everything due now, in an order the seed decides (reordering within a tick).
        std::vector<packet> due;
        for (std::size_t k = 0; k < queue_.size();) {
            if (queue_[k].at <= now_) {
                due.push_back(std::move(queue_[k]));
                queue_[k] = std::move(queue_.back());
                queue_.pop_back();
            } else {
                ++k;
            }
        }
        std::sort(due.begin(), due.end(), [](const packet& a, const packet& b) { return a.order < b.order; });
        for (std::size_t k = due.size(); k > 1; --k) std::swap(due[k - 1], due[r_.below(k)]);
        for (auto& pk : due) {
            if (pk.to == node::consumer) to_consumer(pk);
            else to_provider(pk);
        }
    }

    static bool contains(const std::vector<bytes>& v, const bytes& b) {
        return std::find(v.begin(), v.end(), b) != v.end();
    }
    // Safety: only a message the peer really sent may change state, and only once.
    template <class Side>
    void judge(Side& side, const packet& pk, bool changed, const std::vector<bytes>& sent_by_peer, std::size_t i) {
        if (!changed) return;
        if (!contains(sent_by_peer, pk.data)) violation("forged message changed state at " + who(pk.to, i));
        else if (contains(side.applied, pk.data)) violation("replayed message changed state at " + who(pk.to, i));
        side.applied.push_back(pk.data);
    }
    static std::string who(node n, std::size_t i) {
        return n == node::provider ? "provider/c" + std::to_string(i) : "consumer c" + std::to_string(i);
    }

    void to_consumer(const packet& pk) {
        auto& c = cs_[pk.consumer];
        if (now_ < c.down_until) return;
        const auto before = std::pair{c.m->state(), c.m->confirm_sent()};
        auto r = c.m->on_message(pk.data, now_);
        const auto after = std::pair{c.m->state(), c.m->confirm_sent()};
        judge(c, pk, before != after, c.from_provider, pk.consumer);
        if (r) handle_consumer(pk.consumer, *r);
    }
    void to_provider(const packet& pk) {
        auto& p = ps_[pk.consumer];
        if (now_ < p_down_until_) return;
        const auto before = snapshot(p.s);
        const bool confirm_type = pk.data.size() > 4 && pk.data[4] == std::byte{4};
        if (confirm_type && !p.out.done) return;  // no new SA yet: the IKE layer cannot decrypt it
        auto r = confirm_type ? prov_->on_confirm(p.s, p.out.result(), pk.data, now_)
                              : prov_->on_message(p.s, *p.keys, pk.data, now_);
        judge(p, pk, snapshot(p.s) != before, p.from_consumer, pk.consumer);
        if (r) handle_provider(pk.consumer, *r);
    }
    static std::array<std::uint64_t, 4> snapshot(const provider_session& s) {
        return {static_cast<std::uint64_t>(s.state), s.confirm_sent, s.peer_confirmed, s.seq};
    }

    // ---- actions ----
    void handle_consumer(std::size_t i, const actions& acts) {
        auto& c = cs_[i];
        for (const auto& a : acts) {
            switch (a.kind) {
                case action_kind::send: send(node::provider, i, a.bytes, true); break;
                case action_kind::start_rekey:
                    // The consumer initiates the rekey (§8.3); it completes after a round trip.
                    c.out = outcome{};
                    c.instance = ++instances_;
                    c.rekey_at = now_ + 1 + r_.below(4);
                    log("consumer starts rekey", i);
                    break;
                case action_kind::confirmed:
                    log("consumer confirmed", i);
                    check_keys(i, "consumer");
                    break;
                case action_kind::give_up: log("consumer gives up", i); break;
            }
        }
    }
    void handle_provider(std::size_t i, const actions& acts) {
        auto& p = ps_[i];
        for (const auto& a : acts) {
            switch (a.kind) {
                case action_kind::send: send(node::consumer, i, a.bytes, true); break;
                case action_kind::start_rekey:
                    p.rekey_at = now_ + 1 + r_.below(4);
                    log("provider expects rekey", i);
                    break;
                case action_kind::confirmed:
                    log("provider confirmed", i);
                    check_keys(i, "provider");
                    break;
                case action_kind::give_up:
                    log("provider gives up", i);
                    p.out = outcome{};
                    if (p.attempts < 2) p.retry_at = now_ + 5;
                    break;
            }
        }
    }
    // Safety: `confirmed` only with the keys the peer holds.
    void check_keys(std::size_t i, const char* side) {
        const auto& a = cs_[i].out;
        const auto& b = ps_[i].out;
        if (!a.done || !b.done || a.sa.sk_d != b.sa.sk_d || a.sa.spis != b.sa.spis)
            violation(std::string(side) + " c" + std::to_string(i) + " confirmed with keys the peer does not hold");
    }

    void finish_rekey(outcome& o, std::uint64_t secret, std::size_t i, std::uint16_t method, std::uint64_t instance) {
        o.secret = secret;
        o.sa = model_rekey(secret, i, instance);
        auto k = key_pair<P>::derive(key_mode::confirm, o.sa.sk_d, key_id(), o.sa.spis);
        if (!k) std::abort();
        o.confirm.emplace(*k);
        o.methods = {31, method};
        o.done = true;
    }

    void timers() {
        for (std::size_t i = 0; i < consumers; ++i) {
            auto& c = cs_[i];
            auto& p = ps_[i];
            if (now_ >= c.down_until) {
                if (c.rekey_at != 0 && now_ >= c.rekey_at) {
                    c.rekey_at = 0;
                    if (c.m->state() == consumer_state::migrating) {
                        finish_rekey(c.out, secret_, i, c.m->migration().method, c.instance);
                        auto a = c.m->rekey_done(c.out.result(), now_);
                        if (a) handle_consumer(i, *a);
                    }
                }
                handle_consumer(i, c.m->on_timer(now_));
            }
            if (now_ >= p_down_until_) {
                if (p.rekey_at != 0 && now_ >= p.rekey_at && p.s.state == provider_state::migrating) {
                    // The provider responds to the CREATE_CHILD_SA the consumer initiated (§8.3).
                    if (c.instance != 0) {
                        p.rekey_at = 0;
                        finish_rekey(p.out, sc_.rekey_mitm ? secret_ ^ 0x5a5a : secret_, i, p.s.selected, c.instance);
                        auto a = prov_->rekey_done(p.s, p.out.result(), now_);
                        if (a) handle_provider(i, *a);
                    }
                }
                auto a = p.out.done ? prov_->on_timer(p.s, *p.keys, p.out.result(), now_)
                                    : prov_->on_timer(p.s, *p.keys, now_);
                if (a) handle_provider(i, *a);
                if (p.retry_at != 0 && now_ >= p.retry_at && now_ + deadline <= t_start + horizon) {
                    p.retry_at = 0;
                    start(i, now_);
                }
            }
        }
    }

    // ---- faults ----
    void maybe_restart() {
        if (!r_.chance(0.01)) return;
        const std::uint64_t down = 1 + r_.below(20);
        if (r_.chance(0.5)) {
            p_down_until_ = now_ + down;  // state persisted: sessions and the sequence counter
            log("provider restarts", 0);
        } else {
            const std::size_t i = r_.below(consumers);
            cs_[i].down_until = now_ + down;
            // Restart from the persisted copy: everything it committed survives.
            const consumer<P> persisted = *cs_[i].m;
            cs_[i].m.emplace(persisted);
            log("consumer restarts", i);
        }
    }
    void attack() {
        if (!r_.chance(0.2)) return;
        const std::size_t i = r_.below(consumers);
        const node to = r_.chance(0.5) ? node::provider : node::consumer;
        bytes b;
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
                b = captured_[r_.below(captured_.size())].data;
                break;
            case 2:  // truncate
                if (captured_.empty()) return;
                b = captured_[r_.below(captured_.size())].data;
                b.resize(r_.below(b.size()));
                break;
            default:  // flip one bit
                if (captured_.empty()) return;
                b = captured_[r_.below(captured_.size())].data;
                if (b.empty()) return;
                b[r_.below(b.size())] ^= static_cast<std::byte>(1u << r_.below(8));
                break;
        }
        queue_.push_back({now_ + r_.below(3), order_++, to, i, std::move(b), false});
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
        for (std::size_t i = 0; i < consumers; ++i) {
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
    const scenario& sc_;
    bool verbose_;
    std::uint64_t now_ = 0, order_ = 0, secret_ = 0, p_down_until_ = 0, instances_ = 0;
    provider_config pc_;
    consumer_config cc_;
    std::array<bytes_view, 1> ppks_{};
    std::optional<provider<P>> prov_;
    std::array<side_c, consumers> cs_{};
    std::array<side_p, consumers> ps_{};
    std::vector<packet> queue_;
    struct capture {
        node to;
        std::size_t consumer;
        bytes data;
    };
    std::vector<capture> captured_;
    run_result res_;
};

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t first = 1, count = 10000;
    std::optional<std::uint64_t> one;
    bool verbose = false;
    for (int k = 1; k < argc; ++k) {
        const std::string_view a = argv[k];
        auto num = [&] { return k + 1 < argc ? std::strtoull(argv[++k], nullptr, 10) : 0ull; };
        if (a == "--seeds") count = num();
        else if (a == "--first") first = num();
        else if (a == "--seed") one = num();
        else if (a == "--verbose") verbose = true;
        else {
            std::fprintf(stderr, "usage: escape_sim [--seeds N] [--first S] | --seed S [--verbose]\n");
            return 2;
        }
    }
    if (one) {
        first = *one;
        count = 1;
    }
    std::array<tally, scenario_count> t{};
    std::uint64_t bad_runs = 0;
    for (std::uint64_t seed = first; seed < first + count; ++seed) {
        const std::size_t si = seed % scenario_count;
        const scenario& sc = scenarios[si];
        if (verbose) std::printf("seed %llu, scenario %s\n", static_cast<unsigned long long>(seed), sc.name);
        sim s{seed, sc, verbose};
        const auto r = s.run();
        auto& x = t[si];
        x.runs++;
        x.migrations += consumers;
        x.confirmed += r.confirmed;
        x.failed += r.failed;
        // Under a rekey MITM nobody may confirm: the attacker holds neither side's PPK-mixed keys.
        std::vector<std::string> v = r.violations;
        if (sc.rekey_mitm && r.confirmed != 0) v.push_back("confirmed through a rekey MITM");
        x.violations += v.size();
        if (!v.empty()) {
            bad_runs++;
            for (const auto& m : v)
                std::printf("VIOLATION seed %llu (%s): %s -- replay: escape_sim --seed %llu --verbose\n",
                            static_cast<unsigned long long>(seed), sc.name, m.c_str(),
                            static_cast<unsigned long long>(seed));
        }
    }
    std::printf("%-20s %7s %10s %10s %8s %10s\n", "scenario", "runs", "confirmed", "failed", "rate", "violations");
    bool live_ok = true;
    for (std::size_t si = 0; si < scenario_count; ++si) {
        const auto& x = t[si];
        if (x.runs == 0) continue;
        const double rate = x.migrations ? static_cast<double>(x.confirmed) / static_cast<double>(x.migrations) : 0;
        std::printf("%-20s %7llu %10llu %10llu %7.3f%% %10llu\n", scenarios[si].name,
                    static_cast<unsigned long long>(x.runs), static_cast<unsigned long long>(x.confirmed),
                    static_cast<unsigned long long>(x.failed), 100 * rate, static_cast<unsigned long long>(x.violations));
        // Liveness: with loss <= 30 % and no attacker, >= 99.9 % of migrations confirm.
        if (scenarios[si].liveness && rate < 0.999) {
            live_ok = false;
            std::printf("LIVENESS %s: %.3f%% < 99.9%%\n", scenarios[si].name, 100 * rate);
        }
    }
    const bool ok = bad_runs == 0 && live_ok;
    std::printf("%s: %llu seeds from %llu, %llu with violations\n", ok ? "PASS" : "FAIL",
                static_cast<unsigned long long>(count), static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(bad_runs));
    return ok ? 0 : 1;
}
