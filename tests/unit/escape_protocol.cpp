// SPDX-License-Identifier: MIT
// The escape migration as a protocol (issue 18): the real provider and consumer driven through
// lost, late, early and forged messages. One test per row of the table, named after it.
#include "escape_helpers.hpp"

#include <pqike/escape/device_key.hpp>
#include <pqike/escape/migration_rules.hpp>

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::byte_vec;
using pqike::test::view;

namespace {

const std::uint16_t consumer_methods[] = {37, 36};
const bytes_view known_ppks[] = {view(ppk_id)};

provider_config pcfg() {
    provider_config c;
    c.methods = methods;
    c.ppk_id = view(ppk_id);
    c.deadline = 600;
    c.initial_rto = 2;
    c.max_rto = 16;
    return c;
}
consumer_config ccfg() {
    consumer_config c;
    c.methods = consumer_methods;
    c.ppk_ids = known_ppks;
    c.initial_rto = 2;
    c.max_rto = 16;
    return c;
}
byte_vec copy(bytes_view b) { return byte_vec(b.begin(), b.end()); }
std::span<const std::byte, 16> nonce16() { return std::span<const std::byte, 16>(nonce.data(), 16); }

const byte_vec new_binding = fixed_hex("2122232425262728 3132333435363738");
const byte_vec new_sk_d = seq_bytes(0x40, 32);

bool has(const actions& a, action_kind k) {
    for (const auto& x : a)
        if (x.kind == k) return true;
    return false;
}
byte_vec sent(const actions& a) {
    for (const auto& x : a)
        if (x.kind == action_kind::send) return copy(x.bytes);
    return {};
}

// Both sides up to the end of the rekey: ESCAPE, ACK, start_rekey on both.
struct migration {
    key_pair<P> k = make_keys();
    provider<P> prov;
    provider_session s;
    consumer<P> cons;
    rekey_result<P> rr = rekey_of(make_keys(key_mode::confirm, new_sk_d, new_binding));
    byte_vec escape_msg;

    explicit migration(const provider_config& pc = pcfg(), const consumer_config& cc = ccfg())
        : prov(make_provider(pc)), cons(make_consumer(cc, make_keys())) {}

    void escape_and_ack(std::uint64_t now = t0) {
        auto a = prov.start(s, k, nonce16(), now);
        REQUIRE(a.has_value());
        escape_msg = sent(*a);
        auto c = cons.on_message(view(escape_msg), now);
        REQUIRE_MESSAGE(c.has_value(), c.error().name());
        REQUIRE(has(*c, action_kind::start_rekey));
        auto p = prov.on_message(s, k, view(sent(*c)), now);
        REQUIRE_MESSAGE(p.has_value(), p.error().name());
        REQUIRE(s.state == provider_state::migrating);
    }
};

}  // namespace

