// SPDX-License-Identifier: MIT
// File and stdin reading for the command-line tool (the only I/O besides printing).
#pragma once

#include "common.hpp"

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace pqike_cli {

inline std::optional<std::string> read_file(const std::string& path, failure& f) {
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

inline std::string read_stdin() {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

inline pqike::bytes_view bytes_of(const std::string& s) { return pqike::as_bytes_view(s.data(), s.size()); }

}  // namespace pqike_cli
