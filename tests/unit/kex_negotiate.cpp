// SPDX-License-Identifier: MIT
// Proposal negotiation: selection per RFC 7296 §2.7 / RFC 9370 §2.2.1, the initiator's check of
// the reply, INVALID_KE_PAYLOAD on both sides, wire round trips, and property tests against an
// independent brute-force matcher over random proposal sets.
#include "common.hpp"

#include <pqike/kex/negotiate.hpp>
#include <pqike/kex/proposal.hpp>
#include <pqike/wire/notify.hpp>

#include <array>
#include <initializer_list>
#include <random>
#include <vector>

using namespace pqike;
using kex::proposal;
using kex::transform;
using wire::encr_id;
using wire::ke_method;
using wire::prf_id;
using wire::protocol_id;
using tt = wire::transform_type;

namespace {

constexpr std::uint16_t x25519 = wire::to_number(ke_method::curve25519);
constexpr std::uint16_t ecp256 = wire::to_number(ke_method::ecp_256);
constexpr std::uint16_t ecp384 = wire::to_number(ke_method::ecp_384);
constexpr std::uint16_t mlkem768 = wire::to_number(ke_method::ml_kem_768);
constexpr std::uint16_t mlkem1024 = wire::to_number(ke_method::ml_kem_1024);
constexpr std::uint16_t none = 0;

void add_all(proposal& p, tt t, std::initializer_list<std::uint16_t> ids) {
    for (auto id : ids) REQUIRE(p.add(t, id));
}

// An IKE proposal with AES-GCM-16-256, PRF-HMAC-SHA2-256, the given KE list and ADDKE lists.
proposal ike(std::initializer_list<std::uint16_t> ke,
             std::initializer_list<std::initializer_list<std::uint16_t>> addke = {}) {
    proposal p{protocol_id::ike};
    REQUIRE(p.add_encr(encr_id::aes_gcm_16, 256));
    REQUIRE(p.add_prf(prf_id::hmac_sha2_256));
    add_all(p, tt::ke, ke);
    unsigned n = 1;
    for (auto l : addke) {
        if (l.size() != 0) add_all(p, wire::addke(n), l);
        ++n;
    }
    return p;
}

std::vector<std::uint16_t> plan_methods(const kex::negotiated_sa& sa) {
    std::vector<std::uint16_t> v;
    for (auto s : sa.plan()) v.push_back(s.method);
    return v;
}

using vec = std::vector<std::uint16_t>;

}  // namespace

TEST_CASE("one KE and one ADDKE: the plan is KE then ADDKE1") {
    const proposal peer = ike({x25519}, {{mlkem768, none}});
    const proposal local = ike({x25519}, {{mlkem768}});
    auto r = kex::select(std::span(&peer, 1), std::span(&local, 1));
    REQUIRE(r);
    CHECK(r->ke() == x25519);
    CHECK(r->addke(1) == mlkem768);
    CHECK(r->proposal_number == 1);
    CHECK(r->get(tt::encr) == transform{20, 256});
    CHECK(r->get(tt::prf).id == 5);
    auto plan = r->plan();
    REQUIRE(plan.size() == 2);
    CHECK(plan[0].slot == 0);
    CHECK(plan[0].type() == tt::ke);
    CHECK(plan[1].slot == 1);
    CHECK(plan[1].type() == tt::addke1);
    CHECK(plan.additional() == 1);
    CHECK(r->includes(tt::addke1));
    CHECK_FALSE(r->includes(tt::integ));  // AEAD proposal: INTEG omitted by both
    CHECK_FALSE(r->includes(tt::addke2));
}

TEST_CASE("ADDKE with NONE: optional exchanges") {
    SUBCASE("we do not do ADDKE1, the peer made it optional: NONE, echoed, skipped in the plan") {
        const proposal peer = ike({x25519}, {{mlkem768, none}});
        const proposal local = ike({x25519});
        auto r = kex::select(std::span(&peer, 1), std::span(&local, 1));
        REQUIRE(r);
        CHECK(r->addke(1) == none);
        CHECK(r->includes(tt::addke1));  // the peer included the type: the reply carries NONE
        CHECK(plan_methods(*r) == vec{x25519});
        CHECK(r->plan().additional() == 0);
    }
    SUBCASE("the peer requires ADDKE1 and we do not do it") {
        const proposal peer = ike({x25519}, {{mlkem768}});
        const proposal local = ike({x25519});
        CHECK(kex::select(std::span(&peer, 1), std::span(&local, 1)).code() ==
              errc::no_proposal_chosen);
    }
    SUBCASE("the peer omits ADDKE2 that we require: unacceptable; optional for us: NONE, not echoed") {
        const proposal peer = ike({x25519}, {{mlkem768}});
        const proposal strict = ike({x25519}, {{mlkem768}, {mlkem1024}});
        CHECK(kex::select(std::span(&peer, 1), std::span(&strict, 1)).code() ==
              errc::no_proposal_chosen);
        const proposal lax = ike({x25519}, {{mlkem768}, {mlkem1024, none}});
        auto r = kex::select(std::span(&peer, 1), std::span(&lax, 1));
        REQUIRE(r);
        CHECK(r->addke(2) == none);
        CHECK_FALSE(r->includes(tt::addke2));
    }
    SUBCASE("non-consecutive ADDKE types: ADDKE2 and ADDKE5 only") {
        const proposal peer = ike({x25519}, {{}, {mlkem768}, {}, {}, {mlkem1024}});
        const proposal local = ike({x25519}, {{}, {mlkem768}, {}, {}, {mlkem1024, none}});
        auto r = kex::select(std::span(&peer, 1), std::span(&local, 1));
        REQUIRE(r);
        CHECK(plan_methods(*r) == vec{x25519, mlkem768, mlkem1024});
        CHECK(r->plan()[1].slot == 2);
        CHECK(r->plan()[2].slot == 5);
        CHECK(r->plan()[2].type() == tt::addke5);
    }
    SUBCASE("both sides prefer NONE first: NONE is chosen") {
        const proposal peer = ike({x25519}, {{none, mlkem768}});
        const proposal local = ike({x25519}, {{none, mlkem768}});
        auto r = kex::select(std::span(&peer, 1), std::span(&local, 1));
        REQUIRE(r);
        CHECK(r->addke(1) == none);
    }
}

