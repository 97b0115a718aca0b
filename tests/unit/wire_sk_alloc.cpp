// SPDX-License-Identifier: MIT
// Zero heap: SK seal and open (copying and in place), the RFC 9242 A/P chunks, SKF split and
// reassembly run without a single call to operator new (over the OpenSSL-free test cipher; the
// OpenSSL adapters allocate inside libcrypto). This suite replaces the global operator new.
#include "common.hpp"
#include "support/rng.hpp"
#include "support/sk_test_cipher.hpp"

#include <array>
#include <memory>
#include <pqike/wire/fragment.hpp>
#include <pqike/wire/sk.hpp>

#include "support/alloc_counter.hpp"

using namespace pqike;
using namespace pqike::wire;
using pqike::test::byte_vec;
using pqike::test::view;

TEST_CASE_TEMPLATE("SK/SKF: seal, open, A/P chunks, split and reassembly allocate nothing", C,
                   pqike::test::toy_etm, pqike::test::toy_aead) {
    const byte_vec e(C::encr_key_size, std::byte{0x4b}), a(C::integ_key_size, std::byte{0x61});
    const sk_keys keys{view(e), view(a)};
    const byte_vec inner(1576, std::byte{0x5a});  // an ML-KEM-1024 KE payload's size
    protected_message m;
    m.header.spi_i = 1;
    m.header.exchange = exchange_type::ike_intermediate;
    m.first_inner = payload_type::ke;
    m.inner = view(inner);
    byte_vec buf(4096), out(4096), frags(8192);
    std::array<std::byte, 64> abuf{};
    std::array<bytes_view, 8> views{};
    auto store = std::make_unique<reassembly_storage<>>();
    const byte_vec iv(C::iv_size);
    sk_seal_options so;
    so.iv = view(iv);
    pqike::test::counter_rng rng;

    g_news = 0;
    g_counting = true;
    auto sealed = seal<C>(keys, m, so, buf);
    auto opened = open<C>(keys, *sealed, out);
    auto chunks = int_auth_a_p(opened->view(), abuf);
    auto n = split<C>(keys, m, fragment_options{1280, 28, false, true}, rng, frags, views);
    std::size_t completed = 0;
    {
        reassembler r{*store};
        for (std::size_t i = *n; i-- > 0;)
            completed += *r.add<C>(keys, views[i]) == reassembly_status::complete;
    }
    auto in_place = open_in_place<C>(keys, mut_bytes{buf.data(), sealed->size()});
    g_counting = false;

    REQUIRE(sealed.has_value());
    REQUIRE(opened.has_value());
    REQUIRE(chunks.has_value());
    REQUIRE(n.has_value());
    CHECK(*n == 2);
    CHECK(completed == 1);
    CHECK(in_place.has_value());
    CHECK(g_news == 0);
}

TEST_CASE("the counter counts (so a zero above means something)") {
    g_news = 0;
    g_counting = true;
    auto p = std::make_unique<int>(3);
    g_counting = false;
    CHECK(*p == 3);
    CHECK(g_news == 1);
}
