// SPDX-License-Identifier: MIT
// Sample IKEv2 messages built with the wire builders, shared by the wire suites, the tshark
// cross-check, the benchmarks and the fuzz seed generator. Plain std::vector storage (tests only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <pqike/wire/message.hpp>

namespace pqike::wire::samples {

using bytes = std::vector<std::byte>;

// Deterministic filler so samples are reproducible.
inline bytes filler(std::size_t n, std::uint8_t seed) {
    bytes b(n);
    std::uint32_t x = 0x9e3779b9u ^ seed;
    for (auto& v : b) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        v = static_cast<std::byte>(x);
    }
    return b;
}

inline ike_header make_header(exchange_type ex, std::uint8_t flags, std::uint32_t mid,
                              std::uint64_t spi_r = 0x1122334455667788ull) {
    ike_header h;
    h.spi_i = 0xa1b2c3d4e5f60718ull;
    h.spi_r = spi_r;
    h.exchange = ex;
    h.flags = flags;
    h.message_id = mid;
    return h;
}

// SA body of an IKE_SA_INIT request: one IKE proposal with 12 transforms incl. ADDKE1/ADDKE2.
inline void write_init_sa(writer& w) {
    sa_builder sa{w};
    sa.begin_proposal(1, protocol_id::ike);
    sa.add_transform(transform_type::encr, static_cast<std::uint16_t>(encr_id::aes_gcm_16), 256);
    sa.add_transform(transform_type::encr, static_cast<std::uint16_t>(encr_id::aes_gcm_16), 128);
    sa.add_transform(transform_type::prf, static_cast<std::uint16_t>(prf_id::hmac_sha2_384));
    sa.add_transform(transform_type::prf, static_cast<std::uint16_t>(prf_id::hmac_sha2_256));
    sa.add_transform(transform_type::ke, to_number(ke_method::curve25519));
    sa.add_transform(transform_type::ke, to_number(ke_method::ecp_256));
    sa.add_transform(transform_type::addke1, to_number(ke_method::ml_kem_768));
    sa.add_transform(transform_type::addke1, to_number(ke_method::ml_kem_1024));
    sa.add_transform(transform_type::addke1, to_number(ke_method::none));
    sa.add_transform(transform_type::addke2, to_number(ke_method::ml_kem_512));
    sa.add_transform(transform_type::addke2, to_number(ke_method::none));
    sa.add_transform(transform_type::addke3, to_number(ke_method::none));
    (void)sa.finish();
}

template <class Build>
inline bytes build(const ike_header& h, Build&& body, std::size_t cap = 8192) {
    bytes out(cap);
    writer w{out};
    message_builder b{w, h};
    body(b);
    auto n = b.finish();
    if (!n) return {};
    out.resize(*n);
    return out;
}

inline void add_notify(message_builder& b, notify_type t, bytes_view data = {}) {
    b.begin(payload_type::notify);
    make_notify(t, data).encode(b.out());
    b.end();
}

// IKE_SA_INIT request: SA (12 transforms), KE X25519, Nonce, 3 notifies.
inline bytes ike_sa_init_request() {
    const auto ke = filler(32, 1);
    const auto ni = filler(32, 2);
    const auto nat = filler(20, 3);
    return build(make_header(exchange_type::ike_sa_init, flag::initiator, 0, 0), [&](message_builder& b) {
        b.begin(payload_type::sa);
        write_init_sa(b.out());
        b.begin(payload_type::ke);
        encode_ke(b.out(), ke_method::curve25519, ke);
        b.add(payload_type::nonce, ni);
        add_notify(b, notify_type::nat_detection_source_ip, nat);
        add_notify(b, notify_type::ikev2_fragmentation_supported);
        add_notify(b, notify_type::intermediate_exchange_supported);
    });
}

// IKE_SA_INIT response with an ML-KEM-512 KE (ct size) and USE_PPK.
inline bytes ike_sa_init_response_mlkem512() {
    const auto ct = filler(768, 4);
    const auto nr = filler(32, 5);
    return build(make_header(exchange_type::ike_sa_init, flag::response, 0), [&](message_builder& b) {
        b.begin(payload_type::sa);
        {
            sa_builder sa{b.out()};
            sa.begin_proposal(1, protocol_id::ike);
            sa.add_transform(transform_type::encr, static_cast<std::uint16_t>(encr_id::aes_gcm_16), 256);
            sa.add_transform(transform_type::prf, static_cast<std::uint16_t>(prf_id::hmac_sha2_384));
            sa.add_transform(transform_type::ke, to_number(ke_method::ml_kem_512));
            sa.add_transform(transform_type::addke1, to_number(ke_method::ml_kem_768));
            (void)sa.finish();
        }
        b.begin(payload_type::ke);
        encode_ke(b.out(), ke_method::ml_kem_512, ct);
        b.add(payload_type::nonce, nr);
        add_notify(b, notify_type::use_ppk);
    });
}

// IKE_INTERMEDIATE request with an SK payload of fake bytes (IV 16, data, ICV 16), inner KE.
inline bytes ike_intermediate_sk(std::size_t inner = 1200) {
    const auto body = filler(16 + inner + 16, 6);
    return build(make_header(exchange_type::ike_intermediate, flag::initiator, 1), [&](message_builder& b) {
        raw_payload sk;
        sk.type = payload_type::sk;
        sk.next = payload_type::ke;
        sk.body = body;
        b.add(sk);
    });
}

