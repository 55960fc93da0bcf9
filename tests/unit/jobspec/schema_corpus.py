#!/usr/bin/env python3
"""The job corpus through schemas/job.schema.json (python3-jsonschema):
valid/*.json must validate, invalid/*.json must not (except the few cases only
the C validator can express, listed in C_ONLY with the reason)."""
import json, pathlib, sys
import jsonschema

# Rules the schema cannot state exactly; the C validator (test_jobspec) covers them.
C_ONLY = {
    "egress_bad_host": "hostname syntax is checked in C",
    "egress_port": "hostname syntax is checked in C",
    "egress_wild_tld": "hostname syntax is checked in C",
    "egress_wild_middle": "hostname syntax is checked in C",
    "egress_bad_ip": "IP literal syntax is checked in C",
    "egress_dup": "case-insensitive duplicates are found in C",
    "egress_label_dash": "hostname syntax is checked in C",
    "timeout_real": "JSON Schema treats 10.0 as an integer; C refuses it",
    "min_isolation_above_driver": "driver against policy.min_isolation is checked in C",
}

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
corpus = pathlib.Path(sys.argv[2])
bad = 0
for f in sorted((corpus / "valid").glob("*.json")):
    errs = list(v.iter_errors(json.load(open(f))))
    if errs:
        print(f"FAIL {f.name}: schema rejects a valid job: {errs[0].message}"); bad += 1
for f in sorted((corpus / "invalid").glob("*.json")):
    try:
        doc = json.loads(f.read_text(), object_pairs_hook=lambda kv: (
            (_ for _ in ()).throw(ValueError("duplicate")) if len({k for k, _ in kv}) != len(kv) else dict(kv)))
    except (ValueError, RecursionError):
        continue  # not JSON (or duplicate keys): nothing for the schema to say
    ok = v.is_valid(doc)
    if ok and f.stem not in C_ONLY:
        print(f"FAIL {f.name}: schema accepts an invalid job"); bad += 1
print(f"schema corpus: {bad} failures")
sys.exit(1 if bad else 0)
