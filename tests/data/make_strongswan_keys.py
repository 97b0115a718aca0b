#!/usr/bin/env python3
"""Extract the key-schedule subset of ../shared/interop/strongswan/exchanges.json into
tests/data/strongswan_keys.json (used by tests/unit/keys_strongswan.cpp).

Usage: python3 tests/data/make_strongswan_keys.py <path/to/exchanges.json> [<path/to/strongswan dir>]
Only inputs the schedule needs (shared secrets, nonces, SPIs, messages, A/P chunks) and the
logged/derived outputs (SKEYSEED, SK_*, IntAuth, AUTH, KEYMAT, Wireshark lines) are kept."""
import json
import os
import sys

src = sys.argv[1]
ssdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(src)
d = json.load(open(src))
out = {"source": "../shared/interop/strongswan/exchanges.json (strongSwan %s, commit %s)"
       % (d["strongswan"]["version"], d["strongswan"]["commit"]), "scenarios": {}}

for name in ("s1_mlkem768_gcm", "s3_cbc_hmac_natt"):
    sc = d["scenarios"][name]
    msgs = sc["ike_messages"]
    res = {"psk": sc["scenario"]["psk"], "ike_sas": [], "child_sas": []}
    for sa in sc["ike_sas"]:
        alg = sa["algorithms"]
        e = {"id": sa["id"], "spi_i": sa["spi_i"], "spi_r": sa["spi_r"], "ni": sa["Ni"], "nr": sa["Nr"],
             "encr_id": alg["encr"]["id"], "encr_bits": alg["encr"].get("key_length_bits", 0),
             "integ_id": alg["integ"]["id"], "prf_id": alg["prf"]["id"],
             "rekey_of": sa.get("rekey_of"),
             "ke_secrets": [ke["shared_secret"] for ke in sorted(sa["key_exchanges"], key=lambda k: k["index"])],
             "stages": [{k: st[k] for k in ("stage", "SKEYSEED", "SK_d", "SK_ai", "SK_ar", "SK_ei", "SK_er",
                                             "SK_pi", "SK_pr")} for st in sa["stages"]]}
        ia = sa.get("int_auth")
        if ia:
            steps = []
            for s in ia["steps"]:
                m = [x for x in msgs if x["ike_sa"] == sa["id"] and x["exchange"] == "IKE_INTERMEDIATE"
                     and x["mid"] == s["mid"] and x["sender"] == "original_" + s["sender"]][0]
                assert len(m["inner_payloads_hex"]) // 2 == s["IntAuth_P_len"]
                # P as it arrived: the decrypted inner data of each fragment (padding removed).
                frags = []
                for f in m["fragments"]:
                    pt = bytes.fromhex(f["plaintext_with_padding_hex"])
                    frags.append(pt[:len(pt) - f["pad_length"] - 1].hex())
                assert "".join(frags) == m["inner_payloads_hex"]
                steps.append({"mid": s["mid"], "sender": s["sender"], "stage": s["key_stage_of_SK_p"],
                              "a": s["IntAuth_A_hex"], "p": m["inner_payloads_hex"], "p_fragments": frags,
                              "int_auth": s["IntAuth_hex"]})
            e["int_auth"] = {"steps": steps, "value": ia["IntAuth"]}
        if sa.get("auth"):
            init = [x for x in msgs if x["ike_sa"] == sa["id"] and x["exchange"] == "IKE_SA_INIT"]
            auth = [x for x in msgs if x["ike_sa"] == sa["id"] and x["exchange"] == "IKE_AUTH"]
            e["ike_auth_mid"] = auth[0]["mid"]
            e["auth"] = []
            for a in sa["auth"]:
                sender = "original_" + a["sender"]
                real = [x for x in init if x["sender"] == sender][0]["message_hex"]
                am = [x for x in auth if x["sender"] == sender][0]
                idp = [p for p in am["payloads"] if p["type"] in (35, 36)][0]
                inner = am["inner_payloads_hex"]
                id_body = inner[2 * (idp["offset"] + 4): 2 * (idp["offset"] + idp["length"])]
                e["auth"].append({"sender": a["sender"], "real_message": real,
                                  "peer_nonce": sa["Nr"] if a["sender"] == "initiator" else sa["Ni"],
                                  "id_body": id_body, "octets_len": a["octets_len"], "auth": a["auth_payload"]})
        res["ike_sas"].append(e)
    for c in sc["child_sas"]:
        alg = c["algorithms"]
        res["child_sas"].append({
            "id": c["id"], "ike_sa": c["ike_sa"], "ni": c["Ni"], "nr": c["Nr"],
            "ke_secrets": ([c["shared_secret_SK0"]] if c["shared_secret_SK0"] else [])
            + [ke["shared_secret"] for ke in sorted(c["key_exchanges"], key=lambda k: k["index"])[1:]],
            "encr_id": alg["encr"]["id"], "encr_bits": alg["encr"].get("key_length_bits", 0),
            "integ_id": alg["integ"]["id"], "keymat": c["keymat"]})
    # Wireshark lines as tshark 4.0 needs them: one table per key stage.
    wl = []
    for root, _, files in sorted(os.walk(os.path.join(ssdir, name, "wireshark4"))):
        if "ikev2_decryption_table" in files:
            wl += [l.strip() for l in open(os.path.join(root, "ikev2_decryption_table")) if l.strip()]
    res["wireshark_lines"] = sorted(set(wl))
    out["scenarios"][name] = res

json.dump(out, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "strongswan_keys.json"), "w"),
          indent=1, sort_keys=True)
