/*
 * stage_exec.c: one stage's commands in one fresh sandbox, with its egress
 * proxy when the caller gives one. Every command gets a stage.start and a
 * stage.end event (exit status, resource use, bounded output tail with the
 * task token redacted) and every process the sandbox saw exec'd becomes an
 * exec event; exec events the sandbox lost (its proc connector overflowed)
 * become one exec.lost event per command. Returns how the stage ended
 * (stage_outcome_t), never a verdict: see stage_exec.h. Owns the stage's
 * sandbox and egress proxy, both gone before it returns.
 */
#include "worker/stage_exec.h"
#include "worker/sandbox_pools.h"
#include "worker/stage_ahead.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TAIL_MAX 8192

typedef struct {
    task_t *t;
    const char *stage;
    char tail[TAIL_MAX];
    size_t tail_len;
} exec_ctx_t;

const char *stage_status_name(stage_status_t st)
{
    static const char *const names[STAGE_STATUS_COUNT] = {
        [STAGE_OK] = "ok", [STAGE_FAILED] = "failed", [STAGE_TIMEOUT] = "timeout",
        [STAGE_RESOURCE] = "resource", [STAGE_CANCELLED] = "cancelled", [STAGE_ERROR] = "error",
    };
    return (unsigned)st < STAGE_STATUS_COUNT ? names[st] : "?";
}

static void s_on_output(void *arg, int stream, const char *data, size_t len)
{
    (void)stream;
    exec_ctx_t *c = arg;
    if (len >= TAIL_MAX) {
        memcpy(c->tail, data + len - TAIL_MAX, TAIL_MAX);
        c->tail_len = TAIL_MAX;
        return;
    }
    if (c->tail_len + len > TAIL_MAX) {
        size_t drop = c->tail_len + len - TAIL_MAX;
        memmove(c->tail, c->tail + drop, c->tail_len - drop);
        c->tail_len -= drop;
    }
    memcpy(c->tail + c->tail_len, data, len);
    c->tail_len += len;
}

static void s_on_exec(void *arg, const sandbox_exec_event_t *ev)
{
    exec_ctx_t *c = arg;
    char pid[16], ppid[16], uid[16], ts[24];
    if (ev->lost) {   /* the driver's exec source overflowed: events are missing */
        char n[16];
        snprintf(n, sizeof n, "%u", ev->lost);
        snprintf(ts, sizeof ts, "%llu", (unsigned long long)ev->ts_us);
        task_event(c->t, AL_EVENT_EXEC_LOST, "stage", c->stage, "overflows", n, "ts_us", ts, NULL);
        return;
    }
    snprintf(pid, sizeof pid, "%d", ev->pid);
    snprintf(ppid, sizeof ppid, "%d", ev->ppid);
    snprintf(uid, sizeof uid, "%d", ev->uid);
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)ev->ts_us);
    task_event(c->t, AL_EVENT_EXEC, "stage", c->stage, "pid", pid, "ppid", ppid, "uid", uid,
               "path", ev->path ? ev->path : "", "argv", ev->argv ? ev->argv : "", "ts_us", ts, NULL);
}

/* Output is shown to whoever reads the job: never the task's own token. Also
 * makes the tail valid text (NUL and invalid bytes become '?'). */
static void s_clean_tail(const char *token, char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\0')
            text[i] = '?';
    }
    text[len] = '\0';
    size_t tlen = token ? strlen(token) : 0;
    for (char *hit = tlen ? strstr(text, token) : NULL; hit; hit = strstr(hit, token))
        memset(hit, '*', tlen);
}

static void s_interrupt(void *arg) { sandbox_interrupt(arg); }

/* The stage.end event of one command that ran. */
static void s_end_event(const stage_ctx_t *c, const stage_outcome_t *o, const char *stage, const char *index,
                        uint64_t started, const sandbox_exec_result_t *res, const char *tail)
{
    char st[24], code[16], sig[16], user[24], sys[24], rss[24], bytes[24];
    snprintf(st, sizeof st, "%llu", (unsigned long long)started);
    snprintf(code, sizeof code, "%d", res->exited ? res->exit_code : -1);
    snprintf(sig, sizeof sig, "%d", res->signal);
    snprintf(user, sizeof user, "%llu", (unsigned long long)res->user_us);
    snprintf(sys, sizeof sys, "%llu", (unsigned long long)res->sys_us);
    snprintf(rss, sizeof rss, "%llu", (unsigned long long)res->max_rss_kb);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)(res->stdout_bytes + res->stderr_bytes));
    task_event(c->t, AL_EVENT_STAGE_END, "stage", stage, "idx", index, "command", o->command,
               "driver", c->driver, "isolation", o->isolation, "environment", c->environment ? c->environment : "",
               "kernel", o->kernel, "vmm", o->vmm, "started_us", st,
               "exit_status", code, "signal", sig, "timed_out", res->timed_out ? "true" : "false",
               "oom_killed", res->oom_killed ? "true" : "false",
               "output_truncated", res->output_truncated ? "true" : "false",
               "user_us", user, "sys_us", sys, "max_rss_kb", rss, "output_bytes", bytes,
               "output", tail, NULL);
}

