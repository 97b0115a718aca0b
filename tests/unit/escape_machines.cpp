// SPDX-License-Identifier: MIT
// Provider and consumer state machines: the whole exchange, retransmission, deadlines, and every
// rejection leaving the state exactly as it was.
#include "escape_helpers.hpp"

#include <cstring>

#include <pqike/escape/consumer.hpp>
#include <pqike/escape/provider.hpp>

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::byte_vec;
using pqike::test::unhex;
using pqike::test::view;

namespace {

bool same(const provider_session& a, const provider_session& b) {
    return a.seq == b.seq && a.first_sent == b.first_sent && a.next_retx == b.next_retx &&
           a.peer.highest() == b.peer.highest() && a.nonce == b.nonce && a.rto == b.rto &&
           a.selected == b.selected && a.state == b.state && a.attempts == b.attempts &&
           a.confirm_sent == b.confirm_sent && a.peer_confirmed == b.peer_confirmed &&
           a.peer_confirm.highest() == b.peer_confirm.highest();
}

const std::uint16_t consumer_methods[] = {37, 36};
const bytes_view known_ppks[] = {view(ppk_id)};

provider_config pcfg() {
    provider_config c;
    c.methods = methods;
    c.proc = procedure::ike_sa_rekey;
    c.ppk_id = view(ppk_id);
    c.why = reason::quantum_threat;
    c.deadline = 600;
    c.initial_rto = 2;
    c.max_rto = 16;
    return c;
}
consumer_config ccfg() {
    consumer_config c;
    c.methods = consumer_methods;
    c.ppk_ids = known_ppks;
    return c;
}
byte_vec copy(bytes_view b) { return byte_vec(b.begin(), b.end()); }
std::span<const std::byte, 16> nonce16() { return std::span<const std::byte, 16>(nonce.data(), 16); }

// New SA after the rekey: SPIs and PPK-mixed SK_d (fixed here; hndl.cpp derives them).
const byte_vec new_binding = fixed_hex("2122232425262728 3132333435363738");
const byte_vec new_sk_d = seq_bytes(0x40, 32);

struct pair_fixture {
    key_pair<P> k = make_keys();
    provider<P> prov = make_provider(pcfg());
    provider_session s;
    consumer<P> cons = make_consumer(ccfg(), make_keys());
    byte_vec escape_msg;

    void send_escape(std::uint64_t now = t0) {
        auto a = prov.start(s, k, nonce16(), now);
        REQUIRE_MESSAGE(a.has_value(), a.error().name());
        REQUIRE(a->size() == 1);
        REQUIRE((*a)[0].kind == action_kind::send);
        escape_msg = copy((*a)[0].bytes);
    }
};

}  // namespace

TEST_CASE("escape machines: full migration ends confirmed on both sides") {
    pair_fixture f;
    f.send_escape();
    CHECK(f.s.state == provider_state::escape_sent);

    auto ca = f.cons.on_message(view(f.escape_msg), t0 + 1);
    REQUIRE_MESSAGE(ca.has_value(), ca.error().name());
    REQUIRE(ca->size() == 2);
    CHECK((*ca)[0].kind == action_kind::send);
    CHECK((*ca)[1].kind == action_kind::start_rekey);
    CHECK((*ca)[1].migration.method == 36);  // provider's preference wins among supported ones
    CHECK((*ca)[1].migration.proc == procedure::ike_sa_rekey);
    CHECK(ct_equal((*ca)[1].migration.ppk_id, view(ppk_id)));
    CHECK(f.cons.state() == consumer_state::migrating);
    const auto ack = copy((*ca)[0].bytes);

    auto pa = f.prov.on_message(f.s, f.k, view(ack), t0 + 1);
    REQUIRE_MESSAGE(pa.has_value(), pa.error().name());
    REQUIRE(pa->size() == 1);
    CHECK((*pa)[0].kind == action_kind::start_rekey);
    CHECK((*pa)[0].migration.method == 36);
    CHECK(f.s.state == provider_state::migrating);

    // Both finish the rekey and exchange CONFIRM under the new keys.
    const auto rr = rekey_of(make_keys(key_mode::confirm, new_sk_d, new_binding));
    auto pc = f.prov.rekey_done(f.s, rr, t0 + 5);
    REQUIRE(pc.has_value());
    const auto prov_confirm = copy((*pc)[0].bytes);
    auto cc = f.cons.rekey_done(rr, t0 + 5);
    REQUIRE(cc.has_value());
    const auto cons_confirm = copy((*cc)[0].bytes);

    auto done_p = f.prov.on_confirm(f.s, rr, view(cons_confirm), t0 + 6);
    REQUIRE_MESSAGE(done_p.has_value(), done_p.error().name());
    CHECK((*done_p)[0].kind == action_kind::confirmed);
    CHECK(f.s.state == provider_state::confirmed);
    auto done_c = f.cons.on_message(view(prov_confirm), t0 + 6);
    REQUIRE_MESSAGE(done_c.has_value(), done_c.error().name());
    CHECK((*done_c)[0].kind == action_kind::confirmed);
    CHECK(f.cons.state() == consumer_state::confirmed);
}

