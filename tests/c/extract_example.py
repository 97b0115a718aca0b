#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copy the ```c example block of docs/c-api.md into a .c file, so the documented example is
compiled and run by the tests (c_doc_example) and cannot rot. Usage: extract_example.py <md> <out.c> [block name]"""
import pathlib
import sys

text = pathlib.Path(sys.argv[1]).read_text().splitlines()
# An optional third argument names another block ("```c example-escape"); each is a program.
start = text.index("```c " + (sys.argv[3] if len(sys.argv) > 3 else "example")) + 1
end = text.index("```", start)
pathlib.Path(sys.argv[2]).write_text(
    "// Generated from docs/c-api.md by tests/c/extract_example.py; edit the document.\n"
    + "\n".join(text[start:end]) + "\n")