TEST_CASE("mixed orders: the peer's order by default, ours on request") {
    const proposal peer = ike({ecp256, x25519}, {{mlkem1024, mlkem768}});
    const proposal local = ike({x25519, ecp256}, {{mlkem768, mlkem1024}});
    auto by_peer = kex::select(std::span(&peer, 1), std::span(&local, 1));
    REQUIRE(by_peer);
    CHECK(by_peer->ke() == ecp256);
    CHECK(by_peer->addke(1) == mlkem1024);
    kex::select_options o;
    o.order = kex::preference::local;
    auto by_us = kex::select(std::span(&peer, 1), std::span(&local, 1), o);
    REQUIRE(by_us);
    CHECK(by_us->ke() == x25519);
    CHECK(by_us->addke(1) == mlkem768);
}

TEST_CASE("several proposals: the first acceptable peer proposal, echoed by number") {
    std::array<proposal, 3> peer{ike({ecp384}), ike({x25519}, {{mlkem768}}), ike({x25519})};
    std::array<proposal, 2> local{ike({x25519}), ike({x25519}, {{mlkem768}})};
    auto r = kex::select(peer, local);
    REQUIRE(r);
    CHECK(r->proposal_number == 2);
    CHECK(r->local_index == 1);
    CHECK(plan_methods(*r) == vec{x25519, mlkem768});
    kex::select_options o;
    o.order = kex::preference::local;
    auto l = kex::select(peer, local, o);
    REQUIRE(l);
    CHECK(l->proposal_number == 3);  // our first proposal matches the peer's third
    CHECK(l->local_index == 0);
}

TEST_CASE("ADDKE choices never repeat a method (RFC 9370 §2.2.1), NONE may repeat") {
    SUBCASE("a greedy pass would fail; the search finds the assignment") {
        // ADDKE1 {768, 1024}, ADDKE2 {768}: greedy takes 768 for ADDKE1 and is stuck.
        const proposal peer = ike({x25519}, {{mlkem768, mlkem1024}, {mlkem768}});
        const proposal local = ike({x25519}, {{mlkem768, mlkem1024}, {mlkem768}});
        auto r = kex::select(std::span(&peer, 1), std::span(&local, 1));
        REQUIRE(r);
        CHECK(r->addke(1) == mlkem1024);
        CHECK(r->addke(2) == mlkem768);
    }
    SUBCASE("the same single method twice is unacceptable") {
        const proposal peer = ike({x25519}, {{mlkem768}, {mlkem768}});
        CHECK(kex::select(std::span(&peer, 1), std::span(&peer, 1)).code() == errc::no_proposal_chosen);
    }
    SUBCASE("NONE in two types is fine") {
        const proposal peer = ike({x25519}, {{mlkem768, none}, {mlkem768, none}});
        const proposal local = ike({x25519}, {{mlkem768, none}, {mlkem768, none}});
        auto r = kex::select(std::span(&peer, 1), std::span(&local, 1));
        REQUIRE(r);
        CHECK(r->addke(1) == mlkem768);
        CHECK(r->addke(2) == none);
    }
    SUBCASE("KE and ADDKE may share a method unless distinct_from_ke") {
        const proposal peer = ike({x25519}, {{x25519, mlkem768}});
        auto r = kex::select(std::span(&peer, 1), std::span(&peer, 1));
        REQUIRE(r);
        CHECK(r->addke(1) == x25519);
        kex::select_options o;
        o.distinct_from_ke = true;
        auto d = kex::select(std::span(&peer, 1), std::span(&peer, 1), o);
        REQUIRE(d);
        CHECK(d->addke(1) == mlkem768);
    }
}

TEST_CASE("KE payload: preferred when acceptable, otherwise INVALID_KE_PAYLOAD with our choice") {
    const proposal peer = ike({x25519, ecp256, ecp384});
    const proposal local = ike({ecp384, ecp256});
    kex::select_options o;
    o.ke_hint = ecp384;
    auto r = kex::select(std::span(&peer, 1), std::span(&local, 1), o);
    REQUIRE(r);
    CHECK(r->ke() == ecp384);
    CHECK(kex::check_ke_payload(*r, ecp384).ok());

    o.ke_hint = x25519;  // the initiator guessed a method we do not accept
    auto w = kex::select(std::span(&peer, 1), std::span(&local, 1), o);
    REQUIRE(w);
    CHECK(w->ke() == ecp256);  // the peer's first acceptable one
    auto st = kex::check_ke_payload(*w, x25519);
    CHECK(st.code() == errc::invalid_ke_payload);
    CHECK(st.error().notify() == notify_error::invalid_ke_payload);
    CHECK(kex::check_ke_payload(*w, std::nullopt).code() == errc::invalid_ke_payload);

    // The notify data is the 2-octet method (wire::invalid_ke_notify).
    std::array<std::byte, 16> buf{};
    writer wr{buf};
    wire::invalid_ke_notify{static_cast<ke_method>(w->ke())}.encode(wr);
    REQUIRE(wr.finish().ok());
    auto nv = wire::notify_view::decode(wr.written());
    REQUIRE(nv);
    auto back = wire::invalid_ke_notify::decode(*nv);
    REQUIRE(back);
    CHECK(wire::to_number(back->accepted) == ecp256);
}

