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
# examples' exit status. Then RFC 8784 post-quantum preshared keys on the same charon (5.9.8:
# ppk_id / ppk_required, PPK_ID sent as PPK_ID_FIXED | id): pqike -> charon and charon -> pqike
# with the PPK (required on both sides), the same PPK_ID with another secret and an unknown
# PPK_ID where the PPK is required (refused both ways: AUTHENTICATION_FAILED, no IKE SA), and the
# NO_PPK_AUTH fallback. Then COOKIE, NAT traversal and proposal selection (issue 23): charon with
# encap = yes fakes NAT detection and pqike's initiator floats to charon's port_nat_t (non-ESP
# marker written by the helpers); charon initiates to pqike's responder on 127.0.0.1:500 which
# forces encapsulation and takes IKE_AUTH on 4500 (skipped, reported, if either port is taken);
# pqike's responder demands a cookie (threshold 0) and charon retries with it; charon offers two
# IKE proposals and pqike's responder selects the second; INITIAL_CONTACT and Vendor IDs both
# ways (examples' --extensions; charon with send_vendor_id = yes, its Vendor ID must show among
# the payloads pqike's helpers report unconsumed); finally a second charon (the first is
# stopped: fixed pidfile) with dos_protection and cookie_threshold = 1, given one half-open IKE SA
# by pqike's initiator (--half-open), answers pqike's next IKE_SA_INIT with N(COOKIE), and pqike
# retries with it (then INVALID_KE_PAYLOAD, still with the cookie), establishes, rekeys, deletes.
# PQIKE_LIVE_WRONG_PSK=1 / PQIKE_LIVE_FLIP_PPK=1 are self-tests: every check that depends on the
# PSK / PPK must then fail. charon is stopped by its PID. Needs root (charon binds
# sockets and reads its config as root); skips with a message (exit 77) otherwise. Installs
# strongswan-charon / strongswan-swanctl if missing (policy-rc.d keeps the system service off).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "strongswan-live: SKIPPED (needs root to run charon)"; exit 77
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
ppk_ini_ports=$((port + 4))   # +4..+7: one local port per pqike-initiated PPK case
ppk_resp_port=$((port + 8))   # pqike's responder in the charon-initiated PPK cases
encap_ports=$((port + 9))     # +9, +10: pqike's initiator on 127.0.0.2 (IKE_SA_INIT, NAT-T) for pqike-encap
# pqike's responder forcing encapsulation listens on 127.0.0.1:500 and :4500: charon 5.9.8 moves
# its peer to 4500 only from port 500 (neither is configurable on charon's side).
nat_resp_port=500
cookie_resp_port=$((port + 12))  # pqike's responder issuing cookies
prop_resp_port=$((port + 13))    # pqike's responder picking the second of charon's proposals
cport=$((port + 14))          # the second charon (cookie_threshold = 1): +14 IKE, +15 NAT-T
cookie_ini_ports=$((port + 16))  # +16, +17: pqike's initiator (priming half-open SA, cookie run)
ext_ini_port=$((port + 18))   # pqike's initiator adding INITIAL_CONTACT and a Vendor ID
ext_resp_port=$((port + 19))  # pqike's responder doing the same, charon initiating
# RFC 8784 PPK (hex, as swanctl.conf takes it); the other secret differs in its last octet.
ppk_id=pqike-ppk-1
ppk_hex=7071696b652d6c6976652d70706b2d4e4f542d5345435245542d303132333435
ppk_other=${ppk_hex%??}00
pid=""

stop_charon() {  # the charon this script started, by its PID
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  pid=""
}
cleanup() {
  stop_charon
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "strongswan-live: kept $work"; fi
}
trap cleanup EXIT

# Both examples at once (most of the script's time is these two compilations).
declare -A builds=()
for ex in initiator responder; do
  ${CXX:-g++} -std=c++20 -O1 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror \
    -I"$root/include" "$root/examples/strongswan_live/$ex.cpp" -lcrypto -o "$work/pqike_live_$ex" 2>"$work/build-$ex.log" &
  builds[$ex]=$!
done
for ex in initiator responder; do
  if ! wait "${builds[$ex]}"; then
    head -30 "$work/build-$ex.log"; echo "strongswan-live: FAILED to build the example $ex"; exit 1
  fi
done

