// SPDX-License-Identifier: MIT
// Command lines of the pqike tool, parsed with CLI11 (Debian libcli11-dev): `--name value` and
// `--name=value`, `-` as a file name for stdin, `--help` on every command. A command line CLI11
// refuses (unknown option, missing value, an option given twice, ...) is a usage error: the error
// object on stderr, exit status 2. Help goes to stdout with exit status 0.
#pragma once

#include "common.hpp"

#include <CLI/CLI.hpp>

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pqike_cli {

// The footer of every command's --help: the conventions docs/cli.md states.
inline constexpr const char* conventions_footer =
    "Results: JSON on stdout, one value per line. Errors: {\"error\": \"<code>\", \"detail\": \"...\",\n"
    "\"offset\": N} on stderr; exit status 1 for a failed operation, 2 for a usage error.\n"
    "Options take --name value or --name=value; a file name of - reads stdin.";

// One pqike (sub)command line: the pqike conventions on a CLI11 app.
inline void pqike_style(CLI::App& app, const std::string& footer) {
    app.set_help_flag("-h,--help", "print this help and exit");
    app.footer(footer.empty() ? std::string(conventions_footer) : footer + "\n\n" + conventions_footer);
    app.get_formatter()->column_width(26);
}

// Parses argv[0..argc) (argv[0] = the command's name) into `app`. Returns the exit status when
// the command must stop here: 0 after printing --help, 2 after a usage error (printed).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        const std::string h = app.help();  // the help of the subcommand named, if any
        std::fwrite(h.data(), 1, h.size(), stdout);
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        const std::string h = app.help("", CLI::AppFormatMode::All);
        std::fwrite(h.data(), 1, h.size(), stdout);
        return 0;
    } catch (const CLI::ParseError& e) {
        return fail(failure{"usage", e.what(), 0});
    }
    return std::nullopt;
}

// Options as name -> value, for commands whose checks read them by name (decode).
struct args {
    std::vector<std::string> words;              // positional words
    std::map<std::string, std::string> options;  // --name value, only the options given

    bool has(const std::string& name) const { return options.count(name) != 0; }
    const std::string* get(const std::string& name) const {
        auto it = options.find(name);
        return it == options.end() ? nullptr : &it->second;
    }
};

struct option_spec {
    const char* name;        // without "--"
    const char* value_name;  // e.g. "HEX", "FILE"
    const char* help;
};

// A command with only `--name VALUE` options (each at most once) and no positional words.
// Returns the options given, or the exit status (help printed, or a usage error).
inline std::variant<args, int> parse_options(int argc, char** argv, const char* name, const char* description,
                                             std::initializer_list<option_spec> options, const char* footer) {
    CLI::App app{description, std::string("pqike ") + name};
    pqike_style(app, footer);
    std::map<std::string, std::string> values;
    for (const option_spec& o : options)
        app.add_option(std::string("--") + o.name, values[o.name], o.help)->type_name(o.value_name);
    if (auto rc = parse_command_line(app, argc, argv)) return *rc;
    args a;
    for (const option_spec& o : options)
        if (app.get_option(std::string("--") + o.name)->count() != 0) a.options[o.name] = values[o.name];
    return a;
}

// A required option's value.
inline const std::string* need(const args& a, const char* name, failure& f) {
    const std::string* v = a.get(name);
    if (v == nullptr) f = failure{"usage", std::string("missing --") + name, 0};
    return v;
}

}  // namespace pqike_cli
