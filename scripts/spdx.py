#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every source file in the tree carries an SPDX line (LICENSE, README "License").

  scripts/spdx.py          check: list the tracked source files without one, exit 1 if any
  scripts/spdx.py --fix    add "SPDX-License-Identifier: MIT" in the file's comment syntax

The line must appear in the first five lines (after a shebang if there is one), as REUSE and
`licensecheck` look for it there.
"""
import pathlib
import re
import subprocess
import sys

TAG = "SPDX-License-Identifier: MIT"
COMMENT = {  # comment leader by file name pattern
    r"\.(hpp|cpp|h|c)$": "//",
    r"\.lua$": "--",
    r"(\.(py|sh|cmake|in|yaml)|CMakeLists\.txt|meson\.build|meson_options\.txt|Dockerfile|\.ci/run)$": "#",
}
SKIP = re.compile(r"^(fuzz/corpus/|tests/data/|fuzz/dict/)")


def leader(path):
    for pattern, lead in COMMENT.items():
        if re.search(pattern, path):
            return lead
    return None


def main():
    fix = "--fix" in sys.argv[1:]
    root = pathlib.Path(__file__).resolve().parent.parent
    files = subprocess.run(["git", "ls-files"], cwd=root, check=True, capture_output=True,
                           text=True).stdout.split("\n")
    missing = []
    checked = 0
    for rel in filter(None, files):
        lead = leader(rel)
        if lead is None or SKIP.match(rel):
            continue
        path = root / rel
        if not path.exists():
            continue
        checked += 1
        lines = path.read_text(encoding="utf-8").split("\n")
        if any(TAG in line for line in lines[:6]):
            continue
        if not fix:
            missing.append(rel)
            continue
        at = 1 if lines and lines[0].startswith("#!") else 0
        lines.insert(at, f"{lead} {TAG}")
        path.write_text("\n".join(lines), encoding="utf-8")
    for rel in missing:
        print(f"spdx: {rel}: no '{TAG}' line in its first lines")
    print(f"spdx: {checked} source files, {len(missing)} without an SPDX line")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
