#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpora from real traffic: the strongSwan captures in ../shared/interop/strongswan/.

Every IKE datagram of each sN/capture.pcap (UDP 500, and UDP 4500 with the 4-octet non-ESP
marker stripped; ESP is skipped) is cut into the inputs of the wire fuzz targets. The decrypted
inner payload chains come from the same directory's exchanges.json (an independent extraction),
so the targets that take a cleartext chain get the real encrypted-side payloads too.

  wire_message        the datagram (IKE header + payloads)
  wire_payload_chain  [first payload type] + the chain after the header; same for inner chains
  wire_sa             each SA payload body (outer and inner)
  wire_notify         each Notify payload body (outer and inner)
  wire_sk_open        [0x00 ETM | 0x01 AEAD] + a received SK/SKF message (the fixed key of the
                      target does not authenticate it: exercises the frame checks), and
                      [0x02 | 0x03] + an inner chain (seal/open round trip)
  wire_reassembly     [0x00] + [u16 length][datagram]... for the fragments of one message, and
                      [0x01, size, order, 0, 0,0,0,0] + an inner chain (split and reassemble)

A target gets seeds only if fuzz/targets/<target>.cpp exists. Existing seeds are never touched:
a file is written only if no file of the same content is in the directory yet, under a name
that starts with "ss_" (strongSwan), so re-running is idempotent. Python 3 stdlib only.

usage: fuzz/make-seeds.py [--interop DIR] [--dry-run]
"""

import argparse
import hashlib
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_INTEROP = os.path.join(os.path.dirname(ROOT), "shared", "interop", "strongswan")

PT_SA, PT_NOTIFY, PT_SK, PT_SKF = 33, 41, 46, 53
IKE_HEADER = 28
MAX_CHAIN = 12000  # wire_reassembly splits at most this much inner chain


def pcap_udp(path):
    """Yield (frame number from 1, sport, dport, udp payload) for IPv4/UDP in a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError(f"{path}: not a classic pcap")
    linktype = struct.unpack(end + "I", data[20:24])[0]
    link_len = {1: 14, 101: 0, 113: 16}.get(linktype)
    if link_len is None:
        raise ValueError(f"{path}: link type {linktype} not supported")
    off, frame = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frame += 1
        ip = pkt[link_len:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0x0F) * 4
        udp = ip[ihl:]
        if len(udp) < 8:
            continue
        sport, dport, ulen = struct.unpack(">HHH", udp[:6])
        yield frame, sport, dport, udp[8:ulen]


def ike_datagrams(path):
    """Yield (frame, IKE message) for every IKE datagram of the capture."""
    for frame, sport, dport, payload in pcap_udp(path):
        if 500 in (sport, dport):
            msg = payload
        elif 4500 in (sport, dport):
            if len(payload) < 4 or payload[:4] != b"\0\0\0\0":
                continue  # ESP (or a NAT-keepalive)
            msg = payload[4:]
        else:
            continue
        if len(msg) >= IKE_HEADER:
            yield frame, msg


def walk_chain(first, region):
    """Yield (type, body, whole payload) along a generic payload chain; stops at SK/SKF."""
    t, off = first, 0
    while t != 0 and off + 4 <= len(region):
        nxt = region[off]
        (length,) = struct.unpack(">H", region[off + 2:off + 4])
        if length < 4 or off + length > len(region):
            return
        yield t, region[off + 4:off + length], region[off:off + length]
        if t in (PT_SK, PT_SKF):
            return
        t, off = nxt, off + length


