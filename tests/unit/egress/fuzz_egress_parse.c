/*
 * fuzz_egress_parse.c: libFuzzer target for the egress proxy's parsers of
 * sandbox-controlled bytes: the TLS ClientHello/SNI parser, the HTTP request
 * head parser and its rewrite, host normalization and the chunked-body
 * scanner. Built with
 * AIRLOCK_FUZZ=ON and clang; ctest runs a bounded number of inputs seeded by
 * tests/corpus/egress. Invariants checked (abort on violation): an SNI is a
 * NUL-terminated string under 256 bytes; a head that parses rewrites without
 * any Proxy-* header and ends with "Connection: close" and a blank line; the
 * chunked scanner never counts more bytes than it got, and gives the same
 * answer whether the bytes come at once or split at any point.
 */
#include "worker/egress/chunked.h"
#include "worker/egress/head.h"
#include "worker/egress/host.h"
#include "worker/egress/sni.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_head(const char *buf, size_t size)
{
    size_t head_len = 0;
    egress_head_t h;
    if (!egress_head_complete(buf, size, &head_len) || egress_head_parse(buf, head_len, &h) != 0)
        return;
    if (h.host[0] == '\0' || strlen(h.host) >= EGRESS_HOST_MAX || h.kind == EGRESS_HOST_INVALID)
        abort();
    size_t cap = head_len + 512, outlen = 0;
    char *out = malloc(cap + 1);
    if (!out)
        return;
    if (egress_head_rewrite(buf, &h, out, cap, &outlen) == 0) {
        out[outlen] = '\0';
        if (strcasestr(out, "\nproxy-") || outlen < 21 ||
            strcmp(out + outlen - 21, "Connection: close\r\n\r\n") != 0)
            abort();
    }
    free(out);
}

static void s_chunked(const char *buf, size_t size)
{
    egress_chunked_t whole, split;
    egress_chunked_init(&whole);
    egress_chunked_init(&split);
    long long a = egress_chunked_feed(&whole, buf, size);
    if (a > (long long)size)
        abort();
    size_t cut = size ? (unsigned char)buf[0] % size : 0;
    long long b1 = egress_chunked_feed(&split, buf, cut);
    long long b = b1;
    if (b1 >= 0 && !egress_chunked_done(&split)) {
        long long b2 = egress_chunked_feed(&split, buf + cut, size - cut);
        b = b2 < 0 ? -1 : b1 + b2;
    }
    if (a != b || egress_chunked_done(&whole) != egress_chunked_done(&split))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char sni[256];
    egress_tls_result_t r = egress_sni_parse(data, size, sni, sizeof sni);
    if (r == EGRESS_TLS_SNI && strnlen(sni, sizeof sni) >= sizeof sni)
        abort();
    char host[EGRESS_HOST_MAX];
    egress_host_normalize((const char *)data, size, host);
    s_head((const char *)data, size);
    s_chunked((const char *)data, size);
    return 0;
}
