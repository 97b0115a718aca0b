// SPDX-License-Identifier: MIT
// Zero heap: the whole key schedule (stage 0, 7 additional exchanges, IntAuth, AUTH, PPK, Child
// SA keys, IKE SA rekey with 8 key exchanges, Wireshark export) runs without a single call to
// operator new. This suite replaces the global operator new to count calls.
#include "keys_helpers.hpp"


#include <pqike/keys/auth.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/int_auth.hpp>
#include <pqike/keys/ppk.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/tools/wireshark.hpp>

#include "support/alloc_counter.hpp"

using namespace pqike;
using pqike::test::byte_vec;
using pqike::test::view;

namespace {
template <class P>
std::size_t run_schedule(const byte_vec& ni, const byte_vec& nr, const byte_vec& spi, const byte_vec& sk,
                         const byte_vec& msg) {
    const bytes_view eight[] = {view(sk), view(sk), view(sk), view(sk), view(sk), view(sk), view(sk), view(sk)};
    std::size_t failures = 0;
    g_news = 0;
    g_counting = true;
    {
        auto k = keys::ike_sa_keys<P>::after_ike_sa_init(
            keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)}, keys::initiator_spi{view(spi)},
            keys::responder_spi{view(spi)}, keys::ke_secret{view(sk)},
            keys::sa_key_lengths{P::preferred_key_size, 0, 36});
        failures += !k;
        keys::int_auth<P> ia;
        auto cur = *k;
        for (int i = 0; i < 7; ++i) {
            ia.add(keys::int_auth_sender::initiator, cur, view(msg).first(32), view(msg));
            ia.add(keys::int_auth_sender::responder, cur, view(msg).first(32), view(msg));
            auto nx = std::move(cur).after_additional_ke(keys::ke_secret{view(sk)});
            failures += !nx;
            cur = *nx;
        }
        auto v = ia.finish(8);
        failures += !v;
        auto pp = keys::mix_ppk_rfc8784(cur, view(sk));
        failures += !pp;
        const auto oct = keys::initiator_signed_octets(pp->mixed, view(msg), view(nr), view(msg).first(20), *v);
        std::array<std::byte, P::output_size> auth{};
        keys::psk_auth(view(sk), oct, auth);
        failures += !keys::verify_psk_auth(view(sk), oct, bytes_view{auth}).ok();
        auto ck = keys::derive_child_sa_keys(pp->mixed, keys::initiator_nonce{view(ni)},
                                             keys::responder_nonce{view(nr)}, eight, keys::child_key_lengths{36, 0});
        failures += !ck;
        auto r = keys::rekey_ike_sa<P>(pp->mixed, keys::initiator_nonce{view(nr)}, keys::responder_nonce{view(ni)},
                                       keys::initiator_spi{view(spi)}, keys::responder_spi{view(spi)}, eight,
                                       keys::sa_key_lengths{P::preferred_key_size, 32, 32});
        failures += !r || !r->ppk_mixed();  // rekeyed from SK_d': still PPK-protected
        auto plain = keys::rekey_ike_sa<P>(cur, keys::initiator_nonce{view(nr)}, keys::responder_nonce{view(ni)},
                                           keys::initiator_spi{view(spi)}, keys::responder_spi{view(spi)}, eight,
                                           keys::sa_key_lengths{P::preferred_key_size, 32, 32});
        failures += !plain;
        auto m = keys::mix_ppk_intermediate(std::move(*plain), view(sk));
        failures += !m;
        std::array<char, keys::wireshark_line_max> line{};
        failures += !keys::wireshark_ikev2_line(*m, wire::encr_id::aes_cbc, 256, wire::integ_id::hmac_sha2_256_128,
                                                line);
    }
    g_counting = false;
    return failures;
}
}  // namespace

TEST_CASE_TEMPLATE("the key schedule never allocates", P, crypto::hmac_sha256, crypto::hmac_sha384,
                   crypto::hmac_sha512) {
    const byte_vec ni(32, std::byte{1}), nr(48, std::byte{2}), spi(8, std::byte{3}), sk(32, std::byte{4});
    const byte_vec msg(1200, std::byte{5});
    const std::size_t failures = run_schedule<P>(ni, nr, spi, sk, msg);
    CHECK(failures == 0);
    CHECK(g_news == 0);
    // The counter works: a vector allocation is seen.
    g_counting = true;
    { byte_vec v(10); }
    g_counting = false;
    CHECK(g_news == 1);
}
