// SPDX-License-Identifier: MIT
// What both escape machines require of a migration (docs/escape-message.md §7, §8): every KE
// method an ESCAPE offers and the one selected must be post-quantum (an allowlist), and the
// rekey the caller ran must have negotiated the selected method and mixed the PPK the ESCAPE
// named. Checked from the rekey's own result, never from the ACK alone, so a PPK agreed inside
// the rekey (RFC 9867's CREATE_CHILD_SA variant) slots in unchanged.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "../bytes.hpp"
#include "../result.hpp"
#include "actions.hpp"
#include "message.hpp"
#include "protect.hpp"

namespace pqike::escape {

// IKEv2 Transform Type 4 IDs of ML-KEM-512/768/1024 (draft-ietf-ipsecme-ikev2-mlkem, IANA).
inline constexpr std::uint16_t default_pq_methods[] = {35, 36, 37};

// Deadline a consumer applies to an ESCAPE without DEADLINE, and the longest it accepts (§6):
// no migration state lives without an end.
inline constexpr std::uint32_t default_deadline = 3600;
inline constexpr std::uint32_t default_max_deadline = 86400;

constexpr bool contains(std::span<const std::uint16_t> set, std::uint16_t m) noexcept {
    return std::find(set.begin(), set.end(), m) != set.end();
}

// Every method of `methods` is on the allowlist (and there is at least one).
constexpr bool all_post_quantum(std::span<const std::uint16_t> methods,
                                std::span<const std::uint16_t> allow) noexcept {
    if (methods.empty()) return false;
    for (std::uint16_t m : methods)
        if (!contains(allow, m)) return false;
    return true;
}

// The rekey result agrees with the plan both sides agreed on: it negotiated the selected method
// (other methods may come with it, e.g. X25519 in KE and ML-KEM in ADDKE1), within the codec's
// bounds, and mixed exactly the PPK the ESCAPE named (none if it named none).
template <policy::Prf P>
status check_rekey(const plan& p, const rekey_result<P>& r) noexcept {
    if (r.ke_methods.empty() || r.ke_methods.size() > limits::max_methods)
        return status{errc::invalid_length, "escape.rekey.ke_methods"};
    if (!contains(r.ke_methods, p.method))
        return status{errc::escape_method_not_offered, "escape.rekey.ke_methods"};
    if (r.ppk_id.size() != p.ppk_id.size() || !ct_equal(r.ppk_id, p.ppk_id))
        return status{errc::invalid_key, "escape.rekey.ppk_id"};
    return {};
}

// A peer's verified CONFIRM against our own rekey result (`methods`, `ppk_id`): the same nonce,
// selected method, negotiated methods (in order) and PPK. A man in the middle of the rekey who
// holds the new keys still cannot make the two sides disagree on these without the tag failing.
inline status check_confirm(const verified& v, bytes_view nonce, const plan& p,
                            std::span<const std::uint16_t> methods, bytes_view ppk_id) noexcept {
    if (!ct_equal(v.echoed_nonce(), nonce))
        return status{errc::escape_no_matching_escape, "escape.echoed_nonce"};
    if (!v.selected_method() || *v.selected_method() != p.method)
        return status{errc::escape_method_not_offered, "escape.selected_method"};
    if (v.method_count() != methods.size())
        return status{errc::escape_method_not_offered, "escape.ke_methods"};
    for (std::size_t i = 0; i < v.method_count(); ++i)
        if (v.method(i) != methods[i]) return status{errc::escape_method_not_offered, "escape.ke_methods"};
    if (v.ppk_id().size() != ppk_id.size() || !ct_equal(v.ppk_id(), ppk_id))
        return status{errc::invalid_key, "escape.ppk_id"};
    return {};
}

// The CONFIRM a side sends: deterministic from the migration and the rekey result, so a
// retransmission is the identical message. Sequence 1: the first message under a fresh key.
// `flags` = flag::answer for the answer a confirmed side gives to a copy of the peer's CONFIRM
// (the same content and sequence number: a receiver accepts one of the two forms, §6).
template <policy::Prf P>
result<bytes_view> seal_confirm(const tag_key<P>& k, bytes_view nonce, const plan& p,
                                const rekey_result<P>& r, mut_bytes out,
                                std::uint8_t flags = 0) noexcept {
    fields f;
    f.type = msg_type::confirm;
    f.flags = flags;
    f.sequence = 1;
    f.echoed_nonce = nonce;
    f.ke_methods = r.ke_methods;
    f.selected_method = p.method;
    f.ppk_id = r.ppk_id;
    return seal(k, f, out);
}

}  // namespace pqike::escape
