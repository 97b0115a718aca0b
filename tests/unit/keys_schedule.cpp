// SPDX-License-Identifier: MIT
// The multi-KE key schedule the NIST vectors do not cover, cross-checked against an independent
// Python model (tests/models/ikev2_kdf.py, hmac/hashlib only) on the same random inputs: IKE SA
// chains with 3 and 7 additional key exchanges, IKE SA rekeys and Child SA KEYMATs with several
// key exchanges (also across two different PRFs), IntAuth over 0, 1, 2 and 7 IKE_INTERMEDIATE
// exchanges with and without fragmented P. Plus the ordering SK(0) | Ni | Nr | SK(1) | ... pinned
// explicitly, the stage rules, PPK mixing, and wiping on destruction.
#include "keys_helpers.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <unistd.h>

#include <pqike/keys/auth.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/int_auth.hpp>
#include <pqike/keys/ppk.hpp>
#include <pqike/keys/rekey.hpp>

using namespace pqike;
using nlohmann::json;
using namespace pqike::test;

namespace {

std::mt19937_64& rng() {
    static std::mt19937_64 g{0x9370'9242'7296ull};
    return g;
}
byte_vec random_bytes(std::size_t n) {
    byte_vec v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng()() & 0xff);
    return v;
}
std::size_t random_size(std::size_t lo, std::size_t hi) {
    return lo + static_cast<std::size_t>(rng()() % (hi - lo + 1));
}

// Runs the Python model on `in` and returns its JSON answer.
json run_model(const json& in) {
    char path[] = "/tmp/pqike_keys_model_XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string text = in.dump();
    REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    close(fd);
    const std::string cmd = std::string("python3 ") + PQIKE_SOURCE_DIR + "/tests/models/ikev2_kdf.py " + path;
    const pqike::test::command_output run = pqike::test::run_command(cmd);
    const int rc = run.status;
    const std::string& out = run.out;
    std::remove(path);
    REQUIRE_MESSAGE(rc == 0, "model failed: " << cmd);
    return json::parse(out);
}

const char* model_name(unsigned prf_id) {
    switch (prf_id) {
        case 2: return "sha1";
        case 5: return "sha256";
        case 6: return "sha384";
        default: return "sha512";
    }
}

std::vector<bytes_view> views(const std::vector<byte_vec>& v) {
    std::vector<bytes_view> r;
    for (const auto& x : v) r.push_back(view(x));
    return r;
}
json hexes(const std::vector<byte_vec>& v) {
    json j = json::array();
    for (const auto& x : v) j.push_back(tohex(view(x)));
    return j;
}
template <class P>
json stage_hex(const keys::ike_sa_keys<P>& k) {
    return json::array({tohex(k.sk_d()), tohex(k.sk_ai()), tohex(k.sk_ar()), tohex(k.sk_ei()), tohex(k.sk_er()),
                        tohex(k.sk_pi()), tohex(k.sk_pr())});
}

struct sa_inputs {
    byte_vec ni, nr, spi_i, spi_r, g_ir;
    std::vector<byte_vec> additional;
    keys::sa_key_lengths len;
};
sa_inputs random_sa(std::size_t prf_key, std::size_t n_add) {
    sa_inputs s{random_bytes(random_size(16, 256)), random_bytes(random_size(16, 256)), random_bytes(8),
                random_bytes(8), random_bytes(random_size(32, 512)), {}, {}};
    for (std::size_t i = 0; i < n_add; ++i) s.additional.push_back(random_bytes(i % 2 ? 32 : random_size(32, 133)));
    const bool aead = rng()() % 2 == 0;
    s.len = aead ? keys::sa_key_lengths{prf_key, 0, 36} : keys::sa_key_lengths{prf_key, random_size(16, 64), 32};
    return s;
}

}  // namespace