TEST_CASE("row 1: the provider's CONFIRM is lost; retransmissions bring both sides to confirmed") {
    migration m;
    m.escape_and_ack();
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 1);
    REQUIRE(pc.has_value());
    const auto prov_confirm = sent(*pc);  // lost
    auto cc = m.cons.rekey_done(m.rr, t0 + 1);
    REQUIRE_MESSAGE(cc.has_value(), cc.error().name());
    const auto cons_confirm = sent(*cc);
    auto done = m.prov.on_confirm(m.s, m.rr, view(cons_confirm), t0 + 1);
    REQUIRE_MESSAGE(done.has_value(), done.error().name());
    CHECK(has(*done, action_kind::confirmed));
    CHECK(m.s.state == provider_state::confirmed);

    // The consumer resends its CONFIRM (identical octets) until the provider's arrives ...
    auto t = m.cons.on_timer(t0 + 1 + 2);
    REQUIRE(has(t, action_kind::send));
    CHECK(sent(t) == cons_confirm);
    CHECK(m.cons.state() == consumer_state::migrating);
    // ... and the confirmed provider answers a copy with its own CONFIRM in the ANSWER form: the
    // same content under the same key, flag ANSWER set.
    auto again = m.prov.on_confirm(m.s, m.rr, view(sent(t)), t0 + 3);
    REQUIRE_MESSAGE(again.has_value(), again.error().name());
    const auto answer = sent(*again);
    auto va = verify(m.rr.confirm.p2c, view(answer));
    auto vp = verify(m.rr.confirm.p2c, view(prov_confirm));
    REQUIRE(va.has_value());
    REQUIRE(vp.has_value());
    CHECK(va->flags() == flag::answer);
    CHECK(vp->flags() == 0);
    CHECK(va->sequence() == vp->sequence());
    CHECK(ct_equal(va->echoed_nonce(), vp->echoed_nonce()));
    CHECK(!has(*again, action_kind::confirmed));  // reported once
    auto c = m.cons.on_message(view(sent(*again)), t0 + 3);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(has(*c, action_kind::confirmed));
    CHECK(m.cons.state() == consumer_state::confirmed);
    CHECK(m.cons.on_timer(t0 + 100).empty());  // nothing more to send

    // The provider retransmits its CONFIRM too while the consumer's is missing.
    migration n;
    n.escape_and_ack();
    auto first = n.prov.rekey_done(n.s, n.rr, t0 + 1);
    REQUIRE(first.has_value());
    const auto p1 = sent(*first);
    auto rt = n.prov.on_timer(n.s, n.k, n.rr, t0 + 3);
    REQUIRE(rt.has_value());
    CHECK(sent(*rt) == p1);
    // ... and gives up at the deadline if nothing comes.
    auto end = n.prov.on_timer(n.s, n.k, n.rr, t0 + 600);
    REQUIRE(end.has_value());
    CHECK(has(*end, action_kind::give_up));
    CHECK(n.s.state == provider_state::failed);
}

// Both sides confirmed; a copy of one side's CONFIRM (a late retransmission or a network
// duplicate) is delivered to the other, and every CONFIRM that comes out is delivered back. Before
// the ANSWER flag each side answered every copy of the peer's CONFIRM, including the peer's
// answers, so one stray copy bounced for ever.
TEST_CASE("row 1: after both confirmed, a CONFIRM copy draws one ANSWER and an ANSWER draws nothing") {
    for (const bool start_at_provider : {true, false}) {
        CAPTURE(start_at_provider);
        migration m;
        m.escape_and_ack();
        auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 1);
        auto cc = m.cons.rekey_done(m.rr, t0 + 1);
        REQUIRE(pc.has_value());
        REQUIRE(cc.has_value());
        const auto prov_confirm = sent(*pc);
        const auto cons_confirm = sent(*cc);
        REQUIRE(m.prov.on_confirm(m.s, m.rr, view(cons_confirm), t0 + 1).has_value());
        REQUIRE(m.cons.on_message(view(prov_confirm), t0 + 1).has_value());
        REQUIRE(m.s.state == provider_state::confirmed);
        REQUIRE(m.cons.state() == consumer_state::confirmed);

        byte_vec in_flight = start_at_provider ? cons_confirm : prov_confirm;
        bool to_provider = start_at_provider;
        int sends = 0;
        errc last = errc::ok;
        for (int hop = 0; hop < 50 && !in_flight.empty(); ++hop, to_provider = !to_provider) {
            auto r = to_provider ? m.prov.on_confirm(m.s, m.rr, view(in_flight), t0 + 2)
                                 : m.cons.on_message(view(in_flight), t0 + 2);
            in_flight = r ? sent(*r) : byte_vec{};
            if (!r) last = r.code();
            if (!in_flight.empty()) ++sends;
        }
        CHECK(sends == 1);                       // the answer, and nothing after it
        CHECK(last == errc::escape_replayed);    // the ANSWER was recognised as a copy
        CHECK(m.s.state == provider_state::confirmed);
        CHECK(m.cons.state() == consumer_state::confirmed);
        // Neither retransmits on its own once confirmed.
        CHECK(m.cons.on_timer(t0 + 500).empty());
        auto pt = m.prov.on_timer(m.s, m.k, m.rr, t0 + 500);
        REQUIRE(pt.has_value());
        CHECK(pt->empty());
    }
}

