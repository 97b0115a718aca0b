#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `pqike decode --pcap` on every capture kind it reads, each made here from the classic pcaps in
# tests/data/ (nothing is checked in): pcapng (editcap), Linux cooked v1/v2, raw IP, BSD
# loopback, 802.1Q/QinQ, IPv6 with extension headers, IPv4 and IPv6 fragments (shuffled, with
# exact duplicates), RFC 9329 TCP (split, retransmitted and reordered segments), and an
# IKE_SA_INIT with ML-KEM-1024 built by pqike (gen_mlkem1024_init) sent over a 1500-octet MTU.
# Every capture must decode to the same messages as the pcap it came from; tshark, when present,
# must see the same number of IKE messages in the files written here (an independent reader).
# Hostile fragments (overlaps, past-the-end, timeouts) must not produce a message.
# Usage: check_captures.py PQIKE SOURCE_DIR GEN_MLKEM1024_INIT
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

BIN, SRC, GEN = sys.argv[1], sys.argv[2], sys.argv[3]
DATA = os.path.join(SRC, "tests", "data")
S1 = os.path.join(DATA, "strongswan_s1_mlkem768_gcm.pcap")
T1 = os.path.join(DATA, "strongswan_s1_ikev2_decryption_table")
S3 = os.path.join(DATA, "strongswan_s3_cbc_hmac_natt.pcap")
T3 = os.path.join(DATA, "strongswan_s3_ikev2_decryption_table")
TSHARK = shutil.which("tshark")
EDITCAP = shutil.which("editcap")
rnd = random.Random(21)
checks, failures = 0, []


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def decode(path, keys=None, fmt=None):
    args = [BIN, "decode", "--pcap", path] + (["--keys", keys] if keys else []) + (["--format", fmt] if fmt else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if fmt == "summary":
        return p.returncode, p.stdout.splitlines()
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines()]


CAPTURE_FIELDS = ("frame", "src", "dst", "time", "ip_fragments", "transport")


def bare(msgs):
    return [{k: v for k, v in m.items() if k not in CAPTURE_FIELDS} for m in msgs]


# ---- classic pcap in and out -----------------------------------------------------------------------
def read_pcap(path):
    raw = open(path, "rb").read()
    assert struct.unpack("<I", raw[:4])[0] == 0xA1B2C3D4
    link, = struct.unpack("<I", raw[20:24])
    at, recs = 24, []
    while at < len(raw):
        s, us, incl, _ = struct.unpack("<IIII", raw[at:at + 16])
        recs.append((s, us, raw[at + 16:at + 16 + incl]))
        at += 16 + incl
    return link, recs


def write_pcap(path, link, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, link))
        for s, us, fr in recs:
            f.write(struct.pack("<IIII", s, us, len(fr), len(fr)) + fr)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0, frag=0x4000):
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
    return h[:10] + struct.pack(">H", csum(h)) + h[12:] + payload


V6 = {bytes([10, 99, 0, 1]): bytes.fromhex("20010db8000000000000000000000001"),
      bytes([10, 99, 0, 2]): bytes.fromhex("20010db8000000000000000000000002")}


def v6addr(a4):
    return V6.get(a4, bytes.fromhex("20010db8ffff00000000000000000000")[:12] + a4)


def ipv6(src, dst, nh, payload):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nh, 64, src, dst) + payload


def eth(ethertype, payload):
    return bytes.fromhex("020000000002020000000001") + struct.pack(">H", ethertype) + payload


def split_eth(frame):
    return struct.unpack(">H", frame[12:14])[0], frame[14:]


def udp_of_ipv4(ip):
    ihl = (ip[0] & 15) * 4
    return ip[12:16], ip[16:20], ip[9], ip[ihl:struct.unpack(">H", ip[2:4])[0]]


def convert(recs, fn):
    """fn(frame) -> new frame (same frame numbering)."""
    return [(s, us, fn(fr)) for s, us, fr in recs]


def tshark_count(path, extra=()):
    if not TSHARK:
        return None
    p = subprocess.run([TSHARK, "-r", path, "-Y", "isakmp", "-T", "fields", "-e", "frame.number", *extra],
                       capture_output=True, text=True, timeout=120)
    return len([l for l in p.stdout.splitlines() if l.strip()])


