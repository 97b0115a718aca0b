// SPDX-License-Identifier: MIT
// pqike derive [child|rekey] [REQUEST]: the key schedule from a JSON request (derive.hpp).
#include "args.hpp"
#include "commands.hpp"
#include "derive.hpp"
#include "io.hpp"

namespace pqike_cli {
namespace {

// The JSON of each mode; the options themselves are listed by CLI11.
constexpr const char* footer = R"(Hex strings may contain whitespace and ':'. "prf" is one of hmac-sha1, hmac-sha256,
hmac-sha384, hmac-sha512. A field the mode does not define is an error (unknown_field).

pqike derive [REQUEST]        IKE SA stages, one per key exchange:
  in:  {"prf", "ni", "nr", "spi_i", "spi_r", "key_exchanges": [SK(0), SK(1), ...],
        "sk_e_len", "sk_a_len"}
  out: {"stages": [{"skeyseed", "sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"}, ...]}
       stage 0: SKEYSEED = prf(Ni | Nr, SK(0)); stage n: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr);
       the seven keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), SK_d/SK_pi/SK_pr of the PRF's key size.
pqike derive child [REQUEST]  Child SA KEYMAT:
  in:  {"prf", "sk_d", "ni", "nr", "key_exchanges": [...] (optional, may be empty), "keymat_len"}
  out: {"keymat"}  = prf+(SK_d, [SK(0) |] Ni | Nr [| SK(1) | ...])
pqike derive rekey [REQUEST]  SKEYSEED of a rekeyed IKE SA:
  in:  {"prf", "sk_d_old", "ni", "nr", "key_exchanges": [SK(0), ...] (at least one)
        [, "spi_i", "spi_r", "sk_e_len", "sk_a_len"]}  (the new SA's SPIs: all four or none)
  out: {"skeyseed"} = prf(SK_d(old), SK(0) | Ni | Nr | SK(1) | ...)
       with the four: {"skeyseed", "sk_d", "sk_ai", ..., "sk_pr"}, the new SA's keys
       = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) under the same PRF.

Error codes: bad_json, unknown_field, missing_field, wrong_type, invalid_hex, invalid_length,
unknown_name, too_much_output, io, usage.)";

}  // namespace

int cmd_derive(int argc, char** argv) {
    CLI::App app{"Run the IKEv2 key schedule (RFC 7296 §2.13-2.18, RFC 9370 §2.2) on a JSON request.",
                 "pqike derive"};
    pqike_style(app, footer);
    const char* request_help = "the JSON request file; - or none: stdin";
    std::string request = "-";
    app.add_option("REQUEST", request, request_help)->type_name("FILE");
    app.require_subcommand(0, 1);
    std::string child_request = "-", rekey_request = "-";
    CLI::App* child = app.add_subcommand("child", "Child SA KEYMAT (RFC 7296 §2.17, RFC 9370 §2.2.3)");
    pqike_style(*child, "");
    child->add_option("REQUEST", child_request, request_help)->type_name("FILE");
    CLI::App* rekey = app.add_subcommand("rekey", "SKEYSEED of a rekeyed IKE SA (RFC 7296 §2.18, RFC 9370 §2.2.4)");
    pqike_style(*rekey, "");
    rekey->add_option("REQUEST", rekey_request, request_help)->type_name("FILE");
    if (auto rc = parse_command_line(app, argc, argv)) return *rc;

    failure f;
    const std::string& path = child->parsed() ? child_request : rekey->parsed() ? rekey_request : request;
    if ((child->parsed() || rekey->parsed()) && app.get_option("REQUEST")->count() != 0)
        return fail(failure{"usage", "give the request file after the mode (pqike derive child FILE)", 0});
    const auto text = read_file(path, f);
    if (!text) return fail(f);
    std::optional<json> out;
    if (child->parsed()) {
        auto r = parse_child(*text, f);
        if (r) out = run_child(*r, f);
    } else if (rekey->parsed()) {
        auto r = parse_rekey(*text, f);
        if (r) out = run_rekey(*r, f);
    } else {
        auto r = parse_derive(*text, f);
        if (r) out = run_derive(*r, f);
    }
    if (!out) return fail(f);
    print(*out);
    return 0;
}

}  // namespace pqike_cli
