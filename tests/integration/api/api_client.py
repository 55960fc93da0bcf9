#!/usr/bin/env python3
"""A real HTTP client (python3 http.client) against airlockd's HTTP API, driven
by test_api.c which starts PostgreSQL, airlockd (with api_endpoint) and a
worker. Usage: api_client.py CONFIG.json SCENARIO; exit 0 when every check
held, else a message naming the failed check.

CONFIG: {"base": "http://127.0.0.1:PORT", "repo": PATH, "schema": SARIF_SCHEMA,
         "tokens": {"bot": ..., "reader": ..., "other": ..., "revoked": ..., "metrics": ..., "auditor": ...},
         "tenant_repos": PATH (airlockd's setting; the tenants scenario rewrites it)}
"""
import http.client
import json
import os
import sys
import urllib.parse

import jsonschema

CFG = json.load(open(sys.argv[1]))
URL = urllib.parse.urlparse(CFG["base"])
TIMEOUT = 300


def check(cond, what, *ctx):
    if not cond:
        raise SystemExit("FAILED: " + what + ("" if not ctx else " -- " + " | ".join(map(str, ctx))))


def conn():
    return http.client.HTTPConnection(URL.hostname, URL.port, timeout=TIMEOUT)


def call(method, path, token=None, body=None, headers=None, raw=False):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + CFG["tokens"].get(token, token)
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    c = conn()
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    if raw:
        return r, data
    return r, (json.loads(data) if data and r.getheader("Content-Type", "").endswith("json") else data)


def job(test="python3 test_calc.py", **extra):
    j = {"repo": CFG["repo"], "base": "HEAD", "test": test, "policy": {"analyzers": []},
         "labels": {"via": "http"}}
    j.update(extra)
    return j


def submit(token="bot", body=None, headers=None, want=201):
    r, b = call("POST", "/v1/jobs", token, body if body is not None else job(), headers)
    check(r.status == want, f"POST /v1/jobs status {r.status}, expected {want}", b)
    return r, b


def sse_iter(resp):
    """Yields (id, event, data) from an open text/event-stream response."""
    cur = {}
    while True:
        line = resp.readline()
        if not line:
            return
        line = line.decode().rstrip("\n")
        if line == "":
            if "event" in cur:
                yield cur.get("id"), cur["event"], json.loads(cur.get("data", "null"))
            cur = {}
        elif not line.startswith(":"):
            k, _, v = line.partition(":")
            cur[k] = v[1:] if v.startswith(" ") else v


def open_events(job_id, token="bot", last_id=None, query=""):
    h = {"Authorization": "Bearer " + CFG["tokens"][token], "Accept": "text/event-stream"}
    if last_id is not None:
        h["Last-Event-ID"] = str(last_id)
    c = conn()
    c.request("GET", f"/v1/jobs/{job_id}/events{query}", headers=h)
    r = c.getresponse()
    check(r.status == 200, f"events status {r.status}", r.read() if r.status != 200 else "")
    check(r.getheader("Content-Type", "").startswith("text/event-stream"), "events content type")
    return c, r


def events(job_id, token="bot", last_id=None, query=""):
    """Reads the SSE stream to its end; returns [(id, event, data)]."""
    c, r = open_events(job_id, token, last_id, query)
    out = list(sse_iter(r))
    c.close()
    check(out and out[-1][1] == "result", "stream ends with a result event", out[-3:])
    return out


def sarif_valid(doc):
    schema = json.load(open(CFG["schema"]))
    v = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    check(not errors, "SARIF valid against the 2.1.0 schema",
          *[f"{list(e.path)}: {e.message}" for e in errors[:5]])


def get_sarif(job_id, token="bot"):
    r, data = call("GET", f"/v1/jobs/{job_id}/sarif", token, raw=True)
    check(r.status == 200, f"sarif status {r.status}", data)
    check(r.getheader("Content-Type") == "application/sarif+json", "sarif content type")
    doc = json.loads(data)
    sarif_valid(doc)
    return doc


