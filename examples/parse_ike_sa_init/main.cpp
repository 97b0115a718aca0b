// SPDX-License-Identifier: MIT
// Parse an IKE_SA_INIT request from hex and print its payloads: the first message of a real
// strongSwan 6 session (tests/data/strongswan_s1_mlkem768_gcm.pcap, frame 1), which offers
// AES-GCM-16-256 / PRF-HMAC-SHA2-384 / X25519 with ML-KEM-768 as an additional key exchange
// (RFC 9370 ADDKE1). Exits non-zero if the message does not decode to what strongSwan sent.
#include <pqike/pqike.hpp>

#include <cstdio>

namespace w = pqike::wire;

static constexpr char ike_sa_init_hex[] =
    "9e8305f5ab5fd25200000000000000002120220800000000000000f8220000300000002c010100040300000c01000014"
    "800e01000300000802000006030000080400001f000000080600002428000028001f0000f0448d75895e861faeb0759a"
    "e1967b140bd6e29f0e7fb2923766b7ea2c06266929000024ad813b3eac992a674f38bc4d90040910808c8b54958ce6c7"
    "602c6c5d959ce8e02900001c00004004703d363d0f3f9844bef450a13b9efd20955dffd12900001c000040052c2c5799"
    "475c943faa78b5fe79c7091c2ed87b54290000080000402e290000100000402f00020003000400052900000800004016"
    "0000000800004036";

static int mismatches = 0;
static void expect(bool ok, const char* what) {
    if (!ok) {
        std::printf("MISMATCH: %s\n", what);
        ++mismatches;
    }
}

int main() {
    // Bytes in: hex text to a caller buffer (no heap), then a zero-copy decode into 32 slots.
    std::array<std::byte, 512> buf{};
    auto n = pqike::hex::decode_to(ike_sa_init_hex, buf);
    if (!n) return 1;
    const pqike::bytes_view datagram{buf.data(), *n};

    w::message<32> m;
    if (auto st = m.decode(datagram); !st) {
        std::printf("decode failed: %s at %s, offset %zu\n", st.error().name(), st.error().field, st.error().offset);
        return 1;
    }
    const w::ike_header& h = m.view.header;
    std::printf("%s %s, message ID %u, %u octets, SPIi %016llx\n", w::name(h.exchange),
                h.response() ? "response" : "request", h.message_id, h.length,
                static_cast<unsigned long long>(h.spi_i));

    bool saw_addke_mlkem768 = false;
    for (const w::raw_payload& p : m.view.payloads) {
        std::printf("  %-6s %4zu octets", w::name(p.type), p.length());
        if (p.type == w::payload_type::sa) {
            auto sa = w::sa_view::decode(p);  // validated by decode(): cannot fail here
            auto props = sa->proposal_list();
            while (!props.done()) {
                auto prop = props.next();
                std::printf("\n         proposal %u (%s):", prop->number, w::name(prop->protocol));
                auto ts = prop->transform_list();
                while (!ts.done()) {
                    auto t = ts.next();
                    std::printf(" %s=%u", w::name(t->type), t->id);
                    if (t->key_length() != 0) std::printf("/%u", t->key_length());
                    saw_addke_mlkem768 |= t->type == w::transform_type::addke1 &&
                                          t->id == w::to_number(w::ke_method::ml_kem_768);
                }
            }
        } else if (p.type == w::payload_type::ke) {
            auto ke = w::ke_view::decode(p);
            std::printf("  %s, %zu octets of key exchange data", w::name(ke->method), ke->data.size());
            expect(ke->method == w::ke_method::curve25519 && ke->data.size() == 32, "KE is X25519 with 32 octets");
        } else if (p.type == w::payload_type::notify) {
            auto nv = w::notify_view::decode(p);
            std::printf("  %s", w::name(nv->kind));
        } else if (p.type == w::payload_type::nonce) {
            std::printf("  %zu octets", p.body.size());
        }
        std::printf("\n");
    }

    expect(h.exchange == w::exchange_type::ike_sa_init && h.initiator() && !h.response(), "IKE_SA_INIT request");
    expect(m.view.payloads.size() == 9, "nine payloads");
    expect(m.view.count(w::payload_type::notify) == 6, "six notifies");
    expect(saw_addke_mlkem768, "ADDKE1 = ML-KEM-768 offered");
    expect(m.view.find(w::payload_type::nonce)->body.size() == 32, "32-octet nonce");
    // The codec re-encodes a decoded message byte for byte.
    std::array<std::byte, 512> out{};
    pqike::writer wr{out};
    auto len = w::encode_message(m.view, wr);
    expect(len && *len == datagram.size() && std::equal(datagram.begin(), datagram.end(), out.begin()),
           "re-encodes byte for byte");
    std::printf(mismatches == 0 ? "OK\n" : "FAILED\n");
    return mismatches == 0 ? 0 : 1;
}
