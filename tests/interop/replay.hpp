// SPDX-License-Identifier: MIT
// Replays a captured IKEv2 session through pqike: every datagram of a pcap is read with pqike's
// reader, decoded, SK/SKF payloads are opened with keys that pqike derives itself (from the
// key-exchange shared secrets, looked up by the KE data seen in the packets, plus the nonces,
// SPIs and transforms decoded from the packets), fragments are reassembled, IntAuth is chained,
// PSK AUTH computed (with an RFC 8784 PPK mixed in when both sides negotiated one), Child SA
// and rekeyed IKE SA keys derived. Everything observed is recorded
// (as hex) for the tests and the exchanges.json check dispatcher (checks.hpp) to compare.
//
// Test helper: heap and exceptions-free style are not required here, but the library calls are
// the ones a stack would make.
#pragma once

#include "common.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <pqike/crypto/sha2.hpp>
#include <pqike/keys/auth.hpp>
#include <pqike/keys/child_sa_keys.hpp>
#include <pqike/keys/ike_sa_keys.hpp>
#include <pqike/keys/int_auth.hpp>
#include <pqike/keys/key_lengths.hpp>
#include <pqike/keys/ppk.hpp>
#include <pqike/keys/rekey.hpp>
#include <pqike/tools/pcap.hpp>
#include <pqike/wire/fragment.hpp>
#include <pqike/wire/message.hpp>
#include <pqike/wire/ppk.hpp>
#include <pqike/wire/sk.hpp>