TEST_CASE("CREATE_CHILD_SA for ESP: KE is optional (PFS), NONE and the absent KE payload") {
    auto esp = [](std::initializer_list<std::uint16_t> ke) {
        proposal p{protocol_id::esp};
        REQUIRE(p.add_encr(encr_id::aes_gcm_16, 256));
        REQUIRE(p.add_esn(wire::esn_id::no));
        add_all(p, tt::ke, ke);
        return p;
    };
    const proposal no_pfs = esp({});
    const proposal pfs_optional = esp({x25519, none});
    const proposal pfs_required = esp({x25519});

    auto a = kex::select(std::span(&pfs_optional, 1), std::span(&no_pfs, 1));
    REQUIRE(a);
    CHECK(a->ke() == none);
    CHECK(a->plan().empty());
    CHECK(kex::check_ke_payload(*a, x25519).ok());  // a KE payload we do not use is ignored
    CHECK(kex::select(std::span(&pfs_required, 1), std::span(&no_pfs, 1)).code() ==
          errc::no_proposal_chosen);

    // No KE payload (hint 0): NONE is preferred when acceptable.
    kex::select_options o;
    o.ke_hint = none;
    const proposal both = esp({x25519, none});
    auto b = kex::select(std::span(&both, 1), std::span(&both, 1), o);
    REQUIRE(b);
    CHECK(b->ke() == none);
    auto c = kex::select(std::span(&pfs_required, 1), std::span(&both, 1), o);
    REQUIRE(c);
    CHECK(c->ke() == x25519);
    CHECK(kex::check_ke_payload(*c, std::nullopt).code() == errc::invalid_ke_payload);

    // ESN must match; an IKE proposal never matches an ESP one.
    proposal esn_yes = esp({});
    esn_yes.lists[4].clear();
    REQUIRE(esn_yes.add_esn(wire::esn_id::yes));
    CHECK(kex::select(std::span(&esn_yes, 1), std::span(&no_pfs, 1)).code() == errc::no_proposal_chosen);
    const proposal i = ike({x25519});
    CHECK(kex::select(std::span(&i, 1), std::span(&no_pfs, 1)).code() == errc::no_proposal_chosen);
}

TEST_CASE("key lengths, forbidden and unknown types") {
    proposal cbc128{protocol_id::ike};
    REQUIRE(cbc128.add_encr(encr_id::aes_cbc, 128));
    REQUIRE(cbc128.add_prf(prf_id::hmac_sha2_256));
    REQUIRE(cbc128.add_integ(wire::integ_id::hmac_sha2_256_128));
    REQUIRE(cbc128.add_ke(ke_method::curve25519));
    proposal cbc256 = cbc128;
    cbc256.lists[0].clear();
    REQUIRE(cbc256.add_encr(encr_id::aes_cbc, 256));
    CHECK(kex::select(std::span(&cbc128, 1), std::span(&cbc256, 1)).code() == errc::no_proposal_chosen);
    auto r = kex::select(std::span(&cbc128, 1), std::span(&cbc128, 1));
    REQUIRE(r);
    CHECK(r->get(tt::encr).key_bits == 128);
    CHECK(r->get(tt::integ).id == 12);

    // INTEG required by one side (non-AEAD) and omitted by the other: no match.
    proposal no_integ = cbc128;
    no_integ.lists[2].clear();
    no_integ.present = static_cast<std::uint16_t>(no_integ.present & ~(1u << 3));
    CHECK(kex::select(std::span(&no_integ, 1), std::span(&cbc128, 1)).code() == errc::no_proposal_chosen);

    proposal with_esn = cbc128;  // ESN is forbidden in IKE proposals
    REQUIRE(with_esn.add_esn(wire::esn_id::no));
    CHECK(kex::select(std::span(&with_esn, 1), std::span(&cbc128, 1)).code() == errc::no_proposal_chosen);
    proposal unknown = cbc128;
    unknown.unknown_type = true;
    CHECK(kex::select(std::span(&unknown, 1), std::span(&cbc128, 1)).code() == errc::no_proposal_chosen);
}