TEST_CASE_TEMPLATE("multi-KE chains, rekeys and Child SAs agree with the independent model", P,
                   crypto::hmac_sha1, crypto::hmac_sha256, crypto::hmac_sha384, crypto::hmac_sha512) {
    const std::string name = model_name(P::transform_id);
    json in;
    std::vector<sa_inputs> sas;
    std::vector<std::vector<json>> mine;  // per chain, per stage
    for (const std::size_t n_add : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
        sas.push_back(random_sa(P::preferred_key_size, n_add));
        const auto& s = sas.back();
        in["ike"].push_back({{"prf", name}, {"ni", tohex(view(s.ni))}, {"nr", tohex(view(s.nr))},
                             {"spi_i", tohex(view(s.spi_i))}, {"spi_r", tohex(view(s.spi_r))},
                             {"g_ir", tohex(view(s.g_ir))}, {"additional", hexes(s.additional)},
                             {"lengths", {s.len.prf_key, s.len.integ_key, s.len.encr_key}}});
        auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
            keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
            keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
        REQUIRE(k);
        std::vector<json> stages{stage_hex(*k)};
        auto cur = *k;
        for (const auto& sk : s.additional) {
            auto nx = std::move(cur).after_additional_ke(keys::ke_secret{view(sk)});
            REQUIRE(nx);
            CHECK(nx->stage() == cur.stage() + 1);
            stages.push_back(stage_hex(*nx));
            cur = *nx;
        }
        mine.push_back(stages);
    }

    // IKE SA rekey from the 7-ADDKE chain's last stage to a NEW PRF, with 1, 3 and 8 key exchanges.
    auto last7 = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(sas[3].ni)}, keys::responder_nonce{view(sas[3].nr)},
        keys::initiator_spi{view(sas[3].spi_i)}, keys::responder_spi{view(sas[3].spi_r)},
        keys::ke_secret{view(sas[3].g_ir)}, sas[3].len);
    REQUIRE(last7);
    auto old = *last7;
    for (const auto& sk : sas[3].additional)
        old = std::move(old).after_additional_ke(keys::ke_secret{view(sk)}).value();
    using NewP = std::conditional_t<std::is_same_v<P, crypto::hmac_sha384>, crypto::hmac_sha256, crypto::hmac_sha384>;
    std::vector<json> rekeys;
    for (const std::size_t n_ke : {std::size_t{1}, std::size_t{3}, std::size_t{8}}) {
        const auto ni = random_bytes(32), nr = random_bytes(48), spi_i = random_bytes(8), spi_r = random_bytes(8);
        std::vector<byte_vec> secrets;
        for (std::size_t i = 0; i < n_ke; ++i) secrets.push_back(random_bytes(i == 0 ? 32 : random_size(32, 64)));
        const keys::sa_key_lengths nl{NewP::preferred_key_size, 0, 20};
        in["ike_rekey"].push_back({{"old_prf", name}, {"new_prf", model_name(NewP::transform_id)},
                                   {"old_sk_d", tohex(old.sk_d())}, {"ni", tohex(view(ni))}, {"nr", tohex(view(nr))},
                                   {"spi_i", tohex(view(spi_i))}, {"spi_r", tohex(view(spi_r))},
                                   {"secrets", hexes(secrets)}, {"lengths", {nl.prf_key, nl.integ_key, nl.encr_key}}});
        const auto sv = views(secrets);
        auto r = keys::rekey_ike_sa<NewP>(old, keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                          keys::initiator_spi{view(spi_i)}, keys::responder_spi{view(spi_r)}, sv, nl);
        REQUIRE(r);
        CHECK(r->stage() == 0);
        std::array<std::byte, P::output_size> seed{};
        REQUIRE(keys::skeyseed_rekey<P>(old.sk_d(), keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                        sv, seed)
                    .ok());
        rekeys.push_back({{"skeyseed", tohex(seed)}, {"keys", stage_hex(*r)}});
    }

    // Child SA KEYMAT with 0, 1, 2, 4 and 8 key exchanges.
    std::vector<std::string> childs;
    for (const std::size_t n_ke : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}}) {
        const auto ni = random_bytes(random_size(16, 64)), nr = random_bytes(random_size(16, 64));
        std::vector<byte_vec> secrets;
        for (std::size_t i = 0; i < n_ke; ++i) secrets.push_back(random_bytes(random_size(32, 97)));
        byte_vec km(random_size(1, 256));
        REQUIRE(keys::child_keymat(old, keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                   views(secrets), km)
                    .ok());
        in["child"].push_back({{"prf", name}, {"sk_d", tohex(old.sk_d())}, {"ni", tohex(view(ni))},
                               {"nr", tohex(view(nr))}, {"secrets", hexes(secrets)}, {"length", km.size()}});
        childs.push_back(tohex(view(km)));
    }

    const json model = run_model(in);
    REQUIRE(model.at("ike").size() == mine.size());
    for (std::size_t c = 0; c < mine.size(); ++c) {
        CAPTURE(c);
        REQUIRE(model["ike"][c].size() == mine[c].size());
        for (std::size_t s = 0; s < mine[c].size(); ++s) CHECK(model["ike"][c][s] == mine[c][s]);
    }
    REQUIRE(model.at("ike_rekey").size() == rekeys.size());
    for (std::size_t i = 0; i < rekeys.size(); ++i) CHECK(model["ike_rekey"][i] == rekeys[i]);
    REQUIRE(model.at("child").size() == childs.size());
    for (std::size_t i = 0; i < childs.size(); ++i) CHECK(model["child"][i] == childs[i]);
}