TEST_CASE("row 1: a migrating side takes the peer's ANSWER form as its CONFIRM") {
    migration m;
    m.escape_and_ack();
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 1);  // lost
    REQUIRE(pc.has_value());
    const auto prov_confirm = sent(*pc);
    auto cc = m.cons.rekey_done(m.rr, t0 + 1);
    REQUIRE(cc.has_value());
    const auto cons_confirm = sent(*cc);
    REQUIRE(m.prov.on_confirm(m.s, m.rr, view(cons_confirm), t0 + 1).has_value());
    REQUIRE(m.s.state == provider_state::confirmed);
    auto ans = m.prov.on_confirm(m.s, m.rr, view(cons_confirm), t0 + 2);  // a copy: answered
    REQUIRE(ans.has_value());
    const auto answer = sent(*ans);
    auto c = m.cons.on_message(view(answer), t0 + 2);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(has(*c, action_kind::confirmed));
    // The genuine first form arriving late is a copy of what the consumer accepted: answered once,
    // since it cannot tell a late copy from a retransmission of a provider still waiting.
    auto late = m.cons.on_message(view(prov_confirm), t0 + 3);
    REQUIRE(late.has_value());
    const auto reply = sent(*late);
    REQUIRE(!reply.empty());
    auto again = m.prov.on_confirm(m.s, m.rr, view(reply), t0 + 3);
    CHECK(again.code() == errc::escape_replayed);
    // A forged ANSWER (one bit off) is still a bad tag.
    auto forged = answer;
    forged.back() ^= std::byte{1};
    CHECK(m.cons.on_message(view(forged), t0 + 3).code() == errc::escape_bad_tag);
}

TEST_CASE("row 2: the consumer's CONFIRM before the provider's rekey_done is kept and verified") {
    migration m;
    m.escape_and_ack();
    auto cc = m.cons.rekey_done(m.rr, t0 + 1);
    REQUIRE(cc.has_value());
    auto early = m.prov.on_confirm(m.s, m.rr, view(sent(*cc)), t0 + 1);
    REQUIRE_MESSAGE(early.has_value(), early.error().name());
    CHECK(early->empty());
    CHECK(m.s.state == provider_state::migrating);
    CHECK(m.s.peer_confirmed);
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 2);
    REQUIRE_MESSAGE(pc.has_value(), pc.error().name());
    CHECK(has(*pc, action_kind::confirmed));
    CHECK(m.s.state == provider_state::confirmed);
    auto c = m.cons.on_message(view(sent(*pc)), t0 + 2);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(m.cons.state() == consumer_state::confirmed);
}