TEST_CASE("escape provider: retransmits the identical ESCAPE with exponential backoff, gives up at the deadline") {
    pair_fixture f;
    f.send_escape();
    std::vector<std::uint64_t> sent_at;
    for (std::uint64_t t = t0; t < t0 + 700; ++t) {
        auto a = f.prov.on_timer(f.s, f.k, t);
        REQUIRE(a.has_value());
        for (const auto& x : *a) {
            if (x.kind == action_kind::send) {
                CHECK(copy(x.bytes) == f.escape_msg);
                sent_at.push_back(t - t0);
            }
            if (x.kind == action_kind::give_up) {
                CHECK(t == t0 + 600);
                CHECK(f.s.state == provider_state::failed);
            }
        }
    }
    REQUIRE(sent_at.size() >= 5);
    CHECK(sent_at[0] == 2);
    CHECK(sent_at[1] == 2 + 4);
    CHECK(sent_at[2] == 2 + 4 + 8);
    CHECK(sent_at[3] == 2 + 4 + 8 + 16);
    CHECK(sent_at[4] == 2 + 4 + 8 + 16 + 16);  // capped at max_rto
    CHECK(f.s.state == provider_state::failed);
}

TEST_CASE("escape consumer: a retransmitted ESCAPE gets the same answer and changes nothing") {
    pair_fixture f;
    f.send_escape();
    auto first = f.cons.on_message(view(f.escape_msg), t0);
    REQUIRE(first.has_value());
    const auto ack = copy((*first)[0].bytes);
    const auto plan1 = f.cons.migration();
    for (int i = 0; i < 3; ++i) {
        auto again = f.cons.on_message(view(f.escape_msg), t0 + 10);
        REQUIRE_MESSAGE(again.has_value(), again.error().name());
        REQUIRE(again->size() == 1);  // no second start_rekey
        CHECK(copy((*again)[0].bytes) == ack);
        CHECK(f.cons.state() == consumer_state::migrating);
        CHECK(f.cons.migration().method == plan1.method);
    }
}

TEST_CASE("escape consumer: NACK when no offered method is supported; stays idle") {
    pair_fixture f;
    const std::uint16_t only[] = {35};  // ML-KEM-512: post-quantum, not supported by the consumer
    auto cfg = pcfg();
    cfg.methods = only;
    provider<P> prov = make_provider(cfg);
    auto a = prov.start(f.s, f.k, nonce16(), t0);
    REQUIRE(a.has_value());
    auto r = f.cons.on_message((*a)[0].bytes, t0);
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 1);
    CHECK(f.cons.state() == consumer_state::idle);
    const auto nack = copy((*r)[0].bytes);
    auto pr = prov.on_message(f.s, f.k, view(nack), t0);
    REQUIRE_MESSAGE(pr.has_value(), pr.error().name());
    CHECK((*pr)[0].kind == action_kind::give_up);
    CHECK(f.s.state == provider_state::failed);
}

TEST_CASE("escape consumer: unknown PPK and unsupported procedure are refused with a NACK") {
    pair_fixture f;
    auto cfg = pcfg();
    const auto other = str("ppk-other");
    cfg.ppk_id = view(other);
    provider<P> prov = make_provider(cfg);
    auto a = prov.start(f.s, f.k, nonce16(), t0);
    REQUIRE(a.has_value());
    auto r = f.cons.on_message((*a)[0].bytes, t0);
    REQUIRE(r.has_value());
    CHECK(r->size() == 1);
    CHECK(f.cons.state() == consumer_state::idle);
    auto d = decode((*r)[0].bytes);
    REQUIRE(d.has_value());
    CHECK(d->type() == msg_type::nack);
}

