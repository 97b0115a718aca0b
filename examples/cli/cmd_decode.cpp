// SPDX-License-Identifier: MIT
// pqike decode (--hex HEX | --file F | --pcap F) [--keys TABLE]
// One JSON object per IKE message (message_json.hpp). With --keys, SK payloads are opened and SKF
// fragments reassembled and opened with the OpenSSL ciphers (adapters/openssl.hpp); the inner
// payloads appear under "inner".
#include "args.hpp"
#include "commands.hpp"
#include "io.hpp"
#include "keys_table.hpp"
#include "message_json.hpp"
#include "requests.hpp"

#include <pqike/adapters/openssl.hpp>
#include <pqike/tools/pcap.hpp>
#include <pqike/wire/fragment.hpp>

#include <map>
#include <memory>
#include <tuple>

namespace pqike_cli {
namespace {

// What --help shows besides the options (the options are in cmd_decode's option list).
constexpr const char* footer = R"(Give exactly one of --hex, --file, --pcap. One JSON object per message, one per line:
  {"spi_i", "spi_r" (hex), "exchange", "exchange_name", "flags": {"initiator", "response"},
   "message_id", "length", "payloads": [{"type", "name", "critical", "length", ...}]}
Per payload type: SA "proposals" [{"number", "protocol", "transforms" [{"type", "id", "name",
"key_length"?}]}]; KE "ke_method" + "data_len"; Nonce "data_len"; Notify "notify_type" +
"data_len"; SKF "fragment_number" + "total_fragments"; SK "data_len". From a pcap (UDP 500, and
4500 with the non-ESP marker; ESP and keepalives skipped) each object also has "frame", "src",
"dst". With --keys, SK payloads are opened and SKF fragments reassembled (RFC 7383), the inner
payloads shown under "inner" with "keys_line" (the table line that opened it); every line for the
SPI pair is tried, last first. Ciphers: AES-GCM-16 (128/256), AES-CBC (128/256) +
HMAC-SHA2-256-128. A message that cannot be opened keeps its outer fields and gets "inner_error".)";

using namespace pqike;
namespace ad = pqike::adapters;

// Call f(type_tag<C>{}) with the OpenSSL SK cipher for the row's algorithms; false if none.
template <class F>
bool with_cipher(const key_row& r, F&& f) {
    using wire::encr_id;
    if (r.encr == encr_id::aes_gcm_16 && r.integ == wire::integ_id::none) {
        if (r.key_bits == 128) return f(type_tag<ad::openssl_aes128_gcm16>{});
        if (r.key_bits == 256) return f(type_tag<ad::openssl_aes256_gcm16>{});
    }
    if (r.encr == encr_id::aes_cbc && static_cast<unsigned>(r.integ) == 12) {  // AUTH_HMAC_SHA2_256_128
        if (r.key_bits == 128) return f(type_tag<ad::openssl_aes128_cbc_hmac_sha256_128>{});
        if (r.key_bits == 256) return f(type_tag<ad::openssl_aes256_cbc_hmac_sha256_128>{});
    }
    return false;
}

wire::sk_keys keys_for(const key_row& r, bool from_initiator) {
    return from_initiator ? wire::sk_keys{view(r.sk_ei), view(r.sk_ai)} : wire::sk_keys{view(r.sk_er), view(r.sk_ar)};
}

bool same_spis(const key_row& r, const wire::ike_header& h) {
    return load_be64(r.spi_i.data()) == h.spi_i && load_be64(r.spi_r.data()) == h.spi_r;
}

// Reassembly of SKF messages, keyed by SPIs, message ID and flags.
struct pending {
    std::unique_ptr<wire::reassembly_storage<>> storage = std::make_unique<wire::reassembly_storage<>>();
    wire::reassembler r{*storage};
    const key_row* row = nullptr;
};
using pending_key = std::tuple<std::uint64_t, std::uint64_t, std::uint32_t, std::uint8_t>;

class opener {
public:
    explicit opener(const std::vector<key_row>& rows) : rows_(rows) {}

    // Adds "inner" (or "inner_error", or the reassembly state) to j.
    void open(bytes_view msg, const wire::ike_header& h, bool fragment, json& j) {
        std::optional<failure> last;
        bool any_row = false;
        if (!fragment) {
            for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
                if (!same_spis(*it, h)) continue;
                any_row = true;
                const bool done = with_cipher(*it, [&](auto tag) {
                    using C = typename decltype(tag)::type;
                    byte_vec out(msg.size());
                    auto o = wire::open<C>(keys_for(*it, h.initiator()), msg, out);
                    if (!o) {
                        last = from_error(o.error(), "open SK");
                        return false;
                    }
                    j["keys_line"] = it->line;
                    j["inner"] = inner_json(o->inner_chain());
                    return true;
                });
                if (done) return;
            }
            no_inner(any_row, last, j);
            return;
        }
        const pending_key k{h.spi_i, h.spi_r, h.message_id, h.flags};
        auto& p = pending_[k];
        for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
            if (!same_spis(*it, h) || (p.row != nullptr && p.row != &*it)) continue;
            any_row = true;
            const bool done = with_cipher(*it, [&](auto tag) {
                using C = typename decltype(tag)::type;
                auto st = p.r.template add<C>(keys_for(*it, h.initiator()), msg);
                if (!st) {
                    last = from_error(st.error(), "reassemble SKF");
                    return false;
                }
                p.row = &*it;
                j["keys_line"] = it->line;
                switch (*st) {
                    case wire::reassembly_status::stored: j["reassembly"] = "stored"; break;
                    case wire::reassembly_status::duplicate: j["reassembly"] = "duplicate"; break;
                    case wire::reassembly_status::complete: {
                        j["reassembly"] = "complete";
                        const auto m = p.r.message();
                        j["reassembled_fragments"] = p.r.total_fragments();
                        j["inner"] = inner_json(wire::chain_cursor{m.first_inner, m.inner, 0});
                        break;
                    }
                }
                return true;
            });
            if (done) {
                if (p.r.complete()) pending_.erase(k);
                return;
            }
        }
        if (p.row == nullptr && !p.r.in_progress()) pending_.erase(k);
        no_inner(any_row, last, j);
    }

