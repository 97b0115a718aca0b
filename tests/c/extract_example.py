#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copy the ```c example block of docs/c-api.md into a .c file, so the documented example is
compiled and run by the tests (c_doc_example) and cannot rot. Usage: extract_example.py <md> <out.c>"""
import pathlib
import sys

text = pathlib.Path(sys.argv[1]).read_text().splitlines()
start = text.index("```c example") + 1
end = text.index("```", start)
pathlib.Path(sys.argv[2]).write_text(
    "// Generated from docs/c-api.md by tests/c/extract_example.py; edit the document.\n"
    + "\n".join(text[start:end]) + "\n")
