// SPDX-License-Identifier: MIT
// pqike mlkem keygen|encaps|decaps|check-ek --set S ...: FIPS 203 ML-KEM with explicit randomness, so results
// can be checked against the NIST ACVP vectors (crypto/mlkem.hpp).
#include "args.hpp"
#include "commands.hpp"
#include "requests.hpp"

#include <initializer_list>
#include <map>

#include <pqike/crypto/mlkem.hpp>

namespace pqike_cli {
namespace {

constexpr const char* footer = R"(FIPS 203 ML-KEM with the randomness given on the command line (hex), JSON out:
  keygen    ML-KEM.KeyGen_internal (Alg. 16), seed = d || z (64 octets) -> {"ek", "dk"}
  encaps    ek is checked first (FIPS 203 §7.2), ML-KEM.Encaps_internal (Alg. 17) -> {"ct", "ss"}
  decaps    dk is checked first (§7.3), ML-KEM.Decaps_internal (Alg. 18; a modified ct gives the
            implicit-rejection secret) -> {"ss"}
  check-ek  the §7.2 modulus check -> {"valid": true|false}
Sizes (ek/dk/ct): 512: 800/1632/768, 768: 1184/2400/1088, 1024: 1568/3168/1568 octets.
Error codes: invalid_hex, invalid_length (a wrong size), invalid_key (a key that fails its
check), unknown_name (an unknown set), usage.)";

template <class F>
std::optional<int> with_set(const std::string& s, F&& f) {
    using namespace pqike::crypto;
    if (s == "512" || s == "ML-KEM-512") return f(type_tag<mlkem512>{});
    if (s == "768" || s == "ML-KEM-768") return f(type_tag<mlkem768>{});
    if (s == "1024" || s == "ML-KEM-1024") return f(type_tag<mlkem1024>{});
    return std::nullopt;
}

template <class K>
int run(const std::string& cmd, const args& a) {
    failure f;
    json out;
    constexpr std::size_t sym = 32;
    if (cmd == "keygen") {
        const std::string* seed = need(a, "seed", f);
        if (seed == nullptr) return fail(f);
        auto s = parse_hex_exact(*seed, K::seed_size, "--seed", f);
        if (!s) return fail(f);
        byte_vec ek(K::ek_size), dk(K::dk_size);
        const auto st = K::keygen_derand(std::span<const std::byte, sym>(s->data(), sym),
                                         std::span<const std::byte, sym>(s->data() + sym, sym),
                                         std::span<std::byte, K::ek_size>(ek), std::span<std::byte, K::dk_size>(dk));
        if (!st) return fail(from_error(st.error(), "keygen"));
        out["ek"] = to_hex(ek);
        out["dk"] = to_hex(dk);
    } else if (cmd == "encaps") {
        const std::string* ekh = need(a, "ek", f);
        if (ekh == nullptr) return fail(f);
        const std::string* mh = need(a, "m", f);
        if (mh == nullptr) return fail(f);
        auto ek = parse_hex_exact(*ekh, K::ek_size, "--ek", f);
        if (!ek) return fail(f);
        auto m = parse_hex_exact(*mh, sym, "--m", f);
        if (!m) return fail(f);
        byte_vec ct(K::ct_size), ss(K::ss_size);
        const auto st = K::encaps_derand(typename K::ek_view(ek->data(), K::ek_size),
                                         std::span<const std::byte, sym>(m->data(), sym),
                                         std::span<std::byte, K::ct_size>(ct), std::span<std::byte, K::ss_size>(ss));
        if (!st) return fail(from_error(st.error(), "encaps"));
        out["ct"] = to_hex(ct);
        out["ss"] = to_hex(ss);
    } else if (cmd == "decaps") {
        const std::string* dkh = need(a, "dk", f);
        if (dkh == nullptr) return fail(f);
        const std::string* cth = need(a, "ct", f);
        if (cth == nullptr) return fail(f);
        auto dk = parse_hex_exact(*dkh, K::dk_size, "--dk", f);
        if (!dk) return fail(f);
        auto ct = parse_hex_exact(*cth, K::ct_size, "--ct", f);
        if (!ct) return fail(f);
        byte_vec ss(K::ss_size);
        const auto st = K::decaps(typename K::dk_view(dk->data(), K::dk_size),
                                  typename K::ct_view(ct->data(), K::ct_size), std::span<std::byte, K::ss_size>(ss));
        if (!st) return fail(from_error(st.error(), "decaps"));
        out["ss"] = to_hex(ss);
    } else if (cmd == "check-ek") {
        const std::string* ekh = need(a, "ek", f);
        if (ekh == nullptr) return fail(f);
        auto ek = parse_hex_exact(*ekh, K::ek_size, "--ek", f);
        if (!ek) return fail(f);
        out["valid"] = K::check_ek(typename K::ek_view(ek->data(), K::ek_size));
    } else {
        return fail(failure{"usage", "unknown mlkem command " + cmd + " (keygen|encaps|decaps|check-ek)", 0});
    }
    print(out);
    return 0;
}

}  // namespace

int cmd_mlkem(int argc, char** argv) {
    CLI::App app{"FIPS 203 ML-KEM with explicit randomness, so results can be checked against NIST ACVP.",
                 "pqike mlkem"};
    pqike_style(app, footer);
    app.require_subcommand(1);
    struct sub_spec {
        const char* name;
        const char* description;
        std::initializer_list<option_spec> options;
    };
    const option_spec set{"set", "512|768|1024", "the parameter set (ML-KEM-512, -768, -1024)"};
    const sub_spec subs[] = {
        {"keygen", "key pair from a seed -> {ek, dk}", {set, {"seed", "HEX", "d || z, 64 octets"}}},
        {"encaps", "encapsulate to ek with message m -> {ct, ss}",
         {set, {"ek", "HEX", "the encapsulation key"}, {"m", "HEX", "the message m, 32 octets"}}},
        {"decaps", "decapsulate ct with dk -> {ss}",
         {set, {"dk", "HEX", "the decapsulation key"}, {"ct", "HEX", "the ciphertext"}}},
        {"check-ek", "the modulus check of ek -> {valid}", {set, {"ek", "HEX", "the encapsulation key"}}},
    };
    std::map<std::string, std::map<std::string, std::string>> values;
    for (const sub_spec& sp : subs) {
        CLI::App* sub = app.add_subcommand(sp.name, sp.description);
        pqike_style(*sub, "");
        for (const option_spec& o : sp.options)
            sub->add_option(std::string("--") + o.name, values[sp.name][o.name], o.help)->type_name(o.value_name)->required();
    }
    if (auto rc = parse_command_line(app, argc, argv)) return *rc;
    const CLI::App* chosen = app.get_subcommands().front();
    args a;
    a.options = values[chosen->get_name()];
    const std::string& s = a.options["set"];
    auto rc = with_set(s, [&](auto tag) { return run<typename decltype(tag)::type>(chosen->get_name(), a); });
    if (!rc) return fail(failure{"unknown_name", "unknown parameter set " + s + " (512|768|1024)", 0});
    return *rc;
}

}  // namespace pqike_cli