TEST_CASE("ENCR and INTEG fit together (RFC 5282 §8)") {
    auto mk = [](protocol_id proto, std::initializer_list<transform> encr,
                 std::initializer_list<std::uint16_t> integ) {
        proposal p{proto};
        for (auto e : encr) REQUIRE(p.add(tt::encr, e.id, e.key_bits));
        add_all(p, tt::integ, integ);
        if (proto == protocol_id::ike) {
            REQUIRE(p.add_prf(prf_id::hmac_sha2_256));
            REQUIRE(p.add_ke(ke_method::curve25519));
        } else {
            REQUIRE(p.add_esn(wire::esn_id::no));
        }
        return p;
    };
    const transform gcm{20, 256}, cbc{12, 256}, null_encr{11, 0};
    const std::uint16_t sha256 = 12;
    SUBCASE("a mixed proposal: the first cipher that has a fitting INTEG") {
        const proposal p = mk(protocol_id::ike, {cbc, gcm}, {sha256});
        auto r = kex::select(std::span(&p, 1), std::span(&p, 1));
        REQUIRE(r);
        CHECK(r->get(tt::encr) == cbc);
        CHECK(r->get(tt::integ).id == sha256);
        const proposal q = mk(protocol_id::ike, {gcm, cbc}, {sha256, none});
        auto s2 = kex::select(std::span(&q, 1), std::span(&q, 1));
        REQUIRE(s2);
        CHECK(s2->get(tt::encr) == gcm);
        CHECK(s2->get(tt::integ).id == none);
        // A greedy per-type pick would take GCM with HMAC here.
        const proposal g = mk(protocol_id::ike, {gcm, cbc}, {sha256});
        auto s3 = kex::select(std::span(&g, 1), std::span(&g, 1));
        REQUIRE(s3);
        CHECK(s3->get(tt::encr) == cbc);
    }
    SUBCASE("an AEAD cipher with an integrity algorithm only is unacceptable") {
        const proposal p = mk(protocol_id::ike, {gcm}, {sha256});
        CHECK(kex::select(std::span(&p, 1), std::span(&p, 1)).code() == errc::no_proposal_chosen);
    }
    SUBCASE("IKE needs integrity; ESP may run a cipher alone, but not ENCR_NULL") {
        const proposal ike_cbc = mk(protocol_id::ike, {cbc}, {});
        CHECK(kex::select(std::span(&ike_cbc, 1), std::span(&ike_cbc, 1)).code() == errc::no_proposal_chosen);
        const proposal esp_cbc = mk(protocol_id::esp, {cbc}, {});
        CHECK(kex::select(std::span(&esp_cbc, 1), std::span(&esp_cbc, 1)).has_value());
        const proposal esp_null = mk(protocol_id::esp, {null_encr}, {none});
        CHECK(kex::select(std::span(&esp_null, 1), std::span(&esp_null, 1)).code() == errc::no_proposal_chosen);
        const proposal esp_null_mac = mk(protocol_id::esp, {null_encr}, {sha256});
        CHECK(kex::select(std::span(&esp_null_mac, 1), std::span(&esp_null_mac, 1)).has_value());
    }
    SUBCASE("the initiator refuses a reply with AEAD and HMAC") {
        const std::array<proposal, 1> ours{mk(protocol_id::ike, {gcm, cbc}, {sha256, none})};
        proposal reply{protocol_id::ike};
        reply.number = 1;
        REQUIRE(reply.add(tt::encr, gcm.id, gcm.key_bits));
        REQUIRE(reply.add(tt::integ, sha256));
        REQUIRE(reply.add_prf(prf_id::hmac_sha2_256));
        REQUIRE(reply.add_ke(ke_method::curve25519));
        CHECK(kex::accept_reply(ours, reply).code() == errc::invalid_syntax);
        reply.lists[2].clear();
        REQUIRE(reply.add(tt::integ, none));
        CHECK(kex::accept_reply(ours, reply).has_value());
    }
}

TEST_CASE("validate() checks a local proposal") {
    CHECK(kex::validate(ike({x25519}, {{mlkem768, none}})).ok());
    CHECK(kex::validate(ike({})).code() == errc::missing_payload);  // IKE needs KE
    CHECK(kex::validate(ike({none})).code() == errc::invalid_syntax);  // NONE not allowed for IKE KE
    proposal p = ike({x25519});
    REQUIRE(p.add_esn(wire::esn_id::no));
    CHECK(kex::validate(p).code() == errc::invalid_syntax);
    proposal k = ike({x25519});
    REQUIRE(k.add(tt::prf, 5, 128));
    CHECK(kex::validate(k).code() == errc::invalid_syntax);
    proposal ah{protocol_id::ah};
    REQUIRE(ah.add_integ(wire::integ_id::hmac_sha2_256_128));
    REQUIRE(ah.add_esn(wire::esn_id::no));
    CHECK(kex::validate(ah).ok());
    // Ciphers and integrity (RFC 7296 §3.3, RFC 5282 §8).
    proposal mixed = ike({x25519});
    REQUIRE(mixed.add_encr(encr_id::aes_cbc, 256));
    CHECK(kex::validate(mixed).code() == errc::invalid_syntax);  // GCM and CBC in one proposal
    proposal gcm_hmac = ike({x25519});
    REQUIRE(gcm_hmac.add_integ(wire::integ_id::hmac_sha2_256_128));
    CHECK(kex::validate(gcm_hmac).code() == errc::invalid_syntax);
    proposal cbc{protocol_id::ike};
    REQUIRE(cbc.add_encr(encr_id::aes_cbc, 256));
    REQUIRE(cbc.add_prf(prf_id::hmac_sha2_256));
    REQUIRE(cbc.add_ke(ke_method::curve25519));
    CHECK(kex::validate(cbc).code() == errc::invalid_syntax);  // IKE without integrity
    REQUIRE(cbc.add_integ(wire::integ_id::hmac_sha2_256_128));
    CHECK(kex::validate(cbc).ok());
    proposal esp_cbc{protocol_id::esp};
    REQUIRE(esp_cbc.add_encr(encr_id::aes_cbc, 128));
    REQUIRE(esp_cbc.add_esn(wire::esn_id::no));
    CHECK(kex::validate(esp_cbc).ok());  // ESP may run without integrity (RFC 4303 §3.2)
    proposal esp_null{protocol_id::esp};
    REQUIRE(esp_null.add_encr(encr_id::null));
    REQUIRE(esp_null.add_esn(wire::esn_id::no));
    CHECK(kex::validate(esp_null).code() == errc::invalid_syntax);  // neither
    proposal full = ike({x25519});
    for (std::uint16_t i = 100; i < 100 + kex::max_transforms_per_type - 1; ++i) CHECK(full.add(tt::ke, i));
    CHECK_FALSE(full.add(tt::ke, 999));
    CHECK(full.add(tt::ke, 100));  // already there: no-op
    CHECK_FALSE(p.add_addke(0, ke_method::ml_kem_768));
    CHECK_FALSE(p.add_addke(8, ke_method::ml_kem_768));
}

