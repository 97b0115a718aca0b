// SPDX-License-Identifier: MIT
// NAT traversal (RFC 7296 §2.23, RFC 3948 §2.2; exchange/nat.hpp) through the exchange helpers:
// NAT detection hashes against strongSwan's own (the s1 and s3 captures), no NAT / initiator
// behind a NAT / forced encapsulation, floating to port 4500 with the non-ESP marker written and
// stripped by every helper (initial, rekey, INFORMATIONAL), and ESP on port 4500 refused.
#include "common.hpp"
#include "exchange_helpers.hpp"

#include <pqike/tools/pcap.hpp>

#include "interop/data.hpp"

using namespace exh;
using namespace pqike::test;

namespace {

using addr4 = std::array<std::byte, 4>;
constexpr addr4 ip(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return {std::byte{a}, std::byte{b}, std::byte{c}, std::byte{d}};
}
const addr4 init_private = ip(10, 0, 0, 2), init_public = ip(203, 0, 113, 5), resp_addr = ip(198, 51, 100, 1);

exchange::datagram_context ctx(const addr4& local, std::uint16_t lp, const addr4& peer, std::uint16_t pp) {
    exchange::datagram_context c;
    c.local_address = local;
    c.local_port = lp;
    c.peer_address = peer;
    c.peer_port = pp;
    return c;
}

bool has_marker(bytes_view d) {
    return d.size() > 4 && d[0] == std::byte{0} && d[1] == std::byte{0} && d[2] == std::byte{0} && d[3] == std::byte{0};
}

// One run: the initiator sees itself at `i_local:i_port`, the responder sees the initiator at
// `seen:seen_port` (a NAT rewrote it when they differ). Requests after IKE_SA_INIT go to the
// responder's port 4500 when the initiator floated.
template <class S>
struct nat_run {
    peers_cfg<S> c{{ke_method::ml_kem_768}, {ke_method::ml_kem_768}};
    std::unique_ptr<pair<S>> p;
    seeded_rng ri{111}, rr{112};
    buffer bi, br;
    std::size_t with_marker = 0, without_marker = 0;

    void run(const addr4& i_local, std::uint16_t i_port, const addr4& seen, std::uint16_t seen_port) {
        p = std::make_unique<pair<S>>(c);
        auto o = p->ini->start(ri, bi.out(), ctx(i_local, i_port, resp_addr, 500));
        REQUIRE(o);
        datagrams req = copy(*o);
        bool first = true;
        for (int guard = 0; guard < 10 && !req.empty(); ++guard) {
            const bool floated = !first && p->ini->nat().encapsulate();
            datagrams resp;
            for (auto& d : req) {
                (has_marker(view(d)) ? with_marker : without_marker)++;
                auto r = p->rsp->on_message(view(d), rr, br.out(),
                                            ctx(resp_addr, floated ? 4500 : 500, seen, floated ? 4500 : seen_port));
                REQUIRE(r);
                REQUIRE_FALSE(r->is_refusal());
                if (!r->empty()) resp = copy(*r);
            }
            first = false;
            req.clear();
            for (auto& d : resp) {
                (has_marker(view(d)) ? with_marker : without_marker)++;
                auto r = p->ini->on_message(view(d), ri, bi.out());
                REQUIRE(r);
                if (!r->empty()) req = copy(*r);
            }
        }
        REQUIRE(p->ini->established());
        REQUIRE(p->rsp->established());
    }
};

}  // namespace

TEST_CASE("NAT detection hashes equal strongSwan's (s1: no NAT; s3: forced encapsulation)") {
    using H = crypto::sha1;
    for (const char* name : {"strongswan_s1_mlkem768_gcm.pcap", "strongswan_s3_cbc_hmac_natt.pcap"}) {
        CAPTURE(name);
        const auto file = pqike::interop::read_data_file(name);
        auto rd = pqike::pcap::file_reader::open(view(file));
        REQUIRE(rd);
        int checked = 0;
        while (!rd->done() && checked < 2) {
            auto rec = rd->next();
            REQUIRE(rec);
            auto u = pqike::pcap::parse_udp(rd->link(), rec->frame);
            if (!u || u->endpoints.dport != 500 || u->endpoints.sport != 500) continue;
            auto h = wire::decode_header(u->payload);
            REQUIRE(h);
            if (h->exchange != wire::exchange_type::ike_sa_init) continue;
            exchange::payload_list pl;
            REQUIRE(exchange::decode_payloads(h->next, u->payload.subspan(wire::ike_header_size), wire::ike_header_size, pl)
                        .ok());
            addr4 src{}, dst{};
            for (std::size_t i = 0; i < 4; ++i) {
                src[i] = std::byte{u->endpoints.src[i]};
                dst[i] = std::byte{u->endpoints.dst[i]};
            }
            // As the receiver of this message sees the path: the sender is its peer.
            const auto path = exchange::udp_path::of(ctx(dst, u->endpoints.dport, src, u->endpoints.sport));
            const auto st = exchange::check_nat_detection<H>(pl, h->spi_i, h->spi_r, path);
            CHECK(st.checked);
            CHECK_FALSE(st.local_behind_nat);  // the destination hash is always genuine
            const bool forced = std::string(name).find("natt") != std::string::npos;
            CHECK(st.peer_behind_nat == forced);  // s3 ran with encap = yes: a fake source hash
            const auto dn = pl.notify(wire::notify_type::nat_detection_destination_ip);
            REQUIRE(dn);
            CHECK(tohex(dn->data) == tohex(exchange::nat_detection_hash<H>(h->spi_i, h->spi_r, path.local)));
            ++checked;
        }
        CHECK(checked == 2);
    }
}

