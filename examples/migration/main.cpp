// SPDX-License-Identifier: MIT
// The migration demo: two peers in one process, built only from pqike's sans-I/O helpers.
//
// Scenario 1, "Q-day": a branch office and its gateway run a *legacy* IKE SA (IKE_SA_INIT with
// X25519 only, IKE_AUTH with a PSK, AES-GCM-256 and HMAC-SHA2-256 through the OpenSSL adapters)
// and exchange an INFORMATIONAL. The gateway (escape provider) decides Q-day has come and sends an
// ESCAPE in an INFORMATIONAL; the branch (consumer) ACKs; the branch rekeys the IKE SA with
// X25519 + ML-KEM-768 (CREATE_CHILD_SA + IKE_FOLLOWUP_KE, RFC 9370); both mix the escape PPK into
// the new SA (docs/escape-message.md §7) and exchange ESCAPE_CONFIRMs on it; the old SA is deleted.
// Scenario 2: a fresh PQ IKE SA: X25519 in IKE_SA_INIT, then IKE_INTERMEDIATE with ML-KEM-768 and
// with ML-KEM-1024 (its 1568-octet key does not fit 1280 octets: IKE fragmentation, RFC 7383).
//
// Prints a transcript, writes migration.pcap and ikev2_decryption_table (Wireshark) into the
// current directory, and exits non-zero if anything does not match.
#include "transcript.hpp"

#include <pqike/escape/consumer.hpp>
#include <pqike/escape/hndl.hpp>
#include <pqike/escape/ikev2.hpp>
#include <pqike/escape/provider.hpp>
#include <pqike/exchange/informational.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/exchange/rekey.hpp>

#include <ctime>
#include <memory>
#include <vector>

namespace {

using namespace pqike;
using demo::peer;
using demo::transcript;
using demo::ms_since;
using wire::ke_method;

using methods = kex::ke_registry<adapters::openssl_x25519, crypto::mlkem768, crypto::mlkem1024>;
using suite = exchange::suite<methods, adapters::openssl_prf_hmac_sha2_256, adapters::openssl_aes256_gcm16>;
using prf = suite::prf;
using sa_t = exchange::ike_sa<suite>;

const peer branch{"branch", {192, 0, 2, 10}};
const peer gateway{"gateway", {198, 51, 100, 1}};

// ---- configuration ---------------------------------------------------------------------------------

kex::proposal ike_proposal(std::initializer_list<ke_method> addke) {
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_256);
    (void)p.add_ke(ke_method::curve25519);
    unsigned n = 1;
    for (auto m : addke) (void)p.add_addke(n++, m);
    return p;
}

kex::proposal esp_proposal(std::uint8_t spi_last) {
    kex::proposal p{wire::protocol_id::esp};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_esn(wire::esn_id::no);
    const std::array<std::byte, 4> spi{std::byte{0xc0}, std::byte{0}, std::byte{0}, std::byte{spi_last}};
    (void)p.set_spi(spi);
    return p;
}

bytes_view text(const char* s) { return as_bytes_view(s, std::char_traits<char>::length(s)); }

// TS: 10.0.0.0-10.255.255.255, any protocol and port (RFC 7296 §3.13.1).
bytes_view ts_any10() {
    static const std::array<std::uint8_t, 20> b{0x01, 0, 0, 0, 0x07, 0, 0x00, 0x10, 0, 0, 0xff, 0xff,
                                                0x0a, 0, 0, 0, 0x0a, 0xff, 0xff, 0xff};
    return as_bytes_view(b.data(), b.size());
}

