/*
 * test_gitops_remote.c: workspaces from remote repositories served by a real
 * git server on loopback (git http-backend behind tests/support/
 * git_http_server.py, HTTP and HTTPS): anonymous and authenticated fetches,
 * a wrong password, no credential, an unreachable host, pull/N/head refs,
 * the rules (plain http off by default, git_remote_allow, ssh needs
 * known_hosts), the byte limit, the credentials file checks, a TLS server
 * whose CA is unknown and then configured, and that no secret is written to
 * the mirror or the workspace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "common/error.h"
#include "git_server.h"
#include "gitops_fixture.h"
#include "worker/gitops/remote_internal.h"

#define GIT "git -c user.name=t -c user.email=t@airlock.invalid -c init.defaultBranch=main"
#define PASSWORD "s3cret-Pa55word-never-stored"

typedef struct {
    fx_t *fx;
    git_server_t *http, *https;
    char srv[256], log[256], creds[256], pw_good[256], pw_bad[256], cert[256], key[256];
    char c3[41];                 /* a commit only refs/pull/7/head points at */
} rt_t;

static void s_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
}

/* <srv>/public/repo.git and <srv>/private/repo.git (bare clones of the
 * fixture), and in both a commit reachable only from refs/pull/7/head. */
static void s_make_served(rt_t *t)
{
    fx_t *fx = t->fx;
    fx_sh("mkdir -p %s/public %s/private", t->srv, t->srv);
    fx_sh(GIT " clone -q --bare %s %s/public/repo.git", fx->src, t->srv);
    fx_sh("cd %s && " GIT " checkout -q -b pr7 %s && printf 'pr\\n' > pr.txt && " GIT " add pr.txt && "
          GIT " commit -q -m pr && " GIT " push -q %s/public/repo.git HEAD:refs/pull/7/head && "
          GIT " checkout -q -f main", fx->scratch, fx->c2, t->srv);
    char *s = fx_sh_out(NULL, GIT " -C %s/public/repo.git rev-parse refs/pull/7/head", t->srv);
    memcpy(t->c3, s, 40);
    free(s);
    fx_sh("cp -a %s/public/repo.git %s/private/repo.git", t->srv, t->srv);
}

static int setup(void **state)
{
    rt_t *t = calloc(1, sizeof *t);
    if (fx_setup((void **)&t->fx) != 0)
        return -1;
    const char *root = t->fx->root;
    snprintf(t->srv, sizeof t->srv, "%s/srv", root);
    snprintf(t->log, sizeof t->log, "%s/requests.log", root);
    snprintf(t->pw_good, sizeof t->pw_good, "%s/pw-good", root);
    snprintf(t->pw_bad, sizeof t->pw_bad, "%s/pw-bad", root);
    snprintf(t->creds, sizeof t->creds, "%s/credentials", root);
    snprintf(t->cert, sizeof t->cert, "%s/tls.crt", root);
    snprintf(t->key, sizeof t->key, "%s/tls.key", root);
    s_make_served(t);
    s_write(t->pw_good, PASSWORD "\n", 0600);
    s_write(t->pw_bad, "wrong-password\n", 0600);
    /* mbedTLS (libgit2 1.5 on Debian) matches an IP host against DNS names only */
    fx_sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 "
          "-addext subjectAltName=DNS:127.0.0.1,IP:127.0.0.1 -keyout %s -out %s 2>/dev/null", t->key, t->cert);
    char auth[600];
    snprintf(auth, sizeof auth, "/private/:bot:%s", t->pw_good);
    const char *auths[] = { auth, NULL };
    git_server_opts_t o = { t->srv, auths, t->log, NULL, NULL, NULL };
    if (git_server_start(&t->http, &o) != 0)
        return -1;
    o.tls_cert = t->cert;
    o.tls_key = t->key;
    if (git_server_start(&t->https, &o) != 0)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    rt_t *t = *state;
    git_server_stop(&t->http);
    git_server_stop(&t->https);
    void *fx = t->fx;
    fx_teardown(&fx);
    free(t);
    return 0;
}

