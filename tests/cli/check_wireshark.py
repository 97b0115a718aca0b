#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks the Wireshark plugin tools/wireshark/pqike.lua with tshark on the migration demo's capture.

Usage: check_wireshark.py SOURCE_DIR MIGRATION_BINARY
Runs the demo in a temporary folder (it writes migration.pcap and ikev2_decryption_table), then
`tshark -X lua_script:tools/wireshark/pqike.lua -V` with that table (so the INFORMATIONAL SK
payloads that carry the escape Notifies are decrypted). Every escape Notify is parsed here,
independently of the plugin, from Wireshark's own isakmp.notify.data field, and the plugin's tree
must show the same header, every TLV (critical bit, type, length, value, typed value), the
sequence number and the tag. Also: exchanges 43/44 named in the tree and the Info column, ML-KEM
transform IDs in KE/ADDKE transforms and KE payloads, and the PPK notifies named.
Exit status 77 (a skip, never a pass) when tshark or the demo binary is absent.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SRC = sys.argv[1]
MIGRATION = sys.argv[2] if len(sys.argv) > 2 else ""
PLUGIN = os.path.join(SRC, "tools", "wireshark", "pqike.lua")
TSHARK = shutil.which("tshark")
if not TSHARK:
    print("wireshark plugin: SKIPPED (tshark not installed; Debian package tshark)")
    sys.exit(77)
if not MIGRATION or not os.access(MIGRATION, os.X_OK):
    print("wireshark plugin: SKIPPED (no migration demo binary to make the capture)")
    sys.exit(77)

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


ESC_TYPES = {1: "ESCAPE", 2: "ESCAPE_ACK", 3: "ESCAPE_NACK", 4: "ESCAPE_CONFIRM"}
TLV_NAMES = {1: "SEQUENCE", 2: "TIMESTAMP", 3: "NONCE", 4: "KEY_ID", 5: "SA_BINDING", 6: "KE_METHODS",
             7: "PROCEDURE", 8: "DEADLINE", 9: "REASON", 10: "PPK_ID", 11: "STATUS", 12: "SELECTED_METHOD",
             13: "ECHOED_NONCE", 14: "TAG"}
KE = {0: "NONE", 31: "Curve25519", 35: "ML-KEM-512", 36: "ML-KEM-768", 37: "ML-KEM-1024"}
REASONS = {0: "unspecified", 1: "quantum threat", 2: "administrative", 3: "scheduled", 4: "compromise suspected"}
STATUS = {0: "accepted", 1: "unsupported method", 2: "unsupported procedure", 3: "unknown PPK", 4: "busy",
          5: "refused by policy"}


def parse_escape(b):
    """docs/escape-message.md §2-3: header and TLVs, written without looking at the plugin."""
    assert b[:3] == b"PQE", b[:3]
    msg = {"version": b[3], "type": b[4], "flags": b[5], "length": struct.unpack(">H", b[6:8])[0], "tlvs": []}
    at = 8
    while at < len(b):
        word, vlen = struct.unpack(">HH", b[at:at + 4])
        msg["tlvs"].append({"critical": bool(word & 0x8000), "type": word & 0x7FFF, "value": b[at + 4:at + 4 + vlen]})
        at += 4 + vlen
    return msg


def typed_lines(t, v):
    """The typed item(s) the plugin must show for a TLV value."""
    u = int.from_bytes(v, "big")
    if t == 1:
        return [f"Sequence Number: {u}"]
    if t == 2:
        return [f"Timestamp (s since 1970): {u}"]
    if t == 6:
        return [f"KE Method: {KE.get(int.from_bytes(v[i:i + 2], 'big'), 'Unknown')} ({int.from_bytes(v[i:i + 2], 'big')})"
                for i in range(0, len(v), 2)]
    if t == 7:
        return [f"Procedure: {'IKE SA rekey' if u == 1 else 'Unknown'} ({u})"]
    if t == 8:
        return [f"Deadline (s): {u}"]
    if t == 9:
        return [f"Reason: {REASONS.get(v[0], 'Unknown')} ({v[0]})"] + ([f"Reason Text: {v[1:].decode()}"] if len(v) > 1 else [])
    if t == 11:
        return [f"Status: {STATUS.get(u, 'Unknown')} ({u})"]
    if t == 12:
        return [f"Selected Method: {KE.get(u, 'Unknown')} ({u})"]
    label = {3: "Nonce", 4: "Key ID", 5: "SA Binding", 10: "PPK ID", 13: "Echoed Nonce", 14: "Tag"}[t]
    return [f"{label}: {v.hex()}"]


