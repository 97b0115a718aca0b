// SPDX-License-Identifier: MIT
// The C ABI of include/pqike/c/pqike.h, as one translation unit over the header-only library.
// Every function here converts C arguments to spans, calls the C++ API it names and converts the
// result back; no protocol logic lives here. Built with -fno-exceptions -fno-rtti; nothing
// allocates. Handles are C++ objects built in place inside the caller's opaque storage:
//
//   opaque[0..4)    magic of the object type (0 = empty), so a wiped or never-initialized
//                   handle is refused instead of being used
//   opaque[16..)    the C++ object (checked to fit, with its alignment, by static_assert)
#include "pqike/c/pqike.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include <pqike/crypto/hmac.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/crypto/os_random.hpp>
#include <pqike/escape/consumer.hpp>
#include <pqike/escape/message.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/escape/protect.hpp>
#include <pqike/escape/replay.hpp>
#include <pqike/kex/ke_registry.hpp>
#include <pqike/kex/key_exchange.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/int_auth.hpp>
#include <pqike/keys/key_lengths.hpp>
#include <pqike/keys/ppk.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/result.hpp>
#include <pqike/secret.hpp>
#include <pqike/wire/message.hpp>

namespace {

using namespace pqike;

// ---- status codes: the C enum mirrors errc number for number -----------------------------------
#define PQIKE_SAME(c, e) static_assert(static_cast<int>(c) == static_cast<int>(errc::e), #e)
PQIKE_SAME(PQIKE_OK, ok);
PQIKE_SAME(PQIKE_TRUNCATED, truncated);
PQIKE_SAME(PQIKE_TRAILING_DATA, trailing_data);
PQIKE_SAME(PQIKE_BUFFER_TOO_SMALL, buffer_too_small);
PQIKE_SAME(PQIKE_LENGTH_TOO_SMALL, length_too_small);
PQIKE_SAME(PQIKE_LENGTH_TOO_LARGE, length_too_large);
PQIKE_SAME(PQIKE_LENGTH_MISMATCH, length_mismatch);
PQIKE_SAME(PQIKE_INVALID_HEX, invalid_hex);
PQIKE_SAME(PQIKE_UNSUPPORTED_VERSION, unsupported_version);
PQIKE_SAME(PQIKE_UNSUPPORTED_CRITICAL_PAYLOAD, unsupported_critical_payload);
PQIKE_SAME(PQIKE_TOO_MANY_PAYLOADS, too_many_payloads);
PQIKE_SAME(PQIKE_INVALID_SYNTAX, invalid_syntax);
PQIKE_SAME(PQIKE_INVALID_NONCE_LENGTH, invalid_nonce_length);
PQIKE_SAME(PQIKE_INVALID_KE_LENGTH, invalid_ke_length);
PQIKE_SAME(PQIKE_INVALID_KE_METHOD, invalid_ke_method);
PQIKE_SAME(PQIKE_INVALID_FRAGMENT, invalid_fragment);
PQIKE_SAME(PQIKE_INTEGRITY_CHECK_FAILED, integrity_check_failed);
PQIKE_SAME(PQIKE_REASSEMBLY_LIMIT, reassembly_limit);
PQIKE_SAME(PQIKE_MISSING_PAYLOAD, missing_payload);
PQIKE_SAME(PQIKE_DUPLICATE_PAYLOAD, duplicate_payload);
PQIKE_SAME(PQIKE_INVALID_KEY, invalid_key);
PQIKE_SAME(PQIKE_INVALID_LENGTH, invalid_length);
PQIKE_SAME(PQIKE_RNG_FAILURE, rng_failure);
PQIKE_SAME(PQIKE_TOO_MUCH_OUTPUT, too_much_output);
PQIKE_SAME(PQIKE_NO_PROPOSAL_CHOSEN, no_proposal_chosen);
PQIKE_SAME(PQIKE_INVALID_KE_PAYLOAD, invalid_ke_payload);
PQIKE_SAME(PQIKE_UNEXPECTED_MESSAGE, unexpected_message);
PQIKE_SAME(PQIKE_STATE_NOT_FOUND, state_not_found);
PQIKE_SAME(PQIKE_AUTHENTICATION_FAILED, authentication_failed);
PQIKE_SAME(PQIKE_ESCAPE_BAD_TAG, escape_bad_tag);
PQIKE_SAME(PQIKE_ESCAPE_TAG_NOT_LAST, escape_tag_not_last);
PQIKE_SAME(PQIKE_ESCAPE_DUPLICATE_TLV, escape_duplicate_tlv);
PQIKE_SAME(PQIKE_ESCAPE_UNKNOWN_CRITICAL_TLV, escape_unknown_critical_tlv);
PQIKE_SAME(PQIKE_ESCAPE_WRONG_BINDING, escape_wrong_binding);
PQIKE_SAME(PQIKE_ESCAPE_WRONG_KEY_ID, escape_wrong_key_id);
PQIKE_SAME(PQIKE_ESCAPE_REPLAYED, escape_replayed);
PQIKE_SAME(PQIKE_ESCAPE_STALE, escape_stale);
PQIKE_SAME(PQIKE_ESCAPE_WRONG_STATE, escape_wrong_state);
PQIKE_SAME(PQIKE_ESCAPE_NO_MATCHING_ESCAPE, escape_no_matching_escape);
PQIKE_SAME(PQIKE_ESCAPE_METHOD_NOT_OFFERED, escape_method_not_offered);
PQIKE_SAME(PQIKE_ESCAPE_MISSING_TLV, escape_missing_tlv);
PQIKE_SAME(PQIKE_ESCAPE_STALE_TIMESTAMP, escape_stale_timestamp);
PQIKE_SAME(PQIKE_PPK_REQUIRED, ppk_required);
PQIKE_SAME(PQIKE_PPK_NOT_LAST, ppk_not_last);
PQIKE_SAME(PQIKE_ADDITIONAL_KEY_EXCHANGE_SKIPPED, additional_key_exchange_skipped);
static_assert(errc_last == errc::additional_key_exchange_skipped, "a new errc needs a PQIKE_ code");
#undef PQIKE_SAME

int code(errc e) noexcept { return static_cast<int>(e); }
int code(const status& s) noexcept { return code(s.code()); }

void report(pqike_error* out, const error& e) noexcept {
    if (out) *out = pqike_error{code(e.code), e.field, e.offset, e.value};
}

// ---- byte views -------------------------------------------------------------------------------
// A (pointer, length) pair from C. NULL is allowed only with length 0.
bool bad(const void* p, std::size_t n) noexcept { return p == nullptr && n != 0; }
bytes_view in(const std::uint8_t* p, std::size_t n) noexcept {
    return n == 0 ? bytes_view{} : as_bytes_view(p, n);
}
bytes_view in(const pqike_bytes& b) noexcept { return in(b.data, b.len); }

// Copy a result into (out, cap, *len); BUFFER_TOO_SMALL leaves out untouched.
int put(bytes_view v, std::uint8_t* out, std::size_t cap, std::size_t* len) noexcept {
    if (len) *len = v.size();
    if (v.size() > cap) return PQIKE_BUFFER_TOO_SMALL;
    if (!v.empty()) std::memcpy(out, v.data(), v.size());
    return PQIKE_OK;
}

// The caller's list of key exchange secrets as views; at most keys::max_key_exchanges.
struct ke_list {
    std::array<bytes_view, keys::max_key_exchanges> v{};
    std::size_t n = 0;
    int load(const pqike_bytes* kes, std::size_t count) noexcept {
        if (count > v.size()) return PQIKE_INVALID_LENGTH;
        if (bad(kes, count)) return PQIKE_NULL_POINTER;
        for (std::size_t i = 0; i < count; ++i) {
            if (bad(kes[i].data, kes[i].len)) return PQIKE_NULL_POINTER;
            v[i] = in(kes[i]);
        }
        n = count;
        return PQIKE_OK;
    }
    std::span<const bytes_view> view() const noexcept { return {v.data(), n}; }
};

// ---- handles ----------------------------------------------------------------------------------
constexpr std::size_t object_offset = 16;

template <class T>
struct magic_of;

template <class T, class H>
constexpr bool fits() noexcept {
    return object_offset + sizeof(T) <= sizeof(H::opaque) && alignof(T) <= 16 && alignof(H) == 16;
}

template <class T, class H>
T* get(H* h) noexcept {
    if (!h) return nullptr;
    std::uint32_t m = 0;
    std::memcpy(&m, h->opaque, sizeof m);
    if (m != magic_of<T>::value) return nullptr;
    return std::launder(reinterpret_cast<T*>(h->opaque + object_offset));
}
template <class T, class H>
const T* get(const H* h) noexcept {
    return get<T>(const_cast<H*>(h));
}

// Destroy (each object's destructor wipes its secrets), then zeroize the whole handle.
template <class T, class H>
void wipe(H* h) noexcept {
    if (!h) return;
    if (T* p = get<T>(h)) p->~T();
    secure_zeroize(h->opaque, sizeof h->opaque);
}

// Build a new object in the handle, replacing whatever was there. The old content is never
// read: a C caller may pass an uninitialized stack handle, and reading its magic would be a
// use of uninitialized memory (valgrind reports it). Zeroizing the object's storage instead
// does all an old object's destructor would (every handle type's destructor only wipes) and
// also clears what a larger alternative of the variant left behind.
template <class T, class H, class... A>
T* emplace(H* h, A&&... a) noexcept {
    static_assert(fits<T, H>(), "the C handle is too small for the C++ object: raise its _SIZE");
    secure_zeroize(h->opaque, object_offset + sizeof(T));
    T* p = ::new (static_cast<void*>(h->opaque + object_offset)) T(std::forward<A>(a)...);
    const std::uint32_t m = magic_of<T>::value;
    std::memcpy(h->opaque, &m, sizeof m);
    return p;
}

// ---- PRFs by Transform ID ---------------------------------------------------------------------
template <class P>
using prf_tag = std::type_identity<P>;

// f(prf_tag<P>{}) for the PRF numbered id; PQIKE_UNSUPPORTED_PRF otherwise.
template <class F>
int with_prf(std::uint16_t id, F&& f) noexcept {
    switch (id) {
        case PQIKE_PRF_HMAC_SHA1: return f(prf_tag<crypto::hmac_sha1>{});
        case PQIKE_PRF_HMAC_SHA2_256: return f(prf_tag<crypto::hmac_sha256>{});
        case PQIKE_PRF_HMAC_SHA2_384: return f(prf_tag<crypto::hmac_sha384>{});
        case PQIKE_PRF_HMAC_SHA2_512: return f(prf_tag<crypto::hmac_sha512>{});
        default: return PQIKE_UNSUPPORTED_PRF;
    }
}
static_assert(crypto::hmac_sha1::transform_id == PQIKE_PRF_HMAC_SHA1 &&
              crypto::hmac_sha256::transform_id == PQIKE_PRF_HMAC_SHA2_256 &&
              crypto::hmac_sha384::transform_id == PQIKE_PRF_HMAC_SHA2_384 &&
              crypto::hmac_sha512::transform_id == PQIKE_PRF_HMAC_SHA2_512);
static_assert(crypto::hmac_sha512::output_size == PQIKE_PRF_MAX_OUTPUT_SIZE);

// f(value) for the alternative a variant over PRF-typed objects holds; bad handle if empty.
template <class V, class F>
int visit_prf(V& v, F&& f) noexcept {
    if (auto* p = std::get_if<1>(&v)) return f(*p);
    if (auto* p = std::get_if<2>(&v)) return f(*p);
    if (auto* p = std::get_if<3>(&v)) return f(*p);
    if constexpr (std::variant_size_v<std::remove_const_t<V>> > 4)
        if (auto* p = std::get_if<4>(&v)) return f(*p);
    return PQIKE_BAD_HANDLE;
}

// ---- ML-KEM -------------------------------------------------------------------------------------
using kems = kex::ke_registry<crypto::mlkem512, crypto::mlkem768, crypto::mlkem1024>;
static_assert(kems::max_ek_size == PQIKE_MLKEM_MAX_EK_SIZE);
static_assert(kems::max_ct_size == PQIKE_MLKEM_MAX_CT_SIZE);
static_assert(kems::max_shared_size == PQIKE_MLKEM_SS_SIZE);
static_assert(crypto::mlkem768::seed_size == PQIKE_MLKEM_KEYGEN_SEED_SIZE);
static_assert(crypto::mlkem512::id == PQIKE_KE_MLKEM512 && crypto::mlkem768::id == PQIKE_KE_MLKEM768 &&
              crypto::mlkem1024::id == PQIKE_KE_MLKEM1024);

// The coins of a seeded call, served as an Rng so the seeded and the random paths run the same
// kex code: keygen draws d || z (64 octets) and encaps draws m (32) in one fill each; any other
// request means the seed does not fit the call and fails.
struct seeded_rng {
    bytes_view seed;
    bool used = false;
    status fill(mut_bytes out) noexcept {
        if (used || out.size() != seed.size()) {
            secure_zeroize(out);
            return {errc::rng_failure, "seed", 0};
        }
        std::memcpy(out.data(), seed.data(), seed.size());
        used = true;
        return {};
    }
};
static_assert(policy::Rng<seeded_rng>);

struct mlkem_initiator_impl {
    std::variant<std::monostate, kex::initiator_ke<crypto::mlkem512>, kex::initiator_ke<crypto::mlkem768>,
                 kex::initiator_ke<crypto::mlkem1024>>
        ke;
};
template <>
struct magic_of<mlkem_initiator_impl> {
    static constexpr std::uint32_t value = 0x4b454d31;  // "KEM1"
};

template <class R>
int initiator_start(pqike_mlkem_initiator* h, std::uint16_t method, R& rng, std::uint8_t* ek,
                    std::size_t ek_cap, std::size_t* ek_len) noexcept {
    if (!h || !ek_len || bad(ek, ek_cap)) return PQIKE_NULL_POINTER;
    const std::size_t need = kems::initiator_data_size(method);
    if (need == 0) return PQIKE_INVALID_KE_METHOD;
    *ek_len = need;
    if (ek_cap < need) return PQIKE_BUFFER_TOO_SMALL;
    auto* impl = emplace<mlkem_initiator_impl>(h);
    const status s = kems::visit(method, [&](auto tag) -> status {
        using M = typename decltype(tag)::type;
        auto& ke = impl->ke.template emplace<kex::initiator_ke<M>>();
        auto r = ke.start(rng);
        if (!r) return r.error();
        std::memcpy(ek, r->data(), r->size());
        return {};
    });
    if (!s) wipe<mlkem_initiator_impl>(h);
    return code(s);
}

template <class R>
int responder_respond(std::uint16_t method, R& rng, const std::uint8_t* ek, std::size_t ek_len,
                      std::uint8_t* ct, std::size_t ct_cap, std::size_t* ct_len, std::uint8_t* ss,
                      std::size_t ss_cap, std::size_t* ss_len) noexcept {
    if (bad(ek, ek_len) || bad(ct, ct_cap) || bad(ss, ss_cap) || !ct_len || !ss_len) return PQIKE_NULL_POINTER;
    if (!kems::contains(method)) return PQIKE_INVALID_KE_METHOD;
    *ct_len = kems::responder_data_size(method);
    *ss_len = PQIKE_MLKEM_SS_SIZE;
    if (ct_cap < *ct_len || ss_cap < *ss_len) return PQIKE_BUFFER_TOO_SMALL;
    const status s = kems::visit(method, [&](auto tag) -> status {
        using M = typename decltype(tag)::type;
        auto r = kex::responder_ke<M>::respond(rng, in(ek, ek_len));
        if (!r) return r.error();
        std::memcpy(ct, r->data.data(), r->data.size());
        std::memcpy(ss, r->shared.view().data(), r->shared.view().size());
        return {};
    });
    if (!s) {
        secure_zeroize(ss, ss_cap < PQIKE_MLKEM_SS_SIZE ? ss_cap : PQIKE_MLKEM_SS_SIZE);
        if (ct) std::memset(ct, 0, *ct_len);
    }
    return code(s);
}

// ---- key schedule -----------------------------------------------------------------------------
struct sa_keys_impl {
    std::variant<std::monostate, keys::ike_sa_keys<crypto::hmac_sha1>, keys::ike_sa_keys<crypto::hmac_sha256>,
                 keys::ike_sa_keys<crypto::hmac_sha384>, keys::ike_sa_keys<crypto::hmac_sha512>>
        k;
};
template <>
struct magic_of<sa_keys_impl> {
    static constexpr std::uint32_t value = 0x4b455953;  // "KEYS"
};

// Store a new stage in `out` (which may be the handle the stage was derived from: the result
// holds its own copy).
template <class P>
int store(pqike_ike_sa_keys* out, const result<keys::ike_sa_keys<P>>& r) noexcept {
    if (!r) return code(r.code());
    auto* impl = emplace<sa_keys_impl>(out);
    impl->k.template emplace<keys::ike_sa_keys<P>>(*r);
    return PQIKE_OK;
}

bool load(const pqike_sa_context* c, bytes_view& ni, bytes_view& nr, bytes_view& spi_i,
          bytes_view& spi_r) noexcept {
    if (!c || bad(c->ni, c->ni_len) || bad(c->nr, c->nr_len) || !c->spi_i || !c->spi_r) return false;
    ni = in(c->ni, c->ni_len);
    nr = in(c->nr, c->nr_len);
    spi_i = as_bytes_view(c->spi_i, PQIKE_IKE_SPI_SIZE);
    spi_r = as_bytes_view(c->spi_r, PQIKE_IKE_SPI_SIZE);
    return true;
}

keys::sa_key_lengths lengths(const pqike_key_lengths& l) noexcept { return {l.prf_key, l.integ_key, l.encr_key}; }

template <class F>
int with_keys(const pqike_ike_sa_keys* h, F&& f) noexcept {
    const sa_keys_impl* impl = get<sa_keys_impl>(h);
    if (!impl) return PQIKE_BAD_HANDLE;
    return visit_prf(impl->k, f);
}

// The PRF an IntAuth accumulator was made for (int_auth<P> does not name it).
template <class T>
struct prf_of;
template <class P>
struct prf_of<keys::int_auth<P>> {
    using type = P;
};
struct int_auth_impl {
    std::variant<std::monostate, keys::int_auth<crypto::hmac_sha1>, keys::int_auth<crypto::hmac_sha256>,
                 keys::int_auth<crypto::hmac_sha384>, keys::int_auth<crypto::hmac_sha512>>
        a;
};
template <>
struct magic_of<int_auth_impl> {
    static constexpr std::uint32_t value = 0x494e5441;  // "INTA"
};

// ---- escape -----------------------------------------------------------------------------------
struct escape_key_impl {
    std::variant<std::monostate, escape::tag_key<crypto::hmac_sha256>, escape::tag_key<crypto::hmac_sha384>,
                 escape::tag_key<crypto::hmac_sha512>>
        k;
};
template <>
struct magic_of<escape_key_impl> {
    static constexpr std::uint32_t value = 0x45534b31;  // "ESK1"
};
struct escape_replay_impl {
    escape::replay_window w;
    std::uint8_t window = 0;
};
template <>
struct magic_of<escape_replay_impl> {
    static constexpr std::uint32_t value = 0x52504c31;  // "RPL1"
};
static_assert(escape::limits::max_message == PQIKE_ESCAPE_MAX_MESSAGE);
static_assert(escape::limits::max_methods == PQIKE_ESCAPE_MAX_METHODS);

pqike_bytes out_bytes(bytes_view v) noexcept {
    return {v.empty() ? nullptr : reinterpret_cast<const std::uint8_t*>(v.data()), v.size()};
}

void fill(const escape::verified& v, pqike_escape_fields& f) noexcept {
    f = pqike_escape_fields{};
    f.type = static_cast<std::uint8_t>(v.type());
    f.flags = v.flags();
    f.sequence = v.sequence();
    if (auto t = v.timestamp()) {
        f.present |= PQIKE_ESCAPE_HAS_TIMESTAMP;
        f.timestamp = *t;
    }
    f.nonce = out_bytes(v.nonce());
    f.ke_method_count = v.method_count();  // <= max_methods: checked by the decoder
    for (std::size_t i = 0; i < f.ke_method_count; ++i) f.ke_methods[i] = v.method(i);
    if (auto p = v.proc()) {
        f.present |= PQIKE_ESCAPE_HAS_PROCEDURE;
        f.procedure = static_cast<std::uint8_t>(*p);
    }
    if (auto d = v.deadline()) {
        f.present |= PQIKE_ESCAPE_HAS_DEADLINE;
        f.deadline = *d;
    }
    if (auto r = v.why()) {
        f.present |= PQIKE_ESCAPE_HAS_REASON;
        f.reason = static_cast<std::uint8_t>(*r);
    }
    f.reason_text = out_bytes(v.reason_text());
    f.ppk_id = out_bytes(v.ppk_id());
    if (auto s = v.status()) {
        f.present |= PQIKE_ESCAPE_HAS_STATUS;
        f.status = static_cast<std::uint8_t>(*s);
    }
    if (auto m = v.selected_method()) {
        f.present |= PQIKE_ESCAPE_HAS_SELECTED_METHOD;
        f.selected_method = *m;
    }
    f.echoed_nonce = out_bytes(v.echoed_nonce());
    f.key_id = out_bytes(v.key_id());
    f.sa_binding = out_bytes(v.sa_binding());
}

bool bad(const pqike_bytes& b) noexcept { return bad(b.data, b.len); }

// ---- escape state machines (HMAC-SHA2-256) ----------------------------------------------------
using esc_prf = crypto::hmac_sha256;
using esc_keys = escape::key_pair<esc_prf>;
static_assert(escape::limits::max_ppk_id == PQIKE_ESCAPE_MAX_PPK_ID);

// The copies a config's views point at: they live in the handle next to the engine, which is
// built in place and never moved (the handles are not copyable).
struct methods_copy {
    std::array<std::uint16_t, escape::limits::max_methods> v{};
    std::size_t n = 0;
    std::span<const std::uint16_t> view() const noexcept { return {v.data(), n}; }
};
static_assert(escape::limits::max_methods == PQIKE_ESCAPE_MAX_PQ_METHODS);

// A list from C into `to`; too many is invalid_length, as config::check() says for methods.
int copy_methods(const std::uint16_t* p, std::size_t n, methods_copy& to) noexcept {
    if (bad(p, n)) return PQIKE_NULL_POINTER;
    if (n > to.v.size()) return PQIKE_INVALID_LENGTH;
    for (std::size_t i = 0; i < n; ++i) to.v[i] = p[i];
    to.n = n;
    return PQIKE_OK;
}

template <std::size_t N>
int copy_bytes(const pqike_bytes& b, bounded_bytes<N>& to) noexcept {
    if (bad(b)) return PQIKE_NULL_POINTER;
    if (b.len > N) return PQIKE_INVALID_LENGTH;  // what check() says for a PPK ID too long
    (void)to.assign(in(b));
    return PQIKE_OK;
}

struct escape_provider_impl {
    methods_copy methods, pq;
    bounded_bytes<escape::limits::max_ppk_id> ppk_id;
    std::optional<escape::provider<esc_prf>> engine;
};
template <>
struct magic_of<escape_provider_impl> {
    static constexpr std::uint32_t value = 0x45505256;  // "EPRV"
};
struct escape_session_impl {
    escape::provider_session s;
};
static_assert(std::is_trivially_copyable_v<escape::provider_session>, "pqike_escape_session is documented memcpy-able");
template <>
struct magic_of<escape_session_impl> {
    static constexpr std::uint32_t value = 0x45534553;  // "ESES"
};
struct escape_consumer_impl {
    methods_copy methods, pq;
    std::array<bounded_bytes<escape::limits::max_ppk_id>, PQIKE_ESCAPE_MAX_PPK_IDS> ppk_ids;
    std::array<bytes_view, PQIKE_ESCAPE_MAX_PPK_IDS> ppk_views{};
    std::size_t n_ppk = 0;
    std::optional<escape::consumer<esc_prf>> engine;
};
template <>
struct magic_of<escape_consumer_impl> {
    static constexpr std::uint32_t value = 0x45434f4e;  // "ECON"
};
static_assert(fits<escape_provider_impl, pqike_escape_provider>(), "raise PQIKE_ESCAPE_PROVIDER_SIZE");
static_assert(fits<escape_session_impl, pqike_escape_session>(), "raise PQIKE_ESCAPE_SESSION_SIZE");
static_assert(fits<escape_consumer_impl, pqike_escape_consumer>(), "raise PQIKE_ESCAPE_CONSUMER_SIZE");
static_assert(static_cast<int>(escape::provider_state::failed) == PQIKE_ESCAPE_PROVIDER_FAILED &&
              static_cast<int>(escape::provider_state::escape_sent) == PQIKE_ESCAPE_PROVIDER_ESCAPE_SENT &&
              static_cast<int>(escape::provider_state::confirmed) == PQIKE_ESCAPE_PROVIDER_CONFIRMED);
static_assert(static_cast<int>(escape::consumer_state::failed) == PQIKE_ESCAPE_CONSUMER_FAILED &&
              static_cast<int>(escape::consumer_state::migrating) == PQIKE_ESCAPE_CONSUMER_MIGRATING &&
              static_cast<int>(escape::consumer_state::confirmed) == PQIKE_ESCAPE_CONSUMER_CONFIRMED);
static_assert(static_cast<int>(escape::action_kind::send) == PQIKE_ESCAPE_ACTION_SEND &&
              static_cast<int>(escape::action_kind::start_rekey) == PQIKE_ESCAPE_ACTION_START_REKEY &&
              static_cast<int>(escape::action_kind::give_up) == PQIKE_ESCAPE_ACTION_GIVE_UP &&
              static_cast<int>(escape::action_kind::confirmed) == PQIKE_ESCAPE_ACTION_CONFIRMED);

// One HMAC-SHA2-256 tag key out of a pqike_escape_key handle.
int tag_key_of(const pqike_escape_key* h, const escape::tag_key<esc_prf>*& out) noexcept {
    const auto* impl = get<escape_key_impl>(h);
    if (!impl) return PQIKE_BAD_HANDLE;
    out = std::get_if<escape::tag_key<esc_prf>>(&impl->k);
    return out ? PQIKE_OK : PQIKE_UNSUPPORTED_PRF;
}
int key_pair_of(const pqike_escape_key_pair* kp, std::optional<esc_keys>& out) noexcept {
    if (!kp) return PQIKE_NULL_POINTER;
    const escape::tag_key<esc_prf>* a = nullptr;
    const escape::tag_key<esc_prf>* b = nullptr;
    if (const int e = tag_key_of(kp->p2c, a)) return e;
    if (const int e = tag_key_of(kp->c2p, b)) return e;
    out.emplace(esc_keys{*a, *b});
    return PQIKE_OK;
}

// A rekey_result whose views point into the caller's struct (read during the call only).
int rekey_of(const pqike_escape_rekey_result* r, std::optional<escape::rekey_result<esc_prf>>& out) noexcept {
    if (!r) return PQIKE_NULL_POINTER;
    if (bad(r->ke_methods, r->ke_method_count) || bad(r->ppk_id)) return PQIKE_NULL_POINTER;
    std::optional<esc_keys> k;
    if (const int e = key_pair_of(&r->confirm, k)) return e;
    out.emplace(escape::rekey_result<esc_prf>{
        *k, std::span<const std::uint16_t>(r->ke_methods, r->ke_method_count), in(r->ppk_id)});
    return PQIKE_OK;
}

// Checked before the C++ call, so a small buffer changes nothing.
int msg_buffer(std::uint8_t* msg, std::size_t cap, std::size_t* len) noexcept {
    if (!len || bad(msg, cap)) return PQIKE_NULL_POINTER;
    *len = PQIKE_ESCAPE_MAX_MESSAGE;
    if (cap < PQIKE_ESCAPE_MAX_MESSAGE) return PQIKE_BUFFER_TOO_SMALL;
    *len = 0;
    return PQIKE_OK;
}

// The C++ actions into *out; sent bytes are copied into msg (fits: max_message, checked above).
int deliver(const result<escape::actions>& r, pqike_escape_actions* out, std::uint8_t* msg,
            std::size_t* msg_len) noexcept {
    *out = pqike_escape_actions{};
    if (!r) return code(r.code());
    std::size_t used = 0;
    for (const escape::action& a : *r) {
        pqike_escape_action& c = out->items[out->count++];
        c.kind = static_cast<int>(a.kind);
        c.procedure = static_cast<std::uint8_t>(a.migration.proc);
        c.method = a.migration.method;
        c.ppk_id = out_bytes(a.migration.ppk_id);
        if (a.kind == escape::action_kind::send && msg) {
            if (used + a.bytes.size() > PQIKE_ESCAPE_MAX_MESSAGE) {  // never: one SEND of <= max_message per call
                *out = pqike_escape_actions{};
                return PQIKE_BUFFER_TOO_SMALL;
            }
            if (!a.bytes.empty()) std::memcpy(msg + used, a.bytes.data(), a.bytes.size());
            c.message = {msg + used, a.bytes.size()};
            used += a.bytes.size();
        }
    }
    if (msg_len) *msg_len = used;
    return PQIKE_OK;
}

escape::provider<esc_prf>* provider_of(pqike_escape_provider* h) noexcept {
    auto* impl = get<escape_provider_impl>(h);
    return impl && impl->engine ? &*impl->engine : nullptr;
}
escape::consumer<esc_prf>* consumer_of(pqike_escape_consumer* h) noexcept {
    auto* impl = get<escape_consumer_impl>(h);
    return impl && impl->engine ? &*impl->engine : nullptr;
}

}  // namespace