struct two_configs {
    std::array<kex::proposal, 1> ike_i, ike_r, esp_i{esp_proposal(1)}, esp_r{esp_proposal(2)};
    exchange::initial_config ci{}, cr{};
    explicit two_configs(std::initializer_list<ke_method> addke) : ike_i{ike_proposal(addke)}, ike_r{ike_proposal(addke)} {
        for (auto* c : {&ci, &cr}) {
            c->ts_i = ts_any10();
            c->ts_r = ts_any10();
            c->psk = text("branch-17 legacy PSK, 32 octets!");
        }
        ci.ike = ike_i;
        ci.child = esp_i;
        ci.id = exchange::identity{wire::id_type::fqdn, text("branch-17.example")};
        cr.ike = ike_r;
        cr.child = esp_r;
        cr.id = exchange::identity{wire::id_type::fqdn, text("gw.example")};
    }
};

// ---- moving datagrams --------------------------------------------------------------------------------

struct buffer {
    std::vector<std::byte> bytes = std::vector<std::byte>(32768);
    std::array<bytes_view, 32> slots{};
    exchange::out_buffer out() { return {bytes, slots}; }
};
using datagrams = std::vector<std::vector<std::byte>>;
datagrams copy(const exchange::outgoing& o) {
    datagrams d;
    for (auto v : o.datagrams) d.emplace_back(v.begin(), v.end());
    return d;
}
bytes_view view(const std::vector<std::byte>& v) { return {v.data(), v.size()}; }

struct flight {
    wire::exchange_type exchange;
    bool response;
    std::size_t datagrams;
};

// Carries request/response flights between the side that starts (`a`) and the other (`b`) until
// `a` has nothing more to send; `round` runs after each response was taken.
template <class OnA, class OnB, class Round>
bool carry(transcript& t, const peer& a, const peer& b, exchange::outgoing first, OnA&& on_a, OnB&& on_b,
           Round&& round, std::vector<flight>* flights = nullptr) {
    datagrams req = copy(first);
    auto log = [&](const datagrams& ds, bool response) {
        if (ds.empty() || flights == nullptr) return;
        auto h = wire::decode_header(view(ds[0]));
        if (h) flights->push_back({h->exchange, response, ds.size()});
    };
    for (int guard = 0; guard < 20 && !req.empty(); ++guard) {
        log(req, false);
        datagrams resp;
        for (auto& d : req) {
            t.datagram(a, b, view(d));
            auto r = on_b(view(d));
            if (!t.expect(r.has_value(), "responder accepts the request")) return false;
            if (!t.expect(!r->is_refusal(), "request not refused")) return false;
            if (!r->empty()) resp = copy(*r);
        }
        log(resp, true);
        req.clear();
        for (auto& d : resp) {
            t.datagram(b, a, view(d));
            auto r = on_a(view(d));
            if (!t.expect(r.has_value(), "initiator accepts the response")) return false;
            if (!r->empty()) req = copy(*r);
        }
        round();
    }
    return true;
}

template <class P>
bool same_keys(const keys::ike_sa_keys<P>& a, const keys::ike_sa_keys<P>& b) {
    return ct_equal(a.sk_d(), b.sk_d()) && ct_equal(a.sk_ei(), b.sk_ei()) && ct_equal(a.sk_er(), b.sk_er()) &&
           ct_equal(a.sk_ai(), b.sk_ai()) && ct_equal(a.sk_ar(), b.sk_ar()) && ct_equal(a.sk_pi(), b.sk_pi()) &&
           ct_equal(a.sk_pr(), b.sk_pr());
}

