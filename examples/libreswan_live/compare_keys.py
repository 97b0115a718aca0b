#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Compares every Child SA key lsw_peer printed with the key pluto handed to the kernel (the XFRM
# shim's log): "i" keys protect initiator-to-responder traffic, so encr_i belongs to the SA with
# the responder's SPI and encr_r to the one with the initiator's (RFC 7296 §2.17).
#   compare_keys.py [OUT dir, default /tmp/lsw/out]
import glob, re, sys

out = sys.argv[1] if len(sys.argv) > 1 else '/tmp/lsw/out'
bad = 0
for peer in sorted(glob.glob(f'{out}/*.peer.log')):
    base = peer[:-len('.peer.log')]
    try:
        shim = open(base + '.shim.log').read()
    except OSError:
        continue
    kernel = {m.group(1): m.group(2) for m in
              re.finditer(r'SA spi=0x([0-9a-f]{8}) .*?(?:aead|encr)=\S+ (?:icv=\d+ )?key=([0-9a-f]+)', shim)}
    res = []
    for m in re.finditer(r'child (\S+) SPIi ([0-9a-f]{8}) SPIr ([0-9a-f]{8}).*\n  encr_i ([0-9a-f]+)\n  encr_r ([0-9a-f]+)',
                         open(peer).read()):
        what, si, sr, ei, er = m.groups()
        ok = kernel.get(sr) == ei and kernel.get(si) == er
        bad += not ok
        res.append(f"{what}:{'equal' if ok else 'DIFFERENT'}")
    print(base.split('/')[-1], ' '.join(res) or '(no Child SA)')
sys.exit(1 if bad else 0)