TEST_CASE("escape bad input: replayed sequence number (consumer) changes nothing") {
    pair_fixture f;
    // Two ESCAPEs NACKed (the consumer stays idle), then the first again: replayed.
    const std::uint16_t only[] = {35};  // ML-KEM-512: post-quantum, not supported by the consumer
    auto cfg = pcfg();
    cfg.methods = only;
    provider<P> prov = make_provider(cfg);
    provider_session s1, s2;
    auto a1 = prov.start(s1, f.k, nonce16(), t0);
    REQUIRE(a1.has_value());
    const auto m1 = copy((*a1)[0].bytes);
    auto a2 = prov.start(s2, f.k, nonce16(), t0);
    REQUIRE(a2.has_value());
    const auto m2 = copy((*a2)[0].bytes);
    REQUIRE(f.cons.on_message(view(m1), t0).has_value());
    REQUIRE(f.cons.on_message(view(m2), t0).has_value());
    // m1 is neither the last accepted message nor above the highest sequence number.
    auto r = f.cons.on_message(view(m1), t0);
    CHECK(r.code() == errc::escape_stale);
    CHECK(f.cons.state() == consumer_state::idle);
    // The last one is answered again (retransmission), not refused.
    CHECK(f.cons.on_message(view(m2), t0).has_value());
    // A different message reusing the last sequence number is a replay.
    auto e = escape_fields();
    e.sequence = 2;
    e.ke_methods = only;
    const auto other_nonce = seq_bytes(0x33, 16);
    e.nonce = view(other_nonce);
    CHECK(f.cons.on_message(view(sealed(f.k.p2c, e)), t0).code() == errc::escape_replayed);
    CHECK(f.cons.state() == consumer_state::idle);
}

TEST_CASE("escape bad input: replayed and stale sequence numbers with a window") {
    const std::uint16_t only[] = {35};  // ML-KEM-512: post-quantum, not supported by the consumer
    auto pc = pcfg();
    pc.methods = only;
    provider<P> prov = make_provider(pc);
    auto cc = ccfg();
    cc.fresh.window = 2;
    consumer<P> cons = make_consumer(cc, make_keys());
    const auto k = make_keys();
    std::vector<byte_vec> msgs;
    for (int i = 0; i < 4; ++i) {
        provider_session s;
        auto a = prov.start(s, k, nonce16(), t0);
        REQUIRE(a.has_value());
        msgs.push_back(copy((*a)[0].bytes));  // sequence numbers 1..4
    }
    REQUIRE(cons.on_message(view(msgs[3]), t0).has_value());  // 4
    REQUIRE(cons.on_message(view(msgs[2]), t0).has_value());  // 3: reordered, inside the window
    CHECK(cons.on_message(view(msgs[2]), t0).has_value());  // last accepted: answered again
    CHECK(cons.on_message(view(msgs[3]), t0).code() == errc::escape_replayed);
    CHECK(cons.on_message(view(msgs[1]), t0).has_value());  // 4 - 2 = window: inside
    CHECK(cons.on_message(view(msgs[1]), t0).has_value());  // last accepted: answered again
    CHECK(cons.on_message(view(msgs[0]), t0).code() == errc::escape_stale);  // 4 - 1 > window
}

TEST_CASE("escape bad input: stale timestamp changes nothing") {
    pair_fixture f;
    auto cc = ccfg();
    cc.fresh.require_timestamp = true;
    cc.fresh.max_skew = 30;
    consumer<P> cons = make_consumer(cc, make_keys());
    f.send_escape(t0);
    // Fresh until its own deadline (600 s) plus the skew: later than that it is stale, and one
    // from further in the future than the skew too.
    CHECK(cons.on_message(view(f.escape_msg), t0 + 600 + 31).code() == errc::escape_stale_timestamp);
    CHECK(cons.on_message(view(f.escape_msg), t0 - 31).code() == errc::escape_stale_timestamp);
    CHECK(cons.state() == consumer_state::idle);
    // The same message, in time, is still accepted: nothing was committed.
    auto ok = cons.on_message(view(f.escape_msg), t0 + 600 + 30);
    REQUIRE_MESSAGE(ok.has_value(), ok.error().name());
    CHECK(cons.state() == consumer_state::migrating);
}

