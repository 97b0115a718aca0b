// SPDX-License-Identifier: MIT
// Fuzz the whole-message decoder: never crashes; anything accepted re-encodes to the same bytes,
// decodes again to the same header and payloads, and every payload's typed view round-trips.
#include <pqike/wire/message.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::wire;

namespace {
template <class V>
void typed(const raw_payload& p) {
    auto v = V::decode(p);
    if (!v) std::abort();  // decode_message validated it
    std::vector<std::byte> out(p.body.size() + 8);
    writer w{out};
    v->encode(w);
    if (!w.finish().ok() || w.size() != p.body.size() ||
        std::memcmp(out.data(), p.body.data(), p.body.size()) != 0)
        std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in = as_bytes_view(data, size);
    decode_options opt;
    opt.reject_unknown_critical = size > 0 && (data[0] & 1);
    message<32> m;
    if (!m.decode(in, opt).ok()) return 0;
    std::vector<std::byte> out(size);
    writer w{out};
    auto n = encode_message(m.view, w);
    if (!n || *n != size || std::memcmp(out.data(), data, size) != 0) std::abort();
    message<32> again;
    if (!again.decode(out, opt).ok() || !(again.view.header == m.view.header) ||
        again.view.payloads.size() != m.view.payloads.size())
        std::abort();
    for (const auto& p : m.view.payloads) {
        switch (p.type) {
            case payload_type::sa: typed<sa_view>(p); break;
            case payload_type::ke: typed<ke_view>(p); break;
            case payload_type::nonce: typed<nonce_view>(p); break;
            case payload_type::notify: typed<notify_view>(p); break;
            case payload_type::del: typed<delete_view>(p); break;
            case payload_type::idi:
            case payload_type::idr: typed<id_view>(p); break;
            case payload_type::auth: typed<auth_view>(p); break;
            case payload_type::tsi:
            case payload_type::tsr: typed<ts_view>(p); break;
            case payload_type::certreq: typed<certreq_view>(p); break;
            default: break;
        }
    }
    return 0;
}
