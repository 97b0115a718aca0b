// SPDX-License-Identifier: MIT
// Command-line options of one subcommand: `--name value` pairs and bare words, checked against the
// options the subcommand knows, so a typo is an error instead of being ignored.
#pragma once

#include "common.hpp"

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace pqike_cli {

struct args {
    std::vector<std::string> words;              // positional words (e.g. "keygen", "child")
    std::map<std::string, std::string> options;  // --name value
    bool help = false;

    bool has(const std::string& name) const { return options.count(name) != 0; }
    const std::string* get(const std::string& name) const {
        auto it = options.find(name);
        return it == options.end() ? nullptr : &it->second;
    }
};

// argv[first..argc) -> args. `known` lists the options that take a value (without "--").
inline std::optional<args> parse_args(int argc, char** argv, int first, std::initializer_list<const char*> known,
                                      failure& f) {
    args a;
    for (int i = first; i < argc; ++i) {
        const std::string s = argv[i];
        if (s == "--help" || s == "-h") {
            a.help = true;
            continue;
        }
        if (s.rfind("--", 0) == 0) {
            const std::string name = s.substr(2);
            bool ok = false;
            for (const char* k : known) ok = ok || name == k;
            if (!ok) {
                f = failure{"usage", "unknown option " + s, static_cast<std::size_t>(i)};
                return std::nullopt;
            }
            if (i + 1 >= argc) {
                f = failure{"usage", "option " + s + " needs a value", static_cast<std::size_t>(i)};
                return std::nullopt;
            }
            if (a.options.count(name) != 0) {
                f = failure{"usage", "option " + s + " given twice", static_cast<std::size_t>(i)};
                return std::nullopt;
            }
            a.options[name] = argv[++i];
            continue;
        }
        a.words.push_back(s);
    }
    return a;
}

// A required option's value.
inline const std::string* need(const args& a, const char* name, failure& f) {
    const std::string* v = a.get(name);
    if (v == nullptr) f = failure{"usage", std::string("missing --") + name, 0};
    return v;
}

}  // namespace pqike_cli
