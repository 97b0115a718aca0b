#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drives every subcommand of the built `pqike` binary and checks its JSON against known answers.

Usage: check_cli.py PQIKE_BINARY SOURCE_DIR [MIGRATION_BINARY]
Known answers come from tests/data (see its README): the real strongSwan s1 capture with its key
table and an independent extraction of its inner payloads, NIST CAVS IKEv2 KDF cases, strongSwan's
logged key schedule, NIST ACVP ML-KEM cases, and the escape-message vectors of
docs/escape-message.md §10. Bad input must give exactly one error object, on stderr, with exit
status 1 (2 for a usage error) and nothing on stdout. The command-line conventions of docs/cli.md
are checked too: --name=value, - for stdin, --version, --help per command, unknown request fields
refused by name, and the options docs/cli.md lists are exactly those each --help lists, and each
is accepted by the parser.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
MIGRATION = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
DATA = os.path.join(SRC, "tests", "data")
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def run_bytes(args, stdin):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def run_json(args, stdin=None):
    rc, out, err = run(args, stdin)
    lines = [json.loads(l) for l in out.splitlines() if l.strip()]
    return rc, lines, err


def expect_ok(args, stdin=None, what=""):
    rc, lines, err = run_json(args, stdin)
    check(rc == 0 and len(lines) == 1 and "error" not in lines[0], f"{what or args}: ok (rc={rc}, {lines[:1]}, {err[:200]})")
    return lines[0] if lines else {}


def expect_error(args, code, stdin=None, what=""):
    rc, out, err = run(args, stdin)
    lines = err.splitlines()
    obj = {}
    try:
        obj = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        pass
    want_rc = 2 if code == "usage" else 1
    check(rc == want_rc, f"{what or args}: exit status {want_rc} (got {rc})")
    check(out == "", f"{what or args}: nothing on stdout ({out[:200]!r})")
    keys = set(obj.keys())
    check(keys in ({"error", "detail", "offset"}, {"error", "detail", "offset", "value"}),
          f"{what or args}: error object on stderr {err[:200]!r}")
    check("value" not in obj or (isinstance(obj["value"], int) and obj["value"] > 0),
          f"{what or args}: a value, when present, is a positive integer")
    check(obj.get("error") == code, f"{what or args}: error {code} (got {obj.get('error')})")
    check(isinstance(obj.get("offset"), int), f"{what or args}: integer offset")
    check("runtime error" not in err, f"{what or args}: no sanitizer report")
    return obj


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def pcap_udp_payloads(path):
    """Frame number -> UDP payload, for a little-endian Ethernet/IPv4 classic pcap."""
    raw = open(path, "rb").read()
    magic, = struct.unpack("<I", raw[:4])
    assert magic == 0xA1B2C3D4, "little-endian usec pcap expected"
    link, = struct.unpack("<I", raw[20:24])
    at, n, out = 24, 0, {}
    while at < len(raw):
        _, _, incl, _ = struct.unpack("<IIII", raw[at:at + 16])
        frame = raw[at + 16:at + 16 + incl]
        at += 16 + incl
        n += 1
        ip = frame[14:] if link == 1 else frame
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        udp = ip[ihl:]
        ulen, = struct.unpack(">H", udp[4:6])
        out[n] = udp[8:ulen]
    return out


# ---- help -------------------------------------------------------------------------------------
for args in (["--help"], ["decode", "--help"], ["derive", "--help"], ["mlkem", "--help"], ["escape", "--help"],
             ["derive", "child", "--help"], ["mlkem", "keygen", "-h"], ["escape", "verify", "--help"]):
    rc, out, err = run(args)
    usage = ("Usage: pqike " + " ".join(a for a in args if not a.startswith("-"))).rstrip()
    check(rc == 0 and usage + " " in out and err == "",
          f"{args}: help text on stdout ({out[:80]!r})")
rc, out, _ = run(["escape", "--help"])
check('"ke_methods"' in out and "escape-psk" in out, "escape --help documents the JSON fields")

# ---- decode: the real strongSwan capture, opened with its key table ------------------------------
def check_capture(name, pcap, table, inner_file, count):
    """Decode a real capture with its key table; compare with the independent extraction."""
    rc, msgs, err = run_json(["decode", "--pcap", pcap, "--keys", table])
    check(rc == 0, f"{name}: decode --pcap --keys exit 0 ({err[:200]})")
    by_frame = {m["frame"]: m for m in msgs}
    expected = load(inner_file)["messages"]
    check(len(expected) == count, f"{name}: {count} encrypted messages in the reference extraction")
    for e in expected:
        last = e["frames"][-1]
        m = by_frame.get(last, {})
        tag = f"{name} frame {last} ({e['exchange']} mid {e['message_id']})"
        check(m.get("exchange_name") == e["exchange"], f"{tag}: exchange")
        check(m.get("message_id") == e["message_id"], f"{tag}: message ID")
        check(m.get("flags", {}).get("response") == e["response"], f"{tag}: response flag")
        inner = m.get("inner")
        check(inner is not None, f"{tag}: opened ({m.get('inner_error')})")
        if inner is None:
            continue
        check([p["type"] for p in inner] == e["inner_types"], f"{tag}: inner payload types")
        check([p["length"] for p in inner] == e["inner_lengths"], f"{tag}: inner payload lengths")
        if len(e["frames"]) > 1:
            check(m.get("reassembly") == "complete" and m.get("reassembled_fragments") == len(e["frames"]),
                  f"{tag}: SKF reassembled from {len(e['frames'])} fragments")
            first = by_frame.get(e["frames"][0], {})
            check(first.get("reassembly") == "stored" and first["payloads"][0]["fragment_number"] == 1 and
                  first["payloads"][0]["total_fragments"] == len(e["frames"]), f"{tag}: fragment 1 stored")
    return msgs, by_frame, expected


