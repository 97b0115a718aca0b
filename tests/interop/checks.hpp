// SPDX-License-Identifier: MIT
// Dispatcher over the `checks[]` of exchanges.json: each check names a fact (by kind and its
// keys: frame, IKE SA, stage, side, log line, ...) that an independent extraction verified; this
// re-establishes the same fact from pqike's replay (replay.hpp) and strongSwan's own logged
// values (strongswan_logged.json), never from the extraction's computed values. The tally says,
// per kind, how many checks pqike reproduced; a check of a supported kind that disagrees is a
// failure; an unknown kind is counted as not reproduced.
#pragma once

#include "interop/replay.hpp"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace pqike::interop {

struct kind_tally {
    std::size_t total = 0, reproduced = 0;
};

struct check_tally {
    std::map<std::string, kind_tally> kinds;
    std::vector<std::string> failures;     // supported kind, pqike disagrees
    std::vector<std::string> unsupported;  // kinds without a handler
    std::size_t total = 0, reproduced = 0;

    std::string summary() const {
        std::ostringstream s;
        s << reproduced << "/" << total << " checks reproduced";
        for (const auto& [k, t] : kinds) s << "\n  " << k << ": " << t.reproduced << "/" << t.total;
        for (const auto& k : unsupported) s << "\n  no handler: " << k;
        return s.str();
    }
};

inline std::uint8_t exchange_number(const std::string& n) {
    if (n == "IKE_SA_INIT") return 34;
    if (n == "IKE_AUTH") return 35;
    if (n == "CREATE_CHILD_SA") return 36;
    if (n == "INFORMATIONAL") return 37;
    if (n == "IKE_INTERMEDIATE") return 43;
    if (n == "IKE_FOLLOWUP_KE") return 44;
    return 0;
}

// "IKE_SA_2" -> 1, "CHILD_SA_3" -> 2.
inline std::size_t id_index(const std::string& id) { return std::stoul(id.substr(id.rfind('_') + 1)) - 1; }

// KE data sizes per direction (RFC 8031 §2; FIPS 203 Table 3 via the ML-KEM draft).
inline std::pair<std::size_t, std::size_t> ke_sizes(const std::string& method) {
    if (method == "CURVE_25519") return {32, 32};
    if (method == "ML_KEM_512") return {800, 768};
    if (method == "ML_KEM_768") return {1184, 1088};
    if (method == "ML_KEM_1024") return {1568, 1568};
    return {0, 0};
}
inline std::uint16_t ke_id(const std::string& method) {
    if (method == "CURVE_25519") return 31;
    if (method == "ML_KEM_512") return 35;
    if (method == "ML_KEM_768") return 36;
    if (method == "ML_KEM_1024") return 37;
    return 0;
}

struct log_dump {
    std::size_t line = 0;
    int sa = 0;
    std::string label, hex;
};

template <policy::Prf P, policy::SkCipher C>
class check_runner {
public:
    check_runner(const replay_result& r, const nlohmann::json& scenario, const nlohmann::json& logged)
        : r_(r), sc_(scenario) {
        for (const char* side : {"initiator", "responder"}) {
            auto& v = dumps_[side];
            for (const auto& d : logged.at(side).at("dumps"))
                v.push_back({d.at("line").get<std::size_t>(), d.at("sa").get<int>(), d.at("label").get<std::string>(),
                             d.at("hex").get<std::string>()});
            for (const auto& row : logged.at(side).at("ikev2_decryption_table"))
                ike_rows_[side].push_back(row.get<std::string>());
        }
        for (const auto& row : logged.at("esp_sa")) esp_rows_.push_back(row.get<std::string>());
    }

