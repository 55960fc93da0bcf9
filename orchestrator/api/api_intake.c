/*
 * api_intake.c: turns queued GitHub pull_request deliveries into jobs, on a
 * thread of its own (a czmq actor started by the API actor), never in the
 * webhook's request.
 *
 * For a delivery: fetch refs/pull/N/head and the base branch into a bare
 * mirror (worker/gitops remote fetch: credentials by URL prefix, allowlist,
 * no redirects), take the merge base of the head and the base commit, read
 * `.airlock.json` at the BASE commit (so a pull request cannot change its
 * own tests or policy), and build the job: the template (.airlock.json,
 * else the job of the repository's github_repos entry, whose members fill
 * what the file leaves out) with repo = the clone URL, base = the merge
 * base, ref = pull/N/head, patch = the pull request's diff (merge base ->
 * head, binary files included), github.* labels, and an idempotency key per
 * head commit. The job is validated (common/jobspec) and stored with
 * airlock_submit as the repository's identity; the delivery row records the
 * job or why there is none.
 *
 * Owns: its database connection, its copy of github_repos, the remote rules
 * and the mirror directory.
 */
#include "orchestrator/api/api.h"
#include "common/error.h"
#include "common/jobspec/jobspec.h"
#include "common/log.h"
#include "worker/gitops/gitops.h"
#include "common/base64.h"
#include "common/digest.h"
#include "common/utf8.h"

#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define POLICY_FILE ".airlock.json"
#define POLICY_MAX (64 * 1024)
#define ASSIGN_JOB_MAX 1048576

typedef struct {
    api_intake_config_t cfg;
    store_db_t *db;
    gitops_remote_t *remote;
    zsock_t *pipe;
    tenant_repos_t *repos;       /* the identity's tenant's repository roots */
} intake_t;

static int s_mirror_path(intake_t *in, const char *url, char *out, size_t size)
{
    char hex[65];
    al_sha256_hex(url, strlen(url), hex);
    if (mkdir(in->cfg.cache_dir, 0700) != 0 && errno != EEXIST)
        return al_err_set_errno(AL_EIO, "github_cache_dir %s", in->cfg.cache_dir);
    snprintf(out, size, "%s/%s.git", in->cfg.cache_dir, hex);
    return AL_OK;
}

/* The pull request's head and its base branch into the mirror. */
static int s_fetch(intake_t *in, json_t *pl, const char *url, const char *mirror)
{
    char ref[64];
    snprintf(ref, sizeof ref, "pull/%lld/head", (long long)json_integer_value(json_object_get(pl, "number")));
    gitops_source_t src = GITOPS_SOURCE_INIT;
    src.url = url;
    src.ref = ref;
    src.base = json_string_value(json_object_get(pl, "head_sha"));
    src.remote = in->remote;
    src.task_id = "github-intake";
    int rc = gitops_remote_fetch_bare(mirror, &src);
    if (rc == AL_OK) {
        src.ref = json_string_value(json_object_get(pl, "base_ref"));
        src.base = json_string_value(json_object_get(pl, "base_sha"));
        rc = gitops_remote_fetch_bare(mirror, &src);
    }
    return rc;
}

static int s_git(int code, const char *what)
{
    const git_error *e = git_error_last();
    return al_err_set(code, "%s: %s", what, e && e->message ? e->message : "libgit2 error");
}

/* .airlock.json at the base commit: NULL when there is none (not an error). */
static int s_policy_file(git_repository *repo, git_commit *base, json_t **out)
{
    git_tree *tree = NULL;
    git_tree_entry *entry = NULL;
    git_blob *blob = NULL;
    int rc = AL_OK;
    *out = NULL;
    if (git_commit_tree(&tree, base) < 0)
        return s_git(AL_EGIT, "base tree");
    if (git_tree_entry_bypath(&entry, tree, POLICY_FILE) == 0) {
        if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) {
            rc = s_git(AL_EGIT, POLICY_FILE);
        } else if (git_blob_rawsize(blob) > POLICY_MAX) {
            rc = al_err_set(AL_ELIMIT, "%s at the base commit is over %d bytes", POLICY_FILE, POLICY_MAX);
        } else {
            json_error_t e;
            *out = json_loadb(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), JSON_REJECT_DUPLICATES, &e);
            if (!json_is_object(*out))
                rc = al_err_set(AL_EINVAL, "%s at the base commit: %s (line %d)", POLICY_FILE,
                                *out ? "not a JSON object" : e.text, e.line);
        }
    }
    git_blob_free(blob);
    git_tree_entry_free(entry);
    git_tree_free(tree);
    return rc;
}