private:
    static void no_inner(bool any_row, const std::optional<failure>& last, json& j) {
        if (!any_row) j["inner_error"] = error_json(failure{"no_keys", "no usable table line for these SPIs", 0});
        else if (last) j["inner_error"] = error_json(*last);
        else j["inner_error"] = error_json(failure{"unknown_name", "cipher not supported by pqike decode", 0});
    }

    const std::vector<key_row>& rows_;
    std::map<pending_key, pending> pending_;
};

bool is_hex_text(const std::string& s) {
    for (const char c : s)
        if (hex::digit_value(c) < 0 && c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != ':') return false;
    return !s.empty();
}

std::string addr(const pcap::ipv4_addr& a, std::uint16_t port) {
    return std::to_string(a[0]) + std::string(".") + std::to_string(a[1]) + std::string(".") + std::to_string(a[2]) + "." +
           std::to_string(a[3]) + std::string(":") + std::to_string(port);
}

// Decode (and open) one message; prints it and returns false if it failed to decode.
bool one(bytes_view msg, json meta, opener* op) {
    failure f;
    auto j = message_json(msg, f);
    if (!j) {
        json e = std::move(meta);
        e.update(error_json(f));
        print_error(e);
        return false;
    }
    meta.update(*j);
    if (op != nullptr && !meta["payloads"].empty()) {
        const auto& last = meta["payloads"].back();
        const auto type = last["type"].get<unsigned>();
        if (type == wire::to_number(wire::payload_type::sk) || type == wire::to_number(wire::payload_type::skf)) {
            auto h = wire::decode_header(msg);
            if (h) op->open(msg, *h, type == wire::to_number(wire::payload_type::skf), meta);
        }
    }
    print(meta);
    return true;
}

}  // namespace

int cmd_decode(int argc, char** argv) {
    failure f;
    auto parsed = parse_options(
        argc, argv, "decode", "Decode IKEv2 messages to JSON; open SK/SKF payloads with Wireshark's key table.",
        {{"hex", "HEX", "one IKE message in hex (whitespace and ':' allowed)"},
         {"file", "FILE", "a file holding one IKE message (binary, or hex text); - for stdin"},
         {"pcap", "FILE", "every IKE message in a pcap; - for stdin"},
         {"keys", "TABLE", "Wireshark's ikev2_decryption_table (SPIi,SPIr,SK_ei,SK_er,\"encr\",SK_ai,SK_ar,\"integ\")"}},
        footer);
    if (const int* rc = std::get_if<int>(&parsed)) return *rc;
    const args* a = &std::get<args>(parsed);
    const int sources = int{a->has("hex")} + int{a->has("file")} + int{a->has("pcap")};
    if (sources != 1) return fail(failure{"usage", "give exactly one of --hex, --file, --pcap", 0});

    std::vector<key_row> rows;
    std::optional<opener> op;
    if (const std::string* k = a->get("keys")) {
        auto text = read_file(*k, f);
        if (!text) return fail(f);
        auto r = parse_keys_table(*text, f);
        if (!r) return fail(f);
        rows = std::move(*r);
        op.emplace(rows);
    }
    opener* opp = op ? &*op : nullptr;

    if (const std::string* h = a->get("hex")) {
        auto b = parse_hex(*h, "--hex", f);
        if (!b) return fail(f);
        return one(view(*b), json::object(), opp) ? 0 : 1;
    }
    if (const std::string* path = a->get("file")) {
        auto text = read_file(*path, f);
        if (!text) return fail(f);
        if (is_hex_text(*text)) {
            auto b = parse_hex(*text, "--file", f);
            if (!b) return fail(f);
            return one(view(*b), json::object(), opp) ? 0 : 1;
        }
        return one(bytes_of(*text), json::object(), opp) ? 0 : 1;
    }

    auto file = read_file(*a->get("pcap"), f);
    if (!file) return fail(f);
    auto rd = pcap::file_reader::open(bytes_of(*file));
    if (!rd) return fail(from_error(rd.error(), "pcap"));
    int status = 0;
    std::size_t frame = 0;
    while (!rd->done()) {
        auto rec = rd->next();
        if (!rec) return fail(from_error(rec.error(), "pcap"));
        ++frame;
        auto udp = pcap::parse_udp(rd->link(), rec->frame);
        if (!udp) continue;  // not IPv4/UDP (ESP, ARP, IPv6): not IKE
        const auto& ep = udp->endpoints;
        bytes_view msg = udp->payload;
        if (ep.sport == 4500 || ep.dport == 4500) {
            auto c = wire::classify_udp4500(msg);
            if (!c || c->kind != wire::udp_encap_kind::ike) continue;  // ESP or keepalive
            msg = c->data;
        } else if (ep.sport != 500 && ep.dport != 500) {
            continue;
        }
        json meta;
        meta["frame"] = frame;
        meta["src"] = addr(ep.src, ep.sport);
        meta["dst"] = addr(ep.dst, ep.dport);
        if (!one(msg, std::move(meta), opp)) status = 1;
    }
    return status;
}

}  // namespace pqike_cli