    check_tally run() {
        check_tally t;
        for (const auto& c : sc_.at("checks")) {
            const std::string kind = c.at("check").get<std::string>();
            auto& k = t.kinds[kind];
            ++k.total;
            ++t.total;
            int v = dispatch(kind, c);
            if (v == 1) {
                ++k.reproduced;
                ++t.reproduced;
            } else if (v == 0) {
                t.failures.push_back(c.dump());
            } else if (std::find(t.unsupported.begin(), t.unsupported.end(), kind) == t.unsupported.end()) {
                t.unsupported.push_back(kind);
            }
        }
        return t;
    }

private:
    // 1 reproduced, 0 disagrees, -1 unsupported kind.
    int dispatch(const std::string& kind, const nlohmann::json& c) {
        const std::string model = "model_";
        if (kind == "ike_header_length_equals_udp_payload") {
            const auto* f = frame(c.at("frame"));
            return f && f->ike && f->header_length == c.at("header_length").get<std::uint32_t>() &&
                   f->udp_ike_size == c.at("actual").get<std::size_t>() && f->header_length == f->udp_ike_size;
        }
        if (kind == "payload_lengths_cover_message_exactly") {
            const auto* f = frame(c.at("frame"));
            return f && f->decoded && f->reencoded;
        }
        if (kind == "fragments_complete") {
            const auto frames = c.at("frames").get<std::vector<std::size_t>>();
            for (const auto& m : r_.messages)
                if (m.frames == frames) return m.total_fragments == c.at("total").get<std::uint16_t>();
            return 0;
        }
        if (kind == "natd_hashes_match_real_addresses" || kind == "natd_hashes_faked_by_sender_when_encap_forced") {
            for (const auto& n : r_.natd)
                if (n.frame == c.at("frame").get<std::size_t>())
                    return kind == "natd_hashes_match_real_addresses" ? n.source_matches && n.destination_matches
                                                                      : !n.source_matches && n.destination_matches;
            return 0;
        }
        if (kind == "ike_sa_init_ke_group_matches_proposal") {
            const auto* s = sa(c.at("ike_sa"));
            return s && !s->kes.empty() && !s->proposal_kes.empty() && s->kes[0].method == s->proposal_kes[0];
        }
        if (kind == "ke_groups_in_order_match_selected_proposal" || kind == "rekey_ke_groups_match_proposal") {
            const auto* s = sa(c.at("ike_sa"));
            return s && methods(s->kes) == s->proposal_kes;
        }
        if (kind == "child_ke_groups_match_proposal") {
            const auto* ch = child(c.at("child"));
            return ch && methods(ch->kes) == ch->proposal_kes;
        }
        if (kind == "ke_data_lengths_match_method") return ke_lengths(c);
        if (kind == "logged_ike_derivations_count") {
            const auto* s = sa(c.at("ike_sa"));
            if (!s) return 0;
            std::size_t found = 0;
            for (const auto& d : dumps_.at(c.at("side").get<std::string>()))
                if (d.label == "SKEYSEED")
                    for (const auto& st : s->stages) found += st.skeyseed == d.hex;
            return s->stages.size() == c.at("expected").get<std::size_t>() && found == c.at("found").get<std::size_t>();
        }
        if (kind.rfind(model + "SK", 0) == 0 && kind.find("_equals_logged") != std::string::npos &&
            kind.find("child") == std::string::npos)
            return stage_value(kind.substr(model.size(), kind.size() - model.size() - 14), c);
        if (kind == "additional_secret_empty_for_staged_derivation") {
            const auto* s = sa(c.at("ike_sa"));
            const auto stage = c.at("stage").get<std::size_t>();
            if (!s || stage >= s->stages.size()) return 0;
            // strongSwan derives stage by stage (RFC 9370): one secret per SKEYSEED, the
            // "additional" one logged empty -- and pqike's stage used exactly one secret.
            for (const char* side : {"initiator", "responder"}) {
                const auto block = block_with(side, "SKEYSEED", s->stages[stage].skeyseed);
                const auto* add = in_block(block, "additional key exchange secret");
                if (!add || !add->hex.empty()) return 0;
            }
            return s->stages[stage].secrets_used == 1;
        }
        if (kind == "message_authenticates_with_model_keys") {
            for (const auto& fj : c.at("frames")) {
                const auto* f = frame(fj);
                if (!f || !f->opened) return 0;
            }
            return 1;
        }
        if (kind == "decrypted_plaintext_equals_logged_plain") {
            const auto* f = frame(c.at("frame"));
            if (!f || !f->opened) return 0;
            const std::string p = hx(f->plain);
            for (const auto& d : dumps_.at(c.at("side").get<std::string>()))
                if (d.label == "plain" && d.hex == p) return 1;
            return 0;
        }
        if (kind == "message_uses_expected_key_stage") {
            const auto ex = exchange_number(c.at("exchange").get<std::string>());
            const auto idx = static_cast<int>(id_index(c.at("ike_sa").get<std::string>()));
            for (const auto& m : r_.messages)
                if (m.ike_sa == idx && m.exchange == ex && m.mid == c.at("mid").get<std::uint32_t>() &&
                    m.response == c.at("response").get<bool>())
                    return m.stage == c.at("stage_expected").get<unsigned>() &&
                           m.stage == c.at("stage_used").get<unsigned>();
            return 0;
        }
        if (kind == "model_IntAuth_A|P_equals_logged" || kind == "model_IntAuth_equals_logged") {
            const auto* s = sa(c.at("ike_sa"));
            if (!s) return 0;
            const bool init = c.at("sender") == "initiator";
            const std::string label = kind == "model_IntAuth_equals_logged" ? "IntAuth_N = prf(Sk_px, data)" : "IntAuth_A|P";
            for (const auto& ia : s->int_auth)
                if (ia.mid == c.at("mid").get<std::uint32_t>() && ia.initiator == init)
                    return logged_has(c.at("side"), label, label == "IntAuth_A|P" ? ia.a_p : ia.value);
            return 0;
        }
        if (kind == "model_PSK_AUTH_equals_AUTH_payload_in_packet") {
            const auto* a = auth(c);
            return a && a->computed == a->in_packet && a->verified && a->ppk == c.value("ppk", false);
        }
        if (kind == "model_AUTH_octets_equal_logged") {
            const auto* a = auth(c);
            return a && logged_has(c.at("side"), "octets = message + nonce + prf(Sk_px, IDx') + IntAuth", a->octets) &&
                   logged_has(c.at("side"), "AUTH = prf(prf(secret, keypad), octets)", a->computed);
        }
        if (kind == "intermediate_exchange_supported_notifies_iff_additional_kes") {
            // RFC 9370 §2.1.1 / RFC 9242 §3.1: both IKE_SA_INIT messages carry the notify exactly
            // when the chosen proposal has additional key exchanges.
            const auto* s = sa(c.at("ike_sa"));
            const auto n = c.at("additional_kes").get<std::size_t>();
            return s && !s->proposal_kes.empty() && s->proposal_kes.size() - 1 == n &&
                   (s->intermediate_i && s->intermediate_r) == (n > 0);
        }
        if (kind == "intermediate_exchanges_equal_additional_ke_transforms") {
            const auto* s = sa(c.at("ike_sa"));
            if (!s) return 0;
            const auto idx = static_cast<int>(id_index(c.at("ike_sa").get<std::string>()));
            std::size_t found = 0;
            for (const auto& m : r_.messages) found += m.ike_sa == idx && m.exchange == 43 && !m.response;
            return found == c.at("found").get<std::size_t>() &&
                   s->proposal_kes.size() - 1 == c.at("expected").get<std::size_t>() && found == s->proposal_kes.size() - 1;
        }
        if (int v = ppk_check(kind, c); v >= 0) return v;
        if (kind == "followup_exchanges_found_equal_additional_ke_transforms") {
            const auto idx = static_cast<int>(id_index(c.at("ike_sa").get<std::string>()));
            const auto mid = c.at("mid").get<std::uint32_t>();
            const auto found = c.at("found").get<std::size_t>(), expected = c.at("expected").get<std::size_t>();
            for (const auto& ch : r_.children)
                if (ch.ike_sa == idx && ch.mid == mid && ch.where == "CREATE_CHILD_SA")
                    return ch.followups == found && ch.proposal_kes.size() - 1 == expected;
            for (const auto& s : r_.sas)
                if (s.rekey_of == idx && s.created_mid == mid)
                    return s.followups == found && s.proposal_kes.size() - 1 == expected;
            return 0;
        }
        if (kind == "negative_control_SKEYSEED_with_SK(1)_before_nonces_differs") {
            const auto* s = sa(c.at("ike_sa"));
            if (!s || s->rekey_of < 0 || s->kes.size() < 2) return 0;
            // The old SA's SK_d the rekey used (SK_d' after an RFC 8784 PPK).
            const auto sk_d = un(s->rekey_sk_d), k0 = un(s->kes[0].secret), k1 = un(s->kes[1].secret);
            const auto ni = un(s->ni), nr = un(s->nr);
            std::array<std::byte, P::output_size> wrong{};
            policy::prf_compute(P{test::view(sk_d)}, {test::view(k0), test::view(k1), test::view(ni), test::view(nr)}, wrong);
            // The logged SKEYSEED of the rekey is pqike's, and the wrong order is not.
            return logged_has("initiator", "SKEYSEED", s->stages[0].skeyseed) &&
                   !logged_has("initiator", "SKEYSEED", hx(wrong)) && !logged_has("responder", "SKEYSEED", hx(wrong));
        }
        if (kind == "negative_control_KEYMAT_with_SK(1)_before_nonces_differs") {
            const auto* ch = child(c.at("child"));
            if (!ch || ch->kes.size() < 2) return 0;
            const auto sk_d = un(ch->sk_d);  // SK_d' after an RFC 8784 PPK
            const auto k0 = un(ch->kes[0].secret), k1 = un(ch->kes[1].secret);
            const auto seed = un(ch->seed);
            const std::size_t nlen = (seed.size() - k0.size() - k1.size()) / 2;
            const bytes_view ni{seed.data() + k0.size(), nlen}, nr{seed.data() + k0.size() + nlen, nlen};
            byte_vec wrong(ch->encr_i.size() / 2);
            if (!keys::prf_plus(P{test::view(sk_d)}, {test::view(k0), test::view(k1), ni, nr}, wrong).ok()) return 0;
            return logged_has("initiator", "encryption initiator key", ch->encr_i) &&
                   !logged_has("initiator", "encryption initiator key", hx(wrong)) &&
                   !logged_has("responder", "encryption initiator key", hx(wrong));
        }
        if (kind == "logged_child_derivation_found") {
            const auto idx = static_cast<int>(id_index(c.at("ike_sa").get<std::string>()));
            std::size_t found = 0;
            for (const auto& ch : r_.children)
                if (ch.ike_sa == idx && c.at("where").get<std::string>().rfind(ch.where, 0) == 0)
                    for (const auto& d : dumps_.at(c.at("side").get<std::string>()))
                        found += d.label == "encryption initiator key" && d.hex == ch.encr_i;
            return found == c.at("found").get<std::size_t>();
        }
        if (kind.rfind("model_child_", 0) == 0 && kind.size() > 14 &&
            kind.compare(kind.size() - 14, 14, "_equals_logged") == 0)
            return child_value(kind.substr(12, kind.size() - 12 - 14), c);
        if (kind == "esp_packet_decrypts_to_icmp_with_model_child_keys") return esp(c);
        if (kind == "save_keys_ike_table_row_matches_a_model_stage") return ike_row(c);
        if (kind == "save_keys_esp_row_matches_model_child_keys") return esp_row(c);
        if (kind == "initiator_and_responder_logged_identical_key_derivations") {
            // Both sides logged the same SKEYSEEDs and Child SA seeds, each one pqike's.
            std::set<std::string> pq;
            for (const auto& s : r_.sas)
                for (const auto& st : s.stages) pq.insert(st.skeyseed);
            for (const auto& ch : r_.children) pq.insert(ch.seed);
            std::map<std::string, std::multiset<std::string>> seen;
            for (const char* side : {"initiator", "responder"})
                for (const auto& d : dumps_.at(side))
                    if (d.label == "SKEYSEED" || d.label == "seed") {
                        if (!pq.count(d.hex)) return 0;
                        seen[side].insert(d.hex);
                    }
            return seen["initiator"] == seen["responder"] &&
                   seen["initiator"].size() == c.at("count_initiator").get<std::size_t>() &&
                   seen["responder"].size() == c.at("count_responder").get<std::size_t>() &&
                   pq.size() == seen["initiator"].size();
        }
        return -1;
    }

