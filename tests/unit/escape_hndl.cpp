// SPDX-License-Identifier: MIT
// Harvest-now-decrypt-later: a man in the middle who broke the classical exchange (knows the old
// SA's keys) and runs the PQ rekey with each side separately must fail ESCAPE_CONFIRM, because
// the new SA (and so the confirm keys) comes from the legacy SA's SK_d with the escape's PPK
// mixed in by the rekey itself (RFC 9867 CREATE_CHILD_SA, hndl.hpp).
#include "escape_helpers.hpp"

#include <pqike/escape/consumer.hpp>
#include <pqike/escape/hndl.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/keys/rekey.hpp>

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::byte_vec;
using pqike::test::unhex;
using pqike::test::view;
using ike_keys = keys::ike_sa_keys<P>;

namespace {

const keys::sa_key_lengths lengths{32, 0, 36};  // HMAC-SHA-256 PRF, AES-256-GCM
const byte_vec ppk = seq_bytes(0x70, 32);
const std::uint16_t consumer_methods[] = {36};
const bytes_view known_ppks[] = {view(ppk_id)};

ike_keys classical_sa() {
    auto k = ike_keys::after_ike_sa_init(
        keys::initiator_nonce{view(seq_bytes(1, 32))}, keys::responder_nonce{view(seq_bytes(2, 32))},
        keys::initiator_spi{view(binding).first(8)}, keys::responder_spi{view(binding).subspan(8)},
        keys::ke_secret{view(seq_bytes(3, 32))}, lengths);
    REQUIRE(k.has_value());
    return *k;
}
// The new SA after an IKE SA rekey whose (ML-KEM) shared secret is `ss`.
ike_keys rekeyed(const ike_keys& old, const byte_vec& ss) {
    const bytes_view secrets[] = {view(ss)};
    const auto spi_i = fixed_hex("2122232425262728"), spi_r = fixed_hex("3132333435363738");
    auto k = keys::rekey_ike_sa<P>(old, keys::initiator_nonce{view(seq_bytes(4, 32))},
                                   keys::responder_nonce{view(seq_bytes(5, 32))}, keys::initiator_spi{view(spi_i)},
                                   keys::responder_spi{view(spi_r)}, secrets, lengths);
    REQUIRE(k.has_value());
    return *k;
}
// The same rekey carrying the escape PPK.
ike_keys rekeyed_ppk(const ike_keys& old, const byte_vec& ss, const byte_vec& with) {
    const bytes_view secrets[] = {view(ss)};
    const auto spi_i = fixed_hex("2122232425262728"), spi_r = fixed_hex("3132333435363738");
    auto k = rekey_with_escape_ppk<P>(old, view(with), view(seq_bytes(4, 32)), view(seq_bytes(5, 32)), view(spi_i),
                                      view(spi_r), secrets, lengths);
    REQUIRE(k.has_value());
    return *k;
}
byte_vec copy(bytes_view b) { return byte_vec(b.begin(), b.end()); }

struct migration {
    provider_config pc;
    consumer_config cc;
    key_pair<P> k = make_keys();
    provider<P> prov;
    provider_session s;
    consumer<P> cons;
    migration()
        : pc(make_pc()), cc(make_cc()), prov(make_provider(pc)), cons(make_consumer(cc, make_keys())) {
        auto a = prov.start(s, k, std::span<const std::byte, 16>(nonce.data(), 16), t0);
        REQUIRE(a.has_value());
        auto c = cons.on_message((*a)[0].bytes, t0);
        REQUIRE(c.has_value());
        REQUIRE(prov.on_message(s, k, (*c)[0].bytes, t0).has_value());
        REQUIRE(s.state == provider_state::migrating);
    }
    static provider_config make_pc() {
        provider_config c;
        c.methods = methods;
        c.ppk_id = view(ppk_id);
        return c;
    }
    static consumer_config make_cc() {
        consumer_config c;
        c.methods = consumer_methods;
        c.ppk_ids = known_ppks;
        c.require_ppk = true;
        return c;
    }
};

}  // namespace

TEST_CASE("hndl: the rekey with the escape PPK derives the new SA from SK_d' = prf+(PPK, SK_d)") {
    const auto old = classical_sa();
    const auto ss = seq_bytes(9, 32);
    const auto n = rekeyed(old, ss);
    const auto m = rekeyed_ppk(old, ss, ppk);
    // Every key of the new SA differs from a rekey without the PPK.
    CHECK_FALSE(ct_equal(n.sk_d(), m.sk_d()));
    CHECK_FALSE(ct_equal(n.sk_ei(), m.sk_ei()));
    CHECK_FALSE(ct_equal(n.sk_pr(), m.sk_pr()));
    CHECK(m.ppk_mixed());
    CHECK_FALSE(n.ppk_mixed());
    // SKEYSEED = prf(SK_d', SK | Ni | Nr) with SK_d' = prf+(PPK, SK_d), computed independently here.
    std::array<std::byte, 32> sk_d_ppk{}, seed{};
    REQUIRE(keys::prf_plus<P>(view(ppk), {old.sk_d()}, sk_d_ppk).ok());
    policy::prf_compute(P{bytes_view{sk_d_ppk}}, {view(ss), view(seq_bytes(4, 32)), view(seq_bytes(5, 32))}, seed);
    std::array<std::byte, 32> d{};
    const auto spi_i = fixed_hex("2122232425262728"), spi_r = fixed_hex("3132333435363738");
    REQUIRE(keys::prf_plus<P>(bytes_view{seed}, {view(seq_bytes(4, 32)), view(seq_bytes(5, 32)), view(spi_i), view(spi_r)},
                              d)
                .ok());
    CHECK(ct_equal(m.sk_d(), d));
    // Confirm keys need a PPK-derived SA.
    CHECK(confirm_keys(n, view(key_id)).code() == errc::invalid_key);
    CHECK(confirm_keys(m, view(key_id)).has_value());
}

