// SPDX-License-Identifier: MIT
// Optional OpenSSL 3 adapters: policy types for the policy concepts (policy.hpp) built on
// libcrypto's EVP interfaces. Only code that includes this header needs OpenSSL's headers and
// must link libcrypto; the rest of pqike never depends on it.
//
//   openssl_rng                       Rng over RAND_bytes
//   openssl_hmac_prf<Sha>             Prf: PRF_HMAC_SHA2_256/384/512 (RFC 4868) via EVP_MAC
//   openssl_aes_gcm16<Bits>           SkCipher: ENCR_AES_GCM_16, 128/256-bit keys (RFC 5282)
//   openssl_aes_cbc_hmac_sha256_128<Bits>
//                                     SkCipher: ENCR_AES_CBC (RFC 3602) + AUTH_HMAC_SHA2_256_128
//                                     (RFC 4868), encrypt-then-MAC (RFC 7296 §3.14)
//   openssl_x25519                    DhGroup 31 (RFC 8031, RFC 7748)
//   openssl_ecp<Curve>                DhGroup 19/20, ECP-256/384 (RFC 5903)
//
// Conventions: errors are values (status); nothing throws. Every OpenSSL object is owned by a
// unique_ptr with its free function; secret copies on the stack are wiped. OpenSSL allocates
// internally (contexts, key objects): these adapters are not heap-free, the reference policies
// are. A PRF has no error path in the Prf concept, so an OpenSSL failure there (only possible on
// memory exhaustion) aborts instead of yielding a wrong key.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "../bytes.hpp"
#include "../policy.hpp"
#include "../result.hpp"
#include "../secret.hpp"
#include "../wire/ke_method.hpp"
#include "../wire/transform.hpp"

namespace pqike::adapters {

namespace ossl {

// ---- ownership ----------------------------------------------------------------------------
template <class T, void (*Free)(T*)>
struct deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
inline void bn_clear_free(BIGNUM* b) { BN_clear_free(b); }
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using pkey = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using pkey_ctx = std::unique_ptr<EVP_PKEY_CTX, deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using mac = std::unique_ptr<EVP_MAC, deleter<EVP_MAC, EVP_MAC_free>>;
using mac_ctx = std::unique_ptr<EVP_MAC_CTX, deleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using bignum = std::unique_ptr<BIGNUM, deleter<BIGNUM, bn_clear_free>>;
using bn_ctx = std::unique_ptr<BN_CTX, deleter<BN_CTX, BN_CTX_free>>;
using ec_group = std::unique_ptr<EC_GROUP, deleter<EC_GROUP, EC_GROUP_free>>;
using ec_point = std::unique_ptr<EC_POINT, deleter<EC_POINT, EC_POINT_free>>;

inline unsigned char* uc(std::byte* p) noexcept { return reinterpret_cast<unsigned char*>(p); }
inline const unsigned char* uc(const std::byte* p) noexcept {
    return reinterpret_cast<const unsigned char*>(p);
}

// Feed a span to an OpenSSL function that takes an int length, in int-sized pieces.
template <class F>
bool for_int_chunks(std::size_t n, F&& f) {
    std::size_t done = 0;
    while (done < n) {
        const std::size_t piece = (n - done) > static_cast<std::size_t>(INT_MAX / 2)
                                      ? static_cast<std::size_t>(INT_MAX / 2)
                                      : n - done;
        if (!f(done, static_cast<int>(piece))) return false;
        done += piece;
    }
    return true;
}

// ---- HMAC via EVP_MAC -----------------------------------------------------------------------
// A keyed HMAC context. An empty key is passed as one zero octet: HMAC pads keys with zeros to
// the block size, so both are the same key (RFC 2104 §2), and OpenSSL 3.0 refuses length 0.
inline mac_ctx hmac_keyed(const char* digest, bytes_view key) {
    mac m{EVP_MAC_fetch(nullptr, "HMAC", nullptr)};
    if (!m) return {};
    mac_ctx c{EVP_MAC_CTX_new(m.get())};
    if (!c) return {};
    const std::array<OSSL_PARAM, 2> params{
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_end()};
    static constexpr std::array<unsigned char, 1> zero_key{0};
    const unsigned char* k = key.empty() ? zero_key.data() : uc(key.data());
    const std::size_t klen = key.empty() ? 1 : key.size();
    if (EVP_MAC_init(c.get(), k, klen, params.data()) != 1) return {};
    return c;
}
inline bool hmac_update(EVP_MAC_CTX* c, bytes_view in) {
    return EVP_MAC_update(c, uc(in.data()), in.size()) == 1;
}
// Finish into out (out.size() <= the digest size; the tail of the MAC is dropped: truncation).
inline bool hmac_finish(EVP_MAC_CTX* c, mut_bytes out) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> full{};
    std::size_t n = 0;
    const bool ok = EVP_MAC_final(c, full.data(), &n, full.size()) == 1 && n >= out.size();
    if (ok)
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::byte{full[i]};
    secure_zeroize(full.data(), full.size());
    return ok;
}

// ---- AES (EVP_CIPHER) -------------------------------------------------------------------------
inline const EVP_CIPHER* aes_gcm(std::size_t key_bits) {
    return key_bits == 128 ? EVP_aes_128_gcm() : key_bits == 256 ? EVP_aes_256_gcm() : nullptr;
}
inline const EVP_CIPHER* aes_cbc(std::size_t key_bits) {
    return key_bits == 128 ? EVP_aes_128_cbc() : key_bits == 256 ? EVP_aes_256_cbc() : nullptr;
}

// Run a cipher in place over data (CTR/CBC without padding). Returns false on any failure.
inline bool cipher_in_place(EVP_CIPHER_CTX* c, mut_bytes data, bool enc) {
    return for_int_chunks(data.size(), [&](std::size_t at, int n) {
        int out_len = 0;
        unsigned char* p = uc(data.data() + at);
        const int r = enc ? EVP_EncryptUpdate(c, p, &out_len, p, n)
                          : EVP_DecryptUpdate(c, p, &out_len, p, n);
        return r == 1 && out_len == n;
    });
}

}  // namespace ossl

