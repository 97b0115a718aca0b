#!/bin/bash
# SPDX-License-Identifier: MIT
# Makes docs/wireshark-escape.png headless: Wireshark's GUI under Xvfb with tools/wireshark/pqike.lua
# loaded on the migration demo's capture, the ESCAPE (frame 7) selected and the plugin's tree
# expanded. Needs wireshark-qt, xvfb, xauth, xdotool, imagemagick (Debian).
# Usage: tools/wireshark/screenshot.sh MIGRATION.PCAP IKEV2_DECRYPTION_TABLE OUT.PNG
#   (the pcap and table are what `cmake --workflow --preset demo` writes to build/demo/)
set -eu
if [ "${1:-}" != "--inside" ]; then
  pcap=$(realpath "$1"); table=$(realpath "$2"); out=$(realpath -m "$3")
  exec xvfb-run -a -s "-screen 0 1400x1300x24" bash "$0" --inside "$pcap" "$table" "$out"
fi
pcap=$2; table=$3; out=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work WIRESHARK_CONFIG_DIR=$work/conf XDG_RUNTIME_DIR=$work
mkdir -p "$WIRESHARK_CONFIG_DIR"
cp "$table" "$WIRESHARK_CONFIG_DIR/ikev2_decryption_table"   # the demo's keys: INFORMATIONALs decrypted
cat > "$WIRESHARK_CONFIG_DIR/recent_common" <<'RECENT'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1400
gui.geometry_main_height: 1300
gui.geometry_main_maximized: FALSE
RECENT
wireshark -X "lua_script:$here/pqike.lua" -r "$pcap" -g 7 -o gui.layout_content_3:NONE \
  -o gui.ask_unsaved:FALSE -o gui.update.enabled:FALSE >"$work/wireshark.log" 2>&1 &
pid=$!
sleep 12
# Click a row of the packet details, go to its last top-level item (pqike), expand its subtrees.
xdotool mousemove 300 745 click 1
sleep 1
xdotool key End
sleep 0.5
xdotool key shift+Right
sleep 2
import -window root "$out"
kill "$pid"
