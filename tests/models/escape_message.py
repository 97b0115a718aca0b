#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Independent model of the pqike escape message (docs/escape-message.md), for cross-checking
the §10 test vectors. Written from the document alone, with Python's hmac/hashlib only: the key
derivation of §5.1 (RFC 7296 §2.13 prf+), the header and TLV layout of §2-§3 in ascending type
order, and the tag of §5 over every octet before the TAG TLV.

Usage: escape_message.py [docs/escape-message.md]
Prints each vector it derives and exits 1 if any differs from the document's hex block."""
import hashlib
import hmac
import re
import struct
import sys


def prf(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def prf_plus(key, seed, length):
    out, t, n = b"", b"", 1
    while len(out) < length:
        t = prf(key, t + seed + bytes([n]))
        out += t
        n += 1
    return out[:length]


def tag_key(base, label, key_id, binding):
    seed = label.encode() + bytes([len(key_id)]) + key_id + bytes([len(binding)]) + binding
    return prf_plus(base, seed, 32)  # HMAC-SHA-256: preferred key size 32


def tlv(t, value, critical=True):
    return struct.pack(">HH", t | (0x8000 if critical else 0), len(value)) + value


def message(msg_type, key, tlvs):
    """tlvs: (type, value, critical) in any order; sent in ascending type order, TAG last."""
    body = b"".join(tlv(t, v, c) for t, v, c in sorted(tlvs, key=lambda x: x[0]))
    length = 8 + len(body) + 4 + 32
    head = b"PQE" + bytes([1, msg_type, 0]) + struct.pack(">H", length)
    tagged = head + body
    return tagged + tlv(14, prf(key, tagged))


def u16s(*xs):
    return b"".join(struct.pack(">H", x) for x in xs)


def vectors():
    psk = bytes(range(0x00, 0x20))
    key_id = b"escape-key-1"
    binding = bytes.fromhex("0102030405060708" "1112131415161718")
    nonce = bytes(range(0xA0, 0xB0))
    ppk_id = b"ppk-2026"
    new_sk_d = bytes(range(0x40, 0x60))
    new_binding = bytes.fromhex("2122232425262728" "3132333435363738")

    k_p2c = tag_key(psk, "pqike escape 1 psk p2c", key_id, binding)
    k_c2p = tag_key(psk, "pqike escape 1 psk c2p", key_id, binding)
    c_p2c = tag_key(new_sk_d, "pqike escape 1 confirm p2c", key_id, new_binding)
    c_c2p = tag_key(new_sk_d, "pqike escape 1 confirm c2p", key_id, new_binding)
    common = [(4, key_id, True), (5, binding, True)]
    v = {"k_psk_p2c": k_p2c, "k_psk_c2p": k_c2p}
    v["escape"] = message(1, k_p2c, common + [
        (1, struct.pack(">Q", 1), True), (2, struct.pack(">Q", 1767225600), True),
        (3, nonce, True), (6, u16s(36, 37), True), (7, bytes([1]), True),
        (8, struct.pack(">I", 3600), True), (9, bytes([1]), False), (10, ppk_id, True)])
    v["escape_ack"] = message(2, k_c2p, common + [
        (1, struct.pack(">Q", 1), True), (10, ppk_id, True), (12, u16s(36), True),
        (13, nonce, True)])
    v["escape_nack"] = message(3, k_c2p, common + [
        (1, struct.pack(">Q", 1), True), (11, bytes([1]), True), (13, nonce, True)])
    confirm = [(4, key_id, True), (5, new_binding, True), (1, struct.pack(">Q", 1), True),
               (6, u16s(31, 36), True), (10, ppk_id, True), (12, u16s(36), True),
               (13, nonce, True)]
    v["escape_confirm_p2c"] = message(4, c_p2c, confirm)
    v["escape_confirm_c2p"] = message(4, c_c2p, confirm)
    return v


def doc_vectors(path):
    text = open(path, encoding="utf-8").read()
    return {m.group(1): bytes.fromhex("".join(m.group(2).split()))
            for m in re.finditer(r"```hex vector=(\S+)\n(.*?)```", text, re.S)}


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/escape-message.md"
    doc = doc_vectors(path)
    bad = 0
    for name, value in vectors().items():
        ok = doc.get(name) == value
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} {name} {value.hex()}")
    if set(doc) != set(vectors()):
        print(f"BAD vector names differ: doc {sorted(doc)}")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