link1, recs1 = read_pcap(S1)
assert link1 == 1
rc, ref1 = decode(S1, T1)
check(rc == 0 and len(ref1) == 29, f"reference: s1 decodes to 29 messages ({len(ref1)})")
rc, ref3 = decode(S3, T3)
check(rc == 0 and len(ref3) == 34, f"reference: s3 decodes to 34 messages ({len(ref3)})")


def same_as_ref(name, path, ref=ref1, keys=T1, frames=True, addrs=True, tshark=True):
    rc, got = decode(path, keys)
    check(rc == 0, f"{name}: exit 0")
    check(bare(got) == bare(ref), f"{name}: same messages as the pcap it came from ({len(got)} vs {len(ref)})")
    if frames:
        check([m["frame"] for m in got] == [m["frame"] for m in ref], f"{name}: same frame numbers")
    if addrs:
        check([(m["src"], m["dst"]) for m in got] == [(m["src"], m["dst"]) for m in ref], f"{name}: same addresses")
    if tshark and TSHARK:
        n = tshark_count(path)
        check(n == len(ref), f"{name}: tshark sees {n} IKE messages, {len(ref)} expected")
    return got


with tempfile.TemporaryDirectory() as tmp:
    P = lambda n: os.path.join(tmp, n)  # noqa: E731

    # ---- file formats and link types ---------------------------------------------------------------
    if EDITCAP:
        subprocess.run([EDITCAP, "-F", "pcapng", S1, P("s1.pcapng")], check=True)
        same_as_ref("pcapng (editcap)", P("s1.pcapng"))
        subprocess.run([EDITCAP, "-F", "nsecpcap", S3, P("s3_nsec.pcap")], check=True)
        got = same_as_ref("nanosecond pcap (editcap)", P("s3_nsec.pcap"), ref3, T3)
        check(all(abs(a["time"] - b["time"]) < 1e-6 for a, b in zip(got, ref3)), "nanosecond pcap: same times")
    else:
        check(False, "editcap (wireshark-common) is installed")

    def sll(fr):
        t, p = split_eth(fr)
        return struct.pack(">HHH8sH", 0, 1, 6, fr[6:12] + b"\0\0", t) + p

    def sll2(fr):
        t, p = split_eth(fr)
        return struct.pack(">HHIHBB8s", t, 0, 1, 1, 0, 6, fr[6:12] + b"\0\0") + p

    def vlan(fr):
        t, p = split_eth(fr)
        return fr[:12] + struct.pack(">HHHH", 0x88A8, 100, 0x8100, 7) + struct.pack(">H", t) + p

    def null_le(fr):
        return struct.pack("<I", 2) + split_eth(fr)[1]

    def loop_be(fr):
        return struct.pack(">I", 2) + split_eth(fr)[1]

    for name, link, fn in (("Linux cooked v1", 113, sll), ("Linux cooked v2", 276, sll2), ("raw IP", 101,
                           lambda fr: split_eth(fr)[1]), ("802.1ad + 802.1Q", 1, vlan), ("BSD null", 0, null_le),
                           ("OpenBSD loop", 108, loop_be)):
        path = P(f"link{link}.pcap")
        write_pcap(path, link, convert(recs1, fn))
        same_as_ref(name, path)

    # ---- IPv6 with extension headers ---------------------------------------------------------------
    def to_v6(fr, ext=True):
        t, ip = split_eth(fr)
        if t != 0x0800:
            return fr
        src, dst, proto, l4 = udp_of_ipv4(ip)
        if proto == 17:  # UDP checksum over the IPv6 pseudo header (tshark checks none by default)
            l4 = l4[:6] + b"\0\0" + l4[8:]
        nh, body = proto, l4
        if ext:  # Hop-by-Hop then Destination Options, each 8 octets with a PadN option
            padn = bytes([1, 4, 0, 0, 0, 0])
            body = struct.pack(">BB6s", 60, 0, padn) + struct.pack(">BB6s", nh, 0, padn) + l4
            nh = 0
        return eth(0x86DD, ipv6(v6addr(src), v6addr(dst), nh, body))

    write_pcap(P("v6.pcap"), 1, convert(recs1, to_v6))
    v6 = same_as_ref("IPv6 + Hop-by-Hop + Destination Options", P("v6.pcap"), addrs=False)
    check(all(m["src"].startswith("[2001:db8::") and m["src"].endswith("]:500") for m in v6), "IPv6: [addr]:port")

    # ---- IP fragments ------------------------------------------------------------------------------
    def frag4(ip, mtu, ident):
        src, dst, proto, l4 = udp_of_ipv4(ip)
        if 20 + len(l4) <= mtu:
            return [ip]
        step = (mtu - 20) // 8 * 8
        out = []
        for off in range(0, len(l4), step):
            more = off + step < len(l4)
            out.append(ipv4(src, dst, proto, l4[off:off + step], ident, (0x2000 if more else 0) | off // 8))
        return out

    def frag6(ip6, mtu, ident, dstopts_inside=False):
        """ip6: a whole IPv6 packet without extension headers."""
        nh, src, dst, payload = ip6[6], ip6[8:24], ip6[24:40], ip6[40:]
        if dstopts_inside:  # a Destination Options header in the fragmentable part
            payload = struct.pack(">BB6s", nh, 0, bytes([1, 4, 0, 0, 0, 0])) + payload
            nh = 60
        if 40 + len(payload) <= mtu:
            return [ip6]
        step = (mtu - 48) // 8 * 8
        out = []
        for off in range(0, len(payload), step):
            more = off + step < len(payload)
            fh = struct.pack(">BBHI", nh, 0, off | (1 if more else 0), ident)
            out.append(ipv6(src, dst, 44, fh + payload[off:off + step]))
        return out

    def fragmented(recs, mtu, v6, shuffle=True, dup=True):
        out, ident = [], 0x100
        for s, us, fr in recs:
            t, ip = split_eth(fr)
            if t != 0x0800:
                out.append((s, us, fr))
                continue
            ident += 1
            if v6:
                pk = frag6(split_eth(to_v6(fr, ext=False))[1], mtu, ident, dstopts_inside=ident % 2 == 0)
                frames = [eth(0x86DD, p) for p in pk]
            else:
                frames = [eth(0x0800, p) for p in frag4(ip, mtu, ident)]
            if len(frames) > 1:
                if shuffle and ident % 3 == 0:
                    frames = frames[1:] + frames[:1]  # first fragment last
                if dup and ident % 4 == 0:
                    frames.insert(1, frames[0])  # an exact duplicate
            out += [(s, us, f) for f in frames]
        return out

    for v6flag, mtu, name in ((False, 576, "IPv4 fragments (MTU 576)"), (True, 1280, "IPv6 fragments (MTU 1280)")):
        path = P(f"frag{int(v6flag)}.pcap")
        recs = fragmented(recs1, mtu, v6flag)
        write_pcap(path, 1, recs)
        got = same_as_ref(name, path, frames=False, addrs=not v6flag, tshark=False)
        check(any(m.get("ip_fragments", 0) >= 2 for m in got), f"{name}: some messages were IP-reassembled")
        check(all(m.get("ip_fragments", 0) in (0,) or m["ip_fragments"] >= 2 for m in got), f"{name}: fragment counts")
        if TSHARK:  # tshark reassembles too: it must show the same IKE messages
            n = tshark_count(path)
            check(n == len(ref1), f"{name}: tshark sees {n} IKE messages, {len(ref1)} expected")

    # ---- RFC 9329 TCP ------------------------------------------------------------------------------
    link3, recs3 = read_pcap(S3)
    i_addr = r_addr = None
    streams = {}  # (src, dst) -> [(rec index, bytes)]
    out = []
    for idx, (s, us, fr) in enumerate(recs3):
        t, ip = split_eth(fr)
        src, dst, proto, l4 = udp_of_ipv4(ip) if t == 0x0800 else (None, None, None, b"")
        if proto != 17 or struct.unpack(">H", l4[2:4])[0] != 4500:
            out.append((s, us, fr, None))
            continue
        pl = l4[8:]
        if i_addr is None:
            i_addr, r_addr = src, dst
        out.append((s, us, None, (src, dst, struct.pack(">H", len(pl) + 2) + pl)))
    seqs = {(i_addr, r_addr): 1000, (r_addr, i_addr): 50000}

    def tcp(src, dst, seq, flags, data):
        sp, dp = (40001, 4500) if src == i_addr else (4500, 40001)
        seg = struct.pack(">HHIIBBHHH", sp, dp, seq, 0, 5 << 4, flags, 65535, 0, 0) + data
        return eth(0x0800, ipv4(src, dst, 6, seg))

    tcp_recs = []
    first = next(x for x in out if x[3] is not None)
    s0, us0 = first[0], first[1]
    tcp_recs.append((s0, us0, tcp(i_addr, r_addr, 999, 0x02, b"")))
    tcp_recs.append((s0, us0, tcp(r_addr, i_addr, 49999, 0x12, b"")))
    started = False
    for n, (s, us, fr, seg) in enumerate(out):
        if seg is None:
            tcp_recs.append((s, us, fr))
            continue
        src, dst, data = seg
        if not started:
            data = b"IKETCP" + data
            started = True
        k = (src, dst)
        pieces, at = [], 0
        while at < len(data):
            step = rnd.randint(1, 700) if n % 2 else len(data)
            pieces.append((seqs[k] + at, data[at:at + step]))
            at += step
        seqs[k] += len(data)
        if len(pieces) >= 3 and n % 4 == 1:  # out of order: the second segment before the first
            pieces[0], pieces[1] = pieces[1], pieces[0]
        if len(pieces) >= 2 and n % 3 == 0:  # a retransmission that overlaps the next segment
            sq, d = pieces[0]
            pieces.insert(1, (sq, d + pieces[1][1][:3]))
        for sq, d in pieces:
            tcp_recs.append((s, us, tcp(src, dst, sq, 0x18, d)))
    path = P("tcp.pcap")
    write_pcap(path, 1, tcp_recs)
    rc, got = decode(path, T3)
    check(rc == 0 and bare(got) == bare(ref3), f"RFC 9329 TCP: same messages as s3 ({len(got)} vs {len(ref3)})")
    check(sum(1 for m in got if m.get("transport") == "tcp") == sum(1 for m in ref3 if m["dst"].endswith(":4500")),
          "RFC 9329 TCP: the port-4500 messages came over TCP")

    # ---- ML-KEM-1024 IKE_SA_INIT over a 1500-octet MTU ---------------------------------------------
    p = subprocess.run([GEN], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"gen_mlkem1024_init runs ({p.stderr[:200]})")
    init = bytes.fromhex(p.stdout.strip())
    check(len(init) + 28 > 1500, f"the ML-KEM-1024 IKE_SA_INIT ({len(init)} octets) does not fit 1500 octets")
    a, b = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 2])
    udp = struct.pack(">HHHH", 500, 500, 8 + len(init), 0) + init
    whole4 = ipv4(a, b, 17, udp, 0x4242, 0)
    f4 = [eth(0x0800, x) for x in frag4(whole4, 1500, 0x4242)]
    f6 = [eth(0x86DD, x) for x in frag6(ipv6(v6addr(a), v6addr(b), 17, udp), 1500, 0x4243)]
    check(len(f4) == 2 and len(f6) == 2 and all(len(x) <= 1514 for x in f4 + f6), "two fragments each, ≤ 1500 octets")
    write_pcap(P("mlkem1024_frag.pcap"), 1, [(1000, 0, f4[0]), (1000, 10, f4[1]), (1000, 20, f6[1]), (1000, 30, f6[0])])
    rc, got = decode(P("mlkem1024_frag.pcap"))
    check(rc == 0 and len(got) == 2, f"ML-KEM-1024 IKE_SA_INIT: one message per IP version ({len(got)})")
    for m, fr, src in zip(got, (2, 4), ("192.0.2.1:500", "[2001:db8:ffff::c000:201]:500")):
        ke = [x for x in m.get("payloads", []) if x["name"] == "KE"]
        check(m.get("exchange_name") == "IKE_SA_INIT" and m.get("ip_fragments") == 2 and m.get("frame") == fr,
              f"ML-KEM-1024 frame {fr}: IKE_SA_INIT reassembled from 2 fragments")
        check(ke and ke[0]["ke_method"] == 37 and ke[0]["data_len"] == 1568, f"ML-KEM-1024 frame {fr}: KE 1568 octets")
        check(m.get("src") == src, f"ML-KEM-1024 frame {fr}: source {m.get('src')}")
    if TSHARK:
        check(tshark_count(P("mlkem1024_frag.pcap")) == 2, "ML-KEM-1024: tshark reassembles both")
    rc, lines = decode(P("mlkem1024_frag.pcap"), fmt="summary")
    check(rc == 0 and len(lines) == 2 and all("IKE_SA_INIT MID=0 Initiator Request SA KE(ML-KEM-1024) Ni/Nr" in l and
                                              l.endswith("ipfrag=2") for l in lines), f"summary lines: {lines}")

    # ---- hostile fragments -------------------------------------------------------------------------
    def frag_pcap(name, frames, times=None):
        path = P(name)
        write_pcap(path, 1, [((times[i] if times else 1000), i, f) for i, f in enumerate(frames)])
        return decode(path)

    first4, second4 = f4[0], f4[1]
    # an overlapping fragment (other bytes at offset 1000) between the two: the datagram is dropped,
    # also when the genuine fragments come after it (RFC 5722)
    ip = split_eth(first4)[1]
    evil = eth(0x0800, ipv4(a, b, 17, bytes(64), 0x4242, 0x2000 | 125))
    rc, got = frag_pcap("overlap.pcap", [first4, evil, second4])
    check(rc == 0 and got == [], "overlapping fragment: the datagram is dropped")
    rc, got = frag_pcap("overlap2.pcap", [evil, first4, second4])
    check(rc == 0 and got == [], "overlap before the genuine fragments: dropped")
    rc, got = frag_pcap("dup.pcap", [first4, first4, second4, second4])
    check(rc == 0 and len(got) == 1, "exact duplicate fragments are ignored")
    past = eth(0x0800, ipv4(a, b, 17, bytes(8), 0x4242, 0x2000 | 400))
    rc, got = frag_pcap("past.pcap", [first4, second4[:0] + past, second4])
    check(rc == 0 and got == [], "a fragment past the last fragment's end: dropped")
    rc, got = frag_pcap("timeout.pcap", [first4, second4], times=[1000, 1200])
    check(rc == 0 and got == [], "fragments 200 s apart (capture time) time out")
    too_big = eth(0x0800, ipv4(a, b, 17, bytes(16), 0x4242, 8190))
    rc, got = frag_pcap("big.pcap", [first4, too_big, second4])
    check(rc == 0 and got == [], "a fragment ending past 65535 octets drops the datagram")
    flood = [eth(0x0800, ipv4(a, b, 17, bytes(8), i, 0x2000 | 1)) for i in range(2000)]
    rc, got = frag_pcap("flood.pcap", [first4] + flood[:10] + [second4] + flood[10:])
    check(rc == 0 and len(got) == 1, "a flood of incomplete datagrams after it does not lose a datagram in time")

    # ---- summary mode on the real capture --------------------------------------------------------
    rc, lines = decode(S1, T1, "summary")
    check(rc == 0 and len(lines) == len(ref1), "summary: one line per message")
    check(lines[0].split()[:3] == ["1", "0.000000", "10.99.0.1:500"] and "IKE_SA_INIT MID=0 Initiator Request SA" in lines[0],
          f"summary: first line {lines[0]!r}")
    opened = [l for l in lines if "SK{" in l]
    check(len(opened) > 10 and all(" keys=line " in l for l in opened), "summary: opened SK with its key table line")
    check(any("SKF(2/2) reassembled{KE(ML-KEM-768)" in l for l in lines), "summary: SKF reassembly shown")

print(f"captures: {checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
