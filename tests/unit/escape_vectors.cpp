// SPDX-License-Identifier: MIT
// The test vectors of docs/escape-message.md §10 are read FROM the document and must equal what
// the code produces from the fixed inputs stated there, so document and code cannot drift.
// Set PQIKE_PRINT_ESCAPE_VECTORS=1 to print the blocks (to regenerate the document).
#include "escape_helpers.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <pqike/escape/consumer.hpp>
#include <pqike/escape/migration_rules.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/keys/prf_plus.hpp>

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::byte_vec;
using pqike::test::tohex;
using pqike::test::unhex;
using pqike::test::view;

namespace {

// ```hex vector=NAME ... ``` blocks of the document.
std::map<std::string, byte_vec> doc_vectors() {
    std::ifstream f(std::string(PQIKE_SOURCE_DIR) + "/docs/escape-message.md");
    REQUIRE_MESSAGE(f.good(), "docs/escape-message.md missing");
    std::map<std::string, byte_vec> out;
    std::string line, name, body;
    bool in = false;
    while (std::getline(f, line)) {
        if (!in && line.rfind("```hex vector=", 0) == 0) {
            name = line.substr(14);
            body.clear();
            in = true;
        } else if (in && line.rfind("```", 0) == 0) {
            out[name] = unhex(body);
            in = false;
        } else if (in) {
            body += line;
        }
    }
    CHECK_FALSE(in);
    return out;
}

const byte_vec new_binding = fixed_hex("2122232425262728 3132333435363738");
const byte_vec new_sk_d = seq_bytes(0x40, 32);

// Each vector, produced by the code from the inputs stated in §10.
std::map<std::string, byte_vec> produced() {
    std::map<std::string, byte_vec> v;
    const auto k = make_keys();
    // K itself (the derivation of §5.1, written out with prf+ directly).
    for (auto [name, dir] : {std::pair{"k_psk_p2c", direction::provider_to_consumer},
                             std::pair{"k_psk_c2p", direction::consumer_to_provider}}) {
        const auto l = label(key_mode::escape_psk, dir);
        const std::byte kl{static_cast<unsigned char>(key_id.size())};
        const std::byte bl{static_cast<unsigned char>(binding.size())};
        byte_vec key(32);
        REQUIRE(keys::prf_plus<P>(view(psk), {view(l), bytes_view(&kl, 1), view(key_id), bytes_view(&bl, 1), view(binding)},
                                  key).ok());
        v[name] = key;
    }
    v["escape"] = sealed(k.p2c, escape_fields());

    fields a;
    a.type = msg_type::ack;
    a.sequence = 1;
    a.echoed_nonce = view(nonce);
    a.selected_method = 36;
    a.ppk_id = view(ppk_id);
    v["escape_ack"] = sealed(k.c2p, a);

    fields n;
    n.type = msg_type::nack;
    n.sequence = 1;
    n.echoed_nonce = view(nonce);
    n.status = status_code::unsupported_method;
    v["escape_nack"] = sealed(k.c2p, n);

    // CONFIRM as the engines build it (migration_rules.hpp seal_confirm): sequence 1 under the confirm
    // key, the methods the rekey negotiated (X25519 in KE, ML-KEM-768 in ADDKE1), the selected
    // method and the PPK that was mixed.
    const auto rr = rekey_of(make_keys(key_mode::confirm, new_sk_d, new_binding));
    const plan p{procedure::ike_sa_rekey, 36, view(ppk_id)};
    for (auto [name, key] : {std::pair{"escape_confirm_p2c", &rr.confirm.p2c},
                             std::pair{"escape_confirm_c2p", &rr.confirm.c2p}}) {
        byte_vec out(limits::max_message);
        auto m = seal_confirm(*key, view(nonce), p, rr, out);
        REQUIRE_MESSAGE(m.has_value(), m.error().name());
        out.resize(m->size());
        v[name] = out;
    }
    return v;
}

}  // namespace

TEST_CASE("escape vectors: the document's hex equals what the code produces") {
    const auto mine = produced();
    if (std::getenv("PQIKE_PRINT_ESCAPE_VECTORS")) {
        for (const auto& [name, bytes] : mine) {
            std::printf("```hex vector=%s\n", name.c_str());
            const std::string h = tohex(view(bytes));
            for (std::size_t i = 0; i < h.size(); i += 64) std::printf("%s\n", h.substr(i, 64).c_str());
            std::printf("```\n\n");
        }
    }
    const auto doc = doc_vectors();
    CHECK(doc.size() == mine.size());
    for (const auto& kv : mine) {
        const std::string& name = kv.first;
        CAPTURE(name);
        auto it = doc.find(name);
        REQUIRE_MESSAGE(it != doc.end(), "vector missing from the document: " << name);
        CHECK(tohex(view(it->second)) == tohex(view(kv.second)));
    }
}

TEST_CASE("escape vectors: every document message verifies and has the documented type") {
    const auto doc = doc_vectors();
    const auto k = make_keys();
    const auto ck = make_keys(key_mode::confirm, new_sk_d, new_binding);
    struct expect {
        const char* name;
        const tag_key<P>* key;
        msg_type type;
    };
    for (const auto& e : {expect{"escape", &k.p2c, msg_type::escape}, expect{"escape_ack", &k.c2p, msg_type::ack},
                          expect{"escape_nack", &k.c2p, msg_type::nack},
                          expect{"escape_confirm_p2c", &ck.p2c, msg_type::confirm},
                          expect{"escape_confirm_c2p", &ck.c2p, msg_type::confirm}}) {
        CAPTURE(e.name);
        auto it = doc.find(e.name);
        REQUIRE(it != doc.end());
        auto v = verify(*e.key, view(it->second));
        REQUIRE_MESSAGE(v.has_value(), v.error().name());
        CHECK(v->type() == e.type);
    }
    // The tag is HMAC-SHA-256 under the documented K over everything before the tag TLV,
    // computed here with the HMAC policy directly.
    const auto& msg = doc.at("escape");
    const auto& kp = doc.at("k_psk_p2c");
    const P mac{view(kp)};
    std::array<std::byte, 32> tag{};
    policy::prf_compute(mac, {bytes_view(msg).first(msg.size() - 36)}, tag);
    CHECK(tohex(tag) == tohex(bytes_view(msg).last(32)));
}

TEST_CASE("escape vectors: an independent Python model (hmac/hashlib only) derives the same") {
    // tests/models/escape_message.py rebuilds every §10 vector from the document's inputs and
    // exits non-zero if one differs from the document's hex.
    const std::string cmd = std::string("python3 ") + PQIKE_SOURCE_DIR + "/tests/models/escape_message.py " +
                            PQIKE_SOURCE_DIR + "/docs/escape-message.md";
    const pqike::test::command_output run = pqike::test::run_command(cmd);
    const int rc = run.status;
    const std::string& out = run.out;
    CAPTURE(out);
    CHECK(rc == 0);
    CHECK(out.find("ok  escape_confirm_c2p") != std::string::npos);
}
