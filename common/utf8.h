/*
 * utf8.h: UTF-8 as text columns, JSON and log lines need it. File names,
 * command lines and outputs are bytes; where they must become text, every
 * byte that is not part of a valid sequence becomes U+FFFD.
 */
#ifndef AIRLOCK_UTF8_H
#define AIRLOCK_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence of 2..4 bytes at p (at most n bytes);
 * 0 when there is none (ASCII, a stray byte, overlong, a surrogate, over
 * U+10FFFF). The caller handles bytes below 0x80. */
size_t al_utf8_seq_len(const unsigned char *p, size_t n);

/* Whether s (NUL-terminated) is valid UTF-8 throughout. */
int al_utf8_valid(const char *s);

/* A malloc'd copy of s with each byte outside a valid sequence replaced by
 * U+FFFD; NULL when out of memory. */
char *al_utf8_repair(const char *s);

#endif
