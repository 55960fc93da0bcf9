/*
 * cmd_jobs.c: submit, wait, status, cancel, list.
 */
#include "cli/cli.h"
#include "common/base64.h"
#include "common/endpoints.h"
#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "common/states.h"
#include "common/proto/proto.h"
#include "common/utf8.h"

#include <czmq.h>
#include <getopt.h>
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

enum { O_WAIT = 1, O_REPO, O_BASE, O_REF, O_TEST, O_RUN, O_PATCH, O_LABEL, O_EGRESS, O_DRIVER, O_IDEM };

static const struct option s_submit_opts[] = {
    { "wait", no_argument, NULL, O_WAIT },         { "repo", required_argument, NULL, O_REPO },
    { "base", required_argument, NULL, O_BASE },   { "ref", required_argument, NULL, O_REF },
    { "test", required_argument, NULL, O_TEST },   { "run", required_argument, NULL, O_RUN },
    { "patch", required_argument, NULL, O_PATCH }, { "label", required_argument, NULL, O_LABEL },
    { "egress", required_argument, NULL, O_EGRESS }, { "driver", required_argument, NULL, O_DRIVER },
    { "idempotency-key", required_argument, NULL, O_IDEM }, { NULL, 0, NULL, 0 },
};

#define SUBMIT_MAX_FLAGS 512

/* Flags are kept in order and applied once the job file (if any) is read. */
typedef struct {
    int wait;
    size_t n;
    struct { int id; const char *arg; } flags[SUBMIT_MAX_FLAGS];
} submit_args_t;

static int s_submit_opt(void *ctx, int id, const char *arg)
{
    submit_args_t *a = ctx;
    if (id == O_WAIT) {
        a->wait = 1;
        return AL_OK;
    }
    if (id == O_LABEL && (!strchr(arg, '=') || arg[0] == '='))
        return al_err_set(AL_EINVAL, "--label needs KEY=VALUE, got '%s'", arg);
    if (a->n >= SUBMIT_MAX_FLAGS)
        return al_err_set(AL_EINVAL, "too many options");
    a->flags[a->n].id = id;
    a->flags[a->n++].arg = arg;
    return AL_OK;
}

/* The member `key` of o as an object/array, created when absent. */
static json_t *s_member(json_t *o, const char *key, int array)
{
    json_t *m = json_object_get(o, key);
    if (!m || (array ? !json_is_array(m) : !json_is_object(m))) {
        m = array ? json_array() : json_object();
        json_object_set_new(o, key, m);
    }
    return m;
}

/* v as a JSON string; a value that is not UTF-8 (a file or an argument in
 * Latin-1) is an error naming the flag: the job spec is JSON, and a member
 * dropped silently (a job without its patch) would get the wrong verdict. */
static int s_text(const char *flag, const char *v, json_t **out)
{
    if (!al_utf8_valid(v))
        return al_err_set(AL_EINVAL, "--%s: not UTF-8 text (another encoding?); a job carries UTF-8 only", flag);
    return (*out = json_string(v)) ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
}

static int s_set(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) == 0 ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
}

static int s_append(json_t *a, json_t *v)
{
    return json_array_append_new(a, v) == 0 ? AL_OK : al_err_set(AL_ENOMEM, "out of memory");
}

static int s_apply(json_t *job, int id, const char *v)
{
    static const char *const keys[] = { [O_REPO] = "repo", [O_BASE] = "base", [O_REF] = "ref",
                                         [O_TEST] = "test", [O_DRIVER] = "driver", [O_IDEM] = "idempotency_key" };
    static const char *const flags[] = { [O_REPO] = "repo", [O_BASE] = "base", [O_REF] = "ref", [O_TEST] = "test",
                                          [O_DRIVER] = "driver", [O_IDEM] = "idempotency-key" };
    json_t *s = NULL;
    int rc;
    switch (id) {
    case O_RUN: return (rc = s_text("run", v, &s)) != AL_OK ? rc : s_append(s_member(job, "run", 1), s);
    case O_EGRESS:
        return (rc = s_text("egress", v, &s)) != AL_OK
                   ? rc : s_append(s_member(s_member(job, "policy", 0), "egress", 1), s);
    case O_LABEL: {
        char *kv = strdup(v), *eq = kv ? strchr(kv, '=') : NULL;
        if (!eq) {
            free(kv);
            return al_err_set(AL_ENOMEM, "out of memory");
        }
        *eq = '\0';
        rc = !al_utf8_valid(kv) ? s_text("label", kv, &s) : s_text("label", eq + 1, &s);
        if (rc == AL_OK)
            rc = s_set(s_member(job, "labels", 0), kv, s);
        free(kv);
        return rc;
    }
    case O_PATCH: {   /* a diff that is not UTF-8 (a file in Latin-1) goes as its bytes: patch_b64 */
        char *patch = s_read_file(v, 4u << 20);
        if (!patch)
            return AL_EIO;
        int utf8 = al_utf8_valid(patch);
        char *b64 = utf8 ? NULL : al_b64_encode(patch, strlen(patch));
        rc = utf8 ? s_text("patch", patch, &s)
             : b64 ? s_text("patch", b64, &s) : al_err_set(AL_ENOMEM, "out of memory");
        free(patch);
        free(b64);
        return rc != AL_OK ? rc : s_set(job, utf8 ? "patch" : "patch_b64", s);
    }
    default: return (rc = s_text(flags[id], v, &s)) != AL_OK ? rc : s_set(job, keys[id], s);
    }
}