class Corpus:
    """One target's corpus directory: adds files by content, never overwrites."""

    def __init__(self, target, dry_run):
        self.dir = os.path.join(ROOT, "fuzz", "corpus", target)
        self.target, self.dry_run = target, dry_run
        self.seen, self.added = set(), 0
        if os.path.isdir(self.dir):
            for name in os.listdir(self.dir):
                p = os.path.join(self.dir, name)
                if os.path.isfile(p):
                    with open(p, "rb") as f:
                        self.seen.add(hashlib.sha256(f.read()).digest())

    def add(self, name, data):
        digest = hashlib.sha256(data).digest()
        if digest in self.seen:
            return
        self.seen.add(digest)
        path = os.path.join(self.dir, "ss_" + name)
        if os.path.exists(path):
            raise SystemExit(f"{path} exists with other content; not overwriting")
        self.added += 1
        if self.dry_run:
            return
        os.makedirs(self.dir, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--interop", default=DEFAULT_INTEROP)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()

    targets = {os.path.splitext(n)[0] for n in os.listdir(os.path.join(ROOT, "fuzz", "targets"))
               if n.endswith(".cpp")}
    wanted = ["wire_message", "wire_payload_chain", "wire_sa", "wire_notify", "wire_sk_open",
              "wire_reassembly"]
    corpora = {t: Corpus(t, args.dry_run) for t in wanted if t in targets}

    def add(target, name, data):
        if target in corpora:
            corpora[target].add(name, data)

    def payload_seeds(tag, first, region):
        add("wire_payload_chain", f"{tag}_chain", bytes([first]) + region)
        for i, (t, body, _) in enumerate(walk_chain(first, region)):
            if t == PT_SA:
                add("wire_sa", f"{tag}_sa{i}", body)
            elif t == PT_NOTIFY:
                add("wire_notify", f"{tag}_n{i}", body)

    scenarios = sorted(d for d in os.listdir(args.interop)
                       if os.path.isfile(os.path.join(args.interop, d, "capture.pcap")))
    if not scenarios:
        sys.exit(f"no */capture.pcap under {args.interop}")
    exchanges = {}
    ex_path = os.path.join(args.interop, "exchanges.json")
    if os.path.isfile(ex_path):
        with open(ex_path) as f:
            exchanges = json.load(f).get("scenarios", {})

    for sc in scenarios:
        short = sc.split("_")[0]  # s1, s3
        frames = {}
        aead = None
        for frame, msg in ike_datagrams(os.path.join(args.interop, sc, "capture.pcap")):
            frames[frame] = msg
            tag = f"{short}_f{frame:03d}"
            add("wire_message", tag, msg)
            first = msg[16]
            payload_seeds(tag, first, msg[IKE_HEADER:])
            if first in (PT_SK, PT_SKF):
                if aead is None:  # scenario's cipher: s1 is AES-GCM, s3 AES-CBC + HMAC
                    aead = "gcm" in sc
                add("wire_sk_open", f"{tag}_rx", bytes([1 if aead else 0]) + msg)

        info = exchanges.get(sc, {})
        for k, m in enumerate(info.get("ike_messages", [])):
            tag = f"{short}_m{k:02d}_{m['exchange'].lower()}"
            inner_hex = m.get("inner_payloads_hex")
            if inner_hex and m.get("inner_first_payload") is not None:
                inner = bytes.fromhex(inner_hex)
                first = m["inner_first_payload"]
                payload_seeds(tag + "_inner", first, inner)
                add("wire_sk_open", f"{tag}_rt", bytes([2 | (k & 1)]) + inner)
                if len(inner) <= MAX_CHAIN:
                    # 90 + 8 * size octets per datagram: a few fragments for the bigger chains.
                    size = min(255, max(1, (len(inner) // 3) // 8))
                    add("wire_reassembly", f"{tag}_split",
                        bytes([1, size, k & 0xFF, 0, 0, 0, 0, 0]) + inner)
            fr = m.get("frames", [])
            if len(fr) > 1 and all(f in frames for f in fr):
                seq = b"".join(struct.pack(">H", len(frames[f])) + frames[f] for f in fr)
                add("wire_reassembly", f"{tag}_frags", b"\0" + seq)
                rev = b"".join(struct.pack(">H", len(frames[f])) + frames[f] for f in reversed(fr))
                add("wire_reassembly", f"{tag}_frags_rev", b"\0" + rev)

    for t, c in sorted(corpora.items()):
        print(f"{t}: {c.added} new seed(s){' (dry run)' if args.dry_run else ''}")


if __name__ == "__main__":
    main()
