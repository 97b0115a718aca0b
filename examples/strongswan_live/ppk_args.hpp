// SPDX-License-Identifier: MIT
// Post-quantum preshared key (RFC 8784) options of the live-interop examples:
//   --ppk-id ID       PPK_ID identity (type PPK_ID_FIXED, as strongSwan sends its `ppk_id`)
//   --ppk HEX         the PPK (hex, an optional 0x prefix, as in swanctl.conf `secret = 0x...`)
//   --ppk-required    ppk_required: no IKE SA without this PPK (otherwise NO_PPK_AUTH fallback)
// The options may appear anywhere; they are removed from argv so the positional arguments keep
// their places. Without --ppk-id/--ppk no PPK is configured and nothing is announced.
#pragma once

#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <pqike/exchange/ppk.hpp>

namespace live {

using namespace pqike;

struct ppk_args {
    std::string id;
    std::vector<std::byte> key;
    bool required = false;
    std::array<exchange::ppk_entry, 1> entries{};

    bool enabled() const { return !id.empty(); }

    // Removes the PPK options from argv. False (with a message) on a malformed option.
    bool parse(int& argc, char** argv) {
        int out = 1;
        bool have_key = false;
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            if (a == "--ppk-required") {
                required = true;
            } else if (a == "--ppk-id" || a == "--ppk") {
                if (i + 1 >= argc) return std::fprintf(stderr, "%s needs a value\n", a.c_str()), false;
                const std::string v = argv[++i];
                if (a == "--ppk-id") {
                    id = v;
                } else {
                    if (!hex(v)) return std::fprintf(stderr, "--ppk: not a hex string\n"), false;
                    have_key = true;
                }
            } else {
                argv[out++] = argv[i];
            }
        }
        argc = out;
        if (id.empty() != !have_key) return std::fprintf(stderr, "--ppk-id and --ppk go together\n"), false;
        if (required && id.empty()) return std::fprintf(stderr, "--ppk-required needs --ppk-id and --ppk\n"), false;
        return true;
    }

    // The PPK policy for initial_config::ppk (RFC 8784 only: charon 5.9.8 has no RFC 9867).
    // Views into this object: it must outlive the helper.
    exchange::ppk_config config() {
        exchange::ppk_config c;
        if (!enabled()) return c;
        entries[0] = exchange::ppk_entry{
            wire::ppk_id{static_cast<std::uint8_t>(wire::ppk_id_type::fixed), as_bytes_view(id.data(), id.size())},
            bytes_view{key}};
        c.keys = entries;
        c.required = required;
        c.rfc8784 = true;
        c.rfc9867 = false;
        return c;
    }

private:
    bool hex(std::string v) {
        if (v.rfind("0x", 0) == 0 || v.rfind("0X", 0) == 0) v.erase(0, 2);
        if (v.empty() || v.size() % 2 != 0) return false;
        auto nib = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        };
        key.clear();
        for (std::size_t i = 0; i < v.size(); i += 2) {
            const int h = nib(v[i]), l = nib(v[i + 1]);
            if (h < 0 || l < 0) return false;
            key.push_back(static_cast<std::byte>(h * 16 + l));
        }
        return true;
    }
};

inline const char* ppk_mechanism_name(exchange::ppk_mechanism m) {
    switch (m) {
        case exchange::ppk_mechanism::rfc8784: return "rfc8784";
        case exchange::ppk_mechanism::rfc9867: return "rfc9867";
        default: return "none";
    }
}

// One line the live script greps: "<who>: PPK negotiated rfc8784, mixed yes, PPK_ID 'id'".
template <class Helper>
void print_ppk(const char* who, const Helper& h) {
    const exchange::ppk_entry* used = h.ppk_used();
    const bool mixed = h.sa().keys && h.sa().keys->ppk_mixed();
    std::string used_id = used ? std::string(reinterpret_cast<const char*>(used->id.identity.data()),
                                             used->id.identity.size())
                               : std::string("-");
    std::printf("%s: PPK negotiated %s, mixed %s, PPK_ID '%s'\n", who, ppk_mechanism_name(h.ppk_negotiated()),
                mixed ? "yes" : "no", used_id.c_str());
}

}  // namespace live
