// SPDX-License-Identifier: MIT
// The IKEv2 side of the escape simulation (escape_sim.cpp): the legacy IKE SAs, made by the real
// IKE_SA_INIT + IKE_AUTH helpers (classical KE only, PSK), and a re-sealing tool for the keyed
// man in the middle, who knows the legacy SA's SK_e/SK_a and so can decrypt, edit and re-encrypt
// a protected message. Suite: test::reference_suite (toy DH as the classical KE, the reference
// ML-KEM-768, HMAC-SHA-256, the test cipher), so the simulation needs no OpenSSL.
#pragma once

#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>

#include "support/exchange_suites.hpp"

#include <array>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace sim_ike {

using namespace pqike;
using S = test::reference_suite;
using sa_t = exchange::ike_sa<S>;
using bytes = std::vector<std::byte>;
using datagrams = std::vector<bytes>;

// Room for an IKE_FOLLOWUP_KE with ML-KEM-768 (whole or in RFC 7383 fragments).
struct buffer {
    std::vector<std::byte> storage = std::vector<std::byte>(8192);
    std::array<bytes_view, 16> slots{};
    exchange::out_buffer out() { return {storage, slots}; }
};

inline datagrams copy(const exchange::outgoing& o) {
    datagrams d;
    for (auto v : o.datagrams) d.emplace_back(v.begin(), v.end());
    return d;
}

inline bytes_view text(const char* s, std::size_t n) { return as_bytes_view(s, n); }

// One legacy IKE SA as both ends hold it: IKE_SA_INIT with the classical KE only, IKE_AUTH with a
// PSK; the consumer is the original initiator. Deterministic from `seed`.
struct legacy_pair {
    sa_t consumer;
    sa_t provider;
};

template <class Rng>
std::optional<legacy_pair> make_legacy(std::uint64_t seed, Rng&& make_rng) {
    static const char psk[] = "legacy device PSK, thirty-two!!!";
    std::array<kex::proposal, 1> ike_i{test::ike_proposal<S>(S::classical, {})};
    std::array<kex::proposal, 1> ike_r{test::ike_proposal<S>(S::classical, {})};
    std::array<kex::proposal, 1> esp_i{test::esp_proposal(1)}, esp_r{test::esp_proposal(2)};
    exchange::initial_config ci{}, cr{};
    for (auto* c : {&ci, &cr}) {
        c->ts_i = test::ts_body();
        c->ts_r = test::ts_body();
        c->psk = text(psk, sizeof psk - 1);
    }
    ci.ike = ike_i;
    ci.child = esp_i;
    ci.id = exchange::identity{wire::id_type::fqdn, text("device.example", 14)};
    cr.ike = ike_r;
    cr.child = esp_r;
    cr.id = exchange::identity{wire::id_type::fqdn, text("gw.example", 10)};
    auto ini = std::make_unique<exchange::initial_initiator<S>>(ci);
    auto rsp = std::make_unique<exchange::initial_responder<S>>(cr);
    auto ri = make_rng(seed), rr = make_rng(seed ^ 0x5555);
    buffer bi, br;
    auto o = ini->start(ri, bi.out());
    if (!o) return std::nullopt;
    datagrams req = copy(*o);
    for (int guard = 0; guard < 8 && !req.empty(); ++guard) {
        datagrams resp;
        for (auto& d : req) {
            auto r = rsp->on_message(d, rr, br.out());
            if (!r) return std::nullopt;
            if (!r->empty()) resp = copy(*r);
        }
        req.clear();
        for (auto& d : resp) {
            auto r = ini->on_message(d, ri, bi.out());
            if (!r) return std::nullopt;
            if (!r->empty()) req = copy(*r);
        }
    }
    if (!ini->established() || !rsp->established()) return std::nullopt;
    return legacy_pair{ini->sa(), rsp->sa()};
}

// All seven keys and both SPIs equal.
inline bool same_sa(const sa_t& a, const sa_t& b) {
    if (!a.keys || !b.keys) return false;
    const auto& x = *a.keys;
    const auto& y = *b.keys;
    return a.spi_i == b.spi_i && a.spi_r == b.spi_r && ct_equal(x.sk_d(), y.sk_d()) && ct_equal(x.sk_ai(), y.sk_ai()) &&
           ct_equal(x.sk_ar(), y.sk_ar()) && ct_equal(x.sk_ei(), y.sk_ei()) && ct_equal(x.sk_er(), y.sk_er()) &&
           ct_equal(x.sk_pi(), y.sk_pi()) && ct_equal(x.sk_pr(), y.sk_pr());
}

// The keyed attacker's tool: opens a protected message under the keys of its direction, keeps
// every inner payload, lets `edit` append more, and seals it again under the same keys and header.
// Empty if the message does not open (a fragment, or not protected).
template <class Rng, class Edit>
std::optional<bytes> reseal(const wire::sk_keys& k, bytes_view d, Rng& rng, Edit&& edit) {
    using C = S::cipher;
    bytes plain(d.size());
    auto f = wire::parse_protected<C>(d);
    if (!f || f->fragment) return std::nullopt;
    auto o = wire::open<C>(k, *f, plain);
    if (!o) return std::nullopt;
    const wire::protected_message m = o->view();
    exchange::payload_list pl;
    if (!exchange::decode_payloads(m.first_inner, m.inner, exchange::inner_base(m), pl)) return std::nullopt;
    bytes inner(8192);
    exchange::inner_builder ib{inner};
    for (const auto& p : pl.view()) ib.add(p.type, p.body);
    edit(pl, ib);
    auto chain = ib.finish();
    if (!chain) return std::nullopt;
    wire::protected_message n;
    n.header = m.header;
    n.first_inner = ib.first();
    n.inner = *chain;
    bytes out(d.size() + 512);
    auto s = wire::seal<C>(k, n, rng, out);
    if (!s) return std::nullopt;
    return bytes(s->begin(), s->end());
}

// The decrypted inner payload `type`/notify `kind` of a protected message (its body), if any.
inline std::optional<bytes> find_notify(const wire::sk_keys& k, bytes_view d, wire::notify_type kind) {
    using C = S::cipher;
    bytes plain(d.size());
    auto f = wire::parse_protected<C>(d);
    if (!f || f->fragment) return std::nullopt;
    auto o = wire::open<C>(k, *f, plain);
    if (!o) return std::nullopt;
    const wire::protected_message m = o->view();
    exchange::payload_list pl;
    if (!exchange::decode_payloads(m.first_inner, m.inner, exchange::inner_base(m), pl)) return std::nullopt;
    for (const auto& p : pl.view()) {
        if (p.type != wire::payload_type::notify) continue;
        auto n = wire::notify_view::decode(p);
        if (n && n->kind == kind) return bytes(p.body.begin(), p.body.end());
    }
    return std::nullopt;
}

}  // namespace sim_ike
