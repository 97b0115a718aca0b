// SPDX-License-Identifier: MIT
// Shared pieces of the pqike command-line tool: the JSON type, the error object every subcommand
// prints, and typed field readers that turn a request's JSON (or a hex argument) into bytes and
// numbers. Nothing here throws on bad input: a failure is a value with a code, a detail and an
// offset, printed on stderr as {"error": "<code>", "detail": "...", "offset": N}, with exit status
// 2 for a usage error and 1 for any other failure.
#pragma once

#include <pqike/tools/hex.hpp>
#include <pqike/result.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pqike_cli {

using json = nlohmann::ordered_json;  // keeps the documented field order in the output
using byte_vec = std::vector<std::byte>;

// Codes are pqike's errc names (truncated, invalid_hex, escape_bad_tag, ...) plus the tool's own:
//   usage          bad command line (unknown option, missing argument): exit status 2
//   bad_json       the input is not JSON
//   missing_field  a required request field is absent
//   unknown_field  a request field the command does not know (a typo is never ignored)
//   wrong_type     a field has the wrong JSON type (string where a number is needed, ...)
//   unknown_name   an unknown PRF, parameter set, key mode, message type, algorithm, ...
//   io             a file cannot be read
struct failure {
    std::string code;
    std::string detail;
    std::size_t offset = 0;
    std::uint64_t value = 0;  // pqike::error::value: an ID or size that explains it; 0 = none
};

inline failure from_error(const pqike::error& e, std::string_view what = {}) {
    std::string d{what};
    if (e.field != nullptr && *e.field != '\0') d += d.empty() ? e.field : std::string(": ") + e.field;
    return failure{e.name(), d, e.offset, e.value};
}

inline json error_json(const failure& f) {
    json j;
    j["error"] = f.code;
    j["detail"] = f.detail;
    j["offset"] = f.offset;
    if (f.value != 0) j["value"] = f.value;
    return j;
}

// Results: one JSON value per line on stdout. Every string is UTF-8 (the escape decoder refuses a REASON
// text that is not, docs §3); `replace` is only a last guard against a crash.
inline void print(const json& j) {
    const std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fputc('\n', stdout);
}
// Errors: one JSON object per line on stderr.
inline void print_error(const json& j) {
    const std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fputc('\n', stderr);
}
// The error object on stderr; the exit status is 2 for a usage error, 1 otherwise.
inline int fail(const failure& f) {
    print_error(error_json(f));
    return f.code == "usage" ? 2 : 1;
}

inline std::string to_hex(pqike::bytes_view b) { return pqike::hex::encode(b); }

// Hex text (whitespace and ':' allowed between octets) to bytes; `what` names the field.
inline std::optional<byte_vec> parse_hex(std::string_view text, std::string_view what, failure& f) {
    auto r = pqike::hex::decode(text);
    if (!r) {
        f = failure{r.error().name(), std::string(what) + ": not hex", r.error().offset};
        return std::nullopt;
    }
    return std::move(r).value();
}

// A hex argument of exactly `n` octets.
inline std::optional<byte_vec> parse_hex_exact(std::string_view text, std::size_t n, std::string_view what,
                                               failure& f) {
    auto v = parse_hex(text, what, f);
    if (!v) return v;
    if (v->size() != n) {
        f = failure{"invalid_length",
                    std::string(what) + std::string(" must be ") + std::to_string(n) + std::string(" octets, got ") + std::to_string(v->size()),
                    v->size()};
        return std::nullopt;
    }
    return v;
}

// Parse a whole request document (a JSON object). The JSON library's public parse_error gives
// the byte where parsing stopped; its internal namespace is not used.
inline std::optional<json> parse_json(std::string_view text, failure& f) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // e.byte counts from 1 and points one past the last character read.
        f = failure{"bad_json", "input is not valid JSON", e.byte == 0 ? 0 : e.byte - 1};
        return std::nullopt;
    } catch (const json::exception&) {  // e.g. out_of_range: a number beyond any numeric type
        f = failure{"bad_json", "input is not valid JSON (a value out of range)", 0};
        return std::nullopt;
    }
    if (!j.is_object()) {
        f = failure{"wrong_type", "the request must be a JSON object", 0};
        return std::nullopt;
    }
    return j;
}