TEST_CASE_TEMPLATE("NAT-T: no NAT, no float; everything on port 500 without a marker", S, PQIKE_EXCHANGE_SUITES) {
    nat_run<S> t;
    t.run(init_public, 500, init_public, 500);
    CHECK(t.p->ini->nat().checked);
    CHECK(t.p->rsp->nat().checked);
    CHECK_FALSE(t.p->ini->nat().encapsulate());
    CHECK_FALSE(t.p->rsp->nat().encapsulate());
    CHECK(t.with_marker == 0);
    CHECK_FALSE(t.p->ini->sa().frag.options.non_esp_marker);
}

TEST_CASE_TEMPLATE("NAT-T: the initiator behind a NAT floats to 4500; rekey and INFORMATIONAL keep the marker", S,
                   PQIKE_EXCHANGE_SUITES) {
    nat_run<S> t;
    t.run(init_private, 500, init_public, 40001);
    CHECK(t.p->ini->nat().local_behind_nat);
    CHECK_FALSE(t.p->ini->nat().peer_behind_nat);
    CHECK(t.p->rsp->nat().peer_behind_nat);
    CHECK_FALSE(t.p->rsp->nat().local_behind_nat);
    CHECK(t.with_marker >= 4);     // IKE_INTERMEDIATE and IKE_AUTH both ways (the ek may fragment now)
    CHECK(t.without_marker == 2);  // IKE_SA_INIT only
    auto& sa_i = t.p->ini->sa();
    auto& sa_r = t.p->rsp->sa();
    REQUIRE(sa_i.frag.options.non_esp_marker);
    REQUIRE(sa_r.frag.options.non_esp_marker);
    CHECK(same_ike_keys(*sa_i.keys, *sa_r.keys));

    // A Child SA rekey with IKE_FOLLOWUP_KE: every datagram carries the marker.
    const std::array<kex::proposal, 1> child{esp_proposal(9, {S::classical}, {ke_method::ml_kem_768})};
    exchange::rekey_config ci, cr;
    ci.proposals = child;
    ci.ts_i = ci.ts_r = ts_body();
    cr.proposals = child;
    exchange::rekey_initiator<S> ki{sa_i, ci};
    exchange::rekey_responder<S> kr{sa_r, cr};
    auto o = ki.start(t.ri, t.bi.out());
    REQUIRE(o);
    std::size_t marked = 0, total = 0;
    drive(
        *o,
        [&](bytes_view d) {
            ++total;
            marked += has_marker(d) ? 1u : 0u;
            return ki.on_message(d, t.ri, t.bi.out());
        },
        [&](bytes_view d) {
            ++total;
            marked += has_marker(d) ? 1u : 0u;
            return kr.on_message(d, t.rr, t.br.out());
        });
    CHECK(ki.done());
    CHECK(kr.done());
    CHECK(total >= 4);  // CREATE_CHILD_SA and IKE_FOLLOWUP_KE both ways, some fragmented
    CHECK(marked == total);

    // ESP on port 4500 (no marker) is not for the helpers: refused, nothing changes.
    auto esp = copy(*o)[0];
    esp.erase(esp.begin(), esp.begin() + 4);
    esp[0] = std::byte{0xc0};
    exchange::informational_responder<S> ir{sa_r};
    auto r = ir.receive(view(esp));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_syntax);

    // INFORMATIONAL: request and response with the marker.
    exchange::informational_initiator<S> ii{sa_i};
    auto req = ii.start({}, t.ri, t.bi.out());
    REQUIRE(req);
    const auto rq = copy(*req);
    CHECK(has_marker(view(rq[0])));
    auto got = ir.receive(view(rq[0]));
    REQUIRE(got);
    CHECK(*got);
    auto resp = ir.respond({}, t.rr, t.br.out());
    REQUIRE(resp);
    const auto rs = copy(*resp);
    CHECK(has_marker(view(rs[0])));
    auto fin = ii.on_message(view(rs[0]));
    REQUIRE(fin);
    CHECK(*fin);
}

TEST_CASE_TEMPLATE("NAT-T: forced encapsulation floats without a NAT; fragments each get the marker", S,
                   PQIKE_EXCHANGE_SUITES) {
    nat_run<S> t;
    t.c.ci.nat.force_encapsulation = true;
    t.c.ike_i[0] = ike_proposal<S>(S::classical, {ke_method::ml_kem_1024});  // a fragmented IKE_INTERMEDIATE
    t.c.ike_r[0] = ike_proposal<S>(S::classical, {ke_method::ml_kem_1024});
    t.run(init_public, 500, init_public, 500);
    CHECK(t.p->ini->nat().local_behind_nat);  // we faked our source hash
    CHECK(t.p->rsp->nat().peer_behind_nat);   // so the responder sees a NAT in front of us
    CHECK(t.p->ini->sa().frag.options.non_esp_marker);
    CHECK(t.with_marker >= 5);  // IKE_INTERMEDIATE in 2+ fragments each way, IKE_AUTH
    CHECK(t.without_marker == 2);
}
