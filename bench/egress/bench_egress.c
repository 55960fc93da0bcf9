/*
 * bench_egress.c: bulk throughput on loopback, direct vs through the egress
 * proxy (CONNECT tunnel over the proxy's unix socket), alternating runs.
 * Prints every run, the median of each and the ratio proxy/direct. It
 * asserts nothing: speed is reported, not tested.
 *
 *   bench_egress [--bytes N] [--runs R] [--small K] [--driver microvm|ns|gvisor]
 *   (defaults: 1 GiB, 5 runs each; then K = 2000 small requests each way:
 *    connect, ask for 1 KiB, read to EOF; latency p50/p99 and the ratio;
 *    --driver: the same transfers again from inside a sandbox bound to the
 *    proxy, bench_egress_vm.c, with their ratios to the host's direct ones)
 *
 * Owns a loopback server thread (sends N bytes per connection after reading
 * one line) and one proxy in a temporary directory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "worker/egress/egress.h"
#include "bench_egress.h"

#define BUF (1 << 20)

static const unsigned char KEY[32] = "bench-key-0123456789abcdefghijkl";

typedef struct {
    int lfd;
    uint16_t port;
    uint64_t bytes;
} server_t;

static void *s_server(void *arg)
{
    server_t *s = arg;
    char *buf = malloc(BUF);
    memset(buf, 'x', BUF);
    for (;;) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            break;
        char line[64];
        ssize_t n = recv(fd, line, sizeof line - 1, 0); /* "GO [bytes]\n" */
        uint64_t left = s->bytes;
        if (n > 3) {
            line[n] = '\0';
            left = strtoull(line + 3, NULL, 10);
        }
        while (n > 0 && left > 0) {
            ssize_t w = send(fd, buf, left < BUF ? (size_t)left : BUF, MSG_NOSIGNAL);
            if (w <= 0)
                break;
            left -= (uint64_t)w;
        }
        close(fd);
    }
    free(buf);
    return NULL;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sends "GO\n" (or "GO <want>\n" when want != 0), reads to EOF; returns bytes read. */
static uint64_t s_drain(int fd, char *buf, uint64_t want)
{
    uint64_t total = 0;
    ssize_t n;
    char go[32];
    int gl = want ? snprintf(go, sizeof go, "GO %" PRIu64 "\n", want) : snprintf(go, sizeof go, "GO\n");
    if (send(fd, go, (size_t)gl, MSG_NOSIGNAL) != gl)
        return 0;
    while ((n = recv(fd, buf, BUF, 0)) > 0)
        total += (uint64_t)n;
    return total;
}

