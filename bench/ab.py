#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Side-by-side timing of Google Benchmark executables on a shared machine: runs each binary in
# turn (interleaved rounds, so a change in the machine's load hits all of them alike) and prints
# the median and minimum CPU time per benchmark and binary, with the 1-minute load average
# before and after every round.
#   bench/ab.py ROUNDS FILTER label=binary [label=binary ...]
import re
import statistics
import subprocess
import sys

UNIT = {"ns": 1.0, "us": 1e3, "ms": 1e6}


def load():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__ or "usage: ab.py ROUNDS FILTER label=binary ...")
    rounds, filt = int(sys.argv[1]), sys.argv[2]
    bins = [a.split("=", 1) for a in sys.argv[3:]]
    times = {}
    loads = [load()]
    for _ in range(rounds):
        for label, exe in bins:
            out = subprocess.run([exe, "--benchmark_filter=" + filt, "--benchmark_min_time=0.2"],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines():
                m = re.match(r"(\S+)\s+[\d.]+ (?:ns|us|ms)\s+([\d.]+) (ns|us|ms)", line)
                if m:
                    times.setdefault(m.group(1), {}).setdefault(label, []).append(
                        float(m.group(2)) * UNIT[m.group(3)])
        loads.append(load())
    print("load average (1 min) per round:", " ".join(loads))
    print(f"{'benchmark':40s} {'binary':16s} {'median ns':>10s} {'min ns':>10s}")
    for name, per in times.items():
        for label, _ in bins:
            v = per.get(label)
            if v:
                print(f"{name:40s} {label:16s} {statistics.median(v):10.1f} {min(v):10.1f}")


if __name__ == "__main__":
    main()