TEST_CASE_TEMPLATE("PPK mixing (RFC 8784, RFC 9867 IKE_INTERMEDIATE and CREATE_CHILD_SA) agrees with the model", P,
                   crypto::hmac_sha1, crypto::hmac_sha256, crypto::hmac_sha384, crypto::hmac_sha512) {
    json in;
    std::vector<json> mine;
    for (const std::size_t n_add : {std::size_t{0}, std::size_t{2}}) {
        const auto s = random_sa(P::preferred_key_size, n_add);
        auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
            keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
            keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
        REQUIRE(k);
        for (const auto& sk : s.additional) k = std::move(*k).after_additional_ke(keys::ke_secret{view(sk)});
        REQUIRE(k);
        const auto ppk = random_bytes(random_size(1, 96));
        const std::size_t child_len = random_size(16, 128);
        in["ppk"].push_back({{"prf", model_name(P::transform_id)}, {"ppk", tohex(view(ppk))},
                             {"sk_d", tohex(k->sk_d())}, {"sk_pi", tohex(k->sk_pi())}, {"sk_pr", tohex(k->sk_pr())},
                             {"ni", tohex(view(s.ni))}, {"nr", tohex(view(s.nr))}, {"spi_i", tohex(view(s.spi_i))},
                             {"spi_r", tohex(view(s.spi_r))}, {"lengths", {s.len.prf_key, s.len.integ_key, s.len.encr_key}},
                             {"child_length", child_len}});
        auto c = keys::mix_ppk_rfc8784(*k, view(ppk));
        REQUIRE(c);
        auto m = keys::mix_ppk_intermediate(keys::ike_sa_keys<P>{*k}, view(ppk));
        REQUIRE(m);
        std::array<std::byte, keys::ppk_confirmation_size> conf{};
        keys::ppk_confirmation(view(ppk), *k, conf);
        // CREATE_CHILD_SA without a key exchange: KEYMAT = prf+(SK_d', Ni | Nr) (here with the
        // stage's own nonces as the exchange's).
        auto d = keys::with_ppk_sk_d(*k, view(ppk));
        REQUIRE(d);
        byte_vec km(child_len);
        REQUIRE(
            keys::child_keymat(*d, keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, {}, km).ok());
        mine.push_back({{"rfc8784", json::array({tohex(c->mixed.sk_d()), tohex(c->mixed.sk_pi()), tohex(c->mixed.sk_pr())})},
                        {"rfc9867", stage_hex(*m)},
                        {"confirmation", tohex(conf)},
                        {"child_keymat", tohex(view(km))}});
    }
    const json model = run_model(in);
    REQUIRE(model.at("ppk").size() == mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) CHECK(model["ppk"][i] == mine[i]);
}

