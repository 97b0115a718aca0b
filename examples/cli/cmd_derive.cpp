// SPDX-License-Identifier: MIT
// pqike derive [child|rekey]: the key schedule from a JSON request on stdin (derive.hpp).
#include "args.hpp"
#include "commands.hpp"
#include "derive.hpp"
#include "io.hpp"

namespace pqike_cli {
namespace {

constexpr const char* help = R"(usage: pqike derive [child|rekey] < request.json

Run the IKEv2 key schedule (RFC 7296 §2.13-2.18, RFC 9370 §2.2) on a JSON request read from
stdin. Hex strings may contain whitespace and ':'. "prf" is one of hmac-sha1, hmac-sha256,
hmac-sha384, hmac-sha512.

pqike derive        IKE SA stages, one per key exchange:
  in:  {"prf", "ni", "nr", "spi_i", "spi_r", "key_exchanges": [SK(0), SK(1), ...],
        "sk_e_len", "sk_a_len"}
  out: {"stages": [{"skeyseed", "sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"}, ...]}
       stage 0: SKEYSEED = prf(Ni | Nr, SK(0)); stage n: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr);
       the seven keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), SK_d/SK_pi/SK_pr of the PRF's key size.
pqike derive child  Child SA KEYMAT:
  in:  {"prf", "sk_d", "ni", "nr", "key_exchanges": [...] (optional, may be empty), "keymat_len"}
  out: {"keymat"}  = prf+(SK_d, [SK(0) |] Ni | Nr [| SK(1) | ...])
pqike derive rekey  SKEYSEED of a rekeyed IKE SA:
  in:  {"prf", "sk_d_old", "ni", "nr", "key_exchanges": [SK(0), ...] (at least one)}
  out: {"skeyseed"} = prf(SK_d(old), SK(0) | Ni | Nr | SK(1) | ...)

Errors: {"error": "<code>", "detail": "...", "offset": N}, exit status 1 (bad_json, missing_field,
wrong_type, invalid_hex, invalid_length, unknown_name, ...).
)";

}  // namespace

int cmd_derive(int argc, char** argv) {
    failure f;
    auto a = parse_args(argc, argv, 1, {}, f);
    if (!a) return fail(f);
    if (a->help) {
        std::fputs(help, stdout);
        return 0;
    }
    if (a->words.size() > 1) return fail(failure{"usage", "unexpected argument " + a->words[1], 0});
    const std::string what = a->words.empty() ? "" : a->words[0];
    const std::string text = read_stdin();
    std::optional<json> out;
    if (what.empty()) {
        auto r = parse_derive(text, f);
        if (r) out = run_derive(*r, f);
    } else if (what == "child") {
        auto r = parse_child(text, f);
        if (r) out = run_child(*r, f);
    } else if (what == "rekey") {
        auto r = parse_rekey(text, f);
        if (r) out = run_rekey(*r, f);
    } else {
        return fail(failure{"usage", "unknown derive mode " + what + " (child|rekey)", 0});
    }
    if (!out) return fail(f);
    print(*out);
    return 0;
}

}  // namespace pqike_cli