// ---- random source --------------------------------------------------------------------------
struct openssl_rng {
    status fill(mut_bytes out) noexcept {
        const bool ok = ossl::for_int_chunks(out.size(), [&](std::size_t at, int n) {
            return RAND_bytes(ossl::uc(out.data() + at), n) == 1;
        });
        if (!ok) {
            secure_zeroize(out);
            return status{errc::rng_failure, "rand_bytes", 0};
        }
        return {};
    }
};
static_assert(policy::Rng<openssl_rng>);

// ---- PRF: HMAC-SHA2 (RFC 4868 §2, RFC 7296 §2.13) ---------------------------------------------
struct sha2_256 {
    static constexpr const char* digest = "SHA256";
    static constexpr std::size_t size = 32;
    static constexpr wire::prf_id prf = wire::prf_id::hmac_sha2_256;
};
struct sha2_384 {
    static constexpr const char* digest = "SHA384";
    static constexpr std::size_t size = 48;
    static constexpr wire::prf_id prf = wire::prf_id::hmac_sha2_384;
};
struct sha2_512 {
    static constexpr const char* digest = "SHA512";
    static constexpr std::size_t size = 64;
    static constexpr wire::prf_id prf = wire::prf_id::hmac_sha2_512;
};

template <class Sha>
class openssl_hmac_prf {
public:
    static constexpr std::uint16_t transform_id = static_cast<std::uint16_t>(Sha::prf);
    static constexpr std::size_t output_size = Sha::size;
    static constexpr std::size_t preferred_key_size = Sha::size;  // RFC 4868 §2.1.2
    static constexpr bool truncates_nonce_key = false;

    // Incremental form: a copy of the keyed context.
    class stream_type {
    public:
        static constexpr std::size_t output_size = Sha::size;
        explicit stream_type(ossl::mac_ctx c) noexcept : c_(std::move(c)) {}
        void update(bytes_view in) {
            if (!c_ || !ossl::hmac_update(c_.get(), in)) std::abort();
        }
        void finish(std::span<std::byte, output_size> out) {
            if (!c_ || !ossl::hmac_finish(c_.get(), out)) std::abort();
        }

    private:
        ossl::mac_ctx c_;
    };

    // The key is set up once here (HMAC's inner and outer pads live in the context).
    explicit openssl_hmac_prf(bytes_view key) : keyed_(ossl::hmac_keyed(Sha::digest, key)) {}
    openssl_hmac_prf(const openssl_hmac_prf& o)
        : keyed_(o.keyed_ ? EVP_MAC_CTX_dup(o.keyed_.get()) : nullptr) {}
    openssl_hmac_prf(openssl_hmac_prf&&) noexcept = default;
    openssl_hmac_prf& operator=(const openssl_hmac_prf& o) {
        if (this != &o) keyed_.reset(o.keyed_ ? EVP_MAC_CTX_dup(o.keyed_.get()) : nullptr);
        return *this;
    }
    openssl_hmac_prf& operator=(openssl_hmac_prf&&) noexcept = default;