# strongswan.conf: name, IKE port, extra lines in charon { }, net log level.
write_conf() {
cat > "$work/$1.conf" <<EOF
charon {
  port = $2
  port_nat_t = $(($2 + 1))
$3
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 2
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kdf hmac sha1 sha2 gcm aes vici socket-default kernel-netlink
  plugins {
    vici { socket = unix://$work/$1.vici }
  }
  filelog {
    pqike {
      path = $work/$1.log
      time_format = %H:%M:%S
      default = 1
      ike = 2
      cfg = 2
      net = ${4:-1}
      flush_line = yes
    }
  }
}
EOF
}
# send_vendor_id: charon sends its own Vendor IDs (off by default), which pqike's examples must
# see among the payloads the helpers did not read (outgoing::unconsumed).
write_conf charon "$port" "  send_vendor_id = yes"
# RFC 7296 §2.6: charon 5.9.8 asks for a cookie once its half-open IKE SAs as responder reach
# cookie_threshold (0 disables cookies, whatever dos_protection says), so 1 with one half-open SA
# left by pqike's initiator (--half-open) puts it in cookie mode. net = 2 logs "sending COOKIE".
# As initiator (case cookie-r) it may see charon 5.9.8 drop pqike's next IKE_SA_INIT response
# when it arrives while charon still processes the previous one ("ignoring request with ID 0,
# already processing"): all have message ID 0. Its retransmission, answered from the example's
# cache, recovers; retransmit_timeout = 1 keeps that short.
write_conf charon-cookie "$cport" "  dos_protection = yes
  cookie_threshold = 1
  retransmit_timeout = 1.0" 2
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
  pqike-ppk {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $port
    proposals = aes256gcm16-prfsha256-x25519
    encap = no
    mobike = no
    ppk_id = $ppk_id
    ppk_required = yes
    local {
      auth = psk
      id = responder.pqike.test
    }
    remote {
      auth = psk
      id = ppk-initiator.pqike.test
    }
  }
  pqike-noppk {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $port
    proposals = aes256gcm16-prfsha256-x25519
    encap = no
    mobike = no
    local {
      auth = psk
      id = responder.pqike.test
    }
    remote {
      auth = psk
      id = noppk-initiator.pqike.test
    }
  }
  pqike-out-ppk {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $port
    remote_port = $ppk_resp_port
    proposals = aes256gcm16-prfsha256-x25519
    encap = no
    mobike = no
    ppk_id = $ppk_id
    ppk_required = yes
    local {
      auth = psk
      id = responder.pqike.test
    }
    remote {
      auth = psk
      id = initiator.pqike.test
    }
    children {
      c3 {
        esp_proposals = aes256gcm16
        local_ts = 10.123.1.1/32
        remote_ts = 10.123.2.1/32
        policies = no
        start_action = none
      }
    }
  }
  pqike-ext {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $port
    proposals = aes256gcm16-prfsha256-x25519
    encap = no
    mobike = no
    local {
      auth = psk
      id = responder.pqike.test
    }
    remote {
      auth = psk
      id = ext-initiator.pqike.test
    }
  }
  pqike-encap {
    # encap = yes: charon fakes its NAT detection hash (RFC 7296 §2.23) so that pqike's
    # initiator floats to port_nat_t. A remote address of its own (127.0.0.2): charon picks the
    # IKE config (and so encap) by address at IKE_SA_INIT.
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.2
    local_port = $port
    proposals = aes256gcm16-prfsha256-x25519
    encap = yes
    mobike = no
    local {
      auth = psk
      id = responder.pqike.test
    }
    remote {
      auth = psk
      id = encap-initiator.pqike.test
    }
  }
EOF
# charon -> pqike's responder: nat (pqike forces encapsulation), 2prop (two IKE proposals;
# pqike's responder accepts only the second); cookie (in the cookie charon's config, below:
# pqike demands a cookie; charon offers ECP-256 first, which pqike's responder, X25519 only,
# answers after the cookie with INVALID_KE_PAYLOAD: RFC 7296 §2.6 and §2.7 in sequence).
out_conn() {  # name, charon's IKE port, pqike's port, proposals
  cat <<EOF
  pqike-out-$1 {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $2
    remote_port = $3
    proposals = $4
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
      c-$1 {
        esp_proposals = aes256gcm16
        local_ts = 10.123.1.1/32
        remote_ts = 10.123.2.1/32
        policies = no
        start_action = none
      }
    }
  }
EOF
}
out_conn nat "$port" "$nat_resp_port" aes256gcm16-prfsha256-x25519 >>"$work/swanctl.conf"
out_conn 2prop "$port" "$prop_resp_port" aes128gcm16-prfsha256-x25519,aes256gcm16-prfsha256-x25519 >>"$work/swanctl.conf"
out_conn ext "$port" "$ext_resp_port" aes256gcm16-prfsha256-x25519 >>"$work/swanctl.conf"
cat >> "$work/swanctl.conf" <<EOF
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
    id-3 = ppk-initiator.pqike.test
    id-4 = noppk-initiator.pqike.test
    id-5 = encap-initiator.pqike.test
    id-6 = ext-initiator.pqike.test
    secret = "$psk"
  }
  ppk-pqike {
    id = $ppk_id
    secret = 0x$ppk_hex
  }
}
EOF

