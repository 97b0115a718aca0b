// SPDX-License-Identifier: MIT
// pqike escape build|verify [REQUEST]: the escape message from a JSON request (escape.hpp).
#include "args.hpp"
#include "commands.hpp"
#include "escape.hpp"
#include "io.hpp"

namespace pqike_cli {
namespace {

constexpr const char* footer = R"(The JSON is specified in docs/escape-message.md §12. Hex strings may contain whitespace
and ':'. A field the command does not define is an error (unknown_field).

Key fields (both):
  "prf"         hmac-sha1|hmac-sha256|hmac-sha384|hmac-sha512 (default hmac-sha256)
  "mode"        escape-psk|connection-psk|session|confirm (§5.1)
  "direction"   p2c (provider to consumer) | c2p
  "base_key"    hex, 1..1024 octets: the escape PSK, the connection PSK, SK_d or SK_d' (confirm)
  "key_id"      hex, 1..32 octets     "sa_binding"  hex, 1..64 octets (IKEv2: SPIi | SPIr)
build: key fields plus
  "type"        escape|ack|nack|confirm          "sequence"  number >= 1
  optional: "flags", "timestamp", "nonce" (hex), "ke_methods" [numbers], "procedure", "deadline",
            "reason", "reason_text" (UTF-8 string, <= 64 octets, only with "reason"), "ppk_id" (hex),
            "status", "selected_method", "echoed_nonce" (hex)
  out: {"message": hex, "length": N}
verify: key fields plus "message" (hex, 1..1024 octets)
  out: {"valid": true, "type", "flags", "sequence", ... every field present ..., "tag"}
  a message that fails any check is an error (escape_bad_tag, escape_wrong_key_id, ...).)";

}  // namespace

int cmd_escape(int argc, char** argv) {
    CLI::App app{"Build or verify a PQC escape message (docs/escape-message.md) from a JSON request.",
                 "pqike escape"};
    pqike_style(app, footer);
    app.require_subcommand(1);
    const char* request_help = "the JSON request file; - or none: stdin";
    std::string build_request = "-", verify_request = "-";
    CLI::App* build = app.add_subcommand("build", "build a message: {key fields, type, sequence, ...} -> {message, length}");
    pqike_style(*build, "");
    build->add_option("REQUEST", build_request, request_help)->type_name("FILE");
    CLI::App* verify = app.add_subcommand("verify", "verify a message: {key fields, message} -> {valid, fields..., tag}");
    pqike_style(*verify, "");
    verify->add_option("REQUEST", verify_request, request_help)->type_name("FILE");
    if (auto rc = parse_command_line(app, argc, argv)) return *rc;

    failure f;
    const auto text = read_file(build->parsed() ? build_request : verify_request, f);
    if (!text) return fail(f);
    std::optional<json> out;
    if (build->parsed()) {
        auto r = parse_escape_build(*text, f);
        if (r) out = run_escape_build(*r, f);
    } else {
        auto r = parse_escape_verify(*text, f);
        if (r) out = run_escape_verify(*r, f);
    }
    if (!out) return fail(f);
    print(*out);
    return 0;
}

}  // namespace pqike_cli
