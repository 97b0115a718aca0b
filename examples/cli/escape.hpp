// SPDX-License-Identifier: MIT
// `pqike escape build|verify`: the escape message (docs/escape-message.md, "JSON for the
// command-line tool") through escape::seal / escape::verify. Pure: no I/O.
#pragma once

#include "requests.hpp"

#include <pqike/escape/message.hpp>
#include <pqike/escape/protect.hpp>

namespace pqike_cli {

namespace detail {
template <class P>
std::optional<esc::tag_key<P>> tag_key_of(const escape_key_request& k, failure& f) {
    auto key = esc::tag_key<P>::derive(k.mode, k.dir, view(k.base_key), view(k.key_id), view(k.sa_binding));
    if (!key) {
        f = from_error(key.error(), "tag key");
        return std::nullopt;
    }
    return std::optional<esc::tag_key<P>>{std::move(*key)};
}
}  // namespace detail

// {"message": hex, "length": N}
inline std::optional<json> run_escape_build(const escape_build_request& r, failure& f) {
    return with_prf(r.key.prf, [&](auto tag) -> std::optional<json> {
        using P = typename decltype(tag)::type;
        auto key = detail::tag_key_of<P>(r.key, f);
        if (!key) return std::nullopt;
        esc::fields m;
        m.type = r.type;
        m.flags = r.flags;
        m.sequence = r.sequence;
        m.timestamp = r.timestamp;
        m.nonce = view(r.nonce);
        m.ke_methods = r.ke_methods;
        if (r.procedure) m.proc = static_cast<esc::procedure>(*r.procedure);
        m.deadline = r.deadline;
        if (r.reason) m.why = static_cast<esc::reason>(*r.reason);
        m.reason_text = pqike::as_bytes_view(r.reason_text.data(), r.reason_text.size());
        m.ppk_id = view(r.ppk_id);
        if (r.status) m.status = static_cast<esc::status_code>(*r.status);
        m.selected_method = r.selected_method;
        m.echoed_nonce = view(r.echoed_nonce);
        std::array<std::byte, esc::limits::max_message> buf{};
        auto out = esc::seal<P>(*key, m, buf);
        if (!out) {
            f = from_error(out.error(), "escape build");
            return std::nullopt;
        }
        json j;
        j["message"] = to_hex(*out);
        j["length"] = out->size();
        return j;
    });
}

// The verified fields (only fields present in the message appear), or the error that rejected it.
inline std::optional<json> run_escape_verify(const escape_verify_request& r, failure& f) {
    return with_prf(r.key.prf, [&](auto tag) -> std::optional<json> {
        using P = typename decltype(tag)::type;
        auto key = detail::tag_key_of<P>(r.key, f);
        if (!key) return std::nullopt;
        auto v = esc::verify<P>(*key, view(r.message));
        if (!v) {
            f = from_error(v.error(), "escape verify");
            return std::nullopt;
        }
        json j;
        j["valid"] = true;
        j["type"] = type_name(v->type());
        j["flags"] = v->flags();
        j["sequence"] = v->sequence();
        if (auto t = v->timestamp()) j["timestamp"] = *t;
        if (!v->nonce().empty()) j["nonce"] = to_hex(v->nonce());
        j["key_id"] = to_hex(v->key_id());
        j["sa_binding"] = to_hex(v->sa_binding());
        if (v->method_count() != 0) {
            j["ke_methods"] = json::array();
            for (std::size_t i = 0; i < v->method_count(); ++i) j["ke_methods"].push_back(v->method(i));
        }
        if (auto p = v->proc()) j["procedure"] = static_cast<unsigned>(*p);
        if (auto d = v->deadline()) j["deadline"] = *d;
        if (auto w = v->why()) {
            j["reason"] = static_cast<unsigned>(*w);
            const auto t = v->reason_text();
            if (!t.empty()) j["reason_text"] = std::string(reinterpret_cast<const char*>(t.data()), t.size());
        }
        if (!v->ppk_id().empty()) j["ppk_id"] = to_hex(v->ppk_id());
        if (auto s = v->status()) j["status"] = static_cast<unsigned>(*s);
        if (auto m = v->selected_method()) j["selected_method"] = *m;
        if (!v->echoed_nonce().empty()) j["echoed_nonce"] = to_hex(v->echoed_nonce());
        j["tag"] = to_hex(v->tag());
        return j;
    });
}

}  // namespace pqike_cli