def frames_of(verbose):
    """tshark -V text -> {frame number: text of that frame}."""
    out, cur = {}, None
    for line in verbose.splitlines():
        m = re.match(r"^Frame (\d+): ", line)
        if m:
            cur = int(m.group(1))
            out[cur] = []
        if cur is not None:
            out[cur].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def pqike_tree(frame_text):
    """The lines of the plugin's top-level "pqike" subtree, indentation stripped."""
    lines = frame_text.splitlines()
    try:
        start = lines.index("pqike IKEv2 (PQ migration)")
    except ValueError:
        return []
    tree = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        tree.append(line.strip())
    return tree


with tempfile.TemporaryDirectory() as tmp:
    p = subprocess.run([MIGRATION], cwd=tmp, capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"migration demo exits 0 ({p.stdout[-300:]})")
    pcap = os.path.join(tmp, "migration.pcap")
    # Wireshark reads its IKEv2 key table (a UAT file) from the personal configuration folder.
    conf = os.path.join(tmp, "wsconf")
    os.makedirs(conf)
    shutil.copy(os.path.join(tmp, "ikev2_decryption_table"), os.path.join(conf, "ikev2_decryption_table"))
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=conf, HOME=tmp)
    tshark = [TSHARK, "-n", "-r", pcap]
    # Without the plugin: Wireshark's own notify fields (the reference) and its exchange names.
    ref = subprocess.run(tshark + ["-T", "fields", "-E", "separator=;", "-e", "frame.number", "-e",
                                   "isakmp.exchangetype", "-e", "isakmp.notify.msgtype", "-e", "isakmp.notify.data"],
                         capture_output=True, text=True, env=env, timeout=300)
    check(ref.returncode == 0, f"tshark reads the demo capture ({ref.stderr[-300:]})")
    plain = subprocess.run(tshark, capture_output=True, text=True, env=env, timeout=300).stdout
    # With the plugin: the summary lines and the full tree.
    lua = ["-X", "lua_script:" + PLUGIN]
    summ = subprocess.run(tshark + lua, capture_output=True, text=True, env=env, timeout=300)
    verbose = subprocess.run(tshark + lua + ["-V"], capture_output=True, text=True, env=env, timeout=300)
    check(summ.returncode == 0 and verbose.returncode == 0, f"tshark -X lua_script:pqike.lua runs ({verbose.stderr[-300:]})")
    check("Lua" not in verbose.stderr and "error" not in verbose.stderr.lower(), f"no Lua error ({verbose.stderr[-300:]})")
    frames = frames_of(verbose.stdout)
    info = {int(l.split()[0]): l for l in summ.stdout.splitlines() if l.strip()}

escapes = []  # (frame, message)
exchanges = {}
for line in ref.stdout.splitlines():
    num, exch, types, datas = (line.split(";") + ["", "", ""])[:4]
    exchanges[int(num)] = [int(x) for x in exch.split(",") if x]
    for t, d in zip(types.split(","), datas.split(",")):
        if t == "44636" and d:
            escapes.append((int(num), parse_escape(bytes.fromhex(d.replace(":", "")))))

# ---- the escape Notifies, field by field --------------------------------------------------------
kinds = [ESC_TYPES[m["type"]] for _, m in escapes]
check(kinds == ["ESCAPE", "ESCAPE_ACK", "ESCAPE_CONFIRM", "ESCAPE_CONFIRM"],
      f"the demo carries ESCAPE, ACK and two CONFIRMs in decrypted Notifies ({kinds})")
