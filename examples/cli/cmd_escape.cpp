// SPDX-License-Identifier: MIT
// pqike escape build|verify: the escape message from JSON on stdin (escape.hpp).
#include "args.hpp"
#include "commands.hpp"
#include "escape.hpp"
#include "io.hpp"

namespace pqike_cli {
namespace {

constexpr const char* help = R"(usage: pqike escape build|verify < request.json

Build or verify a PQC escape message (docs/escape-message.md; the JSON is specified in its
section "JSON for the command-line tool"). Hex strings may contain whitespace and ':'.

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
  a message that fails any check is an error object (escape_bad_tag, escape_wrong_key_id, ...).

Errors: {"error": "<code>", "detail": "...", "offset": N}, exit status 1.
)";

}  // namespace

int cmd_escape(int argc, char** argv) {
    failure f;
    auto a = parse_args(argc, argv, 1, {}, f);
    if (!a) return fail(f);
    if (a->help) {
        std::fputs(help, stdout);
        return 0;
    }
    if (a->words.size() != 1) return fail(failure{"usage", "pqike escape build|verify (see --help)", 0});
    const std::string text = read_stdin();
    std::optional<json> out;
    if (a->words[0] == "build") {
        auto r = parse_escape_build(text, f);
        if (r) out = run_escape_build(*r, f);
    } else if (a->words[0] == "verify") {
        auto r = parse_escape_verify(text, f);
        if (r) out = run_escape_verify(*r, f);
    } else {
        return fail(failure{"usage", "unknown escape command " + a->words[0] + " (build|verify)", 0});
    }
    if (!out) return fail(f);
    print(*out);
    return 0;
}

}  // namespace pqike_cli
