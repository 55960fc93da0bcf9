#!/usr/bin/env python3
"""A corpus through its JSON schema (python3-jsonschema), so the schema and the
C validator that test_<thing> runs over the same files agree:

    schema_corpus.py SCHEMA.json CORPUS_DIR

valid/*.json must validate and invalid/*.json must not, except the cases only
the C validator can express, listed with the reason in CORPUS_DIR/c_only.json
({"case name": "why"}; absent: none)."""
import json, pathlib, sys
import jsonschema

schema = json.load(open(sys.argv[1]))
corpus = pathlib.Path(sys.argv[2])
c_only_file = corpus / "c_only.json"
c_only = json.load(open(c_only_file)) if c_only_file.exists() else {}
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for f in sorted((corpus / "valid").glob("*.json")):
    errs = list(v.iter_errors(json.load(open(f))))
    if errs:
        print(f"FAIL {f.name}: the schema refuses a valid document: {errs[0].message}"); bad += 1
for f in sorted((corpus / "invalid").glob("*.json")):
    try:
        doc = json.loads(f.read_text(), object_pairs_hook=lambda kv: (
            (_ for _ in ()).throw(ValueError("duplicate")) if len({k for k, _ in kv}) != len(kv) else dict(kv)))
    except (ValueError, RecursionError):
        continue  # not JSON (or duplicate keys): nothing for the schema to say
    if v.is_valid(doc) and f.stem not in c_only:
        print(f"FAIL {f.name}: the schema accepts an invalid document"); bad += 1
for name in c_only:
    if not (corpus / "invalid" / f"{name}.json").exists():
        print(f"FAIL c_only.json names {name}, which is not in invalid/"); bad += 1
print(f"{corpus.name} schema corpus: {bad} failures")
sys.exit(1 if bad else 0)
