/*
 * base64.c: see base64.h.
 */
#include "common/base64.h"
#include "common/error.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define B64_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

char *al_b64_encode(const void *data, size_t n)
{
    char *out = n <= (size_t)(0x7fffffff / 4 * 3) ? malloc(4 * ((n + 2) / 3) + 1) : NULL;
    if (out)
        EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    return out;
}

int al_b64_valid(const char *b64)
{
    size_t len = strlen(b64), body = strspn(b64, B64_ALPHABET), pad = strspn(b64 + body, "=");
    return len % 4 == 0 && body + pad == len && pad <= 2 && len <= 0x7fffffff;
}

int al_b64_decode(const char *b64, unsigned char **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!al_b64_valid(b64))
        return AL_EINVAL;
    size_t len = strlen(b64), pad = len && b64[len - 1] == '=' ? 1 + (b64[len - 2] == '=') : 0;
    unsigned char *buf = malloc(len / 4 * 3 + 1);
    if (!buf)
        return AL_ENOMEM;
    int got = len ? EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)len) : 0;   /* padding counts as 0s */
    if (got < (int)pad) {
        free(buf);
        return AL_EINVAL;
    }
    *n = (size_t)got - pad;
    buf[*n] = '\0';
    *out = buf;
    return AL_OK;
}