static void s_url(char *out, size_t n, const char *scheme, int port, const char *path)
{
    snprintf(out, n, "%s://127.0.0.1:%d/%s", scheme, port, path);
}

/* A remote config from a credentials file text (NULL = none). */
static gitops_remote_t *s_remote(rt_t *t, const char *creds_text, const char *allow, int allow_http)
{
    gitops_remote_opts_t o = GITOPS_REMOTE_OPTS_INIT;
    if (creds_text) {
        s_write(t->creds, creds_text, 0644);   /* the list itself holds no secret */
        o.credentials_file = t->creds;
    }
    o.allow = allow;
    o.allow_http = allow_http;
    gitops_remote_t *rm = NULL;
    if (gitops_remote_new(&rm, &o) != 0)
        fail_msg("gitops_remote_new: %s", al_err_msg());
    return rm;
}

/* Workspace of url at base (ref may be NULL) through the cache; returns the
 * rc and leaves the message in al_err_msg(); *ws_out gets the workspace. */
static int s_ws(rt_t *t, const char *url, const char *base, const char *ref, const gitops_remote_t *rm,
                gitops_workspace_t **ws_out)
{
    char dir[256];
    gitops_source_t src = GITOPS_SOURCE_INIT;
    fx_dir(t->fx, dir, sizeof dir, "rws");
    src.url = url;
    src.base = base;
    src.ref = ref;
    src.cache_dir = t->fx->cache;
    src.task_id = "remote-test";
    src.remote = rm;
    gitops_workspace_t *ws = NULL;
    int rc = gitops_workspace_new(&ws, &src, dir);
    if (ws_out)
        *ws_out = ws;
    else
        gitops_workspace_destroy(&ws);
    return rc;
}

static int s_contains(const char *msg, const char *needle)
{
    if (strstr(msg, needle))
        return 1;
    print_message("message: %s\n(expected to contain: %s)\n", msg, needle);
    return 0;
}

static void test_http_anonymous(void **state)
{
    rt_t *t = *state;
    char url[256];
    s_url(url, sizeof url, "http", git_server_port(t->http), "public/repo.git");
    gitops_remote_t *rm = s_remote(t, NULL, NULL, 1);
    gitops_workspace_t *ws = NULL;
    /* a commit id: every branch and tag is fetched */
    assert_int_equal(s_ws(t, url, t->fx->c1, NULL, rm, &ws), 0);
    assert_string_equal(gitops_workspace_base_commit(ws), t->fx->c1);
    gitops_workspace_destroy(&ws);
    /* a branch name: only that branch */
    assert_int_equal(s_ws(t, url, "main", NULL, rm, &ws), 0);
    assert_string_equal(gitops_workspace_base_commit(ws), t->fx->c2);
    gitops_workspace_destroy(&ws);
    gitops_remote_destroy(&rm);
    assert_null(rm);
}

static void test_pull_ref(void **state)
{
    rt_t *t = *state;
    char url[256];
    s_url(url, sizeof url, "http", git_server_port(t->http), "public/repo.git");
    gitops_remote_t *rm = s_remote(t, NULL, NULL, 1);
    /* without a ref, a commit only a pull ref reaches is not found, and the
     * message says what to do */
    fx_sh("rm -rf %s", t->fx->cache);
    assert_int_equal(s_ws(t, url, t->c3, NULL, rm, NULL), AL_ENOTFOUND);
    assert_true(s_contains(al_err_msg(), "set `ref` to the branch or pull/N/head"));
    gitops_workspace_t *ws = NULL;
    assert_int_equal(s_ws(t, url, t->c3, "pull/7/head", rm, &ws), 0);
    assert_string_equal(gitops_workspace_base_commit(ws), t->c3);
    gitops_workspace_destroy(&ws);
    assert_int_equal(s_ws(t, url, "main", "pull/8/head", rm, NULL), AL_ENOTFOUND);
    assert_true(s_contains(al_err_msg(), "field ref pull/8/head: no such ref"));
    gitops_remote_destroy(&rm);
}