/* The job's patch member for a diff: the text, or its bytes in base64 when
 * they are not UTF-8 (patch_b64). NULL when out of memory. */
static json_t *s_patch_member(const char *patch)
{
    if (al_utf8_valid(patch))
        return json_string(patch);
    char *b64 = al_b64_encode(patch, strlen(patch));
    json_t *v = b64 ? json_string(b64) : NULL;
    free(b64);
    return v;
}

/* The diff merge base -> head as patch text (binary files included). */
static int s_patch(git_repository *repo, git_commit *from, git_commit *to, char **text)
{
    git_tree *a = NULL, *b = NULL;
    git_diff *diff = NULL;
    git_buf buf = { 0 };
    git_diff_options o;
    int rc = AL_OK;
    git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
    o.flags = GIT_DIFF_SHOW_BINARY;
    if (git_commit_tree(&a, from) < 0 || git_commit_tree(&b, to) < 0 ||
        git_diff_tree_to_tree(&diff, repo, a, b, &o) < 0 || git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH) < 0)
        rc = s_git(AL_EGIT, "pull request diff");
    else if (buf.size > JOBSPEC_MAX_PATCH)
        rc = al_err_set(AL_ELIMIT, "the pull request's diff is %zu bytes, over the %u of a job", buf.size,
                        JOBSPEC_MAX_PATCH);
    else if (!(*text = strndup(buf.ptr ? buf.ptr : "", buf.size)))
        rc = al_err_set(AL_ENOMEM, "out of memory");
    git_buf_dispose(&buf);
    git_diff_free(diff);
    git_tree_free(a);
    git_tree_free(b);
    return rc;
}

/* template: the policy file's job, members missing there from github_repos. */
static json_t *s_template(json_t *file, json_t *map)
{
    json_t *t = file ? json_deep_copy(file) : json_object();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(map, "job"), k, v)
        if (!json_object_get(t, k))
            json_object_set(t, k, v);
    return t;
}

static void s_labels(json_t *job, json_t *pl, const char *delivery)
{
    json_t *labels = json_object_get(job, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(job, "labels", labels);
    }
    char pr[24];
    snprintf(pr, sizeof pr, "%lld", (long long)json_integer_value(json_object_get(pl, "number")));
    json_object_set(labels, "github.repo", json_object_get(pl, "repo"));
    json_object_set_new(labels, "github.pr", json_string(pr));
    json_object_set(labels, "github.head_sha", json_object_get(pl, "head_sha"));
    json_object_set(labels, "github.base_sha", json_object_get(pl, "base_sha"));
    json_object_set_new(labels, "github.delivery", json_string(delivery));
}

