/*
 * report_checks.c: a job as GitHub check-run request bodies ("Create a check
 * run", then "Update a check run" for the rest of the annotations: GitHub
 * takes at most 50 per request). The conclusion is mapped from the verdict;
 * issues with a file become annotations (start_line 1 when the line is not
 * known), the others are listed in the output text. A bot POSTs the first
 * body to /repos/{owner}/{repo}/check-runs and PATCHes the others to the
 * check run it got back.
 */
#include "orchestrator/api/report.h"
#include "common/error.h"
#include "common/states.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *report_conclusion(const char *verdict)
{
    static const char *const conclusion[AL_VERDICT_COUNT] = {
        [AL_VERDICT_ACCEPTED] = "success",          [AL_VERDICT_REJECTED] = "failure",
        [AL_VERDICT_APPLY_FAILED] = "failure",      [AL_VERDICT_POLICY_VIOLATION] = "failure",
        [AL_VERDICT_TESTS_FAILED] = "failure",      [AL_VERDICT_RESOURCE_EXCEEDED] = "failure",
        [AL_VERDICT_TIMEOUT] = "timed_out",         [AL_VERDICT_CANCELLED] = "cancelled",
        /* nothing is known about the patch: somebody has to look */
        [AL_VERDICT_SANDBOX_ERROR] = "action_required",
    };
    int v = al_verdict_find(verdict);
    return v < 0 ? NULL : conclusion[v];
}

static const char *s_annotation_level(const char *severity)
{
    const char *level = report_level(severity);
    return strcmp(level, "error") == 0 ? "failure" : strcmp(level, "warning") == 0 ? "warning" : "notice";
}

static json_t *s_annotation(const report_issue_t *i)
{
    int line = i->line > 0 ? i->line : 1;
    const report_rule_t *r = report_rule_find(i->rule_id);
    char title[256];
    snprintf(title, sizeof title, "%s (%s, %s%s)", i->rule_id, i->severity, r->summary,
             i->blocking ? ", blocking" : "");
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:s}", "path", i->file, "start_line", line, "end_line", line,
                     "annotation_level", s_annotation_level(i->severity), "message", i->message, "title", title);
}

/* Output title and summary (markdown), shared by every request. */
static void s_output_texts(const report_job_t *j, size_t annotations, char *title, size_t tsize,
                           char **summary)
{
    size_t blocking = 0;
    for (size_t i = 0; i < j->n_issues; i++)
        blocking += j->issues[i].blocking != 0;
    if (*j->verdict)
        snprintf(title, tsize, "Airlock: %s", j->verdict);
    else
        snprintf(title, tsize, "Airlock: %s", j->state);
    if (asprintf(summary, "**Verdict:** `%s`%s%s\n\n**Job:** `%s` (attempt %d)  \n**Issues:** %zu (%zu blocking), "
                 "%zu with a location in the change\n",
                 *j->verdict ? j->verdict : j->state, *j->reason ? " — " : "", j->reason, j->job_id, j->attempt,
                 j->n_issues, blocking, annotations) < 0)
        *summary = NULL;
}

/* Issues without a file, as a markdown list. */
static char *s_other_text(const report_job_t *j)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    for (size_t i = 0; i < j->n_issues; i++)
        if (!j->issues[i].file)
            fprintf(f, "- `%s` (%s): %.2000s\n", j->issues[i].rule_id, j->issues[i].severity, j->issues[i].message);
    fclose(f);
    return text;
}

static json_t *s_output(const char *title, const char *summary, const char *text, json_t *annotations)
{
    json_t *o = json_pack("{s:s, s:s, s:o}", "title", title, "summary", summary ? summary : "", "annotations",
                          annotations);
    if (o && text && *text)
        json_object_set_new(o, "text", json_string(text));
    return o;
}

static json_t *s_create(const report_job_t *j, json_t *output)
{
    const char *conclusion = report_conclusion(j->verdict);
    json_t *body = json_pack("{s:s, s:s, s:s, s:o}", "name", REPORT_TOOL_NAME, "external_id", j->job_id,
                             "status", conclusion ? "completed" : "in_progress", "output", output);
    if (body && *j->head_sha)
        json_object_set_new(body, "head_sha", json_string(j->head_sha));
    if (body && *j->created_at)
        json_object_set_new(body, "started_at", json_string(j->created_at));
    if (body && conclusion) {
        json_object_set_new(body, "conclusion", json_string(conclusion));
        if (*j->finished_at)
            json_object_set_new(body, "completed_at", json_string(j->finished_at));
    }
    return body;
}

json_t *report_checks(const report_job_t *j)
{
    json_t *all = json_array(), *requests = json_array();
    for (size_t i = 0; all && i < j->n_issues; i++)
        if (j->issues[i].file)
            json_array_append_new(all, s_annotation(&j->issues[i]));
    size_t n = json_array_size(all);
    char title[128], *summary = NULL, *text = s_other_text(j);
    s_output_texts(j, n, title, sizeof title, &summary);
    for (size_t start = 0; requests && (start == 0 || start < n); start += REPORT_CHECKS_PER_REQUEST) {
        json_t *page = json_array();
        for (size_t k = start; k < n && k < start + REPORT_CHECKS_PER_REQUEST; k++)
            json_array_append(page, json_array_get(all, k));
        json_t *output = s_output(title, summary, start == 0 ? text : NULL, page);
        json_array_append_new(requests, start == 0 ? s_create(j, output) : json_pack("{s:o}", "output", output));
    }
    json_decref(all);
    free(summary);
    free(text);
    if (!requests)
        al_err_set(AL_ENOMEM, "checks: out of memory");
    return requests;
}