static void test_rules(void **state)
{
    rt_t *t = *state;
    char url[256], allow[256];
    int port = git_server_port(t->http);
    s_url(url, sizeof url, "http", port, "public/repo.git");
    /* plain http is off unless allowed, also with no remote config at all */
    assert_int_equal(s_ws(t, url, "main", NULL, NULL, NULL), AL_EPOLICY);
    assert_true(s_contains(al_err_msg(), "git_allow_http"));
    /* the allowlist matches at path boundaries */
    snprintf(allow, sizeof allow, "http://127.0.0.1:%d/pub", port);
    gitops_remote_t *rm = s_remote(t, NULL, allow, 1);
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), AL_EPOLICY);
    assert_true(s_contains(al_err_msg(), "not under any prefix of git_remote_allow"));
    gitops_remote_destroy(&rm);
    snprintf(allow, sizeof allow, "https://example.com/, HTTP://127.0.0.1:%d/public/", port);
    rm = s_remote(t, NULL, allow, 1);
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), 0);
    gitops_remote_destroy(&rm);
    /* ssh needs known_hosts; HEAD cannot be fetched by name */
    assert_int_equal(s_ws(t, "ssh://git@127.0.0.1:1/x.git", "main", NULL, NULL, NULL), AL_EPOLICY);
    assert_true(s_contains(al_err_msg(), "git_known_hosts"));
    rm = s_remote(t, NULL, NULL, 1);
    assert_int_equal(s_ws(t, url, "HEAD", NULL, rm, NULL), AL_EINVAL);
    assert_true(s_contains(al_err_msg(), "name a branch, tag or pull/N/head"));
    gitops_remote_destroy(&rm);
}

static void test_credentials(void **state)
{
    rt_t *t = *state;
    char url[256], creds[1024];
    int port = git_server_port(t->http);
    s_url(url, sizeof url, "http", port, "private/repo.git");
    /* no credential for the URL */
    gitops_remote_t *rm = s_remote(t, NULL, NULL, 1);
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), AL_EGIT);
    assert_true(s_contains(al_err_msg(), "asks for credentials and git_credentials has none"));
    gitops_remote_destroy(&rm);
    /* a wrong password: one try, then a clear refusal */
    snprintf(creds, sizeof creds, "# test\nhttp://127.0.0.1:%d/private/ basic bot %s\n", port, t->pw_bad);
    rm = s_remote(t, creds, NULL, 1);
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), AL_EGIT);
    if (!s_contains(al_err_msg(), "authentication failed for http://127.0.0.1"))
        fx_sh("cat %s >&2; false", t->log);
    gitops_remote_destroy(&rm);
    /* the longest prefix wins: a good credential for the repository itself */
    snprintf(creds, sizeof creds, "http://127.0.0.1:%d/ basic bot %s\n"
             "http://127.0.0.1:%d/private/repo.git basic bot %s\n", port, t->pw_bad, port, t->pw_good);
    rm = s_remote(t, creds, NULL, 1);
    gitops_workspace_t *ws = NULL;
    assert_int_equal(s_ws(t, url, t->fx->c1, NULL, rm, &ws), 0);
    assert_string_equal(gitops_workspace_base_commit(ws), t->fx->c1);
    gitops_workspace_destroy(&ws);
    gitops_remote_destroy(&rm);
    /* the server saw each case; the password was never written to disk */
    fx_sh("grep -q 'private/repo.git/info/refs auth=none 401' %s", t->log);
    fx_sh("grep -q 'auth=bad 401' %s && grep -q 'auth=ok 200' %s", t->log, t->log);
    fx_sh("! grep -rqa -- '" PASSWORD "' %s/cache %s/rws-*", t->fx->root, t->fx->root);
}