PCAP = os.path.join(DATA, "strongswan_s1_mlkem768_gcm.pcap")
TABLE = os.path.join(DATA, "strongswan_s1_ikev2_decryption_table")
msgs, by_frame, expected = check_capture("s1", PCAP, TABLE, "strongswan_s1_inner.json", 24)
# s3: AES-CBC + HMAC-SHA2-256-128, NAT-T (port 4500 with the non-ESP marker), fragmented IKE_INTERMEDIATE
s3, s3_frames, _ = check_capture("s3", os.path.join(DATA, "strongswan_s3_cbc_hmac_natt.pcap"),
                                 os.path.join(DATA, "strongswan_s3_ikev2_decryption_table"), "strongswan_s3_inner.json", 28)
check(any(m["dst"].endswith(":4500") for m in s3), "s3: messages on port 4500 decoded")
# IKE_INTERMEDIATE carries the ML-KEM-768 key exchange: ek (1184) out, ct (1088) back.
im = [m for m in msgs if m.get("exchange_name") == "IKE_INTERMEDIATE"]
check(len(im) == 2 and im[0]["inner"][0]["ke_method"] == 36 and im[0]["inner"][0]["data_len"] == 1184 and
      im[1]["inner"][0]["data_len"] == 1088, "IKE_INTERMEDIATE inner KE: ML-KEM-768 ek/ct sizes")
# IKE_SA_INIT request: the proposal strongSwan was configured with (aes256gcm16-prfsha384-x25519-ke1_mlkem768).
init = by_frame[1]
check(init["exchange"] == 34 and init["flags"] == {"initiator": True, "response": False} and init["message_id"] == 0,
      "IKE_SA_INIT header fields")
tr = {(t["type"], t["id"]): t for t in init["payloads"][0]["proposals"][0]["transforms"]}
check((1, 20) in tr and tr[(1, 20)].get("key_length") == 256, "SA: ENCR_AES_GCM_16 with Key Length 256")
check((2, 6) in tr and (4, 31) in tr and (6, 36) in tr, "SA: PRF_HMAC_SHA2_384, KE X25519, ADDKE1 ML-KEM-768")
ke = [p for p in init["payloads"] if p["name"] == "KE"][0]
check(ke["ke_method"] == 31 and ke["data_len"] == 32, "IKE_SA_INIT KE: X25519, 32 octets")
check(init["spi_i"] == "9e8305f5ab5fd252" and init["spi_r"] == "0000000000000000", "IKE_SA_INIT SPIs")
# Nonce payloads carry their data (the key schedule needs Ni and Nr): strongSwan's logged nonces.
s1_sa = load("strongswan_keys.json")["scenarios"]["s1_mlkem768_gcm"]["ike_sas"][0]
nonce = [p for p in init["payloads"] if p["type"] == 40]
nr_msg = [p for p in by_frame.get(2, {}).get("payloads", []) if p["type"] == 40]
check(s1_sa["spi_i"] == init["spi_i"] and len(nonce) == 1 and nonce[0].get("nonce") == s1_sa["ni"] and
      nonce[0]["data_len"] * 2 == len(s1_sa["ni"]) and len(nr_msg) == 1 and nr_msg[0].get("nonce") == s1_sa["nr"],
      "IKE_SA_INIT Nonce payloads: data = strongSwan's Ni and Nr")
