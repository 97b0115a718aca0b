// SPDX-License-Identifier: MIT
// IKE header (RFC 7296 §3.1) and the port-4500 non-ESP marker.
#include "common.hpp"

#include <array>
#include <pqike/wire/header.hpp>

using namespace pqike;
using namespace pqike::wire;
using pqike::test::unhex;
using pqike::test::view;

namespace {
// SPIi, SPIr, next=SA(33), version 2.0, IKE_SA_INIT, flags I, MID 0, length 28.
const char* k_header = "0102030405060708 0000000000000000 21 20 22 08 00000000 0000001c";
}  // namespace

TEST_CASE("header decodes every field and re-encodes byte for byte") {
    const auto d = unhex(k_header);
    auto h = decode_header(view(d));
    REQUIRE(h);
    CHECK(h->spi_i == 0x0102030405060708ull);
    CHECK(h->spi_r == 0);
    CHECK(h->next == payload_type::sa);
    CHECK(h->exchange == exchange_type::ike_sa_init);
    CHECK(h->initiator());
    CHECK(!h->response());
    CHECK(!h->higher_version());
    CHECK(h->message_id == 0);
    CHECK(h->length == 28);
    std::array<std::byte, 28> out{};
    writer w{out};
    encode_header(w, *h);
    REQUIRE(w.finish().ok());
    CHECK(pqike::test::tohex(out) == pqike::test::tohex(view(d)));
}

TEST_CASE("header: major version other than 2 is unsupported_version at offset 17") {
    auto d = unhex(k_header);
    d[17] = std::byte{0x10};
    auto h = decode_header(view(d));
    REQUIRE(!h);
    CHECK(h.error().code == errc::unsupported_version);
    CHECK(std::string_view(h.error().field) == "ike.version");
    CHECK(h.error().offset == 17);
    d[17] = std::byte{0x30};
    CHECK(decode_header(view(d)).code() == errc::unsupported_version);
}

TEST_CASE("header: minor version ignored on receipt (RFC 7296 §2.5) but kept") {
    auto d = unhex(k_header);
    d[17] = std::byte{0x2f};
    auto h = decode_header(view(d));
    REQUIRE(h);
    CHECK(h->minor_version == 0x0f);
    std::array<std::byte, 28> out{};
    writer w{out};
    encode_header(w, *h);
    CHECK(out[17] == std::byte{0x2f});
}

TEST_CASE("header: truncated below 28 bytes") {
    const auto d = unhex(k_header);
    for (std::size_t n : {0u, 1u, 27u}) {
        auto h = decode_header(view(d).first(n));
        CHECK(h.code() == errc::truncated);
        CHECK(std::string_view(h.error().field) == "ike.header");
    }
}

TEST_CASE("header: Length must equal the datagram length") {
    auto d = unhex(k_header);
    SUBCASE("Length below 28") {
        d[27] = std::byte{27};
        auto h = decode_header(view(d));
        CHECK(h.code() == errc::length_too_small);
        CHECK(h.error().offset == 24);
    }
    SUBCASE("Length beyond the datagram") {
        d[27] = std::byte{29};
        auto h = decode_header(view(d));
        CHECK(h.code() == errc::length_too_large);
        CHECK(std::string_view(h.error().field) == "ike.length");
        CHECK(h.error().offset == 24);
    }
    SUBCASE("datagram longer than Length: trailing bytes") {
        d.push_back(std::byte{0});
        auto h = decode_header(view(d));
        CHECK(h.code() == errc::trailing_data);
        CHECK(h.error().offset == 28);
    }
    SUBCASE("huge Length") {
        d[24] = std::byte{0xff};
        CHECK(decode_header(view(d)).code() == errc::length_too_large);
    }
}

TEST_CASE("header: reserved flag bits are kept, not interpreted") {
    auto d = unhex(k_header);
    d[19] = std::byte{0xff};
    auto h = decode_header(view(d));
    REQUIRE(h);
    CHECK(h->flags == 0xff);
    CHECK(h->response());
    CHECK(h->higher_version());
}

TEST_CASE("non-ESP marker: strip on receive, prepend on send, ESP and keepalive told apart") {
    const auto ike = unhex(std::string("00000000 ") + k_header);
    auto c = classify_udp4500(view(ike));
    REQUIRE(c);
    CHECK(c->kind == udp_encap_kind::ike);
    CHECK(c->data.size() == 28);
    auto s = strip_non_esp_marker(view(ike));
    REQUIRE(s);
    CHECK(decode_header(*s));

    const auto esp = unhex("c0ffee01 00000001 aabbccdd");
    auto e = classify_udp4500(view(esp));
    REQUIRE(e);
    CHECK(e->kind == udp_encap_kind::esp);
    CHECK(strip_non_esp_marker(view(esp)).code() == errc::invalid_syntax);

    const auto ka = unhex("ff");
    CHECK(classify_udp4500(view(ka))->kind == udp_encap_kind::keepalive);
    CHECK(classify_udp4500(view(ike).first(3)).code() == errc::truncated);
    CHECK(classify_udp4500(bytes_view{}).code() == errc::truncated);

    std::array<std::byte, 32> out{};
    writer w{out};
    write_non_esp_marker(w);
    auto h = decode_header(view(ike).subspan(4));
    encode_header(w, *h);
    REQUIRE(w.finish().ok());
    CHECK(pqike::test::tohex(out) == pqike::test::tohex(view(ike)));
}