static void test_credentials_file_checks(void **state)
{
    rt_t *t = *state;
    char text[1024], loose[300];
    gitops_remote_opts_t o = GITOPS_REMOTE_OPTS_INIT;
    gitops_remote_t *rm = NULL;
    o.credentials_file = t->creds;
    snprintf(loose, sizeof loose, "%s/pw-loose", t->fx->root);
    s_write(loose, "x\n", 0644);
    snprintf(text, sizeof text, "https://example.com/ basic bot %s\n", loose);
    s_write(t->creds, text, 0644);
    assert_int_equal(gitops_remote_new(&rm, &o), AL_ECONFIG);
    assert_true(s_contains(al_err_msg(), "chmod 600"));
    s_write(t->creds, "\n\nhttps://example.com/ basic bot\n", 0644);
    assert_int_equal(gitops_remote_new(&rm, &o), AL_ECONFIG);
    assert_true(s_contains(al_err_msg(), "credentials:3: expected"));
    snprintf(text, sizeof text, "ssh://git@example.com/ basic bot %s\n", t->pw_good);
    s_write(t->creds, text, 0644);
    assert_int_equal(gitops_remote_new(&rm, &o), AL_ECONFIG);
    assert_true(s_contains(al_err_msg(), "`basic` is for http(s) prefixes"));
    assert_null(rm);
}

static void test_unreachable_and_limit(void **state)
{
    rt_t *t = *state;
    char url[256];
    gitops_remote_t *rm = s_remote(t, NULL, NULL, 1);
    s_url(url, sizeof url, "http", git_server_unused_port(), "public/repo.git");
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), AL_EGIT);
    assert_true(s_contains(al_err_msg(), "fetch"));
    assert_true(s_contains(al_err_msg(), "127.0.0.1"));
    assert_true(strstr(al_err_msg(), "onnect") || strstr(al_err_msg(), "refused"));
    gitops_remote_destroy(&rm);
    /* a server sending more than the limit is cut off */
    gitops_remote_opts_t o = GITOPS_REMOTE_OPTS_INIT;
    o.allow_http = 1;
    o.max_fetch_bytes = 64;
    assert_int_equal(gitops_remote_new(&rm, &o), 0);
    fx_sh("rm -rf %s", t->fx->cache);
    s_url(url, sizeof url, "http", git_server_port(t->http), "public/repo.git");
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), AL_EGIT);
    assert_true(s_contains(al_err_msg(), "sent more than 64 bytes"));
    gitops_remote_destroy(&rm);
}

/* HTTPS: refused while the server's CA is unknown, fetched once it is set. */
static void test_https_ca(void **state)
{
    rt_t *t = *state;
    char url[256], creds[600];
    int port = git_server_port(t->https);
    s_url(url, sizeof url, "https", port, "private/repo.git");
    snprintf(creds, sizeof creds, "https://127.0.0.1:%d/private/ basic bot %s\n", port, t->pw_good);
    gitops_remote_t *rm = s_remote(t, creds, NULL, 0);
    assert_int_equal(s_ws(t, url, "main", NULL, rm, NULL), AL_EGIT);
    assert_true(strstr(al_err_msg(), "certificate") || strstr(al_err_msg(), "ertif"));
    assert_int_equal(gitops_remote_set_ca_file(t->cert), 0);
    gitops_workspace_t *ws = NULL;
    if (s_ws(t, url, "main", NULL, rm, &ws) != 0)
        fail_msg("https fetch with the CA set: %s", al_err_msg());
    assert_string_equal(gitops_workspace_base_commit(ws), t->fx->c2);
    gitops_workspace_destroy(&ws);
    gitops_remote_destroy(&rm);
}

