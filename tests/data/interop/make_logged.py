#!/usr/bin/env python3
"""Extract the logged values the interop replay compares against from strongSwan's charon logs.

Usage: make_logged.py ../shared/interop/strongswan > strongswan_logged.json

Keeps, per scenario (s1, s3, s6) and side, every DBG4 hex dump whose label is in LABELS (1-based log line,
the IKE SA's unique id from the "<name|id>" prefix, label, hex), the save-keys
ikev2_decryption_table rows of each side and the tshark esp_sa rows. Nothing is computed here.
"""
import json, os, re, sys

LABELS = {
    "key exchange secret", "additional key exchange secret", "nonces", "SKEYSEED",
    "Sk_d secret", "Sk_ai secret", "Sk_ar secret", "Sk_ei secret", "Sk_er secret",
    "Sk_pi secret", "Sk_pr secret", "IntAuth_N-1", "IntAuth_A|P", "IntAuth_N = prf(Sk_px, data)",
    "octets = message + nonce + prf(Sk_px, IDx') + IntAuth", "AUTH = prf(prf(secret, keypad), octets)",
    "seed", "encryption initiator key", "encryption responder key", "integrity initiator key",
    "integrity responder key", "plain",
    # RFC 8784 (s6): the PPK, the keys derived with it, and the SK_p each AUTH computation used.
    "PPK", "derive keys using PPK", "SK_p",
}
HEAD = re.compile(r"^\S+ \d+\[\w+\] <(?:[^|>]*\|)?(\d+)> (.+?) => (\d+) bytes")
DUMP = re.compile(r"^\S+ \d+\[\w+\] <[^>]*>\s+\d+: ((?:[0-9A-F]{2} ?)+)")


def dumps(path):
    out, cur = [], None
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = HEAD.match(line)
            if m:
                cur = None
                if m.group(2) in LABELS:
                    cur = {"line": n, "sa": int(m.group(1)), "label": m.group(2),
                           "len": int(m.group(3)), "hex": ""}
                    out.append(cur)
                continue
            if cur is not None:
                d = DUMP.match(line)
                if d and len(cur["hex"]) < 2 * cur["len"]:
                    cur["hex"] += d.group(1).replace(" ", "").lower()[: 2 * cur["len"] - len(cur["hex"])]
                else:
                    cur = None
    for d in out:
        assert len(d["hex"]) == 2 * d["len"], (path, d["line"])
        del d["len"]
    return out


def rows(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip()]


root = sys.argv[1]
doc = {"source": "../shared/interop/strongswan (strongSwan 6.0.6 charon logs, save-keys tables)",
       "scenarios": {}}
for sc in ("s1_mlkem768_gcm", "s3_cbc_hmac_natt", "s6_ppk_rfc8784"):
    s = {}
    for side in ("initiator", "responder"):
        s[side] = {"dumps": dumps(os.path.join(root, sc, side, "charon.log")),
                   "ikev2_decryption_table": rows(os.path.join(root, sc, side, "ikev2_decryption_table"))}
    s["esp_sa"] = rows(os.path.join(root, sc, "wireshark4", "final", "esp_sa"))
    doc["scenarios"][sc] = s
json.dump(doc, sys.stdout, indent=0)
