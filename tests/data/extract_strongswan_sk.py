#!/usr/bin/env python3
"""Copy the minimal subset of ../shared/interop/strongswan/exchanges.json that the SK/SKF,
IntAuth-chunk and reassembly tests use into strongswan_sk.json (keys per stage, packets, the
decrypted inner chains and the logged IntAuth A values). Run from the repository root:
    python3 tests/data/extract_strongswan_sk.py /work/shared/interop/strongswan/exchanges.json
"""
import json
import sys

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/interop/strongswan/exchanges.json"
d = json.load(open(src))
# scenario -> frames of IKE_SA_1 messages to keep (small and large, SK and SKF, both directions)
keep = {
    "s1_mlkem768_gcm": [3, 4, 5, 13, 14, 16, 17],
    "s3_cbc_hmac_natt": [3, 4, 5, 6, 8, 9],
}
out = {"source": "../shared/interop/strongswan/exchanges.json (strongSwan "
                 + d["strongswan"]["version"] + ")", "scenarios": {}}
for name, frames in keep.items():
    s = d["scenarios"][name]
    sa = s["ike_sas"][0]
    assert sa["id"] == "IKE_SA_1"
    packets = {p["frame"]: p for p in s["packets"]}
    msgs = []
    for m in s["ike_messages"]:
        if m["ike_sa"] != "IKE_SA_1" or not m.get("encrypted"):
            continue
        if not set(m["frames"]) <= set(frames):
            continue
        frs = []
        for fr in m["fragments"]:
            p = packets[fr["frame"]]
            udp = p["udp_payload_hex"]
            frs.append({
                "frame": fr["frame"],
                "non_esp_marker": p["non_esp_marker"],
                "udp_payload": udp,
                "fragment_number": fr["fragment_number"],
                "total_fragments": fr["total_fragments"],
                "first_inner_payload": fr["first_inner_payload"],
                "pad_length": fr["pad_length"],
                "plaintext_with_padding": fr["plaintext_with_padding_hex"],
            })
        msgs.append({
            "frames": m["frames"], "exchange": m["exchange"], "mid": m["mid"],
            "sender": m["sender"], "key_stage": m["key_stage_used"],
            "first_inner_payload": m["inner_first_payload"],
            "inner_payloads": m["inner_payloads_hex"], "fragments": frs,
        })
    alg = sa["algorithms"]
    out["scenarios"][name] = {
        "encr": alg["encr"], "integ": alg["integ"], "prf": alg["prf"],
        "fragment_size": s["scenario"]["fragment_size"],
        "stages": [{k: st[k] for k in ("stage", "SK_ei", "SK_er", "SK_ai", "SK_ar", "SK_pi", "SK_pr")}
                   for st in sa["stages"]],
        "int_auth_steps": sa["int_auth"]["steps"],
        "messages": msgs,
    }
json.dump(out, open("tests/data/strongswan_sk.json", "w"), indent=1)
print("wrote tests/data/strongswan_sk.json")