/* Builds the job of a delivery from the mirror; *job owned by the caller. */
static int s_job(intake_t *in, const char *delivery, json_t *pl, const char *url, const char *mirror, json_t **job)
{
    git_repository *repo = NULL;
    git_commit *head = NULL, *base = NULL, *mb = NULL;
    git_oid hid, bid, mid;
    json_t *file = NULL;
    char *patch = NULL, ref[64], mb_hex[GIT_OID_HEXSZ + 1];
    int rc = AL_OK;
    *job = NULL;
    if (git_repository_open_bare(&repo, mirror) < 0 ||
        git_oid_fromstr(&hid, json_string_value(json_object_get(pl, "head_sha"))) < 0 ||
        git_oid_fromstr(&bid, json_string_value(json_object_get(pl, "base_sha"))) < 0 ||
        git_commit_lookup(&head, repo, &hid) < 0 || git_commit_lookup(&base, repo, &bid) < 0 ||
        git_merge_base(&mid, repo, &hid, &bid) < 0 || git_commit_lookup(&mb, repo, &mid) < 0) {
        rc = s_git(AL_EGIT, "pull request commits");
        goto done;
    }
    if ((rc = s_policy_file(repo, base, &file)) != AL_OK || (rc = s_patch(repo, mb, head, &patch)) != AL_OK)
        goto done;
    json_t *map = json_object_get(in->cfg.github_repos, json_string_value(json_object_get(pl, "repo")));
    if (!file && !json_is_object(json_object_get(map, "job"))) {
        rc = al_err_set(AL_ENOTFOUND, "no %s at the base commit and no job in github_repos", POLICY_FILE);
        goto done;
    }
    git_oid_tostr(mb_hex, sizeof mb_hex, &mid);
    snprintf(ref, sizeof ref, "pull/%lld/head", (long long)json_integer_value(json_object_get(pl, "number")));
    *job = s_template(file, map);
    json_object_set_new(*job, "repo", json_string(url));
    json_object_set_new(*job, "base", json_string(mb_hex));
    json_object_set_new(*job, "ref", json_string(ref));
    /* a diff that is not UTF-8 (a file in Latin-1) goes as its bytes; a member
     * dropped for want of memory would test the base alone */
    json_t *patch_json = s_patch_member(patch);
    json_object_del(*job, "patch");   /* the pull request's diff, whatever the template had */
    json_object_del(*job, "patch_b64");
    if (!patch_json || json_object_set_new(*job, al_utf8_valid(patch) ? "patch" : "patch_b64", patch_json) != 0) {
        rc = al_err_set(AL_ENOMEM, "out of memory");
        goto done;
    }
    json_object_del(*job, "idempotency_key");
    s_labels(*job, pl, delivery);
done:
    free(patch);
    json_decref(file);
    git_commit_free(head);
    git_commit_free(base);
    git_commit_free(mb);
    git_repository_free(repo);
    return rc;
}

