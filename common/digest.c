/*
 * digest.c: SHA-256 helpers over OpenSSL EVP (see digest.h).
 */
#include "common/digest.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

struct al_sha256 {
    EVP_MD_CTX *ctx;
};

static void s_hex(const unsigned char *md, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * n] = '\0';
}

int al_sha256_hex(const void *data, size_t len, char out[AL_SHA256_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return al_err_set(AL_ECRYPTO, "sha256 failed");
    s_hex(md, n, out);
    return 0;
}

al_sha256_t *al_sha256_new(void)
{
    al_sha256_t *h = calloc(1, sizeof *h);
    if (!h || !(h->ctx = EVP_MD_CTX_new()) || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        al_sha256_destroy(&h);
        al_err_set(AL_ECRYPTO, "sha256: cannot start a digest");
        return NULL;
    }
    return h;
}

int al_sha256_update(al_sha256_t *h, const void *data, size_t len)
{
    if (EVP_DigestUpdate(h->ctx, data, len) != 1)
        return al_err_set(AL_ECRYPTO, "sha256 update failed");
    return 0;
}

int al_sha256_final_hex(al_sha256_t *h, char out[AL_SHA256_HEX_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32)
        return al_err_set(AL_ECRYPTO, "sha256 final failed");
    s_hex(md, n, out);
    return 0;
}

void al_sha256_destroy(al_sha256_t **h)
{
    if (!h || !*h)
        return;
    EVP_MD_CTX_free((*h)->ctx);
    free(*h);
    *h = NULL;
}

int al_sha256_file_hex(const char *path, char out[AL_SHA256_HEX_LEN + 1])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return al_err_set_errno(AL_EIO, "open %s", path);
    al_sha256_t *h = al_sha256_new();
    int rc = h ? 0 : AL_ECRYPTO;
    char buf[1 << 16];
    while (rc == 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = al_err_set_errno(AL_EIO, "read %s", path);
        if (n <= 0)
            break;
        rc = al_sha256_update(h, buf, (size_t)n);
    }
    if (rc == 0)
        rc = al_sha256_final_hex(h, out);
    al_sha256_destroy(&h);
    close(fd);
    return rc;
}

int al_sha256_hex_valid(const char *s)
{
    if (!s || strlen(s) != AL_SHA256_HEX_LEN)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}
