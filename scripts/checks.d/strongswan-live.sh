#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live interop with Debian's strongSwan (charon 5.9.8, classical path: it predates ML-KEM and
# RFC 9370). Starts its own charon on 127.0.0.1 with non-default ports, a private config
# (STRONGSWAN_CONF), a private vici socket and log, PSK, childless IKE SA (no kernel ESP here);
# builds and runs pqike's example initiator (examples/strongswan_live/initiator.cpp, only the
# exchange helpers of include/pqike/exchange/): IKE_SA_INIT offering ECP-256 first (charon
# accepts only X25519 -> INVALID_KE_PAYLOAD -> retry), IKE_AUTH, IKE SA rekey (CREATE_CHILD_SA),
# INFORMATIONAL deletes; then charon initiates to pqike's example responder (responder.cpp:
# IKE_AUTH with a Child SA on unused addresses, no policies; negotiated, but not installable in
# this sandbox, see below), and terminates it. Success is read from charon's own log and `swanctl --list-sas`, and from the
# examples' exit status. charon is stopped by its PID. Needs root (charon binds
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
  apt-get update -qq >/dev/null 2>&1
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
resp_bin=$work/pqike_live_responder
resp_port=$((port + 3))
pid=""

cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "strongswan-live: kept $work"; fi
}
trap cleanup EXIT

for ex in initiator responder; do
  if ! ${CXX:-g++} -std=c++20 -O1 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror \
       -I"$root/include" "$root/examples/strongswan_live/$ex.cpp" -lcrypto -o "$work/pqike_live_$ex" 2>"$work/build.log"; then
    head -30 "$work/build.log"; echo "strongswan-live: FAILED to build the example $ex"; exit 1
  fi
done

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
  pqike-out {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $port
    remote_port = $resp_port
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
    children {
      c2 {
        esp_proposals = aes256gcm16
        local_ts = 10.123.1.1/32
        remote_ts = 10.123.2.1/32
        policies = no
        start_action = none
      }
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

# Other direction: charon initiates to pqike's example responder (IKE_AUTH with a Child SA on
# unused addresses, no policies), then terminates.
"$resp_bin" "$resp_port" "$port" "$ex_psk" initiator.pqike.test marker >"$work/pqike-responder.log" 2>&1 &
rx=$!
sleep 0.3
sw --initiate --child c2 --ike pqike-out --timeout 15 >"$work/initiate.log" 2>&1
sw --list-sas --ike pqike-out >"$work/list-sas-out.log" 2>&1
sw --terminate --ike pqike-out --timeout 15 >"$work/terminate.log" 2>&1
wait "$rx"; rx_rc=$?
cat "$work/pqike-responder.log"

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
check "example responder exit status 0" test "$rx_rc" -eq 0
check "charon established its IKE SA to pqike's responder" grep -Eq "IKE_SA pqike-out\[[0-9]+\] established between 127.0.0.1" "$log"
# The Child SA is negotiated (proposal, TS) but cannot be installed here: this kernel has no ESP
# (charon: "unable to add SAD entry"), and kernel-libipsec only does UDP-encapsulated ESP, which
# needs NAT detection that pqike's exchange helpers do not implement (no NAT_DETECTION_*
# notifies). charon then deletes the Child SA and keeps the IKE SA.
check "charon selected pqike's ESP proposal and traffic selectors for c2" \
  sh -c "grep -q 'selected proposal: ESP:AES_GCM_16_256/NO_EXT_SEQ' '$log' && grep -q 'received: 10.123.2.1/32 => match: 10.123.2.1/32' '$log'"
check "swanctl --list-sas showed pqike-out ESTABLISHED" grep -q "pqike-out: #[0-9]*, ESTABLISHED" "$work/list-sas-out.log"
check "charon's Delete of the IKE SA was answered" grep -q "Delete IKE SA" "$work/pqike-responder.log"
if [ "$fail" -ne 0 ]; then
  echo "--- charon.log (tail) ---"; tail -60 "$log"; echo "--- list-sas ---"; cat "$work/list-sas.log" "$work/list-sas-out.log"
  echo "strongswan-live: FAILED against $version"; exit 1
fi
echo "strongswan-live: passed against $version"