# Without keys nothing is opened.
rc, plain, _ = run_json(["decode", "--pcap", PCAP])
check(rc == 0 and len(plain) == len(msgs) and all("inner" not in m for m in plain), "decode --pcap without --keys")
# --hex and --file (binary and hex text) give the same object as the pcap.
payloads = pcap_udp_payloads(PCAP)
want = {k: v for k, v in by_frame[2].items() if k not in ("frame", "src", "dst", "time")}
got = expect_ok(["decode", "--hex", payloads[2].hex()], what="decode --hex")
check(got == want, "decode --hex equals the pcap decode of frame 2")
with tempfile.TemporaryDirectory() as tmp:
    binf, hexf = os.path.join(tmp, "m.bin"), os.path.join(tmp, "m.hex")
    open(binf, "wb").write(payloads[2])
    open(hexf, "w").write(payloads[2].hex() + "\n")
    check(expect_ok(["decode", "--file", binf]) == want, "decode --file (binary)")
    check(expect_ok(["decode", "--file", hexf]) == want, "decode --file (hex text)")
    # one encrypted message opened from --hex with the table
    got = expect_ok(["decode", "--hex", payloads[5].hex(), "--keys", TABLE])
    check([p["type"] for p in got.get("inner", [])] == expected[2]["inner_types"], "decode --hex --keys opens IKE_AUTH")
    # bad input
    expect_error(["decode", "--hex", "zz"], "invalid_hex", what="decode: bad hex")
    expect_error(["decode", "--hex", payloads[2][:40].hex()], "length_too_large", what="decode: truncated message")
    expect_error(["decode", "--hex", payloads[2][:20].hex()], "truncated", what="decode: short header")
    bad_ver = bytearray(payloads[2]); bad_ver[17] = 0x30
    o = expect_error(["decode", "--hex", bad_ver.hex()], "unsupported_version", what="decode: version 3")
    check(o.get("offset") == 17, "decode: version error at offset 17")
    raw = open(PCAP, "rb").read()
    trunc = os.path.join(tmp, "trunc.pcap")
    open(trunc, "wb").write(raw[:3000])
    rc, out, err = run(["decode", "--pcap", trunc])
    last = json.loads(err.splitlines()[-1])
    check(rc == 1 and last.get("error") == "truncated" and len(out.splitlines()) > 0,
          "decode: truncated pcap -> the messages before it on stdout, truncated on stderr, exit 1")
    open(trunc, "wb").write(raw[:10])
    expect_error(["decode", "--pcap", trunc], "truncated", what="decode: pcap shorter than its header")
    open(trunc, "wb").write(b"\x00" * 40)
    expect_error(["decode", "--pcap", trunc], "invalid_syntax", what="decode: not a pcap")
    expect_error(["decode", "--pcap", os.path.join(tmp, "missing.pcap")], "io", what="decode: missing file")
    badkeys = os.path.join(tmp, "keys")
    open(badkeys, "w").write('9e8305f5ab5fd252,c6393dc9573cb165,00,00,"ROT13 [RFC0]",,,"NONE [RFC4306]"\n')
    expect_error(["decode", "--pcap", PCAP, "--keys", badkeys], "unknown_name", what="decode: unknown cipher name")
    open(badkeys, "w").write('9e8305f5ab5fd252,c6393dc9573cb165,00,00,"AES-GCM-256 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"\n')
    expect_error(["decode", "--pcap", PCAP, "--keys", badkeys], "invalid_length", what="decode: wrong SK_e length")
    open(badkeys, "w").write("9e8305f5ab5fd252,c6393dc9573cb165\n")
    expect_error(["decode", "--pcap", PCAP, "--keys", badkeys], "invalid_syntax", what="decode: short table line")
    # wrong keys: messages still decode, inner_error says why
    lines = open(TABLE).read().splitlines()
    wrong = lines[0].replace("8e0e322f", "8e0e3220")
    open(badkeys, "w").write(wrong + "\n")
    rc, out, _ = run(["decode", "--hex", payloads[3].hex(), "--keys", badkeys])
    o = json.loads(out)
    check(rc == 0 and o.get("inner_error", {}).get("error") == "integrity_check_failed", "decode: wrong key -> inner_error ICV")
expect_error(["decode"], "usage", what="decode: no input")
expect_error(["decode", "--hex", "00", "--pcap", "x"], "usage", what="decode: two inputs")
expect_error(["decode", "--bogus", "1"], "usage", what="decode: unknown option")
expect_error(["frobnicate"], "usage", what="unknown command")

# ---- derive: NIST CAVS IKEv2 KDF -----------------------------------------------------------------
def prf_plus(h, key, seed, n):
    """RFC 7296 §2.13 prf+ over HMAC-<h>, the first n octets (an independent model for the checks)."""
    import hashlib
    import hmac
    alg = {"SHA-1": hashlib.sha1, "SHA-256": hashlib.sha256, "SHA-384": hashlib.sha384, "SHA-512": hashlib.sha512}[h]
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(key, t + seed + bytes([i]), alg).digest()
        out += t
        i += 1
    return out[:n]


PRF = {"SHA-1": "hmac-sha1", "SHA-256": "hmac-sha256", "SHA-384": "hmac-sha384", "SHA-512": "hmac-sha512"}
HLEN = {"SHA-1": 20, "SHA-256": 32, "SHA-384": 48, "SHA-512": 64}
kdf = load("ikev2_kdf.json")["cases"]
picked = {}
for c in kdf:
    picked.setdefault((c["hash"], c["niBits"]), c)
