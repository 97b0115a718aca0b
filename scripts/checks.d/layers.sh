#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Structure check: no header includes across the layer order of docs/ARCHITECTURE.md ("Layers").
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/check-layers.py
