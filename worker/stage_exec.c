/*
 * stage_exec.c: one stage's commands in one fresh sandbox, with its egress
 * proxy when the policy allows network for the stage. Every command gets a
 * stage.start and a stage.end event (exit status, resource use, bounded
 * output tail with the task token redacted) and every process the sandbox
 * saw exec'd becomes an exec event; exec events the sandbox lost (its proc
 * connector overflowed) become one exec.lost event per command.
 */
#include "worker/pipeline_internal.h"
#include "worker/sandbox_pools.h"
#include "common/error.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TAIL_MAX 8192

typedef struct {
    pipeline_t *p;
    const char *stage;
    char tail[TAIL_MAX];
    size_t tail_len;
} exec_ctx_t;

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
        task_event(c->p->t, AL_EVENT_EXEC_LOST, "stage", c->stage, "overflows", n, "ts_us", ts, NULL);
        return;
    }
    snprintf(pid, sizeof pid, "%d", ev->pid);
    snprintf(ppid, sizeof ppid, "%d", ev->ppid);
    snprintf(uid, sizeof uid, "%d", ev->uid);
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)ev->ts_us);
    task_event(c->p->t, AL_EVENT_EXEC, "stage", c->stage, "pid", pid, "ppid", ppid, "uid", uid,
               "path", ev->path ? ev->path : "", "argv", ev->argv ? ev->argv : "", "ts_us", ts, NULL);
}

/* Output is shown to whoever reads the job: never the task's own token. Also
 * makes the tail valid text (NUL and invalid bytes become '?'). */
static void s_clean_tail(const pipeline_t *p, char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\0')
            text[i] = '?';
    }
    text[len] = '\0';
    size_t tlen = strlen(p->token);
    for (char *hit = tlen ? strstr(text, p->token) : NULL; hit; hit = strstr(hit, p->token))
        memset(hit, '*', tlen);
}

static void s_interrupt(void *arg) { sandbox_interrupt(arg); }

static stage_status_t s_run_one(pipeline_t *p, sandbox_t *sb, const char *stage, size_t idx,
                                const jobspec_cmd_t *cmd)
{
    const jobspec_limits_t *lim = &p->job->policy.limits;
    char index[24], command[4096] = "";
    snprintf(index, sizeof index, "%zu", idx);
    for (size_t i = 0; i < cmd->argc && strlen(command) < sizeof command - 2; i++)
        snprintf(command + strlen(command), sizeof command - strlen(command), "%s%s", i ? " " : "",
                 cmd->argv[i]);
    task_event(p->t, AL_EVENT_STAGE_START, "stage", stage, "idx", index, "command", command, NULL);
    exec_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return STAGE_ERROR;
    c->p = p;
    c->stage = stage;
    sandbox_exec_req_t req = {
        .argv = (const char *const *)cmd->argv, .env = p->env ? (const char *const *)p->env->vars : NULL,
        .cwd = NULL,
        .timeout_ms = (unsigned)(lim->timeout_s * 1000), .max_output_bytes = (uint64_t)lim->max_output_bytes,
        .on_output = s_on_output, .on_exec = s_on_exec, .ctx = c,
    };
    sandbox_exec_result_t res;
    uint64_t started = task_now_us();
    task_set_cancel_hook(p->t, s_interrupt, sb);
    int rc = task_cancelled(p->t) ? AL_ECANCELLED : sandbox_exec(sb, &req, &res);
    task_set_cancel_hook(p->t, NULL, NULL);
    if (rc != AL_OK) {
        free(c);
        if (rc == AL_ECANCELLED) {
            pipeline_verdict(p, AL_VERDICT_CANCELLED, "%s[%zu] `%.200s` cancelled before it ran", stage, idx, command);
            return STAGE_CANCELLED;
        }
        pipeline_verdict(p, AL_VERDICT_SANDBOX_ERROR, "%s[%zu]: %s", stage, idx, al_err_msg());
        return STAGE_ERROR;
    }
    char st[24], code[16], sig[16], user[24], sys[24], rss[24], bytes[24];
    snprintf(st, sizeof st, "%llu", (unsigned long long)started);
    snprintf(code, sizeof code, "%d", res.exited ? res.exit_code : -1);
    snprintf(sig, sizeof sig, "%d", res.signal);
    snprintf(user, sizeof user, "%llu", (unsigned long long)res.user_us);
    snprintf(sys, sizeof sys, "%llu", (unsigned long long)res.sys_us);
    snprintf(rss, sizeof rss, "%llu", (unsigned long long)res.max_rss_kb);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)(res.stdout_bytes + res.stderr_bytes));
    s_clean_tail(p, c->tail, c->tail_len);
    task_event(p->t, AL_EVENT_STAGE_END, "stage", stage, "idx", index, "command", command,
               "driver", p->driver, "isolation", p->isolation, "environment", p->environment,
               "kernel", p->kernel, "vmm", p->vmm, "started_us", st,
               "exit_status", code, "signal", sig, "timed_out", res.timed_out ? "true" : "false",
               "oom_killed", res.oom_killed ? "true" : "false",
               "output_truncated", res.output_truncated ? "true" : "false",
               "user_us", user, "sys_us", sys, "max_rss_kb", rss, "output_bytes", bytes,
               "output", c->tail, NULL);
    free(c);
    if (task_cancelled(p->t)) {
        pipeline_verdict(p, AL_VERDICT_CANCELLED, "%s[%zu] `%.200s` cancelled while it ran", stage, idx, command);
        return STAGE_CANCELLED;
    }
    if (res.timed_out) {
        pipeline_verdict(p, AL_VERDICT_TIMEOUT, "%s[%zu] `%.200s` ran past %lld s", stage, idx, command,
                         (long long)lim->timeout_s);
        return STAGE_TIMEOUT;
    }
    if (res.oom_killed) {
        pipeline_verdict(p, AL_VERDICT_RESOURCE_EXCEEDED, "%s[%zu] `%.200s` exceeded %lld MiB of memory",
                         stage, idx, command, (long long)lim->memory_mb);
        return STAGE_RESOURCE;
    }
    if (!res.exited || res.exit_code != 0) {
        p->has_exit = 1;
        p->exit_code = res.exited ? res.exit_code : -res.signal;
        pipeline_verdict(p, AL_VERDICT_TESTS_FAILED, "%s[%zu] `%.200s` %s %d", stage, idx, command,
                         res.exited ? "exited with" : "was killed by signal",
                         res.exited ? res.exit_code : res.signal);
        return STAGE_FAILED;
    }
    if (strcmp(stage, "test") == 0) {
        p->has_exit = 1;
        p->exit_code = 0;
    }
    return STAGE_OK;
}

