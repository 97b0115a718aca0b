// SPDX-License-Identifier: MIT
// Shared set-up for the exchange tests: two configs for a suite (support/exchange_suites.hpp), and
// drivers that carry datagrams between two helpers in memory.
#pragma once

#include "common.hpp"

#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>
#include <pqike/exchange/informational.hpp>

#include "support/exchange_suites.hpp"
#include "support/rng.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace exh {

using namespace pqike;
using namespace pqike::test;
using wire::ke_method;

inline bytes_view psk() { return as_bytes_view("a pre-shared key of thirty-two!!", 32); }

// A datagram buffer with room for fragments.
struct buffer {
    std::vector<std::byte> bytes = std::vector<std::byte>(16384);
    std::array<bytes_view, 32> slots{};
    exchange::out_buffer out() { return {bytes, slots}; }
};

// Copies of datagrams (the helpers' outputs live in a buffer that the next call overwrites).
using datagrams = std::vector<std::vector<std::byte>>;
inline datagrams copy(const exchange::outgoing& o) {
    datagrams d;
    for (auto v : o.datagrams) d.emplace_back(v.begin(), v.end());
    return d;
}

// Initiator and responder configs for suite S: IKE proposals with S's cipher, PRF and classical
// KE plus the given ADDKEs, one Child SA, PSK authentication.
template <class S>
struct peers_cfg {
    std::array<kex::proposal, 1> ike_i;
    std::array<kex::proposal, 1> ike_r;
    std::array<kex::proposal, 1> child_i{esp_proposal(1)};
    std::array<kex::proposal, 1> child_r{esp_proposal(2)};
    exchange::initial_config ci{};
    exchange::initial_config cr{};
    peers_cfg(std::initializer_list<ke_method> addke_i, std::initializer_list<ke_method> addke_r)
        : ike_i{ike_proposal<S>(S::classical, addke_i)}, ike_r{ike_proposal<S>(S::classical, addke_r)} {
        ci.ike = ike_i;
        ci.child = child_i;
        ci.ts_i = ts_body();
        ci.ts_r = ts_body();
        ci.id = exchange::identity{wire::id_type::fqdn, view("alice.example")};
        ci.psk = psk();
        cr.ike = ike_r;
        cr.child = child_r;
        cr.id = exchange::identity{wire::id_type::fqdn, view("bob.example")};
        cr.psk = psk();
    }
};

template <class S>
struct pair {
    std::unique_ptr<exchange::initial_initiator<S>> ini;
    std::unique_ptr<exchange::initial_responder<S>> rsp;
    std::size_t max_fragments_seen = 0;
    std::size_t exchanges = 0;
    explicit pair(const peers_cfg<S>& c)
        : ini(std::make_unique<exchange::initial_initiator<S>>(c.ci)),
          rsp(std::make_unique<exchange::initial_responder<S>>(c.cr)) {}

    // Runs until both are established or a call fails.
    void run(seeded_rng& ri, seeded_rng& rr) {
        buffer bi, br;
        auto o = ini->start(ri, bi.out());
        REQUIRE(o);
        datagrams req = copy(*o);
        for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
            ++exchanges;
            max_fragments_seen = std::max(max_fragments_seen, req.size());
            datagrams resp;
            for (auto& d : req) {
                auto r = rsp->on_message(view(d), rr, br.out());
                REQUIRE(r);
                REQUIRE_FALSE(r->is_refusal());
                if (!r->empty()) resp = copy(*r);
            }
            max_fragments_seen = std::max(max_fragments_seen, resp.size());
            req.clear();
            for (auto& d : resp) {
                auto r = ini->on_message(view(d), ri, bi.out());
                REQUIRE(r);
                if (!r->empty()) req = copy(*r);
            }
        }
    }
};

template <class P>
bool same_ike_keys(const keys::ike_sa_keys<P>& a, const keys::ike_sa_keys<P>& b) {
    return ct_equal(a.sk_d(), b.sk_d()) && ct_equal(a.sk_ai(), b.sk_ai()) && ct_equal(a.sk_ar(), b.sk_ar()) &&
           ct_equal(a.sk_ei(), b.sk_ei()) && ct_equal(a.sk_er(), b.sk_er()) && ct_equal(a.sk_pi(), b.sk_pi()) &&
           ct_equal(a.sk_pr(), b.sk_pr());
}

// Carries one exchange's datagrams between an initiator-side and a responder-side helper until
// the initiator has nothing more to send; returns the number of exchanges.
template <class I, class Rsp>
std::size_t drive(exchange::outgoing first, I&& on_initiator, Rsp&& on_responder) {
    std::size_t n = 0;
    datagrams req = copy(first);
    for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
        ++n;
        datagrams resp;
        for (auto& d : req) {
            auto r = on_responder(view(d));
            REQUIRE(r);
            REQUIRE_FALSE(r->is_refusal());
            if (!r->empty()) resp = copy(*r);
        }
        req.clear();
        for (auto& d : resp) {
            auto r = on_initiator(view(d));
            REQUIRE(r);
            if (!r->empty()) req = copy(*r);
        }
    }
    return n;
}

// A rekey between two established SAs, run to the end (no refusal expected).
template <class S>
struct rekey_run {
    std::unique_ptr<exchange::rekey_initiator<S>> ki;
    std::unique_ptr<exchange::rekey_responder<S>> kr;
    std::size_t exchanges = 0;
    rekey_run(exchange::ike_sa<S>& a, const exchange::rekey_config& ca, exchange::ike_sa<S>& b,
              const exchange::rekey_config& cb, seeded_rng& ra, seeded_rng& rb)
        : ki(std::make_unique<exchange::rekey_initiator<S>>(a, ca)),
          kr(std::make_unique<exchange::rekey_responder<S>>(b, cb)) {
        buffer ba, bb;
        auto o = ki->start(ra, ba.out());
        REQUIRE(o);
        exchanges = drive(
            *o, [&](bytes_view d) { return ki->on_message(d, ra, ba.out()); },
            [&](bytes_view d) { return kr->on_message(d, rb, bb.out()); });
    }
};


// An authentic protected message with chosen inner payloads, sealed with `k` by cipher C.
template <class C>
std::vector<std::byte> craft(const wire::sk_keys& k, const wire::ike_header& h,
                             const std::function<void(exchange::inner_builder&)>& fill) {
    std::vector<std::byte> inner(8192);
    exchange::inner_builder ib{inner};
    fill(ib);
    auto chain = ib.finish();
    REQUIRE(chain);
    wire::protected_message m;
    m.header = h;
    m.first_inner = ib.first();
    m.inner = *chain;
    std::vector<std::byte> out(8192);
    seeded_rng rng{99};
    auto s = wire::seal<C>(k, m, rng, out);
    REQUIRE(s);
    return {s->begin(), s->end()};
}

inline void add_ke(exchange::inner_builder& ib, ke_method m, std::size_t n, std::uint8_t fill = 0x11) {
    std::vector<std::byte> data(n, std::byte{fill});
    ib.begin(wire::payload_type::ke);
    wire::encode_ke(ib.out(), m, data);
}

}  // namespace exh