    // False only if OpenSSL could not set up the key (memory exhaustion).
    bool ok() const noexcept { return keyed_ != nullptr; }

    void compute(std::span<const bytes_view> parts, std::span<std::byte, output_size> out) const {
        auto s = stream();
        for (bytes_view p : parts) s.update(p);
        s.finish(out);
    }
    stream_type stream() const {
        return stream_type{ossl::mac_ctx{keyed_ ? EVP_MAC_CTX_dup(keyed_.get()) : nullptr}};
    }

private:
    ossl::mac_ctx keyed_;
};
using openssl_prf_hmac_sha2_256 = openssl_hmac_prf<sha2_256>;
using openssl_prf_hmac_sha2_384 = openssl_hmac_prf<sha2_384>;
using openssl_prf_hmac_sha2_512 = openssl_hmac_prf<sha2_512>;
static_assert(policy::Prf<openssl_prf_hmac_sha2_256>);
static_assert(policy::Prf<openssl_prf_hmac_sha2_384>);
static_assert(policy::Prf<openssl_prf_hmac_sha2_512>);

// ---- SK cipher: AES-GCM with a 16-octet ICV (RFC 5282) ----------------------------------------
// SK_e = key | 4-octet salt (RFC 5282 §7.1); nonce = salt | 8-octet IV (§3.1); AAD = IKE header
// through the SK (or SKF) payload header (§5.1); no padding alignment (block size 1).
template <std::size_t KeyBits>
struct openssl_aes_gcm16 {
    static_assert(KeyBits == 128 || KeyBits == 256, "AES-GCM-16 with 128- or 256-bit keys");
    static constexpr std::uint16_t encr_id = static_cast<std::uint16_t>(wire::encr_id::aes_gcm_16);
    static constexpr std::uint16_t integ_id = 0;
    static constexpr std::uint16_t key_bits = KeyBits;  // Key Length attribute
    static constexpr bool is_aead = true;
    static constexpr std::size_t salt_size = 4;
    static constexpr std::size_t encr_key_size = KeyBits / 8 + salt_size;
    static constexpr std::size_t integ_key_size = 0;
    static constexpr std::size_t iv_size = 8;
    static constexpr std::size_t icv_size = 16;
    static constexpr std::size_t block_size = 1;

    static status seal(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv,
                       mut_bytes data, mut_bytes icv_out) noexcept {
        if (auto s = check(sk_e, sk_a, iv, icv_out.size()); !s) return s;
        auto c = start(sk_e, iv, true);
        if (!c || !add_aad(c.get(), aad) || !ossl::cipher_in_place(c.get(), data, true))
            return fail(data, icv_out);
        int n = 0;
        std::array<unsigned char, 16> dummy{};
        if (EVP_EncryptFinal_ex(c.get(), dummy.data(), &n) != 1 || n != 0 ||
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(icv_size),
                                icv_out.data()) != 1)
            return fail(data, icv_out);
        return {};
    }

    // GCM can only check the tag after decrypting; on a mismatch the keystream is applied again
    // so the caller's buffer holds the original ciphertext when this returns.
    static status open(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv,
                       mut_bytes data, bytes_view icv) noexcept {
        if (auto s = check(sk_e, sk_a, iv, icv.size()); !s) return s;
        auto c = start(sk_e, iv, false);
        if (!c || !add_aad(c.get(), aad)) return status{errc::integrity_check_failed, "icv", 0};
        std::array<unsigned char, icv_size> tag{};
        for (std::size_t i = 0; i < icv_size; ++i) tag[i] = std::to_integer<unsigned char>(icv[i]);
        if (!ossl::cipher_in_place(c.get(), data, false) ||
            EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(icv_size),
                                tag.data()) != 1) {
            restore(sk_e, iv, data);
            return status{errc::integrity_check_failed, "icv", 0};
        }
        int n = 0;
        std::array<unsigned char, 16> dummy{};
        if (EVP_DecryptFinal_ex(c.get(), dummy.data(), &n) != 1) {
            restore(sk_e, iv, data);
            return status{errc::integrity_check_failed, "icv", 0};
        }
        return {};
    }

