// SPDX-License-Identifier: MIT
// An independent dissector agrees with us: sample messages (IKE_SA_INIT with ADDKE proposals and
// ML-KEM KE sizes, IKE_INTERMEDIATE with an SK payload, CREATE_CHILD_SA, IKE_FOLLOWUP_KE with a
// link notify, INFORMATIONAL, SKF fragments) go into a pcap; Wireshark's tshark dissects it
// (`tshark -r file -T json --no-duplicate-keys`) and every field it reports must equal ours,
// with no malformed packet. A deliberately broken control frame proves the malformed check bites.
#include "common.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqike/tools/pcap.hpp>
#include <pqike/wire/message.hpp>
#include <sstream>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include <pqike/wire/exchange_type.hpp>
#include <pqike/wire/ke_method.hpp>
#include <pqike/wire/notify_type.hpp>
#include <pqike/wire/transform.hpp>

#include "wire/samples.hpp"

using namespace pqike;
using namespace pqike::wire;
using nlohmann::json;
namespace s = pqike::wire::samples;

namespace {

std::vector<json> items(const json& j) {
    if (j.is_array()) return {j.begin(), j.end()};
    return {j};
}
long num(const json& j) {
    REQUIRE(j.is_string());
    return std::stol(j.get<std::string>(), nullptr, 0);
}
std::size_t hex_len(const json& j) {  // "aa:bb:cc" -> 3
    const auto str = j.get<std::string>();
    return str.empty() ? 0 : (str.size() + 1) / 3;
}

// Any malformed-packet marker or error-severity expert item anywhere below j.
bool has_malformed(const json& j) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it.key().rfind("_ws.malformed", 0) == 0) return true;
            if (it.key() == "_ws.expert.severity" && it->is_string() &&
                std::stol(it->get<std::string>()) >= 0x00800000)  // PI_ERROR
                return true;
            if (has_malformed(*it)) return true;
        }
    } else if (j.is_array()) {
        for (const auto& e : j)
            if (has_malformed(e)) return true;
    }
    return false;
}

void compare_transform(const json& t, const transform_view& ours) {
    CHECK(num(t["isakmp.tf.type"]) == to_number(ours.type));
    CHECK(num(t["isakmp.payloadlength"]) == static_cast<long>(ours.length()));
    const char* keys[] = {"isakmp.tf.id.encr", "isakmp.tf.id.prf", "isakmp.tf.id.integ",
                          "isakmp.tf.id.dh", "isakmp.tf.id.esn", "isakmp.tf.id"};
    int found = 0;
    for (const char* k : keys)
        if (t.contains(k)) {
            CHECK(num(t[k]) == ours.id);
            ++found;
        }
    CHECK(found == 1);
    if (ours.key_length() != 0) {
        REQUIRE(t.contains("isakmp.ike2.attr"));
        CHECK(num(items(t["isakmp.ike2.attr"])[0]["isakmp.ike2.attr.key_length"]) == ours.key_length());
    }
}

void compare_sa(const json& tree, const raw_payload& p) {
    auto sa = sa_view::decode(p);
    REQUIRE(sa);
    const auto props = items(tree["isakmp.typepayload_tree"]);
    auto pc = sa->proposal_list();
    std::size_t i = 0;
    while (!pc.done()) {
        auto prop = pc.next();
        REQUIRE(prop);
        REQUIRE(i < props.size());
        const json& jp = props[i++];
        CHECK(num(jp["isakmp.prop.number"]) == prop->number);
        CHECK(num(jp["isakmp.prop.protoid"]) == to_number(prop->protocol));
        CHECK(num(jp["isakmp.spisize"]) == static_cast<long>(prop->spi.size()));
        CHECK(num(jp["isakmp.prop.transforms"]) == prop->num_transforms);
        CHECK(num(jp["isakmp.payloadlength"]) ==
              static_cast<long>(proposal_header_size + prop->spi.size() + prop->transforms.size()));
        const auto trs = items(jp["isakmp.typepayload_tree"]);
        auto tc = prop->transform_list();
        std::size_t k = 0;
        while (!tc.done()) {
            auto t = tc.next();
            REQUIRE(t);
            REQUIRE(k < trs.size());
            compare_transform(trs[k++], *t);
        }
        CHECK(k == trs.size());
    }
    CHECK(i == props.size());
}

