// SPDX-License-Identifier: MIT
// IKE SA keys as a chain of stages (RFC 7296 §2.14, RFC 9370 §2.2.2). Stage 0 comes only from
// IKE_SA_INIT (or from an IKE SA rekey, see rekey.hpp); stage n comes only from stage n-1 and the
// n-th additional key exchange, so a stack cannot skip or reorder a step: only this header can
// name the token its constructors take, and every stage knows its index. The keys live in one
// self-wiping fixed container; SKEYSEED is a self-wiping stack temporary. A new stage is built
// in place in the returned result, so deriving one copies no keys.
//
//   SKEYSEED    = prf(Ni | Nr, g^ir)                               (stage 0)
//   SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr)                  (stage n, RFC 9370 §2.2.2)
//   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
//
// The keys of stage n protect the exchange after the one that produced them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "key_lengths.hpp"
#include "named.hpp"
#include "prf_plus.hpp"

namespace pqike::keys {

// Nonce payload data is 16..256 octets (RFC 7296 §3.9); the wire codec enforces the minimum,
// this layer the storage bound (the NIST KDF vectors use 8-octet nonces).
inline constexpr std::size_t max_nonce_size = 256;
inline constexpr std::size_t ike_spi_size = 8;
// RFC 9370 §2.2.2: at most 7 additional key exchanges (ADDKE1..ADDKE7).
inline constexpr unsigned max_additional_key_exchanges = 7;

// ---- SKEYSEED, exposed for known-answer tests and for stacks that keep their own split -------

// SKEYSEED = prf(Ni | Nr, g^ir). For PRFs with a fixed key size (P::truncates_nonce_key:
// AES-XCBC-PRF-128, AES-CMAC-PRF-128) only the first 64 bits of each nonce form the key
// (RFC 7296 §2.14).
template <policy::Prf P>
[[nodiscard]] status skeyseed_initial(initiator_nonce ni_named, responder_nonce nr_named, ke_secret g_ir,
                                      std::span<std::byte, P::output_size> out) noexcept {
    bytes_view ni = ni_named, nr = nr_named;  // truncated below for fixed-key PRFs
    if (ni.size() > max_nonce_size) return {errc::invalid_nonce_length, "nonce.ni", error_value{ni.size()}};
    if (nr.size() > max_nonce_size) return {errc::invalid_nonce_length, "nonce.nr", error_value{nr.size()}};
    std::array<std::byte, 2 * max_nonce_size> key{};
    std::size_t n = 0;
    if constexpr (P::truncates_nonce_key) {
        if (ni.size() < 8) return {errc::invalid_nonce_length, "nonce.ni", error_value{ni.size()}};
        if (nr.size() < 8) return {errc::invalid_nonce_length, "nonce.nr", error_value{nr.size()}};
        ni = ni.first(8);
        nr = nr.first(8);
    }
    for (const std::byte b : ni) key[n++] = b;
    for (const std::byte b : nr) key[n++] = b;
    const P prf{bytes_view{key.data(), n}};
    policy::prf_compute(prf, {g_ir}, out);
    return {};
}

// SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr)  (RFC 9370 §2.2.2).
template <policy::Prf P>
void skeyseed_next(bytes_view sk_d_prev, ke_secret sk_n, initiator_nonce ni, responder_nonce nr,
                   std::span<std::byte, P::output_size> out) noexcept {
    const P prf{sk_d_prev};
    policy::prf_compute(prf, {sk_n, ni, nr}, out);
}

template <policy::Prf P>
class ike_sa_keys;

namespace detail {
// Mints stages outside this class; only the key schedule's own steps can call it: the rekey
// (rekey.hpp) and PPK mixing (ppk.hpp).
class ike_stage_factory;
struct rekey_schedule;
struct ppk_schedule;
}  // namespace detail

// One stage of the IKE SA key schedule. A stage is made only by the key schedule: from
// IKE_SA_INIT here, from the stage before it (after_additional_ke, PPK mixing), or by a rekey.
// The step to the next stage consumes this one (`std::move(stage).after_additional_ke(...)`):
// a stage is not forked by accident. To keep it (the response to an IKE_INTERMEDIATE is still
// protected with stage n), copy it first, visibly; every copy wipes itself.
template <policy::Prf P>
class ike_sa_keys {
public:
    using prf_type = P;

    // Stage 0 from IKE_SA_INIT: Ni, Nr (Nonce payload data), SPIi, SPIr (8 octets each), the
    // shared secret of the first key exchange, and the key lengths of the negotiated transforms.
    [[nodiscard]] static result<ike_sa_keys> after_ike_sa_init(initiator_nonce ni, responder_nonce nr,
                                                               initiator_spi spi_i, responder_spi spi_r,
                                                               ke_secret g_ir,
                                                               const sa_key_lengths& len) noexcept {
        if (const status s = check_context(ni, nr, spi_i, spi_r, len); !s) return s.error();
        secret_array<P::output_size> seed;
        if (const status s = skeyseed_initial<P>(ni, nr, g_ir, seed.span()); !s) return s.error();
        return result<ike_sa_keys>{std::in_place, token{}, ni, nr, spi_i, spi_r, len, seed.view()};
    }

