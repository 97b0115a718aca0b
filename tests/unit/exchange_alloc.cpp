// SPDX-License-Identifier: MIT
// Zero C++ heap in the exchange helpers: with the helpers and buffers set up beforehand, a whole
// initial exchange (X25519 + ML-KEM-768 + ML-KEM-1024 fragmented + IKE_AUTH), a Child SA rekey with
// IKE_FOLLOWUP_KE and an INFORMATIONAL exchange run without a single call to operator new.
// Over every suite of support/exchange_suites.hpp. (OpenSSL's own allocations go through malloc
// and are not counted: they belong to the adapter.)
#include "common.hpp"
#include "exchange_helpers.hpp"

#include "support/alloc_counter.hpp"

using namespace exh;
using namespace pqike::test;

namespace {

// Datagrams kept in fixed storage (no vectors while counting).
struct mailbox {
    std::array<std::array<std::byte, 2048>, 8> d{};
    std::array<std::size_t, 8> n{};
    std::size_t count = 0;
    bool put(const exchange::outgoing& o) {
        if (o.datagrams.size() > d.size()) return false;
        count = 0;
        for (auto v : o.datagrams) {
            if (v.size() > d[count].size()) return false;
            std::copy(v.begin(), v.end(), d[count].begin());
            n[count++] = v.size();
        }
        return true;
    }
    bytes_view at(std::size_t i) const { return {d[i].data(), n[i]}; }
};

// Carries datagrams until the initiator side has nothing more to send; false on any error.
template <class I, class R>
bool run(const exchange::outgoing& first, I&& on_i, R&& on_r, mailbox& a, mailbox& b) {
    if (!a.put(first)) return false;
    for (int guard = 0; guard < 20 && a.count > 0; ++guard) {
        b.count = 0;
        for (std::size_t i = 0; i < a.count; ++i) {
            auto r = on_r(a.at(i));
            if (!r || r->is_refusal()) return false;
            if (!r->empty() && !b.put(*r)) return false;
        }
        const std::size_t nb = b.count;
        a.count = 0;
        for (std::size_t i = 0; i < nb; ++i) {
            auto r = on_i(b.at(i));
            if (!r) return false;
            if (!r->empty() && !a.put(*r)) return false;
        }
    }
    return true;
}

}  // namespace

TEST_CASE_TEMPLATE("initial exchange, Child SA rekey and INFORMATIONAL make no heap allocation", S,
                   PQIKE_EXCHANGE_SUITES) {
    peers_cfg<S> c{{ke_method::ml_kem_768, ke_method::ml_kem_1024}, {ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    const std::array<kex::proposal, 1> child{esp_proposal(9, {S::classical}, {ke_method::ml_kem_768})};
    exchange::rekey_config rk;
    rk.proposals = child;
    rk.ts_i = ts_body();
    rk.ts_r = ts_body();
    auto ini = std::make_unique<exchange::initial_initiator<S>>(c.ci);
    auto rsp = std::make_unique<exchange::initial_responder<S>>(c.cr);
    auto ki = std::make_unique<exchange::rekey_initiator<S>>(ini->sa(), rk);
    auto kr = std::make_unique<exchange::rekey_responder<S>>(rsp->sa(), rk);
    auto ii = std::make_unique<exchange::informational_initiator<S>>(ini->sa());
    auto ir = std::make_unique<exchange::informational_responder<S>>(rsp->sa());
    auto bi = std::make_unique<buffer>();
    auto br = std::make_unique<buffer>();
    auto ma = std::make_unique<mailbox>();
    auto mb = std::make_unique<mailbox>();
    seeded_rng ri{41}, rr{42};

    g_news = 0;
    g_counting = true;
    bool ok = true;
    auto o = ini->start(ri, bi->out());
    ok = ok && o && run(*o, [&](bytes_view d) { return ini->on_message(d, ri, bi->out()); },
                        [&](bytes_view d) { return rsp->on_message(d, rr, br->out()); }, *ma, *mb);
    ok = ok && ini->established() && rsp->established();
    auto k = ki->start(ri, bi->out());
    ok = ok && k && run(*k, [&](bytes_view d) { return ki->on_message(d, ri, bi->out()); },
                        [&](bytes_view d) { return kr->on_message(d, rr, br->out()); }, *ma, *mb);
    ok = ok && ki->done() && kr->done();
    auto q = ii->start({}, ri, bi->out());
    ok = ok && q && q->datagrams.size() == 1;
    if (ok) {
        auto got = ir->receive(q->datagrams[0]);
        ok = got && *got;
        auto resp = ir->respond({}, rr, br->out());
        ok = ok && resp && resp->datagrams.size() == 1;
        if (ok) {
            auto fin = ii->on_message(resp->datagrams[0]);
            ok = fin && *fin;
        }
    }
    g_counting = false;
    CHECK(ok);
    CHECK(g_news == 0);
    CHECK(ini->sa().next_request_id == 7);  // 0..3 initial, 4..5 rekey, 6 INFORMATIONAL
}