/* URL canonical form and prefix boundaries (remote_config.c). */
static void test_url_rules(void **state)
{
    (void)state;
    remote_url_t u;
    assert_int_equal(remote_url_parse("HTTPS://GitHub.com:443/Acme/Repo.git", 0, &u), 0);
    assert_string_equal(u.canon, "https://github.com/Acme/Repo.git");
    assert_int_equal(remote_url_parse("ssh://git@[::1]:2222/r.git", 0, &u), 0);
    assert_string_equal(u.canon, "ssh://git@[::1]:2222/r.git");
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 2222);
    assert_int_equal(remote_url_parse("https://tok@github.com/r.git", 0, &u), AL_EINVAL);
    assert_int_equal(remote_url_parse("https://github.com", 0, &u), AL_EINVAL);
    assert_int_equal(remote_url_parse("https://github.com", 1, &u), 0);
    assert_true(remote_prefix_covers("https://github.com/acme/", "https://github.com/acme/r.git"));
    assert_true(remote_prefix_covers("https://github.com/acme", "https://github.com/acme/r.git"));
    assert_false(remote_prefix_covers("https://github.com/acme", "https://github.com/acme-evil/r.git"));
    assert_false(remote_prefix_covers("https://github.com", "https://github.com.evil.org/r.git"));
}

/* known_hosts: plain and hashed names, [host]:port, a wrong key, @revoked. */
static void test_known_hosts(void **state)
{
    rt_t *t = *state;
    char kh[300], kf[300];
    snprintf(kh, sizeof kh, "%s/known_hosts", t->fx->root);
    snprintf(kf, sizeof kf, "%s/hostkey", t->fx->root);
    fx_sh("rm -f %s %s.pub && ssh-keygen -q -t ed25519 -N '' -f %s && ssh-keygen -q -t ed25519 -N '' "
          "-f %s2 && printf '[127.0.0.1]:2222 ' > %s && cut -d' ' -f1,2 %s.pub >> %s && "
          "printf 'git.example.com ' >> %s && cut -d' ' -f1,2 %s.pub >> %s && ssh-keygen -q -H -f %s "
          "2>/dev/null && printf '@revoked other.example.com ' >> %s && cut -d' ' -f1,2 %s2.pub >> %s",
          kf, kf, kf, kf, kh, kf, kh, kh, kf, kh, kh, kh, kf, kh);
    char *b64 = fx_sh_out(NULL, "cut -d' ' -f2 %s.pub | tr -d '\\n'", kf);
    char *b64b = fx_sh_out(NULL, "cut -d' ' -f2 %s2.pub | tr -d '\\n'", kf);
    unsigned char key[256], other[256];
    int n = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)strlen(b64));
    int m = EVP_DecodeBlock(other, (const unsigned char *)b64b, (int)strlen(b64b));
    n -= (int)(strlen(b64) - strcspn(b64, "="));
    m -= (int)(strlen(b64b) - strcspn(b64b, "="));
    gitops_remote_opts_t o = GITOPS_REMOTE_OPTS_INIT;
    o.known_hosts = kh;
    gitops_remote_t *rm = NULL;
    assert_int_equal(gitops_remote_new(&rm, &o), 0);
    assert_int_equal(remote_known_host_check(rm, "127.0.0.1", 2222, key, (size_t)n, NULL, 1), 0);
    assert_int_equal(remote_known_host_check(rm, "git.example.com", 0, key, (size_t)n, NULL, 1), 0);
    assert_int_equal(remote_known_host_check(rm, "127.0.0.1", 0, key, (size_t)n, NULL, 1), AL_EPOLICY);
    assert_true(s_contains(al_err_msg(), "is not in git_known_hosts"));
    assert_int_equal(remote_known_host_check(rm, "git.example.com", 0, other, (size_t)m, NULL, 1), AL_EPOLICY);
    assert_true(s_contains(al_err_msg(), "does NOT match"));
    assert_int_equal(remote_known_host_check(rm, "other.example.com", 0, other, (size_t)m, NULL, 1), AL_EPOLICY);
    assert_true(s_contains(al_err_msg(), "@revoked"));
    gitops_remote_destroy(&rm);
    free(b64);
    free(b64b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_rules),
        cmocka_unit_test(test_http_anonymous),
        cmocka_unit_test(test_pull_ref),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_credentials),
        cmocka_unit_test(test_credentials_file_checks),
        cmocka_unit_test(test_unreachable_and_limit),
        cmocka_unit_test(test_https_ca),
        cmocka_unit_test(test_known_hosts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
