#!/usr/bin/env python3
"""Extract the decrypted inner payload chains of a strongSwan session for the CLI test.

Usage: make_strongswan_inner.py ../shared/interop/strongswan/exchanges.json [SCENARIO] > strongswan_s1_inner.json
(SCENARIO: s1_mlkem768_gcm (default) or s3_cbc_hmac_natt)
Source: exchanges.json's independent Python extraction (ike_messages[]): for every encrypted IKE
message, the frames it came in, its exchange, message ID, response flag, the key stage that
protected it and the types and lengths of its inner payloads (after SKF reassembly).
"""
import ast
import json
import sys

d = json.load(open(sys.argv[1]))
scenario = sys.argv[2] if len(sys.argv) > 2 else "s1_mlkem768_gcm"
s1 = d["scenarios"][scenario]
out = []
for m in s1["ike_messages"]:
    if str(m["encrypted"]) != "True":
        continue
    payloads = m["payloads"]
    if isinstance(payloads, str):
        payloads = ast.literal_eval(payloads)
    frames = m["frames"]
    if isinstance(frames, str):
        frames = ast.literal_eval(frames)
    out.append({
        "frames": frames,
        "exchange": m["exchange"],
        "message_id": int(m["mid"]),
        "response": str(m["response"]) == "True",
        "key_stage_used": int(m["key_stage_used"]),
        "inner_types": [p["type"] for p in payloads],
        "inner_lengths": [p["length"] for p in payloads],
    })
json.dump({
    "source": f"../shared/interop/strongswan/exchanges.json, scenario {scenario}, ike_messages[] "
              "(independent extraction from the packets and the logged secrets)",
    "messages": out,
}, sys.stdout, indent=1)
print()
