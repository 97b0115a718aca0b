#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live check of the charon plugin examples/strongswan_plugin (pqike-mlkem: ML-KEM-512/768/1024
# through pqike's C ABI) in Debian's own, unmodified strongSwan 5.9.8:
#  1. fetches Debian's strongSwan source package (apt-get source; a deb-src entry for the
#     configured suites is added if there is none), configures it with the flags of its
#     debian/rules minus the ones whose libraries are absent (only per-plugin HAVE_* macros
#     change), and builds the plugin against those headers; checks the link with -z defs
#     against /usr/lib/ipsec/libstrongswan.so.0. The configured tree is cached in
#     build/strongswan-src/<version> (PQIKE_SWSRC_FRESH=1 fetches again).
#  2. runs two charons, each in its own network namespace (veth pair) with a private /run
#     (unshare -m + tmpfs), a private config (STRONGSWAN_CONF), vici socket and log, the plugin
#     loaded with LD_PRELOAD (5.9.8 has no setting for another plugin directory), ESP in
#     kernel-libipsec with encap = yes (this kernel refuses ESP SAs);
#  3. for mlkem768, mlkem1024, mlkem512: IKE SA with aes256gcm16-prfsha384-mlkemN (ML-KEM alone
#     in IKE_SA_INIT), PSK, a Child SA (ESP proposal aes256gcm16-mlkemN, so its rekey runs
#     ML-KEM), an IKE SA rekey, a Child SA rekey, then delete; success is read from both
#     charons' logs and swanctl --list-sas.
#     Both charons log at level 4 for IKE and CHD meanwhile and A's veth is captured (dumpcap):
#     examples/strongswan_plugin/check_keys.py takes the ML-KEM secrets from the logs and Ni, Nr,
#     SPIs from the capture, recomputes every IKE SA and Child SA key with the pqike CLI (derive,
#     derive rekey, derive child) against both logs, and opens every encrypted message of the
#     capture with those keys (pqike decode --keys);
#  4. pqike's own peer (examples/strongswan_plugin/pqike_peer.cpp) in B's namespace: hostile ek
#     (short, long, failing the modulus check) and ct (short) that charon must refuse and stay
#     up, then its ML-KEM-768 initiator (IKE_SA_INIT, IKE_AUTH, IKE SA rekey, deletes) and its
#     responder (charon initiates: IKE_SA_INIT, IKE_AUTH with a Child SA, charon rekeys the IKE
#     SA and deletes both);
#  5. timing: pqike's initiator runs PQIKE_PLUGIN_HS (default 300) handshakes with charon B,
#     x25519 and mlkem768 alternately, twice each; charon's CPU time per handshake from /proc.
# PQIKE_PLUGIN_BENCH=N adds N swanctl initiate+terminate cycles between the two charons.
# The pqike CLI comes from PQIKE_CLI, or an existing CMake build dir (build/clang, build/gcc,
# build/debug-asan: what scripts/test-all.sh built), else build/swplugin-cli is configured.
# Skips (exit 77, "SKIPPED") only without root or network namespaces. Needs ~1 min once the
# source tree is cached. KEEP=1 keeps the work directory.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
me=strongswan-plugin
t_start=$(date +%s)

