// SPDX-License-Identifier: MIT
// pqike: the command-line tool of the pqike library (docs/cli.md). Results as JSON lines on
// stdout; errors as {"error": "<code>", "detail": "...", "offset": N} on stderr, exit status 1 for
// a failed operation and 2 for a usage error. The command line is parsed with CLI11: this level
// picks the command, each command parses its own options (cmd_*.cpp).
#include "args.hpp"
#include "commands.hpp"
#include "common.hpp"

#include <pqike/version.hpp>

#include <exception>
#include <string>
#include <vector>

namespace {

struct command {
    const char* name;
    const char* summary;
    int (*run)(int, char**);
};

int version_command(int argc, char** argv);

constexpr command commands[] = {
    {"decode", "decode IKEv2 messages (hex, file or pcap) to JSON; open SK/SKF with a key table",
     pqike_cli::cmd_decode},
    {"derive", "the IKEv2 key schedule (IKE SA, child, rekey) from a JSON request", pqike_cli::cmd_derive},
    {"mlkem", "FIPS 203 ML-KEM keygen/encaps/decaps/check-ek with explicit randomness", pqike_cli::cmd_mlkem},
    {"escape", "build or verify a PQC escape message from a JSON request", pqike_cli::cmd_escape},
    {"version", "print the library version as JSON", version_command},
};

void print_version() { pqike_cli::print(pqike_cli::json{{"version", pqike::version_string}}); }

int version_command(int argc, char** argv) {
    CLI::App app{"Print the pqike version: {\"version\": \"X.Y.Z\"}.", "pqike version"};
    pqike_cli::pqike_style(app, "");
    if (auto rc = pqike_cli::parse_command_line(app, argc, argv)) return *rc;
    print_version();
    return 0;
}

int dispatch(int argc, char** argv) {
    using namespace pqike_cli;
    CLI::App app{"pqike: decode IKEv2 traffic, recompute its keys, run ML-KEM, check escape messages.", "pqike"};
    pqike_style(app, "pqike COMMAND --help prints the options and the JSON of each command.");
    bool version = false;
    app.add_flag("--version", version, "print the version as JSON and exit");
    app.require_subcommand(0, 1);
    for (const command& c : commands) {
        // Each command parses its own arguments: here they are only collected.
        CLI::App* sub = app.add_subcommand(c.name, c.summary);
        sub->prefix_command();
        sub->set_help_flag();
        sub->allow_extras();
    }
    if (auto rc = parse_command_line(app, argc, argv)) return *rc;
    if (version) {
        print_version();
        return 0;
    }
    const auto chosen = app.get_subcommands();
    if (chosen.empty()) return fail(failure{"usage", "missing command (pqike --help lists them)", 0});
    for (const command& c : commands) {
        if (chosen.front()->get_name() != c.name) continue;
        std::vector<std::string> rest = chosen.front()->remaining();
        rest.insert(rest.begin(), c.name);
        std::vector<char*> sub_argv;
        for (std::string& s : rest) sub_argv.push_back(s.data());
        sub_argv.push_back(nullptr);
        return c.run(static_cast<int>(rest.size()), sub_argv.data());
    }
    return fail(failure{"usage", "unknown command " + chosen.front()->get_name(), 0});
}

}  // namespace

int main(int argc, char** argv) {
    // The front ends check every field before use, so nothing should throw; if an exception
    // escapes anyway it still becomes the documented error object.
    try {
        return dispatch(argc, argv);
    } catch (const std::exception& e) {
        return pqike_cli::fail(pqike_cli::failure{"internal", e.what(), 0});
    }
}