// One INFORMATIONAL exchange on an SA: `from` sends `request` items, `to` answers with `answer(...)`.
// Returns the payload lists both sides received through the callbacks.
template <class OnRequest, class OnResponse>
bool informational(transcript& t, sa_t& from_sa, const peer& from, sa_t& to_sa, const peer& to,
                   std::span<const exchange::payload_item> request, OnRequest&& on_request,
                   OnResponse&& on_response, adapters::openssl_rng& rng) {
    auto ii = std::make_unique<exchange::informational_initiator<suite>>(from_sa);
    auto ir = std::make_unique<exchange::informational_responder<suite>>(to_sa);
    buffer b1, b2;
    auto o = ii->start(request, rng, b1.out());
    if (!t.expect(o.has_value(), "INFORMATIONAL request built")) return false;
    const auto req = copy(*o);
    bool whole = false;
    for (const auto& d : req) {
        t.datagram(from, to, view(d));
        auto got = ir->receive(view(d));
        if (!t.expect(got.has_value(), "INFORMATIONAL request authenticated")) return false;
        whole = *got;
    }
    if (!t.expect(whole, "INFORMATIONAL request complete")) return false;
    std::vector<exchange::payload_item> reply = on_request(ir->payloads());
    auto r = ir->respond(reply, rng, b2.out());
    if (!t.expect(r.has_value(), "INFORMATIONAL response built")) return false;
    const auto resp = copy(*r);
    bool done = false;
    for (const auto& d : resp) {
        t.datagram(to, from, view(d));
        auto fin = ii->on_message(view(d));
        if (!t.expect(fin.has_value(), "INFORMATIONAL response authenticated")) return false;
        done = *fin;
    }
    if (!t.expect(done, "INFORMATIONAL response complete")) return false;
    on_response(ii->payloads());
    return true;
}

// An escape message as an INFORMATIONAL payload item: a Notify of the carriage's private-use type
// (docs/escape-message.md §9), its body encoded into `buf`. Empty on failure.
struct escape_item {
    std::array<std::byte, 2048> buf{};
    std::vector<exchange::payload_item> item;  // zero or one
    escape_item() = default;
    escape_item(const escape::ikev2::carriage& c, bytes_view msg) {
        auto n = c.notify(msg);
        if (!n) return;
        if (auto it = exchange::notify_item(*n, buf)) item.push_back(*it);
    }
    escape_item(const escape_item&) = delete;
    escape_item& operator=(const escape_item&) = delete;
};
// The escape message in a received payload list, or empty.
bytes_view escape_in(const escape::ikev2::carriage& c, const exchange::payload_list& pl) {
    auto n = pl.notify(static_cast<wire::notify_type>(c.notify_type));
    if (!n) return {};
    auto m = c.extract(*n);
    return m ? *m : bytes_view{};
}

// ---- scenario 1 ------------------------------------------------------------------------------------