TEST_CASE("escape bad input: ESCAPE in the wrong state") {
    pair_fixture f;
    f.send_escape();
    REQUIRE(f.cons.on_message(view(f.escape_msg), t0).has_value());
    // A new ESCAPE (new sequence number) while migrating.
    provider_session s2;
    auto a = f.prov.start(s2, f.k, nonce16(), t0);
    REQUIRE(a.has_value());
    const auto m2 = copy((*a)[0].bytes);
    CHECK(f.cons.on_message(view(m2), t0).code() == errc::escape_wrong_state);
    CHECK(f.cons.state() == consumer_state::migrating);
    // Provider side: starting twice, and an ESCAPE sent to a provider.
    const auto before = f.s;
    CHECK(f.prov.start(f.s, f.k, nonce16(), t0).code() == errc::escape_wrong_state);
    CHECK(f.prov.on_message(f.s, f.k, view(f.escape_msg), t0).code() == errc::escape_wrong_state);
    CHECK(same(before, f.s));
    // rekey_done twice.
    const auto rr = rekey_of(make_keys(key_mode::confirm, new_sk_d, new_binding));
    CHECK(f.cons.rekey_done(rr, t0).has_value());
    CHECK(f.cons.rekey_done(rr, t0).code() == errc::escape_wrong_state);
}

TEST_CASE("escape bad input: ACK without a matching ESCAPE changes nothing") {
    pair_fixture f;
    // An ACK echoing a nonce the provider never sent, under the right keys.
    fields a;
    a.type = msg_type::ack;
    a.sequence = 1;
    const auto wrong_nonce = seq_bytes(0x10, 16);
    a.echoed_nonce = view(wrong_nonce);
    a.selected_method = 36;
    a.ppk_id = view(ppk_id);
    const auto ack = sealed(f.k.c2p, a);
    // Provider idle: nothing was sent at all.
    const auto idle = f.s;
    CHECK(f.prov.on_message(f.s, f.k, view(ack), t0).code() == errc::escape_no_matching_escape);
    CHECK(same(idle, f.s));
    // Provider waiting, but the echoed nonce is not ours.
    f.send_escape();
    const auto before = f.s;
    CHECK(f.prov.on_message(f.s, f.k, view(ack), t0).code() == errc::escape_no_matching_escape);
    CHECK(same(before, f.s));
}

TEST_CASE("escape bad input: ACK selecting a method that was not offered changes nothing") {
    pair_fixture f;
    f.send_escape();
    fields a;
    a.type = msg_type::ack;
    a.sequence = 1;
    a.echoed_nonce = view(nonce);
    a.selected_method = 35;  // ML-KEM-512: not offered
    a.ppk_id = view(ppk_id);
    const auto ack = sealed(f.k.c2p, a);
    const auto before = f.s;
    CHECK(f.prov.on_message(f.s, f.k, view(ack), t0).code() == errc::escape_method_not_offered);
    CHECK(same(before, f.s));
    // The honest ACK with the same sequence number still works afterwards.
    a.selected_method = 37;
    CHECK(f.prov.on_message(f.s, f.k, view(sealed(f.k.c2p, a)), t0).has_value());
    CHECK(f.s.state == provider_state::migrating);
}

TEST_CASE("escape bad input: forged, misbound and replayed ACKs change nothing at the provider") {
    pair_fixture f;
    f.send_escape();
    auto ca = f.cons.on_message(view(f.escape_msg), t0);
    REQUIRE(ca.has_value());
    const auto ack = copy((*ca)[0].bytes);
    const auto before = f.s;
    auto forged = ack;
    forged.back() ^= std::byte{1};
    CHECK(f.prov.on_message(f.s, f.k, view(forged), t0).code() == errc::escape_bad_tag);
    const auto other = make_keys(key_mode::escape_psk, psk, new_binding);
    CHECK(f.prov.on_message(f.s, other, view(ack), t0).code() == errc::escape_wrong_binding);
    CHECK(same(before, f.s));
    REQUIRE(f.prov.on_message(f.s, f.k, view(ack), t0).has_value());
    const auto after = f.s;
    CHECK(f.prov.on_message(f.s, f.k, view(ack), t0).code() == errc::escape_replayed);
    CHECK(same(after, f.s));
}

TEST_CASE("escape consumer: gives up when the deadline passes before confirmation") {
    pair_fixture f;
    f.send_escape();
    REQUIRE(f.cons.on_message(view(f.escape_msg), t0).has_value());
    CHECK(f.cons.on_timer(t0 + 599).empty());
    auto a = f.cons.on_timer(t0 + 600);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == action_kind::give_up);
    CHECK(f.cons.state() == consumer_state::failed);
    CHECK(f.cons.on_timer(t0 + 700).empty());
}