# One charon at a time (5.9.8's pidfile is fixed: /var/run/charon.pid): name, swanctl.conf.
vici=""
start_charon() {
  STRONGSWAN_CONF=$work/$1.conf "$charon" >"$work/$1.stdout" 2>&1 &
  pid=$!
  vici=$work/$1.vici
  for _ in $(seq 1 100); do [ -S "$vici" ] && break; sleep 0.05; done
  if [ ! -S "$vici" ]; then
    tail -20 "$work/$1.stdout" "$work/$1.log" 2>/dev/null; echo "strongswan-live: FAILED (charon did not start)"; exit 1
  fi
  if ! sw --load-all --file "$2" >"$work/$1.load" 2>&1; then
    cat "$work/$1.load"; echo "strongswan-live: FAILED (swanctl --load-all)"; exit 1
  fi
}
sw() { swanctl "$@" --uri "unix://$vici"; }
start_charon charon "$work/swanctl.conf"

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
# (send_vendor_id = yes: charon adds its Vendor ID, also to this error response)
check "charon answered the ECP-256 KE with INVALID_KE_PAYLOAD" grep -Eq "IKE_SA_INIT response 0 \[ N\(INVAL_KE\) (V )?\]" "$log"
check "charon established the IKE SA with pqike" grep -Eq "IKE_SA pqike\[[0-9]+\] established between 127.0.0.1" "$log"
check "swanctl --list-sas showed it ESTABLISHED" grep -q "ESTABLISHED" "$work/list-sas.log"
check "charon rekeyed the IKE SA (CREATE_CHILD_SA)" grep -Eq "IKE_SA pqike\[[0-9]+\] rekeyed between" "$log"
check "charon deleted both IKE SAs on pqike's INFORMATIONAL requests" \
  test "$(grep -Ec "received DELETE for IKE_SA pqike" "$log")" -eq 2
check "example responder exit status 0" test "$rx_rc" -eq 0
check "charon established its IKE SA to pqike's responder" grep -Eq "IKE_SA pqike-out\[[0-9]+\] established between 127.0.0.1" "$log"
# The Child SA is negotiated (proposal, TS) but cannot be installed here: this kernel has no ESP
# (charon: "unable to add SAD entry"; kernel-libipsec, which does UDP-encapsulated ESP in user
# space, is not loaded). charon then deletes the Child SA and keeps the IKE SA.
check "charon selected pqike's ESP proposal and traffic selectors for c2" \
  sh -c "grep -q 'selected proposal: ESP:AES_GCM_16_256/NO_EXT_SEQ' '$log' && grep -q 'received: 10.123.2.1/32 => match: 10.123.2.1/32' '$log'"
check "swanctl --list-sas showed pqike-out ESTABLISHED" grep -q "pqike-out: #[0-9]*, ESTABLISHED" "$work/list-sas-out.log"
check "charon's Delete of the IKE SA was answered" grep -q "Delete IKE SA" "$work/pqike-responder.log"