    // Stage n+1 after the next additional key exchange (IKE_INTERMEDIATE), whose shared secret
    // is SK(n+1). Refused after 7 additional exchanges, and after PPK mixing (errc::ppk_not_last);
    // a refused step leaves this stage as it was, a taken one wipes it (spent()).
    [[nodiscard]] result<ike_sa_keys> after_additional_ke(ke_secret sk_next) && noexcept {
        if (stage_ >= max_additional_key_exchanges)
            return {errc::unexpected_message, "additional_key_exchange", error_value{stage_ + 1u}};
        // RFC 9867 §3.2: mixing the PPK is the last key update of the initial exchanges.
        if (ppk_mixed_) return {errc::ppk_not_last, "additional_key_exchange", error_value{stage_ + 1u}};
        secret_array<P::output_size> seed;
        skeyseed_next<P>(sk_d(), sk_next, nonce_i(), nonce_r(), seed.span());
        result<ike_sa_keys> next{std::in_place, token{}, *this, seed.view(), stage_ + 1, ppk_mixed_};
        spend();
        return next;
    }
    // True once a step to the next stage consumed this one: every key is empty.
    bool spent() const noexcept { return km_.size() == 0; }

    // Number of additional key exchanges folded in (0 right after IKE_SA_INIT or a rekey).
    unsigned stage() const noexcept { return stage_; }
    // True once PPK material was mixed in (RFC 8784 or RFC 9867; see ppk.hpp), or when the
    // stage is a rekeyed SA whose SKEYSEED came from such keys' SK_d (RFC 8784 §3 protection
    // carries over to rekeys; an RFC 9867 CREATE_CHILD_SA with a PPK gives it too).
    bool ppk_mixed() const noexcept { return ppk_mixed_; }

    bytes_view sk_d() const noexcept { return km_.view().subspan(0, len_.prf_key); }
    bytes_view sk_ai() const noexcept { return km_.view().subspan(at_ai(), len_.integ_key); }
    bytes_view sk_ar() const noexcept { return km_.view().subspan(at_ar(), len_.integ_key); }
    bytes_view sk_ei() const noexcept { return km_.view().subspan(at_ei(), len_.encr_key); }
    bytes_view sk_er() const noexcept { return km_.view().subspan(at_er(), len_.encr_key); }
    bytes_view sk_pi() const noexcept { return km_.view().subspan(at_pi(), len_.prf_key); }
    bytes_view sk_pr() const noexcept { return km_.view().subspan(at_pr(), len_.prf_key); }

    // Public context the stage was derived for.
    initiator_nonce nonce_i() const noexcept { return initiator_nonce{ni_.view()}; }
    responder_nonce nonce_r() const noexcept { return responder_nonce{nr_.view()}; }
    initiator_spi spi_i() const noexcept { return initiator_spi{bytes_view{spi_i_}}; }
    responder_spi spi_r() const noexcept { return responder_spi{bytes_view{spi_r_}}; }
    const sa_key_lengths& lengths() const noexcept { return len_; }

private:
    friend class detail::ike_stage_factory;

    // Pass key: the constructors below are public so result<> can build a stage in place, but
    // only this class and the factory can name a token, so nobody else can mint a stage.
    struct token {
        explicit token() = default;
    };

public:
    // A stage 0 from a checked context (check_context) and its SKEYSEED.
    ike_sa_keys(token, bytes_view ni, bytes_view nr, bytes_view spi_i, bytes_view spi_r,
                const sa_key_lengths& len, bytes_view skeyseed) noexcept
        : len_(len) {
        (void)ni_.assign(ni);  // lengths checked by check_context
        (void)nr_.assign(nr);
        for (std::size_t i = 0; i < ike_spi_size; ++i) {
            spi_i_[i] = spi_i[i];
            spi_r_[i] = spi_r[i];
        }
        split(skeyseed);
    }
    // The same SA's public context as `from`, every key re-derived from a new SKEYSEED.
    ike_sa_keys(token, const ike_sa_keys& from, bytes_view skeyseed, unsigned stage, bool ppk_mixed) noexcept
        : ni_(from.ni_), nr_(from.nr_), spi_i_(from.spi_i_), spi_r_(from.spi_r_), len_(from.len_),
          stage_(stage), ppk_mixed_(ppk_mixed) {
        split(skeyseed);
    }

private:
    [[nodiscard]] static status check_context(bytes_view ni, bytes_view nr, bytes_view spi_i,
                                              bytes_view spi_r, const sa_key_lengths& len) noexcept {
        if (const status s = len.check(); !s) return s;
        if (ni.size() > max_nonce_size) return {errc::invalid_nonce_length, "nonce.ni", error_value{ni.size()}};
        if (nr.size() > max_nonce_size) return {errc::invalid_nonce_length, "nonce.nr", error_value{nr.size()}};
        if (spi_i.size() != ike_spi_size) return {errc::invalid_length, "spi_i", error_value{spi_i.size()}};
        if (spi_r.size() != ike_spi_size) return {errc::invalid_length, "spi_r", error_value{spi_r.size()}};
        return {};
    }

