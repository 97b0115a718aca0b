// SPDX-License-Identifier: MIT
// Fuzz proposal selection with a peer SA payload: never crashes, and whatever is selected was
// offered by both sides (checked against the peer's proposal decoded on its own), ADDKE methods
// do not repeat, and the initiator accepts the reply the responder would send.
// Input: 1 control octet (bit 0: local preference order, bit 1: distinct_from_ke, bits 2-3:
// KE payload hint none/absent/31/36, bit 4: treat the body as a responder's reply and check it
// as the initiator), then the SA payload body.
#include <pqike/kex/negotiate.hpp>
#include <pqike/kex/proposal.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>

using namespace pqike;

namespace {

kex::proposal local_ike() {
    kex::proposal p{wire::protocol_id::ike};
    bool ok = p.add_encr(wire::encr_id::aes_gcm_16, 256) && p.add_encr(wire::encr_id::aes_cbc, 128) &&
              p.add_prf(wire::prf_id::hmac_sha2_256) && p.add_prf(wire::prf_id::hmac_sha2_512) &&
              p.add_integ(wire::integ_id::hmac_sha2_256_128) && p.add_integ(wire::integ_id::none) &&
              p.add_ke(wire::ke_method::curve25519) && p.add_ke(wire::ke_method::ecp_256) &&
              p.add_addke(1, wire::ke_method::ml_kem_768) && p.add_addke(1, wire::ke_method::ml_kem_1024) &&
              p.add_addke(1, wire::ke_method::none) && p.add_addke(2, wire::ke_method::ml_kem_768) &&
              p.add_addke(3, wire::ke_method::ml_kem_1024) && p.add_addke(3, wire::ke_method::none);
    if (!ok) std::abort();
    return p;
}

kex::proposal local_esp() {
    kex::proposal p{wire::protocol_id::esp};
    bool ok = p.add_encr(wire::encr_id::aes_gcm_16, 256) && p.add_esn(wire::esn_id::no) &&
              p.add_esn(wire::esn_id::yes) && p.add_ke(wire::ke_method::curve25519) &&
              p.add_ke(wire::ke_method::none) && p.add_addke(1, wire::ke_method::ml_kem_768);
    if (!ok) std::abort();
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static const std::array<kex::proposal, 2> local{local_ike(), local_esp()};
    const std::uint8_t ctl = data[0];
    auto sa = wire::sa_view::decode(as_bytes_view(data + 1, size - 1));
    if (!sa) return 0;

    if (ctl & 0x10) {
        // Initiator side: a hostile reply is either rejected or within what we offered.
        auto acc = kex::accept_reply(local, *sa);
        if (!acc) return 0;
        if (acc->local_index >= local.size()) std::abort();
        const kex::proposal& ours = local[acc->local_index];
        if (acc->protocol != ours.protocol) std::abort();
        for (std::uint8_t n = 1; n <= kex::transform_type_count; ++n) {
            const auto t = static_cast<wire::transform_type>(n);
            const auto e = kex::effective(ours, t);
            if (e.involved && !e.contains(acc->get(t))) std::abort();
        }
        for (unsigned a = 1; a <= kex::max_addke; ++a)
            for (unsigned b = a + 1; b <= kex::max_addke; ++b)
                if (acc->addke(a) != 0 && acc->addke(a) == acc->addke(b)) std::abort();
        if (!kex::encr_integ_fit(acc->protocol, acc->get(wire::transform_type::encr),
                                 acc->get(wire::transform_type::integ)))
            std::abort();
        return 0;
    }

    kex::select_options opt;
    opt.order = (ctl & 1) ? kex::preference::local : kex::preference::peer;
    opt.distinct_from_ke = (ctl & 2) != 0;
    static constexpr std::array<int, 4> hints{-1, 0, 31, 36};
    if (hints[(ctl >> 2) & 3] >= 0) opt.ke_hint = static_cast<std::uint16_t>(hints[(ctl >> 2) & 3]);

    auto r = kex::select(*sa, local, opt);
    if (!r) {
        if (r.code() == errc::ok) std::abort();
        return 0;
    }
    // Find the chosen peer proposal and decode it filtered by the matched local proposal.
    if (r->local_index >= local.size()) std::abort();
    const kex::proposal& mine = local[r->local_index];
    auto pc = sa->proposal_list();
    const kex::proposal* peer_p = nullptr;
    kex::proposal peer_copy;
    while (!pc.done()) {
        auto pv = pc.next();
        if (!pv) std::abort();  // a decoded view walks without error
        if (pv->number != r->proposal_number) continue;
        auto p = kex::decode_proposal(*pv, &mine);
        if (!p) std::abort();
        peer_copy = *p;
        peer_p = &peer_copy;
        break;
    }
    if (peer_p == nullptr || peer_p->protocol != mine.protocol) std::abort();
    // Result ⊆ offered, by both.
    for (std::uint8_t n = 1; n <= kex::transform_type_count; ++n) {
        const auto t = static_cast<wire::transform_type>(n);
        const kex::transform x = r->get(t);
        const auto pe = kex::effective(*peer_p, t);
        const auto le = kex::effective(mine, t);
        if (!pe.usable || !le.usable) std::abort();
        if (pe.involved && (!pe.contains(x) || !le.contains(x))) std::abort();
        if (r->includes(t) != peer_p->has(t)) std::abort();
    }
    for (unsigned a = 1; a <= kex::max_addke; ++a) {
        if (opt.distinct_from_ke && r->addke(a) != 0 && r->addke(a) == r->ke()) std::abort();
        for (unsigned b = a + 1; b <= kex::max_addke; ++b)
            if (r->addke(a) != 0 && r->addke(a) == r->addke(b)) std::abort();
    }
    if (!kex::encr_integ_fit(r->protocol, r->get(wire::transform_type::encr),
                             r->get(wire::transform_type::integ)))
        std::abort();
    // The plan lists exactly the non-NONE key exchanges, KE first.
    const auto plan = r->plan();
    std::size_t expected = r->ke() != 0 ? 1u : 0u;
    for (unsigned a = 1; a <= kex::max_addke; ++a) expected += r->addke(a) != 0 ? 1u : 0u;
    if (plan.size() != expected) std::abort();
    for (std::size_t i = 1; i < plan.size(); ++i)
        if (plan[i].slot <= plan[i - 1].slot) std::abort();

    // The reply round-trips through the initiator's check against the peer's own proposal.
    std::array<std::byte, 512> buf{};
    writer w{buf};
    if (!kex::encode_reply(w, *r).ok()) std::abort();
    auto reply = wire::sa_view::decode(w.written());
    if (!reply) std::abort();
    auto acc = kex::accept_reply(std::span(peer_p, 1), *reply);
    if (!acc || acc->chosen != r->chosen) std::abort();
    return 0;
}
