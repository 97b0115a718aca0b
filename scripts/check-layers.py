#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The structure check: every header under include/pqike/ belongs to a layer (its directory) and
may include only headers of the layers docs/ARCHITECTURE.md ("Layers") allows below it.

  scripts/check-layers.py           check; prints each violation and a per-layer summary
  scripts/check-layers.py --list    also list every header with its pqike includes

Exit status 1 on any violation, on a header in no known layer, or on an include that does not
resolve to a file.
"""
import pathlib
import re
import sys

# layer -> the layers it may include (besides itself). Keep in step with ARCHITECTURE.md.
ALLOWED = {
    "core": set(),                                       # version, config, result, bytes, secret
    "policy": {"core"},                                  # the concepts users implement
    "wire": {"core", "policy"},                          # IKEv2 codec and IANA registries
    "crypto": {"core", "policy"},                        # reference implementations only
    "kex": {"core", "policy", "wire"},                   # key exchange methods, negotiation
    "keys": {"core", "policy", "wire"},                  # key schedule
    "escape": {"core", "policy", "wire", "keys"},        # the escape message and its engines
    # sans-I/O exchange helpers; crypto only for NAT detection's SHA-1 (RFC 7296 §2.23, public
    # values; a suite may name its own nat_hash)
    "exchange": {"core", "policy", "wire", "kex", "keys", "crypto"},
    "tools": {"core", "policy", "wire", "keys"},         # hex, pcap, Wireshark export: not protocol
    "adapters": {"core", "policy", "wire"},              # optional OpenSSL 3 policies
    "c": set(),                                          # the C ABI header (C11, self-contained)
}
UMBRELLAS = {"pqike.hpp"}          # include everything on purpose
TOP_LEVEL = {"version.hpp": "core", "config.hpp": "core", "result.hpp": "core",
             "bytes.hpp": "core", "secret.hpp": "core", "policy.hpp": "policy"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    parts = rel.parts
    if len(parts) == 1:
        return "umbrella" if parts[0] in UMBRELLAS else TOP_LEVEL.get(parts[0])
    return parts[0] if parts[0] in ALLOWED else None


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "include" / "pqike"
    listing = "--list" in sys.argv[1:]
    problems = []
    lines_per_layer = {}
    headers = sorted(p for p in root.rglob("*") if p.suffix in (".hpp", ".h"))
    for path in headers:
        rel = path.relative_to(root)
        layer = layer_of(rel)
        text = path.read_text(encoding="utf-8")
        if layer is None:
            problems.append(f"{rel}: in no layer (add its directory to ALLOWED and ARCHITECTURE.md)")
            continue
        count, biggest = lines_per_layer.get(layer, (0, (0, "")))
        n = text.count("\n")
        lines_per_layer[layer] = (count + n, max(biggest, (n, str(rel))))
        targets = []
        for inc in INCLUDE.findall(text):
            target = (path.parent / inc).resolve()
            if not target.is_file():
                problems.append(f"{rel}: #include \"{inc}\" does not resolve")
                continue
            trel = target.relative_to(root)
            tlayer = layer_of(trel)
            targets.append(f"{trel} [{tlayer}]")
            if layer == "umbrella" or tlayer == layer:
                continue
            if tlayer == "umbrella" or tlayer not in ALLOWED.get(layer, set()):
                problems.append(f"{rel} [{layer}] includes {trel} [{tlayer}]: not allowed")
        if listing:
            print(f"{rel} [{layer}]: {', '.join(targets) or '-'}")
    for p in problems:
        print("layers:", p)
    print("layers: lines per layer (largest header):")
    for layer, (n, (big, name)) in sorted(lines_per_layer.items()):
        print(f"  {layer:9} {n:6}  ({name}, {big})")
    print(f"layers: {len(headers)} headers, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