for (h, _), c in sorted(picked.items()):
    n = HLEN[h]
    dkm = bytes.fromhex(c["dkm"])
    # split the DKM as SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr with a = 10, e = 7 octets
    a_len, e_len = 10, 7
    req = {"prf": PRF[h], "ni": c["ni"], "nr": c["nr"], "spi_i": c["spii"], "spi_r": c["spir"],
           "key_exchanges": [c["gir"]], "sk_e_len": e_len, "sk_a_len": a_len}
    out = expect_ok(["derive"], json.dumps(req), f"derive {h} {c['niBits']}")
    st = out.get("stages", [{}])[0]
    check(st.get("skeyseed") == c["skeyseed"], f"derive {h}: SKEYSEED (NIST)")
    cat = "".join(st.get(k, "") for k in ("sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"))
    total = 3 * n + 2 * a_len + 2 * e_len
    m = min(total, len(dkm))  # the 1056-bit DKM of the 64-bit-nonce groups is shorter than 3 SHA-384 keys
    check(len(cat) == 2 * total and cat[:2 * m] == dkm[:m].hex() and len(st.get("sk_d", "")) == 2 * n,
          f"derive {h} {c['niBits']}: seven keys = DKM prefix (NIST)")
    klen = c["childDkmBits"] // 8
    child = {"prf": PRF[h], "sk_d": dkm[:n].hex(), "ni": c["ni"], "nr": c["nr"], "keymat_len": klen}
    out = expect_ok(["derive", "child"], json.dumps(child), f"derive child {h}")
    check(out.get("keymat") == c["dkmChild"], f"derive child {h}: KEYMAT without KE (NIST)")
    child["key_exchanges"] = [c["girNew"]]
    out = expect_ok(["derive", "child"], json.dumps(child), f"derive child {h} dh")
    check(out.get("keymat") == c["dkmChildDh"], f"derive child {h}: KEYMAT with KE (NIST)")
    rk = {"prf": PRF[h], "sk_d_old": dkm[:n].hex(), "ni": c["ni"], "nr": c["nr"], "key_exchanges": [c["girNew"]]}
    out = expect_ok(["derive", "rekey"], json.dumps(rk), f"derive rekey {h}")
    check(out.get("skeyseed") == c["skeyseedRekey"], f"derive rekey {h}: SKEYSEED (NIST)")
    # with the new SA's SPIs and key lengths: also its seven keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
    rk.update(spi_i=c["spii"], spi_r=c["spir"], sk_e_len=e_len, sk_a_len=a_len)
    out = expect_ok(["derive", "rekey"], json.dumps(rk), f"derive rekey {h} with keys")
    keys_want = prf_plus(h, bytes.fromhex(c["skeyseedRekey"]),
                    bytes.fromhex(c["ni"] + c["nr"] + c["spii"] + c["spir"]), total).hex()
    cat = "".join(out.get(k, "") for k in ("sk_d", "sk_ai", "sk_ar", "sk_ei", "sk_er", "sk_pi", "sk_pr"))
    check(out.get("skeyseed") == c["skeyseedRekey"] and cat == keys_want and len(out.get("sk_d", "")) == 2 * n,
          f"derive rekey {h}: the new SA's seven keys = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)")
check(len(picked) >= 4, "derive: every NIST hash exercised")
# two stages (X25519 + ML-KEM-768) against strongSwan's logged schedule
sa = load("strongswan_keys.json")["scenarios"]["s1_mlkem768_gcm"]["ike_sas"][0]
req = {"prf": "hmac-sha384", "ni": sa["ni"], "nr": sa["nr"], "spi_i": sa["spi_i"], "spi_r": sa["spi_r"],
       "key_exchanges": sa["ke_secrets"], "sk_e_len": 36, "sk_a_len": 0}
out = expect_ok(["derive"], json.dumps(req), "derive strongSwan s1")
check(len(out.get("stages", [])) == 2, "derive s1: two stages")
for i, (got, ref) in enumerate(zip(out.get("stages", []), sa["stages"])):
    for k in ("SKEYSEED", "SK_d", "SK_ei", "SK_er", "SK_pi", "SK_pr"):
        check(got.get(k.lower()) == ref[k], f"derive s1 stage {i}: {k} (strongSwan log)")
# bad input
good = json.dumps(req)
expect_error(["derive"], "bad_json", "{\"prf\": ", what="derive: malformed JSON")
expect_error(["derive"], "bad_json", "", what="derive: empty input")
expect_error(["derive"], "wrong_type", "[1,2]", what="derive: not an object")
expect_error(["derive"], "unknown_name", good.replace("hmac-sha384", "hmac-md5"), what="derive: unknown prf")
expect_error(["derive"], "invalid_hex", good.replace(sa["ni"], "xyz"), what="derive: bad hex")
expect_error(["derive"], "invalid_length", good.replace(sa["spi_i"], "0102"), what="derive: short SPI")
expect_error(["derive"], "missing_field", json.dumps({k: v for k, v in req.items() if k != "nr"}), what="derive: missing nr")
expect_error(["derive"], "wrong_type", json.dumps(dict(req, sk_e_len="36")), what="derive: length as string")
expect_error(["derive"], "invalid_length", json.dumps(dict(req, sk_e_len=65)), what="derive: SK_e too long")
expect_error(["derive"], "invalid_length", json.dumps(dict(req, key_exchanges=[])), what="derive: no key exchange")
expect_error(["derive"], "invalid_length", json.dumps(dict(req, key_exchanges=["00"] * 9)), what="derive: 9 key exchanges")
expect_error(["derive", "rekey"], "invalid_length",
             json.dumps({"prf": "hmac-sha256", "sk_d_old": "00" * 32, "ni": "00", "nr": "00", "key_exchanges": []}),
             what="derive rekey: no key exchange")
expect_error(["derive", "rekey"], "missing_field",
             json.dumps({"prf": "hmac-sha256", "sk_d_old": "00" * 32, "ni": "00", "nr": "00", "key_exchanges": ["00"],
                         "spi_i": "00" * 8, "spi_r": "00" * 8, "sk_e_len": 36}),
             what="derive rekey: spi_i, spi_r, sk_e_len without sk_a_len")
expect_error(["derive", "rekey"], "invalid_length",
             json.dumps({"prf": "hmac-sha256", "sk_d_old": "00" * 32, "ni": "00", "nr": "00", "key_exchanges": ["00"],
                         "spi_i": "00" * 4, "spi_r": "00" * 8, "sk_e_len": 36, "sk_a_len": 0}),
             what="derive rekey: short new SPI")
