// SPDX-License-Identifier: MIT
// Inputs of the interop replay: the three captures, exchanges.json + exchanges_s6.json (shared
// secrets, PSK, PPK, the extraction's facts and checks) and the values strongSwan logged
// (strongswan_logged.json), all under tests/data/ (see tests/data/README.md).
#pragma once

#include "common.hpp"

#include <fstream>
#include <iterator>
#include <map>
#include <string>

namespace pqike::interop {

inline test::byte_vec read_data_file(const std::string& name) {
    std::ifstream f(std::string(PQIKE_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    REQUIRE_MESSAGE(f.good(), "missing test data file " << name);
    std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    test::byte_vec b(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) b[i] = static_cast<std::byte>(c[i]);
    return b;
}

// s1/s3 from interop/exchanges.json, s6 (RFC 8784 PPK) from interop/exchanges_s6.json: the same
// extraction, split so the C ABI vectors (tests/c/make_vectors.py) keep their s1/s3 messages.
inline const nlohmann::json& exchanges() {
    static const nlohmann::json j = [] {
        nlohmann::json all = test::load_json("interop/exchanges.json");
        const nlohmann::json more = test::load_json("interop/exchanges_s6.json");
        for (auto it = more.at("scenarios").begin(); it != more.at("scenarios").end(); ++it)
            all["scenarios"][it.key()] = it.value();
        return all;
    }();
    return j;
}
inline const nlohmann::json& logged() {
    static const nlohmann::json j = test::load_json("interop/strongswan_logged.json");
    return j;
}

inline std::string pcap_name(const std::string& scenario) { return "strongswan_" + scenario + ".pcap"; }

// Shared secret by the initiator's KE data, from the "key exchange secret" values the logs hold
// (collected in exchanges.json for every IKE SA and Child SA key exchange). Nothing else from the
// extraction goes into the replay.
inline std::map<std::string, std::string> secrets_by_ke(const nlohmann::json& sc) {
    std::map<std::string, std::string> m;
    auto add = [&](const nlohmann::json& kes) {
        for (const auto& k : kes)
            m[k.at("initiator_ke_data").get<std::string>()] = k.at("shared_secret").get<std::string>();
    };
    for (const auto& sa : sc.at("ike_sas")) add(sa.at("key_exchanges"));
    for (const auto& c : sc.at("child_sas")) add(c.at("key_exchanges"));
    return m;
}

}  // namespace pqike::interop