# ---- RFC 8784 post-quantum preshared keys, on the same charon -------------------------------
# Each case keeps the charon log lines written while it ran ($work/<case>.charon), the example's
# output (<case>.log), its exit status (<case>.rc) and `swanctl --list-sas` (<case>.sas).
# PQIKE_LIVE_FLIP_PPK=1 flips every case: the PPK cases get the other secret, the mismatch cases
# the right one, the unknown-ID cases the known ID (they always hold the right secret), the
# fallback case --ppk-required.
flip=${PQIKE_LIVE_FLIP_PPK:-0}
good=$ppk_hex; bad=$ppk_other; other_id=pqike-ppk-unknown
if [ "$flip" = 1 ]; then good=$ppk_other; bad=$ppk_hex; other_id=$ppk_id; fi
ppk_mark() { wc -l <"$log"; }
ppk_finish() {  # case, mark, pid: wait for the example, keep the charon lines of the case
  wait "$3"; echo $? >"$work/$1.rc"
  sleep 0.2  # charon's last lines of the case (it logs after sending)
  tail -n +"$(($2 + 1))" "$log" >"$work/$1.charon"
  sed "s/^/[$1] /" "$work/$1.log"
}
# pqike initiates: the example's full run (IKE_SA_INIT, IKE_AUTH, rekey, deletes) or its refusal.
# Also used by the COOKIE and NAT-T cases: the charon's IKE port is $ike_port, its log $log.
ike_port=$port
ppk_initiate() {  # case, local port, local id, pause after IKE_AUTH (s), example options...
  local name=$1 lport=$2 lid=$3 pause=$4; shift 4
  local mark; mark=$(ppk_mark)
  "$bin" "$ike_port" "$lport" "$ex_psk" "$lid" "$pause" marker "$@" >"$work/$name.log" 2>&1 &
  local p=$!
  for _ in $(seq 1 40); do grep -Eq "IKE SA established|FAILED|half-open" "$work/$name.log" 2>/dev/null && break; sleep 0.1; done
  sw --list-sas >"$work/$name.sas" 2>&1
  ppk_finish "$name" "$mark" "$p"
}
# charon initiates (pqike-out-ppk: ppk_id, ppk_required = yes) to pqike's responder.
ppk_respond() {  # case, example PPK options...
  local name=$1; shift
  local mark; mark=$(ppk_mark)
  "$resp_bin" "$ppk_resp_port" "$port" "$ex_psk" initiator.pqike.test marker "$@" >"$work/$name.log" 2>&1 &
  local p=$!
  sleep 0.2
  sw --initiate --child c3 --ike pqike-out-ppk --timeout 10 >"$work/$name.initiate" 2>&1
  sw --list-sas --ike pqike-out-ppk >"$work/$name.sas" 2>&1
  sw --terminate --ike pqike-out-ppk --timeout 10 >"$work/$name.terminate" 2>&1
  ppk_finish "$name" "$mark" "$p"
}
has() { grep -Eq "$2" "$work/$1"; }          # file in $work, ERE
hasnt() { ! grep -Eq "$2" "$work/$1"; }

# The fallback: pqike offers a PPK_ID charon has no secret for (charon looks the received PPK_ID
# up among all its PPKs, whatever the connection's ppk_id), neither side requires a PPK.
fallback_opts=(); [ "$flip" = 1 ] && fallback_opts=(--ppk-required)
ppk_initiate ppk-i "$ppk_ini_ports" ppk-initiator.pqike.test 1 --ppk-id "$ppk_id" --ppk "$good" --ppk-required
ppk_initiate ppk-i-mismatch $((ppk_ini_ports + 1)) ppk-initiator.pqike.test 0 --ppk-id "$ppk_id" --ppk "$bad"
ppk_initiate ppk-i-unknown $((ppk_ini_ports + 2)) ppk-initiator.pqike.test 0 --ppk-id "$other_id" --ppk "$ppk_hex"
ppk_initiate ppk-i-fallback $((ppk_ini_ports + 3)) noppk-initiator.pqike.test 0 --ppk-id pqike-ppk-unknown \
  --ppk "$good" "${fallback_opts[@]}"
ppk_respond ppk-r --ppk-id "$ppk_id" --ppk "$good" --ppk-required
ppk_respond ppk-r-mismatch --ppk-id "$ppk_id" --ppk "$bad"
ppk_respond ppk-r-unknown --ppk-id "$other_id" --ppk "$ppk_hex" --ppk-required

echo "RFC 8784 PPK:"
mixed_line="PPK negotiated rfc8784, mixed yes, PPK_ID '$ppk_id'"
check "ppk-i: example initiator exit status 0 (rekey and deletes on SK_d')" test "$(cat "$work/ppk-i.rc")" -eq 0
check "ppk-i: pqike mixed the PPK ($mixed_line)" has ppk-i.log "$mixed_line"
check "ppk-i: charon established pqike-ppk (ppk_required = yes)" has ppk-i.charon "IKE_SA pqike-ppk\[[0-9]+\] established"
check "ppk-i: charon used the PPK" has ppk-i.charon "using PPK for PPK_ID '$ppk_id'"
check "ppk-i: swanctl --list-sas showed pqike-ppk ESTABLISHED" has ppk-i.sas "pqike-ppk: #[0-9]+, ESTABLISHED"
check "ppk-i: charon rekeyed and deleted both IKE SAs" sh -c "grep -Eq 'IKE_SA pqike-ppk\[[0-9]+\] rekeyed' '$work/ppk-i.charon' &&
  test \$(grep -c 'received DELETE for IKE_SA pqike-ppk' '$work/ppk-i.charon') -eq 2"