TEST_CASE("row 3: the provider's CONFIRM before the consumer's rekey_done is kept and verified") {
    migration m;
    m.escape_and_ack();
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 1);
    REQUIRE(pc.has_value());
    const auto prov_confirm = sent(*pc);
    // A forged candidate first, then the genuine one: the latest is kept.
    auto forged = prov_confirm;
    forged.back() ^= std::byte{1};
    CHECK(m.cons.on_message(view(forged), t0 + 1).has_value());
    auto early = m.cons.on_message(view(prov_confirm), t0 + 1);
    REQUIRE_MESSAGE(early.has_value(), early.error().name());
    CHECK(early->empty());
    CHECK(m.cons.state() == consumer_state::migrating);
    auto cc = m.cons.rekey_done(m.rr, t0 + 2);
    REQUIRE_MESSAGE(cc.has_value(), cc.error().name());
    CHECK(has(*cc, action_kind::confirmed));
    CHECK(m.cons.state() == consumer_state::confirmed);
    auto p = m.prov.on_confirm(m.s, m.rr, view(sent(*cc)), t0 + 2);
    REQUIRE_MESSAGE(p.has_value(), p.error().name());
    CHECK(m.s.state == provider_state::confirmed);

    // A forged early CONFIRM alone is dropped at rekey_done; the resent genuine one confirms.
    migration n;
    n.escape_and_ack();
    auto npc = n.prov.rekey_done(n.s, n.rr, t0 + 1);
    REQUIRE(npc.has_value());
    auto bad = sent(*npc);
    bad.back() ^= std::byte{1};
    CHECK(n.cons.on_message(view(bad), t0 + 1).has_value());
    auto ncc = n.cons.rekey_done(n.rr, t0 + 2);
    REQUIRE(ncc.has_value());
    CHECK(!has(*ncc, action_kind::confirmed));
    auto rt = n.prov.on_timer(n.s, n.k, n.rr, t0 + 3);
    REQUIRE(rt.has_value());
    auto ok = n.cons.on_message(view(sent(*rt)), t0 + 3);
    REQUIRE_MESSAGE(ok.has_value(), ok.error().name());
    CHECK(n.cons.state() == consumer_state::confirmed);
}

TEST_CASE("row 4: an ESCAPE first delivered after max_skew is not refused for being a retransmission") {
    migration m;
    auto a = m.prov.start(m.s, m.k, nonce16(), t0);
    REQUIRE(a.has_value());
    // Every copy up to t0 + 400 is lost; the retransmissions keep the first TIMESTAMP.
    byte_vec late;
    for (std::uint64_t t = t0; t <= t0 + 400; ++t) {
        auto r = m.prov.on_timer(m.s, m.k, t);
        REQUIRE(r.has_value());
        if (has(*r, action_kind::send)) late = sent(*r);
    }
    REQUIRE(late == sent(*a));
    auto c = m.cons.on_message(view(late), t0 + 400);  // 400 > max_skew (300), < deadline (600)
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(m.cons.state() == consumer_state::migrating);
    // Past its deadline plus the skew, a copy is stale.
    migration n;
    auto b = n.prov.start(n.s, n.k, nonce16(), t0);
    REQUIRE(b.has_value());
    CHECK(n.cons.on_message(view(sent(*b)), t0 + 600 + 301).code() == errc::escape_stale_timestamp);
}

TEST_CASE("row 5: a consumer that failed once accepts a new ESCAPE") {
    migration m;
    m.escape_and_ack();
    auto g = m.cons.on_timer(t0 + 600);
    REQUIRE(has(g, action_kind::give_up));
    REQUIRE(m.cons.state() == consumer_state::failed);
    auto pg = m.prov.on_timer(m.s, m.k, t0 + 600);
    REQUIRE(pg.has_value());
    REQUIRE(m.s.state == provider_state::failed);
    // The provider starts again: higher sequence number, new nonce.
    const auto nonce2 = seq_bytes(0xb0, 16);
    auto a = m.prov.start(m.s, m.k, std::span<const std::byte, 16>(nonce2.data(), 16), t0 + 700);
    REQUIRE(a.has_value());
    auto c = m.cons.on_message(view(sent(*a)), t0 + 700);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(has(*c, action_kind::start_rekey));
    CHECK(m.cons.state() == consumer_state::migrating);
    auto p = m.prov.on_message(m.s, m.k, view(sent(*c)), t0 + 700);
    REQUIRE_MESSAGE(p.has_value(), p.error().name());
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 701);
    auto cc = m.cons.rekey_done(m.rr, t0 + 701);
    REQUIRE(pc.has_value());
    REQUIRE(cc.has_value());
    CHECK(m.cons.on_message(view(sent(*pc)), t0 + 701).has_value());
    CHECK(m.prov.on_confirm(m.s, m.rr, view(sent(*cc)), t0 + 701).has_value());
    CHECK(m.cons.state() == consumer_state::confirmed);
    CHECK(m.s.state == provider_state::confirmed);
}

