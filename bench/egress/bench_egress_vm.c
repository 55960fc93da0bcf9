/*
 * bench_egress_vm.c: the same transfers from inside a sandbox (bench_egress
 * --driver microvm|ns|gvisor): one sandbox bound to the bench's proxy runs a
 * python3 client that CONNECTs through http_proxy's endpoint, asks for N
 * bytes R times and K small 1 KiB requests, timing each inside the sandbox
 * (python's startup is not counted). Prints the runs, the medians and the
 * ratios to the host's direct medians measured in the same run.
 */
#include "bench_egress.h"
#include "common/error.h"
#include "worker/sandbox/sandbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char out[1 << 16];
    size_t len;
} cap_t;

static void s_capture(void *ctx, int stream, const char *data, size_t len)
{
    cap_t *c = ctx;
    if (stream == 2)
        fwrite(data, 1, len, stderr);
    size_t n = len < sizeof c->out - 1 - c->len ? len : sizeof c->out - 1 - c->len;
    memcpy(c->out + c->len, data, n);
    c->len += n;
    c->out[c->len] = '\0';
}

static const char s_py[] =
    "import base64, os, socket, sys, time\n"
    "host, port = os.environ['http_proxy'].rsplit('@', 1)[1].rsplit(':', 1)\n"
    "auth = base64.b64encode(('airlock:' + os.environ['AIRLOCK_EGRESS_TOKEN']).encode()).decode()\n"
    "buf = bytearray(1 << 20)\n"
    "def one(n):\n"
    "    t0 = time.monotonic()\n"
    "    s = socket.create_connection((host, int(port)))\n"
    "    s.sendall(('CONNECT bench.test:8080 HTTP/1.1\\r\\nProxy-Authorization: Basic %s\\r\\n\\r\\n' % auth).encode())\n"
    "    head = b''\n"
    "    while not head.endswith(b'\\r\\n\\r\\n'):\n"
    "        c = s.recv(1)\n"
    "        if not c: sys.exit('proxy closed: %r' % head)\n"
    "        head += c\n"
    "    s.sendall(b'GO %d\\n' % n)\n"
    "    got = 0\n"
    "    while True:\n"
    "        k = s.recv_into(buf)\n"
    "        if not k: break\n"
    "        got += k\n"
    "    s.close()\n"
    "    if got != n: sys.exit('short transfer %d of %d' % (got, n))\n"
    "    return time.monotonic() - t0\n"
    "n, runs, small = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])\n"
    "for r in range(runs): print('bulk %.6f' % one(n), flush=True)\n"
    "for r in range(small): print('small %.6f' % one(1024))\n";

static int s_cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int bench_egress_vm(const char *driver, const char *proxy_path, const char *token, uint64_t bytes, int runs,
                    int small, double direct_mbs, double direct_small_us)
{
    sandbox_spec_t spec = SANDBOX_SPEC_INIT;
    spec.driver = driver;
    spec.task_id = "bench";
    spec.egress_socket = proxy_path;
    spec.egress_token = token;
    sandbox_t *sb = NULL;
    if (sandbox_create(&sb, &spec) < 0)
        return fprintf(stderr, "sandbox (%s): %s\n", driver, al_err_msg()), 1;
    char a1[32], a2[16], a3[16];
    snprintf(a1, sizeof a1, "%" PRIu64, bytes);
    snprintf(a2, sizeof a2, "%d", runs);
    snprintf(a3, sizeof a3, "%d", small);
    const char *argv[] = { "python3", "-c", s_py, a1, a2, a3, NULL };
    static cap_t cap;
    cap.len = 0;
    sandbox_exec_req_t rq = { .argv = argv, .timeout_ms = 1800000, .on_output = s_capture, .ctx = &cap };
    sandbox_exec_result_t res;
    int rc = sandbox_exec(sb, &rq, &res);
    printf("sandbox %s: isolation %s, from_pool %d\n", driver, sandbox_info(sb)->isolation,
           sandbox_info(sb)->from_pool);
    sandbox_destroy(&sb);
    if (rc < 0 || !res.exited || res.exit_code != 0)
        return fprintf(stderr, "sandbox client failed: %s (exit %d)\n", rc < 0 ? al_err_msg() : "", res.exit_code), 1;
    double bulk[100], *lat = calloc((size_t)small + 1, sizeof *lat);
    int nb = 0, ns = 0;
    for (char *line = strtok(cap.out, "\n"); line; line = strtok(NULL, "\n")) {
        double t;
        if (sscanf(line, "bulk %lf", &t) == 1 && nb < 100)
            bulk[nb++] = (double)bytes / t / 1e6, printf("run %d in-%s %8.1f\n", nb, driver, bulk[nb - 1]);
        else if (sscanf(line, "small %lf", &t) == 1 && ns < small)
            lat[ns++] = t * 1e6;
    }
    if (nb) {
        qsort(bulk, (size_t)nb, sizeof *bulk, s_cmpd);
        printf("median in-%s %.1f MB/s; ratio in-%s/direct (medians) %.4f\n", driver, bulk[nb / 2], driver,
               bulk[nb / 2] / direct_mbs);
    }
    if (ns) {
        qsort(lat, (size_t)ns, sizeof *lat, s_cmpd);
        printf("small in-%s p50 %7.0f us  p99 %7.0f us  (%d requests); ratio p50 in-%s/direct %.1f\n", driver,
               lat[ns / 2], lat[(size_t)(ns * 0.99)], ns, driver, lat[ns / 2] / direct_small_us);
    }
    free(lat);
    return nb == runs && ns == small ? 0 : 1;
}
