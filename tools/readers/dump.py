#!/usr/bin/env python3
"""Reads an SPSS or Stata file with an independent reader and prints what it found as JSON:
names, variable labels, value labels, missing codes, multiple-response sets and every value.
The export round-trip tests (crates/cli/tests/export_roundtrip.rs) compare it with the source.

usage: dump.py pyreadstat-sav|pyreadstat-dta|pandas-dta FILE
"""
import json
import math
import sys


def cell(v):
    if v is None:
        return None
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if hasattr(v, "item"):  # numpy scalars
        return cell(v.item())
    if type(v).__name__ == "StataMissingValue":
        return "NA" + v.string  # ".a" -> "NA.a"
    return v


def rows_of(df):
    return [[cell(v) for v in row] for row in df.itertuples(index=False, name=None)]


def pyreadstat_dump(kind, path):
    import pyreadstat

    if kind == "sav":
        df, meta = pyreadstat.read_sav(path, user_missing=True)
    else:
        df, meta = pyreadstat.read_dta(path, user_missing=True)
    rows = rows_of(df)
    # Stata's extended missing values come back as the letters 'a', 'b' in numeric columns.
    numeric = {c for c, t in meta.readstat_variable_types.items() if t != "string"}
    for row in rows:
        for j, c in enumerate(meta.column_names):
            if c in numeric and isinstance(row[j], str):
                row[j] = "NA." + row[j]
    missing = {}
    for name, ranges in (meta.missing_ranges or {}).items():
        missing[name] = sorted(r["lo"] for r in ranges)
    for name, values in (meta.missing_user_values or {}).items():
        missing.setdefault(name, []).extend(values)
    return {
        "names": meta.column_names,
        "labels": dict(zip(meta.column_names, [l or "" for l in meta.column_labels])),
        "value_labels": {
            name: {str(cell(k)): v for k, v in labels.items()} for name, labels in meta.variable_value_labels.items()
        },
        "missing": missing,
        "mr_sets": {
            name: {"label": s["label"], "counted_value": s["counted_value"], "variables": s["variable_list"]}
            for name, s in (getattr(meta, "mr_sets", None) or {}).items()
        },
        "file_label": meta.file_label or "",
        "rows": rows,
    }


def pandas_dump(path):
    import pandas as pd

    with pd.io.stata.StataReader(path) as reader:
        df = reader.read(convert_categoricals=False, convert_missing=True)
        labels = reader.variable_labels()
        value_labels = reader.value_labels()
        lbllist = getattr(reader, "_lbllist", None) or getattr(reader, "lbllist")
        label_names = dict(zip(df.columns, lbllist))
        data_label = reader.data_label
    return {
        "names": list(df.columns),
        "labels": labels,
        "value_labels": {
            name: {str(int(k)): v for k, v in value_labels.get(label_names[name], {}).items()}
            for name in df.columns
            if label_names.get(name)
        },
        "missing": {},
        "mr_sets": {},
        "file_label": data_label,
        "rows": rows_of(df),
    }


def main():
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "pyreadstat-sav":
        out = pyreadstat_dump("sav", path)
    elif kind == "pyreadstat-dta":
        out = pyreadstat_dump("dta", path)
    elif kind == "pandas-dta":
        out = pandas_dump(path)
    else:
        sys.exit("unknown reader " + kind)
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
