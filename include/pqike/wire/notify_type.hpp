// SPDX-License-Identifier: MIT
// IKEv2 Notify Message Types (IANA "IKEv2 Notify Message Error Types" 0..16383 and "Status Types"
// 16384..65535). A strong type that keeps unknown values: RFC 7296 §3.10.1 says an unrecognized
// error type in a response means the request failed, an unrecognized status type is ignored.
// The error numbers result.hpp maps errc to (pqike::notify_error) are reused, not repeated.
#pragma once

#include <cstdint>

#include "../result.hpp"
#include "registry.hpp"

namespace pqike::wire {

enum class notify_type : std::uint16_t {
    // ---- error types (RFC 7296 §3.10.1 unless noted)
    unsupported_critical_payload = notify_error::unsupported_critical_payload,
    invalid_ike_spi = 4,
    invalid_major_version = 5,
    invalid_syntax = notify_error::invalid_syntax,
    invalid_message_id = 9,
    invalid_spi = 11,
    no_proposal_chosen = notify_error::no_proposal_chosen,
    invalid_ke_payload = notify_error::invalid_ke_payload,
    authentication_failed = notify_error::authentication_failed,
    single_pair_required = 34,
    no_additional_sas = 35,
    internal_address_failure = 36,
    failed_cp_required = 37,
    ts_unacceptable = 38,
    invalid_selectors = 39,
    temporary_failure = 43,        // RFC 7296
    child_sa_not_found = 44,       // RFC 7296
    state_not_found = notify_error::state_not_found,  // RFC 9370 §2.2.4
    // ---- status types
    initial_contact = 16384,
    set_window_size = 16385,
    additional_ts_possible = 16386,
    ipcomp_supported = 16387,
    nat_detection_source_ip = 16388,
    nat_detection_destination_ip = 16389,
    cookie = 16390,
    use_transport_mode = 16391,
    http_cert_lookup_supported = 16392,
    rekey_sa = 16393,
    esp_tfc_padding_not_supported = 16394,
    non_first_fragments_also = 16395,
    mobike_supported = 16396,                // RFC 4555
    redirect_supported = 16406,              // RFC 5685
    redirect = 16407,
    childless_ikev2_supported = 16418,       // RFC 6023
    ikev2_fragmentation_supported = 16430,   // RFC 7383 §2.3
    signature_hash_algorithms = 16431,       // RFC 7427
    use_ppk = 16435,                         // RFC 8784
    ppk_identity = 16436,                    // RFC 8784
    no_ppk_auth = 16437,                     // RFC 8784
    intermediate_exchange_supported = 16438, // RFC 9242 §3.1
    additional_key_exchange = 16441,         // RFC 9370 §2.2.4
    use_aggfrag = 16442,                     // RFC 9347
    use_ppk_int = 16445,                     // RFC 9867
    ppk_identity_key = 16446,                // RFC 9867
};

constexpr std::uint16_t to_number(notify_type t) noexcept { return static_cast<std::uint16_t>(t); }

// RFC 7296 §3.10.1: types below 16384 are errors, the rest status.
inline constexpr std::uint16_t notify_first_status = 16384;
constexpr bool is_error(notify_type t) noexcept { return to_number(t) < notify_first_status; }
// Private-use status range (IANA), where pqike's escape message lives until it has a code point.
inline constexpr std::uint16_t notify_first_private_status = 40960;

constexpr const char* name(notify_type t) noexcept {
    switch (t) {
        case notify_type::unsupported_critical_payload: return "UNSUPPORTED_CRITICAL_PAYLOAD";
        case notify_type::invalid_ike_spi: return "INVALID_IKE_SPI";
        case notify_type::invalid_major_version: return "INVALID_MAJOR_VERSION";
        case notify_type::invalid_syntax: return "INVALID_SYNTAX";
        case notify_type::invalid_message_id: return "INVALID_MESSAGE_ID";
        case notify_type::invalid_spi: return "INVALID_SPI";
        case notify_type::no_proposal_chosen: return "NO_PROPOSAL_CHOSEN";
        case notify_type::invalid_ke_payload: return "INVALID_KE_PAYLOAD";
        case notify_type::authentication_failed: return "AUTHENTICATION_FAILED";
        case notify_type::single_pair_required: return "SINGLE_PAIR_REQUIRED";
        case notify_type::no_additional_sas: return "NO_ADDITIONAL_SAS";
        case notify_type::internal_address_failure: return "INTERNAL_ADDRESS_FAILURE";
        case notify_type::failed_cp_required: return "FAILED_CP_REQUIRED";
        case notify_type::ts_unacceptable: return "TS_UNACCEPTABLE";
        case notify_type::invalid_selectors: return "INVALID_SELECTORS";
        case notify_type::temporary_failure: return "TEMPORARY_FAILURE";
        case notify_type::child_sa_not_found: return "CHILD_SA_NOT_FOUND";
        case notify_type::state_not_found: return "STATE_NOT_FOUND";
        case notify_type::initial_contact: return "INITIAL_CONTACT";
        case notify_type::set_window_size: return "SET_WINDOW_SIZE";
        case notify_type::additional_ts_possible: return "ADDITIONAL_TS_POSSIBLE";
        case notify_type::ipcomp_supported: return "IPCOMP_SUPPORTED";
        case notify_type::nat_detection_source_ip: return "NAT_DETECTION_SOURCE_IP";
        case notify_type::nat_detection_destination_ip: return "NAT_DETECTION_DESTINATION_IP";
        case notify_type::cookie: return "COOKIE";
        case notify_type::use_transport_mode: return "USE_TRANSPORT_MODE";
        case notify_type::http_cert_lookup_supported: return "HTTP_CERT_LOOKUP_SUPPORTED";
        case notify_type::rekey_sa: return "REKEY_SA";
        case notify_type::esp_tfc_padding_not_supported: return "ESP_TFC_PADDING_NOT_SUPPORTED";
        case notify_type::non_first_fragments_also: return "NON_FIRST_FRAGMENTS_ALSO";
        case notify_type::mobike_supported: return "MOBIKE_SUPPORTED";
        case notify_type::redirect_supported: return "REDIRECT_SUPPORTED";
        case notify_type::redirect: return "REDIRECT";
        case notify_type::childless_ikev2_supported: return "CHILDLESS_IKEV2_SUPPORTED";
        case notify_type::ikev2_fragmentation_supported: return "IKEV2_FRAGMENTATION_SUPPORTED";
        case notify_type::signature_hash_algorithms: return "SIGNATURE_HASH_ALGORITHMS";
        case notify_type::use_ppk: return "USE_PPK";
        case notify_type::ppk_identity: return "PPK_IDENTITY";
        case notify_type::no_ppk_auth: return "NO_PPK_AUTH";
        case notify_type::intermediate_exchange_supported: return "INTERMEDIATE_EXCHANGE_SUPPORTED";
        case notify_type::additional_key_exchange: return "ADDITIONAL_KEY_EXCHANGE";
        case notify_type::use_aggfrag: return "USE_AGGFRAG";
        case notify_type::use_ppk_int: return "USE_PPK_INT";
        case notify_type::ppk_identity_key: return "PPK_IDENTITY_KEY";
    }
    return unknown_name;
}

}  // namespace pqike::wire