// ---- wire ---------------------------------------------------------------------------------------

namespace {

std::vector<std::byte> encode(std::span<const proposal> ps) {
    std::vector<std::byte> buf(4096);
    writer w{buf};
    REQUIRE(kex::encode_sa(w, ps).ok());
    buf.resize(w.size());
    return buf;
}

}  // namespace

TEST_CASE("wire round trip: responder selects from bytes, initiator accepts the reply") {
    std::array<proposal, 2> ours{ike({x25519, ecp256}, {{mlkem768, none}, {}, {mlkem1024, none}}),
                                 ike({ecp384})};
    REQUIRE(ours[0].add(tt::encr, 12, 128));  // a second cipher with a Key Length
    const auto sa_bytes = encode(ours);
    auto sa = wire::sa_view::decode(test::view(sa_bytes));
    REQUIRE(sa);

    std::array<proposal, 1> theirs{ike({x25519}, {{mlkem768}, {}, {mlkem1024, none}})};
    kex::select_options o;
    o.ke_hint = x25519;
    auto from_bytes = kex::select(*sa, theirs, o);
    auto from_model = kex::select(ours, theirs, o);
    REQUIRE(from_bytes);
    REQUIRE(from_model);
    CHECK(from_bytes->chosen == from_model->chosen);
    CHECK(from_bytes->in_reply == from_model->in_reply);
    CHECK(plan_methods(*from_bytes) == vec{x25519, mlkem768, mlkem1024});

    std::array<std::byte, 512> rbuf{};
    writer w{rbuf};
    REQUIRE(kex::encode_reply(w, *from_bytes).ok());
    auto reply = wire::sa_view::decode(w.written());
    REQUIRE(reply);
    auto accepted = kex::accept_reply(ours, *reply);
    REQUIRE(accepted);
    CHECK(accepted->chosen == from_bytes->chosen);
    CHECK(plan_methods(*accepted) == plan_methods(*from_bytes));
}

TEST_CASE("wire select: numbering, unusable transforms, oversized proposals") {
    const std::array<proposal, 1> local{ike({x25519})};
    SUBCASE("proposal numbers of a request must be 1, 2, ...") {
        // Consecutive but starting at 2: a valid SA payload (a reply may start anywhere), not a
        // valid request.
        std::array<proposal, 2> ps{ike({ecp384}), ike({x25519})};
        ps[0].number = 2;
        ps[1].number = 3;
        const auto b = encode(ps);
        auto sa = wire::sa_view::decode(test::view(b));
        REQUIRE(sa);
        CHECK(kex::select(*sa, local).code() == errc::invalid_syntax);
        ps[0].number = 1;
        ps[1].number = 2;
        const auto good = encode(ps);
        auto sa2 = wire::sa_view::decode(test::view(good));
        REQUIRE(sa2);
        auto r = kex::select(*sa2, local);
        REQUIRE(r);
        CHECK(r->proposal_number == 2);
    }
    SUBCASE("a transform with an unknown attribute is unusable, its type still present") {
        std::vector<std::byte> buf(256);
        writer w{buf};
        wire::sa_builder sb{w};
        sb.begin_proposal(1, protocol_id::ike);
        sb.add_transform(tt::encr, 20, 256);
        sb.add_transform(tt::prf, 5);
        sb.begin_transform(tt::ke, x25519);
        sb.add_attribute({99, true, 1, {}});
        sb.end_transform();
        REQUIRE(sb.finish().ok());
        auto sa = wire::sa_view::decode(w.written());
        REQUIRE(sa);
        CHECK(kex::select(*sa, local).code() == errc::no_proposal_chosen);
    }
    SUBCASE("a proposal with hundreds of transforms is filtered, never overflows") {
        std::vector<std::byte> buf(8192);
        writer w{buf};
        wire::sa_builder sb{w};
        sb.begin_proposal(1, protocol_id::ike);
        sb.add_transform(tt::encr, 20, 256);
        sb.add_transform(tt::prf, 5);
        for (std::uint16_t i = 1000; i < 1200; ++i) sb.add_transform(tt::ke, i);
        sb.add_transform(tt::ke, x25519);
        REQUIRE(sb.finish().ok());
        auto sa = wire::sa_view::decode(w.written());
        REQUIRE(sa);
        auto r = kex::select(*sa, local);
        REQUIRE(r);
        CHECK(r->ke() == x25519);
        // Unfiltered, the same proposal does not fit the fixed lists: an error, not a crash.
        auto pv = sa->proposal_list().next();
        REQUIRE(pv);
        CHECK(kex::decode_proposal(*pv).code() == errc::length_too_large);
    }
    SUBCASE("unknown transform type makes the proposal unacceptable") {
        std::vector<std::byte> buf(256);
        writer w{buf};
        wire::sa_builder sb{w};
        sb.begin_proposal(1, protocol_id::ike);
        sb.add_transform(tt::encr, 20, 256);
        sb.add_transform(tt::prf, 5);
        sb.add_transform(tt::ke, x25519);
        sb.add_transform(static_cast<tt>(13), 1);
        REQUIRE(sb.finish().ok());
        auto sa = wire::sa_view::decode(w.written());
        REQUIRE(sa);
        CHECK(kex::select(*sa, local).code() == errc::no_proposal_chosen);
    }
}