    // The seven keys are the consecutive pieces of one prf+ output, and are kept that way:
    // prf+ writes straight into km_, and a key is a view at its offset.
    //   {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    static constexpr std::size_t max_keymat = 3 * max_prf_key_size + 2 * max_integ_key_size + 2 * max_encr_key_size;
    // len_.check() bounds the total by max_keymat, so prf+ stays far below its 255-block limit.
    static_assert(max_keymat <= prf_plus_max_blocks * P::output_size);

    std::size_t at_ai() const noexcept { return len_.prf_key; }
    std::size_t at_ar() const noexcept { return at_ai() + len_.integ_key; }
    std::size_t at_ei() const noexcept { return at_ar() + len_.integ_key; }
    std::size_t at_er() const noexcept { return at_ei() + len_.encr_key; }
    std::size_t at_pi() const noexcept { return at_er() + len_.encr_key; }
    std::size_t at_pr() const noexcept { return at_pi() + len_.prf_key; }

    void split(bytes_view skeyseed) noexcept {
        (void)km_.resize(len_.total());  // within max_keymat: checked by len_.check()
        const P prf{skeyseed};
        (void)prf_plus(prf, {nonce_i(), nonce_r(), spi_i(), spi_r()}, km_.span());
    }

    // Consumed by a step to the next stage: the keys wiped, every view of them empty.
    void spend() noexcept {
        km_.wipe();
        len_ = {};
    }

    // RFC 8784 §3: replace SK_d, SK_pi and SK_pr with keys of the same lengths.
    void replace_dp(bytes_view sk_d, bytes_view sk_pi, bytes_view sk_pr) noexcept {
        const mut_bytes km = km_.span();
        const auto put = [&](std::size_t at, bytes_view key) {
            for (std::size_t i = 0; i < len_.prf_key && i < key.size(); ++i) km[at + i] = key[i];
        };
        put(0, sk_d);
        put(at_pi(), sk_pi);
        put(at_pr(), sk_pr);
    }

    secret_bytes<max_keymat> km_;  // all seven keys, see split()
    bounded_bytes<max_nonce_size> ni_;
    bounded_bytes<max_nonce_size> nr_;
    std::array<std::byte, ike_spi_size> spi_i_{};
    std::array<std::byte, ike_spi_size> spi_r_{};
    sa_key_lengths len_{};
    unsigned stage_ = 0;
    bool ppk_mixed_ = false;
};

namespace detail {
class ike_stage_factory {
    friend struct rekey_schedule;
    friend struct ppk_schedule;

    // Stage 0 of an SA from an already computed SKEYSEED (IKE SA rekey, RFC 7296 §2.18);
    // `ppk`: the SKEYSEED came from a PPK-derived SK_d.
    template <policy::Prf P>
    [[nodiscard]] static result<ike_sa_keys<P>> from_skeyseed(bytes_view skeyseed, bytes_view ni,
                                                              bytes_view nr, bytes_view spi_i,
                                                              bytes_view spi_r, const sa_key_lengths& len,
                                                              bool ppk = false) noexcept {
        using K = ike_sa_keys<P>;
        if (const status s = K::check_context(ni, nr, spi_i, spi_r, len); !s) return s.error();
        result<K> k{std::in_place, typename K::token{}, ni, nr, spi_i, spi_r, len, skeyseed};
        k->ppk_mixed_ = ppk;
        return k;
    }
    // The same SA and stage, keys re-derived from a new SKEYSEED (RFC 9867 PPK step).
    template <policy::Prf P>
    [[nodiscard]] static result<ike_sa_keys<P>> restage(const ike_sa_keys<P>& from, bytes_view skeyseed,
                                                        bool ppk) noexcept {
        using K = ike_sa_keys<P>;
        return result<K>{std::in_place, typename K::token{}, from, skeyseed, from.stage_, from.ppk_mixed_ || ppk};
    }
    // Replace SK_d, SK_pi, SK_pr (RFC 8784 §3 mixing); each must have the PRF key length.
    template <policy::Prf P>
    static ike_sa_keys<P> with_dp(const ike_sa_keys<P>& from, bytes_view sk_d, bytes_view sk_pi,
                                  bytes_view sk_pr) noexcept {
        ike_sa_keys<P> k = from;
        k.replace_dp(sk_d, sk_pi, sk_pr);
        k.ppk_mixed_ = true;
        return k;
    }
    // A stage consumed by the step after it (RFC 9867 PPK mixing).
    template <policy::Prf P>
    static void spend(ike_sa_keys<P>& k) noexcept {
        k.spend();
    }
};
}  // namespace detail

}  // namespace pqike::keys