static int s_proxy_start(pipeline_t *p, const char *stage, egress_proxy_t **proxy, char *sock,
                         size_t sock_size, void *event_ctx)
{
    const jobspec_policy_t *pol = &p->job->policy;
    if (snprintf(sock, sock_size, "%s/egress-%s.sock", p->dir, stage) >= (int)sock_size)
        return al_err_set(AL_EINVAL, "egress socket path too long under %s", p->dir);
    egress_config_t ec = EGRESS_CONFIG_INIT;
    ec.task_id = p->t->task_id;
    ec.allowlist = (const char *const *)pol->egress.items;
    ec.allowlist_len = pol->egress.n;
    ec.token_key = p->cfg->token_key;
    ec.token_key_len = p->cfg->token_key_len;
    ec.socket_path = sock;
    ec.resolve = p->cfg->resolve;
    ec.resolve_len = p->cfg->n_resolve;
    ec.allow_private = p->cfg->egress_allow_private != 0;
    ec.on_event = pipeline_egress_event;
    ec.event_ctx = event_ctx;
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
static int s_workspace_in(pipeline_t *p, sandbox_t *sb, const char *host_dir, const char *index_tree)
{
    int rc = gitops_sandbox_repo(p->ws, host_dir, index_tree);
    if (gitops_workspace_layered(p->ws))   /* the overlay itself: .git leaves after the stage */
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

/* A stage sandbox's limits from the job's (one place: the warm pools key on them). */
static void s_spec_limits(sandbox_limits_t *out, const jobspec_limits_t *lim)
{
    out->vcpus = (unsigned)lim->vcpus;
    out->memory_mb = (unsigned)lim->memory_mb;
    out->disk_mb = (unsigned)lim->disk_mb;
    out->max_procs = (unsigned)lim->max_procs;
    out->max_output_bytes = (uint64_t)lim->max_output_bytes;
}

int pipeline_pools_warm(const pipeline_config_t *cfg, const char *driver)
{
    static const char minimal[] = "{\"repo\": \"/\", \"base\": \"HEAD\", \"test\": \"true\"}";
    if (!cfg->pools)
        return AL_OK;
    jobspec_t *job = NULL;
    int rc = jobspec_parse(minimal, sizeof minimal - 1, &job);
    if (rc == AL_OK) {
        sandbox_spec_t spec = SANDBOX_SPEC_INIT;
        spec.driver = driver;
        s_spec_limits(&spec.limits, &job->policy.limits);
        rc = sandbox_pools_warm(cfg->pools, &spec);
    }
    jobspec_destroy(&job);
    return rc;
}

stage_status_t stage_exec_commands(pipeline_t *p, const char *stage, const jobspec_cmd_t *cmds,
                                   size_t n, const char *host_dir, const char *index_tree,
                                   int with_egress, int copy_back)
{
    const jobspec_limits_t *lim = &p->job->policy.limits;
    egress_proxy_t *proxy = NULL;
    char sock[PATH_MAX] = "";
    egress_ctx_t ectx = { p, stage };
    if (with_egress && p->job->policy.egress.n > 0 &&
        s_proxy_start(p, stage, &proxy, sock, sizeof sock, &ectx) != AL_OK) {
        pipeline_verdict(p, AL_VERDICT_SANDBOX_ERROR, "%s: egress proxy: %s", stage, al_err_msg());
        return STAGE_ERROR;
    }
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = p->driver;
    spec.task_id = p->t->task_id;
    s_spec_limits(&spec.limits, lim);
    spec.egress_socket = proxy ? sock : NULL;
    spec.egress_token = proxy ? p->token : NULL;
    /* The ns driver mounts its root over a directory made in state_dir from
     * inside a user namespace whose root is an unprivileged host uid: every
     * parent must be searchable by that uid, which the worker's 0700
     * state_dir is not. Its state is only a mount point, so $TMPDIR (or /tmp)
     * serves; other drivers keep their state in the task directory. */
    spec.state_dir = strcmp(p->driver, "ns") == 0 ? NULL : p->dir;
    spec.env = p->env ? &p->env->env : NULL;
    sandbox_t *sb = NULL;
    stage_status_t status = STAGE_OK;
    uint64_t t0 = task_now_us();
    int created = sandbox_pools_create(p->cfg->pools, &spec, &sb) == AL_OK;
    if (created) {   /* metrics: sandbox create time by driver and pool hit/miss */
        char us[24];
        snprintf(us, sizeof us, "%llu", (unsigned long long)(task_now_us() - t0));
        task_event(p->t, AL_EVENT_SANDBOX_CREATE, "stage", stage, "driver", p->driver, "create_us", us, "pool",
                   sandbox_info(sb)->from_pool ? "hit" : "miss", NULL);
    }
    if (!created || s_workspace_in(p, sb, host_dir, index_tree) != AL_OK) {
        pipeline_verdict(p, AL_VERDICT_SANDBOX_ERROR, "%s: sandbox (%s): %s", stage, p->driver, al_err_msg());
        status = STAGE_ERROR;
    } else {
        const sandbox_info_t *info = sandbox_info(sb);
        snprintf(p->isolation, sizeof p->isolation, "%s", info->isolation ? info->isolation : "");
        snprintf(p->kernel, sizeof p->kernel, "%s", info->kernel ? info->kernel : "");
        snprintf(p->vmm, sizeof p->vmm, "%s", info->vmm ? info->vmm : "");
    }
    for (size_t i = 0; status == STAGE_OK && i < n; i++)
        status = s_run_one(p, sb, stage, i, &cmds[i]);
    /* a cancelled stage's workspace is of no use (and a microVM is gone after an
     * interrupt): it stays cancelled whatever its clean-up finds */
    if (sb && gitops_workspace_layered(p->ws)) {
        /* attached: what the stage wrote is in the upper layer already */
        sandbox_destroy(&sb);
        if (s_dotgit_remove(host_dir) != AL_OK && status != STAGE_ERROR && status != STAGE_CANCELLED) {
            pipeline_verdict(p, AL_VERDICT_SANDBOX_ERROR, "%s: removing the sandbox's .git: %s", stage, al_err_msg());
            status = STAGE_ERROR;
        }
    } else if (sb && copy_back && status != STAGE_ERROR && status != STAGE_CANCELLED &&
               s_copy_back(sb, host_dir) != AL_OK) {
        pipeline_verdict(p, AL_VERDICT_SANDBOX_ERROR, "%s: reading the workspace back: %s", stage, al_err_msg());
        status = STAGE_ERROR;
    }
    sandbox_destroy(&sb);
    egress_proxy_destroy(&proxy);   /* joins its threads: no event after this */
    return status;
}