private:
    static status check(bytes_view sk_e, bytes_view sk_a, bytes_view iv, std::size_t icv) {
        if (sk_e.size() != encr_key_size) return status{errc::invalid_length, "sk_e", 0};
        if (!sk_a.empty()) return status{errc::invalid_length, "sk_a", 0};
        if (iv.size() != iv_size) return status{errc::invalid_length, "sk.iv", 0};
        if (icv != icv_size) return status{errc::invalid_length, "sk.icv", 0};
        return {};
    }
    static ossl::cipher_ctx start(bytes_view sk_e, bytes_view iv, bool enc) {
        ossl::cipher_ctx c{EVP_CIPHER_CTX_new()};
        if (!c) return {};
        std::array<unsigned char, salt_size + iv_size> nonce{};
        for (std::size_t i = 0; i < salt_size; ++i)
            nonce[i] = std::to_integer<unsigned char>(sk_e[KeyBits / 8 + i]);
        for (std::size_t i = 0; i < iv_size; ++i)
            nonce[salt_size + i] = std::to_integer<unsigned char>(iv[i]);
        const EVP_CIPHER* cipher = ossl::aes_gcm(KeyBits);
        bool ok = EVP_CipherInit_ex(c.get(), cipher, nullptr, nullptr, nullptr, enc ? 1 : 0) == 1 &&
                  EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_AEAD_SET_IVLEN,
                                      static_cast<int>(nonce.size()), nullptr) == 1 &&
                  EVP_CipherInit_ex(c.get(), nullptr, nullptr, ossl::uc(sk_e.data()), nonce.data(),
                                    enc ? 1 : 0) == 1;
        secure_zeroize(nonce.data(), nonce.size());
        if (!ok) return {};
        return c;
    }
    static bool add_aad(EVP_CIPHER_CTX* c, bytes_view aad) {
        return ossl::for_int_chunks(aad.size(), [&](std::size_t at, int n) {
            int out_len = 0;
            return EVP_CipherUpdate(c, nullptr, &out_len, ossl::uc(aad.data() + at), n) == 1;
        });
    }
    // CTR mode: encrypting the plaintext again with the same nonce gives the ciphertext back.
    static void restore(bytes_view sk_e, bytes_view iv, mut_bytes data) {
        auto c = start(sk_e, iv, true);
        if (!c || !ossl::cipher_in_place(c.get(), data, true)) secure_zeroize(data);
    }
    static status fail(mut_bytes data, mut_bytes icv_out) {
        secure_zeroize(data);
        secure_zeroize(icv_out);
        return status{errc::invalid_length, "aes_gcm", 0};
    }
};
using openssl_aes128_gcm16 = openssl_aes_gcm16<128>;
using openssl_aes256_gcm16 = openssl_aes_gcm16<256>;
static_assert(policy::SkCipher<openssl_aes128_gcm16>);
static_assert(policy::SkCipher<openssl_aes256_gcm16>);

// ---- SK cipher: AES-CBC + HMAC-SHA2-256-128, encrypt-then-MAC ------------------------------------
// RFC 7296 §3.14: ICV = first 16 octets of HMAC-SHA-256(SK_a, IKE header .. end of ciphertext);
// the framing code passes aad = header through the SK header, then IV, then ciphertext.
template <std::size_t KeyBits>
struct openssl_aes_cbc_hmac_sha256_128 {
    static_assert(KeyBits == 128 || KeyBits == 256, "AES-CBC with 128- or 256-bit keys");
    static constexpr std::uint16_t encr_id = static_cast<std::uint16_t>(wire::encr_id::aes_cbc);
    static constexpr std::uint16_t integ_id =
        static_cast<std::uint16_t>(wire::integ_id::hmac_sha2_256_128);
    static constexpr std::uint16_t key_bits = KeyBits;  // Key Length attribute
    static constexpr bool is_aead = false;
    static constexpr std::size_t encr_key_size = KeyBits / 8;
    static constexpr std::size_t integ_key_size = 32;  // RFC 4868 §2.1.1
    static constexpr std::size_t iv_size = 16;
    static constexpr std::size_t icv_size = 16;
    static constexpr std::size_t block_size = 16;

