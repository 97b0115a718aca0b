// SPDX-License-Identifier: MIT
// `pqike derive`: the IKEv2 key schedule over the JSON requests of requests.hpp, as JSON
// (docs/key-schedule.md has the formulas). Pure: no I/O.
#pragma once

#include "requests.hpp"

#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/rekey.hpp>

namespace pqike_cli {

namespace detail {
inline std::vector<pqike::bytes_view> views(const std::vector<byte_vec>& v) {
    std::vector<pqike::bytes_view> out;
    for (const auto& b : v) out.push_back(pqike_cli::view(b));
    return out;
}

template <class P>
json stage_json(pqike::bytes_view skeyseed, const pqike::keys::ike_sa_keys<P>& k) {
    json s;
    s["skeyseed"] = to_hex(skeyseed);
    s["sk_d"] = to_hex(k.sk_d());
    s["sk_ai"] = to_hex(k.sk_ai());
    s["sk_ar"] = to_hex(k.sk_ar());
    s["sk_ei"] = to_hex(k.sk_ei());
    s["sk_er"] = to_hex(k.sk_er());
    s["sk_pi"] = to_hex(k.sk_pi());
    s["sk_pr"] = to_hex(k.sk_pr());
    return s;
}
}  // namespace detail

// {"stages": [...]}: stage 0 from SK(0) (RFC 7296 §2.14), stage n from SK(n) (RFC 9370 §2.2.2).
inline std::optional<json> run_derive(const derive_request& r, failure& f) {
    return with_prf(r.prf, [&](auto tag) -> std::optional<json> {
        using P = typename decltype(tag)::type;
        namespace k = pqike::keys;
        const k::sa_key_lengths len{P::preferred_key_size, r.sk_a_len, r.sk_e_len};
        std::array<std::byte, P::output_size> seed{};
        if (auto s = k::skeyseed_initial<P>(k::initiator_nonce{view(r.ni)}, k::responder_nonce{view(r.nr)},
                                            k::ke_secret{view(r.key_exchanges[0])}, seed);
            !s) {
            f = from_error(s.error(), "SKEYSEED");
            return std::nullopt;
        }
        auto stage = k::ike_sa_keys<P>::after_ike_sa_init(
            k::initiator_nonce{view(r.ni)}, k::responder_nonce{view(r.nr)}, k::initiator_spi{view(r.spi_i)},
            k::responder_spi{view(r.spi_r)}, k::ke_secret{view(r.key_exchanges[0])}, len);
        if (!stage) {
            f = from_error(stage.error(), "stage 0");
            return std::nullopt;
        }
        json out;
        out["stages"] = json::array();
        out["stages"].push_back(detail::stage_json(seed, *stage));
        std::optional<k::ike_sa_keys<P>> cur{*stage};
        for (std::size_t i = 1; i < r.key_exchanges.size(); ++i) {
            const auto sk_n = view(r.key_exchanges[i]);
            k::skeyseed_next<P>(cur->sk_d(), k::ke_secret{sk_n}, k::initiator_nonce{view(r.ni)},
                                k::responder_nonce{view(r.nr)}, seed);
            auto next = std::move(*cur).after_additional_ke(k::ke_secret{sk_n});
            if (!next) {
                f = from_error(next.error(), std::string("stage ") + std::to_string(i));
                return std::nullopt;
            }
            out["stages"].push_back(detail::stage_json(seed, *next));
            cur.emplace(*next);
        }
        pqike::secure_zeroize(seed.data(), seed.size());
        return out;
    });
}

// {"keymat"}: KEYMAT = prf+(SK_d, [SK(0) |] Ni | Nr [| SK(1) ...]) (RFC 7296 §2.17, RFC 9370 §2.2.3).
inline std::optional<json> run_child(const child_request& r, failure& f) {
    return with_prf(r.prf, [&](auto tag) -> std::optional<json> {
        using P = typename decltype(tag)::type;
        byte_vec keymat(r.keymat_len);
        const auto kes = detail::views(r.key_exchanges);
        if (auto s = pqike::keys::child_keymat<P>(view(r.sk_d), pqike::keys::initiator_nonce{view(r.ni)},
                                                  pqike::keys::responder_nonce{view(r.nr)}, kes, keymat);
            !s) {
            f = from_error(s.error(), "KEYMAT");
            return std::nullopt;
        }
        json out;
        out["keymat"] = to_hex(keymat);
        return out;
    });
}

// {"skeyseed"}: SKEYSEED = prf(SK_d(old), SK(0) | Ni | Nr [| SK(1) ...]) (RFC 7296 §2.18, RFC 9370 §2.2.4);
// with the new SA's SPIs and key lengths also its seven keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
inline std::optional<json> run_rekey(const rekey_request& r, failure& f) {
    return with_prf(r.prf, [&](auto tag) -> std::optional<json> {
        using P = typename decltype(tag)::type;
        std::array<std::byte, P::output_size> seed{};
        const auto kes = detail::views(r.key_exchanges);
        if (auto s = pqike::keys::skeyseed_rekey<P>(view(r.sk_d_old), pqike::keys::initiator_nonce{view(r.ni)},
                                                    pqike::keys::responder_nonce{view(r.nr)}, kes, seed);
            !s) {
            f = from_error(s.error(), "SKEYSEED");
            return std::nullopt;
        }
        json out;
        if (r.with_keys) {  // the new SA's seven keys from that SKEYSEED, same PRF (RFC 7296 §2.18)
            namespace k = pqike::keys;
            const k::sa_key_lengths len{P::preferred_key_size, r.sk_a_len, r.sk_e_len};
            auto keys = k::rekey_ike_sa_from_sk_d<P, P>(view(r.sk_d_old), k::initiator_nonce{view(r.ni)},
                                                        k::responder_nonce{view(r.nr)}, k::initiator_spi{view(r.spi_i)},
                                                        k::responder_spi{view(r.spi_r)}, kes, len);
            if (!keys) {
                pqike::secure_zeroize(seed.data(), seed.size());
                f = from_error(keys.error(), "new IKE SA keys");
                return std::nullopt;
            }
            out = detail::stage_json(seed, *keys);
        } else {
            out["skeyseed"] = to_hex(seed);
        }
        pqike::secure_zeroize(seed.data(), seed.size());
        return out;
    });
}

}  // namespace pqike_cli