TEST_CASE("IntAuth over 0, 1, 2 and 7 IKE_INTERMEDIATE exchanges agrees with the model, fragmented or not") {
    using P = crypto::hmac_sha256;
    const auto s = random_sa(32, 7);
    auto k0 = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
        keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
    REQUIRE(k0);
    std::vector<keys::ike_sa_keys<P>> stages{*k0};
    for (const auto& sk : s.additional)
        stages.push_back(keys::ike_sa_keys<P>{stages.back()}.after_additional_ke(keys::ke_secret{view(sk)}).value());

    json in;
    std::vector<std::string> whole, pieces;
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{7}}) {
        keys::int_auth<P> a, b;
        json msgs = json::array();
        for (std::size_t k = 1; k <= n; ++k) {
            const auto& st = stages[k - 1];  // exchange k is protected by stage k-1
            for (const auto who : {keys::int_auth_sender::initiator, keys::int_auth_sender::responder}) {
                const bool ini = who == keys::int_auth_sender::initiator;
                const auto A = random_bytes(28 + 4 + random_size(0, 40));
                const auto Pl = random_bytes(random_size(1, 1600));
                a.add(who, st, view(A), view(Pl));
                // The same P as fragment-sized pieces.
                std::vector<bytes_view> parts;
                for (std::size_t at = 0; at < Pl.size(); at += 500)
                    parts.push_back(view(Pl).subspan(at, std::min<std::size_t>(500, Pl.size() - at)));
                b.add(who, ini ? st.sk_pi() : st.sk_pr(), view(A), parts);
                msgs.push_back({{"sender", ini ? "i" : "r"}, {"sk_p", tohex(ini ? st.sk_pi() : st.sk_pr())},
                                {"a", tohex(view(A))}, {"p", tohex(view(Pl))}});
            }
        }
        const std::uint32_t mid = static_cast<std::uint32_t>(n + 1);
        in["int_auth"].push_back({{"prf", "sha256"}, {"messages", msgs}, {"mid", mid}});
        auto va = a.finish(mid), vb = b.finish(mid);
        REQUIRE(va);
        REQUIRE(vb);
        CHECK(a.ran() == (n > 0));
        CHECK(va->size() == (n > 0 ? 2 * 32 + 4 : 0));
        whole.push_back(tohex(va->view()));
        pieces.push_back(tohex(vb->view()));
    }
    const json model = run_model(in);
    REQUIRE(model.at("int_auth").size() == whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        CHECK(model["int_auth"][i] == whole[i]);
        CHECK(pieces[i] == whole[i]);
    }
    CHECK(whole[0].empty());
}

TEST_CASE("IntAuth: no intermediate means no IntAuth in the signed octets; unbalanced chains are refused") {
    using P = crypto::hmac_sha256;
    const auto s = random_sa(32, 0);
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
        keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
    REQUIRE(k);
    keys::int_auth<P> none;
    auto v = none.finish(1);
    REQUIRE(v);
    CHECK(v->empty());
    const auto msg = random_bytes(300), id = random_bytes(20);
    const auto o = keys::initiator_signed_octets(*k, view(msg), view(s.nr), view(id), *v);
    CHECK(o.parts().size() == 3);
    CHECK(o.size() == 300 + s.nr.size() + 32);

    keys::int_auth<P> one_sided;
    const auto A = random_bytes(32), Pl = random_bytes(10);
    one_sided.add(keys::int_auth_sender::initiator, *k, view(A), view(Pl));
    CHECK(one_sided.finish(2).code() == errc::unexpected_message);
    one_sided.add(keys::int_auth_sender::responder, *k, view(A), view(Pl));
    auto two = one_sided.finish(0x01020304);
    REQUIRE(two);
    CHECK(tohex(two->view().last(4)) == "01020304");
    const auto o2 = keys::initiator_signed_octets(*k, view(msg), view(s.nr), view(id), *two);
    CHECK(o2.parts().size() == 4);
    // IntAuth changes AUTH.
    std::array<std::byte, 32> a1{}, a2{};
    keys::psk_auth(view(id), o, a1);
    keys::psk_auth(view(id), o2, a2);
    CHECK(a1 != a2);
    // A signer sees the same parts in order.
    const std::size_t seen = keys::sign_octets(o2, [&](std::span<const bytes_view> parts) {
        std::size_t n = 0;
        for (const auto p : parts) n += p.size();
        return n;
    });
    CHECK(seen == o2.size());
}