    static status seal(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv,
                       mut_bytes data, mut_bytes icv_out) noexcept {
        if (auto s = check(sk_e, sk_a, iv, data.size(), icv_out.size()); !s) return s;
        auto c = start(sk_e, iv, true);
        if (!c || !ossl::cipher_in_place(c.get(), data, true) ||
            !mac(sk_a, aad, iv, data, icv_out)) {
            secure_zeroize(data);
            secure_zeroize(icv_out);
            return status{errc::invalid_length, "aes_cbc", 0};
        }
        return {};
    }

    // Verify first (constant-time compare), decrypt only an authentic ciphertext.
    static status open(bytes_view sk_e, bytes_view sk_a, bytes_view aad, bytes_view iv,
                       mut_bytes data, bytes_view icv) noexcept {
        if (auto s = check(sk_e, sk_a, iv, data.size(), icv.size()); !s) return s;
        std::array<std::byte, icv_size> expect{};
        const bool authentic = mac(sk_a, aad, iv, data, expect) && ct_equal(expect, icv);
        if (!authentic) return status{errc::integrity_check_failed, "icv", 0};
        auto c = start(sk_e, iv, false);
        if (!c || !ossl::cipher_in_place(c.get(), data, false))
            return status{errc::integrity_check_failed, "icv", 0};
        return {};
    }

private:
    static status check(bytes_view sk_e, bytes_view sk_a, bytes_view iv, std::size_t data,
                        std::size_t icv) {
        if (sk_e.size() != encr_key_size) return status{errc::invalid_length, "sk_e", 0};
        if (sk_a.size() != integ_key_size) return status{errc::invalid_length, "sk_a", 0};
        if (iv.size() != iv_size) return status{errc::invalid_length, "sk.iv", 0};
        if (icv != icv_size) return status{errc::invalid_length, "sk.icv", 0};
        if (data % block_size != 0) return status{errc::invalid_length, "ciphertext", 0};
        return {};
    }
    static ossl::cipher_ctx start(bytes_view sk_e, bytes_view iv, bool enc) {
        ossl::cipher_ctx c{EVP_CIPHER_CTX_new()};
        if (!c) return {};
        if (EVP_CipherInit_ex(c.get(), ossl::aes_cbc(KeyBits), nullptr, ossl::uc(sk_e.data()),
                              ossl::uc(iv.data()), enc ? 1 : 0) != 1 ||
            EVP_CIPHER_CTX_set_padding(c.get(), 0) != 1)
            return {};
        return c;
    }
    static bool mac(bytes_view sk_a, bytes_view aad, bytes_view iv, bytes_view ct, mut_bytes out) {
        auto m = ossl::hmac_keyed(sha2_256::digest, sk_a);
        return m && ossl::hmac_update(m.get(), aad) && ossl::hmac_update(m.get(), iv) &&
               ossl::hmac_update(m.get(), ct) && ossl::hmac_finish(m.get(), out);
    }
};
using openssl_aes128_cbc_hmac_sha256_128 = openssl_aes_cbc_hmac_sha256_128<128>;
using openssl_aes256_cbc_hmac_sha256_128 = openssl_aes_cbc_hmac_sha256_128<256>;
static_assert(policy::SkCipher<openssl_aes128_cbc_hmac_sha256_128>);
static_assert(policy::SkCipher<openssl_aes256_cbc_hmac_sha256_128>);

// ---- DH: Curve25519 (RFC 8031, RFC 7748 §5/§6.1) ------------------------------------------------
struct openssl_x25519 {
    static constexpr std::uint16_t id = static_cast<std::uint16_t>(wire::ke_method::curve25519);
    static constexpr const char* name = "Curve25519";
    static constexpr std::size_t private_size = 32;
    static constexpr std::size_t public_size = 32;
    static constexpr std::size_t shared_size = 32;

    // The private value is 32 random octets (clamped inside X25519, RFC 7748 §5).
    template <policy::Rng R>
    static status keygen(R& rng, std::span<std::byte, private_size> priv_out,
                         std::span<std::byte, public_size> pub_out) noexcept {
        if (auto s = rng.fill(priv_out); !s) return s;
        auto s = public_key(priv_out, pub_out);
        if (!s) secure_zeroize(priv_out);
        return s;
    }