/* How a command that ran ended: cancellation first, then timeout, memory, exit. */
static stage_status_t s_judge(const stage_ctx_t *c, stage_outcome_t *o, const sandbox_exec_result_t *res)
{
    o->exited = res->exited;
    o->exit_code = res->exited ? res->exit_code : 0;
    o->signal = res->signal;
    if (task_cancelled(c->t)) {
        o->ran = 1;
        return STAGE_CANCELLED;
    }
    if (res->timed_out) {
        o->limit = c->limits->timeout_s;
        return STAGE_TIMEOUT;
    }
    if (res->oom_killed) {
        o->limit = c->limits->memory_mb;
        return STAGE_RESOURCE;
    }
    return !res->exited || res->exit_code != 0 ? STAGE_FAILED : STAGE_OK;
}

static stage_status_t s_run_one(const stage_ctx_t *c, sandbox_t *sb, const char *stage, size_t idx,
                                const jobspec_cmd_t *cmd, stage_outcome_t *o)
{
    char index[24];
    snprintf(index, sizeof index, "%zu", idx);
    o->idx = idx;
    o->command[0] = '\0';
    for (size_t i = 0; i < cmd->argc && strlen(o->command) < sizeof o->command - 2; i++)
        snprintf(o->command + strlen(o->command), sizeof o->command - strlen(o->command), "%s%s", i ? " " : "",
                 cmd->argv[i]);
    task_event(c->t, AL_EVENT_STAGE_START, "stage", stage, "idx", index, "command", o->command, NULL);
    exec_ctx_t *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(o->error, sizeof o->error, "%s[%zu]: out of memory", stage, idx);
        return STAGE_ERROR;
    }
    x->t = c->t;
    x->stage = stage;
    sandbox_exec_req_t req = {
        .argv = (const char *const *)cmd->argv, .env = c->env ? (const char *const *)c->env->vars : NULL,
        .cwd = NULL,
        .timeout_ms = (unsigned)(c->limits->timeout_s * 1000),
        .max_output_bytes = (uint64_t)c->limits->max_output_bytes,
        .on_output = s_on_output, .on_exec = s_on_exec, .ctx = x,
    };
    sandbox_exec_result_t res;
    uint64_t started = task_now_us();
    task_set_cancel_hook(c->t, s_interrupt, sb);
    int rc = task_cancelled(c->t) ? AL_ECANCELLED : sandbox_exec(sb, &req, &res);
    task_set_cancel_hook(c->t, NULL, NULL);
    if (rc != AL_OK) {
        free(x);
        if (rc == AL_ECANCELLED)
            return STAGE_CANCELLED;   /* o->ran stays 0: before it ran */
        snprintf(o->error, sizeof o->error, "%s[%zu]: %s", stage, idx, al_err_msg());
        return STAGE_ERROR;
    }
    s_clean_tail(c->token, x->tail, x->tail_len);
    s_end_event(c, o, stage, index, started, &res, x->tail);
    free(x);
    return s_judge(c, o, &res);
}

static int s_proxy_start(const stage_ctx_t *c, const stage_req_t *req, egress_proxy_t **proxy, char *sock,
                         size_t sock_size)
{
    if (snprintf(sock, sock_size, "%s/egress-%s.sock", c->dir, req->stage) >= (int)sock_size)
        return al_err_set(AL_EINVAL, "egress socket path too long under %s", c->dir);
    egress_config_t ec = *req->egress;
    ec.socket_path = sock;
    return egress_proxy_new(proxy, &ec);
}

/* host_dir/.git: the sandbox's own repository (gitops_sandbox_repo). */
static int s_dotgit_remove(const char *host_dir)
{
    char dotgit[PATH_MAX + 8];
    snprintf(dotgit, sizeof dotgit, "%s/.git", host_dir);
    return gitops_dir_remove(dotgit);
}

