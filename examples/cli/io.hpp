// SPDX-License-Identifier: MIT
// File and stdin reading for the command-line tool (the only I/O besides printing). A file name of
// "-" is stdin, which can be read once per run.
#pragma once

#include "common.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace pqike_cli {

inline std::string read_stdin() {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

inline std::optional<std::string> read_file(const std::string& path, failure& f) {
    if (path == "-") {
        static bool taken = false;
        if (taken) {
            f = failure{"usage", "stdin (-) given for more than one input", 0};
            return std::nullopt;
        }
        taken = true;
        std::string s = read_stdin();
        if (std::cin.bad()) {
            f = failure{"io", "cannot read stdin", 0};
            return std::nullopt;
        }
        return s;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        f = failure{"io", "cannot open " + path, 0};
        return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        f = failure{"io", "cannot read " + path, 0};
        return std::nullopt;
    }
    return ss.str();
}

inline pqike::bytes_view bytes_of(const std::string& s) { return pqike::as_bytes_view(s.data(), s.size()); }

}  // namespace pqike_cli