TEST_CASE("hndl: honest peers confirm under the keys the PPK rekey gave them") {
    migration mg;
    const auto ss = seq_bytes(0x90, 32);  // same ML-KEM shared secret on both sides
    const auto old = classical_sa();
    const auto pk = confirm_keys(rekeyed_ppk(old, ss, ppk), view(key_id));
    const auto ck_sa = rekeyed_ppk(old, ss, ppk);
    REQUIRE(pk.has_value());
    auto ck = confirm_keys(ck_sa, view(key_id));
    REQUIRE(ck.has_value());
    const auto pr = rekey_of(*pk), cr = rekey_of(*ck);
    auto pc = mg.prov.rekey_done(mg.s, pr, t0 + 1);
    REQUIRE(pc.has_value());
    auto cc = mg.cons.rekey_done(cr, t0 + 1);
    REQUIRE(cc.has_value());
    CHECK(mg.prov.on_confirm(mg.s, pr, (*cc)[0].bytes, t0 + 2).has_value());
    CHECK(mg.cons.on_message((*pc)[0].bytes, t0 + 2).has_value());
    CHECK(mg.s.state == provider_state::confirmed);
    CHECK(mg.cons.state() == consumer_state::confirmed);
}

TEST_CASE("hndl: a man in the middle with the classical keys but not the PPK fails confirmation") {
    migration mg;
    const auto old = classical_sa();  // known to the attacker (harvested and broken)
    // The attacker runs the rekey with each side: two different ML-KEM shared secrets.
    const auto ss_provider_side = seq_bytes(0xa0, 32);
    const auto ss_consumer_side = seq_bytes(0xb0, 32);
    const auto prov_sa = rekeyed_ppk(old, ss_provider_side, ppk);
    const auto cons_sa = rekeyed_ppk(old, ss_consumer_side, ppk);
    auto pk = confirm_keys(prov_sa, view(key_id));
    REQUIRE(pk.has_value());
    auto ck = confirm_keys(cons_sa, view(key_id));
    REQUIRE(ck.has_value());
    const auto pr = rekey_of(*pk), cr = rekey_of(*ck);
    auto pc = mg.prov.rekey_done(mg.s, pr, t0 + 1);
    REQUIRE(pc.has_value());
    auto cc = mg.cons.rekey_done(cr, t0 + 1);
    REQUIRE(cc.has_value());
    const auto prov_before = mg.s;

    // 1. Relaying each side's CONFIRM to the other fails: the keys differ.
    CHECK(mg.prov.on_confirm(mg.s, pr, (*cc)[0].bytes, t0 + 2).code() == errc::escape_bad_tag);
    CHECK(mg.cons.on_message(copy((*pc)[0].bytes), t0 + 2).code() == errc::escape_bad_tag);

    // 2. Forging with everything the attacker knows: each side's new SK_d as a rekey without the
    //    PPK would give it, the old SA's SK_d, as confirm bases; and a guessed PPK.
    const auto unmixed_p = rekeyed(old, ss_provider_side);
    const auto unmixed_c = rekeyed(old, ss_consumer_side);
    const auto guessed = rekeyed_ppk(old, ss_provider_side, seq_bytes(0x71, 32));
    fields c;
    c.type = msg_type::confirm;
    c.sequence = 100;
    c.echoed_nonce = view(nonce);  // read from the (decrypted) ESCAPE
    c.ke_methods = negotiated;     // what the rekey it sat in negotiated
    c.selected_method = 36;
    c.ppk_id = view(ppk_id);
    for (bytes_view base : {unmixed_p.sk_d(), old.sk_d(), guessed.sk_d()}) {
        auto fk = key_pair<P>::derive(key_mode::confirm, base, view(key_id), ike_binding::of(prov_sa).view());
        REQUIRE(fk.has_value());
        CHECK(mg.prov.on_confirm(mg.s, pr, view(sealed(fk->c2p, c)), t0 + 2).code() ==
              errc::escape_bad_tag);
    }
    for (bytes_view base : {unmixed_c.sk_d(), old.sk_d()}) {
        auto fk = key_pair<P>::derive(key_mode::confirm, base, view(key_id), ike_binding::of(cons_sa).view());
        REQUIRE(fk.has_value());
        CHECK(mg.cons.on_message(view(sealed(fk->p2c, c)), t0 + 2).code() == errc::escape_bad_tag);
    }
    CHECK(mg.s.state == prov_before.state);
    CHECK(mg.s.state == provider_state::migrating);
    CHECK(mg.cons.state() == consumer_state::migrating);

    // Control: an attacker who also had the PPK could confirm (so the test above can fail).
    auto with_ppk = confirm_keys(rekeyed_ppk(old, ss_provider_side, ppk), view(key_id));
    REQUIRE(with_ppk.has_value());
    CHECK(mg.prov.on_confirm(mg.s, pr, view(sealed(with_ppk->c2p, c)), t0 + 2).has_value());
}
