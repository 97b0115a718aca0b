// SPDX-License-Identifier: MIT
// Stateless cookies (RFC 7296 §2.6, exchange/cookie.hpp) through the initial exchange helpers:
// above the half-open threshold the responder answers with N(COOKIE) only and keeps nothing, the
// initiator repeats its request with the cookie first and every other payload unchanged, forged,
// stale or foreign cookies get a fresh challenge, the previous secret still works after a
// rotation, and COOKIE combines with INVALID_KE_PAYLOAD in either order (§2.7).
#include "common.hpp"
#include "exchange_helpers.hpp"

using namespace exh;
using namespace pqike::test;

namespace {

const std::array<std::byte, 4> peer_v4{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{7}};
bytes_view secret_a() { return as_bytes_view("cookie secret A, 32 octets long.", 32); }
bytes_view secret_b() { return as_bytes_view("cookie secret B, 32 octets long.", 32); }

exchange::datagram_context busy(std::size_t half_open = 1000) {
    exchange::datagram_context c;
    c.peer_address = peer_v4;
    c.half_open = half_open;
    return c;
}

// The payloads of an IKE_SA_INIT request, as (type, body) pairs.
std::vector<std::pair<wire::payload_type, std::vector<std::byte>>> payloads_of(bytes_view d) {
    auto h = wire::decode_header(d);
    REQUIRE(h);
    exchange::payload_list pl;
    REQUIRE(exchange::decode_payloads(h->next, d.subspan(wire::ike_header_size), wire::ike_header_size, pl).ok());
    std::vector<std::pair<wire::payload_type, std::vector<std::byte>>> r;
    for (const auto& p : pl.view()) r.emplace_back(p.type, std::vector<std::byte>(p.body.begin(), p.body.end()));
    return r;
}

template <class S>
struct cookie_peers : peers_cfg<S> {
    cookie_peers() : peers_cfg<S>{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}} {
        this->cr.cookies.current = {1, secret_a()};
        this->cr.cookies.threshold = 100;
    }
};

}  // namespace

TEST_CASE_TEMPLATE("COOKIE: a busy responder challenges, keeps nothing, and accepts the repeated request", S,
                   PQIKE_EXCHANGE_SUITES) {
    cookie_peers<S> c;
    pair<S> p{c};
    seeded_rng ri{91}, rr{92};
    buffer bi, br;
    auto o = p.ini->start(ri, bi.out());
    REQUIRE(o);
    const auto first = copy(*o);
    const seeded_rng rr_before = rr;
    const auto before = p.rsp->snapshot();
    auto ch = p.rsp->on_message(view(first[0]), rr, br.out(), busy());
    REQUIRE(ch);
    CHECK(ch->cookie_challenge);
    CHECK_FALSE(ch->is_refusal());
    CHECK(p.rsp->snapshot() == before);
    CHECK(rr.s == rr_before.s);  // no randomness drawn: no SPI, no nonce, no ML-KEM work
    const auto challenge = copy(*ch);
    const auto cp = payloads_of(view(challenge[0]));
    REQUIRE(cp.size() == 1);
    CHECK(cp[0].first == wire::payload_type::notify);

    // Below the threshold nobody is challenged.
    {
        pair<S> q{c};
        seeded_rng r1{91}, r2{92};
        buffer b1, b2;
        auto o1 = q.ini->start(r1, b1.out());
        REQUIRE(o1);
        auto a = q.rsp->on_message(o1->datagrams[0], r2, b2.out(), busy(99));
        REQUIRE(a);
        CHECK_FALSE(a->cookie_challenge);
        CHECK(q.rsp->state() == exchange::initial_state::sa_init);
    }

    // The initiator repeats its request: N(COOKIE) first, every other payload byte for byte.
    auto again = p.ini->on_message(view(challenge[0]), ri, bi.out());
    REQUIRE(again);
    const auto second = copy(*again);
    const auto a = payloads_of(view(first[0])), b = payloads_of(view(second[0]));
    REQUIRE(b.size() == a.size() + 1);
    CHECK(b[0].first == wire::payload_type::notify);
    auto cn = wire::notify_view::decode(view(b[0].second));
    REQUIRE(cn);
    CHECK(cn->kind == wire::notify_type::cookie);
    CHECK(cn->data.size() == exchange::cookie_size);
    for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i + 1]);

    // Accepted; the exchange completes with RealMessage1 = the request with the cookie.
    auto resp = p.rsp->on_message(view(second[0]), rr, br.out(), busy());
    REQUIRE(resp);
    CHECK_FALSE(resp->cookie_challenge);
    CHECK(p.rsp->state() == exchange::initial_state::sa_init);
    datagrams req;
    auto n = p.ini->on_message(resp->datagrams[0], ri, bi.out());
    REQUIRE(n);
    req = copy(*n);
    drive(
        *n, [&](bytes_view d) { return p.ini->on_message(d, ri, bi.out()); },
        [&](bytes_view d) { return p.rsp->on_message(d, rr, br.out(), busy()); });
    CHECK(p.ini->established());
    CHECK(p.rsp->established());
    CHECK(same_ike_keys(*p.ini->sa().keys, *p.rsp->sa().keys));
}