TEST_CASE("ordering pinned: KEYMAT and rekey SKEYSEED use SK(0) | Ni | Nr | SK(1) | ... | SK(n)") {
    using P = crypto::hmac_sha384;
    const auto sk_d = random_bytes(48), ni = random_bytes(32), nr = random_bytes(32);
    const auto sk0 = random_bytes(32), sk1 = random_bytes(32), sk2 = random_bytes(32);
    const bytes_view secrets[] = {view(sk0), view(sk1), view(sk2)};
    auto cat = [](std::initializer_list<const byte_vec*> parts) {
        byte_vec v;
        for (const auto* p : parts) v.insert(v.end(), p->begin(), p->end());
        return v;
    };
    const byte_vec right = cat({&sk0, &ni, &nr, &sk1, &sk2});
    byte_vec km(200), expect(200), wrong1(200), wrong2(200);
    REQUIRE(
        keys::child_keymat<P>(view(sk_d), keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, secrets, km)
            .ok());
    REQUIRE(keys::prf_plus<P>(view(sk_d), {view(right)}, expect).ok());
    CHECK(km == expect);
    // Orders deployed stacks have got wrong give different keys.
    REQUIRE(keys::prf_plus<P>(view(sk_d), {view(cat({&ni, &nr, &sk0, &sk1, &sk2}))}, wrong1).ok());
    REQUIRE(keys::prf_plus<P>(view(sk_d), {view(cat({&sk0, &sk1, &sk2, &ni, &nr}))}, wrong2).ok());
    CHECK(km != wrong1);
    CHECK(km != wrong2);

    std::array<std::byte, 48> rk{}, rk_expect{};
    REQUIRE(keys::skeyseed_rekey<P>(view(sk_d), keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
                                    secrets, rk)
                .ok());
    policy::prf_compute(P{view(sk_d)}, {view(right)}, rk_expect);
    CHECK(rk == rk_expect);
    // An IKE SA rekey needs at least one key exchange; more than 8 secrets are refused.
    CHECK(keys::skeyseed_rekey<P>(view(sk_d), keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, {}, rk)
              .code() == errc::missing_payload);
    std::vector<bytes_view> nine(9, view(sk0));
    CHECK(
        keys::skeyseed_rekey<P>(view(sk_d), keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, nine, rk)
            .code() == errc::invalid_length);
    CHECK(keys::child_keymat<P>(view(sk_d), keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, nine, km)
              .code() == errc::invalid_length);
}

TEST_CASE("stages: the index counts, an 8th additional exchange is refused, stages differ") {
    using P = crypto::hmac_sha256;
    const auto s = random_sa(32, 8);
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
        keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
    REQUIRE(k);
    auto cur = *k;
    for (std::size_t i = 0; i < 7; ++i) {
        auto nx = keys::ike_sa_keys<P>{cur}.after_additional_ke(keys::ke_secret{view(s.additional[i])});
        REQUIRE(nx);
        CHECK(nx->sk_d().size() == 32);
        CHECK_FALSE(ct_equal(nx->sk_d(), cur.sk_d()));
        CHECK_FALSE(ct_equal(nx->sk_ei(), cur.sk_ei()));
        CHECK(tohex(nx->spi_i()) == tohex(view(s.spi_i)));
        cur = *nx;
    }
    CHECK(cur.stage() == 7);
    CHECK(std::move(cur).after_additional_ke(keys::ke_secret{view(s.additional[7])}).code() ==
          errc::unexpected_message);
    CHECK_FALSE(cur.spent());  // a refused step leaves the stage as it was
    CHECK(cur.sk_d().size() == 32);
    // The same additional secrets in another order give another SA.
    auto a = keys::ike_sa_keys<P>{*k}
                 .after_additional_ke(keys::ke_secret{view(s.additional[0])})
                 .value()
                 .after_additional_ke(keys::ke_secret{view(s.additional[1])})
                 .value();
    auto b = keys::ike_sa_keys<P>{*k}
                 .after_additional_ke(keys::ke_secret{view(s.additional[1])})
                 .value()
                 .after_additional_ke(keys::ke_secret{view(s.additional[0])})
                 .value();
    CHECK_FALSE(ct_equal(a.sk_d(), b.sk_d()));
}

// Whether a stage of reference type K can take the step to the next stage.
template <class K>
concept steps_to_next_stage = requires(K k) {
    std::forward<K>(k).after_additional_ke(keys::ke_secret{bytes_view{}});
};

