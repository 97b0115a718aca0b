#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent model of the IKEv2 key schedule, for cross-checking pqike's C++ implementation.

Deliberately written in another style from include/pqike/keys/: whole byte strings are
concatenated, prf+ is an explicit loop over a growing output, and only Python's hmac/hashlib
are used. Formulas: RFC 7296 §2.13/§2.14/§2.17/§2.18, RFC 9370 §2.2.2-§2.2.4, RFC 9242 §3.3.2,
RFC 8784 §3 and RFC 9867 (PPK mixing in IKE_AUTH, IKE_INTERMEDIATE and CREATE_CHILD_SA).

Usage: ikev2_kdf.py <input.json>   (prints the results as JSON on stdout)"""
import hashlib
import hmac
import json
import struct
import sys

HASHES = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def prf(alg, key, data):
    return hmac.new(key, data, HASHES[alg]).digest()


def prf_plus(alg, key, seed, length):
    out, t, n = b"", b"", 1
    while len(out) < length:
        if n > 255:
            raise ValueError("prf+ beyond 255 blocks")
        t = prf(alg, key, t + seed + bytes([n]))
        out += t
        n += 1
    return out[:length]


def split7(km, lp, la, le):
    sizes = [lp, la, la, le, le, lp, lp]
    keys, at = [], 0
    for s in sizes:
        keys.append(km[at:at + s])
        at += s
    return keys


def seven_keys(alg, skeyseed, ni, nr, spi_i, spi_r, lengths):
    lp, la, le = lengths
    return split7(prf_plus(alg, skeyseed, ni + nr + spi_i + spi_r, 3 * lp + 2 * la + 2 * le), lp, la, le)


def ke_seed(secrets, ni, nr):
    # SK(0) | Ni | Nr | SK(1) | ... | SK(n); Ni | Nr without secrets
    if not secrets:
        return ni + nr
    return secrets[0] + ni + nr + b"".join(secrets[1:])


def ike_chain(case):
    alg = case["prf"]
    h = {k: bytes.fromhex(case[k]) for k in ("ni", "nr", "spi_i", "spi_r", "g_ir")}
    skeyseed = prf(alg, h["ni"] + h["nr"], h["g_ir"])
    stages = [seven_keys(alg, skeyseed, h["ni"], h["nr"], h["spi_i"], h["spi_r"], case["lengths"])]
    for sk in case["additional"]:
        sk_d_prev = stages[-1][0]
        skeyseed = prf(alg, sk_d_prev, bytes.fromhex(sk) + h["ni"] + h["nr"])
        stages.append(seven_keys(alg, skeyseed, h["ni"], h["nr"], h["spi_i"], h["spi_r"], case["lengths"]))
    return [[k.hex() for k in st] for st in stages]


def ike_rekey(case):
    h = {k: bytes.fromhex(case[k]) for k in ("old_sk_d", "ni", "nr", "spi_i", "spi_r")}
    secrets = [bytes.fromhex(s) for s in case["secrets"]]
    skeyseed = prf(case["old_prf"], h["old_sk_d"], ke_seed(secrets, h["ni"], h["nr"]))
    keys = seven_keys(case["new_prf"], skeyseed, h["ni"], h["nr"], h["spi_i"], h["spi_r"], case["lengths"])
    return {"skeyseed": skeyseed.hex(), "keys": [k.hex() for k in keys]}


def child(case):
    secrets = [bytes.fromhex(s) for s in case["secrets"]]
    seed = ke_seed(secrets, bytes.fromhex(case["ni"]), bytes.fromhex(case["nr"]))
    return prf_plus(case["prf"], bytes.fromhex(case["sk_d"]), seed, case["length"]).hex()


def int_auth(case):
    alg = case["prf"]
    chains = {"i": None, "r": None}
    for m in case["messages"]:
        prev = chains[m["sender"]] or b""
        chains[m["sender"]] = prf(alg, bytes.fromhex(m["sk_p"]), prev + bytes.fromhex(m["a"]) + bytes.fromhex(m["p"]))
    if chains["i"] is None and chains["r"] is None:
        return ""
    return (chains["i"] + chains["r"] + struct.pack(">I", case["mid"])).hex()


def ppk(case):
    """Post-quantum preshared keys from one stage (SK_d, SK_pi, SK_pr and its context):
    RFC 8784 replaces SK_d, SK_pi, SK_pr by prf+(PPK, key) of the same length; RFC 9867 in
    IKE_INTERMEDIATE re-derives all seven keys from SKEYSEED' = prf+(PPK, SK_d); its confirmation
    is the first 8 octets of prf(PPK, Ni | Nr | SPIi | SPIr); in CREATE_CHILD_SA the Child SA
    KEYMAT comes from SK_d' = prf+(PPK, SK_d)."""
    alg = case["prf"]
    h = {k: bytes.fromhex(case[k]) for k in ("ppk", "sk_d", "sk_pi", "sk_pr", "ni", "nr", "spi_i", "spi_r")}
    mixed = [prf_plus(alg, h["ppk"], h[k], len(h[k])).hex() for k in ("sk_d", "sk_pi", "sk_pr")]
    seed = prf_plus(alg, h["ppk"], h["sk_d"], len(h["sk_d"]))
    restaged = seven_keys(alg, seed, h["ni"], h["nr"], h["spi_i"], h["spi_r"], case["lengths"])
    confirmation = prf(alg, h["ppk"], h["ni"] + h["nr"] + h["spi_i"] + h["spi_r"])[:8]
    sk_d_child = prf_plus(alg, h["ppk"], h["sk_d"], len(h["sk_d"]))
    keymat = prf_plus(alg, sk_d_child, h["ni"] + h["nr"], case["child_length"])
    return {"rfc8784": mixed, "rfc9867": [k.hex() for k in restaged], "confirmation": confirmation.hex(),
            "child_keymat": keymat.hex()}


def main():
    inp = json.load(open(sys.argv[1]))
    out = {
        "ike": [ike_chain(c) for c in inp.get("ike", [])],
        "ike_rekey": [ike_rekey(c) for c in inp.get("ike_rekey", [])],
        "child": [child(c) for c in inp.get("child", [])],
        "int_auth": [int_auth(c) for c in inp.get("int_auth", [])],
        "ppk": [ppk(c) for c in inp.get("ppk", [])],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
