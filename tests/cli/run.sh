#!/bin/bash
# SPDX-License-Identifier: MIT
# Drives every subcommand of the built `pqike` CLI against known answers and bad input.
# Usage: tests/cli/run.sh PATH/TO/pqike SOURCE_DIR [PATH/TO/migration]   (ctest `cli_pqike`)
# With the migration demo, the CLI also decodes the demo's pcap with the table the demo wrote.
set -eu
bin=${1:?usage: run.sh PQIKE_BINARY SOURCE_DIR}
src=${2:?usage: run.sh PQIKE_BINARY SOURCE_DIR}
exec python3 "$src/tests/cli/check_cli.py" "$bin" "$src" ${3:+"$3"}