for frame, m in escapes:
    tree = pqike_tree(frames.get(frame, ""))
    tag = f"frame {frame} {ESC_TYPES[m['type']]}"
    seq = int.from_bytes(next(t["value"] for t in m["tlvs"] if t["type"] == 1), "big")
    check("Notify Message Type: PQIKE_ESCAPE (44636)" in tree, f"{tag}: Notify named PQIKE_ESCAPE")
    check(f"PQC escape message: {ESC_TYPES[m['type']]}, sequence {seq}, {len(m['tlvs'])} TLVs, {m['length']} octets" in tree,
          f"{tag}: message summary line")
    for want in ("Magic: PQE", f"Version: {m['version']}", f"Message Type: {ESC_TYPES[m['type']]} ({m['type']})",
                 f"Flags: 0x{m['flags']:02x}", f"Length: {m['length']}"):
        check(want in tree, f"{tag}: header {want!r}")
    # TLVs in order: each summary line followed by its fields
    at = 0
    for i, t in enumerate(m["tlvs"]):
        name = TLV_NAMES.get(t["type"], "unknown")
        head = f"TLV {name} ({t['type']})" + (" [C]" if t["critical"] else "") + f", {len(t['value'])} octets"
        idx = next((k for k in range(at, len(tree)) if tree[k].startswith(head)), None)
        check(idx is not None, f"{tag}: TLV #{i} {head!r} in order")
        if idx is None:
            continue
        body = tree[idx + 1:idx + 5 + len(typed_lines(t["type"], t["value"]))]
        crit = "True" if t["critical"] else "False"
        check(any(l.endswith(f"= Critical: {crit}") for l in body), f"{tag}: {name} critical bit {crit}")
        check(any(l.endswith(f"= Type: {name} ({t['type']})") for l in body), f"{tag}: {name} type field")
        check(f"Value Length: {len(t['value'])}" in body, f"{tag}: {name} value length")
        check(f"Value: {t['value'].hex()}" in body, f"{tag}: {name} value octets")
        for want in typed_lines(t["type"], t["value"]):
            check(want in body, f"{tag}: {name} typed value {want!r}")
        at = idx + 1
    check(m["tlvs"][-1]["type"] == 14 and len(m["tlvs"][-1]["value"]) == 32 and
          f"Tag: {m['tlvs'][-1]['value'].hex()}" in tree, f"{tag}: TAG last, 32 octets (HMAC-SHA-256), shown")
    check(f"[{ESC_TYPES[m['type']]} seq={seq}]" in info.get(frame, ""), f"{tag}: Info column names it ({info.get(frame)})")
# The ESCAPE is bound to the SA it rides on: SA_BINDING = SPIi | SPIr of its IKE header.
if escapes:
    frame, m = escapes[0]
    spis = re.search(r"Initiator SPI: ([0-9a-f]{16})\n\s+Responder SPI: ([0-9a-f]{16})", frames.get(frame, ""))
    binding = next((t["value"].hex() for t in m["tlvs"] if t["type"] == 5), "")
    check(spis is not None and binding == spis.group(1) + spis.group(2), "ESCAPE: SA_BINDING is SPIi | SPIr of its message")
    check(any(l.startswith("TLV KE_METHODS (6) [C], 4 octets: ML-KEM-1024 (37), ML-KEM-768 (36)") for l in
              pqike_tree(frames.get(frame, ""))), "ESCAPE: target methods ML-KEM-1024, ML-KEM-768")

# ---- exchanges 43/44, ML-KEM transform IDs, PPK notifies -------------------------------------------
for num, ex in sorted(exchanges.items()):
    for x, name in ((43, "IKE_INTERMEDIATE"), (44, "IKE_FOLLOWUP_KE")):
        if x in ex:
            check(f"Exchange type: {name} ({x})" in pqike_tree(frames.get(num, "")), f"frame {num}: exchange {x} named {name}")
            check(f" {name} MID=" in info.get(num, "") and f"Unknown {x}" not in info.get(num, ""),
                  f"frame {num}: Info column says {name} ({info.get(num)})")
check(any(43 in e for e in exchanges.values()) and any(44 in e for e in exchanges.values()),
      "the demo has IKE_INTERMEDIATE and IKE_FOLLOWUP_KE exchanges")
check("Unknown 43" in plain or "IKE_INTERMEDIATE" in plain, "without the plugin tshark still reads the capture")
all_trees = [l for f in frames.values() for l in pqike_tree(f)]
for want in ("Transform ID (ADDKE1): ML-KEM-768 (36)", "Transform ID (ADDKE2): ML-KEM-1024 (37)",
             "Transform ID (KE): Curve25519 (31)", "KE method: ML-KEM-768 (36)",
             "Notify Message Type: PPK_IDENTITY (16436)", "Notify Message Type: PPK_IDENTITY_KEY (16446)",
             "Notify Message Type: INTERMEDIATE_EXCHANGE_SUPPORTED (16438)",
             "Notify Message Type: ADDITIONAL_KEY_EXCHANGE (16441)"):
    check(want in all_trees, f"plugin shows {want!r}")

print(f"wireshark plugin: {checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