static int s_direct(uint16_t port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

static int s_via_proxy(const char *path, const char *auth)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        goto fail;
    char req[512], c;
    int n = snprintf(req, sizeof req, "CONNECT bench.test:8080 HTTP/1.1\r\n%s\r\n", auth);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        goto fail;
    unsigned state = 0; /* read the answer head byte by byte up to CRLFCRLF */
    while (state < 4 && recv(fd, &c, 1, 0) == 1)
        state = (c == (state % 2 ? '\n' : '\r')) ? state + 1 : (c == '\r');
    if (state == 4)
        return fd;
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double s_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, s_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int s_start_proxy(egress_proxy_t **px, char *dir, char *path, size_t plen, uint16_t port)
{
    static const char *const allow[] = { "bench.test" };
    egress_resolve_t res = { "bench.test", "127.0.0.1", port };
    egress_config_t cfg = EGRESS_CONFIG_INIT;
    snprintf(path, plen, "%s/egress.sock", dir);
    cfg.task_id = "bench";
    cfg.allowlist = allow;
    cfg.allowlist_len = 1;
    cfg.token_key = KEY;
    cfg.token_key_len = sizeof KEY;
    cfg.socket_path = path;
    cfg.resolve = &res;
    cfg.resolve_len = 1;
    cfg.limits.conn_rate_per_s = 1e9;
    cfg.limits.conn_burst = 1000000;
    cfg.limits.max_bytes_down = UINT64_MAX / 2;
    return egress_proxy_new(px, &cfg);
}

/* Alternates direct and proxied transfers; prints runs, medians and the ratio. */
static int s_runs(const server_t *srv, const char *path, const char *auth, int runs, double *direct_median)
{
    char *buf = malloc(BUF);
    double direct[100], proxied[100];
    printf("egress throughput, loopback, %" PRIu64 " bytes per run, %d runs each (MB/s)\n",
           srv->bytes, runs);
    for (int r = 0; r < runs * 2; r++) {
        int via = r % 2;
        int fd = via ? s_via_proxy(path, auth) : s_direct(srv->port);
        double t0 = s_now();
        uint64_t got = fd >= 0 ? s_drain(fd, buf, 0) : 0;
        double mbs = (double)got / (s_now() - t0) / 1e6;
        if (fd >= 0)
            close(fd);
        if (got != srv->bytes) {
            fprintf(stderr, "run %d: transfer of %" PRIu64 " bytes failed\n", r / 2 + 1, got);
            free(buf);
            return 1;
        }
        (via ? proxied : direct)[r / 2] = mbs;
        printf("run %d %-6s %8.0f\n", r / 2 + 1, via ? "proxy" : "direct", mbs);
    }
    double md = s_median(direct, runs), mp = s_median(proxied, runs);
    printf("median direct %.0f MB/s  min %.0f  max %.0f\n", md, direct[0], direct[runs - 1]);
    printf("median proxy  %.0f MB/s  min %.0f  max %.0f\n", mp, proxied[0], proxied[runs - 1]);
    printf("ratio proxy/direct (medians) %.3f\n", mp / md);
    *direct_median = md;
    free(buf);
    return 0;
}

/* K small requests each way, alternating: connect + 1 KiB + close latency. */
static int s_small(const server_t *srv, const char *path, const char *auth, int k, double *direct_p50)
{
    char *buf = malloc(BUF);
    double *lat[2] = { calloc((size_t)k, sizeof(double)), calloc((size_t)k, sizeof(double)) };
    int rc = 0;
    for (int r = 0; r < 2 * k && buf && lat[0] && lat[1]; r++) {
        int via = r % 2;
        double t0 = s_now();
        int fd = via ? s_via_proxy(path, auth) : s_direct(srv->port);
        uint64_t got = fd >= 0 ? s_drain(fd, buf, 1024) : 0;
        if (fd >= 0)
            close(fd);
        lat[via][r / 2] = (s_now() - t0) * 1e6;
        if (got != 1024) {
            fprintf(stderr, "small request %d failed\n", r);
            rc = 1;
            break;
        }
    }
    for (int via = 0; via < 2 && rc == 0; via++) {
        double p50 = s_median(lat[via], k); /* sorts */
        printf("small %-6s p50 %7.0f us  p99 %7.0f us  (%d requests)\n", via ? "proxy" : "direct",
               p50, lat[via][(size_t)(k * 0.99)], k);
    }
    if (rc == 0)
        printf("ratio small p50 proxy/direct %.2f\n", s_median(lat[1], k) / s_median(lat[0], k));
    if (rc == 0)
        *direct_p50 = s_median(lat[0], k);
    free(lat[0]);
    free(lat[1]);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    uint64_t bytes = 1ull << 30;
    int runs = 5, small = 2000;
    const char *driver = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--driver") == 0)
            driver = argv[i + 1];
        if (strcmp(argv[i], "--bytes") == 0)
            bytes = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--small") == 0)
            small = atoi(argv[i + 1]);
    }
    if (runs < 1 || runs > 100 || bytes == 0 || small < 0 || small > 1000000)
        return fprintf(stderr, "usage: bench_egress [--bytes N] [--runs 1..100] [--small K] [--driver D]\n"), 2;
    al_log_init("bench_egress", AL_LOG_WARN, NULL);
    server_t srv = { .bytes = bytes };
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(srv.lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(srv.lfd, 16) < 0 ||
        getsockname(srv.lfd, (struct sockaddr *)&sa, &sl) < 0)
        return perror("server"), 1;
    srv.port = ntohs(sa.sin_port);
    pthread_t tid;
    pthread_create(&tid, NULL, s_server, &srv);
    char dir[] = "/tmp/airlock-bench-egress-XXXXXX", path[100], token[EGRESS_TOKEN_MAX];
    char auth[320], plain[160];
    unsigned char b64[256];
    egress_proxy_t *px = NULL;
    if (!mkdtemp(dir) || s_start_proxy(&px, dir, path, sizeof path, srv.port) < 0 ||
        egress_token_make(KEY, sizeof KEY, "bench", 3600, token, sizeof token) < 0)
        return fprintf(stderr, "proxy: %s\n", al_err_msg()), 1;
    int pn = snprintf(plain, sizeof plain, "airlock:%s", token);
    EVP_EncodeBlock(b64, (const unsigned char *)plain, pn);
    snprintf(auth, sizeof auth, "Proxy-Authorization: Basic %s\r\n", b64);

    double direct_mbs = 0, direct_us = 0;
    int rc = s_runs(&srv, path, auth, runs, &direct_mbs);
    if (rc == 0 && small > 0)
        rc = s_small(&srv, path, auth, small, &direct_us);
    if (rc == 0 && driver)
        rc = bench_egress_vm(driver, path, token, bytes, runs, small, direct_mbs, direct_us);
    egress_proxy_destroy(&px);
    shutdown(srv.lfd, SHUT_RDWR);
    close(srv.lfd);
    pthread_join(tid, NULL);
    rmdir(dir);
    return rc;
}
