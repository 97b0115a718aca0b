// SPDX-License-Identifier: MIT
// pqike decode (--hex HEX | --file F | --pcap F) [--keys TABLE] [--format json|summary]
// One JSON object per IKE message (message_json.hpp), or one summary line per message. With --keys, SK payloads are opened and SKF
// fragments reassembled and opened with the OpenSSL ciphers (adapters/openssl.hpp); the inner
// payloads appear under "inner".
#include "args.hpp"
#include "capture.hpp"
#include "commands.hpp"
#include "io.hpp"
#include "keys_table.hpp"
#include "message_json.hpp"
#include "requests.hpp"

#include <pqike/adapters/openssl.hpp>
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
"data_len"; SKF "fragment_number" + "total_fragments"; SK "data_len". From a capture (pcap or
pcapng, read with libpcap: Ethernet with 802.1Q, raw IP, Linux cooked v1/v2, loopback; IPv4 and
IPv6 with extension headers, IP fragments reassembled; UDP 500, UDP 4500 with the non-ESP marker,
ESP and keepalives skipped; TCP 4500, RFC 9329) each object also has "frame" (the frame that
completed the message), "src", "dst", "time" (seconds since the epoch), "ip_fragments": N when
IP-reassembled and "transport": "tcp" when TCP-encapsulated. With --keys, SK payloads are opened
and SKF fragments reassembled (RFC 7383), the inner payloads shown under "inner" with "keys_line"
(the table line that opened it); every line for the SPI pair is tried, last first. Ciphers:
AES-GCM-16 (128/256), AES-CBC (128/256) + HMAC-SHA2-256-128. A message that cannot be opened keeps
its outer fields and gets "inner_error". --format summary prints one line per message instead,
like tshark's default output:
  FRAME TIME SRC -> DST EXCHANGE MID=N Initiator|Responder Request|Response PAYLOADS
TIME is seconds since the first message; PAYLOADS lists the payload names, with N(notify name),
KE(method), SKF(n/total); an opened SK shows its inner payloads as SK{...} and "keys=line N" (the
table line, i.e. key stage, that opened it); then "ipfrag=N" / "tcp".)";

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

// ---- --format summary --------------------------------------------------------------------------

// One payload as the summary names it: N(notify), KE(method), SKF(n/total), SK{inner...}.
std::string payload_word(const json& p) {
    std::string s = p.value("name", std::string("?"));
    if (p.contains("notify_name")) {
        const auto n = p["notify_name"].get<std::string>();
        return "N(" + (n == "unknown" ? std::to_string(p["notify_type"].get<unsigned>()) : n) + ")";
    }
    if (p.contains("ke_method_name")) return s + "(" + p["ke_method_name"].get<std::string>() + ")";
    if (p.contains("fragment_number"))
        return s + "(" + std::to_string(p["fragment_number"].get<unsigned>()) + "/" +
               std::to_string(p["total_fragments"].get<unsigned>()) + ")";
    if (p.contains("error") && !p.contains("name")) return "!" + p["error"].value("error", std::string());
    return s;
}

std::string payload_words(const json& ps) {
    std::string s;
    for (const auto& p : ps) s += (s.empty() ? "" : " ") + payload_word(p);
    return s;
}