// =================================================================================================
extern "C" {

const char* pqike_strerror(int s) {
    if (s >= 0 && s <= static_cast<int>(errc_last)) return errc_name(static_cast<errc>(s));
    switch (s) {
        case PQIKE_NULL_POINTER: return "null_pointer";
        case PQIKE_BAD_HANDLE: return "bad_handle";
        case PQIKE_UNSUPPORTED_PRF: return "unsupported_prf";
        default: return "unknown";
    }
}

uint16_t pqike_notify_for(int s) {
    if (s > 0 && s <= static_cast<int>(errc_last)) return notify_for(static_cast<errc>(s));
    return 0;
}

// ---- ML-KEM -------------------------------------------------------------------------------------
int pqike_mlkem_sizes(uint16_t method, pqike_kem_sizes* out) {
    if (!out) return PQIKE_NULL_POINTER;
    if (!kems::contains(method)) return PQIKE_INVALID_KE_METHOD;
    *out = {kems::initiator_data_size(method), kems::responder_data_size(method), PQIKE_MLKEM_SS_SIZE};
    return PQIKE_OK;
}

int pqike_mlkem_initiator_start(pqike_mlkem_initiator* h, uint16_t method, uint8_t* ek, size_t ek_cap,
                                size_t* ek_len) {
    crypto::os_random rng;
    return initiator_start(h, method, rng, ek, ek_cap, ek_len);
}

int pqike_mlkem_initiator_start_seeded(pqike_mlkem_initiator* h, uint16_t method, const uint8_t* seed,
                                       size_t seed_len, uint8_t* ek, size_t ek_cap, size_t* ek_len) {
    if (!seed) return PQIKE_NULL_POINTER;
    if (seed_len != PQIKE_MLKEM_KEYGEN_SEED_SIZE) return PQIKE_INVALID_LENGTH;
    seeded_rng rng{as_bytes_view(seed, seed_len)};
    return initiator_start(h, method, rng, ek, ek_cap, ek_len);
}

int pqike_mlkem_initiator_finish(pqike_mlkem_initiator* h, const uint8_t* ct, size_t ct_len, uint8_t* ss,
                                 size_t ss_cap, size_t* ss_len) {
    if (!h || bad(ct, ct_len) || bad(ss, ss_cap) || !ss_len) return PQIKE_NULL_POINTER;
    auto* impl = get<mlkem_initiator_impl>(h);
    if (!impl || impl->ke.index() == 0) return PQIKE_BAD_HANDLE;
    *ss_len = PQIKE_MLKEM_SS_SIZE;
    if (ss_cap < PQIKE_MLKEM_SS_SIZE) return PQIKE_BUFFER_TOO_SMALL;
    const auto finish = [&](auto& ke) -> int {
        // The handle lives in the caller's memory, so its dk counts as imported: FIPS 203 §7.3.
        auto r = ke.finish_checked(in(ct, ct_len));
        if (!r) {
            secure_zeroize(ss, PQIKE_MLKEM_SS_SIZE);
            return code(r.code());
        }
        std::memcpy(ss, r->view().data(), PQIKE_MLKEM_SS_SIZE);
        return PQIKE_OK;
    };
    if (auto* k = std::get_if<1>(&impl->ke)) return finish(*k);
    if (auto* k = std::get_if<2>(&impl->ke)) return finish(*k);
    if (auto* k = std::get_if<3>(&impl->ke)) return finish(*k);
    return PQIKE_BAD_HANDLE;
}

uint16_t pqike_mlkem_initiator_method(const pqike_mlkem_initiator* h) {
    const auto* impl = get<mlkem_initiator_impl>(h);
    if (!impl) return 0;
    switch (impl->ke.index()) {
        case 1: return PQIKE_KE_MLKEM512;
        case 2: return PQIKE_KE_MLKEM768;
        case 3: return PQIKE_KE_MLKEM1024;
        default: return 0;
    }
}

void pqike_mlkem_initiator_wipe(pqike_mlkem_initiator* h) { wipe<mlkem_initiator_impl>(h); }

int pqike_mlkem_check_ek(uint16_t method, const uint8_t* ek, size_t ek_len) {
    if (bad(ek, ek_len)) return PQIKE_NULL_POINTER;
    const status s = kems::visit(method, [&](auto tag) -> status {
        using M = typename decltype(tag)::type;
        if (ek_len != M::ek_size) return {errc::invalid_ke_length, "ke.data", 0};
        return M::check_ek_bytes(in(ek, ek_len)) ? status{} : status{errc::invalid_key, "mlkem.ek", 0};
    });
    return code(s);
}

int pqike_mlkem_respond(uint16_t method, const uint8_t* ek, size_t ek_len, uint8_t* ct, size_t ct_cap,
                        size_t* ct_len, uint8_t* ss, size_t ss_cap, size_t* ss_len) {
    crypto::os_random rng;
    return responder_respond(method, rng, ek, ek_len, ct, ct_cap, ct_len, ss, ss_cap, ss_len);
}

int pqike_mlkem_respond_seeded(uint16_t method, const uint8_t* m, size_t m_len, const uint8_t* ek,
                               size_t ek_len, uint8_t* ct, size_t ct_cap, size_t* ct_len, uint8_t* ss,
                               size_t ss_cap, size_t* ss_len) {
    if (!m) return PQIKE_NULL_POINTER;
    if (m_len != PQIKE_MLKEM_ENCAPS_SEED_SIZE) return PQIKE_INVALID_LENGTH;
    seeded_rng rng{as_bytes_view(m, m_len)};
    return responder_respond(method, rng, ek, ek_len, ct, ct_cap, ct_len, ss, ss_cap, ss_len);
}

// ---- key schedule -----------------------------------------------------------------------------
size_t pqike_prf_output_size(uint16_t prf_id) {
    const int n = with_prf(prf_id, [](auto tag) { return static_cast<int>(decltype(tag)::type::output_size); });
    return n == PQIKE_UNSUPPORTED_PRF ? 0 : static_cast<size_t>(n);
}

int pqike_ike_key_lengths(uint16_t encr_id, uint16_t encr_key_bits, uint16_t integ_id, uint16_t prf_id,
                          pqike_key_lengths* out) {
    if (!out) return PQIKE_NULL_POINTER;
    const auto r = keys::ike_key_lengths(static_cast<wire::encr_id>(encr_id), encr_key_bits,
                                         static_cast<wire::integ_id>(integ_id), static_cast<wire::prf_id>(prf_id));
    if (!r) return code(r.code());
    *out = {r->prf_key, r->integ_key, r->encr_key};
    return PQIKE_OK;
}

int pqike_skeyseed(uint16_t prf_id, const uint8_t* ni, size_t ni_len, const uint8_t* nr, size_t nr_len,
                   const uint8_t* g_ir, size_t g_ir_len, uint8_t* out, size_t out_cap, size_t* out_len) {
    if (bad(ni, ni_len) || bad(nr, nr_len) || bad(g_ir, g_ir_len) || bad(out, out_cap) || !out_len)
        return PQIKE_NULL_POINTER;
    return with_prf(prf_id, [&](auto tag) -> int {
        using P = typename decltype(tag)::type;
        *out_len = P::output_size;
        if (out_cap < P::output_size) return PQIKE_BUFFER_TOO_SMALL;
        secret_array<P::output_size> seed;
        const status s =
            keys::skeyseed_initial<P>(keys::initiator_nonce{in(ni, ni_len)}, keys::responder_nonce{in(nr, nr_len)},
                                      keys::ke_secret{in(g_ir, g_ir_len)}, seed.span());
        if (!s) return code(s);
        std::memcpy(out, seed.view().data(), P::output_size);
        return PQIKE_OK;
    });
}

int pqike_ike_sa_keys_init(pqike_ike_sa_keys* out, uint16_t prf_id, const pqike_sa_context* ctx,
                           const uint8_t* g_ir, size_t g_ir_len, const pqike_key_lengths* len) {
    bytes_view ni, nr, spi_i, spi_r;
    if (!out || !len || bad(g_ir, g_ir_len) || !load(ctx, ni, nr, spi_i, spi_r)) return PQIKE_NULL_POINTER;
    return with_prf(prf_id, [&](auto tag) -> int {
        using P = typename decltype(tag)::type;
        return store<P>(out, keys::ike_sa_keys<P>::after_ike_sa_init(
                                 keys::initiator_nonce{ni}, keys::responder_nonce{nr}, keys::initiator_spi{spi_i},
                                 keys::responder_spi{spi_r}, keys::ke_secret{in(g_ir, g_ir_len)}, lengths(*len)));
    });
}

int pqike_ike_sa_keys_next(const pqike_ike_sa_keys* keys, const uint8_t* sk_next, size_t sk_next_len,
                           pqike_ike_sa_keys* next) {
    if (!next || bad(sk_next, sk_next_len)) return PQIKE_NULL_POINTER;
    return with_keys(keys, [&](const auto& k) -> int {
        using P = typename std::remove_cvref_t<decltype(k)>::prf_type;
        return store<P>(next, keys::ike_sa_keys<P>{k}.after_additional_ke(
                                  keys::ke_secret{in(sk_next, sk_next_len)}));  // C keeps both
    });
}

int pqike_ike_sa_keys_get(const pqike_ike_sa_keys* keys, pqike_sk which, uint8_t* out, size_t out_cap,
                          size_t* out_len) {
    if (bad(out, out_cap) || !out_len) return PQIKE_NULL_POINTER;
    return with_keys(keys, [&](const auto& k) -> int {
        switch (which) {
            case PQIKE_SK_D: return put(k.sk_d(), out, out_cap, out_len);
            case PQIKE_SK_AI: return put(k.sk_ai(), out, out_cap, out_len);
            case PQIKE_SK_AR: return put(k.sk_ar(), out, out_cap, out_len);
            case PQIKE_SK_EI: return put(k.sk_ei(), out, out_cap, out_len);
            case PQIKE_SK_ER: return put(k.sk_er(), out, out_cap, out_len);
            case PQIKE_SK_PI: return put(k.sk_pi(), out, out_cap, out_len);
            case PQIKE_SK_PR: return put(k.sk_pr(), out, out_cap, out_len);
        }
        return PQIKE_INVALID_SYNTAX;
    });
}

int pqike_ike_sa_keys_stage(const pqike_ike_sa_keys* keys, unsigned* stage) {
    if (!stage) return PQIKE_NULL_POINTER;
    return with_keys(keys, [&](const auto& k) -> int {
        *stage = k.stage();
        return PQIKE_OK;
    });
}

int pqike_ike_sa_keys_copy(const pqike_ike_sa_keys* from, pqike_ike_sa_keys* to) {
    if (!to) return PQIKE_NULL_POINTER;
    if (from == to) return get<sa_keys_impl>(from) ? PQIKE_OK : PQIKE_BAD_HANDLE;
    return with_keys(from, [&](const auto& k) -> int {
        using K = std::remove_cvref_t<decltype(k)>;
        emplace<sa_keys_impl>(to)->k.template emplace<K>(k);
        return PQIKE_OK;
    });
}

void pqike_ike_sa_keys_wipe(pqike_ike_sa_keys* keys) { wipe<sa_keys_impl>(keys); }

int pqike_child_keymat(const pqike_ike_sa_keys* keys, const uint8_t* ni, size_t ni_len, const uint8_t* nr,
                       size_t nr_len, const pqike_bytes* ke_secrets, size_t n_ke, uint8_t* out, size_t out_len) {
    if (bad(ni, ni_len) || bad(nr, nr_len) || bad(out, out_len)) return PQIKE_NULL_POINTER;
    ke_list kes;
    if (const int e = kes.load(ke_secrets, n_ke)) return e;
    return with_keys(keys, [&](const auto& k) -> int {
        using P = typename std::remove_cvref_t<decltype(k)>::prf_type;
        const mut_bytes o = out_len ? mut_bytes{reinterpret_cast<std::byte*>(out), out_len} : mut_bytes{};
        const status s = keys::child_keymat<P>(k, keys::initiator_nonce{in(ni, ni_len)},
                                               keys::responder_nonce{in(nr, nr_len)}, kes.view(), o);
        if (!s) secure_zeroize(o);
        return code(s);
    });
}

int pqike_ike_sa_rekey(const pqike_ike_sa_keys* old, uint16_t new_prf_id, const pqike_sa_context* new_ctx,
                       const pqike_bytes* ke_secrets, size_t n_ke, const pqike_key_lengths* new_len,
                       pqike_ike_sa_keys* out) {
    bytes_view ni, nr, spi_i, spi_r;
    if (!out || !new_len || !load(new_ctx, ni, nr, spi_i, spi_r)) return PQIKE_NULL_POINTER;
    ke_list kes;
    if (const int e = kes.load(ke_secrets, n_ke)) return e;
    return with_keys(old, [&](const auto& k) -> int {
        return with_prf(new_prf_id, [&](auto tag) -> int {
            using NewP = typename decltype(tag)::type;
            return store<NewP>(out, keys::rekey_ike_sa<NewP>(k, keys::initiator_nonce{ni}, keys::responder_nonce{nr},
                                                             keys::initiator_spi{spi_i}, keys::responder_spi{spi_r},
                                                             kes.view(), lengths(*new_len)));
        });
    });
}

int pqike_skeyseed_rekey(const pqike_ike_sa_keys* old, const uint8_t* ni, size_t ni_len, const uint8_t* nr,
                         size_t nr_len, const pqike_bytes* ke_secrets, size_t n_ke, uint8_t* out, size_t out_cap,
                         size_t* out_len) {
    if (bad(ni, ni_len) || bad(nr, nr_len) || bad(out, out_cap) || !out_len) return PQIKE_NULL_POINTER;
    ke_list kes;
    if (const int e = kes.load(ke_secrets, n_ke)) return e;
    return with_keys(old, [&](const auto& k) -> int {
        using P = typename std::remove_cvref_t<decltype(k)>::prf_type;
        *out_len = P::output_size;
        if (out_cap < P::output_size) return PQIKE_BUFFER_TOO_SMALL;
        secret_array<P::output_size> seed;
        const status s = keys::skeyseed_rekey<P>(k.sk_d(), keys::initiator_nonce{in(ni, ni_len)},
                                                 keys::responder_nonce{in(nr, nr_len)}, kes.view(), seed.span());
        if (!s) return code(s);
        std::memcpy(out, seed.view().data(), P::output_size);
        return PQIKE_OK;
    });
}

int pqike_ike_sa_keys_mix_ppk(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                              pqike_ike_sa_keys* mixed) {
    if (!mixed || bad(ppk, ppk_len)) return PQIKE_NULL_POINTER;
    return with_keys(keys, [&](const auto& k) -> int {
        using K = std::remove_cvref_t<decltype(k)>;
        auto r = keys::mix_ppk_rfc8784(k, in(ppk, ppk_len));
        if (!r) return code(r.code());
        emplace<sa_keys_impl>(mixed)->k.template emplace<K>(r->mixed);
        return PQIKE_OK;
    });
}

int pqike_ike_sa_keys_mix_ppk_intermediate(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                                           pqike_ike_sa_keys* out) {
    if (!out || bad(ppk, ppk_len)) return PQIKE_NULL_POINTER;
    return with_keys(keys, [&](const auto& k) -> int {
        using P = typename std::remove_cvref_t<decltype(k)>::prf_type;
        return store<P>(out, keys::mix_ppk_intermediate(keys::ike_sa_keys<P>{k}, in(ppk, ppk_len)));
    });
}

int pqike_ike_sa_keys_with_ppk_sk_d(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                                    pqike_ike_sa_keys* out) {
    if (!out || bad(ppk, ppk_len)) return PQIKE_NULL_POINTER;
    return with_keys(keys, [&](const auto& k) -> int {
        using P = typename std::remove_cvref_t<decltype(k)>::prf_type;
        return store<P>(out, keys::with_ppk_sk_d(k, in(ppk, ppk_len)));
    });
}

int pqike_ppk_confirmation(const pqike_ike_sa_keys* keys, const uint8_t* ppk, size_t ppk_len,
                           uint8_t out[PQIKE_PPK_CONFIRMATION_SIZE]) {
    if (!out || bad(ppk, ppk_len)) return PQIKE_NULL_POINTER;
    if (ppk_len == 0) return PQIKE_INVALID_LENGTH;
    return with_keys(keys, [&](const auto& k) -> int {
        using P = typename std::remove_cvref_t<decltype(k)>::prf_type;
        keys::ppk_confirmation<P>(in(ppk, ppk_len), k,
                                  std::span<std::byte, keys::ppk_confirmation_size>(
                                      reinterpret_cast<std::byte*>(out), keys::ppk_confirmation_size));
        return PQIKE_OK;
    });
}

int pqike_int_auth_init(pqike_int_auth* h, uint16_t prf_id) {
    if (!h) return PQIKE_NULL_POINTER;
    return with_prf(prf_id, [&](auto tag) -> int {
        using P = typename decltype(tag)::type;
        emplace<int_auth_impl>(h)->a.template emplace<keys::int_auth<P>>();
        return PQIKE_OK;
    });
}

int pqike_int_auth_add(pqike_int_auth* h, pqike_sender sender, const pqike_ike_sa_keys* protecting,
                       const uint8_t* a, size_t a_len, const uint8_t* p, size_t p_len) {
    if (bad(a, a_len) || bad(p, p_len)) return PQIKE_NULL_POINTER;
    if (sender != PQIKE_SENDER_INITIATOR && sender != PQIKE_SENDER_RESPONDER) return PQIKE_INVALID_SYNTAX;
    auto* impl = get<int_auth_impl>(h);
    if (!impl) return PQIKE_BAD_HANDLE;
    return visit_prf(impl->a, [&](auto& acc) -> int {
        using P = typename prf_of<std::remove_cvref_t<decltype(acc)>>::type;
        return with_keys(protecting, [&](const auto& k) -> int {
            if constexpr (!std::is_same_v<typename std::remove_cvref_t<decltype(k)>::prf_type, P>) {
                return PQIKE_UNSUPPORTED_PRF;  // the stage's PRF differs from the IntAuth's
            } else {
                acc.add(sender == PQIKE_SENDER_INITIATOR ? keys::int_auth_sender::initiator
                                                         : keys::int_auth_sender::responder,
                        k, in(a, a_len), in(p, p_len));
                return PQIKE_OK;
            }
        });
    });
}

int pqike_int_auth_finish(const pqike_int_auth* h, uint32_t ike_auth_mid, uint8_t* out, size_t out_cap,
                          size_t* out_len) {
    if (bad(out, out_cap) || !out_len) return PQIKE_NULL_POINTER;
    const auto* impl = get<int_auth_impl>(h);
    if (!impl) return PQIKE_BAD_HANDLE;
    return visit_prf(impl->a, [&](const auto& acc) -> int {
        auto r = acc.finish(ike_auth_mid);
        if (!r) return code(r.code());
        return put(r->view(), out, out_cap, out_len);
    });
}

void pqike_int_auth_wipe(pqike_int_auth* h) { wipe<int_auth_impl>(h); }

// ---- escape -----------------------------------------------------------------------------------
int pqike_escape_key_derive(pqike_escape_key* out, uint16_t prf_id, pqike_escape_key_mode mode,
                            pqike_escape_direction dir, const uint8_t* base, size_t base_len, const uint8_t* key_id,
                            size_t key_id_len, const uint8_t* sa_binding, size_t sa_binding_len) {
    if (!out || bad(base, base_len) || bad(key_id, key_id_len) || bad(sa_binding, sa_binding_len))
        return PQIKE_NULL_POINTER;
    if (mode < PQIKE_ESCAPE_KEY_ESCAPE_PSK || mode > PQIKE_ESCAPE_KEY_CONFIRM) return PQIKE_INVALID_SYNTAX;
    if (dir != PQIKE_ESCAPE_PROVIDER_TO_CONSUMER && dir != PQIKE_ESCAPE_CONSUMER_TO_PROVIDER)
        return PQIKE_INVALID_SYNTAX;
    if (prf_id == PQIKE_PRF_HMAC_SHA1) return PQIKE_UNSUPPORTED_PRF;  // §5: SHA-2 PRFs only
    return with_prf(prf_id, [&](auto tag) -> int {
        using P = typename decltype(tag)::type;
        if constexpr (std::is_same_v<P, crypto::hmac_sha1>) {
            return PQIKE_UNSUPPORTED_PRF;
        } else {
            auto r = escape::tag_key<P>::derive(static_cast<escape::key_mode>(mode), static_cast<escape::direction>(dir),
                                                in(base, base_len), in(key_id, key_id_len),
                                                in(sa_binding, sa_binding_len));
            if (!r) return code(r.code());
            emplace<escape_key_impl>(out)->k.template emplace<escape::tag_key<P>>(*r);
            return PQIKE_OK;
        }
    });
}

void pqike_escape_key_wipe(pqike_escape_key* key) { wipe<escape_key_impl>(key); }

int pqike_escape_seal(const pqike_escape_key* key, const pqike_escape_fields* f, uint8_t* out, size_t out_cap,
                      size_t* out_len) {
    if (!f || bad(out, out_cap) || !out_len || bad(f->nonce) || bad(f->reason_text) || bad(f->ppk_id) ||
        bad(f->echoed_nonce))
        return PQIKE_NULL_POINTER;
    const auto* impl = get<escape_key_impl>(key);
    if (!impl) return PQIKE_BAD_HANDLE;
    if (f->ke_method_count > PQIKE_ESCAPE_MAX_METHODS) return PQIKE_INVALID_LENGTH;
    escape::fields x;
    x.type = static_cast<escape::msg_type>(f->type);
    x.flags = f->flags;
    x.sequence = f->sequence;
    if (f->present & PQIKE_ESCAPE_HAS_TIMESTAMP) x.timestamp = f->timestamp;
    x.nonce = in(f->nonce);
    x.ke_methods = std::span<const std::uint16_t>(f->ke_methods, f->ke_method_count);
    if (f->present & PQIKE_ESCAPE_HAS_PROCEDURE) x.proc = static_cast<escape::procedure>(f->procedure);
    if (f->present & PQIKE_ESCAPE_HAS_DEADLINE) x.deadline = f->deadline;
    if (f->present & PQIKE_ESCAPE_HAS_REASON) x.why = static_cast<escape::reason>(f->reason);
    x.reason_text = in(f->reason_text);
    x.ppk_id = in(f->ppk_id);
    if (f->present & PQIKE_ESCAPE_HAS_STATUS) x.status = static_cast<escape::status_code>(f->status);
    if (f->present & PQIKE_ESCAPE_HAS_SELECTED_METHOD) x.selected_method = f->selected_method;
    x.echoed_nonce = in(f->echoed_nonce);
    return visit_prf(impl->k, [&](const auto& k) -> int {
        // Encoded in a buffer of the format's maximum size first, so that a too small `out` is
        // left untouched (the encoder may stop half way) and gets the exact size needed.
        std::array<std::byte, escape::limits::max_message> buf;
        auto r = escape::seal(k, x, buf);
        if (!r) return code(r.code());
        return put(*r, out, out_cap, out_len);
    });
}

int pqike_escape_verify(const pqike_escape_key* key, const uint8_t* msg, size_t msg_len, pqike_escape_fields* out,
                        pqike_error* err) {
    if (err) *err = pqike_error{PQIKE_OK, "", 0, 0};
    if (!out || bad(msg, msg_len)) return PQIKE_NULL_POINTER;
    const auto* impl = get<escape_key_impl>(key);
    if (!impl) return PQIKE_BAD_HANDLE;
    return visit_prf(impl->k, [&](const auto& k) -> int {
        auto v = escape::verify(k, in(msg, msg_len));
        if (!v) {
            report(err, v.error());
            return code(v.code());
        }
        fill(*v, *out);
        return PQIKE_OK;
    });
}

int pqike_escape_replay_init(pqike_escape_replay* w, uint8_t window) {
    if (!w) return PQIKE_NULL_POINTER;
    if (window > 64) return PQIKE_INVALID_LENGTH;
    emplace<escape_replay_impl>(w)->window = window;
    return PQIKE_OK;
}

int pqike_escape_replay_check(const pqike_escape_replay* w, uint64_t sequence) {
    const auto* impl = get<escape_replay_impl>(w);
    if (!impl) return PQIKE_BAD_HANDLE;
    return code(impl->w.check(sequence, impl->window));
}

int pqike_escape_replay_commit(pqike_escape_replay* w, uint64_t sequence) {
    auto* impl = get<escape_replay_impl>(w);
    if (!impl) return PQIKE_BAD_HANDLE;
    // replay_window::commit requires a passed check; the ABI checks again rather than trust it.
    if (const status s = impl->w.check(sequence, impl->window); !s) return code(s);
    impl->w.commit(sequence);
    return PQIKE_OK;
}

void pqike_escape_replay_wipe(pqike_escape_replay* w) { wipe<escape_replay_impl>(w); }

int pqike_escape_check_timestamp(const pqike_escape_fields* verified, uint64_t now, int require_timestamp,
                                 uint64_t max_skew) {
    if (!verified) return PQIKE_NULL_POINTER;
    escape::freshness_config c;
    c.require_timestamp = require_timestamp != 0;
    c.max_skew = max_skew;
    const bool has = (verified->present & PQIKE_ESCAPE_HAS_TIMESTAMP) != 0;
    return code(escape::check_timestamp(has ? std::optional<std::uint64_t>{verified->timestamp} : std::nullopt,
                                        now, c));
}

// ---- escape state machines --------------------------------------------------------------------
void pqike_escape_provider_config_default(pqike_escape_provider_config* cfg) {
    if (!cfg) return;
    const escape::provider_config d;
    *cfg = pqike_escape_provider_config{};
    cfg->procedure = static_cast<std::uint8_t>(d.proc);
    cfg->allow_no_ppk = d.allow_no_ppk;
    cfg->deadline = d.deadline;
    cfg->initial_rto = d.initial_rto;
    cfg->max_rto = d.max_rto;
    cfg->send_timestamp = d.send_timestamp;
    cfg->flags = d.flags;
    cfg->window = d.fresh.window;
    cfg->require_timestamp = d.fresh.require_timestamp;
    cfg->max_skew = d.fresh.max_skew;
    cfg->first_seq = 1;
}

void pqike_escape_consumer_config_default(pqike_escape_consumer_config* cfg) {
    if (!cfg) return;
    const escape::consumer_config d;
    *cfg = pqike_escape_consumer_config{};
    cfg->require_ppk = d.require_ppk;
    cfg->default_deadline = d.default_deadline;
    cfg->max_deadline = d.max_deadline;
    cfg->initial_rto = d.initial_rto;
    cfg->max_rto = d.max_rto;
    cfg->window = d.fresh.window;
    cfg->require_timestamp = d.fresh.require_timestamp;
    cfg->max_skew = d.fresh.max_skew;
}

int pqike_escape_provider_init(pqike_escape_provider* h, const pqike_escape_provider_config* cfg) {
    if (!h || !cfg || bad(cfg->ppk_id)) return PQIKE_NULL_POINTER;
    auto* impl = emplace<escape_provider_impl>(h);
    escape::provider_config c;
    int e = copy_methods(cfg->methods, cfg->method_count, impl->methods);
    if (!e && cfg->pq_method_count != 0) e = copy_methods(cfg->pq_methods, cfg->pq_method_count, impl->pq);
    if (!e) e = copy_bytes(cfg->ppk_id, impl->ppk_id);
    if (!e) {
        c.methods = impl->methods.view();
        if (cfg->pq_method_count != 0) c.pq_methods = impl->pq.view();
        c.proc = static_cast<escape::procedure>(cfg->procedure);
        c.ppk_id = impl->ppk_id.view();
        c.allow_no_ppk = cfg->allow_no_ppk != 0;
        if (cfg->has_reason) c.why = static_cast<escape::reason>(cfg->reason);
        c.deadline = cfg->deadline;
        c.initial_rto = cfg->initial_rto;
        c.max_rto = cfg->max_rto;
        c.send_timestamp = cfg->send_timestamp != 0;
        c.flags = cfg->flags;
        c.fresh.window = cfg->window;
        c.fresh.require_timestamp = cfg->require_timestamp != 0;
        c.fresh.max_skew = cfg->max_skew;
        auto r = escape::provider<esc_prf>::make(c, cfg->first_seq);
        if (r) impl->engine.emplace(*r);
        e = code(r.code());
    }
    if (e) wipe<escape_provider_impl>(h);
    return e;
}

void pqike_escape_provider_wipe(pqike_escape_provider* h) { wipe<escape_provider_impl>(h); }

int pqike_escape_session_init(pqike_escape_session* s) {
    if (!s) return PQIKE_NULL_POINTER;
    emplace<escape_session_impl>(s);
    return PQIKE_OK;
}

int pqike_escape_session_get_state(const pqike_escape_session* s, pqike_escape_provider_state* state) {
    if (!state) return PQIKE_NULL_POINTER;
    const auto* impl = get<escape_session_impl>(s);
    if (!impl) return PQIKE_BAD_HANDLE;
    *state = static_cast<pqike_escape_provider_state>(impl->s.state);
    return PQIKE_OK;
}

void pqike_escape_session_wipe(pqike_escape_session* s) { wipe<escape_session_impl>(s); }

int pqike_escape_provider_start(pqike_escape_provider* h, pqike_escape_session* s, const pqike_escape_key_pair* keys,
                                const uint8_t* nonce, size_t nonce_len, uint64_t now, pqike_escape_actions* out,
                                uint8_t* msg, size_t msg_cap, size_t* msg_len) {
    if (!out || !nonce) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    if (nonce_len != 16) return PQIKE_INVALID_LENGTH;
    auto* p = provider_of(h);
    auto* ses = get<escape_session_impl>(s);
    if (!p || !ses) return PQIKE_BAD_HANDLE;
    std::optional<esc_keys> k;
    if (const int e = key_pair_of(keys, k)) return e;
    const std::span<const std::byte, 16> n(reinterpret_cast<const std::byte*>(nonce), 16);
    return deliver(p->start(ses->s, *k, n, now), out, msg, msg_len);
}

int pqike_escape_provider_on_timer(pqike_escape_provider* h, pqike_escape_session* s, const pqike_escape_key_pair* keys,
                                   const pqike_escape_rekey_result* rekey, uint64_t now, pqike_escape_actions* out,
                                   uint8_t* msg, size_t msg_cap, size_t* msg_len) {
    if (!out) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    auto* p = provider_of(h);
    auto* ses = get<escape_session_impl>(s);
    if (!p || !ses) return PQIKE_BAD_HANDLE;
    std::optional<esc_keys> k;
    if (const int e = key_pair_of(keys, k)) return e;
    if (!rekey) return deliver(p->on_timer(ses->s, *k, now), out, msg, msg_len);
    std::optional<escape::rekey_result<esc_prf>> r;
    if (const int e = rekey_of(rekey, r)) return e;
    return deliver(p->on_timer(ses->s, *k, *r, now), out, msg, msg_len);
}

int pqike_escape_provider_on_message(pqike_escape_provider* h, pqike_escape_session* s,
                                     const pqike_escape_key_pair* keys, const uint8_t* in_msg, size_t in_len,
                                     uint64_t now, pqike_escape_actions* out) {
    if (!out || bad(in_msg, in_len)) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    auto* p = provider_of(h);
    auto* ses = get<escape_session_impl>(s);
    if (!p || !ses) return PQIKE_BAD_HANDLE;
    std::optional<esc_keys> k;
    if (const int e = key_pair_of(keys, k)) return e;
    return deliver(p->on_message(ses->s, *k, in(in_msg, in_len), now), out, nullptr, nullptr);
}

int pqike_escape_provider_rekey_done(pqike_escape_provider* h, pqike_escape_session* s,
                                     const pqike_escape_rekey_result* rekey, uint64_t now, pqike_escape_actions* out,
                                     uint8_t* msg, size_t msg_cap, size_t* msg_len) {
    if (!out) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    auto* p = provider_of(h);
    auto* ses = get<escape_session_impl>(s);
    if (!p || !ses) return PQIKE_BAD_HANDLE;
    std::optional<escape::rekey_result<esc_prf>> r;
    if (const int e = rekey_of(rekey, r)) return e;
    return deliver(p->rekey_done(ses->s, *r, now), out, msg, msg_len);
}

int pqike_escape_provider_on_confirm(pqike_escape_provider* h, pqike_escape_session* s,
                                     const pqike_escape_rekey_result* rekey, const uint8_t* in_msg, size_t in_len,
                                     uint64_t now, pqike_escape_actions* out, uint8_t* msg, size_t msg_cap,
                                     size_t* msg_len) {
    if (!out || bad(in_msg, in_len)) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    auto* p = provider_of(h);
    auto* ses = get<escape_session_impl>(s);
    if (!p || !ses) return PQIKE_BAD_HANDLE;
    std::optional<escape::rekey_result<esc_prf>> r;
    if (const int e = rekey_of(rekey, r)) return e;
    return deliver(p->on_confirm(ses->s, *r, in(in_msg, in_len), now), out, msg, msg_len);
}

int pqike_escape_consumer_init(pqike_escape_consumer* h, const pqike_escape_consumer_config* cfg,
                               const pqike_escape_key_pair* keys) {
    if (!h || !cfg || bad(cfg->ppk_ids, cfg->ppk_id_count)) return PQIKE_NULL_POINTER;
    std::optional<esc_keys> k;
    if (const int e = key_pair_of(keys, k)) return e;
    if (cfg->ppk_id_count > PQIKE_ESCAPE_MAX_PPK_IDS) return PQIKE_INVALID_LENGTH;
    auto* impl = emplace<escape_consumer_impl>(h);
    int e = copy_methods(cfg->methods, cfg->method_count, impl->methods);
    if (!e && cfg->pq_method_count != 0) e = copy_methods(cfg->pq_methods, cfg->pq_method_count, impl->pq);
    for (std::size_t i = 0; !e && i < cfg->ppk_id_count; ++i) {
        e = copy_bytes(cfg->ppk_ids[i], impl->ppk_ids[i]);
        impl->ppk_views[i] = impl->ppk_ids[i].view();
    }
    if (!e) {
        impl->n_ppk = cfg->ppk_id_count;
        escape::consumer_config c;
        c.methods = impl->methods.view();
        c.ppk_ids = std::span<const bytes_view>(impl->ppk_views.data(), impl->n_ppk);
        c.require_ppk = cfg->require_ppk != 0;
        if (cfg->pq_method_count != 0) c.pq_methods = impl->pq.view();
        c.default_deadline = cfg->default_deadline;
        c.max_deadline = cfg->max_deadline;
        c.initial_rto = cfg->initial_rto;
        c.max_rto = cfg->max_rto;
        c.fresh.window = cfg->window;
        c.fresh.require_timestamp = cfg->require_timestamp != 0;
        c.fresh.max_skew = cfg->max_skew;
        auto r = escape::consumer<esc_prf>::make(c, *k);
        if (r) impl->engine.emplace(*r);
        e = code(r.code());
    }
    if (e) wipe<escape_consumer_impl>(h);
    return e;
}

void pqike_escape_consumer_wipe(pqike_escape_consumer* h) { wipe<escape_consumer_impl>(h); }

int pqike_escape_consumer_get_state(const pqike_escape_consumer* h, pqike_escape_consumer_state* state) {
    if (!state) return PQIKE_NULL_POINTER;
    const auto* c = consumer_of(const_cast<pqike_escape_consumer*>(h));
    if (!c) return PQIKE_BAD_HANDLE;
    *state = static_cast<pqike_escape_consumer_state>(c->state());
    return PQIKE_OK;
}

int pqike_escape_consumer_on_message(pqike_escape_consumer* h, const uint8_t* in_msg, size_t in_len, uint64_t now,
                                     pqike_escape_actions* out, uint8_t* msg, size_t msg_cap, size_t* msg_len) {
    if (!out || bad(in_msg, in_len)) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    auto* c = consumer_of(h);
    if (!c) return PQIKE_BAD_HANDLE;
    return deliver(c->on_message(in(in_msg, in_len), now), out, msg, msg_len);
}

int pqike_escape_consumer_rekey_done(pqike_escape_consumer* h, const pqike_escape_rekey_result* rekey, uint64_t now,
                                     pqike_escape_actions* out, uint8_t* msg, size_t msg_cap, size_t* msg_len) {
    if (!out) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    auto* c = consumer_of(h);
    if (!c) return PQIKE_BAD_HANDLE;
    std::optional<escape::rekey_result<esc_prf>> r;
    if (const int e = rekey_of(rekey, r)) return e;
    return deliver(c->rekey_done(*r, now), out, msg, msg_len);
}

int pqike_escape_consumer_on_timer(pqike_escape_consumer* h, uint64_t now, pqike_escape_actions* out, uint8_t* msg,
                                   size_t msg_cap, size_t* msg_len) {
    if (!out) return PQIKE_NULL_POINTER;
    *out = pqike_escape_actions{};
    if (const int e = msg_buffer(msg, msg_cap, msg_len)) return e;
    auto* c = consumer_of(h);
    if (!c) return PQIKE_BAD_HANDLE;
    return deliver(c->on_timer(now), out, msg, msg_len);
}

// ---- decoder ----------------------------------------------------------------------------------
int pqike_decode_message(const uint8_t* msg, size_t msg_len, pqike_ike_header* header, pqike_payload_info* slots,
                         size_t cap, size_t* count, pqike_error* err) {
    if (err) *err = pqike_error{PQIKE_OK, "", 0, 0};
    if (bad(msg, msg_len) || bad(slots, cap) || !count) return PQIKE_NULL_POINTER;
    std::array<wire::raw_payload, wire::default_max_payloads> raw{};
    wire::message_view m;
    const std::size_t n = cap < raw.size() ? cap : raw.size();
    const status s = wire::decode_message(in(msg, msg_len), std::span<wire::raw_payload>(raw.data(), n), m);
    if (!s) {
        report(err, s.error());
        return code(s);
    }
    for (std::size_t i = 0; i < m.payloads.size(); ++i) {
        const auto& p = m.payloads[i];
        slots[i] = pqike_payload_info{static_cast<std::uint8_t>(p.type), static_cast<std::uint8_t>(p.critical ? 1 : 0),
                                      p.offset, p.length()};
    }
    *count = m.payloads.size();
    if (header) {
        pqike_ike_header h{};
        store_be64(reinterpret_cast<std::byte*>(h.spi_i), m.header.spi_i);
        store_be64(reinterpret_cast<std::byte*>(h.spi_r), m.header.spi_r);
        h.next_payload = static_cast<std::uint8_t>(m.header.next);
        h.minor_version = m.header.minor_version;
        h.exchange_type = static_cast<std::uint8_t>(m.header.exchange);
        h.flags = m.header.flags;
        h.message_id = m.header.message_id;
        h.length = m.header.length;
        *header = h;
    }
    return PQIKE_OK;
}

}  // extern "C"
