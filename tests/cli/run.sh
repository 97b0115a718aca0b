#!/bin/bash
# SPDX-License-Identifier: MIT
# Drives every subcommand of the built `pqike` CLI against known answers and bad input, then
# checks the Wireshark plugin (tools/wireshark/pqike.lua) with tshark on the demo's capture.
# Usage: tests/cli/run.sh PATH/TO/pqike SOURCE_DIR [PATH/TO/migration]   (ctest `cli_pqike`)
# With the migration demo, the CLI also decodes the demo's pcap with the table the demo wrote.
# Exit status: 1 if any check failed; 77 (a skip, never a pass) if the CLI checks passed but the
# plugin could not be checked (no tshark, or no demo binary); 0 when everything ran and passed.
set -u
bin=${1:?usage: run.sh PQIKE_BINARY SOURCE_DIR [MIGRATION_BINARY]}
src=${2:?usage: run.sh PQIKE_BINARY SOURCE_DIR [MIGRATION_BINARY]}
python3 "$src/tests/cli/check_cli.py" "$bin" "$src" ${3:+"$3"} || exit 1
python3 "$src/tests/cli/check_wireshark.py" "$src" "${3:-}"
rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || exit 1
exit "$rc"