int q_day(transcript& t) {
    adapters::openssl_rng rng_b, rng_g;
    auto now = [] { return static_cast<std::uint64_t>(std::time(nullptr)); };

    t.section("Scenario 1: a legacy IKE SA (X25519 only, PSK, AES-GCM-256 via OpenSSL)");
    two_configs cfg{{}};
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg.ci);
    auto rsp = std::make_unique<exchange::initial_responder<suite>>(cfg.cr);
    buffer bb, bg;
    auto t0 = transcript::clock::now();
    auto first = ini->start(rng_b, bb.out());
    if (!t.expect(first.has_value(), "IKE_SA_INIT request built")) return 1;
    carry(
        t, branch, gateway, *first, [&](bytes_view d) { return ini->on_message(d, rng_b, bb.out()); },
        [&](bytes_view d) { return rsp->on_message(d, rng_g, bg.out()); },
        [&] {
            if (ini->sa().keys) t.keys_in_force(*ini->sa().keys, "legacy IKE SA");
        });
    t.expect(ini->established() && rsp->established(), "legacy IKE SA established on both sides");
    if (!ini->established() || !rsp->established()) return 1;
    t.expect(same_keys(*ini->sa().keys, *rsp->sa().keys), "both sides hold the same legacy keys");
    t.expect(ini->child().established() && rsp->child().established(), "Child SA established with IKE_AUTH");
    t.expect(ini->intermediates_done() == 0, "no IKE_INTERMEDIATE in the legacy SA");
    t.note(std::string("IKE_SA_INIT + IKE_AUTH: ") + std::to_string(ms_since(t0)) + " ms");
    sa_t old_b = ini->sa(), old_g = rsp->sa();

    t.section("INFORMATIONAL on the legacy SA (liveness check)");
    t0 = transcript::clock::now();
    informational(
        t, old_b, branch, old_g, gateway, {},
        [&](const exchange::payload_list& pl) {
            t.expect(pl.n == 0, "empty liveness request");
            return std::vector<exchange::payload_item>{};
        },
        [&](const exchange::payload_list& pl) { t.expect(pl.n == 0, "empty liveness response"); }, rng_b);
    t.note(std::string("INFORMATIONAL: ") + std::to_string(ms_since(t0)) + " ms");

    // ---- the escape: provider = gateway, consumer = branch ----------------------------------------
    t.section("Q-day: the gateway sends an ESCAPE, the branch ACKs");
    const auto escape_psk = text("escape PSK, provisioned 2025-11!");
    const auto key_id = text("escape-key-1");
    const auto ppk_id = text("ppk-2026");
    const auto ppk = text("post-quantum preshared key 2026!");
    const std::uint16_t offered[] = {wire::to_number(ke_method::ml_kem_1024), wire::to_number(ke_method::ml_kem_768)};
    const std::uint16_t branch_can[] = {wire::to_number(ke_method::ml_kem_768)};
    const bytes_view branch_ppks[] = {ppk_id};
    const escape::ikev2::carriage carriage{};

    const auto binding = escape::ike_binding::of(*old_g.keys);
    auto keys_g = escape::key_pair<prf>::derive(escape::key_mode::escape_psk, escape_psk, key_id, binding.view());
    auto keys_b = escape::key_pair<prf>::derive(escape::key_mode::escape_psk, escape_psk, key_id,
                                                escape::ike_binding::of(*old_b.keys).view());
    if (!t.expect(keys_g && keys_b, "escape tag keys")) return 1;
    escape::provider_config pc;
    pc.methods = offered;
    pc.ppk_id = ppk_id;
    pc.why = escape::reason::quantum_threat;
    auto made_provider = escape::provider<prf>::make(pc);
    escape::provider_session session;
    escape::consumer_config cc;
    cc.methods = branch_can;
    cc.ppk_ids = branch_ppks;
    cc.require_ppk = true;
    auto made_consumer = escape::consumer<prf>::make(cc, *keys_b);
    if (!t.expect(made_provider && made_consumer, "escape configurations accepted")) return 1;
    auto& provider = *made_provider;
    auto& consumer = *made_consumer;

    std::array<std::byte, 16> nonce{};
    if (!rng_g.fill(nonce)) return 1;
    auto acts = provider.start(session, *keys_g, nonce, now());
    if (!t.expect(acts && acts->size() == 1 && (*acts)[0].kind == escape::action_kind::send, "provider sends ESCAPE"))
        return 1;
    const escape_item escape_msg{carriage, (*acts)[0].bytes};
    if (!t.expect(escape_msg.item.size() == 1, "ESCAPE fits its Notify")) return 1;
    t.note(std::string("ESCAPE: ") + std::to_string((*acts)[0].bytes.size()) + " octets, methods ML-KEM-1024, ML-KEM-768, PPK_ID " +
           std::string("ppk-2026") + std::string(", in Notify ") + std::to_string(carriage.notify_type));
    std::optional<escape::plan> branch_plan, gateway_plan;
    std::optional<escape_item> ack;
    informational(
        t, old_g, gateway, old_b, branch, escape_msg.item,
        [&](const exchange::payload_list& pl) {
            std::vector<exchange::payload_item> reply;
            auto a = consumer.on_message(escape_in(carriage, pl), now());
            if (!t.expect(a.has_value(), "consumer verifies the ESCAPE")) return reply;
            for (const auto& act : *a) {
                if (act.kind == escape::action_kind::send) ack.emplace(carriage, act.bytes);
                if (act.kind == escape::action_kind::start_rekey) branch_plan = act.migration;
            }
            if (t.expect(ack && ack->item.size() == 1, "consumer answers with an ACK")) reply = ack->item;
            return reply;
        },
        [&](const exchange::payload_list& pl) {
            auto a = provider.on_message(session, *keys_g, escape_in(carriage, pl), now());
            if (!t.expect(a && a->size() == 1 && (*a)[0].kind == escape::action_kind::start_rekey, "provider accepts the ACK"))
                return;
            gateway_plan = (*a)[0].migration;
        },
        rng_g);
    if (!t.expect(branch_plan && gateway_plan, "both sides start the migration")) return 1;
    t.expect(branch_plan->method == wire::to_number(ke_method::ml_kem_768) && gateway_plan->method == branch_plan->method,
             "ML-KEM-768 selected (the branch cannot run ML-KEM-1024)");
    t.expect(branch_plan->proc == escape::procedure::ike_sa_rekey, "procedure: IKE SA rekey");

    // ---- the PQ rekey ---------------------------------------------------------------------------------
    t.section("IKE SA rekey: X25519 (CREATE_CHILD_SA) + ML-KEM-768 (IKE_FOLLOWUP_KE), escape PPK on the wire");
    const std::array<kex::proposal, 1> rekey_b{ike_proposal({static_cast<ke_method>(branch_plan->method)})};
    const std::array<kex::proposal, 1> rekey_g{ike_proposal({ke_method::ml_kem_768})};
    // The PPK the ESCAPE named rides in the rekey itself (RFC 9867 CREATE_CHILD_SA notifies): the
    // ESCAPE/ACK exchange agreed it for this legacy SA, and both sides require it, so a side that
    // lacks it refuses the rekey instead of deriving other keys (docs/escape-message.md §7).
    const std::array<exchange::ppk_entry, 1> escape_ppk{exchange::ppk_entry{{2, ppk_id}, ppk}};
    exchange::rekey_config rcb, rcg;
    rcb.proposals = rekey_b;
    rcg.proposals = rekey_g;
    rcb.ppk.keys = rcg.ppk.keys = escape_ppk;
    rcb.ppk.required = rcg.ppk.required = true;
    old_b.ppk_int = old_g.ppk_int = true;
    auto ki = std::make_unique<exchange::rekey_initiator<suite>>(old_b, rcb);
    auto kr = std::make_unique<exchange::rekey_responder<suite>>(old_g, rcg);
    t0 = transcript::clock::now();
    auto o = ki->start(rng_b, bb.out());
    if (!t.expect(o.has_value(), "CREATE_CHILD_SA request built")) return 1;
    std::vector<flight> rekey_flights;
    carry(
        t, branch, gateway, *o, [&](bytes_view d) { return ki->on_message(d, rng_b, bb.out()); },
        [&](bytes_view d) { return kr->on_message(d, rng_g, bg.out()); }, [] {}, &rekey_flights);
    if (!t.expect(ki->done() && kr->done() && ki->is_ike_rekey(), "IKE SA rekeyed on both sides")) return 1;
    t.expect(ki->followups_done() == 1, "one IKE_FOLLOWUP_KE (ML-KEM-768)");
    t.expect(rekey_flights.size() == 4 && rekey_flights[2].exchange == wire::exchange_type::ike_followup_ke,
             "CREATE_CHILD_SA then IKE_FOLLOWUP_KE");
    sa_t new_b = ki->new_ike_sa(), new_g = kr->new_ike_sa();
    t.expect(same_keys(*new_b.keys, *new_g.keys), "both sides hold the same rekeyed keys");
    t.expect(!ct_equal(new_b.keys->sk_d(), old_b.keys->sk_d()), "new SK_d differs from the legacy one");
    if (!t.expect(ki->ppk_used() && kr->ppk_used() && new_b.keys->ppk_mixed(),
                  "the escape PPK agreed in the rekey (PPK_IDENTITY_KEY / PPK_IDENTITY), new SA from SK_d'"))
        return 1;
    t.keys_in_force(*new_b.keys, "PQ IKE SA (X25519 + ML-KEM-768, PPK)");
    t.note(std::string("rekey + PPK: ") + std::to_string(ms_since(t0)) + " ms");

    // ---- ESCAPE_CONFIRM both ways on the new SA ----------------------------------------------------
    t.section("ESCAPE_CONFIRM both ways on the new SA (tags under its PPK-derived keys)");
    // Each side states what its own rekey negotiated (KE, ADDKE1..) and which PPK it mixed.
    auto methods_of = [](const sa_t& sa) {
        std::vector<std::uint16_t> m;
        for (const auto& step : sa.negotiated.plan()) m.push_back(step.method);
        return m;
    };
    const auto negotiated_b = methods_of(new_b), negotiated_g = methods_of(new_g);
    auto confirm_b_keys = escape::confirm_keys(*new_b.keys, key_id);
    auto confirm_g = escape::confirm_keys(*new_g.keys, key_id);
    if (!t.expect(confirm_b_keys && confirm_g, "confirm keys")) return 1;
    const escape::rekey_result<prf> result_b{*confirm_b_keys, negotiated_b, ppk_id};
    const escape::rekey_result<prf> result_g{*confirm_g, negotiated_g, ppk_id};
    auto cb = consumer.rekey_done(result_b, now());
    if (!t.expect(cb && cb->size() == 1, "the branch's CONFIRM")) return 1;
    auto cg = provider.rekey_done(session, result_g, now());
    if (!t.expect(cg && cg->size() == 1, "the gateway's CONFIRM")) return 1;
    const escape_item confirm_b{carriage, (*cb)[0].bytes};
    const escape_item confirm_g_msg{carriage, (*cg)[0].bytes};
    if (!t.expect(confirm_b.item.size() == 1 && confirm_g_msg.item.size() == 1, "CONFIRMs fit their Notify")) return 1;
    bool gateway_confirmed = false, branch_confirmed = false;
    informational(
        t, new_b, branch, new_g, gateway, confirm_b.item,
        [&](const exchange::payload_list& pl) {
            auto a = provider.on_confirm(session, result_g, escape_in(carriage, pl), now());
            gateway_confirmed = a && a->size() == 1 && (*a)[0].kind == escape::action_kind::confirmed;
            return std::vector<exchange::payload_item>{};
        },
        [](const exchange::payload_list&) {}, rng_b);
    informational(
        t, new_g, gateway, new_b, branch, confirm_g_msg.item,
        [&](const exchange::payload_list& pl) {
            auto a = consumer.on_message(escape_in(carriage, pl), now());
            branch_confirmed = a && a->size() == 1 && (*a)[0].kind == escape::action_kind::confirmed;
            return std::vector<exchange::payload_item>{};
        },
        [](const exchange::payload_list&) {}, rng_g);
    t.expect(gateway_confirmed, "gateway: the branch proved the PQ, PPK-mixed keys");
    t.expect(branch_confirmed, "branch: the gateway proved the PQ, PPK-mixed keys");
    t.expect(consumer.state() == escape::consumer_state::confirmed &&
                 session.state == escape::provider_state::confirmed,
             "both escape machines confirmed");

    t.section("Delete the legacy IKE SA");
    const std::array<std::byte, 4> del_ike{std::byte{1}, std::byte{0}, std::byte{0}, std::byte{0}};
    const exchange::payload_item del{wire::payload_type::del, del_ike};
    bool deleted = false;
    informational(
        t, old_b, branch, old_g, gateway, std::span(&del, 1),
        [&](const exchange::payload_list& pl) {
            deleted = pl.find(wire::payload_type::del) != nullptr;
            return std::vector<exchange::payload_item>{};
        },
        [](const exchange::payload_list&) {}, rng_b);
    t.expect(deleted, "gateway received the Delete of the legacy SA");
    return 0;
}