TEST_CASE("row 6: an ESCAPE without DEADLINE gets the local default; none lives forever") {
    const auto k = make_keys();
    auto cc = ccfg();
    cc.default_deadline = 900;
    cc.max_deadline = 1800;
    auto cons = make_consumer(cc, k);
    auto e = escape_fields();
    e.deadline.reset();
    REQUIRE(cons.on_message(view(sealed(k.p2c, e)), t0).has_value());
    CHECK(cons.state() == consumer_state::migrating);
    CHECK(cons.on_timer(t0 + 899).empty());
    CHECK(has(cons.on_timer(t0 + 900), action_kind::give_up));
    CHECK(cons.state() == consumer_state::failed);
    // A later ESCAPE is accepted again; a DEADLINE above the local maximum is cut to it.
    auto e2 = escape_fields();
    e2.sequence = 2;
    e2.timestamp = t0 + 1000;
    e2.deadline = 0xffffffffu;
    auto r = cons.on_message(view(sealed(k.p2c, e2)), t0 + 1000);
    REQUIRE_MESSAGE(r.has_value(), r.error().name());
    CHECK(cons.state() == consumer_state::migrating);
    CHECK(has(cons.on_timer(t0 + 1000 + 1800), action_kind::give_up));
}

TEST_CASE("row 7: replay windows are per key and sender; a CONFIRM may use its key's first number") {
    migration m;
    m.escape_and_ack();  // the provider's ESCAPE had sequence 1 under the p2c key
    // The provider's CONFIRM: sequence 1, the first under the confirm key.
    fields f;
    f.type = msg_type::confirm;
    f.sequence = 1;
    f.echoed_nonce = view(nonce);
    f.ke_methods = negotiated;
    f.selected_method = 36;
    f.ppk_id = view(ppk_id);
    const auto confirm = sealed(m.rr.confirm.p2c, f);
    REQUIRE(m.cons.rekey_done(m.rr, t0 + 1).has_value());
    auto c = m.cons.on_message(view(confirm), t0 + 1);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(m.cons.state() == consumer_state::confirmed);
    // Both sides' CONFIRMs indeed carry sequence 1.
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 1);
    REQUIRE(pc.has_value());
    CHECK(sent(*pc) == confirm);
}

TEST_CASE("row 8: a replay window of w accepts the w numbers below the highest") {
    for (std::uint8_t w : {std::uint8_t{1}, std::uint8_t{4}, std::uint8_t{64}}) {
        replay_window r;
        r.commit(100);
        CHECK(r.check(100 - w, w).ok());
        CHECK(r.check(100 - w - 1, w).code() == errc::escape_stale);
        r.commit(100 - w);
        CHECK(r.check(100 - w, w).code() == errc::escape_replayed);
        // Still remembered after the highest moves by one: now w + 1 below, outside.
        r.commit(101);
        CHECK(r.check(100, w).code() == errc::escape_replayed);
        CHECK(r.check(101 - w, w).ok() == (w > 1));
    }
}