void compare_payload(const json& tree, const raw_payload& p) {
    CHECK(num(tree["isakmp.payloadlength"]) == static_cast<long>(p.length()));
    CHECK(num(tree["isakmp.nextpayload"]) == to_number(p.next));
    CHECK(num(tree["isakmp.criticalpayload"]) == (p.critical ? 1 : 0));
    switch (p.type) {
        case payload_type::sa: compare_sa(tree, p); break;
        case payload_type::ke: {
            auto ke = ke_view::decode(p);
            CHECK(num(tree["isakmp.key_exchange.dh_group"]) == to_number(ke->method));
            CHECK(hex_len(tree["isakmp.key_exchange.data"]) == ke->data.size());
            break;
        }
        case payload_type::nonce:
            CHECK(hex_len(tree["isakmp.nonce"]) == p.body.size());
            break;
        case payload_type::notify: {
            auto n = notify_view::decode(p);
            CHECK(num(tree["isakmp.notify.msgtype"]) == to_number(n->kind));
            CHECK(num(tree["isakmp.notify.protoid"]) == to_number(n->protocol));
            CHECK(num(tree["isakmp.spisize"]) == static_cast<long>(n->spi.size()));
            if (n->kind == notify_type::invalid_ke_payload)
                CHECK(num(tree["isakmp.notify.data.accepted_dh_group"]) ==
                      to_number(invalid_ke_notify::decode(*n)->accepted));
            else
                CHECK(hex_len(tree["isakmp.notify.data"]) == n->data.size());
            break;
        }
        case payload_type::del: {
            auto d = delete_view::decode(p);
            CHECK(num(tree["isakmp.delete.protoid"]) == to_number(d->protocol));
            CHECK(num(tree["isakmp.spinum"]) == d->count);
            CHECK(items(tree["isakmp.delete.spi"]).size() == d->count);
            break;
        }
        case payload_type::tsi:
        case payload_type::tsr: {
            auto ts = ts_view::decode(p);
            CHECK(num(tree["isakmp.ts.number"]) == ts->count);
            const auto sels = items(tree["isakmp.ts.data"]);
            auto c = ts->cursor();
            for (const auto& js : sels) {
                auto sel = c.next();
                REQUIRE(sel);
                CHECK(num(js["isakmp.ts.type"]) == static_cast<long>(sel->kind));
                CHECK(num(js["isakmp.ts.protoid"]) == sel->ip_protocol);
                CHECK(num(js["isakmp.ts.selector_length"]) == static_cast<long>(sel->length()));
                CHECK(num(js["isakmp.ts.start_port"]) == sel->start_port);
                CHECK(num(js["isakmp.ts.end_port"]) == sel->end_port);
            }
            CHECK(c.done());
            break;
        }
        case payload_type::skf:
            CHECK(num(tree["isakmp.frag.number"]) == load_be16(p.body.data()));
            CHECK(num(tree["isakmp.frag.total"]) == load_be16(p.body.data() + 2));
            break;
        default: break;
    }
}

}  // namespace

TEST_CASE("tshark dissects our messages exactly as we do") {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
        WARN_MESSAGE(false, "tshark not installed (apt-get install tshark): cross-check skipped");
        return;
    }
    const std::vector<std::vector<std::byte>> msgs = {
        s::ike_sa_init_request(),
        s::ike_sa_init_response_mlkem512(),
        s::ike_intermediate_sk(),
        s::ike_intermediate_plain_ke(ke_method::ml_kem_1024, 1568),
        s::create_child_sa_request(),
        s::ike_followup_ke_request(1),
        s::ike_followup_ke_request(33),
        s::informational(),
        s::skf_fragment(1, 2, payload_type::ke),
        s::skf_fragment(2, 2, payload_type::ke),
    };
    // Control: the first payload's Length points far beyond the message.
    auto control = s::informational();
    control[ike_header_size + payload_offset::length] = std::byte{0};
    control[ike_header_size + payload_offset::length + 1] = std::byte{0x60};
    {
        message<4> m;
        REQUIRE(!m.decode(control).ok());
    }

    std::vector<std::byte> file(64 * 1024);
    writer w{file};
    pcap::write_file_header(w, pcap::linktype::ethernet);
    std::uint32_t t = 0;
    for (const auto& m : msgs) REQUIRE(pcap::write_udp_record(w, pcap::linktype::ethernet, t++, 0, {}, m).ok());
    REQUIRE(pcap::write_udp_record(w, pcap::linktype::ethernet, t++, 0, {}, control).ok());
    REQUIRE(w.finish().ok());

    const auto dir = std::filesystem::temp_directory_path();
    const std::string tag = "pqike_wire_tshark_" + std::to_string(::getpid());
    const auto pcap_path = dir / (tag + ".pcap");
    const auto json_path = dir / (tag + ".json");
    {
        std::ofstream out(pcap_path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(w.written().data()),
                  static_cast<std::streamsize>(w.written().size()));
    }
    const std::string cmd = "tshark -n -r '" + pcap_path.string() +
                            "' -T json --no-duplicate-keys > '" + json_path.string() + "' 2>/dev/null";
    const int rc = std::system(cmd.c_str());
    std::ifstream in(json_path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::filesystem::remove(pcap_path);
    std::filesystem::remove(json_path);
    REQUIRE(rc == 0);
    const json frames = json::parse(ss.str());
    REQUIRE(frames.size() == msgs.size() + 1);

    for (std::size_t i = 0; i < msgs.size(); ++i) {
        CAPTURE(i);
        const json& layers = frames[i]["_source"]["layers"];
        CHECK(!has_malformed(layers));
        REQUIRE(layers.contains("isakmp"));
        const json& ik = layers["isakmp"];
        message<16> m;
        REQUIRE(m.decode(msgs[i]).ok());
        const auto& h = m.view.header;
        CHECK(num(ik["isakmp.exchangetype"]) == to_number(h.exchange));
        CHECK(num(ik["isakmp.length"]) == static_cast<long>(h.length));
        CHECK(num(ik["isakmp.nextpayload"]) == to_number(h.next));
        CHECK(num(ik["isakmp.messageid"]) == static_cast<long>(h.message_id));
        CHECK(num(ik["isakmp.flags"]) == h.flags);
        CHECK(num(ik["isakmp.version_tree"]["isakmp.mjver"]) == 2);
        const auto types = items(ik["isakmp.typepayload"]);
        const auto trees = items(ik["isakmp.typepayload_tree"]);
        REQUIRE(types.size() == m.view.payloads.size());
        REQUIRE(trees.size() == m.view.payloads.size());
        for (std::size_t k = 0; k < types.size(); ++k) {
            CAPTURE(k);
            CHECK(num(types[k]) == to_number(m.view.payloads[k].type));
            compare_payload(trees[k], m.view.payloads[k]);
        }
    }
    CHECK(has_malformed(frames[msgs.size()]["_source"]["layers"]));
}