TEST_CASE_TEMPLATE("COOKIE: forged, foreign and stale cookies are challenged again; rotation keeps the previous", S,
                   PQIKE_EXCHANGE_SUITES) {
    cookie_peers<S> c;
    pair<S> p{c};
    seeded_rng ri{93}, rr{94};
    buffer bi, br;
    auto o = p.ini->start(ri, bi.out());
    REQUIRE(o);
    auto ch = p.rsp->on_message(o->datagrams[0], rr, br.out(), busy());
    REQUIRE(ch);
    const auto challenge = copy(*ch);
    auto again = p.ini->on_message(view(challenge[0]), ri, bi.out());
    REQUIRE(again);
    const auto good = copy(*again)[0];
    // The cookie sits right after the IKE header (28), the generic header (4), the notify header
    // (4): its version octet, then the MAC.
    constexpr std::size_t at = wire::ike_header_size + 4 + 4;
    auto forged = good;
    forged[at + 5] ^= std::byte{0x01};
    auto r = p.rsp->on_message(view(forged), rr, br.out(), busy());
    REQUIRE(r);
    CHECK(r->cookie_challenge);
    auto other_peer = busy();
    const std::array<std::byte, 4> elsewhere{std::byte{198}, std::byte{51}, std::byte{100}, std::byte{9}};
    other_peer.peer_address = elsewhere;
    r = p.rsp->on_message(view(good), rr, br.out(), other_peer);  // the cookie is bound to IPi
    REQUIRE(r);
    CHECK(r->cookie_challenge);
    auto stale = good;
    stale[at] = std::byte{9};  // unknown secret version
    r = p.rsp->on_message(view(stale), rr, br.out(), busy());
    REQUIRE(r);
    CHECK(r->cookie_challenge);
    CHECK(p.rsp->state() == exchange::initial_state::idle);

    // Rotate: B becomes current, A previous. A's cookie still works; once A is dropped it does not.
    c.cr.cookies.current = {2, secret_b()};
    c.cr.cookies.previous = {1, secret_a()};
    {
        pair<S> q{c};
        seeded_rng r2{95};
        buffer b2;
        auto ok = q.rsp->on_message(view(good), r2, b2.out(), busy());
        REQUIRE(ok);
        CHECK_FALSE(ok->cookie_challenge);
        CHECK(q.rsp->state() == exchange::initial_state::sa_init);
    }
    c.cr.cookies.previous = {};
    {
        pair<S> q{c};
        seeded_rng r2{96};
        buffer b2;
        auto no = q.rsp->on_message(view(good), r2, b2.out(), busy());
        REQUIRE(no);
        CHECK(no->cookie_challenge);
    }
}