TEST_CASE("stages: a step consumes the stage it starts from; a copy keeps it") {
    using P = crypto::hmac_sha256;
    const auto s = random_sa(32, 1);
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
        keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
    REQUIRE(k);
    const keys::ike_sa_keys<P> kept = *k;  // the visible copy a stack makes to keep stage 0
    auto next = std::move(*k).after_additional_ke(keys::ke_secret{view(s.additional[0])});
    REQUIRE(next);
    CHECK(k->spent());
    CHECK(k->sk_d().empty());
    CHECK(k->sk_ei().empty());
    CHECK(k->sk_pr().empty());
    CHECK_FALSE(kept.spent());
    CHECK(kept.sk_d().size() == 32);
    CHECK_FALSE(next->spent());
    // The copy gives the same next stage: spending one stage does not touch another.
    auto again = keys::ike_sa_keys<P>{kept}.after_additional_ke(keys::ke_secret{view(s.additional[0])});
    REQUIRE(again);
    CHECK(ct_equal(again->sk_d(), next->sk_d()));
    // RFC 9867 mixing consumes likewise.
    const auto ppk = random_bytes(32);
    auto mixed = keys::mix_ppk_intermediate(std::move(*again), view(ppk));
    REQUIRE(mixed);
    CHECK(again->spent());
    CHECK_FALSE(mixed->spent());
    // Only an rvalue takes the step: forking a stage without a visible copy does not compile.
    static_assert(!steps_to_next_stage<const keys::ike_sa_keys<P>&>);
    static_assert(!steps_to_next_stage<keys::ike_sa_keys<P>&>);
    static_assert(steps_to_next_stage<keys::ike_sa_keys<P>&&>);
}

TEST_CASE("PPK: RFC 8784 mixing of SK_d/SK_pi/SK_pr, NO_PPK_AUTH keys, RFC 9867 restage and confirmation") {
    using P = crypto::hmac_sha256;
    const auto s = random_sa(32, 1);
    auto k0 = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
        keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, s.len);
    REQUIRE(k0);
    const auto ppk = random_bytes(32), other = random_bytes(32);

    auto c = keys::mix_ppk_rfc8784(*k0, view(ppk));
    REQUIRE(c);
    byte_vec d(32), pi(32), pr(32);
    REQUIRE(keys::prf_plus<P>(view(ppk), {k0->sk_d()}, d).ok());
    REQUIRE(keys::prf_plus<P>(view(ppk), {k0->sk_pi()}, pi).ok());
    REQUIRE(keys::prf_plus<P>(view(ppk), {k0->sk_pr()}, pr).ok());
    CHECK(tohex(c->mixed.sk_d()) == tohex(view(d)));
    CHECK(tohex(c->mixed.sk_pi()) == tohex(view(pi)));
    CHECK(tohex(c->mixed.sk_pr()) == tohex(view(pr)));
    CHECK(tohex(c->mixed.sk_ei()) == tohex(k0->sk_ei()));  // SK_e/SK_a unchanged (RFC 8784 §3)
    CHECK(tohex(c->mixed.sk_ai()) == tohex(k0->sk_ai()));
    CHECK(c->mixed.ppk_mixed());
    CHECK_FALSE(c->unmixed.ppk_mixed());
    CHECK(tohex(c->select(false).sk_d()) == tohex(k0->sk_d()));
    CHECK(tohex(c->select(true).sk_d()) == tohex(view(d)));
    CHECK(keys::mix_ppk_rfc8784(c->mixed, view(ppk)).code() == errc::unexpected_message);
    CHECK(keys::mix_ppk_rfc8784(*k0, bytes_view{}).code() == errc::invalid_length);
    // AUTH with the mixed SK_pi differs from NO_PPK_AUTH (unmixed SK_pi).
    const auto msg = random_bytes(100), id = random_bytes(12);
    keys::int_auth_value<P> none{};
    std::array<std::byte, 32> with{}, without{};
    keys::psk_auth(view(id), keys::initiator_signed_octets(c->mixed, view(msg), view(s.nr), view(id), none), with);
    keys::psk_auth(view(id), keys::initiator_signed_octets(c->unmixed, view(msg), view(s.nr), view(id), none), without);
    CHECK(with != without);

    // RFC 9867: SKEYSEED' = prf+(PPK, SK_d), then the seven keys with Ni | Nr | SPIi | SPIr.
    auto k1 = keys::ike_sa_keys<P>{*k0}.after_additional_ke(keys::ke_secret{view(s.additional[0])});
    REQUIRE(k1);
    auto m = keys::mix_ppk_intermediate(keys::ike_sa_keys<P>{*k1}, view(ppk));
    REQUIRE(m);
    std::array<std::byte, 32> seed{};
    const std::array<std::byte, 1> one{std::byte{1}};
    policy::prf_compute(P{view(ppk)}, {k1->sk_d(), bytes_view{one}}, seed);  // one prf+ block
    byte_vec expect(s.len.total());
    REQUIRE(keys::prf_plus<P>(bytes_view{seed}, {view(s.ni), view(s.nr), view(s.spi_i), view(s.spi_r)}, expect).ok());
    CHECK(tohex(view(test::concat_keys(*m))) == tohex(view(expect)));
    CHECK(m->ppk_mixed());
    CHECK(m->stage() == 1);
    CHECK(keys::mix_ppk_intermediate(std::move(*m), view(ppk)).code() == errc::unexpected_message);
    CHECK_FALSE(m->spent());  // refused: unchanged
    // RFC 9867 §3.2: the PPK is the last key update; no RFC 9370 stage may follow it.
    CHECK(std::move(*m).after_additional_ke(keys::ke_secret{view(s.additional[0])}).code() == errc::ppk_not_last);
    CHECK(std::move(c->mixed).after_additional_ke(keys::ke_secret{view(s.additional[0])}).code() == errc::ppk_not_last);
    CHECK_FALSE(c->mixed.spent());

    std::array<std::byte, 8> conf{};
    keys::ppk_confirmation(view(ppk), *k1, conf);
    std::array<std::byte, 32> full{};
    policy::prf_compute(P{view(ppk)}, {view(s.ni), view(s.nr), view(s.spi_i), view(s.spi_r)}, full);
    CHECK(tohex(conf) == tohex(bytes_view{full}.first(8)));
    CHECK(keys::ppk_confirmation_matches(view(ppk), *k1, bytes_view{conf}));
    CHECK_FALSE(keys::ppk_confirmation_matches(view(other), *k1, bytes_view{conf}));
    CHECK_FALSE(keys::ppk_confirmation_matches(view(ppk), *k1, bytes_view{conf}.first(7)));
}

