/*
 * report_sarif.c: a job as a SARIF 2.1.0 log (OASIS Static Analysis Results
 * Interchange Format), what code hosts and CI systems ingest. One run; the
 * tool driver lists every rule the results use (id, name, short and full
 * description, help, default level, tags and GitHub's security-severity);
 * each issue is a result with a physical location when it names a file; the
 * job's verdict, reason, id, state, attempt and labels are run properties.
 * The test validates the output against the official schema
 * (tests/sarif/sarif-schema-2.1.0.json).
 */
#include "orchestrator/api/report.h"
#include "common/error.h"
#include "common/digest.h"
#include "common/states.h"

#include <stdio.h>
#include <string.h>

static const char *s_security_severity(const char *severity)
{
    static const struct { const char *sev, *score; } map[] = {
        { "critical", "9.5" }, { "high", "8.0" }, { "medium", "5.5" }, { "low", "3.0" }, { "info", "0.0" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (severity && strcmp(severity, map[i].sev) == 0)
            return map[i].score;
    return "5.5";
}

static json_t *s_rule(const report_issue_t *issue)
{
    const report_rule_t *r = report_rule_find(issue->rule_id);
    const char *help = report_rule_help(issue->rule_id);
    int own = strcmp(r->id, issue->rule_id) == 0;
    json_t *tags = json_pack("[s, s]", strncmp(issue->rule_id, "airlock.", 8) == 0 ? "airlock" : "security",
                             issue->analyzer);
    return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s}, s:s, s:{s:s}, s:{s:o, s:s, s:s}}",
                     "id", issue->rule_id, "name", r->name,
                     "shortDescription", "text", own ? r->summary : issue->rule_id,
                     "fullDescription", "text", r->summary,
                     "help", "text", help, "markdown", help,
                     "helpUri", REPORT_TOOL_URI,
                     "defaultConfiguration", "level", report_level(issue->severity),
                     "properties", "tags", tags, "security-severity", s_security_severity(issue->severity),
                     "analyzer", issue->analyzer);
}

/* A stable id of a result for deduplication across runs: rule, file,
 * message (not the line, which moves with unrelated edits). */
static void s_fingerprint(const report_issue_t *i, char out[65])
{
    const char *parts[] = { i->rule_id, "\n", i->file ? i->file : "", "\n", i->message };
    al_sha256_t *h = al_sha256_new();
    out[0] = '\0';
    for (size_t k = 0; h && k < 5; k++)
        al_sha256_update(h, parts[k], strlen(parts[k]));
    if (h)
        al_sha256_final_hex(h, out);
    al_sha256_destroy(&h);
}

static json_t *s_result(const report_issue_t *i, size_t rule_index)
{
    char fp[65];
    s_fingerprint(i, fp);
    json_t *res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s, s:b}}",
                            "ruleId", i->rule_id, "ruleIndex", (json_int_t)rule_index,
                            "level", report_level(i->severity), "message", "text", i->message,
                            "partialFingerprints", "airlock/v1", fp,
                            "properties", "severity", i->severity, "analyzer", i->analyzer,
                            "blocking", i->blocking);
    if (res && i->file) {
        json_t *phys = json_pack("{s:{s:s, s:s}}", "artifactLocation", "uri", i->file, "uriBaseId", "%SRCROOT%");
        if (i->line > 0)
            json_object_set_new(phys, "region", json_pack("{s:i}", "startLine", i->line));
        json_object_set_new(res, "locations", json_pack("[{s:o}]", "physicalLocation", phys));
    }
    return res;
}

static json_t *s_run_properties(const report_job_t *j)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:O, s:O}",
                          "job_id", j->job_id, "state", j->state, "verdict", j->verdict, "reason", j->reason,
                          "attempt", j->attempt, "repo", j->repo, "base", j->base, "labels", j->labels,
                          "summary", j->summary);
    if (p && *j->base_commit)
        json_object_set_new(p, "base_commit", json_string(j->base_commit));
    return p;
}

static json_t *s_run(const report_job_t *j)
{
    json_t *rules = json_array(), *results = json_array(), *index = json_object();
    for (size_t k = 0; k < j->n_issues; k++) {
        const report_issue_t *i = &j->issues[k];
        json_t *at = json_object_get(index, i->rule_id);
        if (!at) {
            at = json_integer((json_int_t)json_array_size(rules));
            json_object_set_new(index, i->rule_id, at);
            json_array_append_new(rules, s_rule(i));
        }
        json_array_append_new(results, s_result(i, (size_t)json_integer_value(at)));
    }
    json_decref(index);
    json_t *run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:{s:s}, s:o, s:[{s:b}], s:{s:{s:{s:s}}}, s:o}",
                            "tool", "driver", "name", REPORT_TOOL_NAME, "semanticVersion", REPORT_TOOL_VERSION,
                            "informationUri", REPORT_TOOL_URI, "rules", rules,
                            "automationDetails", "id", j->job_id,
                            "results", results,
                            "invocations", "executionSuccessful",
                            al_verdict_find(j->verdict) != AL_VERDICT_SANDBOX_ERROR,
                            "originalUriBaseIds", "%SRCROOT%", "description", "text", "the repository's root",
                            "properties", s_run_properties(j));
    if (run && *j->base_commit) {
        char uri[4200];
        snprintf(uri, sizeof uri, "%s%s", strstr(j->repo, "://") ? "" : "file://", j->repo);
        json_object_set_new(run, "versionControlProvenance",
                            json_pack("[{s:s, s:s}]", "repositoryUri", uri, "revisionId", j->base_commit));
    }
    return run;
}

json_t *report_sarif(const report_job_t *job)
{
    json_t *run = s_run(job);
    json_t *log = run ? json_pack("{s:s, s:s, s:[o]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                                  "version", "2.1.0", "runs", run)
                      : NULL;
    if (!log)
        al_err_set(AL_ENOMEM, "sarif: out of memory");
    return log;
}
