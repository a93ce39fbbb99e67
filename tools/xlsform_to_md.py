#!/usr/bin/env python3
"""Writes an XLSForm workbook as pyxform's Markdown tables, so the questionnaire can be read
(and diffed) as text: python3 tools/xlsform_to_md.py FORM.xlsx > FORM.md"""
import sys

import openpyxl


def cell(value):
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def main(path):
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        print(f"| {ws.title} |")
        for row in ws.iter_rows(values_only=True):
            if all(v is None for v in row):
                continue
            print("| | " + " | ".join(cell(v) for v in row) + " |")


if __name__ == "__main__":
    main(sys.argv[1])