expect_error(["derive", "child"], "invalid_length",
             json.dumps({"prf": "hmac-sha256", "sk_d": "00" * 32, "ni": "00", "nr": "00", "keymat_len": 0}),
             what="derive child: zero KEYMAT")
expect_error(["derive", "child"], "too_much_output",
             json.dumps({"prf": "hmac-sha1", "sk_d": "00" * 20, "ni": "00", "nr": "00", "keymat_len": 255 * 20 + 1}),
             what="derive child: more than 255 prf+ blocks")
check(expect_error(["derive", "child"], "too_much_output",
                   json.dumps({"prf": "hmac-sha1", "sk_d": "00" * 20, "ni": "00", "nr": "00",
                               "keymat_len": 255 * 20 + 1}), what="derive child: size asked").get("value") == 255 * 20 + 1,
      "derive child: the error's value is the KEYMAT length asked for")
expect_error(["derive", "child", "a.json", "b.json"], "usage", "{}", what="derive: two request files")
expect_error(["derive", "no-such-request.json"], "io", what="derive: missing request file")

# ---- mlkem: NIST ACVP ---------------------------------------------------------------------------
SET = {"ML-KEM-512": "512", "ML-KEM-768": "768", "ML-KEM-1024": "1024"}
seen = set()
for c in load("mlkem_keygen.json")["cases"]:
    if c["parameterSet"] in seen:
        continue
    seen.add(c["parameterSet"])
    out = expect_ok(["mlkem", "keygen", "--set", SET[c["parameterSet"]], "--seed", c["d"] + c["z"]])
    check(out.get("ek") == c["ek"] and out.get("dk") == c["dk"], f"mlkem keygen {c['parameterSet']} tcId {c['tcId']} (ACVP)")
    out = expect_ok(["mlkem", "check-ek", "--set", SET[c["parameterSet"]], "--ek", c["ek"]])
    check(out == {"valid": True}, f"mlkem check-ek {c['parameterSet']}: valid")
    bad = "ffff" + c["ek"][4:]  # first coefficient 0xfff >= q (FIPS 203 §7.2)
    out = expect_ok(["mlkem", "check-ek", "--set", SET[c["parameterSet"]], "--ek", bad])
    check(out == {"valid": False}, f"mlkem check-ek {c['parameterSet']}: coefficient >= q is invalid")
check(len(seen) == 3, "mlkem keygen: all three sets")
seen = set()
for c in load("mlkem_encap.json")["cases"]:
    if c["parameterSet"] in seen:
        continue
    seen.add(c["parameterSet"])
    s = SET[c["parameterSet"]]
    out = expect_ok(["mlkem", "encaps", "--set", s, "--ek", c["ek"], "--m", c["m"]])
    check(out.get("ct") == c["c"] and out.get("ss") == c["k"], f"mlkem encaps {c['parameterSet']} tcId {c['tcId']} (ACVP)")
    out = expect_ok(["mlkem", "decaps", "--set", s, "--dk", c["dk"], "--ct", c["c"]])
    check(out.get("ss") == c["k"], f"mlkem decaps {c['parameterSet']}: round trip")
reasons = set()
for c in load("mlkem_decap.json")["cases"]:
    key = (c["parameterSet"], c["reason"])
    if key in reasons:
        continue
    reasons.add(key)
    out = expect_ok(["mlkem", "decaps", "--set", SET[c["parameterSet"]], "--dk", c["dk"], "--ct", c["c"]])
    check(out.get("ss") == c["k"], f"mlkem decaps {key} tcId {c['tcId']} (ACVP)")
check(len(reasons) >= 6, "mlkem decaps: valid and modified ciphertexts for every set")
ek768 = [c for c in load("mlkem_encap.json")["cases"] if c["parameterSet"] == "ML-KEM-768"][0]
expect_error(["mlkem", "keygen", "--set", "768", "--seed", "00" * 63], "invalid_length", what="mlkem: short seed")
expect_error(["mlkem", "keygen", "--set", "768", "--seed", "0g" * 64], "invalid_hex", what="mlkem: bad hex seed")
expect_error(["mlkem", "keygen", "--set", "999", "--seed", "00" * 64], "unknown_name", what="mlkem: unknown set")
expect_error(["mlkem", "encaps", "--set", "768", "--ek", ek768["ek"][:-2], "--m", "00" * 32], "invalid_length",
             what="mlkem: short ek")
expect_error(["mlkem", "encaps", "--set", "512", "--ek", ek768["ek"], "--m", "00" * 32], "invalid_length",
             what="mlkem: ek of another set")
expect_error(["mlkem", "encaps", "--set", "768", "--ek", "ffff" + ek768["ek"][4:], "--m", "00" * 32], "invalid_key",
             what="mlkem: encaps to an invalid ek")
bad_dk = ek768["dk"][:-130] + ("00" if ek768["dk"][-130:-128] != "00" else "11") + ek768["dk"][-128:]
expect_error(["mlkem", "decaps", "--set", "768", "--dk", bad_dk, "--ct", ek768["c"]], "invalid_key",
             what="mlkem: decaps with a dk whose H(ek) is wrong")
