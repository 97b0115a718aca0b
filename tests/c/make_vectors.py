#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Flatten the public test vectors into one line-per-case text file for the C ABI test.

The C test (tests/c/test_c_api.c) has no JSON parser; this build step copies the vectors, value
for value, into lines of the form `kind key=value key=value ...` (values are the hex strings or
numbers of the sources, unchanged). Nothing is computed here: every expected output comes from
the source file. Usage: make_vectors.py <source dir> <output file>

Sources (all already in the tree, with provenance in tests/data/README.md):
  tests/data/mlkem_keygen.json, mlkem_encap.json, mlkem_decap.json, mlkem_keycheck.json
      NIST ACVP ML-KEM (FIPS 203) and C2SP CCTV key checks
  tests/data/ikev2_kdf.json        NIST CAVS SP 800-135 IKEv2 KDF
  docs/escape-message.md §10       the escape message vectors (```hex vector=NAME blocks)
  tests/data/interop/exchanges.json  strongSwan 6.0.6 IKE_SA_INIT messages and their payload
                                   lists as extracted by the capture tooling (offsets there are
                                   relative to the end of the 28-octet IKE header)
"""
import json
import pathlib
import sys

src = pathlib.Path(sys.argv[1])
out_path = pathlib.Path(sys.argv[2])
data = src / "tests" / "data"
lines = []

# IKEv2 Transform Type 4 IDs (IANA, draft-ietf-ipsecme-ikev2-mlkem) and Type 2 PRF IDs (RFC 7296
# §3.3.2, RFC 4868).
KEM_ID = {"ML-KEM-512": 35, "ML-KEM-768": 36, "ML-KEM-1024": 37}
PRF_ID = {"SHA-1": 2, "SHA-256": 5, "SHA-384": 6, "SHA-512": 7}


def cases(name):
    return json.loads((data / name).read_text())["cases"]


def line(kind, **kv):
    lines.append(kind + "".join(f" {k}={v}" for k, v in kv.items()))


def passed(v):
    return 1 if str(v).lower() == "true" else 0


for c in cases("mlkem_keygen.json"):
    line("keygen", id=c["tcId"], method=KEM_ID[c["parameterSet"]], seed=c["d"] + c["z"], ek=c["ek"])
for c in cases("mlkem_encap.json"):
    line("encap", id=c["tcId"], method=KEM_ID[c["parameterSet"]], ek=c["ek"], m=c["m"], c=c["c"], k=c["k"])
for c in cases("mlkem_decap.json"):
    if c.get("acvpKeyFormat") == "seed":
        line("decap", id=c["tcId"], method=KEM_ID[c["parameterSet"]], seed=c["d"] + c["z"], c=c["c"], k=c["k"])
    else:  # an expanded dk: the C ABI has no dk import (the key never leaves its handle)
        line("decap_expanded_dk", id=c["tcId"])
for c in cases("mlkem_keycheck.json"):
    if c["function"] == "encapsulationKeyCheck":
        line("ekcheck", id=c.get("tcId", c.get("line", "?")), method=KEM_ID[c["parameterSet"]], ek=c["ek"],
             ok=passed(c["testPassed"]))
    else:
        line("dkcheck", id=c.get("tcId", c.get("line", "?")))

for c in cases("ikev2_kdf.json"):
    line("kdf", id=f'{c["group"]}.{c["count"]}', prf=PRF_ID[c["hash"]], ni=c["ni"], nr=c["nr"], gir=c["gir"],
         girnew=c["girNew"], spii=c["spii"], spir=c["spir"], skeyseed=c["skeyseed"], dkm=c["dkm"],
         child=c["dkmChild"], childdh=c["dkmChildDh"], rekey=c["skeyseedRekey"])

name, body = None, []
for text in (src / "docs" / "escape-message.md").read_text().splitlines():
    if name is None and text.startswith("```hex vector="):
        name, body = text[len("```hex vector="):], []
    elif name is not None and text.startswith("```"):
        line("escape", name=name, hex="".join(body).replace(" ", ""))
        name = None
    elif name is not None:
        body.append(text.strip())

ex = json.loads((data / "interop" / "exchanges.json").read_text())
for scen, sc in sorted(ex["scenarios"].items()):
    for i, m in enumerate(sc["ike_messages"]):
        if m.get("encrypted") in (True, "True") or "message_hex" not in m:
            continue
        ps = ",".join(f'{p["type"]}:{28 + p["offset"]}:{p["length"]}:{1 if p["critical"] else 0}'
                      for p in m["payloads"])
        line("ikemsg", id=f"{scen}/{i}", exchange=m["exchange"], mid=m["mid"], msg=m["message_hex"],
             payloads=ps)

out_path.write_text("\n".join(lines) + "\n")
