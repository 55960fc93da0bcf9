/*
 * clienthello.c: a minimal but well-formed TLS 1.3 ClientHello record.
 */
#include "clienthello.h"

#include <openssl/ssl.h>
#include <string.h>

static size_t s_put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

size_t test_client_hello(uint8_t *out, size_t cap, const char *sni)
{
    uint8_t body[1024];
    size_t n = 0, sl = sni ? strlen(sni) : 0;
    if (sl > 255 || cap < 600)
        return 0;
    n += s_put16(body + n, 0x0303);
    for (int i = 0; i < 32; i++)
        body[n++] = (uint8_t)(i * 7 + 1); /* random */
    body[n++] = 32;
    for (int i = 0; i < 32; i++)
        body[n++] = (uint8_t)(0xa0 + i); /* legacy session id */
    n += s_put16(body + n, 4);
    n += s_put16(body + n, 0x1301);
    n += s_put16(body + n, 0x1302);
    body[n++] = 1;
    body[n++] = 0; /* null compression */
    size_t ext_len_at = n;
    n += 2;
    if (sni) {
        n += s_put16(body + n, 0x0000);
        n += s_put16(body + n, sl + 5);
        n += s_put16(body + n, sl + 3);
        body[n++] = 0;
        n += s_put16(body + n, sl);
        memcpy(body + n, sni, sl);
        n += sl;
    }
    n += s_put16(body + n, 0x002b); /* supported_versions: TLS 1.3 */
    n += s_put16(body + n, 3);
    body[n++] = 2;
    n += s_put16(body + n, 0x0304);
    s_put16(body + ext_len_at, n - ext_len_at - 2);
    size_t hs = 4 + n, total = 5 + hs;
    out[0] = 0x16;
    s_put16(out + 1, 0x0301);
    s_put16(out + 3, hs);
    out[5] = 1;
    out[6] = (uint8_t)(n >> 16);
    out[7] = (uint8_t)(n >> 8);
    out[8] = (uint8_t)n;
    memcpy(out + 9, body, n);
    return total;
}

size_t test_client_hello_openssl(uint8_t *out, size_t cap, const char *sni)
{
    size_t n = 0;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    if (!ssl || !rb || !wb) {
        BIO_free(rb);
        BIO_free(wb);
        goto done;
    }
    SSL_set_bio(ssl, rb, wb); /* ssl owns both BIOs now */
    if (sni)
        SSL_set_tlsext_host_name(ssl, sni);
    SSL_set_connect_state(ssl);
    SSL_do_handshake(ssl); /* writes the ClientHello, then wants to read */
    int pending = BIO_pending(wb);
    if (pending > 0 && (size_t)pending <= cap)
        n = (size_t)BIO_read(wb, out, pending);
done:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return n;
}