expect_error(["mlkem", "decaps", "--set", "768", "--dk", ek768["dk"]], "usage", what="mlkem: missing --ct")
expect_error(["mlkem", "sign", "--set", "768"], "usage", what="mlkem: unknown command")

# ---- escape: the document's vectors, build -> verify -------------------------------------------
doc = open(os.path.join(SRC, "docs", "escape-message.md")).read()
vec = {m.group(1): "".join(m.group(2).split()) for m in re.finditer(r"```hex vector=(\w+)\n(.*?)```", doc, re.S)}
check(set(vec) >= {"escape", "escape_ack", "escape_nack", "escape_confirm_p2c"}, "escape vectors found in the doc")
psk = bytes(range(32)).hex()
kid = b"escape-key-1".hex()
spis = "01020304050607081112131415161718"
key = {"prf": "hmac-sha256", "mode": "escape-psk", "base_key": psk, "key_id": kid, "sa_binding": spis}
esc_fields = {"type": "escape", "sequence": 1, "timestamp": 1767225600, "nonce": bytes(range(0xa0, 0xb0)).hex(),
              "ke_methods": [36, 37], "procedure": 1, "deadline": 3600, "reason": 1, "ppk_id": b"ppk-2026".hex()}
out = expect_ok(["escape", "verify"], json.dumps(dict(key, direction="p2c", message=vec["escape"])), "escape verify doc ESCAPE")
check(out.get("valid") is True and out.get("type") == "escape", "escape verify: ESCAPE valid")
for k, v in esc_fields.items():
    check(out.get(k) == v, f"escape verify: ESCAPE field {k}")
out = expect_ok(["escape", "build"], json.dumps(dict(key, direction="p2c", **esc_fields)), "escape build ESCAPE")
check(out.get("message") == vec["escape"] and out.get("length") == 162, "escape build: ESCAPE equals the document's vector")
ack = {"type": "ack", "sequence": 1, "ppk_id": b"ppk-2026".hex(), "selected_method": 36,
       "echoed_nonce": bytes(range(0xa0, 0xb0)).hex()}
out = expect_ok(["escape", "build"], json.dumps(dict(key, direction="c2p", **ack)), "escape build ACK")
check(out.get("message") == vec["escape_ack"], "escape build: ACK equals the document's vector")
out = expect_ok(["escape", "verify"], json.dumps(dict(key, direction="c2p", message=out.get("message", ""))), "ACK round trip")
check(all(out.get(k) == v for k, v in ack.items()), "escape build -> verify: ACK fields round trip")
out = expect_ok(["escape", "verify"], json.dumps(dict(key, direction="c2p", message=vec["escape_nack"])), "NACK")
check(out.get("type") == "nack" and out.get("status") == 1, "escape verify: NACK status 1")
ckey = {"mode": "confirm", "base_key": bytes(range(0x40, 0x60)).hex(), "key_id": kid,
        "sa_binding": "21222324252627283132333435363738"}
out = expect_ok(["escape", "verify"], json.dumps(dict(ckey, direction="p2c", message=vec["escape_confirm_p2c"])), "CONFIRM")
check(out.get("type") == "confirm" and out.get("sequence") == 1 and out.get("selected_method") == 36
      and out.get("ke_methods") == [31, 36], "escape verify: CONFIRM p2c (default prf)")
rt = dict(key, direction="p2c", type="escape", sequence=7, nonce="11" * 20, ke_methods=[37], procedure=3,
          reason=2, reason_text="rotate now", flags=1)
out = expect_ok(["escape", "build"], json.dumps(rt), "escape build round trip")
back = expect_ok(["escape", "verify"], json.dumps(dict(key, direction="p2c", message=out.get("message", ""))), "rt verify")
check(all(back.get(k) == rt[k] for k in ("sequence", "nonce", "ke_methods", "procedure", "reason", "reason_text", "flags")),
      "escape build -> verify: every field round trips")
# bad input
tampered = vec["escape"][:-2] + ("00" if vec["escape"][-2:] != "00" else "01")
expect_error(["escape", "verify"], "escape_bad_tag", json.dumps(dict(key, direction="p2c", message=tampered)),
             what="escape: forged tag")
expect_error(["escape", "verify"], "escape_bad_tag", json.dumps(dict(key, direction="c2p", message=vec["escape"])),
             what="escape: wrong direction key")
expect_error(["escape", "verify"], "escape_wrong_key_id",
             json.dumps(dict(key, key_id=b"other".hex(), direction="p2c", message=vec["escape"])), what="escape: key ID")
expect_error(["escape", "verify"], "escape_wrong_binding",
             json.dumps(dict(key, sa_binding="00" * 16, direction="p2c", message=vec["escape"])), what="escape: binding")
expect_error(["escape", "verify"], "truncated", json.dumps(dict(key, direction="p2c", message=vec["escape"][:-10])),
             what="escape: truncated message")
expect_error(["escape", "verify"], "unknown_name", json.dumps(dict(key, direction="sideways", message=vec["escape"])),
             what="escape: unknown direction")
expect_error(["escape", "build"], "unknown_name", json.dumps(dict(key, direction="p2c", **dict(esc_fields, type="hello"))),
             what="escape: unknown type")
expect_error(["escape", "build"], "unknown_name", json.dumps(dict(key, mode="pgp", direction="p2c", **esc_fields)),
             what="escape: unknown mode")