// The plaintext chain of an IKE_INTERMEDIATE carrying a KE of `n` bytes (what SK open yields),
// as a whole message so the codec can be measured on it.
inline bytes ike_intermediate_plain_ke(ke_method m, std::size_t n) {
    const auto data = filler(n, 7);
    return build(make_header(exchange_type::ike_intermediate, flag::initiator, 1), [&](message_builder& b) {
        b.begin(payload_type::ke);
        encode_ke(b.out(), m, data);
    });
}

// CREATE_CHILD_SA (Child SA rekey) request, payloads shown as the decrypted chain: N(REKEY_SA),
// SA (ESP proposal with SPI, ADDKE1), Nonce, KE X25519, TSi, TSr.
inline bytes create_child_sa_request() {
    const auto ni = filler(32, 8);
    const auto ke = filler(32, 9);
    const std::uint8_t spi[4] = {0xc0, 0xff, 0xee, 0x01};
    const std::uint8_t addrs4[8] = {10, 99, 1, 1, 10, 99, 1, 1};
    const std::uint8_t addrs6[32] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                     0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return build(make_header(exchange_type::create_child_sa, flag::initiator, 2), [&](message_builder& b) {
        b.begin(payload_type::notify);
        notify_view{protocol_id::esp, notify_type::rekey_sa, as_bytes_view(spi, 4), {}}.encode(b.out());
        b.begin(payload_type::sa);
        {
            sa_builder sa{b.out()};
            sa.begin_proposal(1, protocol_id::esp, as_bytes_view(spi, 4));
            sa.add_transform(transform_type::encr, static_cast<std::uint16_t>(encr_id::aes_gcm_16), 256);
            sa.add_transform(transform_type::ke, to_number(ke_method::curve25519));
            sa.add_transform(transform_type::addke1, to_number(ke_method::ml_kem_768));
            sa.add_transform(transform_type::esn, static_cast<std::uint16_t>(esn_id::no));
            sa.begin_proposal(2, protocol_id::esp, as_bytes_view(spi, 4));
            sa.add_transform(transform_type::encr, static_cast<std::uint16_t>(encr_id::aes_cbc), 128);
            sa.add_transform(transform_type::integ, static_cast<std::uint16_t>(integ_id::hmac_sha2_256_128));
            sa.add_transform(transform_type::ke, to_number(ke_method::curve25519));
            sa.add_transform(transform_type::esn, static_cast<std::uint16_t>(esn_id::no));
            (void)sa.finish();
        }
        b.add(payload_type::nonce, ni);
        b.begin(payload_type::ke);
        encode_ke(b.out(), ke_method::curve25519, ke);
        b.begin(payload_type::tsi);
        b.out().u8(2); b.out().zeros(3);
        make_selector(ts_type::ipv4_addr_range, 0, 0, 0xffff, as_bytes_view(addrs4, 8)).encode(b.out());
        make_selector(ts_type::ipv6_addr_range, 6, 443, 443, as_bytes_view(addrs6, 32)).encode(b.out());
        b.begin(payload_type::tsr);
        b.out().u8(1); b.out().zeros(3);
        make_selector(ts_type::ipv4_addr_range, 0, 0, 0xffff, as_bytes_view(addrs4, 8)).encode(b.out());
    });
}

// IKE_FOLLOWUP_KE request (decrypted chain): KE ML-KEM-768 ek, N(ADDITIONAL_KEY_EXCHANGE) link.
inline bytes ike_followup_ke_request(std::size_t link_size = 1) {
    const auto ek = filler(1184, 10);
    const auto link = filler(link_size, 11);
    return build(make_header(exchange_type::ike_followup_ke, flag::initiator, 3), [&](message_builder& b) {
        b.begin(payload_type::ke);
        encode_ke(b.out(), ke_method::ml_kem_768, ek);
        b.begin(payload_type::notify);
        additional_ke_notify{link}.encode(b.out());
    });
}

// INFORMATIONAL (decrypted chain): Delete of two ESP SPIs, N(INVALID_KE_PAYLOAD), a Vendor ID and
// an unknown non-critical payload type 200.
inline bytes informational() {
    const std::uint8_t spis[8] = {0xc0, 0xff, 0xee, 0x01, 0xc0, 0xff, 0xee, 0x02};
    const auto vid = filler(16, 12);
    const auto unknown = filler(7, 13);
    return build(make_header(exchange_type::informational, flag::initiator | flag::response, 4),
                 [&](message_builder& b) {
                     b.begin(payload_type::del);
                     delete_view{protocol_id::esp, 4, 2, as_bytes_view(spis, 8)}.encode(b.out());
                     b.begin(payload_type::notify);
                     invalid_ke_notify{ke_method::ml_kem_768}.encode(b.out());
                     b.add(payload_type::vendor_id, vid);
                     b.add(static_cast<payload_type>(200), unknown);
                 });
}

// One SKF fragment (RFC 7383 §2.5): Fragment Number, Total Fragments, then IV|data|ICV (fake).
inline bytes skf_fragment(std::uint16_t number, std::uint16_t total, payload_type first_inner,
                          std::size_t size = 300) {
    auto body = filler(4 + size, static_cast<std::uint8_t>(20 + number));
    store_be16(body.data(), number);
    store_be16(body.data() + 2, total);
    return build(make_header(exchange_type::ike_followup_ke, flag::initiator, 5), [&](message_builder& b) {
        raw_payload p;
        p.type = payload_type::skf;
        p.next = number == 1 ? first_inner : payload_type::none;
        p.body = body;
        b.add(p);
    });
}

}  // namespace pqike::wire::samples
