/*
 * test_tenancy.c: orchestrator/tenancy/tenancy.c on its own. A client's tenant and
 * access from certificate metadata; who may see and cancel a job of which
 * tenant; repository roots: whole path components, canonical paths only,
 * file:// paths, URL prefixes, the `*` tenant, errors naming the line, and
 * the file re-read when it changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "orchestrator/tenancy/tenancy.h"

static void who_from_metadata(void **state)
{
    (void)state;
    tenant_who_t w;
    assert_int_equal(tenant_who_set(&w, "KEY", NULL, NULL), AL_OK);
    assert_string_equal(w.tenant, "KEY");   /* no tenant: the key is the tenant */
    assert_int_equal(w.access, TENANT_ACCESS_OWN);
    assert_int_equal(tenant_who_set(&w, "KEY", "acme", "reader"), AL_OK);
    assert_string_equal(w.tenant, "acme");
    assert_int_equal(w.access, TENANT_ACCESS_READER);
    assert_int_equal(tenant_who_set(&w, "KEY", "acme", "admin"), AL_OK);
    assert_int_equal(w.access, TENANT_ACCESS_ADMIN);
    assert_int_equal(tenant_who_set(&w, "KEY", "acme", "root"), AL_EPOLICY);
    assert_non_null(strstr(al_err_msg(), "neither reader nor admin"));
    char long_tenant[300];
    memset(long_tenant, 'x', sizeof long_tenant - 1);
    long_tenant[sizeof long_tenant - 1] = '\0';
    assert_int_equal(tenant_who_set(&w, "KEY", long_tenant, NULL), AL_EPOLICY);
}

static void see_and_cancel(void **state)
{
    (void)state;
    tenant_who_t own, reader, admin;
    tenant_who_set(&own, "K1", "acme", NULL);
    tenant_who_set(&reader, "K2", "ops", "reader");
    tenant_who_set(&admin, "K3", "ops", "admin");
    assert_true(tenant_may_see(&own, "acme"));
    assert_false(tenant_may_see(&own, "acmex"));
    assert_false(tenant_may_see(&own, NULL));
    assert_true(tenant_may_cancel(&own, "acme"));
    assert_false(tenant_may_cancel(&own, "beta"));
    assert_true(tenant_may_see(&reader, "beta"));
    assert_true(tenant_may_see(&reader, NULL));
    assert_false(tenant_may_cancel(&reader, "beta"));
    assert_true(tenant_may_cancel(&reader, "ops"));
    assert_true(tenant_may_cancel(&admin, "beta"));
    assert_true(tenant_may_cancel(&admin, NULL));
    assert_string_equal(tenant_list_filter(&own), "acme");
    assert_null(tenant_list_filter(&reader));
    assert_null(tenant_list_filter(&admin));
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void repository_roots(void **state)
{
    (void)state;
    char path[] = "/tmp/airlock-tenancy-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    s_write(path, "# roots\n"
                  "acme /srv/git/acme, https://git.example.org/acme/  # two roots\n"
                  "beta file:///srv/git/beta/\n"
                  "*    /srv/git/public\n");
    tenant_repos_t *r = NULL;
    assert_int_equal(tenant_repos_new(&r, path), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acme"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acme/app"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "file:///srv/git/acme/app"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acmex"), AL_EPOLICY);   /* whole components */
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/beta/x"), AL_EPOLICY);
    assert_non_null(strstr(al_err_msg(), "outside the repository roots of tenant acme"));
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acme/../beta/x"), AL_EPOLICY);
    assert_non_null(strstr(al_err_msg(), "canonical"));
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acme//x"), AL_EPOLICY);
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acme/./x"), AL_EPOLICY);
    assert_int_equal(tenant_repos_check(r, "acme", "https://git.example.org/acme/app.git"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "https://GIT.example.org:443/acme/app.git"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "https://git.example.org/acmex/app.git"), AL_EPOLICY);
    assert_int_equal(tenant_repos_check(r, "acme", "http://git.example.org/acme/app.git"), AL_EPOLICY);
    assert_int_equal(tenant_repos_check(r, "beta", "/srv/git/beta/y"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "beta", "/srv/git/acme/app"), AL_EPOLICY);
    assert_int_equal(tenant_repos_check(r, "beta", "/srv/git/public/lib"), AL_OK);   /* `*` */
    assert_int_equal(tenant_repos_check(r, "gamma", "/srv/git/public/lib"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "gamma", "/srv/git/beta/y"), AL_EPOLICY);
    assert_int_equal(tenant_repos_check(r, "gamma", "relative/path"), AL_EPOLICY);
    /* changed: re-read; broken: the last good table stays */
    s_write(path, "gamma /srv/git/beta\n");
    assert_int_equal(tenant_repos_check(r, "gamma", "/srv/git/beta/y"), AL_OK);
    assert_int_equal(tenant_repos_check(r, "acme", "/srv/git/acme"), AL_EPOLICY);
    s_write(path, "gamma\n");
    assert_int_equal(tenant_repos_check(r, "gamma", "/srv/git/beta/y"), AL_OK);
    tenant_repos_destroy(&r);
    assert_null(r);
    assert_int_equal(tenant_repos_new(&r, path), AL_ECONFIG);
    assert_non_null(strstr(al_err_msg(), ":1:"));
    s_write(path, "acme relative/root\n");
    assert_int_equal(tenant_repos_new(&r, path), AL_ECONFIG);
    s_write(path, "acme /srv/../etc\n");
    assert_int_equal(tenant_repos_new(&r, path), AL_ECONFIG);
    unlink(path);
    assert_int_equal(tenant_repos_new(&r, path), AL_ECONFIG);   /* missing file */
    assert_int_equal(tenant_repos_new(&r, ""), AL_OK);          /* no setting: no rules */
    assert_null(r);
    assert_int_equal(tenant_repos_check(NULL, "acme", "/anything"), AL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(who_from_metadata),
        cmocka_unit_test(see_and_cancel),
        cmocka_unit_test(repository_roots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