    // RFC 8784 facts (s6). -1: not a PPK kind.
    int ppk_check(const std::string& kind, const nlohmann::json& c) const {
        if (kind.find("PPK") == std::string::npos && kind.find("ppk") == std::string::npos) return -1;
        const auto* s = sa(c.contains("ike_sa") ? c.at("ike_sa") : nlohmann::json("IKE_SA_1"));
        if (!s) return 0;
        const auto& p = s->ppk;
        const auto& conf = sc_.at("scenario").at("ppk");
        if (kind == "use_ppk_notify_in_both_ike_sa_init_messages")
            return p.use_ppk_i == c.at("initiator").get<bool>() && p.use_ppk_r == c.at("responder").get<bool>();
        if (kind == "ppk_identity_in_ike_auth_request_is_PPK_ID_FIXED_plus_configured_id")
            return p.identity_request && hx(*p.identity_request) == c.at("data").get<std::string>() &&
                   p.id_type == 2 && p.id_type == conf.at("ppk_id_type_in_notify").get<unsigned>() &&
                   p.id == conf.at("ppk_id").get<std::string>();
        if (kind == "ppk_identity_in_ike_auth_response_confirms_ppk_use")
            return p.identity_response && hx(*p.identity_response) == c.at("data").get<std::string>() && p.used;
        const std::string side = c.value("side", "");
        if (kind == "logged_ppk_derivation_found") {
            // strongSwan's "derive keys using PPK" blocks whose SK_d', SK_pi', SK_pr' are pqike's.
            std::size_t found = 0;
            for (const auto& d : dumps_.at(side))
                if (d.label == "derive keys using PPK") found += ppk_block_matches(side, d.line, p);
            return p.used && found == c.at("found").get<std::size_t>();
        }
        if (kind == "logged_PPK_equals_configured_PPK") {
            const auto b = block_at_ppk(side, c.at("log_line").get<std::size_t>());
            return !b.empty() && b[0]->label == "derive keys using PPK" &&
                   b[0]->hex == conf.at("secret_hex").get<std::string>();
        }
        if (kind.rfind("model_PPK_SK_", 0) == 0 && kind.size() > 14 &&
            kind.compare(kind.size() - 14, 14, "_equals_logged") == 0) {
            const std::string what = kind.substr(10, kind.size() - 10 - 14);  // SK_d' ...
            const std::map<std::string, std::pair<std::string, const std::string*>> fields{
                {"SK_d'", {"Sk_d secret", &p.sk_d}}, {"SK_pi'", {"Sk_pi secret", &p.sk_pi}},
                {"SK_pr'", {"Sk_pr secret", &p.sk_pr}}};
            auto it = fields.find(what);
            if (it == fields.end()) return -1;
            const auto* d = in_block(block_at_ppk(side, c.at("log_line").get<std::size_t>()), it->second.first);
            return p.used && d && !it->second.second->empty() && d->hex == *it->second.second;
        }
        if (kind == "model_PPK_SK_pi'_used_for_AUTH_equals_logged_SK_p" ||
            kind == "model_PPK_SK_pr'_used_for_AUTH_equals_logged_SK_p") {
            // The SK_p strongSwan logged right before the octets of that AUTH is pqike's SK_p'.
            const bool init = kind.find("SK_pi'") != std::string::npos;
            const auth_record* a = nullptr;
            for (const auto& x : s->auth)
                if (x.initiator == init) a = &x;
            if (!a || !a->ppk || a->sk_p != (init ? p.sk_pi : p.sk_pr)) return 0;
            return logged_auth_sequence(side, *a);
        }
        if (kind == "negative_control_AUTH_with_non_PPK_SK_p_differs_from_AUTH_payload") {
            const bool init = c.at("sender") == "initiator";
            const auto* a = auth(c);
            return a && a->ppk && a->verified && a->other_sk_p == (init ? p.sk_pi_before : p.sk_pr_before) &&
                   !a->other_computed.empty() && a->other_computed != a->in_packet && !a->other_verified;
        }
        if (kind == "model_NO_PPK_AUTH_equals_notify_data_in_packet") {
            const auto& n = p.no_ppk_auth;
            return c.at("sender") == "initiator" && n && !n->ppk && n->sk_p == p.sk_pi_before &&
                   n->computed == n->in_packet && n->verified && n->other_sk_p == p.sk_pi && !n->other_verified;
        }
        if (kind == "model_NO_PPK_AUTH_octets_equal_logged_by_sender")
            return c.at("sender") == "initiator" && p.no_ppk_auth && logged_auth_sequence(side, *p.no_ppk_auth);
        if (kind == "negative_control_IKE_rekey_SKEYSEED_with_non_PPK_SK_d_differs") {
            // The rekey's SKEYSEED is keyed with the old SA's SK_d' (RFC 8784 §3); with SK_d it
            // would differ and strongSwan logged no such value.
            if (s->rekey_of < 0 || s->stages.empty()) return 0;
            const auto& op = r_.sas[static_cast<std::size_t>(s->rekey_of)].ppk;
            if (!op.used || s->rekey_sk_d != op.sk_d) return 0;
            std::vector<byte_vec> secrets;
            for (const auto& k : s->kes) secrets.push_back(un(k.secret));
            std::vector<bytes_view> sv(secrets.begin(), secrets.end());
            const auto old_d = un(op.sk_d_before), ni = un(s->ni), nr = un(s->nr);
            std::array<std::byte, P::output_size> wrong{};
            if (!keys::skeyseed_rekey<P>(test::view(old_d), keys::initiator_nonce{test::view(ni)},
                                         keys::responder_nonce{test::view(nr)}, sv, wrong)
                     .ok())
                return 0;
            return hx(wrong) != s->stages[0].skeyseed && logged_has("initiator", "SKEYSEED", s->stages[0].skeyseed) &&
                   logged_has("responder", "SKEYSEED", s->stages[0].skeyseed) &&
                   !logged_has("initiator", "SKEYSEED", hx(wrong)) && !logged_has("responder", "SKEYSEED", hx(wrong));
        }
        if (kind == "negative_control_child_KEYMAT_with_non_PPK_SK_d_differs") {
            const auto* ch = child(c.at("child"));
            if (!ch) return 0;
            const auto& op = r_.sas[static_cast<std::size_t>(ch->ike_sa)].ppk;
            if (!op.used || ch->sk_d != op.sk_d) return 0;
            const auto old_d = un(op.sk_d_before), seed = un(ch->seed);
            byte_vec wrong(ch->encr_i.size() / 2);
            if (!keys::prf_plus(P{test::view(old_d)}, {test::view(seed)}, wrong).ok()) return 0;
            return hx(wrong) != ch->encr_i && logged_has("initiator", "encryption initiator key", ch->encr_i) &&
                   !logged_has("initiator", "encryption initiator key", hx(wrong)) &&
                   !logged_has("responder", "encryption initiator key", hx(wrong));
        }
        return -1;
    }

