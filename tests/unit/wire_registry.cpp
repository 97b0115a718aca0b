// SPDX-License-Identifier: MIT
// IANA registries: numbers against the RFCs/IANA, names, unknown values kept.
#include "common.hpp"

#include <pqike/wire/exchange_type.hpp>
#include <pqike/wire/ke_method.hpp>
#include <pqike/wire/notify_type.hpp>
#include <pqike/wire/payload_type.hpp>
#include <pqike/wire/protocol_id.hpp>
#include <pqike/wire/transform.hpp>

#include <string_view>

using namespace pqike;
using namespace pqike::wire;

TEST_CASE("exchange types: RFC 7296 §3.1, RFC 9242, RFC 9370") {
    CHECK(to_number(exchange_type::ike_sa_init) == 34);
    CHECK(to_number(exchange_type::informational) == 37);
    CHECK(to_number(exchange_type::ike_intermediate) == 43);
    CHECK(to_number(exchange_type::ike_followup_ke) == 44);
    CHECK(std::string_view(name(exchange_type::ike_followup_ke)) == "IKE_FOLLOWUP_KE");
    const auto unknown = static_cast<exchange_type>(99);
    CHECK(to_number(unknown) == 99);  // kept, not clamped
    CHECK(is_unknown_name(name(unknown)));
}

TEST_CASE("payload types incl. SKF; unknown ones are not known") {
    CHECK(to_number(payload_type::sa) == 33);
    CHECK(to_number(payload_type::sk) == 46);
    CHECK(to_number(payload_type::eap) == 48);
    CHECK(to_number(payload_type::skf) == 53);
    CHECK(is_known(payload_type::skf));
    CHECK(!is_known(static_cast<payload_type>(49)));
    CHECK(!is_known(static_cast<payload_type>(255)));
    CHECK(std::string_view(name(payload_type::tsr)) == "TSr");
}

TEST_CASE("transform types and ADDKE helpers (RFC 9370 §2.1)") {
    CHECK(to_number(transform_type::ke) == 4);
    CHECK(to_number(transform_type::addke1) == 6);
    CHECK(to_number(transform_type::addke7) == 12);
    CHECK(addke(1) == transform_type::addke1);
    CHECK(addke(7) == transform_type::addke7);
    CHECK(is_key_exchange(transform_type::ke));
    CHECK(!is_key_exchange(transform_type::esn));
    CHECK(is_key_exchange(transform_type::addke3));
    CHECK(!is_key_exchange(static_cast<transform_type>(13)));
    CHECK(key_exchange_index(transform_type::ke) == 0);
    CHECK(key_exchange_index(transform_type::addke7) == 7);
    CHECK(static_cast<unsigned>(encr_id::aes_gcm_16) == 20);
    CHECK(static_cast<unsigned>(prf_id::hmac_sha2_256) == 5);
    CHECK(static_cast<unsigned>(integ_id::hmac_sha2_256_128) == 12);
    CHECK(static_cast<unsigned>(attribute_type::key_length) == 14);
}

TEST_CASE("KE methods: IANA values, ML-KEM 35/36/37") {
    CHECK(to_number(ke_method::none) == 0);
    CHECK(to_number(ke_method::modp_2048) == 14);
    CHECK(to_number(ke_method::ecp_256) == 19);
    CHECK(to_number(ke_method::ecp_384) == 20);
    CHECK(to_number(ke_method::curve25519) == 31);
    CHECK(to_number(ke_method::curve448) == 32);
    CHECK(to_number(ke_method::ml_kem_512) == 35);
    CHECK(to_number(ke_method::ml_kem_768) == 36);
    CHECK(to_number(ke_method::ml_kem_1024) == 37);
    CHECK(std::string_view(name(ke_method::ml_kem_768)) == "ML-KEM-768");
    CHECK(is_unknown_name(name(static_cast<ke_method>(1000))));
}

TEST_CASE("notify types: every number in WIRE.md, error/status split") {
    CHECK(to_number(notify_type::unsupported_critical_payload) == 1);
    CHECK(to_number(notify_type::invalid_syntax) == 7);
    CHECK(to_number(notify_type::no_proposal_chosen) == 14);
    CHECK(to_number(notify_type::invalid_ke_payload) == 17);
    CHECK(to_number(notify_type::authentication_failed) == 24);
    CHECK(to_number(notify_type::state_not_found) == 47);
    CHECK(to_number(notify_type::ikev2_fragmentation_supported) == 16430);
    CHECK(to_number(notify_type::use_ppk) == 16435);
    CHECK(to_number(notify_type::ppk_identity) == 16436);
    CHECK(to_number(notify_type::no_ppk_auth) == 16437);
    CHECK(to_number(notify_type::intermediate_exchange_supported) == 16438);
    CHECK(to_number(notify_type::additional_key_exchange) == 16441);
    CHECK(to_number(notify_type::use_ppk_int) == 16445);
    CHECK(to_number(notify_type::ppk_identity_key) == 16446);
    CHECK(is_error(notify_type::state_not_found));
    CHECK(!is_error(notify_type::use_ppk));
    // errc -> notify mapping and the registry agree
    CHECK(notify_for(errc::unsupported_critical_payload) ==
          to_number(notify_type::unsupported_critical_payload));
    CHECK(notify_for(errc::invalid_ke_length) == to_number(notify_type::invalid_syntax));
    CHECK(std::string_view(name(notify_type::additional_key_exchange)) == "ADDITIONAL_KEY_EXCHANGE");
    CHECK(to_number(protocol_id::esp) == 3);
}