/* Validates and stores the job as the repository's identity. */
static int s_submit(intake_t *in, json_t *pl, json_t *job, char job_id[API_ID_MAX])
{
    char *text = json_dumps(job, JSON_COMPACT), *spec = NULL, key[160], max[16];
    jobspec_t *js = NULL;
    int rc = text ? jobspec_parse(text, strlen(text), &js) : al_err_set(AL_ENOMEM, "out of memory");
    if (rc != AL_OK)
        al_err_wrap(rc, "the job built for the pull request is invalid");
    if (rc == AL_OK && !(spec = jobspec_to_json(js)))
        rc = AL_ENOMEM;
    if (rc == AL_OK && strlen(spec) > ASSIGN_JOB_MAX)
        rc = al_err_set(AL_ELIMIT, "the job (with the pull request's diff) is over 1 MiB");
    const char *tenant = json_string_value(json_object_get(pl, "tenant"));
    if (rc == AL_OK)
        rc = tenant_repos_check(in->repos, tenant ? tenant : "", js->repo);
    char hex[65];
    const char *head = json_string_value(json_object_get(pl, "head_sha"));
    char what[300];
    snprintf(what, sizeof what, "%s#%lld@%s", json_string_value(json_object_get(pl, "repo")),
             (long long)json_integer_value(json_object_get(pl, "number")), head);
    al_sha256_hex(what, strlen(what), hex);
    hex[32] = '\0';   /* 128 bits are enough for an idempotency key */
    snprintf(key, sizeof key, "t/%s/gh-%s", json_string_value(json_object_get(pl, "tenant")), hex);
    snprintf(max, sizeof max, "%d", in->cfg.max_attempts);
    const char *params[] = { key, spec, max, json_string_value(json_object_get(pl, "identity_key")), tenant };
    PGresult *res = NULL;
    if (rc == AL_OK && (rc = store_db_ensure(in->db, 2)) == AL_OK)
        rc = store_db_exec(in->db, &res, "SELECT job_id FROM airlock_submit($1, $2::jsonb, ($2::jsonb)->'labels', "
                                         "$3::int, $4, $5)", 5, params);
    if (rc == AL_OK)
        snprintf(job_id, API_ID_MAX, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
    PQclear(res);
    jobspec_destroy(&js);
    free(text);
    free(spec);
    return rc;
}

static void s_record(intake_t *in, const char *delivery, const char *job_id, const char *error)
{
    const char *params[] = { delivery, error ? "failed" : "submitted", job_id && *job_id ? job_id : NULL, error };
    if (store_db_exec(in->db, NULL, "UPDATE github_deliveries SET state = $2, job_id = $3, error = $4, "
                                     "done_at = now() WHERE delivery_id = $1", 4, params) != AL_OK)
        al_warn("api.github.record_failed", "delivery=%s error=%s", delivery, al_err_msg());
}

static void s_process(intake_t *in, const char *delivery, const char *payload)
{
    json_t *pl = json_loads(payload, 0, NULL), *job = NULL;
    json_t *map = json_object_get(in->cfg.github_repos, json_string_value(json_object_get(pl, "repo")));
    const char *url = json_string_value(json_object_get(map, "repo_url"));
    char mirror[1024], job_id[API_ID_MAX] = "";
    if (!url)
        url = json_string_value(json_object_get(pl, "clone_url"));
    int rc = !pl || !map || !url ? al_err_set(AL_EINVAL, "repository no longer configured in github_repos")
                                 : s_mirror_path(in, url, mirror, sizeof mirror);
    if (rc == AL_OK)
        rc = s_fetch(in, pl, url, mirror);
    if (rc == AL_OK)
        rc = s_job(in, delivery, pl, url, mirror, &job);
    if (rc == AL_OK)
        rc = s_submit(in, pl, job, job_id);
    char err[1024];
    snprintf(err, sizeof err, "%s", al_err_msg());
    s_record(in, delivery, job_id, rc == AL_OK ? NULL : err);
    if (rc == AL_OK) {
        al_info("api.github.job", "delivery=%s job=%s", delivery, job_id);
        zstr_sendx(in->pipe, "DISPATCH", NULL);
    } else {
        char q[1100];
        al_warn("api.github.failed", "delivery=%s error=%s", delivery, al_log_quote(q, sizeof q, err));
    }
    json_decref(job);
    json_decref(pl);
}

/* Every queued delivery, oldest first. */
static int s_work(zloop_t *loop, int id, void *arg)
{
    (void)loop;
    (void)id;
    intake_t *in = arg;
    PGresult *res = NULL;
    if (store_db_ensure(in->db, 1) != AL_OK ||
        store_db_exec(in->db, &res, "SELECT delivery_id, payload::text FROM github_deliveries WHERE state = 'queued' "
                                    "ORDER BY received_at LIMIT 50", 0, NULL) != AL_OK)
        return 0;
    for (int i = 0; i < PQntuples(res); i++)
        s_process(in, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
    PQclear(res);
    return 0;
}

static int s_on_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    char *cmd = zstr_recv(pipe);
    int stop = !cmd || strcmp(cmd, "$TERM") == 0;
    zstr_free(&cmd);
    if (!stop)
        s_work(loop, 0, arg);
    return stop ? -1 : 0;
}

void api_intake_actor(zsock_t *pipe, void *args)
{
    intake_t in;
    memset(&in, 0, sizeof in);
    in.cfg = *(const api_intake_config_t *)args;
    in.pipe = pipe;
    int rc = gitops_init();
    if (rc == AL_OK)
        rc = store_db_connect(&in.db, in.cfg.db);
    if (rc == AL_OK)
        rc = gitops_remote_new(&in.remote, &in.cfg.remote);
    if (rc == AL_OK)
        rc = tenant_repos_new(&in.repos, in.cfg.tenant_repos);
    zsock_signal(pipe, 0);
    zstr_sendx(pipe, rc == AL_OK ? "OK" : "ERROR", rc == AL_OK ? "" : al_err_msg(), NULL);
    zloop_t *loop = rc == AL_OK ? zloop_new() : NULL;
    if (loop) {
        zloop_reader(loop, pipe, s_on_pipe, &in);
        zloop_timer(loop, 30000, 0, s_work, &in);   /* and after a restart */
        s_work(loop, 0, &in);
        zloop_start(loop);
        zloop_destroy(&loop);
    }
    gitops_remote_destroy(&in.remote);
    tenant_repos_destroy(&in.repos);
    store_db_destroy(&in.db);
}
