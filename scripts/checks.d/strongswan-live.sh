#!/usr/bin/env bash
# Live interop with Debian's strongSwan (charon 5.9.8, classical path: it predates ML-KEM and
# RFC 9370). Starts its own charon on 127.0.0.1 with non-default ports, a private config
# (STRONGSWAN_CONF), a private vici socket and log, PSK, childless IKE SA (no kernel ESP here);
# builds and runs pqike's example initiator (examples/strongswan_live/initiator.cpp, only the
# exchange helpers of include/pqike/exchange/): IKE_SA_INIT offering ECP-256 first (charon
# accepts only X25519 -> INVALID_KE_PAYLOAD -> retry), IKE_AUTH, IKE SA rekey (CREATE_CHILD_SA),
# INFORMATIONAL deletes. Success is read from charon's own log and `swanctl --list-sas`, and
# from the example's exit status. charon is stopped by its PID. Needs root (charon binds
# sockets and reads its config as root); skips with a message otherwise. Installs
# strongswan-charon / strongswan-swanctl if missing (policy-rc.d keeps the system service off).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "strongswan-live: SKIPPED (needs root to run charon)"; exit 0
fi
charon=/usr/lib/ipsec/charon
if [ ! -x "$charon" ] || ! command -v swanctl >/dev/null; then
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q strongswan-charon strongswan-swanctl >/dev/null 2>&1
  [ "$added_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
fi
if [ ! -x "$charon" ] || ! command -v swanctl >/dev/null; then
  echo "strongswan-live: FAILED (strongswan-charon / strongswan-swanctl not installable)"; exit 1
fi
version=$("$charon" --version 2>/dev/null | head -1)

work=$(mktemp -d /tmp/pqike-strongswan-live.XXXXXX)
port=${PQIKE_LIVE_PORT:-15500}
natt=$((port + 1))
ours=$((port + 2))
psk="pqike-live-psk-NOT-SECRET-0123456789"
bin=$work/pqike_live_initiator
pid=""

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "strongswan-live: kept $work"; fi
}
trap cleanup EXIT

if ! ${CXX:-g++} -std=c++20 -O1 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror \
     -I"$root/include" "$root/examples/strongswan_live/initiator.cpp" -lcrypto -o "$bin" 2>"$work/build.log"; then
  head -30 "$work/build.log"; echo "strongswan-live: FAILED to build the example initiator"; exit 1
fi

cat > "$work/strongswan.conf" <<EOF
charon {
  port = $port
  port_nat_t = $natt
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 2
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kdf hmac sha1 sha2 gcm aes vici socket-default kernel-netlink
  plugins {
    vici { socket = unix://$work/charon.vici }
  }
  filelog {
    pqike {
      path = $work/charon.log
      time_format = %H:%M:%S
      default = 1
      ike = 2
      cfg = 2
      flush_line = yes
    }
  }
}
EOF
cat > "$work/swanctl.conf" <<EOF
connections {
  pqike {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $port
    remote_port = $ours
    proposals = aes256gcm16-prfsha256-x25519
    encap = no
    mobike = no
    local {
      auth = psk
      id = responder.pqike.test
    }
    remote {
      auth = psk
      id = initiator.pqike.test
    }
  }
}
secrets {
  ike-pqike {
    id-1 = initiator.pqike.test
    id-2 = responder.pqike.test
    secret = "$psk"
  }
}
EOF

STRONGSWAN_CONF=$work/strongswan.conf "$charon" >"$work/charon.stdout" 2>&1 &
pid=$!
for _ in $(seq 1 50); do [ -S "$work/charon.vici" ] && break; sleep 0.1; done
if [ ! -S "$work/charon.vici" ]; then
  tail -20 "$work/charon.stdout" "$work/charon.log" 2>/dev/null; echo "strongswan-live: FAILED (charon did not start)"; exit 1
fi
sw() { swanctl "$@" --uri "unix://$work/charon.vici"; }
if ! sw --load-all --file "$work/swanctl.conf" >"$work/load.log" 2>&1; then
  cat "$work/load.log"; echo "strongswan-live: FAILED (swanctl --load-all)"; exit 1
fi

# charon treats any datagram where neither port is 500 as UDP-encapsulated (non-ESP marker).
# PQIKE_LIVE_WRONG_PSK=1 gives the example another PSK: the check must then fail (self-test).
ex_psk=$psk; [ "${PQIKE_LIVE_WRONG_PSK:-0}" = 1 ] && ex_psk="$psk-wrong"
"$bin" "$port" "$ours" "$ex_psk" initiator.pqike.test 2 marker >"$work/pqike.log" 2>&1 &
ex=$!
for _ in $(seq 1 50); do grep -q "IKE SA established" "$work/pqike.log" 2>/dev/null && break; sleep 0.1; done
sw --list-sas >"$work/list-sas.log" 2>&1
wait "$ex"; ex_rc=$?
sleep 0.5
cat "$work/pqike.log"

fail=0
check() {  # description, command...
  local what=$1; shift
  if "$@"; then echo "  ok: $what"; else echo "  FAILED: $what"; fail=1; fi
}
log=$work/charon.log
check "example initiator exit status 0" test "$ex_rc" -eq 0
check "charon answered the ECP-256 KE with INVALID_KE_PAYLOAD" grep -Eq "IKE_SA_INIT response 0 \[ N\(INVAL_KE\) \]" "$log"
check "charon established the IKE SA with pqike" grep -Eq "IKE_SA pqike\[[0-9]+\] established between 127.0.0.1" "$log"
check "swanctl --list-sas showed it ESTABLISHED" grep -q "ESTABLISHED" "$work/list-sas.log"
check "charon rekeyed the IKE SA (CREATE_CHILD_SA)" grep -Eq "IKE_SA pqike\[[0-9]+\] rekeyed between" "$log"
check "charon deleted both IKE SAs on pqike's INFORMATIONAL requests" \
  test "$(grep -Ec "received DELETE for IKE_SA pqike" "$log")" -eq 2
if [ "$fail" -ne 0 ]; then
  echo "--- charon.log (tail) ---"; tail -40 "$log"; echo "--- list-sas ---"; cat "$work/list-sas.log"
  echo "strongswan-live: FAILED against $version"; exit 1
fi
echo "strongswan-live: passed against $version"