namespace {
bool have_tshark() { return std::system("command -v tshark >/dev/null 2>&1") == 0; }

// Lines of `tshark -G values` (V/R records of the isakmp fields), read through a temp file.
std::vector<std::vector<std::string>> tshark_values() {
    const auto path = std::filesystem::temp_directory_path() /
                      ("pqike_wire_values_" + std::to_string(::getpid()) + ".txt");
    const std::string cmd = "tshark -G values 2>/dev/null | grep -P '^[VR]\\tisakmp\\.' > '" +
                            path.string() + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::ifstream in(path);
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cols;
        std::size_t at = 0;
        for (std::size_t tab; (tab = line.find('\t', at)) != std::string::npos; at = tab + 1)
            cols.push_back(line.substr(at, tab - at));
        cols.push_back(line.substr(at));
        rows.push_back(cols);
    }
    std::filesystem::remove(path);
    return rows;
}
std::string norm(std::string s) {
    for (auto& c : s) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

TEST_CASE("registries agree with Wireshark's value strings (an independent IANA transcription)") {
    if (!have_tshark()) {
        WARN_MESSAGE(false, "tshark not installed: registry cross-check skipped");
        return;
    }
    const auto rows = tshark_values();
    std::map<long, std::string> exch, encr, prf, integ, dh, notify_v2;
    int notify_blocks = 0;
    for (const auto& r : rows) {
        if (r.size() >= 4 && r[0] == "V") {
            const long v = std::stol(r[2], nullptr, 0);
            if (r[1] == "isakmp.exchangetype") exch[v] = r[3];
            if (r[1] == "isakmp.tf.id.encr") encr[v] = r[3];
            if (r[1] == "isakmp.tf.id.prf") prf[v] = r[3];
            if (r[1] == "isakmp.tf.id.integ") integ[v] = r[3];
            if (r[1] == "isakmp.tf.id.dh") dh[v] = r[3];
        }
        // Notify types are two range tables (IKEv1, then IKEv2); each starts at 0.
        if (r.size() >= 5 && r[0] == "R" && r[1] == "isakmp.notify.msgtype") {
            if (r[2] == "0") ++notify_blocks;
            if (notify_blocks == 2 && r[2] == r[3]) notify_v2[std::stol(r[2])] = r[4];
        }
    }
    REQUIRE(notify_v2.size() > 50);
    int compared = 0;
    for (long v = 0; v < 65536; ++v) {
        const auto n = static_cast<notify_type>(v);
        if (is_unknown_name(name(n)) || !notify_v2.count(v)) continue;
        CAPTURE(v);
        // Wireshark 4.0 mislabels 46 (IANA: AUTHORIZATION_FAILED); we do not list 46.
        CHECK(norm(notify_v2[v]) == name(n));
        ++compared;
    }
    CHECK(compared >= 30);
    for (long v = 34; v <= 37; ++v) CHECK(exch[v] == name(static_cast<exchange_type>(v)));
    for (long v = 0; v < 256; ++v) {
        CAPTURE(v);
        if (!is_unknown_name(name(static_cast<integ_id>(v)))) CHECK(integ[v] == name(static_cast<integ_id>(v)));
        // ENCR/PRF: Wireshark spells some names its own way; the number must be an assigned one.
        if (!is_unknown_name(name(static_cast<encr_id>(v)))) {
            REQUIRE(encr.count(v));
            CHECK(encr[v].find("RESERVED") == std::string::npos);
            CHECK(encr[v].find("UNASSIGNED") == std::string::npos);
        }
        if (!is_unknown_name(name(static_cast<prf_id>(v)))) {
            REQUIRE(prf.count(v));
            CHECK(norm(prf[v]).rfind("PRF_", 0) == 0);
        }
        // KE methods Wireshark 4.0 knows (up to 34): same family and size.
        const auto m = static_cast<ke_method>(v);
        if (v >= 1 && v <= 34 && !is_unknown_name(name(m))) {
            REQUIRE(dh.count(v));
            const std::string ours = name(m);
            const std::string size = ours.substr(ours.find_first_of("0123456789"));
            CHECK(dh[v].find(size) != std::string::npos);
        }
    }
}
