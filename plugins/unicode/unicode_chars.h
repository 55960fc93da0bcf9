/*
 * unicode_chars.h: UTF-8 decoding and the character classes of the
 * `unicode` analyzer (unicode.h). Pure functions over byte slices.
 */
#ifndef AIRLOCK_UNICODE_CHARS_H
#define AIRLOCK_UNICODE_CHARS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    UC_OTHER = 0,
    UC_WORD,          /* ASCII letter, digit or '_', or a Latin, Greek or Cyrillic letter */
    UC_CONFUSABLE,    /* a Cyrillic or Greek letter drawn like a Latin one (a word character too) */
    UC_BIDI_OPEN,     /* U+202A, U+202B, U+2066..U+2068: closed by a pop */
    UC_BIDI_OVERRIDE, /* U+202D, U+202E: opens too, and reorders glyphs outright */
    UC_BIDI_POP_EMB,  /* U+202C */
    UC_BIDI_POP_ISO,  /* U+2069 */
    UC_FILLER,        /* draws nothing yet is a letter: U+115F, U+1160, U+3164, U+FFA0, U+180E */
    UC_INVISIBLE,     /* U+200B, U+2060..U+2064, U+FEFF */
    UC_JOINER,        /* U+200C, U+200D */
    UC_TAG,           /* U+E0001, U+E0020..U+E007F */
    UC_VARIATION,     /* U+FE00..U+FE0F, U+E0100..U+E01EF */
    UC_TERMINAL,      /* ESC and CR: a terminal obeys them (unicode_terminal.h) */
} uc_class_t;

/* The code point at s[0, n) (n >= 1) and its byte length. Ill-formed
 * UTF-8 (overlong, surrogate, truncated) is one byte of U+FFFD. */
uint32_t uc_decode(const unsigned char *s, size_t n, size_t *len);

uc_class_t uc_classify(uint32_t cp);

/* Whether the class is one the analyzer reports (written <U+XXXX> in evidence). */
int uc_reported(uc_class_t c);

/* The byte an invisible character stands for: a tag's ASCII character, a
 * variation selector's byte (U+FE00.. = 0..15, U+E0100.. = 16..255). */
unsigned char uc_hidden_byte(uint32_t cp);

/* Whether s[0, n) holds a byte >= 0x80, an ESC or a CR (word at a time):
 * a line without one has nothing to report. */
int uc_worth_scanning(const char *s, size_t n);

#endif
