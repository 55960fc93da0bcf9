#!/usr/bin/env python3
"""tests/corpus/environments through schemas/environment.schema.json
(python3-jsonschema): valid/*.json must validate, invalid/*.json must not, so
the schema and the C validator (test_envspec) agree on every case."""
import json, pathlib, sys
import jsonschema

# Rules the schema cannot state (none today); the C validator covers them.
C_ONLY = {}
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
corpus = pathlib.Path(sys.argv[2])
bad = 0
for f in sorted((corpus / "valid").glob("*.json")):
    errs = list(v.iter_errors(json.load(open(f))))
    if errs:
        print(f"FAIL {f.name}: schema rejects a valid environment: {errs[0].message}"); bad += 1
for f in sorted((corpus / "invalid").glob("*.json")):
    if v.is_valid(json.load(open(f))) and f.stem not in C_ONLY:
        print(f"FAIL {f.name}: schema accepts an invalid environment"); bad += 1
print(f"environment schema corpus: {bad} failures")
sys.exit(1 if bad else 0)
