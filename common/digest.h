/*
 * digest.h: SHA-256 as Airlock writes it everywhere: lower-case hex, one-shot
 * or streamed. Wraps OpenSSL's EVP interface; the one place that turns a
 * digest into text.
 *
 * Ownership: al_sha256_t is opaque; al_sha256_new() returns one the caller
 * frees with al_sha256_destroy(&p) (NULL-safe, nulls *p).
 */
#ifndef AIRLOCK_DIGEST_H
#define AIRLOCK_DIGEST_H

#include <stddef.h>

#define AL_SHA256_HEX_LEN 64

typedef struct al_sha256 al_sha256_t;

/* Hex sha256 of len bytes into out (65 bytes with the NUL). 0 or AL_ECRYPTO. */
int al_sha256_hex(const void *data, size_t len, char out[AL_SHA256_HEX_LEN + 1]);

al_sha256_t *al_sha256_new(void);
int al_sha256_update(al_sha256_t *h, const void *data, size_t len);
/* Finishes the digest into out; the context cannot be updated afterwards. */
int al_sha256_final_hex(al_sha256_t *h, char out[AL_SHA256_HEX_LEN + 1]);
void al_sha256_destroy(al_sha256_t **h);

/* Hex sha256 of a whole file's content. 0, AL_EIO or AL_ECRYPTO. */
int al_sha256_file_hex(const char *path, char out[AL_SHA256_HEX_LEN + 1]);

/* 1 when s is exactly 64 lower-case hex digits. */
int al_sha256_hex_valid(const char *s);

#endif
