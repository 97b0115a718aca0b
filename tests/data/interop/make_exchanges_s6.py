#!/usr/bin/env python3
"""Split the s6 scenario (RFC 8784 PPK) out of ../shared/interop/strongswan/exchanges.json.

Usage: make_exchanges_s6.py ../shared/interop/strongswan/exchanges.json > exchanges_s6.json

interop/exchanges.json keeps the s1/s3 scenarios only (tests/c/make_vectors.py flattens every
scenario's IKE_SA_INIT messages for the C ABI test, which counts them); the interop replay
merges this file's scenarios in (tests/interop/data.hpp). The scenario object is copied as is.
"""
import json, sys

src = json.load(open(sys.argv[1]))
name = "s6_ppk_rfc8784"
doc = {"source": "../shared/interop/strongswan/exchanges.json, scenario %s (strongSwan %s, commit %s)"
       % (name, src["strongswan"]["version"], src["strongswan"]["commit"]),
       "scenarios": {name: src["scenarios"][name]}}
json.dump(doc, sys.stdout, indent=1)
sys.stdout.write("\n")
