/*
 * cmd_jobs.c: submit, wait, status, cancel, list.
 */
#include "cli/cli.h"
#include "common/error.h"
#include "common/proto/proto.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define JOB_FILE_MAX (16u << 20)

static char *s_read_file(const char *path, size_t max)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        al_err_set_errno(AL_EIO, "cannot open %s", path);
        return NULL;
    }
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!buf || n > max) {
        free(buf);
        al_err_set(AL_ELIMIT, "%s is larger than %zu bytes", path, max);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static json_t *s_command(const char *text) { return json_string(text); }

/* Builds a job from flags: --repo --base --patch FILE --run CMD... --test CMD
 * --label k=v... --egress HOST... --driver D --idempotency-key K. */
static int s_job_from_flags(cli_t *cli, json_t *job, int *wait)
{
    json_t *run = json_array(), *labels = json_object(), *egress = json_array();
    int rc = AL_OK;
    for (int i = 0; i < cli->argc && rc == AL_OK; i++) {
        const char *a = cli->argv[i], *v = i + 1 < cli->argc ? cli->argv[i + 1] : NULL;
        if (strcmp(a, "--wait") == 0) { *wait = 1; continue; }
        if (!v) { rc = al_err_set(AL_EINVAL, "%s needs a value", a); break; }
        i++;
        if (strcmp(a, "--repo") == 0 || strcmp(a, "--base") == 0 || strcmp(a, "--driver") == 0 ||
            strcmp(a, "--idempotency-key") == 0) {
            const char *key = strcmp(a, "--idempotency-key") == 0 ? "idempotency_key" : a + 2;
            json_object_set_new(job, key, json_string(v));
        } else if (strcmp(a, "--test") == 0) {
            json_object_set_new(job, "test", s_command(v));
        } else if (strcmp(a, "--run") == 0) {
            json_array_append_new(run, s_command(v));
        } else if (strcmp(a, "--egress") == 0) {
            json_array_append_new(egress, json_string(v));
        } else if (strcmp(a, "--patch") == 0) {
            char *patch = s_read_file(v, 4u << 20);
            if (!patch) { rc = AL_EIO; break; }
            json_object_set_new(job, "patch", json_string(patch));
            free(patch);
        } else if (strcmp(a, "--label") == 0 && strchr(v, '=')) {
            char *kv = strdup(v), *eq = strchr(kv, '=');
            *eq = '\0';
            json_object_set_new(labels, kv, json_string(eq + 1));
            free(kv);
        } else {
            rc = al_err_set(AL_EINVAL, "unknown option %s (see airlock submit --help)", a);
        }
    }
    if (json_array_size(run))
        json_object_set(job, "run", run);
    if (json_object_size(labels))
        json_object_set(job, "labels", labels);
    if (json_array_size(egress))
        json_object_set_new(job, "policy", json_pack("{s:O}", "egress", egress));
    json_decref(run);
    json_decref(labels);
    json_decref(egress);
    return rc;
}

typedef struct {
    char job_id[65];
    int existing;
} accepted_t;

static int s_on_accepted(void *ctx, const proto_msg_t *m)
{
    accepted_t *a = ctx;
    if (m->type != PROTO_C_ACCEPTED)
        return 0;
    snprintf(a->job_id, sizeof a->job_id, "%s", m->body.c_accepted.job_id);
    a->existing = m->body.c_accepted.existing;
    return 1;
}

int cmd_submit(cli_t *cli)
{
    int wait = 0;
    char *text = NULL;
    if (cli->argc >= 1 && cli->argv[0][0] != '-') {
        text = s_read_file(cli->argv[0], JOB_FILE_MAX);
        wait = cli->argc >= 2 && strcmp(cli->argv[1], "--wait") == 0;
    } else {
        json_t *job = json_object();
        if (s_job_from_flags(cli, job, &wait) == AL_OK)
            text = json_dumps(job, JSON_COMPACT);
        json_decref(job);
    }
    if (!text) {
        fprintf(stderr, "airlock submit: %s\n", al_err_msg());
        return CLI_USAGE;
    }
    client_t *c = cli_connect(cli);
    proto_msg_t *m = c ? proto_msg_new(PROTO_C_SUBMIT) : NULL;
    accepted_t acc = { "", 0 };
    char code[64] = "";
    int rc = m ? proto_str_set(&m->body.c_submit.job, text) : AL_EIO;
    if (rc == AL_OK)
        rc = client_call(c, m, s_on_accepted, &acc, code);
    free(text);
    proto_msg_destroy(&m);
    int exit_code = CLI_OK;
    if (!c) {
        exit_code = CLI_UNREACHABLE;
    } else if (rc != AL_OK) {
        exit_code = cli_call_failed("submit", code);
    } else {
        if (cli->json)
            printf("{\"job_id\":\"%s\",\"existing\":%s}\n", acc.job_id, acc.existing ? "true" : "false");
        else
            printf("%s%s\n", acc.job_id, acc.existing ? "  (existing job for this idempotency key)" : "");
        fflush(stdout);
        if (wait)
            exit_code = cli_wait_job(cli, c, acc.job_id);
    }
    client_destroy(&c);
    return exit_code;
}

typedef struct {
    const cli_t *cli;
    char verdict[40];
    uint64_t next_seq;   /* first event not shown yet */
} wait_ctx_t;

static int s_on_wait(void *ctx, const proto_msg_t *m)
{
    wait_ctx_t *w = ctx;
    if (m->type == PROTO_C_EVENT) {
        if (m->body.c_event.seq < w->next_seq)
            return 0;   /* already shown before we asked again */
        print_event(w->cli, &m->body.c_event);
        w->next_seq = m->body.c_event.seq + 1;
        return 0;
    }
    if (m->type == PROTO_C_RESULT) {
        print_result(w->cli, &m->body.c_result);
        snprintf(w->verdict, sizeof w->verdict, "%s", m->body.c_result.verdict);
        return 1;
    }
    return 0;
}

static int s_on_any(void *ctx, const proto_msg_t *m)
{
    (void)ctx;
    return m->type == PROTO_C_STATUS_REPLY;
}

/* Is airlockd answering at all? (A WAIT is silent while a long stage runs.) */
static int s_alive(client_t *c, const char *job_id)
{
    proto_msg_t *m = proto_msg_new(PROTO_C_STATUS);
    int rc = m ? proto_str_set(&m->body.c_status.job_id, job_id) : AL_ENOMEM;
    if (rc == AL_OK)
        rc = client_call(c, m, s_on_any, NULL, NULL);
    proto_msg_destroy(&m);
    return rc == AL_OK;
}

/* Streams the job's events until its RESULT. A WAIT stream says nothing while
 * a stage runs; when it has been silent for the client timeout, the CLI checks
 * that airlockd still answers and asks again from the next event (this also
 * resumes the stream after an airlockd restart). */
int cli_wait_job(cli_t *cli, client_t *c, const char *job_id)
{
    wait_ctx_t w = { cli, "", 0 };
    for (;;) {
        proto_msg_t *m = proto_msg_new(PROTO_C_WAIT);
        char code[64] = "";
        int rc = m ? proto_str_set(&m->body.c_wait.job_id, job_id) : AL_ENOMEM;
        if (rc == AL_OK) {
            m->body.c_wait.from_seq = w.next_seq;
            rc = client_call(c, m, s_on_wait, &w, code);
        }
        proto_msg_destroy(&m);
        if (rc == AL_OK)
            return cli_verdict_code(w.verdict);
        if (rc == AL_ECANCELLED)
            return CLI_INTERRUPTED;
        if (rc != AL_ETIMEOUT || !s_alive(c, job_id))
            return cli_call_failed("wait", code);
    }
}

static int s_need_job(cli_t *cli, const char *cmd)
{
    if (cli->argc != 1 || cli->argv[0][0] == '-') {
        fprintf(stderr, "usage: airlock %s JOB_ID\n", cmd);
        return 0;
    }
    return 1;
}

int cmd_wait(cli_t *cli)
{
    if (!s_need_job(cli, "wait"))
        return CLI_USAGE;
    client_t *c = cli_connect(cli);
    int rc = c ? cli_wait_job(cli, c, cli->argv[0]) : CLI_UNREACHABLE;
    client_destroy(&c);
    return rc;
}

typedef struct {
    const cli_t *cli;
    int exit_code;
} status_ctx_t;

static int s_on_status(void *ctx, const proto_msg_t *m)
{
    status_ctx_t *s = ctx;
    if (m->type != PROTO_C_STATUS_REPLY)
        return 0;
    const proto_job_info_t *j = &m->body.c_status_reply.job;
    print_job(s->cli, j);
    s->exit_code = j->has_verdict ? cli_verdict_code(j->verdict) : CLI_RUNNING;
    return 1;
}

static int s_job_request(cli_t *cli, proto_type_t type, const char *cmd)
{
    if (!s_need_job(cli, cmd))
        return CLI_USAGE;
    client_t *c = cli_connect(cli);
    if (!c)
        return CLI_UNREACHABLE;
    proto_msg_t *m = proto_msg_new(type);
    status_ctx_t s = { cli, CLI_OK };
    char code[64] = "";
    char **job_id = type == PROTO_C_STATUS ? &m->body.c_status.job_id : &m->body.c_cancel.job_id;
    int rc = proto_str_set(job_id, cli->argv[0]);
    if (rc == AL_OK)
        rc = client_call(c, m, s_on_status, &s, code);
    proto_msg_destroy(&m);
    client_destroy(&c);
    if (rc != AL_OK)
        return cli_call_failed(cmd, code);
    return type == PROTO_C_STATUS ? s.exit_code : CLI_OK;
}

int cmd_status(cli_t *cli) { return s_job_request(cli, PROTO_C_STATUS, "status"); }

int cmd_cancel(cli_t *cli) { return s_job_request(cli, PROTO_C_CANCEL, "cancel"); }

static int s_on_list(void *ctx, const proto_msg_t *m)
{
    if (m->type != PROTO_C_LIST_REPLY)
        return 0;
    const proto_job_info_list_t *jobs = &m->body.c_list_reply.jobs;
    for (size_t i = 0; i < jobs->count; i++)
        print_job(ctx, &jobs->items[i]);
    return 1;
}

int cmd_list(cli_t *cli)
{
    const char *state = NULL;
    unsigned long limit = 50;
    for (int i = 0; i < cli->argc; i++) {
        if (strcmp(cli->argv[i], "--state") == 0 && i + 1 < cli->argc)
            state = cli->argv[++i];
        else if (strcmp(cli->argv[i], "--limit") == 0 && i + 1 < cli->argc)
            limit = strtoul(cli->argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: airlock list [--state STATE] [--limit N]\n");
            return CLI_USAGE;
        }
    }
    client_t *c = cli_connect(cli);
    if (!c)
        return CLI_UNREACHABLE;
    proto_msg_t *m = proto_msg_new(PROTO_C_LIST);
    m->body.c_list.limit = limit;
    if (state) {
        proto_str_set(&m->body.c_list.state, state);
        m->body.c_list.has_state = true;
    }
    char code[64] = "";
    int rc = client_call(c, m, s_on_list, cli, code);
    proto_msg_destroy(&m);
    client_destroy(&c);
    return rc == AL_OK ? CLI_OK : cli_call_failed("list", code);
}
