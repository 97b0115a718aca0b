// SPDX-License-Identifier: MIT
// Built instead of the migration demo when OpenSSL 3 is missing: the demo runs its AES-GCM, HMAC
// and X25519 through pqike's OpenSSL adapters, so say what to install and fail.
#include <pqike/version.hpp>

#include <cstdio>

int main() {
    std::printf("pqike %s: the migration demo needs OpenSSL 3 headers and libcrypto "
                "(Debian: apt-get install libssl-dev), then reconfigure.\n",
                pqike::version_string);
    return 1;
}