// ---- scenario 2 ------------------------------------------------------------------------------------

int fresh_pq(transcript& t) {
    adapters::openssl_rng rng_b, rng_g;
    t.section("Scenario 2: a fresh PQ IKE SA (X25519, IKE_INTERMEDIATE ML-KEM-768 and ML-KEM-1024)");
    two_configs cfg{{ke_method::ml_kem_768, ke_method::ml_kem_1024}};
    auto ini = std::make_unique<exchange::initial_initiator<suite>>(cfg.ci);
    auto rsp = std::make_unique<exchange::initial_responder<suite>>(cfg.cr);
    buffer bb, bg;
    const auto t0 = transcript::clock::now();
    auto first = ini->start(rng_b, bb.out());
    if (!t.expect(first.has_value(), "IKE_SA_INIT request built")) return 1;
    std::vector<flight> flights;
    unsigned last_stage = 99;
    carry(
        t, branch, gateway, *first, [&](bytes_view d) { return ini->on_message(d, rng_b, bb.out()); },
        [&](bytes_view d) { return rsp->on_message(d, rng_g, bg.out()); },
        [&] {
            if (!ini->sa().keys || ini->sa().keys->stage() == last_stage) return;
            last_stage = ini->sa().keys->stage();
            static const char* const what[] = {"stage 0 (X25519)", "stage 1 (+ ML-KEM-768)", "stage 2 (+ ML-KEM-1024)"};
            t.keys_in_force(*ini->sa().keys, last_stage < 3 ? what[last_stage] : "stage");
        },
        &flights);
    t.expect(ini->established() && rsp->established(), "PQ IKE SA established on both sides");
    if (!ini->established() || !rsp->established()) return 1;
    t.expect(ini->intermediates_done() == 2, "two IKE_INTERMEDIATE exchanges");
    t.expect(ini->sa().keys->stage() == 2, "keys of stage 2 protect IKE_AUTH");
    t.expect(same_keys(*ini->sa().keys, *rsp->sa().keys), "both sides hold the same stage-2 keys");
    std::size_t frag = 0;
    for (const auto& f : flights)
        if (f.exchange == wire::exchange_type::ike_intermediate && !f.response) frag = std::max(frag, f.datagrams);
    t.expect(frag >= 2, "the ML-KEM-1024 IKE_INTERMEDIATE request went out in SKF fragments");
    t.note(std::string("IKE_INTERMEDIATE ML-KEM-1024 request: ") + std::to_string(frag) + " fragments (1280-octet limit)");
    t.note(std::string("whole PQ IKE SA: ") + std::to_string(ms_since(t0)) + " ms");
    return 0;
}

}  // namespace