TEST_CASE("accept_reply rejects a reply we did not offer") {
    const std::array<proposal, 1> ours{ike({x25519, ecp256}, {{mlkem768}, {mlkem1024, none}})};
    auto reply_with = [](std::uint8_t number, std::initializer_list<std::pair<tt, std::uint16_t>> ts) {
        proposal r{protocol_id::ike};
        r.number = number;
        for (auto [t, id] : ts) REQUIRE(r.add(t, id, t == tt::encr ? 256 : 0));
        return r;
    };
    const auto good = reply_with(1, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, ecp256}, {tt::addke1, mlkem768}});
    auto ok = kex::accept_reply(ours, good);
    REQUIRE(ok);
    CHECK(ok->ke() == ecp256);
    CHECK(ok->addke(2) == none);  // omitted in the reply, and we offered NONE
    CHECK(plan_methods(*ok) == vec{ecp256, mlkem768});

    CHECK(kex::accept_reply(ours, reply_with(2, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, ecp256},
                                                 {tt::addke1, mlkem768}}))
              .code() == errc::invalid_syntax);  // unknown proposal number
    CHECK(kex::accept_reply(ours, reply_with(1, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, ecp384},
                                                 {tt::addke1, mlkem768}}))
              .code() == errc::invalid_syntax);  // KE not offered
    CHECK(kex::accept_reply(ours, reply_with(1, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, ecp256},
                                                 {tt::ke, x25519}, {tt::addke1, mlkem768}}))
              .code() == errc::invalid_syntax);  // two KE transforms
    CHECK(kex::accept_reply(ours, reply_with(1, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, ecp256}}))
              .code() == errc::invalid_syntax);  // ADDKE1 omitted, we did not offer NONE
    CHECK(kex::accept_reply(ours, reply_with(1, {{tt::encr, 20}, {tt::ke, ecp256}, {tt::addke1, mlkem768}}))
              .code() == errc::invalid_syntax);  // PRF omitted
    const std::array<proposal, 1> dup{ike({x25519}, {{mlkem768}, {mlkem768, mlkem1024}})};
    CHECK(kex::accept_reply(dup, reply_with(1, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, x25519},
                                                {tt::addke1, mlkem768}, {tt::addke2, mlkem768}}))
              .code() == errc::invalid_syntax);  // ADDKE method repeated
    auto esn = reply_with(1, {{tt::encr, 20}, {tt::prf, 5}, {tt::ke, ecp256}, {tt::addke1, mlkem768}});
    REQUIRE(esn.add_esn(wire::esn_id::no));
    CHECK(kex::accept_reply(ours, esn).code() == errc::invalid_syntax);  // a type IKE must not have

    // From the wire: exactly one proposal.
    std::array<proposal, 2> twice{ours[0], ours[0]};
    const auto b = encode(twice);
    auto sa = wire::sa_view::decode(test::view(b));
    REQUIRE(sa);
    CHECK(kex::accept_reply(ours, *sa).code() == errc::invalid_syntax);
}

TEST_CASE("INVALID_KE_PAYLOAD on the initiator: retry only with offered methods, once each") {
    std::array<proposal, 2> ours{ike({x25519, ecp256}), ike({ecp384})};
    const auto first = kex::ke_retry::first_guess(ours);
    CHECK(first == x25519);
    kex::ke_retry retry{first};
    CHECK(retry.current() == x25519);

    CHECK(retry.on_invalid_ke(ours, mlkem768).code() == errc::no_proposal_chosen);  // not offered
    CHECK(retry.on_invalid_ke(ours, none).code() == errc::no_proposal_chosen);
    CHECK(retry.on_invalid_ke(ours, x25519).code() == errc::no_proposal_chosen);  // the one we sent
    CHECK(retry.attempts() == 1);  // rejected requests change nothing

    auto a = retry.on_invalid_ke(ours, ke_method::ecp_384);  // from the second proposal
    REQUIRE(a);
    CHECK(*a == ecp384);
    CHECK(retry.current() == ecp384);
    auto b = retry.on_invalid_ke(ours, ecp256);
    REQUIRE(b);
    CHECK(retry.on_invalid_ke(ours, ecp384).code() == errc::no_proposal_chosen);  // no loop
    CHECK(retry.attempts() == 3);

    const std::array<proposal, 1> esp_no_ke{[] {
        proposal p{protocol_id::esp};
        REQUIRE(p.add_encr(encr_id::aes_gcm_16, 256));
        REQUIRE(p.add_esn(wire::esn_id::no));
        return p;
    }()};
    CHECK(kex::ke_retry::first_guess(esp_no_ke) == 0);
    kex::ke_retry child{0};
    CHECK(child.on_invalid_ke(esp_no_ke, x25519).code() == errc::no_proposal_chosen);
}

// ---- property tests ------------------------------------------------------------------------------
// Random proposal sets from small universes (so that matches and misses are both common), checked
// against a brute-force matcher that shares no code with kex::match: it enumerates every
// combination of transforms and keeps the first one that RFC 7296 §2.7 / RFC 9370 §2.2.1 allow.