for c in ppk-i-mismatch ppk-i-unknown; do
  check "$c: pqike got AUTHENTICATION_FAILED (exit status 1)" \
    sh -c "test \$(cat '$work/$c.rc') -eq 1 && grep -q 'FAILED initial exchanges: authentication_failed' '$work/$c.log'"
  check "$c: charon refused with AUTHENTICATION_FAILED" has "$c.charon" "generating IKE_AUTH response 1 \[ N\(AUTH_FAILED\) \]"
  check "$c: no IKE SA (charon's log, swanctl --list-sas)" \
    sh -c "! grep -q 'IKE_SA pqike-ppk\[[0-9]*\] established' '$work/$c.charon' && ! grep -q 'pqike-ppk:' '$work/$c.sas'"
done
check "ppk-i-mismatch: charon's MAC check with its PPK failed" has ppk-i-mismatch.charon "MAC mismatched"
check "ppk-i-unknown: charon required its own PPK_ID" has ppk-i-unknown.charon "received PPK_ID '$other_id', but require '$ppk_id'"
check "ppk-i-fallback: example initiator exit status 0" test "$(cat "$work/ppk-i-fallback.rc")" -eq 0
check "ppk-i-fallback: charon established pqike-noppk with NO_PPK_AUTH" sh -c \
  "grep -Eq 'IKE_SA pqike-noppk\[[0-9]+\] established' '$work/ppk-i-fallback.charon' &&
   grep -q 'no PPK available, using NO_PPK_AUTH notify' '$work/ppk-i-fallback.charon' && ! grep -q 'using PPK for' '$work/ppk-i-fallback.charon'"
check "ppk-i-fallback: pqike negotiated RFC 8784 and did not mix the PPK" has ppk-i-fallback.log "PPK negotiated rfc8784, mixed no, PPK_ID '-'"
check "ppk-r: example responder exit status 0" test "$(cat "$work/ppk-r.rc")" -eq 0
check "ppk-r: pqike mixed the PPK ($mixed_line)" has ppk-r.log "$mixed_line"
check "ppk-r: charon established pqike-out-ppk using the PPK" sh -c \
  "grep -Eq 'IKE_SA pqike-out-ppk\[[0-9]+\] established' '$work/ppk-r.charon' && grep -q \"using PPK for PPK_ID '$ppk_id'\" '$work/ppk-r.charon'"
check "ppk-r: swanctl --list-sas showed pqike-out-ppk ESTABLISHED" has ppk-r.sas "pqike-out-ppk: #[0-9]+, ESTABLISHED"
check "ppk-r-mismatch: pqike refused with AUTHENTICATION_FAILED" has ppk-r-mismatch.log "FAILED initial exchanges: refused authentication_failed"
check "ppk-r-unknown: pqike refused (ppk_required) with AUTHENTICATION_FAILED" has ppk-r-unknown.log "FAILED initial exchanges: refused ppk_required"
for c in ppk-r-mismatch ppk-r-unknown; do
  check "$c: charon got AUTHENTICATION_FAILED" has "$c.charon" "received AUTHENTICATION_FAILED notify error"
  check "$c: no IKE SA (charon's log, swanctl --list-sas)" \
    sh -c "! grep -q 'IKE_SA pqike-out-ppk\[[0-9]*\] established' '$work/$c.charon' && ! grep -q 'pqike-out-ppk:' '$work/$c.sas'"
done

# ---- COOKIE, NAT traversal, two proposals (RFC 7296 §2.6, §2.23, §2.7) ----------------------
# Same bookkeeping as the PPK cases: <case>.charon, .log, .rc, .sas in $work.
t_new=$(date +%s%N)
# charon initiates pqike-out-<conn> (child c-<conn>) to pqike's responder on <port>.
out_case() {  # case, conn, port, example options...
  local name=$1 conn=$2 rport=$3; shift 3
  local mark; mark=$(ppk_mark)
  local mk=marker; [ "$rport" = 500 ] && mk=none  # charon: no marker when a port is 500
  "$resp_bin" "$rport" "$ike_port" "$ex_psk" initiator.pqike.test "$mk" "$@" >"$work/$name.log" 2>&1 &
  local p=$!
  sleep 0.2
  sw --initiate --child "c-$conn" --ike "pqike-out-$conn" --timeout 10 >"$work/$name.initiate" 2>&1
  sw --list-sas --ike "pqike-out-$conn" >"$work/$name.sas" 2>&1
  sw --terminate --ike "pqike-out-$conn" --timeout 10 >"$work/$name.terminate" 2>&1
  ppk_finish "$name" "$mark" "$p"
}
# charon floats its peer from port 500 to 4500 (IKEV2_UDP_PORT / IKEV2_NATT_PORT, fixed), so
# pqike's responder must listen on 127.0.0.1:500 and :4500; that case is skipped (reported,
# never a pass) when another program holds either port.
port4500_free=1
if command -v ss >/dev/null && [ -n "$(ss -Hln -u '( sport = :500 or sport = :4500 )' 2>/dev/null)" ]; then
  port4500_free=0