    // Deterministic twin of keygen: the public value of a given private value.
    static status public_key(std::span<const std::byte, private_size> priv,
                             std::span<std::byte, public_size> pub_out) noexcept {
        ossl::pkey k{EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr,
                                                  ossl::uc(priv.data()), priv.size())};
        std::size_t n = pub_out.size();
        if (!k || EVP_PKEY_get_raw_public_key(k.get(), ossl::uc(pub_out.data()), &n) != 1 ||
            n != public_size)
            return status{errc::invalid_key, "x25519.private", 0};
        return {};
    }

    // Shared secret X25519(priv, peer). An all-zero result (peer value of small order) is
    // rejected with invalid_key (RFC 7748 §6.1, RFC 8031 §2.2).
    static status derive(std::span<const std::byte, private_size> priv,
                         std::span<const std::byte, public_size> peer,
                         std::span<std::byte, shared_size> shared_out) noexcept {
        ossl::pkey k{EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr,
                                                  ossl::uc(priv.data()), priv.size())};
        ossl::pkey p{EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr,
                                                 ossl::uc(peer.data()), peer.size())};
        if (!k || !p) {
            secure_zeroize(shared_out);
            return status{errc::invalid_key, "x25519.public", 0};
        }
        ossl::pkey_ctx c{EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr)};
        std::size_t n = shared_out.size();
        const bool ok = c && EVP_PKEY_derive_init(c.get()) == 1 &&
                        EVP_PKEY_derive_set_peer_ex(c.get(), p.get(), 0) == 1 &&
                        EVP_PKEY_derive(c.get(), ossl::uc(shared_out.data()), &n) == 1 &&
                        n == shared_size;
        unsigned acc = 0;
        for (std::byte b : shared_out) acc |= std::to_integer<unsigned>(b);
        if (!ok || acc == 0) {
            secure_zeroize(shared_out);
            return status{errc::invalid_key, "x25519.public", 0};
        }
        return {};
    }
};
static_assert(policy::DhGroup<openssl_x25519>);

// ---- DH: ECP-256 / ECP-384 (RFC 5903) -----------------------------------------------------------
// Public value = x | y, each the field size, no 0x04 prefix (RFC 5903 §7); shared secret = x of
// the shared point (§7). The peer's point is checked to be on the curve; both curves have
// cofactor 1, so that is the full validity check (RFC 7296 §5 / SP 800-56A §5.6.2.3).
struct p256 {
    static constexpr wire::ke_method method = wire::ke_method::ecp_256;
    static constexpr const char* name = "ECP-256";
    static constexpr const char* group = "P-256";
    static constexpr int nid = NID_X9_62_prime256v1;
    static constexpr std::size_t size = 32;
};
struct p384 {
    static constexpr wire::ke_method method = wire::ke_method::ecp_384;
    static constexpr const char* name = "ECP-384";
    static constexpr const char* group = "P-384";
    static constexpr int nid = NID_secp384r1;
    static constexpr std::size_t size = 48;
};

template <class Curve>
struct openssl_ecp {
    static constexpr std::uint16_t id = static_cast<std::uint16_t>(Curve::method);
    static constexpr const char* name = Curve::name;
    static constexpr std::size_t private_size = Curve::size;
    static constexpr std::size_t public_size = 2 * Curve::size;
    static constexpr std::size_t shared_size = Curve::size;

    // Private scalar drawn from rng by rejection sampling in [1, n-1] (FIPS 186-5 A.4.2).
    template <policy::Rng R>
    static status keygen(R& rng, std::span<std::byte, private_size> priv_out,
                         std::span<std::byte, public_size> pub_out) noexcept {
        for (int attempt = 0; attempt < 64; ++attempt) {
            if (auto s = rng.fill(priv_out); !s) return s;
            if (scalar_in_range(priv_out)) {
                auto s = public_key(priv_out, pub_out);
                if (!s) secure_zeroize(priv_out);
                return s;
            }
        }
        secure_zeroize(priv_out);
        return status{errc::rng_failure, "ecp.private", 0};
    }