namespace {

struct gen {
    std::mt19937_64 rng;
    explicit gen(std::uint64_t seed) : rng(seed) {}
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

    void fill(proposal& p, tt t, std::initializer_list<transform> universe, std::size_t max_n) {
        const std::vector<transform> u(universe);
        const std::size_t n = 1 + below(max_n);
        for (std::size_t i = 0; i < n; ++i) {
            const transform x = u[below(u.size())];
            REQUIRE(p.add(t, x.id, x.key_bits));
        }
    }
    proposal make() {
        proposal p{chance(90) ? protocol_id::ike : protocol_id::esp};
        p.number = 0;
        // Mostly consistent suites (AEAD without INTEG, CBC/NULL with it), sometimes mixed.
        const bool integ = chance(35);
        if (integ) fill(p, tt::integ, {{12, 0}, {0, 0}, {14, 0}}, 2);
        if (integ && chance(75)) fill(p, tt::encr, {{12, 256}, {12, 128}, {11, 0}, {20, 256}}, 3);
        else fill(p, tt::encr, {{20, 256}, {20, 128}, {12, 256}}, 3);
        if (p.protocol == protocol_id::ike) fill(p, tt::prf, {{5, 0}, {7, 0}}, 2);
        if (p.protocol == protocol_id::ike || chance(50))
            fill(p, tt::ke, p.protocol == protocol_id::ike
                                ? std::initializer_list<transform>{{31, 0}, {19, 0}, {20, 0}}
                                : std::initializer_list<transform>{{31, 0}, {19, 0}, {0, 0}},
                 2);
        if (p.protocol == protocol_id::esp) fill(p, tt::esn, {{0, 0}, {1, 0}}, 2);
        for (unsigned n = 1; n <= 7; ++n)
            if (chance(n <= 3 ? 40 : 12))
                fill(p, wire::addke(n), {{35, 0}, {36, 0}, {37, 0}, {31, 0}, {0, 0}, {0, 0}}, 3);
        if (chance(3)) REQUIRE(p.add_esn(wire::esn_id::no));  // occasionally malformed for IKE
        if (chance(2)) p.unknown_type = true;
        return p;
    }
};

// The list of type t as the RFCs read it, written independently of kex::effective.
enum class presence { absent_ok, absent_none, listed, bad };
struct brute_list {
    presence kind = presence::bad;
    std::vector<transform> v;
};
brute_list brute_effective(const proposal& p, tt t) {
    const auto n = wire::to_number(t);
    const bool listed = !p.of(t).empty();
    const bool ike = p.protocol == protocol_id::ike;
    const bool addke = n >= 6;
    bool mandatory, forbidden;
    if (addke) mandatory = forbidden = false;
    else if (t == tt::encr) mandatory = true, forbidden = false;
    else if (t == tt::prf) mandatory = ike, forbidden = !ike;
    else if (t == tt::integ) mandatory = forbidden = false;
    else if (t == tt::ke) mandatory = ike, forbidden = false;
    else mandatory = !ike, forbidden = ike;  // ESN
    brute_list b;
    if (forbidden) {
        b.kind = listed ? presence::bad : presence::absent_ok;
        return b;
    }
    if (!listed) {
        b.kind = mandatory ? presence::bad : presence::absent_none;
        b.v = {transform{0, 0}};
        return b;
    }
    b.kind = presence::listed;
    b.v.assign(p.of(t).begin(), p.of(t).end());
    return b;
}

struct brute_choice {
    bool ok = false;
    std::array<transform, 12> chosen{};
};

// First acceptable combination; `first` decides whose order counts.
brute_choice brute_match(const proposal& peer, const proposal& local, bool peer_order) {
    brute_choice out;
    if (peer.unknown_type || local.unknown_type || peer.protocol != local.protocol) return out;
    std::array<std::vector<transform>, 12> cand;
    for (std::uint8_t n = 1; n <= 12; ++n) {
        const auto t = static_cast<tt>(n);
        auto a = brute_effective(peer, t), b = brute_effective(local, t);
        if (a.kind == presence::bad || b.kind == presence::bad) return out;
        if (a.kind == presence::absent_ok) continue;
        const auto& first = peer_order ? a.v : b.v;
        const auto& second = peer_order ? b.v : a.v;
        for (auto x : first) {
            bool in2 = false, dup = false;
            for (auto y : second) in2 = in2 || x == y;
            for (auto y : cand[n - 1]) dup = dup || x == y;
            if (in2 && !dup) cand[n - 1].push_back(x);
        }
        if (cand[n - 1].empty()) return out;
    }
    for (std::uint8_t n = 1; n <= 5; ++n)
        if (!cand[n - 1].empty()) out.chosen[n - 1] = cand[n - 1][0];
    // ENCR x INTEG: first cipher with a fitting integrity choice. Combined-mode ciphers (RFC 5282,
    // RFC 4543, RFC 7634) take INTEG NONE; IKE otherwise needs integrity; ESP with ENCR_NULL too.
    if (!cand[0].empty()) {
        auto combined = [](std::uint16_t e) {
            for (int a : {14, 15, 16, 18, 19, 20, 21, 28})
                if (e == a) return true;
            return false;
        };
        bool found = false;
        for (auto e : cand[0]) {
            for (auto i : cand[2]) {
                const bool fit = combined(e.id) ? i.id == 0
                                 : peer.protocol == protocol_id::ike ? i.id != 0
                                                                     : (i.id != 0 || e.id != 11);
                if (fit && !found) {
                    out.chosen[0] = e;
                    out.chosen[2] = i;
                    found = true;
                }
            }
        }
        if (!found) return out;
    }
    // ADDKE1..7: odometer over all combinations, ADDKE1 most significant, first valid wins.
    std::array<std::size_t, 7> idx{};
    std::array<std::size_t, 7> len{};
    for (std::size_t i = 0; i < 7; ++i) len[i] = cand[5 + i].empty() ? 1 : cand[5 + i].size();
    while (true) {
        std::array<transform, 7> pick{};
        for (std::size_t i = 0; i < 7; ++i) pick[i] = cand[5 + i].empty() ? transform{} : cand[5 + i][idx[i]];
        bool distinct = true;
        for (std::size_t i = 0; i < 7; ++i)
            for (std::size_t j = i + 1; j < 7; ++j)
                if (pick[i].id != 0 && pick[i] == pick[j]) distinct = false;
        if (distinct) {
            for (std::size_t i = 0; i < 7; ++i) out.chosen[5 + i] = pick[i];
            out.ok = true;
            return out;
        }
        std::size_t k = 7;
        while (k > 0) {
            --k;
            if (++idx[k] < len[k]) break;
            idx[k] = 0;
            if (k == 0) return out;
        }
    }
}

}  // namespace

