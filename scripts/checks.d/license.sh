#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# License check: LICENSE is the MIT text and every tracked source file carries its SPDX line.
set -uo pipefail
cd "$(dirname "$0")/../.."
grep -q '^MIT License$' LICENSE || { echo "LICENSE is missing or not the MIT text"; exit 1; }
python3 scripts/spdx.py
