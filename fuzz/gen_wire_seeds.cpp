// SPDX-License-Identifier: MIT
// Writes the seed corpora of the wire fuzz targets (fuzz/corpus/wire_*/) from the sample messages
// of tests/wire/samples.hpp and the IKE datagrams of the strongSwan captures in tests/data/.
// Not part of the build; run from the repository root:
//   g++ -std=c++20 -Iinclude -Itests fuzz/gen_wire_seeds.cpp -o /tmp/gen && /tmp/gen
#include <pqike/tools/pcap.hpp>
#include <pqike/wire/message.hpp>
#include <pqike/wire/ppk.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "wire/samples.hpp"

using namespace pqike;
using namespace pqike::wire;
using bytes = std::vector<std::byte>;

namespace {
void put(const std::string& target, const std::string& name, bytes_view b) {
    const auto dir = std::filesystem::path("fuzz/corpus") / target;
    std::filesystem::create_directories(dir);
    std::ofstream f(dir / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bytes read(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    bytes b(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) b[i] = static_cast<std::byte>(c[i]);
    return b;
}

int sa_n = 0, notify_n = 0;

void seeds_from(const std::string& tag, bytes_view msg) {
    put("wire_message", tag, msg);
    message<32> m;
    if (!m.decode(msg).ok()) return;
    bytes chain;
    chain.push_back(static_cast<std::byte>(to_number(m.view.header.next)));
    chain.insert(chain.end(), msg.begin() + ike_header_size, msg.end());
    put("wire_payload_chain", tag, chain);
    for (const auto& p : m.view.payloads) {
        if (p.type == payload_type::sa) put("wire_sa", "sa_" + std::to_string(sa_n++), p.body);
        if (p.type == payload_type::notify)
            put("wire_notify", "n_" + std::to_string(notify_n++), p.body);
    }
}
}  // namespace

int main() {
    namespace s = pqike::wire::samples;
    seeds_from("sample_ike_sa_init", s::ike_sa_init_request());
    seeds_from("sample_ike_sa_init_r", s::ike_sa_init_response_mlkem512());
    seeds_from("sample_ike_intermediate_sk", s::ike_intermediate_sk(200));
    seeds_from("sample_create_child_sa", s::create_child_sa_request());
    seeds_from("sample_followup_ke", s::ike_followup_ke_request(3));
    seeds_from("sample_informational", s::informational());
    seeds_from("sample_skf", s::skf_fragment(1, 2, payload_type::ke, 64));
    for (const char* cap : {"strongswan_s1_mlkem768_gcm", "strongswan_s3_cbc_hmac_natt"}) {
        const auto file = read(std::string("tests/data/") + cap + ".pcap");
        auto f = pcap::file_reader::open(file);
        if (!f) return 1;
        int i = 0;
        while (!f->done()) {
            auto r = f->next();
            if (!r) return 1;
            auto u = pcap::parse_udp(f->link(), r->frame);
            if (!u) continue;
            bytes_view msg = u->payload;
            if (u->endpoints.dport == 4500 || u->endpoints.sport == 4500) {
                auto e = classify_udp4500(msg);
                if (!e || e->kind != udp_encap_kind::ike) continue;
                msg = e->data;
            }
            // Keep the big ML-KEM messages few: every message of the first capture, only the
            // small ones of the second.
            if (cap[11] == '3' && msg.size() > 600) continue;
            seeds_from(std::string(cap).substr(11, 2) + "_" + std::to_string(i++), msg);
        }
    }
    // Notify edge cases: INVALID_KE_PAYLOAD, a 1-octet ADDITIONAL_KEY_EXCHANGE link, PPK_IDENTITY.
    auto notify_seed = [](const std::string& name, auto&& encode) {
        bytes out(64);
        writer w{out};
        encode(w);
        put("wire_notify", name, w.written());
    };
    notify_seed("invalid_ke", [](writer& w) { invalid_ke_notify{ke_method::ml_kem_768}.encode(w); });
    const std::byte one[1] = {std::byte{0x42}};
    notify_seed("addke_link1", [&](writer& w) { additional_ke_notify{one}.encode(w); });
    const std::byte ppk[5] = {std::byte{2}, std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
    notify_seed("ppk_identity", [&](writer& w) {
        ppk_identity_notify{true, *ppk_id::decode(ppk)}.encode(w);
    });
    const std::byte idk[13] = {std::byte{1}, std::byte{7}, std::byte{7}, std::byte{7}, std::byte{7}, std::byte{1},
                               std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}, std::byte{6}, std::byte{7},
                               std::byte{8}};
    notify_seed("ppk_identity_key", [&](writer& w) { make_notify(notify_type::ppk_identity_key, idk).encode(w); });
    notify_seed("use_ppk_int", [](writer& w) { make_notify(notify_type::use_ppk_int).encode(w); });
    return 0;
}