// The line for one decoded message (or its error object) in json form.
std::string summary_line(const json& m, std::optional<double>& t0) {
    std::string s;
    char num[64];
    if (m.contains("frame")) {
        std::snprintf(num, sizeof num, "%5zu ", m["frame"].get<std::size_t>());
        s += num;
        const double t = m["time"].get<double>();
        if (!t0) t0 = t;
        std::snprintf(num, sizeof num, "%10.6f ", t - *t0);
        s += num;
        s += m["src"].get<std::string>() + " -> " + m["dst"].get<std::string>() + " ";
    }
    if (m.contains("error")) return s + "error " + m["error"].get<std::string>() + " (" + m["detail"].get<std::string>() + ")";
    s += m["exchange_name"].get<std::string>() + " MID=" + std::to_string(m["message_id"].get<std::uint32_t>());
    s += m["flags"]["initiator"].get<bool>() ? " Initiator" : " Responder";
    s += m["flags"]["response"].get<bool>() ? " Response" : " Request";
    json outer = m["payloads"];
    const bool protected_ = !outer.empty() && (outer.back()["name"] == "SK" || outer.back()["name"] == "SKF");
    if (protected_) outer.erase(outer.size() - 1);
    const std::string before = payload_words(outer);
    if (!before.empty()) s += " " + before;
    if (protected_) {
        s += " " + payload_word(m["payloads"].back());
        if (m.contains("reassembly") && m["reassembly"] != "complete") s += " " + m["reassembly"].get<std::string>();
        if (m.contains("inner")) {
            if (m.contains("reassembly")) s += " reassembled";
            s += "{" + payload_words(m["inner"]) + "}";
        }
        if (m.contains("inner_error")) s += " not-opened:" + m["inner_error"]["error"].get<std::string>();
        if (m.contains("keys_line")) s += " keys=line " + std::to_string(m["keys_line"].get<std::size_t>());
    }
    if (m.contains("ip_fragments")) s += " ipfrag=" + std::to_string(m["ip_fragments"].get<std::size_t>());
    if (m.contains("transport")) s += " " + m["transport"].get<std::string>();
    return s;
}

struct output {
    bool summary = false;
    std::optional<double> t0;
    void operator()(const json& j) {
        if (!summary) return print(j);
        const std::string line = summary_line(j, t0);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
    }
};

// Decode (and open) one message; prints it and returns false if it failed to decode.
bool one(bytes_view msg, json meta, opener* op, output& out) {
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
    out(meta);
    return true;
}

}  // namespace

int cmd_decode(int argc, char** argv) {
    failure f;
    auto parsed = parse_options(
        argc, argv, "decode", "Decode IKEv2 messages to JSON; open SK/SKF payloads with Wireshark's key table.",
        {{"hex", "HEX", "one IKE message in hex (whitespace and ':' allowed)"},
         {"file", "FILE", "a file holding one IKE message (binary, or hex text); - for stdin"},
         {"pcap", "FILE", "every IKE message in a capture, pcap or pcapng; - for stdin"},
         {"keys", "TABLE", "Wireshark's ikev2_decryption_table (SPIi,SPIr,SK_ei,SK_er,\"encr\",SK_ai,SK_ar,\"integ\")"},
         {"format", "FORMAT", "json (default) or summary: one line per message, like tshark"}},
        footer);
    if (const int* rc = std::get_if<int>(&parsed)) return *rc;
    const args* a = &std::get<args>(parsed);
    const int sources = int{a->has("hex")} + int{a->has("file")} + int{a->has("pcap")};
    if (sources != 1) return fail(failure{"usage", "give exactly one of --hex, --file, --pcap", 0});

    output out;
    if (const std::string* fmt = a->get("format")) {
        if (*fmt != "json" && *fmt != "summary") return fail(failure{"usage", "--format is json or summary", 0});
        out.summary = *fmt == "summary";
    }

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
        return one(view(*b), json::object(), opp, out) ? 0 : 1;
    }
    if (const std::string* path = a->get("file")) {
        auto text = read_file(*path, f);
        if (!text) return fail(f);
        if (is_hex_text(*text)) {
            auto b = parse_hex(*text, "--file", f);
            if (!b) return fail(f);
            return one(view(*b), json::object(), opp, out) ? 0 : 1;
        }
        return one(bytes_of(*text), json::object(), opp, out) ? 0 : 1;
    }

    int status = 0;
    const auto err = read_capture(*a->get("pcap"), [&](const ike_datagram& d) {
        json meta;
        meta["frame"] = d.frame;
        meta["src"] = d.src;
        meta["dst"] = d.dst;
        meta["time"] = static_cast<double>(d.time_ns / 1000u) / 1e6;
        if (d.ip_fragments != 0) meta["ip_fragments"] = d.ip_fragments;
        if (d.tcp) meta["transport"] = "tcp";
        if (!one(d.msg, std::move(meta), opp, out)) status = 1;
    });
    if (err) return fail(*err);
    return status;
}

}  // namespace pqike_cli