namespace pqike::interop {

using test::byte_vec;

inline std::string hx(bytes_view b) { return hex::encode(b); }
inline byte_vec copy(bytes_view b) { return byte_vec(b.begin(), b.end()); }

// ---- what the replay records ---------------------------------------------------------------------

struct frame_record {
    std::size_t frame = 0;  // 1-based pcap record number
    std::uint32_t src = 0, dst = 0;
    std::uint16_t sport = 0, dport = 0;
    bool ike = false;        // an IKE message (UDP 500, or 4500 after the non-ESP marker)
    bool non_esp_marker = false;
    bool esp = false;        // ESP (raw IP protocol 50 or UDP-encapsulated)
    std::size_t udp_ike_size = 0;   // IKE message octets in the datagram
    std::uint32_t header_length = 0;
    bool decoded = false;           // header + top-level chain decode, lengths cover the message
    bool reencoded = false;         // pqike's encoder gives the same octets
    std::uint8_t exchange = 0;
    std::uint32_t mid = 0;
    bool response = false, initiator_flag = false;
    bool encrypted = false;
    bool opened = false;            // ICV verified with pqike's keys
    int ike_sa = -1;                // index into replay::sas
    unsigned stage_used = 0;
    byte_vec plain;                 // decrypted inner octets of this SK/SKF payload (no padding)
    byte_vec esp_payload;           // ESP: SPI onward
};

struct stage_record {
    std::string skeyseed, sk_d, sk_ai, sk_ar, sk_ei, sk_er, sk_pi, sk_pr;
    std::size_t secrets_used = 0;  // shared secrets that went into this stage's SKEYSEED
};

struct int_auth_record {
    std::uint32_t mid = 0;
    bool initiator = true;
    unsigned stage = 0;
    std::string a_p;     // A | P as hashed
    std::string prev;    // IntAuth_(k-1) of the sender (empty for k = 1)
    std::string value;   // IntAuth_k
};

struct auth_record {
    bool initiator = true;
    bool ppk = false;         // computed with SK_pi'/SK_pr' (RFC 8784 §3)
    std::string sk_p;         // the SK_p the octets were built with
    std::string octets;       // the whole signed octets
    std::string computed;     // PSK AUTH computed by pqike
    std::string in_packet;    // AUTH payload data (N(NO_PPK_AUTH) data for no_ppk_auth)
    bool verified = false;    // keys::verify_psk_auth accepted the packet's value
    // With a PPK: the same value from the other key set (unmixed for AUTH, mixed for
    // NO_PPK_AUTH), which must not verify.
    std::string other_sk_p, other_computed;
    bool other_verified = false;
};

// RFC 8784 on one IKE SA: what the packets said and what pqike derived.
struct ppk_record {
    bool use_ppk_i = false, use_ppk_r = false;  // N(USE_PPK) in the IKE_SA_INIT request / response
    std::optional<byte_vec> identity_request;   // N(PPK_IDENTITY) data of the IKE_AUTH request
    std::optional<byte_vec> identity_response;  // ... of the response (empty: PPK used)
    std::uint8_t id_type = 0;                   // PPK_ID type octet (2 = PPK_ID_FIXED)
    std::string id;                             // the PPK ID after it
    bool used = false;                          // keys switched to the mixed set
    std::string sk_d_before, sk_pi_before, sk_pr_before;
    std::string sk_d, sk_pi, sk_pr;             // SK_d', SK_pi', SK_pr'
    std::optional<auth_record> no_ppk_auth;     // N(NO_PPK_AUTH) of the request
};

struct message_record {       // one (reassembled) protected IKE message
    std::vector<std::size_t> frames;
    std::uint8_t exchange = 0;
    std::uint32_t mid = 0;
    bool response = false;
    int ike_sa = -1;
    unsigned stage = 0;
    std::uint16_t total_fragments = 0;
    byte_vec inner;                 // reassembled inner chain
    bool inner_reencoded = false;
    std::optional<byte_vec> addke_link;  // N(ADDITIONAL_KEY_EXCHANGE) data, if present
};

struct ke_record {
    std::uint16_t method = 0;
    byte_vec i_data, r_data;
    std::string secret;
};

struct sa_record {
    std::string spi_i, spi_r;
    std::string ni, nr;
    std::uint16_t encr = 0, encr_bits = 0, integ = 0, prf = 0;
    std::vector<std::uint16_t> proposal_kes;  // KE, ADDKE1.. in the chosen proposal
    bool intermediate_i = false, intermediate_r = false;  // N(INTERMEDIATE_EXCHANGE_SUPPORTED)
    std::vector<ke_record> kes;              // in order of use
    std::vector<stage_record> stages;
    std::vector<int_auth_record> int_auth;
    std::string int_auth_value;              // IntAuth_iN | IntAuth_rN | MID
    std::vector<auth_record> auth;
    ppk_record ppk;
    int rekey_of = -1;
    std::uint32_t created_mid = 0;           // CREATE_CHILD_SA mid (rekey)
    std::size_t followups = 0;               // IKE_FOLLOWUP_KE exchanges seen for the rekey
    std::string rekey_sk_d;                  // the old SA's SK_d its SKEYSEED came from
};

struct child_record {
    int ike_sa = -1;
    std::string where;                       // IKE_AUTH or CREATE_CHILD_SA
    std::uint32_t mid = 0;
    bool exchange_initiator_is_original = true;
    std::string spi_i, spi_r;                // inbound SPIs of the exchange initiator / responder
    std::uint16_t encr = 0, encr_bits = 0, integ = 0;
    std::vector<std::uint16_t> proposal_kes;
    std::vector<ke_record> kes;
    std::string seed;                        // SK(0) | Ni | Nr | SK(1) ...
    std::string encr_i, integ_i, encr_r, integ_r;
    std::size_t followups = 0;
    std::string sk_d;                        // the IKE SA's SK_d the KEYMAT came from
};

struct natd_record {
    std::size_t frame = 0;
    bool source_matches = false, destination_matches = false;
};

// Looks up the shared secret of one key exchange by the initiator's KE data (the public value or
// ML-KEM encapsulation key seen in the packets); empty when unknown.
using secret_lookup = std::function<byte_vec(bytes_view initiator_ke_data)>;

struct replay_result {
    std::vector<frame_record> frames;
    std::vector<message_record> messages;
    std::vector<sa_record> sas;
    std::vector<child_record> children;
    std::vector<natd_record> natd;
    std::vector<std::string> errors;  // anything the replay could not do, with the frame
};

// ---- helpers --------------------------------------------------------------------------------------

struct chosen_proposal {
    wire::protocol_id protocol = wire::protocol_id::ike;
    byte_vec spi;
    std::uint16_t encr = 0, encr_bits = 0, integ = 0, prf = 0;
    std::vector<std::uint16_t> kes;  // KE then ADDKE1..7 (NONE skipped)
};

// The first proposal of an SA payload (a response carries exactly the chosen one).
inline std::optional<chosen_proposal> first_proposal(const wire::raw_payload& p) {
    auto sa = wire::sa_view::decode(p);
    if (!sa) return std::nullopt;
    auto pc = sa->proposal_list();
    if (pc.done()) return std::nullopt;
    auto pr = pc.next();
    if (!pr) return std::nullopt;
    chosen_proposal c;
    c.protocol = pr->protocol;
    c.spi = copy(pr->spi);
    std::array<std::uint16_t, 8> ke{};
    std::array<bool, 8> has{};
    auto tc = pr->transform_list();
    while (!tc.done()) {
        auto t = tc.next();
        if (!t) return std::nullopt;
        const auto ty = static_cast<unsigned>(t->type);
        if (t->type == wire::transform_type::encr) {
            c.encr = t->id;
            c.encr_bits = t->key_length();
        } else if (t->type == wire::transform_type::integ) {
            c.integ = t->id;
        } else if (t->type == wire::transform_type::prf) {
            c.prf = t->id;
        } else if (ty == 4 || (ty >= 6 && ty <= 12)) {
            const std::size_t slot = ty == 4 ? 0 : ty - 5;
            ke[slot] = t->id;
            has[slot] = true;
        }
    }
    for (std::size_t i = 0; i < 8; ++i)
        if (has[i] && ke[i] != 0) c.kes.push_back(ke[i]);
    return c;
}

inline const wire::raw_payload* find_notify(const std::vector<wire::raw_payload>& ps, wire::notify_type t) {
    for (const auto& p : ps)
        if (p.type == wire::payload_type::notify)
            if (auto n = wire::notify_view::decode(p); n && n->kind == t) return &p;
    return nullptr;
}
inline const wire::raw_payload* find(const std::vector<wire::raw_payload>& ps, wire::payload_type t) {
    for (const auto& p : ps)
        if (p.type == t) return &p;
    return nullptr;
}

// RFC 7296 §2.23: NAT-D hash = SHA-1(SPIi | SPIr | IP | port).
inline byte_vec natd_hash(bytes_view spis, std::uint32_t ip, std::uint16_t port) {
    std::array<std::byte, 6> ap{};
    store_be32(ap.data(), ip);
    store_be16(ap.data() + 4, port);
    crypto::sha1 h;
    h.update(spis);
    h.update(ap);
    byte_vec out(crypto::sha1::digest_size);
    h.finish(std::span<std::byte, crypto::sha1::digest_size>{out.data(), crypto::sha1::digest_size});
    return out;
}

inline std::uint32_t ip32(const pcap::ipv4_addr& a) {
    return (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | a[3];
}

// Raw IPv4 ESP (protocol 50) from an Ethernet/raw/SLL frame: the IP payload, else empty.
inline bytes_view raw_esp(pcap::linktype lt, bytes_view frame, std::uint32_t& src, std::uint32_t& dst) {
    std::size_t at = lt == pcap::linktype::ethernet ? 14 : lt == pcap::linktype::linux_sll ? 16 : 0;
    if (frame.size() < at + 20) return {};
    const bytes_view ip = frame.subspan(at);
    if ((std::to_integer<unsigned>(ip[0]) >> 4) != 4 || std::to_integer<unsigned>(ip[9]) != 50) return {};
    const std::size_t ihl = (std::to_integer<std::size_t>(ip[0]) & 0x0f) * 4;
    const std::size_t total = load_be16(ip.data() + 2);
    if (ihl < 20 || total < ihl || total > ip.size()) return {};
    src = load_be32(ip.data() + 12);
    dst = load_be32(ip.data() + 16);
    return ip.subspan(ihl, total - ihl);
}

// What a UDP datagram carries: an IKE message (port 500, or 4500 after the non-ESP marker), ESP
// (4500 without the marker), a NAT-T keepalive, or nothing usable.
struct udp_content {
    enum kind_t { ike, esp, other } kind = other;
    bool marker = false;
    bytes_view data{};
};
inline udp_content classify(const pcap::udp_datagram& u) {
    if (u.endpoints.sport != 4500 && u.endpoints.dport != 4500) return {udp_content::ike, false, u.payload};
    auto e = wire::classify_udp4500(u.payload);
    if (!e) return {};
    if (e->kind == wire::udp_encap_kind::ike) return {udp_content::ike, true, e->data};
    if (e->kind == wire::udp_encap_kind::esp) return {udp_content::esp, false, e->data};
    return {};
}

// The IKE messages of a capture with their 1-based record numbers (for the bad-input tests).
inline result<std::vector<std::pair<std::size_t, byte_vec>>> captured_ike_messages(bytes_view file) {
    auto f = pcap::file_reader::open(file);
    if (!f) return f.error();
    std::vector<std::pair<std::size_t, byte_vec>> out;
    std::size_t n = 0;
    while (!f->done()) {
        auto rec = f->next();
        if (!rec) return rec.error();
        ++n;
        auto u = pcap::parse_udp(f->link(), rec->frame);
        if (!u) continue;
        const auto c = classify(*u);
        if (c.kind == udp_content::ike) out.emplace_back(n, copy(c.data));
    }
    return out;
}

// ---- the replay -----------------------------------------------------------------------------------

// P: the PRF, C: the SK cipher negotiated in the capture (checked against the SA payloads).
template <policy::Prf P, policy::SkCipher C>
class session_replay {
public:
    using keys_t = keys::ike_sa_keys<P>;

    // ppk: an RFC 8784 PPK for the sessions of the capture (empty: none configured).
    session_replay(secret_lookup secrets, std::string psk, byte_vec ppk = {})
        : secrets_(std::move(secrets)), psk_(std::move(psk)), ppk_(std::move(ppk)) {}

    // Replays a whole pcap file; a pcap error (truncated, bad magic) is returned as is.
    status run(bytes_view file, std::size_t max_frames = static_cast<std::size_t>(-1)) {
        auto f = pcap::file_reader::open(file);
        if (!f) return f.error();
        std::size_t n = 0;
        while (!f->done() && n < max_frames) {
            auto rec = f->next();
            if (!rec) return rec.error();
            datagram(++n, f->link(), rec->frame);
        }
        return {};
    }

    replay_result& result() { return out_; }
    // Why the last feed() did not open its message (errc::ok when it did or nothing failed).
    errc last_error() const { return last_error_; }

    // The live state of one IKE SA (exposed so the bad-input tests can check it is unchanged).
    struct sa_state {
        std::uint64_t spi_i = 0, spi_r = 0;
        std::vector<keys_t> stages;
        keys::int_auth<P> ia;
        byte_vec ni, nr, init_req, init_resp;
        std::optional<keys::int_auth_value<P>> ia_value;
        std::optional<keys::ppk_candidates<P>> ppk;  // RFC 8784: both key sets, from the IKE_AUTH request
        byte_vec pending_ke_i;  // IKE_INTERMEDIATE request's KE data
        std::unique_ptr<wire::reassembly_storage<>> store = std::make_unique<wire::reassembly_storage<>>();
        std::unique_ptr<wire::reassembler> reasm = std::make_unique<wire::reassembler>(*store);
        std::vector<std::size_t> frag_frames;
        // a CREATE_CHILD_SA (+ IKE_FOLLOWUP_KE) in flight
        struct pending {
            bool active = false, ike = false, sender_original = true;
            std::uint32_t mid = 0;
            byte_vec ni, nr, spi_i, spi_r;
            chosen_proposal chosen;
            std::vector<ke_record> kes;
            std::size_t followups = 0;
            bool await_followup_response = false;
        } cc;
    };
    std::vector<std::unique_ptr<sa_state>>& states() { return sas_; }

    // Everything a rejected message must leave alone: every stage's keys, both IntAuth chains,
    // the reassembly in progress, the CREATE_CHILD_SA in flight, what was derived so far.
    std::string state_digest() const {
        std::ostringstream d;  // a stream, not operator+ chains (g++ 12 -O3 -Wrestrict false positive)
        d << out_.sas.size() << '/' << out_.children.size() << '/' << out_.messages.size();
        for (const auto& sa : sas_) {
            d << "|sa " << sa->stages.size();
            for (const auto& k : sa->stages)
                for (const bytes_view b : {k.sk_d(), k.sk_ai(), k.sk_ar(), k.sk_ei(), k.sk_er(), k.sk_pi(), k.sk_pr()})
                    d << ' ' << hx(b);
            d << " ia " << hx(sa->ia.initiator_value()) << ' ' << hx(sa->ia.responder_value()) << ' '
              << sa->ia.initiator_count() << sa->ia.responder_count();
            d << " frag " << sa->reasm->in_progress() << sa->reasm->received() << '/' << sa->reasm->total_fragments()
              << ' ' << sa->frag_frames.size();
            if (sa->reasm->in_progress()) d << " mid " << sa->reasm->message_id();
            d << " cc " << sa->cc.active << sa->cc.kes.size() << hx(sa->pending_ke_i);
            d << " ppk " << sa->ppk.has_value();
        }
        return d.str();
    }

    // Feeds one IKE message as if received (used by the bad-input tests). Returns whether it was
    // opened (or, for unprotected messages, decoded).
    bool feed(std::size_t frame_no, bytes_view msg) {
        last_error_ = errc::ok;
        frame_record fr;
        fr.frame = frame_no;
        fr.ike = true;
        return ike_message(fr, msg);
    }

private:
    void fail(std::size_t frame, const std::string& what) {
        out_.errors.push_back("frame " + std::to_string(frame) + ": " + what);
    }

    void datagram(std::size_t n, pcap::linktype lt, bytes_view frame) {
        frame_record fr;
        fr.frame = n;
        auto u = pcap::parse_udp(lt, frame);
        if (!u) {
            std::uint32_t s = 0, d = 0;
            const bytes_view esp = raw_esp(lt, frame, s, d);
            if (!esp.empty()) {
                fr.esp = true;
                fr.src = s;
                fr.dst = d;
                fr.esp_payload = copy(esp);
            }
            out_.frames.push_back(std::move(fr));
            return;
        }
        fr.src = ip32(u->endpoints.src);
        fr.dst = ip32(u->endpoints.dst);
        fr.sport = u->endpoints.sport;
        fr.dport = u->endpoints.dport;
        const udp_content c = classify(*u);
        if (c.kind != udp_content::ike) {
            fr.esp = c.kind == udp_content::esp;
            if (fr.esp) fr.esp_payload = copy(c.data);
            out_.frames.push_back(std::move(fr));
            return;
        }
        fr.non_esp_marker = c.marker;
        fr.ike = true;
        ike_message(fr, c.data);
    }

    bool ike_message(frame_record fr, bytes_view msg) {
        fr.udp_ike_size = msg.size();
        wire::message<64> m;
        const status st = m.decode(msg);
        bool result = false;
        if (st.ok()) {
            fr.decoded = true;
            const auto& h = m.view.header;
            fr.header_length = h.length;
            fr.exchange = to_number(h.exchange);
            fr.mid = h.message_id;
            fr.response = (h.flags & wire::flag::response) != 0;
            fr.initiator_flag = (h.flags & wire::flag::initiator) != 0;
            byte_vec re(msg.size());
            writer w{re};
            fr.reencoded = wire::encode_message(m.view, w).has_value() && hx(w.written()) == hx(msg);
            const bool protected_msg = m.view.find(wire::payload_type::sk) || m.view.find(wire::payload_type::skf);
            if (!protected_msg) {
                if (h.exchange == wire::exchange_type::ike_sa_init) result = ike_sa_init(fr, msg, m.view);
            } else {
                fr.encrypted = true;
                result = protected_message(fr, msg);
            }
        } else {
            if (msg.size() >= wire::ike_header_size) fr.header_length = load_be32(msg.data() + 24);
            last_error_ = st.code();
            fail(fr.frame, std::string("decode: ") + st.error().name() + " " + st.error().field);
        }
        out_.frames.push_back(std::move(fr));
        return result;
    }

    sa_state* find_sa(std::uint64_t spi_i, std::uint64_t spi_r, int& index) {
        for (std::size_t i = 0; i < sas_.size(); ++i)
            if (sas_[i]->spi_i == spi_i && sas_[i]->spi_r == spi_r) {
                index = static_cast<int>(i);
                return sas_[i].get();
            }
        return nullptr;
    }

    // ---- IKE_SA_INIT ----
    bool ike_sa_init(frame_record& fr, bytes_view msg, const wire::message_view& m) {
        std::vector<wire::raw_payload> ps(m.payloads.begin(), m.payloads.end());
        const auto* nonce = find(ps, wire::payload_type::nonce);
        const auto* ke = find(ps, wire::payload_type::ke);
        const auto* sa = find(ps, wire::payload_type::sa);
        natd(fr, m, ps);
        if (!nonce || !ke || !sa) return true;  // e.g. a cookie or INVALID_KE_PAYLOAD response
        const auto kv = *wire::ke_view::decode(*ke);
        if (!fr.response) {
            init_req_ = copy(msg);
            init_ni_ = copy(wire::nonce_view::decode(*nonce)->data);
            init_ke_ = copy(kv.data);
            init_ke_method_ = to_number(kv.method);
            init_use_ppk_ = find_notify(ps, wire::notify_type::use_ppk) != nullptr;
            init_intermediate_ = find_notify(ps, wire::notify_type::intermediate_exchange_supported) != nullptr;
            return true;
        }
        auto c = first_proposal(*sa);
        if (!c) return fail(fr.frame, "IKE_SA_INIT SA"), false;
        if (c->encr != C::encr_id || c->encr_bits != C::key_bits || c->integ != C::integ_id ||
            c->prf != P::transform_id)
            return fail(fr.frame, "negotiated transforms differ from the replay's policies"), false;
        auto st = std::make_unique<sa_state>();
        st->spi_i = m.header.spi_i;
        st->spi_r = m.header.spi_r;
        st->ni = init_ni_;
        st->nr = copy(wire::nonce_view::decode(*nonce)->data);
        st->init_req = init_req_;
        st->init_resp = copy(msg);
        sa_record rec;
        std::array<std::byte, 8> s8{};
        store_be64(s8.data(), st->spi_i);
        rec.spi_i = hx(s8);
        store_be64(s8.data(), st->spi_r);
        rec.spi_r = hx(s8);
        rec.ni = hx(st->ni);
        rec.nr = hx(st->nr);
        rec.encr = c->encr;
        rec.encr_bits = c->encr_bits;
        rec.integ = c->integ;
        rec.prf = c->prf;
        rec.proposal_kes = c->kes;
        rec.ppk.use_ppk_i = init_use_ppk_;  // RFC 8784 §3: N(USE_PPK) in both IKE_SA_INIT messages
        rec.ppk.use_ppk_r = find_notify(ps, wire::notify_type::use_ppk) != nullptr;
        rec.intermediate_i = init_intermediate_;  // RFC 9242 §3.1
        rec.intermediate_r = find_notify(ps, wire::notify_type::intermediate_exchange_supported) != nullptr;
        ke_record k{to_number(kv.method), init_ke_, copy(kv.data), {}};
        if (init_ke_method_ != k.method) return fail(fr.frame, "KE methods differ"), false;
        const byte_vec secret = secrets_(k.i_data);
        if (secret.empty()) return fail(fr.frame, "no shared secret for this KE data"), false;
        k.secret = hx(secret);
        rec.kes.push_back(k);
        auto s0 = keys_t::after_ike_sa_init(keys::initiator_nonce{st->ni}, keys::responder_nonce{st->nr},
                                            keys::initiator_spi{bytes_view{rec_spi(st->spi_i)}},
                                            keys::responder_spi{bytes_view{rec_spi(st->spi_r)}},
                                            keys::ke_secret{secret}, keys::ike_key_lengths<P, C>());
        if (!s0) return fail(fr.frame, "stage 0"), false;
        std::array<std::byte, P::output_size> seed{};
        (void)keys::skeyseed_initial<P>(keys::initiator_nonce{st->ni}, keys::responder_nonce{st->nr},
                                        keys::ke_secret{secret}, seed);
        rec.stages.push_back(stage(*s0, seed, 1));
        st->stages.push_back(std::move(*s0));
        out_.sas.push_back(std::move(rec));
        sas_.push_back(std::move(st));
        fr.ike_sa = static_cast<int>(sas_.size() - 1);
        return true;
    }

    static std::array<std::byte, 8> rec_spi(std::uint64_t v) {
        std::array<std::byte, 8> s{};
        store_be64(s.data(), v);
        return s;
    }

    static stage_record stage(const keys_t& k, bytes_view seed, std::size_t secrets) {
        return {hx(seed), hx(k.sk_d()), hx(k.sk_ai()), hx(k.sk_ar()), hx(k.sk_ei()), hx(k.sk_er()),
                hx(k.sk_pi()), hx(k.sk_pr()), secrets};
    }

    void natd(const frame_record& fr, const wire::message_view& m, const std::vector<wire::raw_payload>& ps) {
        const auto* src = find_notify(ps, wire::notify_type::nat_detection_source_ip);
        const auto* dst = find_notify(ps, wire::notify_type::nat_detection_destination_ip);
        if (!src || !dst) return;
        std::array<std::byte, 16> spis{};
        store_be64(spis.data(), m.header.spi_i);
        store_be64(spis.data() + 8, m.header.spi_r);
        natd_record r;
        r.frame = fr.frame;
        r.source_matches = hx(wire::notify_view::decode(*src)->data) == hx(natd_hash(spis, fr.src, fr.sport));
        r.destination_matches = hx(wire::notify_view::decode(*dst)->data) == hx(natd_hash(spis, fr.dst, fr.dport));
        out_.natd.push_back(r);
    }

    // ---- SK / SKF ----
    bool protected_message(frame_record& fr, bytes_view msg) {
        auto h = wire::decode_header(msg);
        int idx = -1;
        sa_state* sa = find_sa(h->spi_i, h->spi_r, idx);
        if (!sa) return fail(fr.frame, "no IKE SA for these SPIs"), false;
        fr.ike_sa = idx;
        const keys_t& k = sa->stages.back();
        fr.stage_used = k.stage();
        const bool from_i = (h->flags & wire::flag::initiator) != 0;
        const wire::sk_keys sk{from_i ? k.sk_ei() : k.sk_er(), from_i ? k.sk_ai() : k.sk_ar()};
        // Open this payload on its own (records its plaintext; SKF fragments are independent).
        byte_vec buf(msg.size());
        auto o = wire::open<C>(sk, msg, buf);
        if (!o) {
            last_error_ = o.code();
            fail(fr.frame, std::string("open: ") + o.error().name());
            return false;
        }
        fr.opened = true;
        fr.plain = copy(o->inner);
        message_record mr;
        mr.exchange = fr.exchange;
        mr.mid = fr.mid;
        mr.response = fr.response;
        mr.ike_sa = idx;
        mr.stage = k.stage();
        if (o->frame.fragment) {
            auto r = sa->reasm->template add<C>(sk, msg);
            if (!r) {
                last_error_ = r.code();
                return fail(fr.frame, std::string("reassembly: ") + r.error().name()), false;
            }
            sa->frag_frames.push_back(fr.frame);
            if (*r != wire::reassembly_status::complete) return true;
            const wire::protected_message pm = sa->reasm->message();
            mr.frames = sa->frag_frames;
            mr.total_fragments = sa->reasm->total_fragments();
            sa->frag_frames.clear();
            const bool ok = inner(*sa, idx, fr, pm, mr);
            sa->reasm->reset();
            return ok;
        }
        mr.frames = {fr.frame};
        return inner(*sa, idx, fr, o->view(), mr);
    }

    bool inner(sa_state& sa, int idx, const frame_record& fr, const wire::protected_message& pm, message_record& mr) {
        mr.inner = copy(pm.inner);
        std::vector<wire::raw_payload> ps;
        wire::chain_cursor c{pm.first_inner, pm.inner, 0, {}};
        while (!c.done()) {
            auto p = c.next();
            if (!p) return fail(fr.frame, "inner chain"), false;
            if (const status v = wire::validate_payload(*p); !v) return fail(fr.frame, "inner payload"), false;
            ps.push_back(*p);
        }
        {
            byte_vec re(pm.inner.size());
            writer w{re};
            wire::chain_builder b{w, wire::chain_builder::npos};
            for (const auto& p : ps) b.add(p);
            mr.inner_reencoded = b.finish().ok() && hx(w.written()) == hx(pm.inner) &&
                                 (ps.empty() || ps.front().type == pm.first_inner);
        }
        if (const auto* n = find_notify(ps, wire::notify_type::additional_key_exchange))
            mr.addke_link = copy(wire::notify_view::decode(*n)->data);
        out_.messages.push_back(mr);
        const auto ex = static_cast<wire::exchange_type>(fr.exchange);
        const bool from_i = fr.initiator_flag;
        switch (ex) {
            case wire::exchange_type::ike_intermediate: return intermediate(sa, idx, fr, pm, ps);
            case wire::exchange_type::ike_auth: return ike_auth(sa, idx, fr, ps, from_i);
            case wire::exchange_type::create_child_sa: return create_child(sa, idx, fr, ps, from_i);
            case wire::exchange_type::ike_followup_ke: return followup(sa, idx, fr, ps);
            default: return true;
        }
    }

    bool intermediate(sa_state& sa, int idx, const frame_record& fr, const wire::protected_message& pm,
                      const std::vector<wire::raw_payload>& ps) {
        const keys_t& k = sa.stages.back();
        byte_vec a(wire::int_auth_a_size(pm));
        auto ch = wire::int_auth_a_p(pm, a);
        if (!ch) return fail(fr.frame, "IntAuth A"), false;
        const bool init = fr.initiator_flag;
        const auto who = init ? keys::int_auth_sender::initiator : keys::int_auth_sender::responder;
        int_auth_record r;
        r.mid = fr.mid;
        r.initiator = init;
        r.stage = k.stage();
        r.prev = hx(init ? sa.ia.initiator_value() : sa.ia.responder_value());
        r.a_p = hx(ch->a) + hx(ch->p);
        sa.ia.add(who, k, ch->a, ch->p);
        r.value = hx(init ? sa.ia.initiator_value() : sa.ia.responder_value());
        auto& rec = out_.sas[static_cast<std::size_t>(idx)];
        rec.int_auth.push_back(r);
        const auto* ke = find(ps, wire::payload_type::ke);
        if (!ke) return true;
        const auto kv = *wire::ke_view::decode(*ke);
        if (!fr.response) {
            sa.pending_ke_i = copy(kv.data);
            return true;
        }
        const byte_vec secret = secrets_(sa.pending_ke_i);
        if (secret.empty()) return fail(fr.frame, "no shared secret for ADDKE"), false;
        rec.kes.push_back({to_number(kv.method), sa.pending_ke_i, copy(kv.data), hx(secret)});
        auto next = keys::ike_sa_keys<P>{k}.after_additional_ke(keys::ke_secret{secret});  // every stage is kept
        if (!next) return fail(fr.frame, "next stage"), false;
        std::array<std::byte, P::output_size> seed{};
        keys::skeyseed_next<P>(k.sk_d(), keys::ke_secret{secret}, k.nonce_i(), k.nonce_r(), seed);
        rec.stages.push_back(stage(*next, seed, 1));
        sa.stages.push_back(std::move(*next));
        return true;
    }

    bool ike_auth(sa_state& sa, int idx, const frame_record& fr, const std::vector<wire::raw_payload>& ps, bool from_i) {
        const auto* id = find(ps, from_i ? wire::payload_type::idi : wire::payload_type::idr);
        const auto* au = find(ps, wire::payload_type::auth);
        auto& rec = out_.sas[static_cast<std::size_t>(idx)];
        if (!ppk_step(sa, rec, fr, ps)) return false;
        const keys_t& k = sa.stages.back();
        if (id && au) {
            if (!sa.ia_value) {
                auto v = sa.ia.finish(fr.mid);
                if (!v) return fail(fr.frame, "IntAuth finish"), false;
                sa.ia_value = *v;
                rec.int_auth_value = hx(v->view());
            }
            const auto av = *wire::auth_view::decode(*au);
            // With a PPK the request's AUTH uses SK_pi' (the initiator proposes the PPK) and the
            // response's AUTH the keys the responder chose (RFC 8784 §3).
            const keys_t& ka = sa.ppk && !fr.response ? sa.ppk->mixed : k;
            auth_record a = psk_auth_record(sa, ka, from_i, id->body, av.data);
            if (sa.ppk) {
                const keys_t& other = ka.ppk_mixed() ? sa.ppk->unmixed : sa.ppk->mixed;
                const auth_record o = psk_auth_record(sa, other, from_i, id->body, av.data);
                a.other_sk_p = o.sk_p;
                a.other_computed = o.computed;
                a.other_verified = o.verified;
            }
            rec.auth.push_back(a);
            // N(NO_PPK_AUTH): the AUTH data with the unmixed SK_pi, for a responder without the PPK.
            if (const auto* n = find_notify(ps, wire::notify_type::no_ppk_auth); n && from_i && !fr.response) {
                auto np = wire::no_ppk_auth_notify::decode(*wire::notify_view::decode(*n));
                if (!np) return fail(fr.frame, "NO_PPK_AUTH"), false;
                const keys_t& unmixed = sa.ppk ? sa.ppk->unmixed : k;
                auth_record na = psk_auth_record(sa, unmixed, true, id->body, np->auth_data);
                if (sa.ppk) {
                    const auth_record o = psk_auth_record(sa, sa.ppk->mixed, true, id->body, np->auth_data);
                    na.other_sk_p = o.sk_p;
                    na.other_computed = o.computed;
                    na.other_verified = o.verified;
                }
                rec.ppk.no_ppk_auth = na;
            }
        }
        // The Child SA created with IKE_AUTH: SA payload in request (initiator SPI) and response.
        const auto* sap = find(ps, wire::payload_type::sa);
        if (!sap) return true;
        auto c = first_proposal(*sap);
        if (!c) return fail(fr.frame, "IKE_AUTH SA"), false;
        if (!fr.response) {
            auth_child_spi_i_ = c->spi;
            return true;
        }
        child_record ch;
        ch.ike_sa = idx;
        ch.where = "IKE_AUTH";
        ch.mid = fr.mid;
        ch.spi_i = hx(auth_child_spi_i_);
        ch.spi_r = hx(c->spi);
        return child_keys(ch, k, *c, sa.ni, sa.nr, fr.frame);
    }

    // PSK AUTH over the octets built with this key set's SK_pi / SK_pr (RFC 7296 §2.15, RFC 9242
    // §3.3.2 with IntAuth).
    auth_record psk_auth_record(const sa_state& sa, const keys_t& k, bool from_i, bytes_view id_body,
                                bytes_view received) const {
        const auto oct = from_i ? keys::initiator_signed_octets(k, sa.init_req, sa.nr, id_body, *sa.ia_value)
                                : keys::responder_signed_octets(k, sa.init_resp, sa.ni, id_body, *sa.ia_value);
        auth_record a;
        a.initiator = from_i;
        a.ppk = k.ppk_mixed();
        a.sk_p = hx(from_i ? k.sk_pi() : k.sk_pr());
        for (const bytes_view part : oct.parts()) a.octets += hx(part);
        std::array<std::byte, P::output_size> out{};
        keys::psk_auth(test::view(psk_), oct, out);
        a.computed = hx(out);
        a.in_packet = hx(received);
        a.verified = keys::verify_psk_auth(test::view(psk_), oct, received).ok();
        return a;
    }

    // RFC 8784 §3 at IKE_AUTH. Request: N(PPK_IDENTITY) (PPK_ID type octet + ID) after both
    // IKE_SA_INIT messages carried N(USE_PPK); with a PPK configured, both key sets are derived
    // (mix_ppk_rfc8784). Response: N(PPK_IDENTITY) (empty) says the responder used the PPK, so
    // the SA continues with SK_d', SK_pi', SK_pr'; without it, with the unmixed keys.
    bool ppk_step(sa_state& sa, sa_record& rec, const frame_record& fr, const std::vector<wire::raw_payload>& ps) {
        const auto* n = find_notify(ps, wire::notify_type::ppk_identity);
        if (!fr.response) {
            if (!n) return true;
            const auto nv = *wire::notify_view::decode(*n);
            auto pi = wire::ppk_identity_notify::decode(nv);
            if (!pi || !pi->has_id) return fail(fr.frame, "PPK_IDENTITY"), false;
            rec.ppk.identity_request = copy(nv.data);
            rec.ppk.id_type = pi->id.type;
            for (const std::byte b : pi->id.identity) rec.ppk.id += static_cast<char>(b);
            if (!rec.ppk.use_ppk_i || !rec.ppk.use_ppk_r) return fail(fr.frame, "PPK_IDENTITY without USE_PPK"), false;
            if (ppk_.empty() || sa.ppk) return true;
            auto c = keys::mix_ppk_rfc8784(sa.stages.back(), test::view(ppk_));
            if (!c) return fail(fr.frame, std::string("PPK mix: ") + c.error().name()), false;
            sa.ppk.emplace(std::move(*c));
            return true;
        }
        // PPK_IDENTITY in a response carries no data (RFC 8784 §3).
        if (n) {
            auto pr = wire::ppk_identity_notify::decode(*wire::notify_view::decode(*n));
            if (!pr || pr->has_id) return fail(fr.frame, "PPK_IDENTITY response not empty"), false;
            rec.ppk.identity_response.emplace();
        }
        if (!sa.ppk) return true;
        rec.ppk.used = n != nullptr;
        const auto& before = sa.ppk->unmixed;
        rec.ppk.sk_d_before = hx(before.sk_d());
        rec.ppk.sk_pi_before = hx(before.sk_pi());
        rec.ppk.sk_pr_before = hx(before.sk_pr());
        const auto& m = sa.ppk->mixed;
        rec.ppk.sk_d = hx(m.sk_d());
        rec.ppk.sk_pi = hx(m.sk_pi());
        rec.ppk.sk_pr = hx(m.sk_pr());
        sa.stages.back() = sa.ppk->select(rec.ppk.used);
        return true;
    }

    bool child_keys(child_record& ch, const keys_t& k, const chosen_proposal& c, bytes_view ni, bytes_view nr,
                    std::size_t frame) {
        ch.encr = c.encr;
        ch.encr_bits = c.encr_bits;
        ch.integ = c.integ;
        ch.proposal_kes = c.kes;
        auto len = keys::child_lengths(static_cast<wire::encr_id>(c.encr), c.encr_bits, static_cast<wire::integ_id>(c.integ));
        if (!len) return fail(frame, "child lengths"), false;
        std::vector<byte_vec> secrets;
        for (const auto& ke : ch.kes) secrets.push_back(unhex_(ke.secret));
        std::vector<bytes_view> sv(secrets.begin(), secrets.end());
        keys::detail::ke_seed seed;
        if (!seed.build(sv, ni, nr).ok()) return fail(frame, "child seed"), false;
        for (const bytes_view part : seed.view()) ch.seed += hx(part);
        auto ck = keys::derive_child_sa_keys(k, keys::initiator_nonce{ni}, keys::responder_nonce{nr}, sv, *len);
        if (!ck) return fail(frame, "child keys"), false;
        ch.encr_i = hx(ck->encr_i());
        ch.integ_i = hx(ck->integ_i());
        ch.encr_r = hx(ck->encr_r());
        ch.integ_r = hx(ck->integ_r());
        ch.sk_d = hx(k.sk_d());
        out_.children.push_back(std::move(ch));
        return true;
    }

    static byte_vec unhex_(const std::string& s) { return hex::decode(s).value(); }

    bool create_child(sa_state& sa, int idx, const frame_record& fr, const std::vector<wire::raw_payload>& ps, bool from_i) {
        const auto* sap = find(ps, wire::payload_type::sa);
        const auto* nonce = find(ps, wire::payload_type::nonce);
        const auto* ke = find(ps, wire::payload_type::ke);
        if (!sap || !nonce) return true;  // e.g. an error notify
        auto c = first_proposal(*sap);
        if (!c) return fail(fr.frame, "CREATE_CHILD_SA SA"), false;
        auto& cc = sa.cc;
        if (!fr.response) {
            cc = {};
            cc.active = true;
            cc.ike = c->protocol == wire::protocol_id::ike;
            cc.sender_original = from_i;
            cc.mid = fr.mid;
            cc.ni = copy(wire::nonce_view::decode(*nonce)->data);
            cc.spi_i = c->spi;
            if (ke) cc.kes.push_back({to_number(wire::ke_view::decode(*ke)->method), copy(wire::ke_view::decode(*ke)->data), {}, {}});
            return true;
        }
        if (!cc.active || cc.mid != fr.mid) return fail(fr.frame, "CREATE_CHILD_SA response without request"), false;
        cc.nr = copy(wire::nonce_view::decode(*nonce)->data);
        cc.spi_r = c->spi;
        cc.chosen = *c;
        if (ke && !cc.kes.empty()) cc.kes.back().r_data = copy(wire::ke_view::decode(*ke)->data);
        if (cc.kes.size() >= c->kes.size()) return finish_create(sa, idx, fr);
        return true;
    }

    bool followup(sa_state& sa, int idx, const frame_record& fr, const std::vector<wire::raw_payload>& ps) {
        auto& cc = sa.cc;
        const auto* ke = find(ps, wire::payload_type::ke);
        if (!cc.active || !ke) return fail(fr.frame, "IKE_FOLLOWUP_KE without CREATE_CHILD_SA"), false;
        const auto kv = *wire::ke_view::decode(*ke);
        if (!fr.response) {
            cc.kes.push_back({to_number(kv.method), copy(kv.data), {}, {}});
            return true;
        }
        cc.kes.back().r_data = copy(kv.data);
        ++cc.followups;
        if (cc.kes.size() >= cc.chosen.kes.size()) return finish_create(sa, idx, fr);
        return true;
    }

    bool finish_create(sa_state& sa, int idx, const frame_record& fr) {
        auto& cc = sa.cc;
        cc.active = false;
        for (auto& k : cc.kes) {
            const byte_vec s = secrets_(k.i_data);
            if (s.empty()) return fail(fr.frame, "no shared secret for CREATE_CHILD_SA KE"), false;
            k.secret = hx(s);
        }
        const keys_t& k = sa.stages.back();
        if (!cc.ike) {
            child_record ch;
            ch.ike_sa = idx;
            ch.where = "CREATE_CHILD_SA";
            ch.mid = cc.mid;
            ch.exchange_initiator_is_original = cc.sender_original;
            ch.spi_i = hx(cc.spi_i);
            ch.spi_r = hx(cc.spi_r);
            ch.kes = cc.kes;
            ch.followups = cc.followups;
            return child_keys(ch, k, cc.chosen, cc.ni, cc.nr, fr.frame);
        }
        // IKE SA rekey (RFC 7296 §2.18, RFC 9370 §2.2.2): the side that started it is the new
        // SA's original initiator, so its SPI and nonce come first.
        std::vector<byte_vec> secrets;
        for (const auto& ke : cc.kes) secrets.push_back(unhex_(ke.secret));
        std::vector<bytes_view> sv(secrets.begin(), secrets.end());
        if (cc.chosen.encr != C::encr_id || cc.chosen.prf != P::transform_id)
            return fail(fr.frame, "rekey transforms differ from the replay's policies"), false;
        auto nk = keys::rekey_ike_sa<P>(k, keys::initiator_nonce{cc.ni}, keys::responder_nonce{cc.nr},
                                        keys::initiator_spi{cc.spi_i}, keys::responder_spi{cc.spi_r}, sv,
                                        keys::ike_key_lengths<P, C>());
        if (!nk) return fail(fr.frame, "rekey"), false;
        std::array<std::byte, P::output_size> seed{};
        (void)keys::skeyseed_rekey<P>(k.sk_d(), keys::initiator_nonce{cc.ni}, keys::responder_nonce{cc.nr}, sv, seed);
        auto st = std::make_unique<sa_state>();
        st->spi_i = load_be64(cc.spi_i.data());
        st->spi_r = load_be64(cc.spi_r.data());
        st->ni = cc.ni;
        st->nr = cc.nr;
        sa_record rec;
        rec.spi_i = hx(cc.spi_i);
        rec.spi_r = hx(cc.spi_r);
        rec.ni = hx(cc.ni);
        rec.nr = hx(cc.nr);
        rec.encr = cc.chosen.encr;
        rec.encr_bits = cc.chosen.encr_bits;
        rec.integ = cc.chosen.integ;
        rec.prf = cc.chosen.prf;
        rec.proposal_kes = cc.chosen.kes;
        rec.kes = cc.kes;
        rec.rekey_of = idx;
        rec.created_mid = cc.mid;
        rec.followups = cc.followups;
        rec.rekey_sk_d = hx(k.sk_d());  // SK_d' when the old SA used a PPK (RFC 8784 §3)
        rec.stages.push_back(stage(*nk, seed, sv.size()));
        st->stages.push_back(std::move(*nk));
        out_.sas.push_back(std::move(rec));
        sas_.push_back(std::move(st));
        return true;
    }

    secret_lookup secrets_;
    std::string psk_;
    replay_result out_;
    std::vector<std::unique_ptr<sa_state>> sas_;
    byte_vec ppk_;
    byte_vec init_req_, init_ni_, init_ke_, auth_child_spi_i_;
    bool init_use_ppk_ = false, init_intermediate_ = false;
    std::uint16_t init_ke_method_ = 0;
    errc last_error_ = errc::ok;
};

}  // namespace pqike::interop