    // The dumps of a "derive keys using PPK" block: the PPK, then SK_d', SK_pi', SK_pr'.
    std::vector<const log_dump*> block_at_ppk(const std::string& side, std::size_t line) const {
        std::vector<const log_dump*> b;
        for (const auto& d : dumps_.at(side)) {
            if (d.line < line) continue;
            if (!b.empty() && d.label != "Sk_d secret" && d.label != "Sk_pi secret" && d.label != "Sk_pr secret") break;
            b.push_back(&d);
        }
        return b;
    }
    bool ppk_block_matches(const std::string& side, std::size_t line, const ppk_record& p) const {
        const auto b = block_at_ppk(side, line);
        const auto* d = in_block(b, "Sk_d secret");
        const auto* pi = in_block(b, "Sk_pi secret");
        const auto* pr = in_block(b, "Sk_pr secret");
        return b.size() == 4 && d && pi && pr && d->hex == p.sk_d && pi->hex == p.sk_pi && pr->hex == p.sk_pr;
    }
    // strongSwan logs SK_p, then the octets, then AUTH for each AUTH it computes or verifies:
    // some SK_p dump equal to the record's is followed by its octets and its AUTH value.
    bool logged_auth_sequence(const std::string& side, const auth_record& a) const {
        const auto& v = dumps_.at(side);
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (v[i].label != "SK_p" || v[i].hex != a.sk_p) continue;
            const log_dump *oct = nullptr, *au = nullptr;
            for (std::size_t j = i + 1; j < v.size() && !(oct && au); ++j) {
                if (v[j].label == "SK_p") break;
                if (!oct && v[j].label == "octets = message + nonce + prf(Sk_px, IDx') + IntAuth") oct = &v[j];
                if (!au && v[j].label == "AUTH = prf(prf(secret, keypad), octets)") au = &v[j];
            }
            if (oct && au && oct->hex == a.octets && au->hex == a.computed) return true;
        }
        return false;
    }

    static byte_vec un(const std::string& h) { return hex::decode(h).value(); }
    static std::vector<std::uint16_t> methods(const std::vector<ke_record>& kes) {
        std::vector<std::uint16_t> m;
        for (const auto& k : kes) m.push_back(k.method);
        return m;
    }

    const frame_record* frame(const nlohmann::json& n) const {
        const auto i = n.get<std::size_t>();
        return i >= 1 && i <= r_.frames.size() ? &r_.frames[i - 1] : nullptr;
    }
    // The replay's IKE SA for an exchanges.json id, after checking the SPIs agree.
    const sa_record* sa(const nlohmann::json& id) const {
        const auto i = id_index(id.get<std::string>());
        if (i >= r_.sas.size()) return nullptr;
        const auto& j = sc_.at("ike_sas").at(i);
        if (j.at("spi_i") != r_.sas[i].spi_i || j.at("spi_r") != r_.sas[i].spi_r) return nullptr;
        return &r_.sas[i];
    }
    const child_record* child(const nlohmann::json& id) const {
        const auto i = id_index(id.get<std::string>());
        if (i >= r_.children.size()) return nullptr;
        const auto& j = sc_.at("child_sas").at(i);
        const auto& ch = r_.children[i];
        // Same SPIs (exchange initiator's inbound, responder's inbound) as the extraction's.
        if (j.at("spi_in_at_exchange_initiator") != ch.spi_i || j.at("spi_in_at_exchange_responder") != ch.spi_r)
            return nullptr;
        return &ch;
    }
    const auth_record* auth(const nlohmann::json& c) const {
        const auto* s = sa(c.at("ike_sa"));
        if (!s) return nullptr;
        for (const auto& a : s->auth)
            if (a.initiator == (c.at("sender") == "initiator")) return &a;
        return nullptr;
    }

    bool logged_has(const nlohmann::json& side, const std::string& label, const std::string& hex) const {
        for (const auto& d : dumps_.at(side.get<std::string>()))
            if (d.label == label && d.hex == hex) return true;
        return false;
    }

    // A derivation block of the log: from `line` through one SKEYSEED or Child SA seed and the
    // keys logged after it, up to whatever starts the next derivation.
    std::vector<const log_dump*> block_at(const std::string& side, std::size_t line) const {
        std::vector<const log_dump*> b;
        bool derived = false;  // SKEYSEED or seed seen: the next secret or seed starts another block
        for (const auto& d : dumps_.at(side)) {
            if (d.line < line) continue;
            const bool anchor = d.label == "SKEYSEED" || d.label == "seed";
            if (derived && (anchor || d.label == "key exchange secret")) break;
            derived = derived || anchor;
            b.push_back(&d);
        }
        return b;
    }
    std::vector<const log_dump*> block_with(const std::string& side, const std::string& label, const std::string& hex) const {
        const auto& v = dumps_.at(side);
        for (std::size_t i = 0; i < v.size(); ++i)
            if (v[i].label == label && v[i].hex == hex) {
                std::size_t start = i;
                while (start > 0 && v[start].label != "key exchange secret") --start;
                return block_at(side, v[start].line);
            }
        return {};
    }
    static const log_dump* in_block(const std::vector<const log_dump*>& b, const std::string& label) {
        for (const auto* d : b)
            if (d->label == label) return d;
        return nullptr;
    }

    // model_{SKEYSEED,SK_d,...}_equals_logged: the value strongSwan logged in the derivation
    // starting at log_line. strongSwan does not log empty keys (SK_a with AEAD).
    int stage_value(const std::string& what, const nlohmann::json& c) const {
        const auto* s = sa(c.at("ike_sa"));
        const auto stage = c.at("stage").get<std::size_t>();
        if (!s || stage >= s->stages.size()) return 0;
        const auto& st = s->stages[stage];
        const std::map<std::string, std::pair<std::string, const std::string*>> fields{
            {"SKEYSEED", {"SKEYSEED", &st.skeyseed}}, {"SK_d", {"Sk_d secret", &st.sk_d}},
            {"SK_ai", {"Sk_ai secret", &st.sk_ai}},   {"SK_ar", {"Sk_ar secret", &st.sk_ar}},
            {"SK_ei", {"Sk_ei secret", &st.sk_ei}},   {"SK_er", {"Sk_er secret", &st.sk_er}},
            {"SK_pi", {"Sk_pi secret", &st.sk_pi}},   {"SK_pr", {"Sk_pr secret", &st.sk_pr}}};
        auto it = fields.find(what);
        if (it == fields.end()) return -1;
        const auto b = block_at(c.at("side").get<std::string>(), c.at("log_line").get<std::size_t>());
        const auto* d = in_block(b, it->second.first);
        if (!d) return it->second.second->empty() && in_block(b, "SKEYSEED") != nullptr;
        return d->hex == *it->second.second;
    }

    int child_value(const std::string& what, const nlohmann::json& c) const {
        const auto* ch = child(c.at("child"));
        if (!ch) return 0;
        const std::map<std::string, std::pair<std::string, const std::string*>> fields{
            {"seed", {"seed", &ch->seed}},
            {"encr_i", {"encryption initiator key", &ch->encr_i}},
            {"encr_r", {"encryption responder key", &ch->encr_r}},
            {"integ_i", {"integrity initiator key", &ch->integ_i}},
            {"integ_r", {"integrity responder key", &ch->integ_r}}};
        auto it = fields.find(what);
        if (it == fields.end()) return -1;
        const auto b = block_at(c.at("side").get<std::string>(), c.at("log_line").get<std::size_t>());
        const auto* d = in_block(b, it->second.first);
        if (!d) return it->second.second->empty() && in_block(b, "seed") != nullptr;
        return d->hex == *it->second.second;
    }

    int ke_lengths(const nlohmann::json& c) const {
        const std::string owner = c.at("owner").get<std::string>(), method = c.at("method").get<std::string>();
        const auto lengths = c.at("lengths").get<std::vector<std::size_t>>();
        const std::vector<ke_record>* kes = nullptr;
        if (owner.rfind("IKE_SA_", 0) == 0) {
            const auto* s = sa(c.at("owner"));
            if (s) kes = &s->kes;
        } else {
            const auto* ch = child(c.at("owner"));
            if (ch) kes = &ch->kes;
        }
        if (!kes || lengths.size() != 2) return 0;
        const auto want = ke_sizes(method);
        for (const auto& k : *kes)
            if (k.method == ke_id(method))
                return k.i_data.size() == lengths[0] && k.r_data.size() == lengths[1] && want.first == lengths[0] &&
                       want.second == lengths[1];
        return 0;
    }

    // ESP (RFC 4303) with the replay's Child SA keys through the same SkCipher policy: the
    // AAD is SPI | Sequence Number (RFC 4106 §5 for GCM; for CBC + HMAC the ICV covers
    // SPI | Seq | IV | ciphertext, RFC 4303 §3.3.2, which is what the SkCipher MACs).
    int esp(const nlohmann::json& c) const {
        const auto* f = frame(c.at("frame"));
        const auto* ch = child(c.at("child"));
        if (!f || !ch || !f->esp || f->esp_payload.size() < 8 + C::iv_size + C::icv_size) return 0;
        const auto& p = f->esp_payload;
        const std::string spi = hx(bytes_view{p.data(), 4});
        if (spi != c.at("spi").get<std::string>()) return 0;
        // Packets to the exchange responder's inbound SPI are protected with the "i" keys.
        const bool to_r = spi == ch->spi_r;
        if (!to_r && spi != ch->spi_i) return 0;
        const auto e = un(to_r ? ch->encr_i : ch->encr_r), a = un(to_r ? ch->integ_i : ch->integ_r);
        byte_vec data(p.begin() + 8 + static_cast<std::ptrdiff_t>(C::iv_size),
                      p.end() - static_cast<std::ptrdiff_t>(C::icv_size));
        const bytes_view aad{p.data(), 8}, iv{p.data() + 8, C::iv_size}, icv{p.data() + p.size() - C::icv_size, C::icv_size};
        if (!C::open(test::view(e), test::view(a), aad, iv, data, icv).ok()) return 0;
        if (data.size() < 2) return 0;
        const auto next_header = std::to_integer<unsigned>(data.back());
        const auto pad = std::to_integer<std::size_t>(data[data.size() - 2]);
        if (next_header != 4 || pad + 2 > data.size()) return 0;  // IPv4 in tunnel mode
        const bytes_view inner{data.data(), data.size() - pad - 2};
        return inner.size() >= 28 && (std::to_integer<unsigned>(inner[0]) >> 4) == 4 &&
               std::to_integer<unsigned>(inner[9]) == 1;  // ICMP
    }

    static std::vector<std::string> split_csv(const std::string& s) {
        std::vector<std::string> out;
        std::string cur;
        bool q = false;
        for (char ch : s) {
            if (ch == '"') q = !q;
            else if (ch == ',' && !q) out.push_back(std::exchange(cur, {}));
            else cur += ch;
        }
        out.push_back(cur);
        return out;
    }

    // strongSwan's save-keys IKE rows: SPIi, SPIr, SK_ei, SK_er, encr name, SK_ai, SK_ar, integ name.
    int ike_row(const nlohmann::json& c) const {
        const std::string si = c.at("spi_i").get<std::string>(), sr = c.at("spi_r").get<std::string>();
        std::size_t rows = 0;
        for (const auto& row : ike_rows_.at(c.at("side").get<std::string>())) {
            const auto f = split_csv(row);
            if (f.size() < 8 || f[0] != si || f[1] != sr) continue;
            ++rows;
            bool match = false;
            for (const auto& s : r_.sas)
                if (s.spi_i == si && s.spi_r == sr)
                    for (const auto& st : s.stages)
                        match |= st.sk_ei == f[2] && st.sk_er == f[3] && st.sk_ai == f[5] && st.sk_ar == f[6];
            if (!match) return 0;
        }
        return rows > 0;
    }

    // tshark esp_sa rows: "IPv4", src, dst, "0xSPI", encr name, "0xkey", integ name, "0xkey".
    int esp_row(const nlohmann::json& c) const {
        for (const auto& row : esp_rows_) {
            const auto f = split_csv(row);
            if (f.size() < 8 || f[3] != c.at("spi").get<std::string>()) continue;
            if (f[1] != c.at("src").get<std::string>() || f[2] != c.at("dst").get<std::string>()) return 0;
            const std::string spi = f[3].substr(2);
            for (const auto& ch : r_.children) {
                if (spi != ch.spi_i && spi != ch.spi_r) continue;
                const bool to_r = spi == ch.spi_r;
                return f[5] == "0x" + (to_r ? ch.encr_i : ch.encr_r) && f[7] == "0x" + (to_r ? ch.integ_i : ch.integ_r);
            }
            return 0;
        }
        return 0;
    }

    const replay_result& r_;
    const nlohmann::json& sc_;
    std::map<std::string, std::vector<log_dump>> dumps_;
    std::map<std::string, std::vector<std::string>> ike_rows_;
    std::vector<std::string> esp_rows_;
};

template <policy::Prf P, policy::SkCipher C>
check_tally run_checks(const replay_result& r, const nlohmann::json& scenario, const nlohmann::json& logged) {
    return check_runner<P, C>(r, scenario, logged).run();
}

}  // namespace pqike::interop
