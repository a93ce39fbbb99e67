#!/usr/bin/env python3
"""pyxform's verdicts on the real-world corpus (fixtures/xlsform-real): which forms it converts
(without ODK Validate, which needs Java), with which question types, and the question and group
paths it reads. See fixtures/xlsform-real/SOURCES.md.

    /tmp/px/bin/python tools/real_corpus_verdicts.py fixtures/xlsform-real
"""
import json
import os
import sys

import pyxform
from pyxform.xls2json import parse_file_to_json
from pyxform.builder import create_survey_element_from_dict

def walk(node, path, out):
    for child in node.get("children", []):
        full = path + [child["name"]]
        if full[0] == "meta":
            continue
        out.append({"path": "/".join(full), "type": child["type"]})
        walk(child, full, out)

corpus = sys.argv[1]
verdicts, expected = [], {}
for f in sorted(os.listdir(corpus)):
    if not f.lower().endswith((".xls", ".xlsx")):
        continue
    path = os.path.join(corpus, f)
    try:
        d = parse_file_to_json(path)
        survey = create_survey_element_from_dict(d)
        survey.to_xml(validate=False)  # the whole conversion, as xls2xform does (ODK Validate needs Java)
        fields = []
        walk(d, [], fields)
        verdicts.append({"file": f, "pyxform": "ok", "types": sorted({x["type"] for x in fields}), "fields": len(fields)})
        expected[f] = fields
    except Exception as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        verdicts.append({"file": f, "pyxform": "error", "error": msg[:300]})
json.dump(verdicts, open(os.path.join(corpus, "pyxform-verdicts.json"), "w"), indent=1, ensure_ascii=False)
json.dump({"pyxform_version": pyxform.__version__, "forms": expected}, open(os.path.join(corpus, "pyxform-expected.json"), "w"), indent=1, ensure_ascii=False, sort_keys=True)
print(sum(v["pyxform"] == "ok" for v in verdicts), "ok of", len(verdicts))