TEST_CASE_TEMPLATE("COOKIE with INVALID_KE_PAYLOAD, in either order (RFC 7296 §2.6, §2.7)", S, PQIKE_EXCHANGE_SUITES) {
    // The initiator guesses its classical KE first; the responder wants ML-KEM-768 in IKE_SA_INIT.
    cookie_peers<S> c;
    c.ike_i[0] = ike_proposal<S>(S::classical, {});
    (void)c.ike_i[0].add_ke(ke_method::ml_kem_768);
    c.ike_r[0] = ike_proposal<S>(ke_method::ml_kem_768, {});
    for (const bool cookie_first : {true, false}) {
        CAPTURE(cookie_first);
        pair<S> p{c};
        seeded_rng ri{97}, rr{98};
        buffer bi, br;
        auto o = p.ini->start(ri, bi.out());
        REQUIRE(o);
        datagrams req = copy(*o);
        std::vector<bool> challenges, invalid_ke;
        for (int step = 0; step < 4 && p.rsp->state() == exchange::initial_state::idle; ++step) {
            // cookie_first: busy from the start; otherwise busy only after the first answer.
            const auto ctx = busy(cookie_first || step > 0 ? 1000 : 0);
            auto r = p.rsp->on_message(view(req[0]), rr, br.out(), ctx);
            REQUIRE(r);
            challenges.push_back(r->cookie_challenge);
            invalid_ke.push_back(r->is_refusal() && r->refused.code == errc::invalid_ke_payload);
            if (p.rsp->state() != exchange::initial_state::idle) {
                auto n = p.ini->on_message(r->datagrams[0], ri, bi.out());
                REQUIRE(n);
                drive(
                    *n, [&](bytes_view d) { return p.ini->on_message(d, ri, bi.out()); },
                    [&](bytes_view d) { return p.rsp->on_message(d, rr, br.out(), busy()); });
                break;
            }
            auto n = p.ini->on_message(r->datagrams[0], ri, bi.out());
            REQUIRE(n);
            req = copy(*n);
        }
        CHECK(p.ini->established());
        CHECK(p.rsp->established());
        REQUIRE(challenges.size() == 3);
        if (cookie_first) {
            CHECK(challenges == std::vector<bool>{true, false, false});
            CHECK(invalid_ke == std::vector<bool>{false, true, false});
        } else {
            CHECK(challenges == std::vector<bool>{false, true, false});
            CHECK(invalid_ke == std::vector<bool>{true, false, false});
        }
        CHECK(p.ini->sa().negotiated.ke() == wire::to_number(ke_method::ml_kem_768));
    }
}

TEST_CASE_TEMPLATE("COOKIE: an initiator stops after three challenges; malformed cookies are dropped", S,
                   PQIKE_EXCHANGE_SUITES) {
    cookie_peers<S> c;
    pair<S> p{c};
    seeded_rng ri{99}, rr{100};
    buffer bi, br;
    auto o = p.ini->start(ri, bi.out());
    REQUIRE(o);
    datagrams req = copy(*o);
    // A forger answers every request with a new COOKIE (the responder under another secret each time).
    for (int i = 0; i < 3; ++i) {
        c.cr.cookies.current = {static_cast<std::uint8_t>(10 + i), i % 2 ? secret_a() : secret_b()};
        pair<S> forger{c};
        auto ch = forger.rsp->on_message(view(req[0]), rr, br.out(), busy());
        REQUIRE(ch);
        REQUIRE(ch->cookie_challenge);
        auto n = p.ini->on_message(ch->datagrams[0], ri, bi.out());
        REQUIRE(n);
        req = copy(*n);
    }
    c.cr.cookies.current = {20, secret_a()};
    pair<S> forger{c};
    auto ch = forger.rsp->on_message(view(req[0]), rr, br.out(), busy());
    REQUIRE(ch);
    REQUIRE(ch->cookie_challenge);
    const auto fourth = copy(*ch);
    auto stop = p.ini->on_message(view(fourth[0]), ri, bi.out());
    REQUIRE_FALSE(stop);
    CHECK(stop.error().code == errc::unexpected_message);
    CHECK(p.ini->state() == exchange::initial_state::sa_init);

    // A COOKIE of 65 octets is not one (RFC 7296 §2.6: 1..64): dropped, nothing changes.
    pair<S> q{c};
    auto o2 = q.ini->start(ri, bi.out());
    REQUIRE(o2);
    const auto spi_i = wire::decode_header(o2->datagrams[0])->spi_i;
    std::vector<std::byte> big(65, std::byte{7}), msg(256);
    writer w{msg};
    wire::ike_header h;
    h.spi_i = spi_i;
    h.exchange = wire::exchange_type::ike_sa_init;
    h.flags = exchange::header_flags(false, true);
    wire::message_builder b{w, h};
    b.begin(wire::payload_type::notify);
    wire::make_notify(wire::notify_type::cookie, big).encode(w);
    REQUIRE(b.finish());
    REQUIRE(w.finish().ok());
    auto bad = q.ini->on_message(w.written(), ri, bi.out());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == errc::invalid_length);
    CHECK(q.ini->state() == exchange::initial_state::sa_init);
}