expect_error(["escape", "build"], "escape_missing_tlv",
             json.dumps(dict(key, direction="p2c", **{k: v for k, v in esc_fields.items() if k != "nonce"})),
             what="escape: ESCAPE without nonce")
expect_error(["escape", "build"], "invalid_syntax", json.dumps(dict(key, direction="p2c", **dict(esc_fields, sequence=0))),
             what="escape: sequence 0")
expect_error(["escape", "build"], "invalid_length", json.dumps(dict(key, direction="p2c", **dict(esc_fields, nonce="00" * 33))),
             what="escape: nonce too long")
expect_error(["escape", "build"], "wrong_type", json.dumps(dict(key, direction="p2c", **dict(esc_fields, ke_methods="36"))),
             what="escape: ke_methods not an array")
expect_error(["escape", "verify"], "bad_json", "{\"mode\": \"escape-psk\",, }", what="escape: malformed JSON")
# docs §12 decisions: the same bounds and checks as the library
expect_error(["escape", "verify"], "invalid_length", json.dumps(dict(key, base_key="07" * 1025, direction="p2c",
             message=vec["escape"])), what="escape: base key above 1024 octets")
expect_error(["escape", "verify"], "escape_bad_tag", json.dumps(dict(key, base_key="07" * 1024, direction="p2c",
             message=vec["escape"])), what="escape: a 1024-octet base key is taken (and the tag checked)")
expect_error(["escape", "verify"], "invalid_syntax", json.dumps(dict(key, direction="p2c", message="585951")),
             what="escape: short message with a wrong magic")
expect_error(["escape", "verify"], "invalid_length", json.dumps(dict(key, direction="p2c", message="50" * 1025)),
             what="escape: message above 1024 octets")
short_tag = vec["escape"][:12] + f"{162 - 36 + 20:04x}" + vec["escape"][16:-72] + "800e0010" + "00" * 16
expect_error(["escape", "verify"], "escape_bad_tag", json.dumps(dict(key, direction="p2c", message=short_tag)),
             what="escape: tag of the wrong length")
expect_error(["escape", "build"], "invalid_syntax",
             json.dumps(dict(key, direction="p2c", **dict({k: v for k, v in esc_fields.items() if k != "reason"},
                                                          reason_text="no code"))),
             what="escape: reason_text without reason")
expect_error(["escape", "build"], "length_too_large",
             json.dumps(dict(key, direction="p2c", **dict(esc_fields, reason_text="x" * 65))),
             what="escape: reason_text above 64 octets")
expect_error(["escape"], "usage", what="escape: no command")

# ---- command-line conventions (docs/cli.md "Conventions") ---------------------------------------
# --version and `version`: one JSON object on stdout
for args in (["--version"], ["version"]):
    rc, out, err = run(args)
    obj = json.loads(out) if rc == 0 and out.count("\n") == 1 else {}
    check(rc == 0 and set(obj) == {"version"} and re.fullmatch(r"\d+\.\d+\.\d+.*", obj["version"]) and err == "",
          f"{args}: {{\"version\"}} on stdout ({out!r})")
# --name=value is --name value
seed = "00" * 64
a = expect_ok(["mlkem", "keygen", "--set", "768", "--seed", seed])
b = expect_ok(["mlkem", "keygen", "--set=768", "--seed=" + seed])
check(a == b and "ek" in a, "mlkem keygen: --set=768 --seed=HEX equals --set 768 --seed HEX")
check(expect_ok(["decode", "--hex=" + payloads[2].hex()]) == want, "decode --hex=HEX equals decode --hex HEX")
# - for stdin, and a request file by name
rc, out, err = run_bytes(["decode", "--file", "-"], payloads[2])
check(rc == 0 and json.loads(out) == want, f"decode --file - reads a binary message from stdin ({err[:200]})")
rc, out, err = run_bytes(["decode", "--pcap", "-"], open(PCAP, "rb").read())
check(rc == 0 and [json.loads(l) for l in out.splitlines()] == plain, f"decode --pcap - equals decode --pcap FILE ({err[:200]})")
expect_error(["decode", "--pcap", "-", "--keys", "-"], "usage", "", what="decode: stdin named twice")
child = {"prf": "hmac-sha256", "sk_d": "00" * 32, "ni": "01" * 16, "nr": "02" * 16, "keymat_len": 40}
ref = expect_ok(["derive", "child"], json.dumps(child))
check(expect_ok(["derive", "child", "-"], json.dumps(child)) == ref, "derive child - reads the request from stdin")
with tempfile.TemporaryDirectory() as tmp:
    rq = os.path.join(tmp, "child.json")
    open(rq, "w").write(json.dumps(child))
    check(expect_ok(["derive", "child", rq]) == ref, "derive child FILE reads the request from the file")
    ev = os.path.join(tmp, "verify.json")
    open(ev, "w").write(json.dumps(dict(key, direction="p2c", message=vec["escape"])))
    check(expect_ok(["escape", "verify", ev]).get("valid") is True, "escape verify FILE")
# unknown request fields are refused with their name, optional ones included
o = expect_error(["derive", "child"], "unknown_field", json.dumps(dict(child, keymat_lenght=40)),
                 what="derive child: misspelt keymat_len")
