// SPDX-License-Identifier: MIT
// Fuzz the key schedule end to end: random PRF, key lengths, nonces, SPIs, shared secrets and
// counts drive stage 0, additional exchanges, IntAuth, AUTH, PPK, Child SA keys, IKE SA rekey,
// prf+ and the Wireshark line. Inputs are sliced from an exact-size copy of the fuzz data, so a
// read past any span is an ASan report. Invariants abort: results are deterministic, prf+
// refuses exactly above 255 blocks, every key has the length asked for, errors change nothing.
#include <pqike/crypto/hmac.hpp>
#include <pqike/keys/auth.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/int_auth.hpp>
#include <pqike/keys/ppk.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/tools/wireshark.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

using namespace pqike;

namespace {

// Hands out views into the input; past its end, empty views.
struct slicer {
    bytes_view data;
    std::size_t at = 0;
    std::uint8_t u8() noexcept { return at < data.size() ? std::to_integer<std::uint8_t>(data[at++]) : 0; }
    std::size_t len(std::size_t max) noexcept { return (std::size_t{u8()} << 8 | u8()) % (max + 1); }
    bytes_view take(std::size_t n) noexcept {
        n = std::min(n, data.size() - at);
        const bytes_view v = data.subspan(at, n);
        at += n;
        return v;
    }
};

void check(bool ok) {
    if (!ok) std::abort();
}

template <class P>
void run(slicer& in) {
    const keys::sa_key_lengths len{in.len(80), in.len(80), in.len(80)};
    const bytes_view ni = in.take(in.len(300)), nr = in.take(in.len(300));
    const bytes_view spi_i = in.take(in.len(9)), spi_r = in.take(in.len(9));
    const bytes_view g_ir = in.take(in.len(600));
    auto k = keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{ni}, keys::responder_nonce{nr},
                                                     keys::initiator_spi{spi_i}, keys::responder_spi{spi_r},
                                                     keys::ke_secret{g_ir}, len);
    const bool valid = len.check().ok() && ni.size() <= 256 && nr.size() <= 256 && spi_i.size() == 8 &&
                       spi_r.size() == 8;
    check(static_cast<bool>(k) == valid);
    if (!k) return;
    auto again = keys::ike_sa_keys<P>::after_ike_sa_init(keys::initiator_nonce{ni}, keys::responder_nonce{nr},
                                                         keys::initiator_spi{spi_i}, keys::responder_spi{spi_r},
                                                         keys::ke_secret{g_ir}, len);
    check(again && ct_equal(again->sk_pr(), k->sk_pr()) && ct_equal(again->sk_d(), k->sk_d()));
    check(k->sk_d().size() == len.prf_key && k->sk_ai().size() == len.integ_key && k->sk_er().size() == len.encr_key);

    keys::int_auth<P> ia;
    auto cur = *k;
    const unsigned n_add = in.u8() % 9;
    for (unsigned i = 0; i < n_add; ++i) {
        const bytes_view a = in.take(in.len(64)), p = in.take(in.len(400));
        ia.add(keys::int_auth_sender::initiator, cur, a, p);
        if (in.u8() & 1) ia.add(keys::int_auth_sender::responder, cur, a, p);
        auto nx = std::move(cur).after_additional_ke(keys::ke_secret{in.take(in.len(100))});
        check(static_cast<bool>(nx) == (cur.stage() < 7));
        check(cur.spent() == static_cast<bool>(nx));  // consumed when taken, unchanged when refused
        if (!nx) break;
        check(nx->stage() == cur.stage() + 1);
        cur = *nx;
    }
    auto v = ia.finish(in.u8());
    check(static_cast<bool>(v) == (ia.initiator_count() == ia.responder_count()));
    keys::int_auth_value<P> none{};
    const auto oct = keys::responder_signed_octets(cur, in.take(in.len(500)), ni, in.take(in.len(40)), v ? *v : none);
    std::array<std::byte, P::output_size> auth{};
    keys::psk_auth(in.take(in.len(70)), oct, auth);

    const bytes_view ppk = in.take(in.len(70));
    auto pp = keys::mix_ppk_rfc8784(cur, ppk);
    check(static_cast<bool>(pp) == !ppk.empty());
    auto mi = keys::mix_ppk_intermediate(keys::ike_sa_keys<P>{cur}, ppk);
    check(static_cast<bool>(mi) == !ppk.empty());

    std::vector<bytes_view> secrets;
    const unsigned n_ke = in.u8() % 11;
    for (unsigned i = 0; i < n_ke; ++i) secrets.push_back(in.take(in.len(100)));
    const keys::child_key_lengths cl{in.len(70), in.len(70)};
    auto ck = keys::derive_child_sa_keys(cur, keys::initiator_nonce{ni}, keys::responder_nonce{nr}, secrets, cl);
    check(static_cast<bool>(ck) == (cl.check().ok() && n_ke <= 8));
    if (ck) check(ck->encr_r().size() == cl.encr_key && ck->integ_r().size() == cl.integ_key);
    auto r = keys::rekey_ike_sa<P>(cur, keys::initiator_nonce{nr}, keys::responder_nonce{ni},
                                   keys::initiator_spi{spi_r}, keys::responder_spi{spi_i}, secrets, len);
    check(static_cast<bool>(r) == (n_ke >= 1 && n_ke <= 8));

    std::array<char, keys::wireshark_line_max> line{};
    auto wl = keys::wireshark_ikev2_line(cur, static_cast<wire::encr_id>(in.u8()), static_cast<std::uint16_t>(in.u8() * 64u),
                                         static_cast<wire::integ_id>(in.u8() % 16), std::span<char>(line).first(in.len(300)));
    (void)wl;

    // prf+ of any length: refused exactly above 255 blocks, output untouched then.
    const std::size_t want = in.len(300 * P::output_size);
    auto out = std::make_unique<std::byte[]>(want + 1);
    out[want] = std::byte{0xa5};
    const status s = keys::prf_plus<P>(cur.sk_d(), {ni, g_ir}, mut_bytes{out.get(), want});
    check(s.ok() == (want <= 255 * P::output_size));
    check(out[want] == std::byte{0xa5});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Exact-size copy: any read past a slice of it is past the allocation.
    auto copy = std::make_unique<std::byte[]>(size);
    for (std::size_t i = 0; i < size; ++i) copy[i] = static_cast<std::byte>(data[i]);
    slicer in{bytes_view{copy.get(), size}};
    switch (in.u8() % 4) {
        case 0: run<crypto::hmac_sha1>(in); break;
        case 1: run<crypto::hmac_sha256>(in); break;
        case 2: run<crypto::hmac_sha384>(in); break;
        default: run<crypto::hmac_sha512>(in); break;
    }
    return 0;
}
