// SPDX-License-Identifier: MIT
// pqike: the command-line tool of the pqike library. JSON out; errors as
// {"error": "<code>", "detail": "...", "offset": N} on stdout with exit status 1.
#include "commands.hpp"
#include "common.hpp"

#include <pqike/version.hpp>

#include <cstring>
#include <exception>

namespace {

constexpr const char* help = R"(usage: pqike <command> [options]   (pqike <command> --help for details)

  decode (--hex HEX | --file F | --pcap F) [--keys TABLE]
                            decode IKEv2 messages to JSON; open SK/SKF with Wireshark's key table
  derive [child|rekey]      IKEv2 key schedule from a JSON request on stdin
  mlkem keygen|encaps|decaps|check-ek --set 512|768|1024 ...
                            FIPS 203 ML-KEM with explicit randomness
  escape build|verify       build or verify a PQC escape message (JSON on stdin)
  version                   print the library version

Output is JSON, one value per line. Errors: {"error": "<code>", "detail": "...", "offset": N}
on stdout, exit status 1.
)";

int dispatch(int argc, char** argv) {
    using namespace pqike_cli;
    if (argc < 2) {
        std::fputs(help, stdout);
        return fail(failure{"usage", "missing command", 0});
    }
    const char* cmd = argv[1];
    if (std::strcmp(cmd, "--help") == 0 || std::strcmp(cmd, "-h") == 0 || std::strcmp(cmd, "help") == 0) {
        std::fputs(help, stdout);
        return 0;
    }
    if (std::strcmp(cmd, "version") == 0 || std::strcmp(cmd, "--version") == 0) {
        print(json{{"version", pqike::version_string}});
        return 0;
    }
    if (std::strcmp(cmd, "decode") == 0) return cmd_decode(argc - 1, argv + 1);
    if (std::strcmp(cmd, "derive") == 0) return cmd_derive(argc - 1, argv + 1);
    if (std::strcmp(cmd, "mlkem") == 0) return cmd_mlkem(argc - 1, argv + 1);
    if (std::strcmp(cmd, "escape") == 0) return cmd_escape(argc - 1, argv + 1);
    return fail(failure{"usage", std::string("unknown command ") + cmd, 0});
}

}  // namespace

int main(int argc, char** argv) {
    // The front ends check every field before use, so nothing should throw; if a JSON library
    // exception escapes anyway it still becomes the documented error object.
    try {
        return dispatch(argc, argv);
    } catch (const std::exception& e) {
        return pqike_cli::fail(pqike_cli::failure{"internal", e.what(), 0});
    }
}