    // Deterministic twin of keygen: x | y of priv * G.
    static status public_key(std::span<const std::byte, private_size> priv,
                             std::span<std::byte, public_size> pub_out) noexcept {
        ossl::ec_group g{EC_GROUP_new_by_curve_name(Curve::nid)};
        ossl::bn_ctx bc{BN_CTX_new()};
        ossl::bignum d{BN_bin2bn(ossl::uc(priv.data()), static_cast<int>(priv.size()), nullptr)};
        if (!g || !bc || !d) return status{errc::invalid_key, "ecp.private", 0};
        BN_set_flags(d.get(), BN_FLG_CONSTTIME);
        ossl::ec_point q{EC_POINT_new(g.get())};
        std::array<unsigned char, 1 + public_size> oct{};
        if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(g.get())) >= 0 || !q ||
            EC_POINT_mul(g.get(), q.get(), d.get(), nullptr, nullptr, bc.get()) != 1 ||
            EC_POINT_point2oct(g.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, oct.data(),
                               oct.size(), bc.get()) != oct.size())
            return status{errc::invalid_key, "ecp.private", 0};
        for (std::size_t i = 0; i < public_size; ++i) pub_out[i] = std::byte{oct[1 + i]};
        return {};
    }

    static status derive(std::span<const std::byte, private_size> priv,
                         std::span<const std::byte, public_size> peer,
                         std::span<std::byte, shared_size> shared_out) noexcept {
        secure_zeroize(shared_out);  // what an error leaves behind
        auto self = private_pkey(priv);
        if (!self) return status{errc::invalid_key, "ecp.private", 0};
        auto other = peer_pkey(peer);
        if (!other) return status{errc::invalid_key, "ecp.public", 0};
        ossl::pkey_ctx c{EVP_PKEY_CTX_new_from_pkey(nullptr, self.get(), nullptr)};
        std::size_t n = shared_out.size();
        if (!c || EVP_PKEY_derive_init(c.get()) != 1 ||
            EVP_PKEY_derive_set_peer_ex(c.get(), other.get(), 1) != 1 ||
            EVP_PKEY_derive(c.get(), ossl::uc(shared_out.data()), &n) != 1 || n != shared_size) {
            secure_zeroize(shared_out);
            return status{errc::invalid_key, "ecp.public", 0};
        }
        return {};
    }

private:
    static bool scalar_in_range(std::span<const std::byte, private_size> priv) {
        ossl::ec_group g{EC_GROUP_new_by_curve_name(Curve::nid)};
        ossl::bignum d{BN_bin2bn(ossl::uc(priv.data()), static_cast<int>(priv.size()), nullptr)};
        return g && d && !BN_is_zero(d.get()) && BN_cmp(d.get(), EC_GROUP_get0_order(g.get())) < 0;
    }
    static ossl::pkey from_params(const OSSL_PARAM* params, int selection) {
        ossl::pkey_ctx c{EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)};
        EVP_PKEY* raw = nullptr;
        if (!c || EVP_PKEY_fromdata_init(c.get()) != 1 ||
            EVP_PKEY_fromdata(c.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) != 1)
            return {};
        return ossl::pkey{raw};
    }
    static ossl::pkey private_pkey(std::span<const std::byte, private_size> priv) {
        // OSSL_PARAM integers are native-endian; OpenSSL reads BIGNUM params from a BIGNUM.
        ossl::bignum d{BN_bin2bn(ossl::uc(priv.data()), static_cast<int>(priv.size()), nullptr)};
        if (!d) return {};
        std::array<unsigned char, private_size> native{};
        if (BN_bn2nativepad(d.get(), native.data(), static_cast<int>(native.size())) < 0) return {};
        std::array<OSSL_PARAM, 3> params{
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                             const_cast<char*>(Curve::group), 0),
            OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native.data(), native.size()),
            OSSL_PARAM_construct_end()};
        auto k = from_params(params.data(), EVP_PKEY_KEYPAIR);
        secure_zeroize(native.data(), native.size());
        return k;
    }
    static ossl::pkey peer_pkey(std::span<const std::byte, public_size> peer) {
        std::array<unsigned char, 1 + public_size> oct{};
        oct[0] = 0x04;  // uncompressed point (SEC 1 §2.3.3)
        for (std::size_t i = 0; i < public_size; ++i)
            oct[1 + i] = std::to_integer<unsigned char>(peer[i]);
        std::array<OSSL_PARAM, 3> params{
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                             const_cast<char*>(Curve::group), 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, oct.data(), oct.size()),
            OSSL_PARAM_construct_end()};
        return from_params(params.data(), EVP_PKEY_PUBLIC_KEY);
    }
};
using openssl_ecp256 = openssl_ecp<p256>;
using openssl_ecp384 = openssl_ecp<p384>;
static_assert(policy::DhGroup<openssl_ecp256>);
static_assert(policy::DhGroup<openssl_ecp384>);

}  // namespace pqike::adapters
