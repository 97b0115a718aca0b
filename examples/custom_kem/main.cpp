// SPDX-License-Identifier: MIT
// Plug in a custom KEM policy. A KEM is any type that satisfies policy::Kem (policy/kem.hpp):
// an ID, a name, four sizes and six static functions. Here a lab wraps ML-KEM-768 under a
// private-use Transform Type 4 ID (RFC 7296 §3.3.2: 1024-65535 are private use) and counts the
// decapsulations; the KE registry, the KE payload codec and the key exchange driver then treat it
// like any built-in method. Exits non-zero if anything does not match.
#include <pqike/pqike.hpp>

#include <cstdio>

using namespace pqike;

// ---- the policy -----------------------------------------------------------------------------------
struct lab_kem {
    using base = crypto::mlkem768;
    static constexpr std::uint16_t id = 40768;  // private use: both peers must agree on it
    static constexpr const char* name = "LAB-ML-KEM-768";
    static constexpr std::size_t ek_size = base::ek_size;
    static constexpr std::size_t dk_size = base::dk_size;
    static constexpr std::size_t ct_size = base::ct_size;
    static constexpr std::size_t ss_size = base::ss_size;
    static inline unsigned decaps_calls = 0;

    using coins = std::span<const std::byte, 32>;
    static status keygen_derand(coins d, coins z, std::span<std::byte, ek_size> ek,
                                std::span<std::byte, dk_size> dk) noexcept {
        return base::keygen_derand(d, z, ek, dk);
    }
    static status encaps_derand(std::span<const std::byte, ek_size> ek, coins m, std::span<std::byte, ct_size> ct,
                                std::span<std::byte, ss_size> ss) noexcept {
        return base::encaps_derand(ek, m, ct, ss);
    }
    static status decaps(std::span<const std::byte, dk_size> dk, std::span<const std::byte, ct_size> ct,
                         std::span<std::byte, ss_size> ss) noexcept {
        ++decaps_calls;
        return base::decaps(dk, ct, ss);
    }
    static bool check_ek(std::span<const std::byte, ek_size> ek) noexcept { return base::check_ek(ek); }
    template <policy::Rng R>
    static status keygen(R& rng, std::span<std::byte, ek_size> ek, std::span<std::byte, dk_size> dk) noexcept {
        return base::keygen(rng, ek, dk);
    }
    template <policy::Rng R>
    static status encaps(R& rng, std::span<const std::byte, ek_size> ek, std::span<std::byte, ct_size> ct,
                         std::span<std::byte, ss_size> ss) noexcept {
        return base::encaps(rng, ek, ct, ss);
    }
};

static_assert(policy::Kem<lab_kem>, "lab_kem satisfies the Kem concept");
static_assert(policy::KeMethod<lab_kem>);

// A stack that speaks ML-KEM-768, ML-KEM-1024 and the lab method; sizes known at compile time.
using methods = kex::ke_registry<crypto::mlkem768, crypto::mlkem1024, lab_kem>;
static_assert(methods::contains(lab_kem::id));
static_assert(methods::max_initiator_data_size == crypto::mlkem1024::ek_size);

static int mismatches = 0;
static void expect(bool ok, const char* what) {
    std::printf("  %-56s %s\n", what, ok ? "ok" : "MISMATCH");
    mismatches += ok ? 0 : 1;
}

int main() {
    crypto::os_random rng;
    const std::uint16_t chosen = lab_kem::id;  // e.g. negotiated as ADDKE1 in the SA payload
    std::printf("method %u: %s\n", chosen, methods::name(chosen));

    // Initiator: a fresh key pair for the method chosen at run time; ek goes in a KE payload.
    kex::any_initiator_ke<methods> initiator;
    auto ek = initiator.start(chosen, rng);
    if (!ek) return 1;
    std::array<std::byte, 2048> req{};
    writer w{req};
    wire::encode_ke(w, static_cast<wire::ke_method>(chosen), *ek);
    if (!w.finish()) return 1;
    const bytes_view ke_body{req.data(), w.size()};

    // Responder: the typed view checks the method and the size for this direction.
    auto kv = wire::ke_view::decode(ke_body);
    if (!kv) return 1;
    auto typed = wire::ke_view_for<lab_kem>::check(*kv, wire::direction::request);
    expect(typed.has_value() && typed->data.size() == lab_kem::ek_size, "KE payload: lab method, 1184-octet ek");
    auto wrong = wire::ke_view_for<crypto::mlkem768>::check(*kv, wire::direction::request);
    expect(!wrong && wrong.code() == errc::invalid_ke_method, "ML-KEM-768's view refuses the lab ID (INVALID_KE_PAYLOAD)");
    auto answer = kex::respond_any<methods>(wire::to_number(kv->method), rng, kv->data);
    if (!answer) return 1;
    expect(answer->data().size() == lab_kem::ct_size, "responder sends a 1088-octet ciphertext");

    // Initiator: decapsulate through the policy; both sides hold the same secret.
    auto secret = initiator.finish(answer->data());
    if (!secret) return 1;
    expect(ct_equal(secret->view(), answer->shared.view()), "both sides derive the same 32-octet secret");
    expect(lab_kem::decaps_calls == 1, "the custom policy did the decapsulation");

    // Unknown IDs are an error value, not a crash.
    auto unknown = kex::respond_any<methods>(4242, rng, kv->data);
    expect(!unknown && unknown.code() == errc::invalid_ke_method, "unknown method ID -> invalid_ke_method");

    std::printf(mismatches == 0 ? "OK\n" : "FAILED\n");
    return mismatches == 0 ? 0 : 1;
}
