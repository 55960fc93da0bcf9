/* test_curve.c: CURVE certificates, zauth before bind, unknown and revoked keys, role metadata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/curve.h"
#include "common/error.h"

typedef struct {
    char dir[64];       /* our keys */
    char allowed[96];   /* airlockd's allowed-peer directory */
    zcert_t *server;
    zactor_t *auth;
    zsock_t *router;
    int port;
} fixture_t;

static char *path_of(const char *dir, const char *file)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", dir, file);
    return buf;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/airlock-curve-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->allowed, sizeof f->allowed, "%s/allowed", f->dir);
    assert_int_equal(mkdir(f->allowed, 0700), 0);
    assert_int_equal(curve_keygen(f->dir, "airlockd", CURVE_ROLE_SERVER), AL_OK);
    assert_int_equal(curve_keygen(f->dir, "w1", CURVE_ROLE_WORKER), AL_OK);
    assert_int_equal(curve_keygen(f->dir, "stranger", CURVE_ROLE_WORKER), AL_OK);
    assert_int_equal(curve_cert_load(path_of(f->dir, "airlockd.key_secret"), &f->server), AL_OK);
    /* Only w1 is allowed: copy its PUBLIC file into the allowed directory. */
    zcert_t *w1 = NULL;
    assert_int_equal(curve_cert_load(path_of(f->dir, "w1.key"), &w1), AL_OK);
    assert_int_equal(zcert_save_public(w1, path_of(f->allowed, "w1.key")), 0);
    zcert_destroy(&w1);
    assert_int_equal(curve_auth_start(f->allowed, &f->auth), AL_OK);
    f->router = zsock_new(ZMQ_ROUTER);
    assert_int_equal(curve_server_apply(f->router, f->server), AL_OK);
    f->port = zsock_bind(f->router, "tcp://127.0.0.1:*");
    assert_true(f->port > 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    zsock_destroy(&f->router);
    curve_auth_stop(&f->auth);
    zcert_destroy(&f->server);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Connects with `name`'s secret cert, sends one frame; returns the received body
 * frame (caller destroys) or NULL when nothing arrives in 2 s (refused). */
static zmsg_t *try_send(fixture_t *f, const char *name)
{
    char file[64];
    snprintf(file, sizeof file, "%s.key_secret", name);
    zcert_t *own = NULL;
    assert_int_equal(curve_cert_load(path_of(f->dir, file), &own), AL_OK);
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    assert_int_equal(curve_client_apply(dealer, own, zcert_public_txt(f->server)), AL_OK);
    assert_int_equal(zsock_connect(dealer, "tcp://127.0.0.1:%d", f->port), 0);
    zstr_send(dealer, "hello");
    zpoller_t *poller = zpoller_new(f->router, NULL);
    zmsg_t *msg = zpoller_wait(poller, 2000) ? zmsg_recv(f->router) : NULL;
    zpoller_destroy(&poller);
    zsock_destroy(&dealer);
    zcert_destroy(&own);
    return msg;
}

static void allowed_worker_is_identified_by_key_and_role(void **state)
{
    fixture_t *f = *state;
    zmsg_t *msg = try_send(f, "w1");
    assert_non_null(msg);
    zframe_t *body = zmsg_last(msg);
    zcert_t *w1 = NULL;
    curve_cert_load(path_of(f->dir, "w1.key"), &w1);
    assert_string_equal(curve_peer_key(body), zcert_public_txt(w1));
    assert_string_equal(curve_peer_role(body), CURVE_ROLE_WORKER);
    zcert_destroy(&w1);
    zmsg_destroy(&msg);
}

static void unknown_key_is_refused(void **state)
{
    fixture_t *f = *state;
    assert_null(try_send(f, "stranger"));
}

static void removing_the_certificate_revokes(void **state)
{
    fixture_t *f = *state;
    zmsg_t *msg = try_send(f, "w1");
    assert_non_null(msg);
    zmsg_destroy(&msg);
    assert_int_equal(unlink(path_of(f->allowed, "w1.key")), 0);
    assert_null(try_send(f, "w1"));
}

static void bad_inputs_are_refused(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(curve_keygen(f->dir, "w1", CURVE_ROLE_WORKER), AL_EEXISTS);
    assert_int_equal(curve_keygen(f->dir, "../x", CURVE_ROLE_WORKER), AL_EINVAL);
    assert_int_equal(curve_keygen(f->dir, "x", "admin"), AL_EINVAL);
    /* zcert_load also reads "<file>_secret" when present: use a lone public file. */
    char lone[128];
    snprintf(lone, sizeof lone, "%s/public-only.key", f->dir);
    assert_int_equal(zcert_save_public(f->server, lone), 0);
    zcert_t *pub_only = NULL;
    assert_int_equal(curve_cert_load(lone, &pub_only), AL_OK);
    zsock_t *s = zsock_new(ZMQ_ROUTER);
    assert_int_equal(curve_server_apply(s, pub_only), AL_ECRYPTO);
    assert_int_equal(curve_client_apply(s, pub_only, "short"), AL_ECRYPTO);
    zsock_destroy(&s);
    zcert_destroy(&pub_only);
    zcert_t *none = NULL;
    assert_int_equal(curve_cert_load("/nonexistent.key", &none), AL_EIO);
    zactor_t *auth = NULL;
    assert_int_equal(curve_auth_start("/nonexistent-dir", &auth), AL_ECONFIG);
    struct stat st;
    assert_int_equal(stat(path_of(f->dir, "w1.key_secret"), &st), 0);
    assert_int_equal(st.st_mode & 077, 0);
}

/* A certificate path of exactly 40 characters made of Z85 characters must be
 * read as a file, not taken as a key (a real bug: the CLI could not talk to
 * airlockd when its certificates lived in such a directory). */
static void key_resolve_prefers_the_file(void **state)
{
    fixture_t *f = *state;
    char dir[80], path[128], cmd[300];
    snprintf(dir, sizeof dir, "%s/k", f->dir);   /* /tmp/airlock-curve-XXXXXX/k */
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/", dir);
    size_t pad = 40 - strlen(path) - 4;
    for (size_t i = 0; i < pad; i++)
        strcat(path, "a");
    strcat(path, ".key");
    assert_int_equal(strlen(path), 40);
    assert_int_equal(zcert_save_public(f->server, path), 0);
    char key[41];
    assert_int_equal(curve_public_key_resolve(path, key), AL_OK);
    assert_string_equal(key, zcert_public_txt(f->server));
    assert_int_equal(curve_public_key_resolve(zcert_public_txt(f->server), key), AL_OK);
    assert_string_equal(key, zcert_public_txt(f->server));
    assert_int_equal(curve_public_key_resolve("/nonexistent/file", key), AL_ECONFIG);
    assert_int_equal(curve_public_key_resolve(NULL, key), AL_ECONFIG);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    zsys_init();
    zsys_set_logstream(NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(allowed_worker_is_identified_by_key_and_role, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_key_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(removing_the_certificate_revokes, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_inputs_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(key_resolve_prefers_the_file, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    zsys_shutdown();
    return rc;
}
