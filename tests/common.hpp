// SPDX-License-Identifier: MIT
// Shared helpers for the doctest suites: hex literals, vector files, byte views.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <pqike/bytes.hpp>
#include <pqike/tools/hex.hpp>

namespace pqike::test {

using byte_vec = std::vector<std::byte>;

inline byte_vec unhex(std::string_view s) {
    auto r = hex::decode(s);
    REQUIRE_MESSAGE(r.has_value(), "bad hex in test data");
    return std::move(r).value();
}
inline std::string tohex(bytes_view b) { return hex::encode(b); }
inline bytes_view view(const byte_vec& v) { return {v.data(), v.size()}; }
inline bytes_view view(std::string_view s) { return as_bytes_view(s.data(), s.size()); }

// Load tests/data/<name> (JSON vector files copied from ../shared/vectors; see tests/data/README.md).
inline nlohmann::json load_json(const std::string& name) {
    std::ifstream f(std::string(PQIKE_TEST_DATA_DIR) + "/" + name);
    REQUIRE_MESSAGE(f.good(), "missing test data file " << name);
    std::stringstream ss;
    ss << f.rdbuf();
    return nlohmann::json::parse(ss.str());
}

// Runs a shell command (an independent model under tests/models/) and returns its exit status
// and standard output.
struct command_output {
    int status = -1;
    std::string out;
};
inline command_output run_command(const std::string& cmd) {
    command_output r;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    r.status = pclose(p);
    return r;
}

}  // namespace pqike::test
