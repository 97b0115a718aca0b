// SPDX-License-Identifier: MIT
// Fuzz the Notify decoder and its typed helpers: never crashes; accepted notifies re-encode to
// the same bytes; typed helpers agree with the generic view.
#include <pqike/wire/notify.hpp>
#include <pqike/wire/ppk.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace pqike;
using namespace pqike::wire;

namespace {
template <class T>
void same_bytes(const T& v, bytes_view expect) {
    std::vector<std::byte> out(expect.size() + 8);
    writer w{out};
    v.encode(w);
    if (!w.finish().ok() || w.size() != expect.size() ||
        std::memcmp(out.data(), expect.data(), expect.size()) != 0)
        std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in = as_bytes_view(data, size);
    auto n = notify_view::decode(in);
    if (!n) return 0;
    same_bytes(*n, in);
    const bool plain = n->protocol == protocol_id::none && n->spi.empty();
    if (auto ik = invalid_ke_notify::decode(*n)) {
        if (n->data.size() != 2) std::abort();
        if (plain) same_bytes(*ik, in);
    }
    if (auto a = additional_ke_notify::decode(*n)) {
        if (a->link.size() != n->data.size()) std::abort();
        if (plain) same_bytes(*a, in);
    }
    if (auto p = ppk_identity_notify::decode(*n)) {
        if (p->has_id != !n->data.empty() || (p->has_id && p->id.size() != n->data.size())) std::abort();
        if (plain) same_bytes(*p, in);
    }
    if (auto k = ppk_identity_key_notify::decode(*n)) {
        if (k->id.size() + k->confirmation.size() != n->data.size() ||
            k->confirmation.size() != ppk_confirmation_size)
            std::abort();
        if (plain) same_bytes(*k, in);
    }
    if (auto q = no_ppk_auth_notify::decode(*n))
        if (plain) same_bytes(*q, in);
    if (check_empty_notify(*n, n->kind).ok() != n->data.empty()) std::abort();
    return 0;
}