/* With several airlockd endpoints a SUBMIT that got no answer is sent again
 * to the next one (client.c): a key of its own makes that resend return the
 * job the first one may already have stored instead of storing a second. */
static int s_idempotent(cli_t *cli, json_t *job)
{
    if (json_object_get(job, "idempotency_key") ||
        al_endpoints_count(al_config_str(cli->cfg, "client_endpoint")) < 2)
        return AL_OK;
    zuuid_t *u = zuuid_new();
    char key[48];
    if (!u)
        return al_err_set(AL_ENOMEM, "out of memory");
    snprintf(key, sizeof key, "cli-%s", zuuid_str_canonical(u));
    zuuid_destroy(&u);
    return json_object_set_new(job, "idempotency_key", json_string(key)) == 0 ? AL_OK : AL_ENOMEM;
}

/* The job text: the file's JSON object (if given) with every flag applied
 * on top, in order. NULL with the reason in al_err_msg(). */
static char *s_job_text(cli_t *cli, const submit_args_t *a)
{
    json_t *job = NULL;
    if (cli->npos == 1) {
        char *text = s_read_file(cli->pos[0], JOB_FILE_MAX);
        json_error_t e;
        if (!text)
            return NULL;
        job = json_loads(text, JSON_REJECT_DUPLICATES, &e);
        free(text);
        if (!json_is_object(job)) {
            al_err_set(AL_EINVAL, "%s: %s", cli->pos[0], job ? "not a JSON object" : e.text);
            json_decref(job);
            return NULL;
        }
    } else {
        job = json_object();
    }
    int rc = AL_OK;
    for (size_t i = 0; rc == AL_OK && i < a->n; i++)
        rc = s_apply(job, a->flags[i].id, a->flags[i].arg);
    if (rc == AL_OK)
        rc = s_idempotent(cli, job);
    char *out = rc == AL_OK ? json_dumps(job, JSON_COMPACT) : NULL;
    json_decref(job);
    return out;
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
    static const char *usage = "submit [JOB.json|-] [--repo R] [--base B] [--ref REF] [--test CMD] "
                               "[--run CMD]... [--patch FILE] [--label K=V]... [--egress HOST]... "
                               "[--driver D] [--idempotency-key K] [--wait]";
    submit_args_t *a = calloc(1, sizeof *a);
    if (!a)
        return CLI_ERROR;
    int prc = cli_parse(cli, "submit", usage, s_submit_opts, s_submit_opt, a, 0, 1);
    char *text = prc == CLI_OK ? s_job_text(cli, a) : NULL;
    int wait = a->wait;
    free(a);
    if (prc != CLI_OK)
        return prc;
    if (!text) {
        fprintf(stderr, "airlock submit: %s\n", al_err_msg());
        return CLI_USAGE;
    }
    /* the same check airlockd makes (common/jobspec): a typo is told here, without a round trip */
    jobspec_t *spec = NULL;
    if (jobspec_parse(text, strlen(text), &spec) != AL_OK) {
        fprintf(stderr, "airlock submit: invalid job: %s\n", al_err_msg());
        free(text);
        return CLI_ERROR;
    }
    jobspec_destroy(&spec);
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
    char usage[64];
    snprintf(usage, sizeof usage, "%s JOB_ID", cmd);
    return cli_parse(cli, cmd, usage, NULL, NULL, NULL, 1, 1) == CLI_OK;
}

int cmd_wait(cli_t *cli)
{
    if (!s_need_job(cli, "wait"))
        return CLI_USAGE;
    client_t *c = cli_connect(cli);
    int rc = c ? cli_wait_job(cli, c, cli->pos[0]) : CLI_UNREACHABLE;
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
    int rc = proto_str_set(job_id, cli->pos[0]);
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

typedef struct {
    const char *state;
    long limit;
} list_args_t;

static int s_list_opt(void *ctx, int id, const char *arg)
{
    list_args_t *a = ctx;
    if (id == 'l')
        return cli_parse_int(arg, 1, 1000, "--limit", &a->limit);
    if (al_state_find(al_job_states, AL_JOB_STATE_COUNT, arg) >= 0) {
        a->state = arg;
        return AL_OK;
    }
    return al_err_set(AL_EINVAL, "--state must be queued, running, finished or cancelled, got '%s'", arg);
}

int cmd_list(cli_t *cli)
{
    static const struct option opts[] = {
        { "state", required_argument, NULL, 's' }, { "limit", required_argument, NULL, 'l' }, { NULL, 0, NULL, 0 },
    };
    list_args_t a = { NULL, 50 };
    int prc = cli_parse(cli, "list", "list [--state queued|running|finished|cancelled] [--limit N]", opts,
                        s_list_opt, &a, 0, 0);
    if (prc != CLI_OK)
        return prc;
    const char *state = a.state;
    unsigned long limit = (unsigned long)a.limit;
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