TEST_CASE("escape provider: per-consumer state fits in 128 bytes") {
    CHECK(sizeof(provider_session) <= 128);
}

TEST_CASE("escape bad input: every rejected ESCAPE leaves the consumer as it was") {
    pair_fixture f;
    f.send_escape();
    const auto& m = f.escape_msg;
    const auto k = f.k;
    std::vector<std::pair<errc, byte_vec>> hostile;
    auto forged = m;
    forged.back() ^= std::byte{1};
    hostile.emplace_back(errc::escape_bad_tag, forged);
    hostile.emplace_back(errc::escape_tag_not_last,
                         raw(msg_type::escape, escape_tlvs(), &k.p2c, {{0x0100, unhex("00")}}));
    hostile.emplace_back(errc::truncated, byte_vec(m.begin(), m.end() - 1));
    auto oversized = m;
    store_be16(oversized.data() + 8 + 2, 0x0400);
    hostile.emplace_back(errc::length_too_large, oversized);
    auto dup = escape_tlvs();
    dup.push_back(T(tlv::nonce, nonce));
    hostile.emplace_back(errc::escape_duplicate_tlv, raw(msg_type::escape, dup, &k.p2c));
    auto crit = escape_tlvs();
    crit.push_back({0x8123, unhex("00")});
    hostile.emplace_back(errc::escape_unknown_critical_tlv, raw(msg_type::escape, crit, &k.p2c));
    auto other_sa = escape_tlvs();
    other_sa[3] = T(tlv::sa_binding, new_binding);
    hostile.emplace_back(errc::escape_wrong_binding, raw(msg_type::escape, other_sa, &k.p2c));
    auto other_id = escape_tlvs();
    other_id[2] = T(tlv::key_id, str("escape-key-2"));
    hostile.emplace_back(errc::escape_wrong_key_id, raw(msg_type::escape, other_id, &k.p2c));
    auto missing = escape_tlvs();
    missing.pop_back();
    hostile.emplace_back(errc::escape_missing_tlv, raw(msg_type::escape, missing, &k.p2c));
    // An ACK sent to the consumer.
    fields a;
    a.type = msg_type::ack;
    a.sequence = 1;
    a.echoed_nonce = view(nonce);
    a.selected_method = 36;
    hostile.emplace_back(errc::unexpected_message, sealed(k.c2p, a));

    for (const auto& h : hostile) {
        const errc code = h.first;
        auto r = f.cons.on_message(view(h.second), t0);
        CHECK_MESSAGE(r.code() == code, errc_name(code) << " got " << r.error().name());
        CHECK(f.cons.state() == consumer_state::idle);
    }
    // Nothing was committed: the genuine ESCAPE (sequence 1) is still accepted.
    auto ok = f.cons.on_message(view(m), t0);
    REQUIRE_MESSAGE(ok.has_value(), ok.error().name());
    CHECK(f.cons.state() == consumer_state::migrating);
}

TEST_CASE("escape machines: broadcast group key for ESCAPE, per-SA key for the ACK") {
    const auto group_id = str("group-7");
    const auto group = make_keys(key_mode::escape_psk, psk, group_id);
    const auto own = make_keys();
    const key_pair<P> mixed_pair{group.p2c, own.c2p};
    auto pc = pcfg();
    pc.flags = flag::broadcast;
    provider<P> prov = make_provider(pc);
    provider_session s;
    consumer<P> cons = make_consumer(ccfg(), mixed_pair);
    auto a = prov.start(s, mixed_pair, nonce16(), t0);
    REQUIRE(a.has_value());
    auto d = decode((*a)[0].bytes);
    REQUIRE(d.has_value());
    CHECK(d->flags() == flag::broadcast);
    CHECK(ct_equal(d->unverified_binding(), view(group_id)));
    // A consumer keyed only for its own SA cannot take the group message.
    consumer<P> plain = make_consumer(ccfg(), own);
    CHECK(plain.on_message((*a)[0].bytes, t0).code() == errc::escape_wrong_binding);
    auto c = cons.on_message((*a)[0].bytes, t0);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    auto ack = decode((*c)[0].bytes);
    REQUIRE(ack.has_value());
    CHECK(ct_equal(ack->unverified_binding(), view(binding)));
    auto p = prov.on_message(s, mixed_pair, (*c)[0].bytes, t0);
    REQUIRE_MESSAGE(p.has_value(), p.error().name());
    CHECK(s.state == provider_state::migrating);
}