/* The sandbox gets host_dir plus a fresh `.git` (HEAD = base, index =
 * index_tree); the `.git` leaves host_dir as soon as the sandbox has its
 * copy, so the workspace diff and the result never see it. */
static int s_workspace_in(const stage_ctx_t *c, sandbox_t *sb, const char *host_dir, const char *index_tree)
{
    int rc = gitops_sandbox_repo(c->ws, host_dir, index_tree);
    if (gitops_workspace_layered(c->ws))   /* the overlay itself: .git leaves after the stage */
        return rc == AL_OK ? sandbox_workspace_attach(sb, host_dir) : rc;
    if (rc == AL_OK)
        rc = sandbox_workspace_in(sb, host_dir);
    int rm = s_dotgit_remove(host_dir);
    return rc != AL_OK ? rc : rm;
}

/* The sandbox's /workspace replaces host_dir's content: sandbox_workspace_out
 * wants an empty target (the ns driver copies), so what the stage deleted is
 * gone on the host too. Whatever the stage left under `.git` is dropped: it
 * is the sandbox's repository, never part of the result or the policy. */
static int s_copy_back(sandbox_t *sb, const char *host_dir)
{
    if (sandbox_workspace_shared(sb))   /* the host driver worked in host_dir itself */
        return s_dotgit_remove(host_dir);
    int rc = gitops_dir_remove(host_dir);
    if (rc == AL_OK && mkdir(host_dir, 0755) != 0)
        rc = al_err_set_errno(AL_EIO, "mkdir %s", host_dir);
    if (rc == AL_OK)
        rc = sandbox_workspace_out(sb, host_dir);
    return rc == AL_OK ? s_dotgit_remove(host_dir) : rc;
}

void stage_exec_limits(sandbox_limits_t *out, const jobspec_limits_t *lim)
{
    out->vcpus = (unsigned)lim->vcpus;
    out->memory_mb = (unsigned)lim->memory_mb;
    out->disk_mb = (unsigned)lim->disk_mb;
    out->max_procs = (unsigned)lim->max_procs;
    out->max_output_bytes = (uint64_t)lim->max_output_bytes;
}

int stage_exec_pools_warm(struct sandbox_pools *pools, const char *driver)
{
    static const char minimal[] = "{\"repo\": \"/\", \"base\": \"HEAD\", \"test\": \"true\"}";
    if (!pools)
        return AL_OK;
    jobspec_t *job = NULL;
    int rc = jobspec_parse(minimal, sizeof minimal - 1, &job);
    if (rc == AL_OK) {
        sandbox_spec_t spec = SANDBOX_SPEC_INIT;
        spec.driver = driver;
        stage_exec_limits(&spec.limits, &job->policy.limits);
        rc = sandbox_pools_warm(pools, &spec);
    }
    jobspec_destroy(&job);
    return rc;
}

void stage_exec_spec(const stage_ctx_t *c, const char *sock, sandbox_spec_t *out)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = c->driver;
    spec.task_id = c->t->task_id;
    stage_exec_limits(&spec.limits, c->limits);
    spec.egress_socket = sock;
    spec.egress_token = sock ? c->token : NULL;
    /* The ns driver mounts its root over a directory made in state_dir from
     * inside a user namespace whose root is an unprivileged host uid: every
     * parent must be searchable by that uid, which the worker's 0700
     * state_dir is not. Its state is only a mount point, so $TMPDIR (or /tmp)
     * serves; other drivers keep their state in the task directory. */
    spec.state_dir = strcmp(c->driver, "ns") == 0 ? NULL : c->dir;
    spec.env = c->env ? &c->env->env : NULL;
    *out = spec;
}

/* The stage's sandbox: the one made ahead when there is one (and it was made
 * without network, as a stage without egress needs), else one made now. */
static int s_sandbox_make(const stage_ctx_t *c, const char *sock, sandbox_t **sb, int *ahead)
{
    *ahead = 0;
    if (c->ahead && !sock) {
        if (stage_ahead_take(c->ahead, sb) == AL_OK) {
            *ahead = 1;
            return AL_OK;
        }
        al_warn("stage.ahead.failed", "task=%s msg=\"%s\" fallback=create", c->t->task_id,
                al_err_msg());
    }
    sandbox_spec_t spec;
    stage_exec_spec(c, sock, &spec);
    return sandbox_pools_create(c->pools, &spec, sb);
}

