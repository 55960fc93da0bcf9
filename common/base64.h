/*
 * base64.h: RFC 4648 base64, padded, without line breaks (OpenSSL's block
 * coder underneath): the exact bytes of what JSON or a header cannot carry
 * as text (a patch in Latin-1, a file name that is not UTF-8, a blob).
 */
#ifndef AIRLOCK_BASE64_H
#define AIRLOCK_BASE64_H

#include <stddef.h>

/* data[0, n) encoded; malloc'd and NUL-terminated, NULL when out of memory. */
char *al_b64_encode(const void *data, size_t n);

/* Whether b64 is padded base64 of the standard alphabet, without blanks. */
int al_b64_valid(const char *b64);

/* b64 decoded into *out (malloc'd, n bytes and a NUL after them). AL_EINVAL
 * (nothing allocated) unless b64 is padded base64 of the standard alphabet;
 * AL_ENOMEM. */
int al_b64_decode(const char *b64, unsigned char **out, size_t *n);

#endif