// Every member of `obj` must be one of `known`: a misspelt optional field ("keymat_lenght")
// is an error naming it, never silently ignored.
inline bool only_known_fields(const json& obj, std::initializer_list<std::string_view> known, failure& f) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        bool ok = false;
        for (std::string_view k : known) ok = ok || it.key() == k;
        if (!ok) {
            std::string allowed;
            for (std::string_view k : known) {
                if (!allowed.empty()) allowed += ", ";
                allowed += k;
            }
            f = failure{"unknown_field", "unknown field \"" + it.key() + "\" (known: " + allowed + ")", 0};
            return false;
        }
    }
    return true;
}

// ---- typed request fields ----------------------------------------------------------------------

inline const json* field(const json& obj, const char* name, bool required, failure& f) {
    auto it = obj.find(name);
    if (it == obj.end()) {
        if (required) f = failure{"missing_field", std::string("missing field \"") + name + "\"", 0};
        return nullptr;
    }
    return &*it;
}

inline std::optional<std::string> string_field(const json& obj, const char* name, failure& f) {
    const json* v = field(obj, name, true, f);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
        f = failure{"wrong_type", std::string("\"") + name + "\" must be a string", 0};
        return std::nullopt;
    }
    return v->get<std::string>();
}

// Hex string field; `min`..`max` octets.
inline std::optional<byte_vec> hex_field(const json& obj, const char* name, failure& f,
                                         std::size_t min = 0, std::size_t max = SIZE_MAX) {
    auto s = string_field(obj, name, f);
    if (!s) return std::nullopt;
    auto v = parse_hex(*s, name, f);
    if (!v) return std::nullopt;
    if (v->size() < min || v->size() > max) {
        f = failure{"invalid_length", std::string("\"") + name + std::string("\" has ") + std::to_string(v->size()) +
                                          std::string(" octets, allowed ") + std::to_string(min) + ".." +
                                          (max == SIZE_MAX ? std::string("any") : std::to_string(max)),
                    v->size()};
        return std::nullopt;
    }
    return v;
}

// Unsigned integer field in [min, max].
inline std::optional<std::uint64_t> uint_field(const json& obj, const char* name, failure& f,
                                               std::uint64_t min = 0, std::uint64_t max = UINT64_MAX) {
    const json* v = field(obj, name, true, f);
    if (v == nullptr) return std::nullopt;
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
        f = failure{"wrong_type", std::string("\"") + name + "\" must be a non-negative integer", 0};
        return std::nullopt;
    }
    const std::uint64_t x = v->get<std::uint64_t>();
    if (x < min || x > max) {
        f = failure{"invalid_length", std::string("\"") + name + std::string("\" out of range ") + std::to_string(min) + ".." +
                                          std::to_string(max),
                    0};
        return std::nullopt;
    }
    return x;
}

// Array of hex strings, each at most `max_each` octets, at most `max_count` of them.
inline std::optional<std::vector<byte_vec>> hex_array_field(const json& obj, const char* name, failure& f,
                                                            std::size_t min_count, std::size_t max_count,
                                                            std::size_t max_each) {
    const json* v = field(obj, name, true, f);
    if (v == nullptr) return std::nullopt;
    if (!v->is_array()) {
        f = failure{"wrong_type", std::string("\"") + name + "\" must be an array of hex strings", 0};
        return std::nullopt;
    }
    if (v->size() < min_count || v->size() > max_count) {
        f = failure{"invalid_length", std::string("\"") + name + std::string("\" needs ") + std::to_string(min_count) + ".." +
                                          std::to_string(max_count) + " entries",
                    v->size()};
        return std::nullopt;
    }
    std::vector<byte_vec> out;
    for (std::size_t i = 0; i < v->size(); ++i) {
        const json& e = (*v)[i];
        const std::string what = std::string(name) + std::string("[") + std::to_string(i) + "]";
        if (!e.is_string()) {
            f = failure{"wrong_type", what + " must be a hex string", i};
            return std::nullopt;
        }
        auto b = parse_hex(e.get<std::string>(), what, f);
        if (!b) return std::nullopt;
        if (b->size() > max_each) {
            f = failure{"invalid_length", what + std::string(" is longer than ") + std::to_string(max_each) + " octets", b->size()};
            return std::nullopt;
        }
        out.push_back(std::move(*b));
    }
    return out;
}

inline pqike::bytes_view view(const byte_vec& v) { return {v.data(), v.size()}; }

}  // namespace pqike_cli
