// SPDX-License-Identifier: MIT
// Prints, as hex on one line, an IKE_SA_INIT request built by pqike's initiator with ML-KEM-1024
// as the key exchange of IKE_SA_INIT itself (no ADDKE): its 1568-octet encapsulation key makes the
// UDP datagram larger than a 1500-octet MTU, so tests/cli/check_captures.py writes it as
// IP-fragmented IPv4 and IPv6 packets.
#include <pqike/adapters/openssl.hpp>
#include <pqike/crypto/mlkem.hpp>
#include <pqike/exchange/initial.hpp>
#include <pqike/tools/hex.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

using namespace pqike;

int main() {
    using methods = kex::ke_registry<crypto::mlkem1024>;
    using suite = exchange::suite<methods, adapters::openssl_prf_hmac_sha2_256, adapters::openssl_aes256_gcm16>;
    kex::proposal p{wire::protocol_id::ike};
    (void)p.add_encr(wire::encr_id::aes_gcm_16, 256);
    (void)p.add_prf(wire::prf_id::hmac_sha2_256);
    (void)p.add_ke(wire::ke_method::ml_kem_1024);
    const std::array<kex::proposal, 1> ike{p};
    exchange::initial_config cfg{};
    cfg.ike = ike;
    adapters::openssl_rng rng;
    exchange::initial_initiator<suite> ini{cfg};
    std::vector<std::byte> buf(16384);
    std::array<bytes_view, 4> slots{};
    auto out = ini.start(rng, exchange::out_buffer{buf, slots});
    if (!out || out->datagrams.size() != 1) {
        std::fprintf(stderr, "IKE_SA_INIT not built: %s\n", out ? "datagram count" : out.error().name());
        return 1;
    }
    const std::string h = hex::encode(out->datagrams[0]);
    std::printf("%s\n", h.c_str());
    return 0;
}
