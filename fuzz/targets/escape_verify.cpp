// SPDX-License-Identifier: MIT
// Fuzz the escape codec and tag check. First octet: 0 = the rest is a message as received;
// 1 = the harness fixes the tag (if the structure decodes) so the fuzzer reaches the verified
// accessors and the re-encoding. Invariants: no crash or out-of-bounds read; a message with a
// correct tag, key ID and binding verifies; a verified message re-encodes to one that decodes;
// flipping any tag octet breaks verification. 2 = the rest is a master key length octet, the
// master key and a device ID for derive_device_psk (device_key.hpp): it accepts or refuses by
// length and is deterministic.
#include <pqike/crypto/hmac.hpp>
#include <pqike/escape/device_key.hpp>
#include <pqike/escape/message.hpp>
#include <pqike/escape/protect.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::escape;
using P = crypto::hmac_sha256;

namespace {
const tag_key<P>& key() {
    static const auto k = [] {
        std::array<std::byte, 32> psk{};
        for (std::size_t i = 0; i < psk.size(); ++i) psk[i] = static_cast<std::byte>(i);
        static const char id[] = "escape-key-1";
        static const std::uint8_t spis[16] = {1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
        auto r = tag_key<P>::derive(key_mode::escape_psk, direction::provider_to_consumer, psk,
                                    as_bytes_view(id, sizeof id - 1), as_bytes_view(spis, 16));
        if (!r) std::abort();
        return *r;
    }();
    return k;
}

void exercise(const verified& v) {
    fields f;
    f.type = v.type();
    f.flags = v.flags();
    f.sequence = v.sequence();
    f.timestamp = v.timestamp();
    f.nonce = v.nonce();
    std::array<std::uint16_t, limits::max_methods> m{};
    for (std::size_t i = 0; i < v.method_count(); ++i) m[i] = v.method(i);
    f.ke_methods = std::span<const std::uint16_t>(m.data(), v.method_count());
    f.proc = v.proc();
    f.deadline = v.deadline();
    f.why = v.why();
    f.reason_text = v.reason_text();
    f.ppk_id = v.ppk_id();
    f.status = v.status();
    f.selected_method = v.selected_method();
    f.echoed_nonce = v.echoed_nonce();
    std::array<std::byte, limits::max_message> out{};
    auto again = seal(key(), f, out);
    // Unknown TLVs are dropped, so a re-encoding can only be shorter or equal.
    if (!again || again->size() > v.bytes().size()) std::abort();
    if (!verify(key(), *again)) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    if (data[0] == 2) {
        const std::size_t n = size > 1 ? std::min<std::size_t>(data[1], size - 2) : 0;
        const bytes_view master = size > 2 ? as_bytes_view(data + 2, n) : bytes_view{};
        const bytes_view id = size > 2 ? as_bytes_view(data + 2 + n, size - 2 - n) : bytes_view{};
        auto a = derive_device_psk<P>(master, id);
        auto b = derive_device_psk<P>(master, id);
        const bool valid = !master.empty() && !id.empty() && id.size() <= max_device_id;
        if (a.has_value() != valid || b.has_value() != valid) std::abort();
        if (a && !(*a == *b)) std::abort();
        return 0;
    }
    const bool fix_tag = data[0] == 1;
    std::vector<std::byte> msg(size - 1);
    if (size > 1) std::memcpy(msg.data(), data + 1, size - 1);
    if (fix_tag) {
        auto d = decode(msg);
        if (d && d->tag().size() == P::output_size) {
            const std::size_t region = d->tagged_region().size();
            const std::size_t at = region + tlv_header_size;
            key().compute(bytes_view{msg.data(), region}, std::span<std::byte, 32>(msg.data() + at, 32));
            auto v = verify(key(), msg);
            const bool selectors_match =
                ct_equal(d->unverified_key_id(), key().key_id()) &&
                ct_equal(d->unverified_binding(), key().sa_binding());
            if (selectors_match && !v) std::abort();
            if (v) {
                exercise(*v);
                msg[at] ^= std::byte{1};
                if (verify(key(), msg)) std::abort();
            }
        }
        return 0;
    }
    auto v = verify(key(), msg);
    if (v) exercise(*v);
    (void)announced_length(msg);
    return 0;
}