TEST_CASE("row 9: without a PPK, with a classical method or a mismatched rekey, nothing confirms") {
    // An attacker who broke the classical exchange holds SK_d: in mode (c) it can seal ESCAPEs.
    const auto broken_sk_d = seq_bytes(0x70, 32);
    const auto k = make_keys(key_mode::session, broken_sk_d);
    auto cons = make_consumer(ccfg(), k);  // the default configuration
    auto e = escape_fields();
    e.ppk_id = {};
    auto r = cons.on_message(view(sealed(k.p2c, e)), t0);
    REQUIRE_MESSAGE(r.has_value(), r.error().name());
    REQUIRE(r->size() == 1);  // a NACK, no rekey
    auto nack = verify(k.c2p, (*r)[0].bytes);
    REQUIRE(nack.has_value());
    CHECK(nack->type() == msg_type::nack);
    CHECK(*nack->status() == status_code::unknown_ppk);
    CHECK(cons.state() == consumer_state::idle);

    // A classical method among KE_METHODS: refused by policy even if a PQ one is offered too.
    const std::uint16_t mixed_offer[] = {31, 36};
    auto e2 = escape_fields();
    e2.sequence = 2;
    e2.ke_methods = mixed_offer;
    auto r2 = cons.on_message(view(sealed(k.p2c, e2)), t0);
    REQUIRE(r2.has_value());
    auto nack2 = verify(k.c2p, (*r2)[0].bytes);
    REQUIRE(nack2.has_value());
    CHECK(*nack2->status() == status_code::policy_refused);

    // Configurations that would allow either are refused (unless PPK-less is explicitly chosen).
    auto pc = pcfg();
    pc.ppk_id = {};
    CHECK(provider<P>::make(pc).code() == errc::invalid_key);
    pc.allow_no_ppk = true;
    CHECK(provider<P>::make(pc).has_value());
    auto pc2 = pcfg();
    const std::uint16_t classical[] = {31};
    pc2.methods = classical;
    CHECK(provider<P>::make(pc2).code() == errc::invalid_syntax);
    auto cc = ccfg();
    cc.methods = classical;
    CHECK(consumer<P>::make(cc, k).code() == errc::invalid_syntax);

    // The rekey must have negotiated the selected method, and a CONFIRM must name the same
    // methods as our own rekey: a downgraded rekey on either side never confirms.
    migration m;
    m.escape_and_ack();
    const std::uint16_t downgraded[] = {31};
    const auto bad = rekey_of(m.rr.confirm, view(ppk_id), downgraded);
    CHECK(m.cons.rekey_done(bad, t0 + 1).code() == errc::escape_method_not_offered);
    CHECK(m.prov.rekey_done(m.s, rekey_of(m.rr.confirm, {}), t0 + 1).code() == errc::invalid_key);
    const std::uint16_t other_set[] = {36};
    auto pc_other = m.prov.rekey_done(m.s, rekey_of(m.rr.confirm, view(ppk_id), other_set), t0 + 1);
    REQUIRE(pc_other.has_value());
    REQUIRE(m.cons.rekey_done(m.rr, t0 + 1).has_value());
    CHECK(m.cons.on_message(view(sent(*pc_other)), t0 + 1).code() == errc::escape_method_not_offered);
    CHECK(m.cons.state() == consumer_state::migrating);
    // The CONFIRM is bound to the new SPIs: keys for other SPIs do not verify it.
    const auto other_spis = fixed_hex("4142434445464748 5152535455565758");
    const auto wrong = rekey_of(make_keys(key_mode::confirm, new_sk_d, other_spis));
    CHECK(verify(wrong.confirm.p2c, view(sent(*pc_other))).code() == errc::escape_wrong_binding);
}

TEST_CASE("row 11: options that cannot work together are refused at configuration") {
    auto pc = pcfg();
    pc.fresh.require_timestamp = true;  // consumers send no TIMESTAMP in answers
    CHECK(provider<P>::make(pc).code() == errc::invalid_syntax);
    auto pc2 = pcfg();
    pc2.initial_rto = 8;
    pc2.max_rto = 4;
    CHECK(provider<P>::make(pc2).code() == errc::invalid_syntax);
    auto pc3 = pcfg();
    pc3.fresh.window = 65;
    CHECK(provider<P>::make(pc3).code() == errc::invalid_syntax);
    auto cc = ccfg();
    cc.ppk_ids = {};  // require_ppk (the default) with no PPK: could never accept anything
    CHECK(consumer<P>::make(cc, make_keys()).code() == errc::invalid_key);
    auto cc2 = ccfg();
    cc2.max_deadline = 10;
    CHECK(consumer<P>::make(cc2, make_keys()).code() == errc::invalid_syntax);
    CHECK(provider<P>::make(pcfg()).has_value());
    CHECK(consumer<P>::make(ccfg(), make_keys()).has_value());
}