fi

# pqike initiates from 127.0.0.2 to pqike-encap (encap = yes) with NAT detection (--nat-t).
ppk_initiate encap-i "$encap_ports" encap-initiator.pqike.test 0 --local-addr 127.0.0.2 \
  --nat-t "$((encap_ports + 1)):$natt"
# charon initiates to port 500; pqike's responder forces encapsulation, charon floats to 4500.
[ "$port4500_free" = 1 ] && out_case encap-r nat "$nat_resp_port" --nat-t 4500 --force-encap
# charon initiates offering aes128gcm16-prfsha256-x25519 first, then aes256gcm16-...; pqike's
# responder accepts only the latter and must select proposal #2.
out_case prop-r 2prop "$prop_resp_port"

# Extension payloads (initial_config::extra, outgoing::unconsumed), both ways: pqike's
# initiator adds a Vendor ID to IKE_SA_INIT and N(INITIAL_CONTACT) to IKE_AUTH and prints what
# charon sent that the helper did not read (charon's Vendor IDs: send_vendor_id = yes); then
# charon initiates to pqike's responder, which adds the same to its responses.
ppk_initiate ext-i "$ext_ini_port" ext-initiator.pqike.test 0 --extensions
out_case ext-r ext "$ext_resp_port" --extensions

# The cookie charon: stop the first one (fixed pidfile), start one with cookie_threshold = 1,
# leave it one half-open IKE SA (pqike's initiator stops after IKE_SA_INIT), then run pqike's
# initiator in full: COOKIE, then INVALID_KE_PAYLOAD (with the cookie), IKE_AUTH, rekey, deletes.
stop_charon
cat > "$work/swanctl-cookie.conf" <<EOF
connections {
  pqike-cookie {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = $cport
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
$(out_conn cookie "$cport" "$cookie_resp_port" aes256gcm16-prfsha256-ecp256-x25519)
}
secrets {
  ike-pqike {
    id-1 = initiator.pqike.test
    id-2 = responder.pqike.test
    secret = "$psk"
  }
}
EOF
start_charon charon-cookie "$work/swanctl-cookie.conf"
log=$work/charon-cookie.log
ike_port=$cport
ppk_initiate cookie-prime "$cookie_ini_ports" initiator.pqike.test 0 --half-open
ppk_initiate cookie-i $((cookie_ini_ports + 1)) initiator.pqike.test 0
# charon initiates; pqike's responder demands a cookie from every IKE_SA_INIT (threshold 0).
out_case cookie-r cookie "$cookie_resp_port" --cookies
stop_charon
t_new=$(( ($(date +%s%N) - t_new) / 1000000 ))

echo "COOKIE (RFC 7296 §2.6):"
# (The priming run itself may meet a cookie: charon can still count the IKE SA it refused with
# INVALID_KE_PAYLOAD as half-open when the retry arrives.)
check "cookie-prime: pqike left charon a half-open IKE SA" \
  sh -c "test \$(cat '$work/cookie-prime.rc') -eq 0 && grep -q 'left half-open' '$work/cookie-prime.log'"
check "cookie-i: charon (cookie_threshold = 1) sent a COOKIE notify" sh -c \
  "grep -q 'sending COOKIE notify to 127.0.0.1' '$work/cookie-i.charon' &&
   grep -q 'generating IKE_SA_INIT response 0 \[ N(COOKIE) \]' '$work/cookie-i.charon'"
check "cookie-i: pqike saw COOKIE then INVALID_KE_PAYLOAD (3 IKE_SA_INIT responses)" \
  has cookie-i.log "IKE_SA_INIT responses 3 \(COOKIE 1, INVALID_KE_PAYLOAD 1\)"
check "cookie-i: charon got the cookie first in the retried IKE_SA_INIT" has cookie-i.charon "parsed IKE_SA_INIT request 0 \[ N\(COOKIE\) SA KE No"
check "cookie-i: example initiator exit status 0 (IKE_AUTH, rekey, deletes)" test "$(cat "$work/cookie-i.rc")" -eq 0
check "cookie-i: charon established, rekeyed and deleted pqike-cookie" sh -c \
  "grep -Eq 'IKE_SA pqike-cookie\[[0-9]+\] established' '$work/cookie-i.charon' &&
   grep -Eq 'IKE_SA pqike-cookie\[[0-9]+\] rekeyed' '$work/cookie-i.charon' &&
   test \$(grep -c 'received DELETE for IKE_SA pqike-cookie' '$work/cookie-i.charon') -eq 2"
check "cookie-r: pqike's responder (threshold 0) sent a COOKIE challenge" has cookie-r.log "answered IKE_SA_INIT with a COOKIE challenge"
check "cookie-r: charon received N(COOKIE) and retried with it" sh -c \
  "grep -q 'parsed IKE_SA_INIT response 0 \[ N(COOKIE) \]' '$work/cookie-r.charon' &&
   grep -q 'generating IKE_SA_INIT request 0 \[ N(COOKIE) SA KE No' '$work/cookie-r.charon'"
check "cookie-r: then INVALID_KE_PAYLOAD, and charon's X25519 retry still carried the cookie" sh -c \
  "grep -q 'parsed IKE_SA_INIT response 0 \[ N(INVAL_KE) \]' '$work/cookie-r.charon' &&
   test \$(grep -c 'generating IKE_SA_INIT request 0 \[ N(COOKIE) SA KE No' '$work/cookie-r.charon') -eq 2"
check "cookie-r: charon established pqike-out-cookie, example exit status 0" sh -c \
  "grep -Eq 'IKE_SA pqike-out-cookie\[[0-9]+\] established' '$work/cookie-r.charon' && test \$(cat '$work/cookie-r.rc') -eq 0"

echo "NAT traversal (RFC 7296 §2.23, RFC 3948 §2.2):"
check "encap-i: charon faked its NAT detection (encap = yes)" has encap-i.charon "faking NAT situation to enforce UDP encapsulation"
check "encap-i: pqike found the (faked) NAT at the peer and floated" sh -c \
  "grep -q 'NAT detection: checked yes, local behind NAT no, peer behind NAT yes' '$work/encap-i.log' &&
   grep -q 'floated: IKE_AUTH and later from port $((encap_ports + 1)) to 127.0.0.1:$natt' '$work/encap-i.log'"
check "encap-i: charon got IKE_AUTH on its NAT-T port ($natt) from pqike's" \
  has encap-i.charon "received packet: from 127\.0\.0\.2\[$((encap_ports + 1))\] to 127\.0\.0\.1\[$natt\]"
check "encap-i: example initiator exit status 0 (IKE_AUTH, rekey, deletes on the NAT-T ports)" test "$(cat "$work/encap-i.rc")" -eq 0
check "encap-i: IKE_AUTH, rekey and both deletes all reached charon's NAT-T port" \
  test "$(grep -c "received packet: from 127.0.0.2\[$((encap_ports + 1))\] to 127.0.0.1\[$natt\]" "$work/encap-i.charon")" -eq 4
check "encap-i: charon established, rekeyed and deleted pqike-encap" sh -c \
  "grep -Eq 'IKE_SA pqike-encap\[[0-9]+\] established between 127\.0\.0\.1\[responder.pqike.test\]\.\.\.127\.0\.0\.2' '$work/encap-i.charon' &&
   grep -Eq 'IKE_SA pqike-encap\[[0-9]+\] rekeyed' '$work/encap-i.charon' &&
   test \$(grep -c 'received DELETE for IKE_SA pqike-encap' '$work/encap-i.charon') -eq 2"
if [ "$port4500_free" = 1 ]; then
  check "encap-r: charon saw pqike's forced NAT" has encap-r.charon "remote host is behind NAT"
  check "encap-r: charon switched from ports $port/500 to its NAT-T port and pqike's 4500" sh -c \
    "grep -q 'sending packet: from 127.0.0.1\[$port\] to 127.0.0.1\[500\]' '$work/encap-r.charon' &&
     grep -q 'sending packet: from 127.0.0.1\[$natt\] to 127.0.0.1\[4500\]' '$work/encap-r.charon'"
  check "encap-r: pqike answered IKE_AUTH and both Deletes from 4500 (marker by the helpers)" \
    test "$(grep -c "received packet: from 127.0.0.1\[4500\] to 127.0.0.1\[$natt\]" "$work/encap-r.charon")" -eq 3
  check "encap-r: pqike's responder forced the NAT and took IKE_AUTH on 4500" \
    has encap-r.log "NAT detection: checked yes, local behind NAT yes, peer behind NAT no; IKE_AUTH on the NAT-T port: yes"
  check "encap-r: charon established pqike-out-nat, example exit status 0 (Delete answered on 4500)" sh -c \
    "grep -Eq 'IKE_SA pqike-out-nat\[[0-9]+\] established' '$work/encap-r.charon' &&
     test \$(cat '$work/encap-r.rc') -eq 0 && grep -q 'Delete IKE SA' '$work/encap-r.log'"
else
  echo "  SKIPPED: encap-r (127.0.0.1:4500 is in use; charon floats its peer to 4500 unconditionally)"
fi

echo "Extension payloads (RFC 7296 §3.10.1 INITIAL_CONTACT, §3.12 Vendor ID):"
# pqike's Vendor ID is the octets of "pqike-live-vendor-id" (ext_args.hpp); charon's own is
# strongSwan's (send_vendor_id = yes), 882fe56d6fd20dbc2251613b2ebe5beb.
pqike_vid=70:71:69:6b:65:2d:6c:69:76:65:2d:76:65:6e:64:6f:72:2d:69:64
sw_vid=882fe56d6fd20dbc2251613b2ebe5beb
check "ext-i: example initiator exit status 0, charon established pqike-ext" sh -c \
  "test \$(cat '$work/ext-i.rc') -eq 0 && grep -Eq 'IKE_SA pqike-ext\[[0-9]+\] established' '$work/ext-i.charon'"
check "ext-i: charon parsed pqike's Vendor ID in IKE_SA_INIT" sh -c \
  "grep -Eq 'parsed IKE_SA_INIT request 0 \[ .* V \]' '$work/ext-i.charon' &&
   grep -q 'received unknown vendor ID: $pqike_vid' '$work/ext-i.charon'"
check "ext-i: charon parsed N(INITIAL_CONTACT) in pqike's IKE_AUTH" has ext-i.charon "parsed IKE_AUTH request 1 \[ .*N\(INIT_CONTACT\)"
check "ext-i: pqike saw charon's Vendor ID among the unconsumed payloads" sh -c \
  "grep -q 'sending strongSwan vendor ID' '$work/ext-i.charon' &&
   grep -Eq 'pqike: unconsumed in IKE_SA_INIT: .*V\($sw_vid\)' '$work/ext-i.log'"
check "ext-r: charon established pqike-out-ext, example exit status 0" sh -c \
  "grep -Eq 'IKE_SA pqike-out-ext\[[0-9]+\] established' '$work/ext-r.charon' && test \$(cat '$work/ext-r.rc') -eq 0"
check "ext-r: charon parsed the Vendor ID of pqike's IKE_SA_INIT response" sh -c \
  "grep -Eq 'parsed IKE_SA_INIT response 0 \[ .* V \]' '$work/ext-r.charon' &&
   grep -q 'received unknown vendor ID: $pqike_vid' '$work/ext-r.charon'"
check "ext-r: charon parsed N(INITIAL_CONTACT) in pqike's IKE_AUTH response" has ext-r.charon "parsed IKE_AUTH response 1 \[ .*N\(INIT_CONTACT\)"
check "ext-r: pqike's responder saw charon's Vendor ID and INITIAL_CONTACT (16384) unconsumed" sh -c \
  "grep -Eq 'generating IKE_AUTH request 1 \[ .*N\(INIT_CONTACT\)' '$work/ext-r.charon' &&
   grep -Eq 'pqike-responder: unconsumed in IKE_SA_INIT: .*V\($sw_vid\)' '$work/ext-r.log' &&
   grep -Eq 'pqike-responder: unconsumed in IKE_AUTH: .*N\(16384\)' '$work/ext-r.log'"

echo "Two IKE proposals (RFC 7296 §2.7):"
check "prop-r: charon offered both proposals" sh -c \
  "grep -q 'IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519, IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519' '$work/prop-r.charon' ||
   grep -q 'configured proposals: IKE:AES_GCM_16_128' '$work/prop-r.charon'"
check "prop-r: pqike's responder selected proposal #2" has prop-r.log "selected the peer's IKE proposal #2 \(ENCR 20/256 bits"
check "prop-r: charon accepted it" has prop-r.charon "selected proposal: IKE:AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519"
check "prop-r: charon established pqike-out-2prop, example exit status 0" sh -c \
  "grep -Eq 'IKE_SA pqike-out-2prop\[[0-9]+\] established' '$work/prop-r.charon' && test \$(cat '$work/prop-r.rc') -eq 0"
echo "(COOKIE / NAT-T / proposal / extension cases: ${t_new} ms)"

if [ "$fail" -ne 0 ]; then
  echo "--- charon.log (tail) ---"; tail -60 "$log"; echo "--- list-sas ---"; cat "$work/list-sas.log" "$work/list-sas-out.log"
  echo "(KEEP=1 keeps $work: per PPK case <case>.charon, .log, .sas, .rc)"
  echo "strongswan-live: FAILED against $version"; exit 1
fi
echo "strongswan-live: passed against $version"
