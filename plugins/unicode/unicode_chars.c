/*
 * unicode_chars.c: UTF-8 decoding and character classes for the `unicode`
 * analyzer (unicode_chars.h). The confusable letters are the Cyrillic and
 * Greek ones of Unicode's confusables.txt that are drawn like a Latin letter
 * in common fonts; µ, Ω and the like (units in comments) are left out.
 */
#include "unicode_chars.h"

#include <string.h>

uint32_t uc_decode(const unsigned char *s, size_t n, size_t *len)
{
    unsigned char b = s[0];
    size_t need = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b < 0xE0 ? 2 : 0;
    uint32_t cp;
    *len = 1;
    if (b < 0x80)
        return b;
    if (!need || need > n || b > 0xF4)
        return 0xFFFD;
    cp = b & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0xFFFD;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0xFFFD;
    *len = need;
    return cp;
}

/* Binary search: Cyrillic and Greek text reaches here for every letter. */
static int confusable(uint32_t cp)
{
    static const uint16_t set[] = { /* ascending: Greek, then Cyrillic */
        0x0391, 0x0392, 0x0395, 0x0396, 0x0397, 0x0399, 0x039A, 0x039C, 0x039D, 0x039F, 0x03A1,
        0x03A4, 0x03A5, 0x03A7, 0x03B1, 0x03B9, 0x03BA, 0x03BD, 0x03BF, 0x03C1,
        0x0405, 0x0406, 0x0408, 0x0410, 0x0412, 0x0415, 0x041A, 0x041C, 0x041D, 0x041E, 0x0420,
        0x0421, 0x0422, 0x0425, 0x0430, 0x0435, 0x043E, 0x0440, 0x0441, 0x0443, 0x0445, 0x0455,
        0x0456, 0x0458, 0x04AE, 0x04BB, 0x04C0, 0x04CF, 0x0501, 0x051B, 0x051D,
    };
    size_t lo = 0, hi = sizeof set / sizeof set[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (set[mid] == cp)
            return 1;
        if (set[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

uc_class_t uc_classify(uint32_t cp)
{
    if (cp == 0x1B || cp == '\r')
        return UC_TERMINAL;
    if (cp < 0x80) {
        unsigned char c = (unsigned char)cp;
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                   ? UC_WORD : UC_OTHER;
    }
    if (cp >= 0x0370 && cp <= 0x052F)
        return confusable(cp) ? UC_CONFUSABLE : UC_WORD;
    if (cp >= 0x00C0 && cp <= 0x024F && cp != 0xD7 && cp != 0xF7)
        return UC_WORD;
    switch (cp) {
    case 0x202A: case 0x202B: case 0x2066: case 0x2067: case 0x2068: return UC_BIDI_OPEN;
    case 0x202D: case 0x202E: return UC_BIDI_OVERRIDE;
    case 0x202C: return UC_BIDI_POP_EMB;
    case 0x2069: return UC_BIDI_POP_ISO;
    case 0x115F: case 0x1160: case 0x3164: case 0xFFA0: case 0x180E: return UC_FILLER;
    case 0x200B: case 0xFEFF: return UC_INVISIBLE;
    case 0x200C: case 0x200D: return UC_JOINER;
    default: break;
    }
    if (cp >= 0x2060 && cp <= 0x2064)
        return UC_INVISIBLE;
    if (cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F))
        return UC_TAG;
    if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF))
        return UC_VARIATION;
    return UC_OTHER;
}

int uc_reported(uc_class_t c)
{
    return c >= UC_BIDI_OPEN;
}

unsigned char uc_hidden_byte(uint32_t cp)
{
    if (cp >= 0xE0000 && cp <= 0xE007F)
        return (unsigned char)(cp - 0xE0000);
    if (cp >= 0xFE00 && cp <= 0xFE0F)
        return (unsigned char)(cp - 0xFE00);
    if (cp >= 0xE0100 && cp <= 0xE01EF)
        return (unsigned char)(cp - 0xE0100 + 16);
    return 0;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Whether a byte of w is zero (the classic bit trick, exact). */
static uint64_t zero_byte(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

int uc_worth_scanning(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if ((w & HIGHS) | zero_byte(w ^ (ONES * 0x1B)) | zero_byte(w ^ (ONES * '\r')))
            return 1;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || c == 0x1B || c == '\r')
            return 1;
    }
    return 0;
}
