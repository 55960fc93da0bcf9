/*
 * test_ns_egress.c: the ns driver's egress path end to end with the real proxy
 * (worker/egress): python3 urllib inside the sandbox -> http_proxy 127.0.0.1:3128 ->
 * forwarder -> egress proxy unix socket -> an HTTP server on the host's loopback.
 * An allowed host answers; a host off the allowlist is refused by the proxy and
 * recorded; without egress the same request has no route at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sb_run.h"
#include "worker/egress/egress.h"
#include "worker/sandbox/sandbox.h"
#include "common/error.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    int listen_fd;
    uint16_t port;
    pthread_t th;
} http_srv_t;

/* Answers every connection with one fixed response until the socket is shut down. */
static void *s_http_main(void *arg)
{
    http_srv_t *s = arg;
    for (;;) {
        int c = accept(s->listen_fd, NULL, NULL);
        if (c < 0)
            return NULL;
        char buf[4096];
        if (read(c, buf, sizeof buf) > 0) {
            const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
                               "hello-egress";
            if (write(c, resp, strlen(resp)) < 0)
                buf[0] = '\0';
        }
        close(c);
    }
}

static void s_http_start(http_srv_t *s)
{
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s->listen_fd, 16), 0);
    socklen_t sl = sizeof sa;
    assert_int_equal(getsockname(s->listen_fd, (struct sockaddr *)&sa, &sl), 0);
    s->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, s_http_main, s), 0);
}

static void s_http_stop(http_srv_t *s)
{
    shutdown(s->listen_fd, SHUT_RDWR);
    pthread_join(s->th, NULL);
    close(s->listen_fd);
}

typedef struct {
    pthread_mutex_t mu;
    int n, allowed, blocked;
    char reasons[256];
} events_t;

static void s_on_event(void *ctx, const egress_event_t *ev)
{
    events_t *e = ctx;
    pthread_mutex_lock(&e->mu);
    e->n++;
    if (ev->allowed)
        e->allowed++;
    else
        e->blocked++;
    size_t l = strlen(e->reasons);
    snprintf(e->reasons + l, sizeof e->reasons - l, "%s:%s ", ev->host, ev->reason);
    pthread_mutex_unlock(&e->mu);
}

/* urllib takes http_proxy (with its airlock:<token> credentials) from the environment. */
static const char s_py_fetch[] =
    "import urllib.request, urllib.error\n"
    "o = urllib.request.build_opener(urllib.request.ProxyHandler())\n"
    "print(o.open('http://allowed.test/', timeout=20).read().decode())\n"
    "try:\n"
    "    o.open('http://blocked.test/', timeout=20)\n"
    "    print('opened')\n"
    "except urllib.error.HTTPError as e:\n"
    "    print(e.code)\n";

static const char s_py_connect[] =
    "import errno, socket, urllib.request\n"
    "print('proxies', urllib.request.getproxies())\n"
    "for host, port in (('127.0.0.1', 3128), ('192.0.2.1', 80)):\n"
    "    try:\n"
    "        socket.create_connection((host, port), timeout=20)\n"
    "        print(host, 'connected')\n"
    "    except OSError as e:\n"
    "        print('%s:%d' % (host, port), errno.errorcode[e.errno])\n";

static void test_fetch_through_proxy(void **state)
{
    (void)state;
    if (!sandbox_driver_available("ns")) {
        print_message("SKIP: ns driver unavailable: %s\n", al_err_msg());
        skip();
    }
    http_srv_t srv;
    s_http_start(&srv);
    char dir[] = "/tmp/airlock-ns-egress-XXXXXX", path[96];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/proxy.sock", dir);
    static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    char token[EGRESS_TOKEN_MAX];
    assert_int_equal(egress_token_make(key, 32, "t-egress", 600, token, sizeof token), 0);
    const char *allow[] = { "allowed.test" };
    egress_resolve_t resolve[] = { { "allowed.test", "127.0.0.1", srv.port } };
    events_t ev = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "" };
    egress_config_t cfg = EGRESS_CONFIG_INIT;
    cfg.task_id = "t-egress";
    cfg.allowlist = allow;
    cfg.allowlist_len = 1;
    cfg.token_key = key;
    cfg.token_key_len = 32;
    cfg.socket_path = path;
    cfg.resolve = resolve;
    cfg.resolve_len = 1;
    cfg.on_event = s_on_event;
    cfg.event_ctx = &ev;
    egress_proxy_t *proxy = NULL;
    if (egress_proxy_new(&proxy, &cfg) != 0)
        fail_msg("egress_proxy_new: %s", al_err_msg());

    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.task_id = "t-egress";
    spec.egress_socket = path;
    spec.egress_token = token;
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) != 0)
        fail_msg("sandbox_create: %s", al_err_msg());
    sb_run_t r;
    const char *fetch[] = { "/usr/bin/python3", "-c", s_py_fetch, NULL };
    sb_run_argv(sb, &r, fetch, 60000, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.res.exit_code, 0);
    assert_string_equal(r.out, "hello-egress\n403\n");
    sb_run_free(&r);
    sandbox_destroy(&sb);
    egress_proxy_destroy(&proxy);
    assert_int_equal(ev.allowed, 1);
    assert_int_equal(ev.blocked, 1);
    assert_non_null(strstr(ev.reasons, "allowed.test:allowed"));
    assert_non_null(strstr(ev.reasons, "blocked.test:host_not_allowed"));

    /* No egress: no proxy in the environment and no route. */
    spec.egress_socket = NULL;
    spec.egress_token = NULL;
    assert_int_equal(sandbox_create(&sb, &spec), 0);
    const char *connect[] = { "/usr/bin/python3", "-c", s_py_connect, NULL };
    sb_run_argv(sb, &r, connect, 60000, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "proxies {}\n127.0.0.1:3128 ECONNREFUSED\n192.0.2.1:80 ENETUNREACH\n");
    sb_run_free(&r);
    sandbox_destroy(&sb);
    s_http_stop(&srv);
    rmdir(dir);
}

int main(void)
{
    al_log_init("test_ns_egress", AL_LOG_WARN, NULL);
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_fetch_through_proxy) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