check('"keymat_lenght"' in o.get("detail", ""), "unknown_field names the field (keymat_lenght)")
o = expect_error(["escape", "build"], "unknown_field",
                 json.dumps(dict(key, direction="p2c", deadlin=60, **esc_fields)), what="escape build: misspelt deadline")
check('"deadlin"' in o.get("detail", ""), "unknown_field names the field (deadlin)")
expect_error(["escape", "verify"], "unknown_field", json.dumps(dict(key, direction="p2c", message=vec["escape"], type="escape")),
             what="escape verify: a build-only field")
expect_error(["derive"], "unknown_field", json.dumps(dict(req, keymat_len=3)), what="derive: a child-only field")
expect_error(["derive", "rekey"], "unknown_field", json.dumps({"prf": "hmac-sha256", "sk_d_old": "00" * 32, "ni": "00",
             "nr": "00", "key_exchanges": ["00"], "sk_d": "00"}), what="derive rekey: sk_d instead of sk_d_old")
# usage errors: exit status 2, the error object on stderr
expect_error([], "usage", what="no command")
expect_error(["decode", "--hex"], "usage", what="decode: option without its value")
expect_error(["decode", "--hex", "00", "--hex", "00"], "usage", what="decode: option given twice")
expect_error(["decode", "--hex", "00", "extra"], "usage", what="decode: stray word")
expect_error(["mlkem", "keygen", "--seed", seed], "usage", what="mlkem keygen without --set")
expect_error(["mlkem", "keygen", "--set", "768", "--seed", seed, "--ek", "00"], "usage", what="mlkem keygen: encaps option")
expect_error(["escape", "sign"], "usage", what="escape: unknown subcommand")
expect_error(["--frobnicate"], "usage", what="unknown global option")

# ---- docs/cli.md and --help list the same options, and each one exists --------------------------
def help_of(path):
    rc, out, _ = run(path + ["--help"])
    check(rc == 0, f"{path} --help exits 0")
    opts, subs, section = set(), [], None
    for line in out.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":") if line.endswith(":") else None
            continue
        if section == "Options":
            m = re.match(r"\s+(?:-\w,)?(--[a-z][a-z0-9-]*)", line)
            if m and m.group(1) != "--help":
                opts.add(m.group(1))
        elif section == "Subcommands":
            m = re.match(r"\s+([a-z][a-z0-9-]*)\s", line)
            if m:
                subs.append(m.group(1))
    return opts, subs


helped, todo = {}, [[]]
while todo:
    path = todo.pop()
    opts, subs = help_of(path)
    helped[" ".join(path)] = opts
    todo += [path + [s] for s in subs]
cli_doc = open(os.path.join(SRC, "docs", "cli.md")).read()
documented = {}
for m in re.finditer(r"^\| `pqike ?([a-z0-9 -]*)` \| `(--[a-z][a-z0-9-]*)[^`]*` \|", cli_doc, re.M):
    documented.setdefault(m.group(1).strip(), set()).add(m.group(2))
check(len(documented) >= 6, f"docs/cli.md has an options table ({sorted(documented)})")
for cmd in sorted(set(helped) | set(documented)):
    h, d = helped.get(cmd), documented.get(cmd, set())
    check(h is not None, f"documented command `pqike {cmd}` exists")
    if h is None:
        continue
    check(h == d, f"`pqike {cmd}`: docs/cli.md lists {sorted(d)}, --help lists {sorted(h)}")
    for opt in sorted(d):
        rc, out, err = run(cmd.split() + [opt + "=1"])
        check("not expected" not in err and "unknown option" not in err.lower(),
              f"documented option `pqike {cmd} {opt}` is accepted by the parser ({err[:120]!r})")
check(set(helped) >= {"", "decode", "derive", "derive child", "derive rekey", "mlkem keygen", "mlkem encaps",
                      "mlkem decaps", "mlkem check-ek", "escape build", "escape verify", "version"},
      f"every command has --help ({sorted(helped)})")

# ---- decode the migration demo's own capture with the table it wrote -----------------------------
if MIGRATION:
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([MIGRATION], cwd=tmp, capture_output=True, text=True, timeout=300)
        check(p.returncode == 0, f"migration demo exits 0 ({p.stdout[-300:]})")
        rc, msgs, err = run_json(["decode", "--pcap", os.path.join(tmp, "migration.pcap"),
                                  "--keys", os.path.join(tmp, "ikev2_decryption_table")])
        check(rc == 0 and len(msgs) >= 20, f"decode the demo's pcap ({len(msgs)} messages, {err[:200]})")
        enc = [m for m in msgs if m["payloads"] and m["payloads"][-1]["name"] in ("SK", "SKF")]
        check(all("inner_error" not in m for m in enc), "every protected message of the demo opens with its table")
        done = [m for m in enc if "inner" in m]
        check(len(done) + sum(1 for m in enc if m.get("reassembly") == "stored") == len(enc),
              "SK opened, SKF fragments stored then reassembled")
        check(any(m.get("reassembly") == "complete" and m["exchange_name"] == "IKE_INTERMEDIATE" for m in msgs),
              "the fragmented ML-KEM-1024 IKE_INTERMEDIATE is reassembled and opened")
        names = [p["name"] for m in done for p in m["inner"]]
        check("KE" in names and "AUTH" in names and "D" in names, "inner KE, AUTH and Delete payloads seen")

print(f"cli: {checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