TEST_CASE("property: selection equals the brute-force matcher on random proposal sets") {
    for (bool peer_order : {true, false}) {
        gen g{peer_order ? 0x5eed1234u : 0x5eed5678u};
        std::size_t matched = 0, unmatched = 0;
        for (int iter = 0; iter < 5000; ++iter) {
            std::vector<proposal> peer(1 + g.below(4)), local(1 + g.below(3));
            for (auto& p : peer) p = g.make();
            for (auto& p : local) p = g.make();
            kex::select_options o;
            o.order = peer_order ? kex::preference::peer : kex::preference::local;
            auto r = kex::select(peer, local, o);

            // Brute force: first pair in the preferred order.
            brute_choice expect;
            std::size_t ep = 0, el = 0;
            const std::size_t outer = peer_order ? peer.size() : local.size();
            const std::size_t inner = peer_order ? local.size() : peer.size();
            for (std::size_t i = 0; i < outer && !expect.ok; ++i)
                for (std::size_t j = 0; j < inner && !expect.ok; ++j) {
                    ep = peer_order ? i : j;
                    el = peer_order ? j : i;
                    expect = brute_match(peer[ep], local[el], peer_order);
                }
            CAPTURE(iter);
            REQUIRE(r.has_value() == expect.ok);
            if (!expect.ok) {
                CHECK(r.code() == errc::no_proposal_chosen);
                ++unmatched;
                continue;
            }
            ++matched;
            CHECK(r->proposal_number == ep + 1);
            CHECK(r->local_index == el);
            CHECK(r->chosen == expect.chosen);
            // Everything chosen was offered by both (or is the NONE of an omitted optional type).
            for (std::uint8_t n = 1; n <= 12; ++n) {
                const auto t = static_cast<tt>(n);
                const transform x = r->get(t);
                for (const proposal* p : {&peer[ep], &local[el]}) {
                    auto b = brute_effective(*p, t);
                    if (b.kind == presence::absent_ok) continue;
                    bool in = false;
                    for (auto y : b.v) in = in || y == x;
                    CHECK(in);
                }
            }
            // The initiator accepts what the responder chose: same suite on both sides.
            std::vector<std::byte> buf(1024);
            writer w{buf};
            REQUIRE(kex::encode_reply(w, *r).ok());
            auto reply = wire::sa_view::decode(w.written());
            REQUIRE(reply);
            auto acc = kex::accept_reply(peer, *reply);
            REQUIRE(acc);
            CHECK(acc->chosen == r->chosen);
        }
        // The generator must exercise both outcomes substantially.
        CHECK(matched > 300);
        CHECK(unmatched > 300);
    }
}

TEST_CASE("property: wire selection equals model selection, with KE hints") {
    gen g{0xabcdef01u};
    for (int iter = 0; iter < 1500; ++iter) {
        std::vector<proposal> peer(1 + g.below(4)), local(1 + g.below(3));
        for (auto& p : peer) {
            p = g.make();
            p.unknown_type = false;  // not representable as bytes from the model
        }
        for (auto& p : local) p = g.make();
        kex::select_options o;
        if (g.chance(50)) o.ke_hint = std::array<std::uint16_t, 4>{31, 19, 20, 0}[g.below(4)];
        const auto bytes = encode(peer);
        auto sa = wire::sa_view::decode(test::view(bytes));
        REQUIRE(sa);
        auto a = kex::select(*sa, local, o);
        auto b = kex::select(peer, local, o);
        CAPTURE(iter);
        REQUIRE(a.has_value() == b.has_value());
        if (!a) continue;
        CHECK(a->chosen == b->chosen);
        CHECK(a->proposal_number == b->proposal_number);
        CHECK(a->in_reply == b->in_reply);
        if (o.ke_hint && a->ke() != 0) {
            // The hint wins whenever it was acceptable in the chosen pair.
            const auto& pl = peer[a->proposal_number - 1u];
            const auto& ll = local[a->local_index];
            const transform h{*o.ke_hint, 0};
            const bool acceptable = kex::effective(pl, tt::ke).contains(h) &&
                                    kex::effective(ll, tt::ke).contains(h);
            CHECK((a->ke() == *o.ke_hint) == acceptable);
            CHECK(kex::check_ke_payload(*a, *o.ke_hint).ok() == acceptable);
        }
    }
}