/* A fresh sandbox for the stage, holding its workspace; the sandbox's
 * isolation, kernel and VMM go to *o. STAGE_ERROR with o->error on failure. */
static stage_status_t s_sandbox(const stage_ctx_t *c, const stage_req_t *req, const char *sock, sandbox_t **sb,
                                stage_outcome_t *o)
{
    uint64_t t0 = task_now_us();
    int ahead = 0;
    int created = s_sandbox_make(c, sock, sb, &ahead) == AL_OK;
    if (created) {   /* metrics: the stage's wait for its sandbox by driver, pool hit/miss, made ahead */
        char us[24];
        snprintf(us, sizeof us, "%llu", (unsigned long long)(task_now_us() - t0));
        task_event(c->t, AL_EVENT_SANDBOX_CREATE, "stage", req->stage, "driver", c->driver, "create_us", us,
                   "pool", sandbox_info(*sb)->from_pool ? "hit" : "miss", "ahead", ahead ? "1" : "0", NULL);
    }
    if (!created || s_workspace_in(c, *sb, req->host_dir, req->index_tree) != AL_OK) {
        snprintf(o->error, sizeof o->error, "%s: sandbox (%s): %s", req->stage, c->driver, al_err_msg());
        return STAGE_ERROR;
    }
    const sandbox_info_t *info = sandbox_info(*sb);
    o->sandboxed = 1;
    snprintf(o->isolation, sizeof o->isolation, "%s", info->isolation ? info->isolation : "");
    snprintf(o->kernel, sizeof o->kernel, "%s", info->kernel ? info->kernel : "");
    snprintf(o->vmm, sizeof o->vmm, "%s", info->vmm ? info->vmm : "");
    return STAGE_OK;
}

/* After the commands: the sandbox's .git leaves a layered workspace, or the
 * sandbox's /workspace is copied back (also after a failed, timed-out or
 * killed command: the workspace is what it left). A failure here is the
 * stage's outcome only when its commands succeeded (STAGE_RESOURCE for a
 * workspace over the export limits, with o->error); a cancelled stage's
 * workspace is of no use (and a microVM is gone after an interrupt): it
 * stays cancelled whatever its clean-up finds. */
static stage_status_t s_finish(const stage_ctx_t *c, const stage_req_t *req, sandbox_t **sb,
                               stage_status_t status, stage_outcome_t *o)
{
    int keep = status == STAGE_ERROR || status == STAGE_CANCELLED;
    if (*sb && gitops_workspace_layered(c->ws)) {
        /* attached: what the stage wrote is in the upper layer already */
        sandbox_destroy(sb);
        if (s_dotgit_remove(req->host_dir) != AL_OK && status == STAGE_OK) {
            snprintf(o->error, sizeof o->error, "%s: removing the sandbox's .git: %s", req->stage, al_err_msg());
            return STAGE_ERROR;
        }
    } else if (*sb && req->copy_back && !keep) {
        int rc = s_copy_back(*sb, req->host_dir);
        if (rc != AL_OK && status == STAGE_OK) {   /* a workspace over the export limits is the job's doing */
            snprintf(o->error, sizeof o->error, "%s: reading the workspace back: %s", req->stage, al_err_msg());
            return rc == AL_ELIMIT ? STAGE_RESOURCE : STAGE_ERROR;
        }
    }
    return status;
}

stage_status_t stage_exec_commands(const stage_ctx_t *c, const stage_req_t *req, stage_outcome_t *out)
{
    egress_proxy_t *proxy = NULL;
    sandbox_t *sb = NULL;
    char sock[PATH_MAX] = "";
    memset(out, 0, sizeof *out);
    stage_status_t status = STAGE_OK;
    if (req->egress && s_proxy_start(c, req, &proxy, sock, sizeof sock) != AL_OK) {
        snprintf(out->error, sizeof out->error, "%s: egress proxy: %s", req->stage, al_err_msg());
        status = STAGE_ERROR;
    }
    if (status == STAGE_OK)
        status = s_sandbox(c, req, proxy ? sock : NULL, &sb, out);
    for (size_t i = 0; status == STAGE_OK && i < req->n; i++)
        status = s_run_one(c, sb, req->stage, i, &req->cmds[i], out);
    status = s_finish(c, req, &sb, status, out);
    sandbox_destroy(&sb);
    egress_proxy_destroy(&proxy);   /* joins its threads: no event after this */
    out->status = status;
    return status;
}
