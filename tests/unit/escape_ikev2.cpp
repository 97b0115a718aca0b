// SPDX-License-Identifier: MIT
// IKEv2 carriage: the escape message in a private-use Notify of an INFORMATIONAL exchange.
#include "escape_helpers.hpp"

#include <pqike/escape/ikev2.hpp>
#include <pqike/wire/header.hpp>
#include <pqike/wire/payload_chain.hpp>

using namespace pqike;
using namespace pqike::escape;
using namespace pqike::test::esc;
using pqike::test::byte_vec;
using pqike::test::view;

TEST_CASE("ikev2: the ESCAPE rides in a Notify of an INFORMATIONAL request and comes back out") {
    const auto k = make_keys();
    const auto msg = sealed(k.p2c, escape_fields());
    ikev2::carriage c;
    CHECK(c.notify_type == 0xAE5C);
    auto n = c.notify(view(msg));
    REQUIRE(n.has_value());

    // An INFORMATIONAL request (in the clear here; in a stack it goes inside SK).
    byte_vec dgram(2048);
    writer w{dgram};
    wire::ike_header h;
    h.exchange = wire::exchange_type::informational;
    h.flags = wire::flag::initiator;
    h.message_id = 7;
    wire::message_builder b{w, h};
    b.begin(wire::payload_type::notify);
    n->encode(b.out());
    b.end();
    auto len = b.finish();
    REQUIRE(len.has_value());
    dgram.resize(*len);

    auto hd = wire::decode_header(view(dgram));
    REQUIRE(hd.has_value());
    CHECK(ikev2::carriage::allowed_exchange(hd->exchange));
    CHECK_FALSE(ikev2::carriage::allowed_exchange(wire::exchange_type::ike_sa_init));
    wire::chain_cursor cur{hd->next, bytes_view(dgram).subspan(28), 28};
    auto p = cur.next();
    REQUIRE(p.has_value());
    CHECK(p->type == wire::payload_type::notify);
    auto nv = wire::notify_view::decode(*p);
    REQUIRE(nv.has_value());
    CHECK(nv->protocol == wire::protocol_id::none);
    CHECK(nv->spi.empty());
    CHECK(wire::to_number(nv->kind) == 0xAE5C);
    auto out = c.extract(*nv);
    REQUIRE(out.has_value());
    CHECK(byte_vec(out->begin(), out->end()) == msg);
    CHECK(verify(k.p2c, *out).has_value());
}

TEST_CASE("ikev2: carriage refuses a wrong type, protocol, SPI, length or configuration") {
    const auto k = make_keys();
    const auto msg = sealed(k.p2c, escape_fields());
    ikev2::carriage c;
    auto n = c.notify(view(msg));
    REQUIRE(n.has_value());
    auto bad = *n;
    bad.kind = static_cast<wire::notify_type>(40961);
    CHECK(c.extract(bad).code() == errc::invalid_syntax);
    bad = *n;
    bad.protocol = wire::protocol_id::esp;
    CHECK(c.extract(bad).code() == errc::invalid_syntax);
    bad = *n;
    const byte_vec spi(4, std::byte{1});
    bad.spi = view(spi);
    CHECK(c.extract(bad).code() == errc::invalid_syntax);
    bad = *n;
    byte_vec longer = msg;
    longer.push_back(std::byte{0});
    bad.data = view(longer);
    CHECK(c.extract(bad).code() == errc::length_mismatch);
    bad.data = bytes_view(msg).first(5);
    CHECK(c.extract(bad).code() == errc::truncated);
    // Configurable type, but only in the private-use range.
    ikev2::carriage other{50000};
    CHECK(other.notify(view(msg)).has_value());
    CHECK_FALSE(other.matches(*n));
    ikev2::carriage wrong{16388};
    CHECK(wrong.notify(view(msg)).code() == errc::invalid_syntax);
    // Garbage is not wrapped.
    CHECK_FALSE(c.notify(bytes_view(msg).first(20)).has_value());
}
