#!/usr/bin/env python3
"""Writes what pyxform (the reference XLSForm converter) reads from each corpus form: the
question and group paths with pyxform's type names, for Mamori's conformance test.

    pip install pyxform==4.5.0
    python3 tools/pyxform_expected.py ../shared/corpora/xlsform > crates/form/tests/data/pyxform-expected.json

The output is committed so the test suite needs no Python; rerun this when the corpus changes.
"""
import json
import os
import sys

import pyxform
from pyxform.xls2json import parse_file_to_json


def walk(node, path, out):
    for child in node.get("children", []):
        full = path + [child["name"]]
        if full[0] == "meta":  # pyxform adds meta/instanceID to every form; it is not a question
            continue
        out.append({"path": "/".join(full), "type": child["type"]})
        walk(child, full, out)


def main(corpus):
    verdicts = json.load(open(os.path.join(corpus, "pyxform-verdicts.json")))
    result = {"pyxform_version": pyxform.__version__, "forms": {}}
    for verdict in verdicts:
        if verdict["pyxform"] != "ok":
            continue
        form = parse_file_to_json(os.path.join(corpus, verdict["file"]))
        fields = []
        walk(form, [], fields)
        result["forms"][verdict["file"]] = fields
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
