// SPDX-License-Identifier: MIT
// IKE messages and payloads as JSON for `pqike decode`, built on the wire codec's views
// (include/pqike/wire/). Pure: no I/O, no crypto (opening SK/SKF is decode.cpp's job).
#pragma once

#include "common.hpp"

#include <pqike/wire/message.hpp>
#include <pqike/wire/sk.hpp>

namespace pqike_cli {

namespace w = pqike::wire;

// The name of a transform ID within its type (ENCR, PRF, INTEG, KE/ADDKEn, ESN).
inline const char* transform_id_name(w::transform_type t, std::uint16_t id) {
    if (w::is_key_exchange(t)) return w::name(static_cast<w::ke_method>(id));
    switch (t) {
        case w::transform_type::encr: return w::name(static_cast<w::encr_id>(id));
        case w::transform_type::prf: return w::name(static_cast<w::prf_id>(id));
        case w::transform_type::integ: return w::name(static_cast<w::integ_id>(id));
        case w::transform_type::esn: return w::name(static_cast<w::esn_id>(id));
        default: return w::unknown_name;
    }
}

inline json error_field(const pqike::error& e) { return error_json(from_error(e)); }

// SA payload: proposals with their transforms (RFC 7296 §3.3).
inline void sa_json(const w::raw_payload& p, json& j) {
    auto sa = w::sa_view::decode(p);
    if (!sa) {
        j["error"] = error_field(sa.error());
        return;
    }
    json props = json::array();
    auto pc = sa->proposal_list();
    while (!pc.done()) {
        auto pr = pc.next();
        if (!pr) {
            j["error"] = error_field(pr.error());
            break;
        }
        json pj;
        pj["number"] = pr->number;
        pj["protocol"] = static_cast<unsigned>(pr->protocol);
        pj["protocol_name"] = w::name(pr->protocol);
        if (!pr->spi.empty()) pj["spi"] = to_hex(pr->spi);
        json ts = json::array();
        auto tc = pr->transform_list();
        while (!tc.done()) {
            auto t = tc.next();
            if (!t) {
                pj["error"] = error_field(t.error());
                break;
            }
            json tj;
            tj["type"] = w::to_number(t->type);
            tj["type_name"] = w::name(t->type);
            tj["id"] = t->id;
            tj["name"] = transform_id_name(t->type, t->id);
            if (const auto kl = t->key_length(); kl != 0) tj["key_length"] = kl;
            ts.push_back(std::move(tj));
        }
        pj["transforms"] = std::move(ts);
        props.push_back(std::move(pj));
    }
    j["proposals"] = std::move(props);
}

// One payload: the generic fields, then what its type adds.
inline json payload_json(const w::raw_payload& p) {
    json j;
    j["type"] = w::to_number(p.type);
    j["name"] = w::name(p.type);
    j["critical"] = p.critical;
    j["length"] = p.length();
    switch (p.type) {
        case w::payload_type::sa: sa_json(p, j); break;
        case w::payload_type::ke: {
            auto ke = w::ke_view::decode(p);
            if (!ke) {
                j["error"] = error_field(ke.error());
                break;
            }
            j["ke_method"] = w::to_number(ke->method);
            j["ke_method_name"] = w::name(ke->method);
            j["data_len"] = ke->data.size();
            break;
        }
        case w::payload_type::nonce:
            j["data_len"] = p.body.size();
            j["nonce"] = to_hex(p.body);  // public; the key schedule needs it (pqike derive)
            break;
        case w::payload_type::notify: {
            auto n = w::notify_view::decode(p);
            if (!n) {
                j["error"] = error_field(n.error());
                break;
            }
            j["notify_type"] = static_cast<unsigned>(n->kind);
            j["notify_name"] = w::name(n->kind);
            j["protocol"] = static_cast<unsigned>(n->protocol);
            if (!n->spi.empty()) j["spi"] = to_hex(n->spi);
            j["data_len"] = n->data.size();
            break;
        }
        case w::payload_type::skf:
            if (p.body.size() >= w::skf_fields_size) {
                j["fragment_number"] = pqike::load_be16(p.body.data());
                j["total_fragments"] = pqike::load_be16(p.body.data() + 2);
                j["data_len"] = p.body.size() - w::skf_fields_size;
            } else {
                j["error"] = error_field(pqike::error{pqike::errc::truncated, "skf.total_fragments", p.body_offset()});
            }
            break;
        case w::payload_type::sk: j["data_len"] = p.body.size(); break;
        default:
            if (auto s = w::validate_payload(p); !s) j["error"] = error_field(s.error());
            break;
    }
    // SK/SKF name the first inner payload in their Next Payload field (RFC 7296 §3.14).
    if (w::ends_chain(p.type)) j["first_inner"] = w::to_number(p.next);
    return j;
}

inline json header_json(const w::ike_header& h) {
    json j;
    std::array<std::byte, 8> spi{};
    pqike::store_be64(spi.data(), h.spi_i);
    j["spi_i"] = to_hex(spi);
    pqike::store_be64(spi.data(), h.spi_r);
    j["spi_r"] = to_hex(spi);
    j["exchange"] = w::to_number(h.exchange);
    j["exchange_name"] = w::name(h.exchange);
    j["flags"] = json{{"initiator", h.initiator()}, {"response", h.response()}};
    j["message_id"] = h.message_id;
    j["length"] = h.length;
    return j;
}

// A whole message (without a non-ESP marker), or the failure that rejected it.
inline std::optional<json> message_json(pqike::bytes_view datagram, failure& f) {
    w::message<64> m;
    if (auto s = m.decode(datagram); !s) {
        f = from_error(s.error(), "IKE message");
        return std::nullopt;
    }
    json j = header_json(m.view.header);
    json ps = json::array();
    for (const auto& p : m.view.payloads) ps.push_back(payload_json(p));
    j["payloads"] = std::move(ps);
    return j;
}

// A decrypted inner chain (the cursor counts offsets from the message start).
inline json inner_json(w::chain_cursor c) {
    json ps = json::array();
    while (!c.done()) {
        auto p = c.next();
        if (!p) {
            ps.push_back(json{{"error", error_field(p.error())}});
            break;
        }
        ps.push_back(payload_json(*p));
    }
    return ps;
}

}  // namespace pqike_cli