TEST_CASE("row 12: per-device escape PSKs from a master key; one device cannot key another") {
    const auto master = seq_bytes(0x00, 32);
    const auto dev_a = str("device-a@example.org");
    const auto dev_b = str("device-b@example.org");
    auto a = derive_device_psk<P>(view(master), view(dev_a));
    auto b = derive_device_psk<P>(view(master), view(dev_b));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(!(*a == *b));
    auto again = derive_device_psk<P>(view(master), view(dev_a));
    REQUIRE(again.has_value());
    CHECK(*again == *a);
    // Device A holds its PSK and sees every public selector of B's SA; its keys do not verify
    // what the provider sends B.
    const auto b_spis = fixed_hex("a1a2a3a4a5a6a7a8 b1b2b3b4b5b6b7b8");
    const auto kb = make_keys(key_mode::escape_psk, byte_vec(b->view().begin(), b->view().end()), b_spis);
    const auto ka_for_b = make_keys(key_mode::escape_psk, byte_vec(a->view().begin(), a->view().end()), b_spis);
    auto e = escape_fields();
    const auto to_b = sealed(kb.p2c, e);
    CHECK(verify(kb.p2c, view(to_b)).has_value());
    CHECK(verify(ka_for_b.p2c, view(to_b)).code() == errc::escape_bad_tag);
    CHECK(derive_device_psk<P>(view(master), {}).code() == errc::invalid_length);
    CHECK(derive_device_psk<P>({}, view(dev_a)).code() == errc::invalid_key);
}

