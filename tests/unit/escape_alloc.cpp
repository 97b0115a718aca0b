// SPDX-License-Identifier: MIT
// Zero heap: deriving the escape keys, sealing, verifying, the provider and consumer machines
// through a whole migration (CONFIRM included), PPK mixing and the IKEv2 carriage run without a
// single call to operator new. This suite replaces the global operator new to count calls.
#include "escape_helpers.hpp"


#include <pqike/escape/consumer.hpp>
#include <pqike/escape/hndl.hpp>
#include <pqike/escape/ikev2.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/keys/rekey.hpp>

#include "support/alloc_counter.hpp"

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::view;

TEST_CASE("escape: a whole migration allocates nothing") {
    const std::uint16_t supported[] = {36};
    const bytes_view ppks[] = {view(ppk_id)};
    const auto ppk = seq_bytes(0x70, 32);
    const auto ni = seq_bytes(1, 32), nr = seq_bytes(2, 32), g = seq_bytes(3, 32), ss = seq_bytes(4, 32);
    std::size_t failures = 0;
    g_news = 0;
    g_counting = true;
    {
        auto k = key_pair<P>::derive(key_mode::escape_psk, view(psk), view(key_id), view(binding));
        failures += !k;
        provider_config pc;
        pc.methods = methods;
        pc.ppk_id = view(ppk_id);
        consumer_config cc;
        cc.methods = supported;
        cc.ppk_ids = ppks;
        auto made_p = provider<P>::make(pc);
        auto made_c = consumer<P>::make(cc, *k);
        failures += !made_p;
        failures += !made_c;
        provider<P>& prov = *made_p;
        consumer<P>& cons = *made_c;
        provider_session s;
        auto a = prov.start(s, *k, std::span<const std::byte, 16>(nonce.data(), 16), t0);
        failures += !a;
        ikev2::carriage carry;
        auto n = carry.notify((*a)[0].bytes);
        failures += !n;
        auto in = carry.extract(*n);
        failures += !in;
        auto c = cons.on_message(*in, t0);
        failures += !c;
        auto again = cons.on_message(*in, t0);  // retransmission
        failures += !again;
        auto p = prov.on_message(s, *k, (*c)[0].bytes, t0);
        failures += !p;
        auto t = prov.on_timer(s, *k, t0 + 10);
        failures += !t;

        const keys::sa_key_lengths len{32, 0, 36};
        auto old = keys::ike_sa_keys<P>::after_ike_sa_init(
            keys::initiator_nonce{view(ni)}, keys::responder_nonce{view(nr)},
            keys::initiator_spi{view(binding).first(8)}, keys::responder_spi{view(binding).subspan(8)},
            keys::ke_secret{view(g)}, len);
        failures += !old;
        const bytes_view secrets[] = {view(ss)};
        auto mixed = rekey_with_escape_ppk<P>(*old, view(ppk), view(ni), view(nr), view(binding).first(8),
                                              view(binding).subspan(8), secrets, len);
        failures += !mixed;
        auto ck = confirm_keys(*mixed, view(key_id));
        failures += !ck;
        const rekey_result<P> rr{*ck, negotiated, view(ppk_id)};  // X25519 + ML-KEM-768
        auto pconf = prov.rekey_done(s, rr, t0 + 20);
        failures += !pconf;
        auto cconf = cons.rekey_done(rr, t0 + 20);
        failures += !cconf;
        auto done_p = prov.on_confirm(s, rr, (*cconf)[0].bytes, t0 + 21);
        failures += !done_p;
        auto done_c = cons.on_message((*pconf)[0].bytes, t0 + 21);
        failures += !done_c;
        failures += s.state != provider_state::confirmed;
        failures += cons.state() != consumer_state::confirmed;
        // Rejections allocate nothing either.
        failures += cons.on_message(bytes_view((*pconf)[0].bytes).first(20), t0).has_value();
    }
    g_counting = false;
    CHECK(failures == 0);
    CHECK(g_news == 0);
}