namespace {
// True if any 8-octet window of `secret` occurs in `mem`.
bool contains_any_window(bytes_view mem, bytes_view secret) {
    for (std::size_t i = 0; i + 8 <= secret.size(); i += 8)
        if (std::search(mem.begin(), mem.end(), secret.begin() + static_cast<std::ptrdiff_t>(i),
                        secret.begin() + static_cast<std::ptrdiff_t>(i + 8)) != mem.end())
            return true;
    return false;
}
}  // namespace

TEST_CASE("IKE SA and Child SA keys are wiped on destruction") {
    using P = crypto::hmac_sha512;
    const auto s = random_sa(64, 0);
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
        keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)}, keys::initiator_spi{view(s.spi_i)},
        keys::responder_spi{view(s.spi_r)}, keys::ke_secret{view(s.g_ir)}, keys::sa_key_lengths{64, 64, 36});
    REQUIRE(k);
    const byte_vec all = test::concat_keys(*k);
    {
        // Copy into caller-owned storage, destroy explicitly, then inspect the raw bytes: no
        // 8-octet piece of any key may survive (the asm barrier in secure_zeroize keeps the wipe).
        alignas(keys::ike_sa_keys<P>) std::array<std::byte, sizeof(keys::ike_sa_keys<P>)> raw{};
        auto* p = ::new (raw.data()) keys::ike_sa_keys<P>(*k);
        CHECK(contains_any_window(bytes_view{raw}, view(all)));  // the check can fail
        p->~ike_sa_keys<P>();
        CHECK_FALSE(contains_any_window(bytes_view{raw}, view(all)));
    }
    {
        auto ck = keys::derive_child_sa_keys(*k, keys::initiator_nonce{view(s.ni)}, keys::responder_nonce{view(s.nr)},
                                             {}, keys::child_key_lengths{36, 64});
        REQUIRE(ck);
        byte_vec ckeys;
        for (const bytes_view b : {ck->encr_i(), ck->integ_i(), ck->encr_r(), ck->integ_r()})
            ckeys.insert(ckeys.end(), b.begin(), b.end());
        alignas(keys::child_sa_keys) std::array<std::byte, sizeof(keys::child_sa_keys)> raw{};
        auto* p = ::new (raw.data()) keys::child_sa_keys(*ck);
        CHECK(contains_any_window(bytes_view{raw}, view(ckeys)));
        p->~child_sa_keys();
        CHECK_FALSE(contains_any_window(bytes_view{raw}, view(ckeys)));
    }
}