// Broadcast is the documented trust-the-group mode (docs/escape-message.md §5.3): its p2c key
// comes from a group PSK every member holds, so a member CAN forge a broadcast ESCAPE to another
// member — what per-device keys prevent — and the limits the document states hold: the forgery
// only starts a migration; the ACK stays per device and no CONFIRM can be forged, so the victim
// ends failed at its deadline and keeps its SA.
TEST_CASE("row 12: broadcast trusts the group — a member can forge an ESCAPE for another; per-device keys cannot") {
    const auto master = seq_bytes(0x00, 32);
    const auto group_psk = seq_bytes(0x70, 32);
    const auto group_id = str("group-7");
    const auto dev_a = str("device-a@example.org");
    const auto dev_b = str("device-b@example.org");
    auto pa = derive_device_psk<P>(view(master), view(dev_a));
    auto pb = derive_device_psk<P>(view(master), view(dev_b));
    REQUIRE(pa.has_value());
    REQUIRE(pb.has_value());
    const byte_vec psk_a(pa->view().begin(), pa->view().end());
    const byte_vec psk_b(pb->view().begin(), pb->view().end());
    const auto b_spis = fixed_hex("a1a2a3a4a5a6a7a8 b1b2b3b4b5b6b7b8");
    const auto own_b = make_keys(key_mode::escape_psk, psk_b, b_spis);
    const auto group = make_keys(key_mode::escape_psk, group_psk, group_id);

    // Device A is a member of the group: it holds group_psk and builds a broadcast ESCAPE.
    auto f = escape_fields();
    f.flags = flag::broadcast;
    const auto forged_group = sealed(make_keys(key_mode::escape_psk, group_psk, group_id).p2c, f);
    consumer<P> b_member = make_consumer(ccfg(), key_pair<P>{group.p2c, own_b.c2p});
    auto r = b_member.on_message(view(forged_group), t0);
    REQUIRE_MESSAGE(r.has_value(), r.error().name());
    CHECK(has(*r, action_kind::start_rekey));  // the forgery is taken: the group is trusted
    CHECK(b_member.state() == consumer_state::migrating);

    // The same forgery against per-device keys: A derives what it can for B's SA from its own
    // PSK; B's consumer refuses it.
    const auto a_for_b = make_keys(key_mode::escape_psk, psk_a, b_spis);
    consumer<P> b_device = make_consumer(ccfg(), own_b);
    CHECK(b_device.on_message(view(sealed(a_for_b.p2c, escape_fields())), t0).code() == errc::escape_bad_tag);
    CHECK(b_device.state() == consumer_state::idle);

    // Limits of the group mode. A cannot answer for B: an ACK under A's keys for B's SA fails at
    // a provider that did escape B.
    provider<P> prov = make_provider(pcfg());
    provider_session s;
    auto e = prov.start(s, own_b, nonce16(), t0);
    REQUIRE(e.has_value());
    fields ack;
    ack.type = msg_type::ack;
    ack.sequence = 1;
    ack.echoed_nonce = view(nonce);
    ack.selected_method = 37;
    ack.ppk_id = view(ppk_id);
    CHECK(prov.on_message(s, own_b, view(sealed(a_for_b.c2p, ack)), t0).code() == errc::escape_bad_tag);
    CHECK(s.state == provider_state::escape_sent);
    // Nor can A make B confirm: B's rekey ran (its confirm keys come from the new, PPK-mixed SA,
    // which A does not hold); a CONFIRM A seals under any key it has fails.
    auto done = b_member.rekey_done(rekey_of(make_keys(key_mode::confirm, new_sk_d, new_binding)), t0 + 1);
    REQUIRE_MESSAGE(done.has_value(), done.error().name());
    fields c;
    c.type = msg_type::confirm;
    c.sequence = 1;
    c.echoed_nonce = view(nonce);
    c.ke_methods = negotiated;
    c.selected_method = 37;
    c.ppk_id = view(ppk_id);
    for (const auto* base : {&group_psk, &psk_a}) {
        const auto guess = make_keys(key_mode::confirm, *base, new_binding);
        CHECK(b_member.on_message(view(sealed(guess.p2c, c)), t0 + 2).code() == errc::escape_bad_tag);
    }
    CHECK(b_member.state() == consumer_state::migrating);
    // ... so B ends failed at its deadline (3600 s, the forged ESCAPE's) and keeps its old SA.
    CHECK(b_member.on_timer(t0 + 3599).empty() == false);  // still resending its CONFIRM
    auto end = b_member.on_timer(t0 + 3600);
    CHECK(has(end, action_kind::give_up));
    CHECK(b_member.state() == consumer_state::failed);
}

TEST_CASE("procedures: only the IKE SA rekey is specified; others are NACKed with status 2") {
    const auto k = make_keys();
    auto cons = make_consumer(ccfg(), k);
    auto e = escape_fields();
    e.proc = static_cast<procedure>(2);
    auto r = cons.on_message(view(sealed(k.p2c, e)), t0);
    REQUIRE(r.has_value());
    auto nack = verify(k.c2p, (*r)[0].bytes);
    REQUIRE(nack.has_value());
    CHECK(*nack->status() == status_code::unsupported_procedure);
    auto pc = pcfg();
    pc.proc = static_cast<procedure>(3);
    CHECK(provider<P>::make(pc).code() == errc::invalid_syntax);
}

TEST_CASE("rekey_result: the consumer keeps its own copy of the negotiated methods") {
    migration m;
    m.escape_and_ack();
    std::array<std::uint16_t, 2> scratch{31, 36};
    auto cc = m.cons.rekey_done(rekey_of(m.rr.confirm, view(ppk_id), scratch), t0 + 1);
    REQUIRE(cc.has_value());
    scratch = {0xdead, 0xbeef};  // the caller reuses its buffer
    auto pc = m.prov.rekey_done(m.s, m.rr, t0 + 1);
    REQUIRE(pc.has_value());
    auto c = m.cons.on_message(view(sent(*pc)), t0 + 1);
    REQUIRE_MESSAGE(c.has_value(), c.error().name());
    CHECK(m.cons.state() == consumer_state::confirmed);
}
