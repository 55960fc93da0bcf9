/*
 * token.c: time-limited HMAC-SHA256 task tokens for the egress proxy.
 *
 * Format: "v1.<expiry>.<mac>" where expiry is unix seconds in decimal and mac
 * is the lowercase hex HMAC-SHA256 over "airlock-egress-v1\n<task_id>\n<expiry>".
 * The task id is not in the token: the checker supplies the id it expects, so a
 * token minted for one task never opens another task's proxy. Owns nothing.
 */
#include "worker/egress/egress.h"

#include "common/error.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define MAC_LEN 32
#define KEY_MIN 16
#define EXPIRY_DIGITS_MAX 19

static int s_mac(const unsigned char *key, size_t keylen, const char *task_id,
                 int64_t expiry, unsigned char mac[MAC_LEN])
{
    char msg[512];
    int n = snprintf(msg, sizeof msg, "airlock-egress-v1\n%s\n%" PRId64, task_id, expiry);
    if (n < 0 || (size_t)n >= sizeof msg)
        return al_err_set(AL_EINVAL, "field task_id is too long for a token");
    unsigned int maclen = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, (size_t)n, mac,
              &maclen) || maclen != MAC_LEN) {
        unsigned long e = ERR_get_error();
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        return al_err_set(AL_ECRYPTO, "HMAC-SHA256 failed: %s", buf);
    }
    return AL_OK;
}

static int s_args_check(const unsigned char *key, size_t keylen, const char *task_id)
{
    if (!key || keylen < KEY_MIN || keylen > 1024)
        return al_err_set(AL_EINVAL, "field token_key must hold %d..1024 bytes", KEY_MIN);
    if (!task_id || !*task_id || strlen(task_id) > 256)
        return al_err_set(AL_EINVAL, "field task_id must be 1..256 characters");
    return AL_OK;
}

int egress_token_make_at(const unsigned char *key, size_t keylen, const char *task_id,
                         time_t now, unsigned ttl_s, char *out, size_t outlen)
{
    unsigned char mac[MAC_LEN];
    int rc = s_args_check(key, keylen, task_id);
    if (rc < 0)
        return rc;
    if (!out || outlen < EGRESS_TOKEN_MAX)
        return al_err_set(AL_EINVAL, "token buffer must hold %d bytes", EGRESS_TOKEN_MAX);
    int64_t expiry = (int64_t)now + ttl_s;
    rc = s_mac(key, keylen, task_id, expiry, mac);
    if (rc < 0)
        return rc;
    int n = snprintf(out, outlen, "v1.%" PRId64 ".", expiry);
    for (int i = 0; i < MAC_LEN; i++)
        n += snprintf(out + n, outlen - (size_t)n, "%02x", mac[i]);
    OPENSSL_cleanse(mac, sizeof mac);
    return AL_OK;
}

int egress_token_make(const unsigned char *key, size_t keylen, const char *task_id,
                      unsigned ttl_s, char *out, size_t outlen)
{
    return egress_token_make_at(key, keylen, task_id, time(NULL), ttl_s, out, outlen);
}

static int s_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Strict parse of "v1.<digits>.<64 lowercase hex>". */
static int s_token_parse(const char *token, int64_t *expiry, unsigned char mac[MAC_LEN])
{
    if (!token || strncmp(token, "v1.", 3) != 0)
        return al_err_set(AL_EPROTO, "egress token: unknown format");
    const char *p = token + 3;
    int64_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < EXPIRY_DIGITS_MAX - 1) {
        v = v * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || *p != '.')
        return al_err_set(AL_EPROTO, "egress token: bad expiry");
    p++;
    if (strlen(p) != 2 * MAC_LEN)
        return al_err_set(AL_EPROTO, "egress token: bad mac length");
    for (int i = 0; i < MAC_LEN; i++) {
        int hi = s_hexval(p[2 * i]), lo = s_hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return al_err_set(AL_EPROTO, "egress token: mac is not lowercase hex");
        mac[i] = (unsigned char)(hi << 4 | lo);
    }
    *expiry = v;
    return AL_OK;
}

int egress_token_check(const unsigned char *key, size_t keylen, const char *task_id,
                       const char *token, time_t now)
{
    unsigned char want[MAC_LEN], got[MAC_LEN];
    int64_t expiry = 0;
    int rc = s_args_check(key, keylen, task_id);
    if (rc < 0)
        return rc;
    rc = s_token_parse(token, &expiry, got);
    if (rc < 0)
        return rc;
    rc = s_mac(key, keylen, task_id, expiry, want);
    if (rc < 0)
        goto done;
    if (CRYPTO_memcmp(want, got, MAC_LEN) != 0) {
        rc = al_err_set(AL_EPOLICY, "egress token: signature does not match task %s", task_id);
        goto done;
    }
    if ((int64_t)now >= expiry)
        rc = al_err_set(AL_ETIMEOUT, "egress token: expired %" PRId64 " s ago",
                        (int64_t)now - expiry);
done:
    OPENSSL_cleanse(want, sizeof want);
    return rc;
}
