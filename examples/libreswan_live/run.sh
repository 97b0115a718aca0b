#!/bin/bash
# SPDX-License-Identifier: MIT
# One live scenario against libreswan's pluto (built as README.md says, under $LSW), in the network
# namespace "lsw" (lo with 192.0.2.1 = pluto and 192.0.2.2 = pqike: pluto ignores loopback
# addresses), pluto under the XFRM ACK shim. Not run by CI.
#   run.sh SCENARIO ROLE     ROLE: pqike-init | lsw-init
# SCENARIO (libreswan conn / lsw_peer options):
#   mlkem     ike=...;ke=ml_kem_768 (ML-KEM in IKE_SA_INIT), IKE SA rekey ML-KEM-768 only
#   mlkem-r   the same, with lsw-init: pqike (the original responder) starts the IKE SA rekey
#   addke     ike=...-dh31;addke1=ml_kem_768 (IKE_INTERMEDIATE, fragmented), IKE SA rekey with
#             IKE_FOLLOWUP_KE
#   frag      addke with pqike's fragment size 576 (its IKE_INTERMEDIATE messages fragmented too)
#   ppk       addke + RFC 8784 PPK (ppk=insist)
#   child     addke + esp=aes_gcm256;dh31;addke1=dh19 (Child SA in IKE_AUTH with ADDKE
#             transforms, Child SA rekey; 5.4 refuses ML-KEM in esp=)
#   child-none  child, but pqike's IKE_AUTH proposal without KE/ADDKE (pqike's default)
#   child-ke  addke + esp=aes_gcm256;dh31 (Child SA rekey with a KE, no ADDKE)
# Leaves $OUT/<scenario>-<role>.{pluto.log,peer.log,shim.log,conf}.
set -u
LSW=${LSW:-/tmp/lsw}
PEER=${PEER:-$LSW/lsw_peer}
OUT=${OUT:-$LSW/out}
SC=$1 ROLE=$2
D=$LSW/run/$SC-$ROLE
NS="ip netns exec lsw"
PPK_HEX=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
mkdir -p "$OUT" && rm -rf "$D" && mkdir -p "$D/nss"
export LD_LIBRARY_PATH=$LSW/dist/Release/lib
ip netns list | grep -qw lsw || { ip netns add lsw && $NS ip link set lo up &&
  $NS ip addr add 192.0.2.1/32 dev lo && $NS ip addr add 192.0.2.2/32 dev lo; }
$LSW/dist/Release/bin/certutil -N -d sql:$D/nss --empty-password

IKE="aes_gcm256-sha2_384-dh31;addke1=ml_kem_768"; ESP="aes_gcm256"; PFS=no; EXTRA=""
ARGS=(--ike x25519+mlkem768 --rekey-ike x25519+mlkem768)
case $SC in
  mlkem) IKE="aes_gcm256-sha2_384;ke=ml_kem_768"; ARGS=(--ike mlkem768 --rekey-ike mlkem768 --show-keygen-seeds) ;;
  mlkem-r) IKE="aes_gcm256-sha2_384;ke=ml_kem_768"; ARGS=(--ike mlkem768 --rekey-ike mlkem768 --show-keygen-seeds --self-rekey) ;;
  addke) ;;
  frag) ARGS+=(--frag 576) ;;
  ppk) EXTRA="ppk=insist
	ppk-ids=pqike-ppk-1"; ARGS+=(--ppk-id pqike-ppk-1 --ppk $PPK_HEX --ppk-required) ;;
  child) ESP="aes_gcm256;dh31;addke1=dh19"; PFS=yes; ARGS+=(--esp x25519+ecp256 --auth-ke addke --rekey-child) ;;
  child-none) ESP="aes_gcm256;dh31;addke1=dh19"; PFS=yes; ARGS+=(--esp x25519+ecp256 --auth-ke none) ;;
  child-ke) ESP="aes_gcm256;dh31"; PFS=yes; ARGS+=(--esp x25519 --rekey-child) ;;
  *) echo "unknown scenario $SC"; exit 2 ;;
esac
cat > $D/ipsec.conf <<CONF
config setup
	logfile=$D/pluto.log
	logappend=no
	plutodebug=all,crypt,private
	listen=192.0.2.1

conn pq
	authby=secret
	left=192.0.2.1
	leftid=@lsw.test
	leftsubnet=10.123.2.1/32
	leftupdown=/bin/true
	right=192.0.2.2
	rightid=@pqike.test
	rightsubnet=10.123.1.1/32
	ike=$IKE
	esp=$ESP
	pfs=$PFS
	intermediate=yes
	fragmentation=yes
	rekey=no
	$EXTRA
CONF
cat > $D/ipsec.secrets <<SEC
@lsw.test @pqike.test : PSK "a pre-shared key of thirty-two!!"
@lsw.test @pqike.test : PPKS "pqike-ppk-1" 0x$PPK_HEX
SEC
$NS env LD_PRELOAD=$LSW/xfrm_ack_shim.so LSW_SHIM_LOG=$D/shim.log LD_LIBRARY_PATH=$LD_LIBRARY_PATH \
  $LSW/inst/libexec/ipsec/pluto --config $D/ipsec.conf --nofork --rundir $D --nssdir $D/nss \
  --secretsfile $D/ipsec.secrets --ipsecdir $D > $D/pluto.stderr 2>&1 &
PLUTO=$!
WHACK="$NS $LSW/inst/libexec/ipsec/whack --ctlsocket $D/pluto.ctl"
for i in $(seq 50); do [ -S $D/pluto.ctl ] && break; sleep 0.1; done
$NS $LSW/inst/libexec/ipsec/addconn --ctlsocket $D/pluto.ctl --config $D/ipsec.conf pq > $D/addconn.log 2>&1
RC=0
if [ "$ROLE" = pqike-init ]; then
  $NS $PEER init 500 500 "a pre-shared key of thirty-two!!" pqike.test "${ARGS[@]}" > $D/peer.log 2>&1 || RC=$?
else
  # lsw_peer answers; pluto initiates, rekeys the Child SA and the IKE SA, then deletes.
  R=(); for a in "${ARGS[@]}"; do [ "$a" = --rekey-child ] || [ "$a" = --auth-ke ] || [ "$a" = addke ] || [ "$a" = none ] || R+=("$a"); done
  $NS $PEER resp 500 500 "a pre-shared key of thirty-two!!" pqike.test "${R[@]}" > $D/peer.log 2>&1 &
  P=$!
  sleep 0.5
  $WHACK --initiate --name pq --asynchronous > $D/whack.log 2>&1
  sleep 3
  case $SC in child|child-ke) $WHACK --rekey-child --name pq --asynchronous >> $D/whack.log 2>&1; sleep 3 ;; esac
  [ $SC = mlkem-r ] || $WHACK --rekey-ike --name pq --asynchronous >> $D/whack.log 2>&1
  sleep 3
  $WHACK --showstates >> $D/whack.log 2>&1
  $WHACK --delete --name pq >> $D/whack.log 2>&1
  wait $P || RC=$?
fi
$WHACK --showstates > $D/states.log 2>&1
kill $PLUTO 2>/dev/null; wait $PLUTO 2>/dev/null
for f in pluto.log peer.log shim.log ipsec.conf whack.log addconn.log states.log pluto.stderr; do
  [ -f $D/$f ] && cp $D/$f $OUT/$SC-$ROLE.$f; done
echo "$SC $ROLE rc=$RC"
exit $RC