int main() {
    transcript t;
    std::printf("pqike %s migration demo\n", version_string);
    if (q_day(t) != 0) t.expect(false, "scenario 1 stopped early");
    if (fresh_pq(t) != 0) t.expect(false, "scenario 2 stopped early");

    t.section("Capture");
    const char* pcap_path = "migration.pcap";
    const char* table_path = "ikev2_decryption_table";
    t.expect(t.write(pcap_path, table_path), "files written");
    // Read the capture back: every datagram must be there and decode.
    std::size_t n = 0;
    auto rd = pcap::file_reader::open(t.pcap_bytes());
    while (rd && !rd->done()) {
        auto rec = rd->next();
        if (!rec) break;
        auto u = pcap::parse_udp(rd->link(), rec->frame);
        wire::message<16> m;
        if (u && m.decode(u->payload)) ++n;
    }
    t.expect(n == t.datagram_count(), "the pcap holds every datagram, each a valid IKE message");
    std::printf("   %zu datagrams -> %s\n   Wireshark IKEv2 decryption table -> %s:\n", n, pcap_path, table_path);
    t.print_table();
    std::printf("\n%s\n", t.mismatches() == 0 ? "OK: every check matched" : "FAILED");
    return t.mismatches() == 0 ? 0 : 1;
}
