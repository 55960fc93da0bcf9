#!/usr/bin/env python3
"""validate.py FILE [MIN_RESULTS]: FILE is a SARIF log valid against the vendored
SARIF 2.1.0 schema (draft-04, with format checks) and has at least MIN_RESULTS
results in its run. Exit 0, or 1 naming the first problems."""
import json
import pathlib
import sys

import jsonschema

schema = json.load(open(pathlib.Path(__file__).with_name("sarif-schema-2.1.0.json")))
doc = json.load(open(sys.argv[1]))
v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
for e in errors[:5]:
    print(f"SARIF invalid at {list(e.path)}: {e.message}")
want = int(sys.argv[2]) if len(sys.argv) > 2 else 0
got = len(doc["runs"][0]["results"])
if got < want:
    print(f"{got} results, expected at least {want}")
sys.exit(1 if errors or got < want else 0)