skip() { echo "$me: SKIPPED ($1)"; exit 77; }
die() { echo "$me: FAILED ($1)"; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces and charon"
command -v ip >/dev/null && command -v unshare >/dev/null || skip "ip (iproute2) / unshare missing"
probe=pqsp-probe-$$
if ! ip netns add "$probe" 2>/dev/null; then skip "network namespaces unavailable (ip netns add failed)"; fi
ip netns del "$probe"

# ---- packages ---------------------------------------------------------------------------------
need=()
for p in strongswan-charon strongswan-swanctl libcharon-extra-plugins dpkg-dev gcc g++ make bzip2 xz-utils \
         cmake ninja-build nlohmann-json3-dev libcli11-dev libpcap-dev libssl-dev tshark python3; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # keep the system's strongswan service off
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; added_policy=1
  fi
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1
  [ "$added_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || die "package $p not installable"; done
fi
charon=/usr/lib/ipsec/charon
[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] || die "kernel-libipsec plugin missing"
version=$("$charon" --version 2>/dev/null | head -1)
deb_version=$(dpkg-query -W -f='${Version}' strongswan-charon)
upstream=${deb_version%%-*}

# ---- Debian's strongSwan source, configured as debian/rules does --------------------------------
cache=$root/build/strongswan-src
src=$cache/$deb_version
mkdir -p "$cache"
exec 9>"$cache/.lock"; flock 9   # concurrent runs share the cache: one fetches, the other waits
[ "${PQIKE_SWSRC_FRESH:-0}" = 1 ] && rm -rf "$src" "$src.dl"
if [ ! -f "$src/.configured" ]; then
  rm -rf "$src"; mkdir -p "$src.dl"
  showsrc=$(apt-cache showsrc strongswan 2>/dev/null)  # not piped into grep -q: SIGPIPE + pipefail
  if ! grep -q '^Package: strongswan' <<<"$showsrc"; then
    # deb-src for the suites already configured (deb822 or one-line format)
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
        > /etc/apt/sources.list.d/pqike-deb-src.sources
    elif [ -f /etc/apt/sources.list ]; then
      sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list > /etc/apt/sources.list.d/pqike-deb-src.list
    fi
    apt-get update -qq >/dev/null 2>&1
  fi
  # The installed version first; a mirror may lack it (security updates are not always
  # mirrored as sources), then any source version of the same upstream release.
  ( cd "$src.dl" && apt-get source -q --download-only "strongswan=$deb_version" >dl.log 2>&1 ) || {
    alt=$(apt-cache showsrc strongswan | sed -n 's/^Version: //p' | grep "^$upstream-" | sort -V -r)
    ok=0
    for v in $alt; do
      rm -f "$src.dl"/*.dsc
      ( cd "$src.dl" && apt-get source -q --download-only "strongswan=$v" >>dl.log 2>&1 ) && { ok=1; break; }
    done
    [ "$ok" = 1 ] || { tail -5 "$src.dl/dl.log"; die "apt-get source strongswan ($deb_version) failed"; }
    echo "$me: source $v (installed binaries: $deb_version, same upstream $upstream)"
  }
  dsc=$(ls "$src.dl"/strongswan_*.dsc | head -1)
  # apt checked the files against the signed Sources index; no keyring needed here
  dpkg-source -x --no-check "$dsc" "$src" >"$src.dl/extract.log" 2>&1 || die "dpkg-source -x failed"
  printf 'pqike-print-configureargs:\n\t@echo $(CONFIGUREARGS)\n' > "$src.dl/print.mk"
  args=$(cd "$src" && make -s -f debian/rules -f "$src.dl/print.mk" pqike-print-configureargs) \
    || die "could not read CONFIGUREARGS from debian/rules"
  # Flags whose libraries are absent here (curl, ldap, tss2, pam, nm, systemd, libcap, iptc):
  # they only change per-plugin HAVE_* macros, not the headers the plugin uses.
  drop=" --enable-curl --enable-ldap --enable-tpm --enable-tss-tss2 --enable-xauth-pam --enable-nm
         --with-nm-ca-dir=/etc/ssl/certs --with-capabilities=libcap --enable-connmark
         --enable-forecast --enable-systemd "
  keep=()
  for a in $args; do case "$drop" in *" $a "*|*" $a"$'\n'*) ;; *) keep+=("$a");; esac; done
  ( cd "$src" && ./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
      --disable-dependency-tracking "${keep[@]}" ) >"$src.dl/configure.log" 2>&1 \
    || { tail -20 "$src.dl/configure.log"; die "strongSwan ./configure failed"; }
  touch "$src/.configured"
fi
flock -u 9
t_src=$(date +%s)

work=$(mktemp -d /tmp/pqike-strongswan-plugin.XXXXXX)
ns_a=pqsp-a-$$; ns_b=pqsp-b-$$
pid_a=""; pid_b=""
stop_pid() {
  local p=$1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill "$p"; for _ in $(seq 1 25); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$p" 2>/dev/null
}
cap_pid=""
cleanup() {
  [ -n "$cap_pid" ] && kill -INT "$cap_pid" 2>/dev/null
  stop_pid "$pid_a"; stop_pid "$pid_b"
  ip netns del "$ns_a" 2>/dev/null; ip netns del "$ns_b" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "$me: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ---- the pqike CLI (for the key check), in the background -----------------------------------
cli=${PQIKE_CLI:-}
cli_build=""
if [ -z "$cli" ]; then
  clidir=""
  for d in build/clang build/gcc build/debug-asan build/swplugin-cli; do
    [ -f "$root/$d/build.ninja" ] && grep -q pqike_cli "$root/$d/build.ninja" && { clidir=$root/$d; break; }
  done
  if [ -z "$clidir" ]; then
    clidir=$root/build/swplugin-cli
    cmake -S "$root" -B "$clidir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DPQIKE_BUILD_TESTS=OFF -DPQIKE_BUILD_BENCH=OFF -DPQIKE_BUILD_FUZZ=OFF -DPQIKE_BUILD_EXAMPLES=ON \
      >"$work/cli-configure.log" 2>&1 || { tail -20 "$work/cli-configure.log"; die "configure of the pqike CLI"; }
  fi
  cmake --build "$clidir" --target pqike_cli >"$work/cli-build.log" 2>&1 &
  cli_build=$!
  cli=$clidir/examples/pqike
fi

# ---- the plugin ------------------------------------------------------------------------------
# pqike's own peer (examples/strongswan_plugin/pqike_peer.cpp) compiles meanwhile.
mkdir -p "$work/plugin"
peer=$work/pqike_peer
${CXX:-g++} -std=c++20 -O1 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror \
  -I"$root/include" "$root/examples/strongswan_plugin/pqike_peer.cpp" -lcrypto -o "$peer" >"$work/peer-build.log" 2>&1 &
peer_build=$!
if ! make -s -C "$work/plugin" -f "$root/examples/strongswan_plugin/Makefile" SWSRC="$src" \
     PQIKE="$root" all check-defs >"$work/plugin/build.log" 2>&1; then
  tail -30 "$work/plugin/build.log"; wait "$peer_build"; die "plugin build (or -z defs check) failed"
fi
wait "$peer_build" || { head -30 "$work/peer-build.log"; die "build of examples/strongswan_plugin/pqike_peer.cpp"; }
so=$work/plugin/libstrongswan-pqike-mlkem.so
t_build=$(date +%s)

# ---- two namespaces, two charons -------------------------------------------------------------
ip netns add "$ns_a" && ip netns add "$ns_b" || die "ip netns add"
ip link add "pqa$$" type veth peer name "pqb$$" || die "veth"
ip link set "pqa$$" netns "$ns_a"; ip link set "pqb$$" netns "$ns_b"
ip -n "$ns_a" addr add 10.99.0.1/24 dev "pqa$$"; ip -n "$ns_b" addr add 10.99.0.2/24 dev "pqb$$"
for n in a b; do ns=ns_$n; ip -n "${!ns}" link set lo up; ip -n "${!ns}" link set "pq$n$$" up; done
addr_a=10.99.0.1; addr_b=10.99.0.2
psk="pqike-plugin-psk-NOT-SECRET-0123456789"
peer_port=15600   # pqike's peer in B's namespace: 15600 hostile ct, 15601.. its initiators

write_settings() {  # side, IKE/CHD log level (4: keys and secrets, for the key check)
  local s=$1 lvl=$2
  cat > "$work/$s.conf" <<EOC
charon {
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 1
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey kdf hmac sha1 sha2 gcm aes vici socket-default kernel-libipsec kernel-netlink pqike-mlkem
  plugins {
    vici { socket = unix://$work/$s.vici }
  }
  filelog {
    pqike {
      path = $work/$s.log
      time_format = %H:%M:%S
      default = 1
      ike = $lvl
      chd = $lvl
      lib = 1
      flush_line = yes
    }
  }
}
EOC
}
write_conf() {  # side, my address, peer address, my id, peer id, my subnet, peer subnet
  local s=$1 me_addr=$2 peer=$3 my_id=$4 peer_id=$5 my_net=$6 peer_net=$7
  write_settings "$s" 4
  {
    echo "connections {"
    for m in 768 1024 512; do
      cat <<EOC
  mlkem$m {
    version = 2
    local_addrs = $me_addr
    remote_addrs = $peer
    proposals = aes256gcm16-prfsha384-mlkem$m
    encap = yes
    mobike = no
    rekey_time = 0
    local { auth = psk
            id = $my_id }
    remote { auth = psk
             id = $peer_id }
    children {
      c$m {
        esp_proposals = aes256gcm16-mlkem$m
        local_ts = $my_net
        remote_ts = $peer_net
        rekey_time = 0
        start_action = none
      }
    }
  }
EOC
    done
    # the ML-KEM-free baseline for PQIKE_PLUGIN_BENCH
    cat <<EOC
  x25519 {
    version = 2
    local_addrs = $me_addr
    remote_addrs = $peer
    proposals = aes256gcm16-prfsha384-x25519
    encap = yes
    mobike = no
    rekey_time = 0
    local { auth = psk
            id = $my_id }
    remote { auth = psk
             id = $peer_id }
    children {
      cx {
        esp_proposals = aes256gcm16
        local_ts = $my_net
        remote_ts = $peer_net
        rekey_time = 0
        start_action = none
      }
    }
  }
EOC
    # B only: pqike's peer on 127.0.0.1 inside B's namespace (it initiates to port 500, or
    # answers charon on port $peer_port)
    [ "$s" = b ] && cat <<EOC
  pqike-in {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    proposals = aes256gcm16-prfsha384-mlkem768, aes256gcm16-prfsha384-x25519
    encap = no
    mobike = no
    local { auth = psk
            id = $my_id }
    remote { auth = psk
             id = pqike.peer.test }
  }
  pqike-out {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    remote_port = $peer_port
    proposals = aes256gcm16-prfsha384-mlkem768
    encap = no
    mobike = no
    keyingtries = 1
    local { auth = psk
            id = $my_id }
    remote { auth = psk
             id = pqike.peer.test }
    children { cpeer { start_action = none } }
  }
  pqike-resp {
    version = 2
    local_addrs = 127.0.0.1
    remote_addrs = 127.0.0.1
    local_port = 4500
    remote_port = $peer_port
    proposals = aes256gcm16-prfsha384-mlkem768
    encap = yes
    mobike = no
    keyingtries = 1
    local { auth = psk
            id = $my_id }
    remote { auth = psk
             id = pqike.peer.test }
    # subnets, not the IKE addresses: kernel-libipsec routes the policy into its TUN device
    children { cresp { esp_proposals = aes256gcm16
                       local_ts = 10.100.2.0/24
                       remote_ts = 10.100.3.0/24
                       start_action = none } }
  }
EOC
    cat <<EOC
}
secrets {
  ike-pqike {
    id-1 = a.pqike.test
    id-2 = b.pqike.test
    id-3 = pqike.peer.test
    secret = "$psk"
  }
}
EOC
  } > "$work/$s.swanctl.conf"
}
# Tunnelled subnets other than the IKE addresses (kernel-libipsec will not route IKE traffic
# into its TUN device); one address of each on lo carries a test datagram through the tunnel.
net_a=10.100.1.0/24; net_b=10.100.2.0/24; in_a=10.100.1.1; in_b=10.100.2.1
ip -n "$ns_a" addr add "$in_a/32" dev lo; ip -n "$ns_b" addr add "$in_b/32" dev lo
write_conf a "$addr_a" "$addr_b" a.pqike.test b.pqike.test "$net_a" "$net_b"
write_conf b "$addr_b" "$addr_a" b.pqike.test a.pqike.test "$net_b" "$net_a"

start_charon() {  # side, netns
  ip netns exec "$2" unshare -m --propagation private sh -c \
    'mount -t tmpfs -o mode=0755 pqike-run /run && exec env STRONGSWAN_CONF="$1" LD_PRELOAD="$2" "$3"' \
    sh "$work/$1.conf" "$so" "$charon" >"$work/$1.stdout" 2>&1 &
  echo $!
}
pid_a=$(start_charon a "$ns_a"); pid_b=$(start_charon b "$ns_b")
sw() { local s=$1; shift; timeout 30 swanctl "$@" --uri "unix://$work/$s.vici"; }
for s in a b; do
  for _ in $(seq 1 50); do [ -S "$work/$s.vici" ] && break; sleep 0.1; done
  [ -S "$work/$s.vici" ] || { tail -20 "$work/$s.stdout" "$work/$s.log" 2>/dev/null; die "charon $s did not start"; }
  sw "$s" --load-all --file "$work/$s.swanctl.conf" >"$work/$s.load.log" 2>&1 \
    || { cat "$work/$s.load.log"; die "swanctl --load-all on $s"; }
done
grep -q "pqike-mlkem" "$work/a.log" "$work/a.stdout" 2>/dev/null || true

fail=0
check() {  # description, command...
  local what=$1; shift
  if "$@"; then echo "  ok: $what"; else echo "  FAILED: $what"; fail=1; fi
}
has() { grep -Eq "$2" "$1"; }
count() { grep -Ec "$2" "$1"; }

# One UDP datagram from A's tunnelled address to B's, through kernel-libipsec's TUN device:
# B's Child SA counts it as an inbound packet.
send_datagram() { ip netns exec "$ns_a" bash -c "echo pqike-through-esp >/dev/udp/$in_b/9" 2>/dev/null; }

# ---- per method: establish, rekey IKE SA, rekey Child SA, delete -------------------------------
run_method() {  # m (768, 1024, 512)
  local m=$1 conn=mlkem$1 child=c$1 name=ML_KEM_$1
  local ma mb; ma=$(wc -l <"$work/a.log"); mb=$(wc -l <"$work/b.log")
  sw a --initiate --child "$child" --ike "$conn" >"$work/$conn.initiate" 2>&1
  send_datagram; sleep 0.3
  sw a --list-sas --ike "$conn" >"$work/$conn.sas-a" 2>&1
  sw b --list-sas --ike "$conn" >"$work/$conn.sas-b" 2>&1
  sw a --rekey --ike "$conn" >"$work/$conn.rekey-ike" 2>&1
  sleep 0.3
  sw a --rekey --child "$child" >"$work/$conn.rekey-child" 2>&1
  sleep 0.3; send_datagram; sleep 0.3
  sw a --list-sas --ike "$conn" >"$work/$conn.sas-a2" 2>&1
  sw b --list-sas --ike "$conn" >"$work/$conn.sas-b2" 2>&1
  sw a --terminate --ike "$conn" >"$work/$conn.terminate" 2>&1
  sleep 0.3
  tail -n +"$((ma + 1))" "$work/a.log" >"$work/$conn.a"
  tail -n +"$((mb + 1))" "$work/b.log" >"$work/$conn.b"
  sw b --list-sas --ike "$conn" >"$work/$conn.sas-b3" 2>&1
  local A=$work/$conn.a B=$work/$conn.b
  echo "$conn (aes256gcm16-prfsha384-mlkem$m, ESP aes256gcm16-mlkem$m):"
  check "$conn: both charons established the IKE SA" \
    sh -c "grep -Eq 'IKE_SA $conn\[[0-9]+\] established between $addr_a\[a.pqike.test\]\.\.\.$addr_b\[b.pqike.test\]' '$A' &&
           grep -Eq 'IKE_SA $conn\[[0-9]+\] established between $addr_b\[b.pqike.test\]\.\.\.$addr_a\[a.pqike.test\]' '$B'"
  check "$conn: IKE_SA_INIT carried KE, both selected IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/$name" \
    sh -c "grep -q 'IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/$name' '$A' && grep -q 'IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/$name' '$B' &&
           grep -Eq 'generating IKE_SA_INIT request 0 \[ SA KE No' '$A'"
  check "$conn: Child SA $child established in both (kernel-libipsec, UDP encap)" \
    sh -c "grep -Eq 'CHILD_SA $child\{[0-9]+\} established with SPIs' '$A' && grep -Eq 'CHILD_SA $child\{[0-9]+\} established with SPIs' '$B'"
  check "$conn: swanctl --list-sas: ESTABLISHED, $name, $child INSTALLED (both)" \
    sh -c "for f in '$work/$conn.sas-a' '$work/$conn.sas-b'; do grep -q '$conn: #[0-9]*, ESTABLISHED' \$f && grep -q '$name' \$f &&
           grep -Eq '$child: #[0-9]+, .*INSTALLED, TUNNEL-in-UDP' \$f || exit 1; done"
  check "$conn: a datagram went through the Child SA (B counted an inbound ESP packet)" \
    grep -Eq '^ +in +[0-9a-f]+.*, +[1-9][0-9]* packets' "$work/$conn.sas-b"
  check "$conn: IKE SA rekeyed with $name (CREATE_CHILD_SA with KE, both)" \
    sh -c "grep -Eq 'IKE_SA $conn\[[0-9]+\] rekeyed between' '$A' && grep -Eq 'IKE_SA $conn\[[0-9]+\] rekeyed between' '$B' &&
           grep -Eq 'generating CREATE_CHILD_SA request [0-9]+ \[ SA No KE \]' '$A' &&
           test \$(grep -c 'IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/$name' '$A') -ge 2"
  check "$conn: Child SA rekeyed with $name (ESP:AES_GCM_16_256/$name, KE in CREATE_CHILD_SA, both)" \
    sh -c "grep -Eq 'generating CREATE_CHILD_SA request [0-9]+ \[ N\(REKEY_SA\) SA No KE TSi TSr \]' '$A' &&
           grep -q 'ESP:AES_GCM_16_256/$name' '$A' && grep -q 'ESP:AES_GCM_16_256/$name' '$B' &&
           test \$(grep -Ec 'CHILD_SA $child\{[0-9]+\} established with SPIs' '$A') -ge 2 &&
           test \$(grep -Ec 'CHILD_SA $child\{[0-9]+\} established with SPIs' '$B') -ge 2"
  check "$conn: after the rekeys list-sas shows the new IKE SA and Child SA (both), which carried a datagram" \
    sh -c "for f in '$work/$conn.sas-a2' '$work/$conn.sas-b2'; do grep -q '$conn: #[0-9]*, ESTABLISHED' \$f &&
           grep -Eq '$child: #[0-9]+, .*INSTALLED' \$f || exit 1; done &&
           grep -Eq '^ +in +[0-9a-f]+.*, +[1-9][0-9]* packets' '$work/$conn.sas-b2'"
  check "$conn: deleted (B got the DELETE, no SA left)" \
    sh -c "grep -q 'received DELETE for IKE_SA $conn' '$B' && ! grep -q '$conn:' '$work/$conn.sas-b3'"
  check "$conn: no key exchange refused by the plugin" sh -c "! grep -q 'pqike-mlkem:' '$A' && ! grep -q 'pqike-mlkem:' '$B'"
}
t_live0=$(date +%s)
# A's side of the veth, captured while the three methods run (IKE on 500, then 4500 with encap)
ip netns exec "$ns_a" dumpcap -q -i "pqa$$" -P -w "$work/methods.pcap" >"$work/dumpcap.log" 2>&1 &
cap_pid=$!
for _ in $(seq 1 50); do [ -s "$work/methods.pcap" ] && break; sleep 0.1; done
for m in 768 1024 512; do run_method "$m"; done
sleep 0.3; kill -INT "$cap_pid" 2>/dev/null; wait "$cap_pid" 2>/dev/null; cap_pid=""

# Lines that show each SA established and rekeyed with ML-KEM (A, the initiator; B logs the same)
echo "charon A's log, the lines that show it (mlkem768; 1024 and 512 alike):"
grep -E "selected proposal: (IKE|ESP):|IKE_SA mlkem768\[[0-9]+\] (established|rekeyed)|CHILD_SA c768\{[0-9]+\} established|generating (IKE_SA_INIT|CREATE_CHILD_SA) request" \
  "$work/mlkem768.a" | sed -E 's/^[0-9:]+ [0-9]+//; s/^/    /'

# ---- the secrets charon logged against pqike on the capture -----------------------------------
if [ -n "$cli_build" ]; then
  wait "$cli_build" || { tail -30 "$work/cli-build.log"; die "build of the pqike CLI (examples/cli)"; }
fi
[ -x "$cli" ] || die "no pqike CLI at $cli"
if python3 "$root/examples/strongswan_plugin/check_keys.py" "$cli" "$work/methods.pcap" "$work" \
     768:"$work/mlkem768.a":"$work/mlkem768.b" 1024:"$work/mlkem1024.a":"$work/mlkem1024.b" \
     512:"$work/mlkem512.a":"$work/mlkem512.b" >"$work/keys.log" 2>&1; then
  cat "$work/keys.log"
else
  cat "$work/keys.log"; echo "  FAILED: the secrets charon logged against pqike on the capture"; fail=1
fi

# ---- pqike's own peer against charon B (ML-KEM-768 in IKE_SA_INIT), hostile values first ----
mb=$(wc -l <"$work/b.log")
in_b_ns() { timeout 30 ip netns exec "$ns_b" "$@"; }
echo "pqike's peer and hostile values against charon B:"
lp=$((peer_port + 1))
for how in short modulus long; do
  in_b_ns "$peer" hostile-ek 500 "$lp" "$how" >"$work/hostile-ek-$how.log" 2>&1; echo $? >"$work/hostile-ek-$how.rc"
  lp=$((lp + 1)); sleep 0.2
done
in_b_ns "$peer" hostile-ct "$peer_port" 500 "$psk" pqike.peer.test >"$work/hostile-ct.log" 2>&1 &
hct=$!
sleep 0.3
sw b --initiate --child cpeer --ike pqike-out --timeout 8 >"$work/hostile-ct.initiate" 2>&1
wait "$hct"; echo $? >"$work/hostile-ct.rc"
sw b --list-sas >"$work/hostile.sas" 2>&1
in_b_ns "$peer" initiate 500 "$lp" "$psk" pqike.peer.test >"$work/peer-initiate.log" 2>&1; echo $? >"$work/peer-initiate.rc"
sleep 0.3
tail -n +"$((mb + 1))" "$work/b.log" >"$work/peer.b"
mr=$(wc -l <"$work/b.log")
# pqike's responder: charon B initiates (with a Child SA), rekeys the IKE SA, terminates
in_b_ns "$peer" respond "$peer_port" 500 "$psk" pqike.peer.test >"$work/peer-respond.log" 2>&1 &
prs=$!
sleep 0.3
sw b --initiate --child cresp --ike pqike-resp --timeout 10 >"$work/respond.initiate" 2>&1
sw b --list-sas --ike pqike-resp >"$work/respond.sas" 2>&1
sw b --rekey --ike pqike-resp >"$work/respond.rekey" 2>&1
sleep 0.5
sw b --list-sas --ike pqike-resp >"$work/respond.sas2" 2>&1
sw b --terminate --ike pqike-resp >"$work/respond.terminate" 2>&1
wait "$prs"; echo $? >"$work/peer-respond.rc"
sleep 0.3
tail -n +"$((mr + 1))" "$work/b.log" >"$work/respond.b"
cat "$work"/hostile-ek-*.log "$work/hostile-ct.log" "$work/peer-initiate.log" "$work/peer-respond.log" | sed 's/^/    /'
PB=$work/peer.b; PR=$work/respond.b
for how in short long; do
  n=$([ $how = short ] && echo 1183 || echo 1185)
  check "hostile ek ($how, $n octets): plugin refused it, charon answered NO_PROPOSAL_CHOSEN" \
    sh -c "test \$(cat '$work/hostile-ek-$how.rc') -eq 0 && grep -q 'pqike-mlkem: ML_KEM_768 ek has $n octets, expected 1184: refused' '$PB' &&
           grep -q 'NO_PROPOSAL_CHOSEN' '$work/hostile-ek-$how.log'"
done
check "hostile ek (modulus): FIPS 203 7.2 check refused it, charon answered NO_PROPOSAL_CHOSEN" \
  sh -c "test \$(cat '$work/hostile-ek-modulus.rc') -eq 0 && grep -q 'pqike-mlkem: ML_KEM_768 ek fails the FIPS 203 7.2 check (invalid_key): refused' '$PB' &&
         grep -q 'NO_PROPOSAL_CHOSEN' '$work/hostile-ek-modulus.log'"
check "hostile ct (1087 octets): charon as initiator refused it and sent no IKE_AUTH" \
  sh -c "test \$(cat '$work/hostile-ct.rc') -eq 0 && grep -q 'pqike-mlkem: ML_KEM_768 ct has 1087 octets, expected 1088: refused' '$PB' &&
         ! grep -Eq 'IKE_SA pqike-out\[[0-9]+\] established' '$PB' && ! grep -q 'pqike-out:' '$work/hostile.sas'"
check "pqike's initiator (ML-KEM-768 in IKE_SA_INIT) with charon B afterwards: exit status 0" \
  test "$(cat "$work/peer-initiate.rc")" -eq 0
check "charon B established, rekeyed (ML_KEM_768) and deleted pqike's IKE SAs" \
  sh -c "grep -Eq 'IKE_SA pqike-in\[[0-9]+\] established between 127.0.0.1\[b.pqike.test\]\.\.\.127.0.0.1\[pqike.peer.test\]' '$PB' &&
         grep -Eq 'IKE_SA pqike-in\[[0-9]+\] rekeyed between' '$PB' &&
         test \$(grep -c 'selected proposal: IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ML_KEM_768' '$PB') -ge 2 &&
         test \$(grep -c 'received DELETE for IKE_SA pqike-in' '$PB') -eq 2"
check "pqike's responder (ML-KEM-768 in IKE_SA_INIT, Child SA, IKE SA rekey, deletes) with charon B: exit status 0" \
  test "$(cat "$work/peer-respond.rc")" -eq 0
check "charon B established pqike-resp with pqike's responder (ML_KEM_768) and a Child SA in kernel-libipsec, rekeyed the IKE SA (the Child SA moved to the new one) and deleted both" \
  sh -c "grep -Eq 'IKE_SA pqike-resp\[[0-9]+\] established between 127.0.0.1\[b.pqike.test\]\.\.\.127.0.0.1\[pqike.peer.test\]' '$PR' &&
         grep -Eq 'CHILD_SA cresp\{[0-9]+\} established with SPIs' '$PR' &&
         grep -Eq 'IKE_SA pqike-resp\[[0-9]+\] rekeyed between' '$PR' &&
         test \$(grep -c 'selected proposal: IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ML_KEM_768' '$PR') -eq 2 &&
         grep -Eq 'pqike-resp: #[0-9]+, ESTABLISHED' '$work/respond.sas' && grep -q 'ML_KEM_768' '$work/respond.sas' &&
         grep -Eq 'cresp: #[0-9]+, .*INSTALLED, TUNNEL-in-UDP' '$work/respond.sas' &&
         grep -Eq 'pqike-resp: #[0-9]+, ESTABLISHED' '$work/respond.sas2' && grep -q 'ML_KEM_768' '$work/respond.sas2' &&
         grep -Eq 'cresp: #[0-9]+, .*INSTALLED' '$work/respond.sas2' &&
         test \"\$(grep -Eo 'pqike-resp: #[0-9]+' '$work/respond.sas')\" != \"\$(grep -Eo 'pqike-resp: #[0-9]+' '$work/respond.sas2')\" &&
         test \$(grep -c 'deleting IKE_SA pqike-resp' '$PR') -eq 2"
t_live=$(date +%s)

# ---- timing: handshakes per second of charon B, ML-KEM-768 against X25519 ----------------------
# pqike's initiator drives IKE_SA_INIT, IKE_AUTH (PSK, childless) and a Delete per handshake, one
# at a time; charon logs at level 1 again (the level-4 key dumps would bias the cost). charon's
# CPU time (utime + stime of its process) is read from /proc around each run.
for s in a b; do write_settings "$s" 1; sw "$s" --reload-settings >/dev/null 2>&1; done
hs=${PQIKE_PLUGIN_HS:-300}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid_b/stat"; }
tick=$(getconf CLK_TCK)
echo "timing: $hs handshakes per run with charon B (both charons and pqike on the same $(nproc) cores):"
for run in 1 2; do
  for meth in x25519 mlkem768; do
    c0=$(cpu_ticks)
    out=$(in_b_ns "$peer" bench 500 "$((peer_port + 20))" "$psk" pqike.peer.test "$meth" "$hs" 2>&1) \
      || { echo "    $out"; check "bench $meth run $run" false; continue; }
    c1=$(cpu_ticks)
    us=$(sed -n 's/.* \([0-9]*\) us each.*/\1/p' <<<"$out")
    cpu_us=$(( (c1 - c0) * 1000000 / tick / hs ))
    echo "    $meth run $run: $(sed 's/^pqike-peer: bench [a-z0-9]*: //' <<<"$out"); charon CPU $cpu_us us per handshake"
  done
done

# ---- optional: PQIKE_PLUGIN_BENCH=N sequential initiate+terminate cycles (IKE SA + Child SA,
# IKE_SA_INIT, IKE_AUTH, INFORMATIONAL; both charons on the same 2 cores) per proposal ----------
bench=${PQIKE_PLUGIN_BENCH:-0}
if [ "$bench" -gt 0 ]; then
  for conn in x25519:cx mlkem768:c768 x25519:cx mlkem768:c768; do
    c=${conn%%:*}; ch=${conn##*:}
    t0=$(date +%s%N)
    for _ in $(seq 1 "$bench"); do
      sw a --initiate --child "$ch" --ike "$c" >/dev/null 2>&1 || echo "  bench: initiate $c failed"
      sw a --terminate --ike "$c" >/dev/null 2>&1
    done
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    echo "  bench $c: $bench handshakes (IKE SA + Child SA, then delete) in $ms ms: $(( ms * 1000 / bench )) us each, $(( bench * 1000 / ms )) per s"
  done
fi
check "both charons still running" sh -c "kill -0 $pid_a && kill -0 $pid_b"

echo "$me: timing: source+configure $((t_src - t_start)) s, plugin build $((t_build - t_src)) s, live $((t_live - t_live0)) s, total $((t_live - t_start)) s"
if [ "$fail" -ne 0 ]; then
  for s in a b; do echo "--- charon $s log (tail) ---"; tail -40 "$work/$s.log"; done
  echo "(KEEP=1 keeps $work)"
  echo "$me: FAILED against $version"; exit 1
fi
echo "$me: passed against $version"