AWS_PATCH = ('diff --git a/creds.py b/creds.py\nnew file mode 100644\n--- /dev/null\n+++ b/creds.py\n'
             '@@ -0,0 +1,2 @@\n+AWS_ACCESS_KEY_ID = "AKIAZ7Q3MPLR4TXW2KVN"\n'
             '+AWS_SECRET_ACCESS_KEY = "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"\n')


def many_keys_patch(n):
    lines = []
    for i in range(n):
        key = "AKIA" + "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[(i * 7 + k * 3) % 32] for k in range(16))
        lines.append(f'+KEY_{i} = "{key}"\n')
    return (f"diff --git a/keys.py b/keys.py\nnew file mode 100644\n--- /dev/null\n+++ b/keys.py\n"
            f"@@ -0,0 +1,{n} @@\n" + "".join(lines))


def scenario_flow():
    r, b = call("GET", "/healthz")
    check(r.status == 200 and b["status"] == "ok", "healthz", b)
    r, b = submit()
    jid = b["job_id"]
    check(r.getheader("Location") == f"/v1/jobs/{jid}", "Location header", r.getheader("Location"))
    check(b["existing"] is False and b["links"]["events"] == f"/v1/jobs/{jid}/events", "submit body", b)
    r, g = call("GET", f"/v1/jobs/{jid}", "bot")
    check(r.status == 200 and g["job_id"] == jid and g["labels"] == {"via": "http"}, "GET job", g)
    ev = events(jid)
    result = ev[-1][2]
    check(result["verdict"] == "accepted", "verdict accepted", result)
    ids = [int(e[0]) for e in ev if e[0] is not None]
    check(len(ids) >= 4 and ids == sorted(ids) and len(set(ids)) == len(ids), "ids increase", ids)
    kinds = {e[1] for e in ev}
    check({"stage.start", "stage.end"} <= kinds, "stage events streamed", kinds)
    mid = ids[len(ids) // 2]
    again = events(jid, last_id=mid)
    again_ids = [int(e[0]) for e in again if e[0] is not None]
    check(again_ids == [i for i in ids if i > mid], "Last-Event-ID resumes after the id", mid, again_ids)
    after = events(jid, query=f"?after={mid}")
    check([int(e[0]) for e in after if e[0] is not None] == again_ids, "?after= resumes too")
    r, g = call("GET", f"/v1/jobs/{jid}", "bot")
    check(g["state"] == "finished" and g["verdict"] == "accepted" and g["finished_at"], "finished job", g)
    doc = get_sarif(jid)
    run = doc["runs"][0]
    check(run["properties"]["verdict"] == "accepted" and run["properties"]["job_id"] == jid, "run properties",
          run["properties"])
    check(run["results"] == [], "no results for a clean job", run["results"])
    # rejected: a leaked key, found by the secrets analyzer
    r, b = submit(body=job(patch=AWS_PATCH, policy={"analyzers": ["secrets"]}))
    rid = b["job_id"]
    check(events(rid)[-1][2]["verdict"] == "rejected", "leaked key rejected")
    doc = get_sarif(rid)
    run = doc["runs"][0]
    check(run["properties"]["verdict"] == "rejected", "verdict in run properties", run["properties"])
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    check("secrets.aws_access_key" in rules, "rule listed", list(rules))
    rule = rules["secrets.aws_access_key"]
    check(rule["help"]["text"] and rule["shortDescription"]["text"] and rule["name"], "rule has help", rule)
    hits = [x for x in run["results"] if x["ruleId"] == "secrets.aws_access_key"]
    check(hits, "result for the key", run["results"])
    loc = hits[0]["locations"][0]["physicalLocation"]
    check(loc["artifactLocation"]["uri"] == "creds.py" and loc["region"]["startLine"] == 1, "location", loc)
    check(hits[0]["level"] == "error" and run["tool"]["driver"]["rules"][hits[0]["ruleIndex"]]["id"]
          == "secrets.aws_access_key", "level and ruleIndex", hits[0])
    r, checks = call("GET", f"/v1/jobs/{rid}/checks", "bot")
    check(r.status == 200 and checks[0]["conclusion"] == "failure" and checks[0]["status"] == "completed",
          "check run conclusion", checks[0])
    anns = checks[0]["output"]["annotations"]
    check(anns and anns[0]["path"] == "creds.py" and anns[0]["annotation_level"] == "failure", "annotation", anns)
    print("flow ok", jid, rid)


def scenario_checks_pages():
    r, b = submit(body=job(patch=many_keys_patch(60), policy={"analyzers": ["secrets"]}))
    jid = b["job_id"]
    check(events(jid)[-1][2]["verdict"] == "rejected", "many keys rejected")
    doc = get_sarif(jid)
    located = [x for x in doc["runs"][0]["results"] if x.get("locations")]
    r, reqs = call("GET", f"/v1/jobs/{jid}/checks", "bot")
    counts = [len(q["output"]["annotations"]) for q in reqs]
    check(all(c <= 50 for c in counts), "at most 50 annotations per request", counts)
    check(sum(counts) == len(located) and len(located) > 50 and len(reqs) >= 2, "pages cover every result",
          counts, len(located))
    check("conclusion" in reqs[0] and all(set(q) == {"output"} for q in reqs[1:]), "create then updates")
    print("checks pages", counts)


def scenario_auth():
    r, b = call("GET", "/v1/jobs/x")
    check(r.status == 401 and "Bearer" in (r.getheader("WWW-Authenticate") or ""), "no token: 401", r.status)
    r, b = call("GET", "/v1/jobs/x", "not-a-valid-token-at-all")
    check(r.status == 401 and b["error"]["code"] == "unauthorized", "wrong token: 401", b)
    r, b = call("POST", "/v1/jobs", "reader", job())
    check(r.status == 403 and "submit" in b["error"]["message"], "read-only token cannot submit: 403", b)
    r, b = call("GET", "/v1/jobs/x", "revoked")
    check(r.status == 401, "token of a revoked identity: 401", r.status, b)
    r, b = submit()
    jid = b["job_id"]
    r, b = call("GET", f"/v1/jobs/{jid}", "reader")
    check(r.status == 200, "same tenant may read", r.status, b)
    r, b = call("GET", f"/v1/jobs/{jid}", "other")
    check(r.status == 404, "other tenant sees nothing: 404", r.status, b)
    r, b = call("POST", f"/v1/jobs/{jid}/cancel", "reader")
    check(r.status == 403, "read-only token cannot cancel: 403", r.status)
    r, b = call("GET", f"/v1/jobs/{jid}/sarif", "other")
    check(r.status == 404, "other tenant gets no SARIF", r.status)
    events(jid)
    print("auth ok")


def scenario_errors():
    r, b = call("POST", "/v1/jobs", "bot", "{", {"Content-Type": "application/json"})
    check(r.status == 400 and b["error"]["code"] == "invalid_job" and "invalid JSON" in b["error"]["message"]
          and "field" not in b["error"], "malformed JSON: 400", b)
    bad = job(policy={"limits": {"timeout_s": 0}})
    r, b = call("POST", "/v1/jobs", "bot", bad)
    check(r.status == 400 and b["error"]["field"] == "policy.limits.timeout_s", "bad value names the field", b)
    bad = job()
    bad["polcy"] = {}
    r, b = call("POST", "/v1/jobs", "bot", bad)
    check(r.status == 400 and b["error"]["field"] == "polcy", "unknown field named", b)
    bad = job()
    del bad["test"]
    r, b = call("POST", "/v1/jobs", "bot", bad)
    check(r.status == 400 and b["error"]["field"] == "test", "missing field named", b)
    r, b = call("POST", "/v1/jobs", "bot", "x=1", {"Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 415, "wrong content type: 415", r.status)
    big = json.dumps(job(patch="x" * (1200 * 1024)))
    r, b = call("POST", "/v1/jobs", "bot", big, {"Content-Type": "application/json"})
    check(r.status == 413 and b["error"]["code"] == "too_large", "oversize body: 413", r.status, b)
    c = conn()   # the same without Content-Length (chunked): read, dropped, 413
    c.request("POST", "/v1/jobs", body=iter([big[:600000].encode(), big[600000:].encode()]),
              headers={"Authorization": "Bearer " + CFG["tokens"]["bot"], "Content-Type": "application/json"},
              encode_chunked=True)
    r = c.getresponse()
    check(r.status == 413, "oversize chunked body: 413", r.status)
    r.read()
    c.close()
    r, b = call("GET", "/v1/nothing", "bot")
    check(r.status == 404, "unknown path: 404", r.status)
    r, b = call("PUT", "/v1/jobs", "bot", job())
    check(r.status == 405 and r.getheader("Allow") == "POST", "wrong method: 405", r.status)
    # idempotency, scoped to the tenant
    k = {"Idempotency-Key": "pr-42-head-abc"}
    r1, b1 = submit(headers=k)
    r2, b2 = submit(headers=k, want=200)
    check(b1["job_id"] == b2["job_id"] and b2["existing"] is True, "same key, same job", b1, b2)
    r, b = call("POST", "/v1/jobs", "bot", job(test="python3 -c 1"), k)
    check(r.status == 409 and b["error"]["code"] == "idempotency_conflict", "same key, other job: 409", b)
    r, b = call("POST", "/v1/jobs", "other", job(), k)
    check(r.status == 201 and b["job_id"] != b1["job_id"], "another tenant's key space", b)
    r, b = call("POST", "/v1/jobs", "bot", job(), {"Idempotency-Key": "has space"})
    check(r.status == 400 and b["error"]["field"] == "Idempotency-Key", "bad key: 400", b)
    for jid in (b1["job_id"], b["job_id"] if r.status == 201 else b1["job_id"]):
        events(jid, token="bot" if jid == b1["job_id"] else "other")
    print("errors ok")


def scenario_cancel():
    r, b = submit(body=job(test="sleep 600"))
    jid = b["job_id"]
    c, resp = open_events(jid)
    stream = sse_iter(resp)
    for _id, kind, data in stream:   # until the test stage runs
        if kind == "stage.start" and data["data"].get("stage") == "test":
            break
    else:
        check(False, "the test stage started")
    r, b = call("POST", f"/v1/jobs/{jid}/cancel", "bot")
    check(r.status == 202 and b["job_id"] == jid, "cancel of a running job: 202", r.status, b)
    rest = list(stream)   # the same stream delivers the result
    c.close()
    check(rest and rest[-1][1] == "result" and rest[-1][2]["verdict"] == "cancelled", "verdict cancelled", rest[-1:])
    r, b = call("POST", f"/v1/jobs/{jid}/cancel", "bot")
    check(r.status == 200 and b["verdict"] == "cancelled", "cancel of a finished job: 200", r.status, b)
    print("cancel ok")


def scenario_tenants():
    """Tenant beta (token other) next to tenant acme's (token bot) running
    job; auditor is an identity with access=reader (tenant ops)."""
    r, b = submit(body=job(test="sleep 600"))
    jid = b["job_id"]
    r, b = call("GET", f"/v1/jobs/{jid}", "other")
    check(r.status == 404, "another tenant's job does not exist", r.status, b)
    r, b = call("POST", f"/v1/jobs/{jid}/cancel", "other")
    check(r.status == 404, "another tenant cannot cancel it: 404", r.status, b)
    r, b = call("GET", f"/v1/jobs/{jid}/events", "other")
    check(r.status == 404, "nor stream its events", r.status)
    r, b = call("GET", f"/v1/jobs/{jid}", "auditor")
    check(r.status == 200 and b["state"] in ("queued", "running"), "a reader sees every tenant's job", r.status, b)
    r, b = call("POST", f"/v1/jobs/{jid}/cancel", "auditor")
    check(r.status == 403 and b["error"]["code"] == "forbidden", "a reader cancels no other tenant's job", r.status, b)
    r, b = call("GET", f"/v1/jobs/{jid}", "bot")
    check(r.status == 200 and b["state"] in ("queued", "running"), "the job runs on", b)
    roots, beta = CFG["tenant_repos"], os.path.dirname(CFG["repo"]) + "/beta"
    with open(roots, "w") as f:   # airlockd re-reads it at the next submit
        f.write(f"acme {CFG['repo']}\nbeta {beta} https://git.example.org/beta/\n")
    try:
        r, b = call("POST", "/v1/jobs", "other", job())
        check(r.status == 403 and b["error"]["code"] == "repository_not_allowed" and b["error"]["field"] == "repo"
              and "tenant beta" in b["error"]["message"], "acme's repository is outside beta's roots: 403", r.status, b)
        r, b = call("POST", "/v1/jobs", "other", job(repo=beta + "/../" + os.path.basename(CFG["repo"])))
        check(r.status == 403 and b["error"]["code"] == "repository_not_allowed", "no climbing out of a root", b)
        r, b = call("POST", "/v1/jobs", "other", job(repo="https://git.example.org/betamax/x.git"))
        check(r.status == 403, "a URL root covers whole path components only", r.status, b)
        r, b = submit(body=job(test="true", labels={"via": "roots"}))
        events(b["job_id"])
    finally:
        with open(roots, "w") as f:
            f.write("* /\n")
    r, b = call("POST", f"/v1/jobs/{jid}/cancel", "bot")
    check(r.status == 202, "the owner cancels it", r.status, b)
    events(jid)
    print("tenants ok")


def gh_post(body, event="pull_request", delivery=None, secret=None, sign=True):
    import hashlib
    import hmac
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {"Content-Type": "application/json", "X-GitHub-Event": event, "User-Agent": "GitHub-Hookshot/4d3f2a1"}
    if delivery:
        h["X-GitHub-Delivery"] = delivery
    if sign:
        key = (secret if secret is not None else CFG["github"]["secret"]).encode()
        h["X-Hub-Signature-256"] = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
    r, b = call("POST", "/v1/github/webhook", None, raw, h)
    return r, b


def scenario_webhook():
    gh = CFG["github"]
    text = open(gh["payload"]).read()
    for k in ("HEAD_SHA", "BASE_SHA", "CLONE_URL"):
        text = text.replace("@" + k + "@", gh[k.lower()])
    ev = json.loads(text)
    delivery = gh["delivery"]
    r, b = gh_post(ev, delivery=delivery, secret="not-the-secret")
    check(r.status == 401 and b["error"]["code"] == "invalid_signature", "wrong signature: 401", r.status, b)
    r, b = gh_post(ev, delivery=delivery, sign=False)
    check(r.status == 401, "no signature: 401", r.status)
    tampered = dict(ev, number=8)
    r, _ = call("POST", "/v1/github/webhook", None, json.dumps(tampered).encode(),
                {"Content-Type": "application/json", "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery,
                 "X-Hub-Signature-256": ""})
    check(r.status == 401, "empty signature: 401", r.status)
    r, b = gh_post({"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping", delivery="ping-1")
    check(r.status == 200 and b["status"] == "pong", "ping", r.status, b)
    r, b = gh_post(ev, delivery=delivery)
    check(r.status == 202 and b["status"] == "queued", "signed pull_request: 202 queued", r.status, b)
    r, b = gh_post(ev, delivery=delivery)
    check(r.status == 200 and b["status"] == "duplicate", "redelivery: duplicate", r.status, b)
    r, b = gh_post(dict(ev, action="closed"), delivery=delivery + "-closed")
    check(r.status == 202 and b["status"] == "ignored", "closed: ignored", r.status, b)
    other = json.loads(json.dumps(ev))
    other["repository"]["full_name"] = "acme/unknown"
    r, b = gh_post(other, delivery=delivery + "-other")
    check(r.status == 202 and b["status"] == "ignored", "unconfigured repository: ignored", r.status, b)
    r, b = gh_post({"action": "opened"}, delivery=delivery + "-bad")
    check(r.status == 400 and b["error"]["field"] == "repository.full_name", "malformed event: 400", r.status, b)
    r, b = gh_post(ev, event="issues", delivery=delivery + "-issue")
    check(r.status == 202 and b["status"] == "ignored", "other event: ignored", r.status, b)
    print("webhook ok")


def scenario_webhook_latin1():
    gh = CFG["github"]
    text = open(gh["payload"]).read()
    for k, v in (("HEAD_SHA", gh["latin1_sha"]), ("BASE_SHA", gh["base_sha"]), ("CLONE_URL", gh["clone_url"])):
        text = text.replace("@" + k + "@", v)
    ev = json.loads(text)
    ev["number"] = ev["pull_request"]["number"] = 8
    r, b = gh_post(ev, delivery=gh["delivery"] + "-latin1")
    check(r.status == 202 and b["status"] == "queued", "pull request 8: 202 queued", r.status, b)
    print("webhook latin1 ok")


def scrape(token="metrics"):
    from prometheus_client.parser import text_string_to_metric_families
    r, data = call("GET", "/metrics", token, raw=True)
    check(r.status == 200, f"/metrics status {r.status}", data[:300])
    check(r.getheader("Content-Type", "").startswith("text/plain; version=0.0.4"), "exposition content type")
    fams = {f.name: f for f in text_string_to_metric_families(data.decode())}
    return fams


def sample(fams, family, name, **labels):
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0.0


def check_histograms(fams):
    for f in fams.values():
        if f.type != "histogram":
            continue
        series = {}
        for s in f.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            series.setdefault(key, {})[s.name[len(f.name):] + s.labels.get("le", "")] = s.value
        for key, vals in series.items():
            buckets = [(float(k[len("_bucket"):]), v) for k, v in vals.items() if k.startswith("_bucket")]
            buckets.sort()
            counts = [v for _, v in buckets]
            check(counts == sorted(counts), f"{f.name}{key}: buckets are cumulative", buckets)
            check(buckets[-1][0] == float("inf") and buckets[-1][1] == vals["_count"], f"{f.name}: +Inf == _count")


def referenced_metrics(text):
    import re
    names = set(re.findall(r"\b(airlock_[a-z_]+)", text))
    return {re.sub(r"_(bucket|count|sum)$", "", n) for n in names}


def scenario_metrics():
    r, b = call("GET", "/metrics", "reader")
    check(r.status == 403, "metrics needs the metrics scope: 403", r.status)
    r, b = call("GET", "/metrics")
    check(r.status == 401, "metrics needs a token: 401", r.status)
    before = scrape()
    expected = {"airlock_jobs_submitted": "counter", "airlock_jobs_finished": "counter", "airlock_jobs": "gauge",
                "airlock_queue_depth": "gauge", "airlock_queue_oldest_age_seconds": "gauge",
                "airlock_attempts": "counter", "airlock_workers": "gauge", "airlock_worker_slots": "gauge",
                "airlock_worker_free_slots": "gauge", "airlock_findings": "counter", "airlock_egress_requests": "counter",
                "airlock_execs": "counter", "airlock_github_deliveries": "counter",
                "airlock_audit_chain_head_id": "gauge", "airlock_audit_checkpoint_head_id": "gauge",
                "airlock_stage_duration_seconds": "histogram", "airlock_sandbox_create_seconds": "histogram",
                "airlock_task_execs": "histogram", "airlock_task_egress_requests": "histogram"}
    for name, kind in expected.items():
        check(name in before and before[name].type == kind, f"family {name} ({kind})", sorted(before))
    check_histograms(before)
    acc0 = sample(before, "airlock_jobs_finished", "airlock_jobs_finished_total", verdict="accepted")
    sub0 = sample(before, "airlock_jobs_submitted", "airlock_jobs_submitted_total")
    stages0 = sample(before, "airlock_stage_duration_seconds", "airlock_stage_duration_seconds_count", stage="test")
    r, b = submit()
    check(events(b["job_id"])[-1][2]["verdict"] == "accepted", "job accepted")
    after = scrape()
    check_histograms(after)
    check(sample(after, "airlock_jobs_finished", "airlock_jobs_finished_total", verdict="accepted") == acc0 + 1,
          "accepted counter moved by one", acc0)
    check(sample(after, "airlock_jobs_submitted", "airlock_jobs_submitted_total") == sub0 + 1, "submitted counter")
    check(sample(after, "airlock_stage_duration_seconds", "airlock_stage_duration_seconds_count", stage="test")
          == stages0 + 1, "test stage observed")
    check(sample(after, "airlock_sandbox_create_seconds", "airlock_sandbox_create_seconds_count",
                 driver="host", pool="miss") >= 2, "sandbox create time from stored events")
    check(sample(after, "airlock_worker_slots", "airlock_worker_slots") == 2, "worker slots")
    check(sample(after, "airlock_audit_chain_head_id", "airlock_audit_chain_head_id") > 0, "audit head")
    # every metric the alerts and the dashboard use exists
    root = CFG["source"]
    used = referenced_metrics(open(root + "/deploy/prometheus/airlock-alerts.yml").read())
    used |= referenced_metrics(open(root + "/deploy/grafana/airlock-dashboard.json").read())
    known = set(after) | {n + "_total" for n, f in after.items() if f.type == "counter"}
    check(used and used <= known, "alerts and dashboard use only exported metrics", used - known)
    print("metrics ok")


def grafana_sql(sql):
    """Grafana's PostgreSQL macros, as Grafana expands them."""
    import re
    sql = re.sub(r"\$__timeFilter\(([^)]+)\)",
                 r"\1 BETWEEN '2000-01-01T00:00:00Z'::timestamptz AND now() + interval '1 day'", sql)
    sql = re.sub(r"\$__timeGroupAlias\(([^,]+),\s*'1h'\)",
                 r'floor(extract(epoch FROM \1)/3600)*3600 AS "time"', sql)
    check("$__" not in sql, "every Grafana macro expanded", sql)
    return sql


def scenario_dashboard():
    import subprocess
    dash = json.load(open(CFG["source"] + "/deploy/grafana/airlock-dashboard.json"))
    sqls = [t["rawSql"] for p in dash["panels"] for t in p["targets"] if "rawSql" in t]
    check(len(sqls) >= 5, "dashboard has PostgreSQL panels", len(sqls))
    for sql in sqls:
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", CFG["db"], "-c",
                              grafana_sql(sql)], capture_output=True, text=True)
        check(out.returncode == 0, "dashboard SQL runs", sql, out.stderr)
    rows = subprocess.run(["psql", "-X", "-A", "-t", CFG["db"], "-c", grafana_sql(sqls[1])],
                          capture_output=True, text=True).stdout.strip().splitlines()
    check(rows, "the recent-jobs panel finds the jobs of this test", sqls[1])
    print("dashboard ok", len(sqls), "queries")


def scenario_hold():
    """Submits a long job, prints 'holding' once its test stage runs, and
    reads its event stream until the server closes it."""
    r, b = submit(body=job(test="sleep 600"))
    c, resp = open_events(b["job_id"])
    stream = sse_iter(resp)
    for _id, kind, data in stream:
        if kind == "stage.start" and data["data"].get("stage") == "test":
            print("holding", b["job_id"], flush=True)
            break
    for _ in stream:
        pass
    print("stream closed", flush=True)


if __name__ == "__main__":
    globals()["scenario_" + sys.argv[2]]()
