#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The secrets two charons with the pqike-mlkem plugin log, against what pqike computes from the
packets on the wire (scripts/checks.d/strongswan-plugin.sh).

charon 5.9.8 logs at level 4 (groups IKE and CHD) each key exchange's shared secret and the keys it
derives from it (keymat_v2.c): "shared Diffie Hellman secret", "SKEYSEED", "Sk_d secret" ...
"Sk_pr secret" for an IKE SA, "DH secret", "seed", "encryption initiator/responder key" for a
Child SA. For each ML-KEM method this check takes the ML-KEM shared secrets from the logs and
everything else from the capture, decoded by the pqike CLI:

  IKE_SA_INIT    Ni, Nr, SPIs from the cleartext messages; `pqike derive` with the logged secret
                 must give the SKEYSEED and SK_* both charons logged;
  IKE SA rekey   the CREATE_CHILD_SA opened with those keys (`pqike decode --keys`) gives the new
                 SPIs and nonces; `pqike derive rekey` with the rekey's logged secret must give
                 the new SA's SKEYSEED and SK_* both charons logged;
  Child SAs      `pqike derive child` gives the ESP keys charon logged, for the IKE_AUTH Child SA
                 (no key exchange) and for the Child SA rekey (with its ML-KEM secret);
  the capture    every encrypted message of both IKE SAs opens (AES-GCM ICV verified) with the key
                 table built from pqike's keys, each with the line of its own SA.

Both charons must log the same secret for every exchange (the initiator decapsulated what the
responder encapsulated). Usage:
  check_keys.py PQIKE_CLI CAPTURE WORKDIR METHOD:A_LOG:B_LOG ...
