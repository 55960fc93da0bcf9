/*
 * print.c: how the CLI shows jobs, workers, events and results: one line of
 * text per item for people, or one JSON object per line with --json.
 *
 * Text chosen by a workload or a worker (paths, commands, messages, names,
 * reasons, labels) goes through cli_esc() in text mode: a control character
 * (C0, DEL, C1) is printed as \xNN and a backslash as \\, so a file named
 * "\033]0;...\007" cannot drive the terminal or forge a line. JSON output
 * is escaped by JSON itself.
 */
#include "cli/cli.h"
#include "common/proto/proto.h"
#include "common/states.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ESC_RING 16
#define ESC_SIZE 4096

const char *cli_esc(const char *s)
{
    static char ring[ESC_RING][ESC_SIZE];
    static unsigned next;
    char *out = ring[next++ % ESC_RING];
    size_t o = 0;
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    for (; *u && o + 8 < ESC_SIZE; u++) {
        int c1 = u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f;   /* U+0080..U+009F in UTF-8 */
        if (*u < 0x20 || *u == 0x7f || c1) {
            o += (size_t)snprintf(out + o, ESC_SIZE - o, "\\x%02x", c1 ? u[1] : *u);
            u += c1;
        } else if (*u == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else {
            out[o++] = (char)*u;
        }
    }
    if (*u)
        o += (size_t)snprintf(out + o, ESC_SIZE - o, "...");
    out[o] = '\0';
    return out;
}

static json_t *s_map(const proto_strmap_t *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->count; i++)
        json_object_set_new(o, m->keys[i], json_string(m->values[i]));
    return o;
}

static void s_dump(json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(o);
}

static const char *s_time(uint64_t us, char *buf, size_t size)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void print_job(const cli_t *cli, const void *arg)
{
    const proto_job_info_t *j = arg;
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:o}", "job_id", j->job_id, "state", j->state,
                              "attempt", (json_int_t)j->attempt, "created_us", (json_int_t)j->created_us,
                              "labels", s_map(&j->labels));
        if (j->has_verdict)
            json_object_set_new(o, "verdict", json_string(j->verdict));
        if (j->has_finished_us)
            json_object_set_new(o, "finished_us", json_integer((json_int_t)j->finished_us));
        if (j->has_worker)
            json_object_set_new(o, "worker", json_string(j->worker));
        if (j->has_waiting_reason)
            json_object_set_new(o, "waiting_reason", json_string(j->waiting_reason));
        s_dump(o);
        return;
    }
    char created[32];
    printf("%-36s  %-9s  %-17s  attempt %llu  %s  %s\n", j->job_id, j->state,
           j->has_verdict ? j->verdict : "-", (unsigned long long)j->attempt,
           s_time(j->created_us, created, sizeof created), j->has_worker ? cli_esc(j->worker) : "-");
    if (j->has_waiting_reason)
        printf("  waiting: %s\n", cli_esc(j->waiting_reason));
}

void print_worker(const cli_t *cli, const void *arg, int header)
{
    const proto_worker_info_t *w = arg;
    if (cli->json) {
        json_t *drivers = json_array();
        for (size_t i = 0; i < w->drivers.count; i++)
            json_array_append_new(drivers, json_string(w->drivers.items[i]));
        s_dump(json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:I}", "worker_id", w->worker_id,
                         "name", w->name, "state", w->state, "slots", (json_int_t)w->slots,
                         "free_slots", (json_int_t)w->free_slots, "accel", w->accel,
                         "drivers", drivers, "labels", s_map(&w->labels),
                         "last_seen_us", (json_int_t)w->last_seen_us));
        return;
    }
    if (header)
        printf("%-20s %-9s %-5s %-5s %-16s %-20s %s\n", "NAME", "STATE", "SLOTS", "FREE", "ACCEL",
               "DRIVERS", "KEY");
    char drivers[64] = "";
    for (size_t i = 0; i < w->drivers.count; i++)
        snprintf(drivers + strlen(drivers), sizeof drivers - strlen(drivers), "%s%s", i ? "," : "",
                 w->drivers.items[i]);
    printf("%-20s %-9s %-5llu %-5llu %-16s %-20s %s\n", cli_esc(w->name), w->state,
           (unsigned long long)w->slots, (unsigned long long)w->free_slots, cli_esc(w->accel), cli_esc(drivers),
           w->worker_id);
}

/* A value of a worker's map, escaped for the terminal ("" when absent). */
static const char *s_get(const proto_strmap_t *m, const char *k)
{
    const char *v = proto_strmap_get(m, k);
    return cli_esc(v ? v : "");
}

void print_event(const cli_t *cli, const void *arg)
{
    const proto_c_event_t *e = arg;
    if (cli->json) {
        s_dump(json_pack("{s:s, s:I, s:s, s:I, s:o}", "job_id", e->job_id, "seq", (json_int_t)e->seq,
                         "kind", e->kind, "ts_us", (json_int_t)e->ts_us, "data", s_map(&e->data)));
        return;
    }
    const proto_strmap_t *d = &e->data;
    int kind = al_event_kind_find(e->kind);
    if (kind == AL_EVENT_STAGE_START) {
        const char *cmd = s_get(d, "command");
        printf("  %-9s started%s%s%s\n", s_get(d, "stage"), *cmd ? "  `" : "", cmd, *cmd ? "`" : "");
    } else if (kind == AL_EVENT_STAGE_END) {
        const char *iso = s_get(d, "isolation");
        printf("  %-9s ended    exit %s%s%s%s\n", s_get(d, "stage"), s_get(d, "exit_status"),
               strcmp(s_get(d, "timed_out"), "true") == 0 ? "  (timed out)" : "",
               *iso ? "  isolation " : "", iso);
    } else if (kind == AL_EVENT_FINDING) {
        printf("  finding   %-8s %s  %s:%s  %s\n", s_get(d, "severity"), s_get(d, "rule_id"),
               s_get(d, "file"), s_get(d, "line"), s_get(d, "message"));
    } else if (kind == AL_EVENT_FILE_CHANGE) {
        const char *v = s_get(d, "violation");
        printf("  change    %-10s %s%s%s\n", s_get(d, "status"), s_get(d, "path"), *v ? "  VIOLATION " : "", v);
    } else if (kind == AL_EVENT_EGRESS) {
        printf("  egress    %-7s %s %s:%s  %s\n", strcmp(s_get(d, "allowed"), "true") == 0 ? "allowed" : "BLOCKED",
               s_get(d, "method"), s_get(d, "host"), s_get(d, "port"), s_get(d, "reason"));
    }
    fflush(stdout);
}

void print_result(const cli_t *cli, const void *arg)
{
    const proto_c_result_t *r = arg;
    if (cli->json) {
        s_dump(json_pack("{s:s, s:s, s:s, s:I, s:o}", "job_id", r->job_id, "verdict", r->verdict,
                         "reason", r->reason ? r->reason : "", "attempt", (json_int_t)r->attempt,
                         "summary", s_map(&r->summary)));
        return;
    }
    printf("verdict: %s%s%s%s\n", cli_esc(r->verdict), r->reason && *r->reason ? " (" : "",
           cli_esc(r->reason), r->reason && *r->reason ? ")" : "");
    const char *iso = proto_strmap_get(&r->summary, "isolation");
    if (iso && *iso)
        printf("isolation: %s  driver: %s  attempt: %llu\n", cli_esc(iso), s_get(&r->summary, "driver"),
               (unsigned long long)r->attempt);
}