METHOD is 512, 768 or 1024; the logs are the sections of each charon's log for that method.
Prints "ok: ..." / "FAILED: ..." lines; exit status 1 if any check failed.
"""
import json
import os
import re
import subprocess
import sys

KE_ID = {"512": 35, "768": 36, "1024": 37}
PRF = "hmac-sha384"      # aes256gcm16-prfsha384-mlkemN
SK_E_LEN = 36            # AES-GCM-256: 32-octet key + 4-octet salt; no integrity key
ENCR_NAME = '"AES-GCM-256 with 16 octet ICV [RFC5282]"'
INTEG_NAME = '"NONE [RFC4306]"'
PAYLOAD_SA, PAYLOAD_NONCE, PAYLOAD_NOTIFY = 33, 40, 41
REKEY_SA = 16393

fails = 0


def check(cond, what):
    global fails
    print(("  ok: " if cond else "  FAILED: ") + what)
    if not cond:
        fails += 1
    return cond


# ---- charon's log ------------------------------------------------------------------------------
LABELS = ("shared Diffie Hellman secret", "SKEYSEED", "Sk_d secret", "Sk_ai secret", "Sk_ar secret",
          "Sk_ei secret", "Sk_er secret", "Sk_pi secret", "Sk_pr secret", "DH secret", "seed",
          "encryption initiator key", "encryption responder key")
HEAD = re.compile(r"\[(IKE|CHD)\](?: <[^>]*>)? (" + "|".join(re.escape(x) for x in LABELS) +
                  r") => (\d+) bytes @ 0x[0-9a-f]+$")
ROW = re.compile(r"\[(?:IKE|CHD)\](?: <[^>]*>)? +\d+: (.*)$")


def chunks(path):
    """(group, label, bytes) of every chunk the log prints with %B, in order."""
    out = []
    lines = open(path, errors="replace").read().splitlines()
    i = 0
    while i < len(lines):
        m = HEAD.search(lines[i])
        i += 1
        if not m:
            continue
        n = int(m.group(3))
        data = bytearray()
        while len(data) < n and i < len(lines):
            r = ROW.search(lines[i])
            if not r:
                break
            # "XX XX ... XX" (16 octets, 47 characters, padded), two spaces, then the ASCII column
            for tok in r.group(1)[:47].split():
                if len(data) < n:
                    data.append(int(tok, 16))
            i += 1
        if len(data) == n:
            out.append((m.group(1), m.group(2), bytes(data).hex()))
    return out


def derivations(path):
    """The IKE SA key derivations and the Child SA key derivations of one charon, in order."""
    ike, chd = [], []
    for group, label, value in chunks(path):
        if group == "IKE":
            if label == "shared Diffie Hellman secret":
                ike.append({})
            if ike and label in LABELS[:9]:
                ike[-1].setdefault(label, value)
        else:
            if label in ("DH secret", "seed") and (not chd or "encryption responder key" in chd[-1]):
                chd.append({})
            if chd:
                chd[-1].setdefault(label, value)
    return ike, chd


# ---- pqike ---------------------------------------------------------------------------------------
def pqike(cli, args, request=None):
    r = subprocess.run([cli] + args, input=json.dumps(request) if request is not None else None,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"pqike {' '.join(args)}: {r.stderr.strip()}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def payload(msg, ptype, inner=False):
    return [p for p in msg.get("inner" if inner else "payloads", []) if p.get("type") == ptype]


def sa_spi(msg):
    """SPI of the first proposal of the SA payload inside a CREATE_CHILD_SA message."""
    sa = payload(msg, PAYLOAD_SA, inner=True)
    props = sa[0].get("proposals", []) if sa else []
    return props[0].get("spi", "") if props else ""


def table_line(spi_i, spi_r, k):
    return f"{spi_i},{spi_r},{k['sk_ei']},{k['sk_er']},{ENCR_NAME},,,{INTEG_NAME}"


def main():
    if len(sys.argv) < 5:
        print(__doc__)
        return 2
    cli, capture, work = sys.argv[1:4]
    runs = [a.split(":") for a in sys.argv[4:]]
    plain = pqike(cli, ["decode", "--pcap", capture])
    sas = []
    for method, log_a, log_b in runs:
        print(f"keys of mlkem{method} (charon's debug log against pqike on the capture):")
        ia, ca = derivations(log_a)
        ib, cb = derivations(log_b)
        check(len(ia) == 2 and len(ib) == 2 and len(ca) == 2 and len(cb) == 2,
              f"mlkem{method}: both charons logged 2 IKE SA and 2 Child SA key derivations "
              f"(A {len(ia)}/{len(ca)}, B {len(ib)}/{len(cb)})")
        if len(ia) < 2 or len(ib) < 2 or len(ca) < 2 or len(cb) < 2:
            continue
        ss = [ia[0]["shared Diffie Hellman secret"], ia[1]["shared Diffie Hellman secret"], ca[1].get("DH secret", "")]
        check(len(ss[0]) == 64 and len(ss[1]) == 64 and len(ss[2]) == 64 and len(set(ss)) == 3,
              f"mlkem{method}: three 32-octet ML-KEM secrets (IKE_SA_INIT, IKE SA rekey, Child SA rekey), all different")
        check(ss == [ib[0]["shared Diffie Hellman secret"], ib[1]["shared Diffie Hellman secret"], cb[1].get("DH secret")],
              f"mlkem{method}: initiator and responder logged the same secret for each of the three")

        # IKE_SA_INIT on the wire
        inits = [m for m in plain if m.get("exchange") == 34 and
                 any(p.get("ke_method") == KE_ID[method] for p in m["payloads"])]
        req = [m for m in inits if not m["flags"]["response"]]
        rsp = [m for m in inits if m["flags"]["response"] and m["spi_r"] != "0000000000000000"]
        if not check(len(req) == 1 and len(rsp) == 1 and rsp[0]["spi_i"] == req[0]["spi_i"],
                     f"mlkem{method}: one IKE_SA_INIT request and response with KE method {KE_ID[method]} on the wire"):
            continue
        spi_i, spi_r = rsp[0]["spi_i"], rsp[0]["spi_r"]
        ni = payload(req[0], PAYLOAD_NONCE)[0]["nonce"]
        nr = payload(rsp[0], PAYLOAD_NONCE)[0]["nonce"]
        k0 = pqike(cli, ["derive"], {"prf": PRF, "ni": ni, "nr": nr, "spi_i": spi_i, "spi_r": spi_r,
                                     "key_exchanges": [ss[0]], "sk_e_len": SK_E_LEN, "sk_a_len": 0})[0]["stages"][0]
        names = ("SKEYSEED", "Sk_d secret", "Sk_ei secret", "Sk_er secret", "Sk_pi secret", "Sk_pr secret")
        ours = ("skeyseed", "sk_d", "sk_ei", "sk_er", "sk_pi", "sk_pr")
        check(all(k0[o] == ia[0].get(n) == ib[0].get(n) for o, n in zip(ours, names)),
              f"mlkem{method}: IKE SA {spi_i}_i {spi_r}_r: pqike derive (wire Ni, Nr, SPIs + logged secret) "
              "= SKEYSEED, SK_d, SK_ei, SK_er, SK_pi, SK_pr of both logs")
        sas.append({"method": method, "spi": (spi_i, spi_r), "keys": k0, "ni": ni, "nr": nr, "ss": ss,
                    "ia": ia, "ib": ib, "ca": ca, "cb": cb})

    # Open the old SAs' CREATE_CHILD_SA with pqike's keys, to find the rekeyed IKE SAs.
    table = os.path.join(work, "ikev2_decryption_table")
    with open(table, "w") as f:
        for s in sas:
            f.write(table_line(*s["spi"], s["keys"]) + "\n")
    opened = pqike(cli, ["decode", "--pcap", capture, "--keys", table])
    for s in sas:
        method = s["method"]
        on_old = [m for m in opened if (m["spi_i"], m["spi_r"]) == s["spi"]]
        ccs = [m for m in on_old if m.get("exchange") == 36 and "inner" in m]
        req = [m for m in ccs if not m["flags"]["response"]]
        rsp = [m for m in ccs if m["flags"]["response"]]
        if not check(len(req) == 1 and len(rsp) == 1 and sa_spi(req[0]) and sa_spi(rsp[0]) and
                     payload(req[0], PAYLOAD_NONCE, True) and payload(rsp[0], PAYLOAD_NONCE, True),
                     f"mlkem{method}: the IKE SA rekey (CREATE_CHILD_SA with SA, Nonce, KE) opened with pqike's keys"):
            continue
        new_i, new_r = sa_spi(req[0]), sa_spi(rsp[0])
        rni = payload(req[0], PAYLOAD_NONCE, True)[0]["nonce"]
        rnr = payload(rsp[0], PAYLOAD_NONCE, True)[0]["nonce"]
        k1 = pqike(cli, ["derive", "rekey"], {"prf": PRF, "sk_d_old": s["keys"]["sk_d"], "ni": rni, "nr": rnr,
                                              "key_exchanges": [s["ss"][1]], "spi_i": new_i, "spi_r": new_r,
                                              "sk_e_len": SK_E_LEN, "sk_a_len": 0})[0]
        names = ("SKEYSEED", "Sk_d secret", "Sk_ei secret", "Sk_er secret", "Sk_pi secret", "Sk_pr secret")
        ours = ("skeyseed", "sk_d", "sk_ei", "sk_er", "sk_pi", "sk_pr")
        check(all(k1[o] == s["ia"][1].get(n) == s["ib"][1].get(n) for o, n in zip(ours, names)),
              f"mlkem{method}: rekeyed IKE SA {new_i}_i {new_r}_r: pqike derive rekey (old SK_d, wire nonces and "
              "SPIs + logged secret) = SKEYSEED and SK_* of both logs")
        s["new"] = (new_i, new_r)
        s["new_keys"] = k1
        # Child SA of IKE_AUTH: KEYMAT = prf+(SK_d, Ni | Nr), no key exchange
        c0 = pqike(cli, ["derive", "child"], {"prf": PRF, "sk_d": s["keys"]["sk_d"], "ni": s["ni"], "nr": s["nr"],
                                              "keymat_len": 2 * SK_E_LEN})[0]["keymat"]
        check(c0 == s["ca"][0].get("encryption initiator key", "") + s["ca"][0].get("encryption responder key", "") ==
              s["cb"][0].get("encryption initiator key", "") + s["cb"][0].get("encryption responder key", ""),
              f"mlkem{method}: IKE_AUTH Child SA: pqike derive child = the ESP keys (i, r) both charons logged")

    # Second pass: both lines of each method; the Child SA rekey runs on the new IKE SA.
    with open(table, "w") as f:
        for s in sas:
            f.write(table_line(*s["spi"], s["keys"]) + "\n")
            if "new" in s:
                f.write(table_line(*s["new"], s["new_keys"]) + "\n")
    opened = pqike(cli, ["decode", "--pcap", capture, "--keys", table])
    for s in sas:
        if "new" not in s:
            continue
        method = s["method"]
        on_new = [m for m in opened if (m["spi_i"], m["spi_r"]) == s["new"]]
        ccs = [m for m in on_new if m.get("exchange") == 36 and "inner" in m]
        req = [m for m in ccs if not m["flags"]["response"] and
               any(p.get("notify_type") == REKEY_SA for p in m["inner"])]
        rsp = [m for m in ccs if m["flags"]["response"] and req and m["message_id"] == req[0]["message_id"]]
        if check(len(req) == 1 and len(rsp) == 1, f"mlkem{method}: the Child SA rekey (N(REKEY_SA) SA Nonce KE) "
                 "opened with pqike's keys of the rekeyed IKE SA"):
            cni = payload(req[0], PAYLOAD_NONCE, True)[0]["nonce"]
            cnr = payload(rsp[0], PAYLOAD_NONCE, True)[0]["nonce"]
            c1 = pqike(cli, ["derive", "child"], {"prf": PRF, "sk_d": s["new_keys"]["sk_d"], "ni": cni, "nr": cnr,
                                                  "key_exchanges": [s["ss"][2]], "keymat_len": 2 * SK_E_LEN})[0]
            ca, cb = s["ca"][1], s["cb"][1]
            check(c1["keymat"] == ca.get("encryption initiator key", "") + ca.get("encryption responder key", "") ==
                  cb.get("encryption initiator key", "") + cb.get("encryption responder key", "") and
                  ca.get("seed") == s["ss"][2] + cni + cnr,
                  f"mlkem{method}: Child SA rekey: pqike derive child (new SK_d, wire nonces + logged ML-KEM secret) = "
                  "the ESP keys both charons logged; charon's seed = secret | Ni | Nr")
        # every encrypted message of both SAs opened, each with its own SA's line
        both = [m for m in opened if (m["spi_i"], m["spi_r"]) in (s["spi"], s["new"]) and m.get("exchange") != 34]
        # an SK payload opened, or an SKF fragment whose ICV verified and that waits for the rest
        def was_opened(m):
            return ("inner" in m or m.get("reassembly") == "stored") and "keys_line" in m and not m.get("inner_error")
        bad = [m["frame"] for m in both if not was_opened(m)]
        idx = sas.index(s)
        line_old = 1 + sum(2 if "new" in x else 1 for x in sas[:idx])
        wrong = [m["frame"] for m in both if was_opened(m) and
                 m.get("keys_line") != (line_old if (m["spi_i"], m["spi_r"]) == s["spi"] else line_old + 1)]
        exchanges = sorted({m["exchange_name"] for m in both})
        skf = sum(1 for m in both if m["payloads"] and m["payloads"][0].get("type") == 53)
        check(len(both) >= 10 and not bad and not wrong,
              f"mlkem{method}: all {len(both)} encrypted datagrams of both IKE SAs ({', '.join(exchanges)}; {skf} of "
              f"them IKE fragments) opened with pqike's keys, each with its own SA's line "
              f"(not opened: {bad or 'none'}, wrong line: {wrong or 'none'})")
    print(f"key table: {table}")
    return 1 if fails or not sas else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, KeyError, IndexError, ValueError) as e:
        print(f"  FAILED: {type(e).__name__}: {e}")
        sys.exit(1)
