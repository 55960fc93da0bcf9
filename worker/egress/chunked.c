/*
 * chunked.c: strict scanner of chunked request bodies (see chunked.h).
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk   = 1*"0" [ chunk-ext ] CRLF
 *
 * One state per position in that grammar; every byte is checked before it
 * is counted as body. Owns nothing.
 */
#include "worker/egress/chunked.h"

enum {
    CH_SIZE0,    /* first hex digit of a size */
    CH_SIZE,     /* more hex digits, or the end of the size */
    CH_EXT,      /* extension text up to CR */
    CH_SIZE_LF,  /* LF after the size line */
    CH_DATA,
    CH_DATA_CR,
    CH_DATA_LF,
    CH_TR_START, /* start of a trailer line, or the final CR */
    CH_TR,       /* trailer line text up to CR */
    CH_TR_LF,
    CH_END_LF,   /* LF of the final CRLF */
    CH_DONE,
    CH_ERROR,
};

void egress_chunked_init(egress_chunked_t *c)
{
    *c = (egress_chunked_t){ .state = CH_SIZE0 };
}

static int s_hex(unsigned char b)
{
    if (b >= '0' && b <= '9')
        return b - '0';
    if (b >= 'a' && b <= 'f')
        return b - 'a' + 10;
    if (b >= 'A' && b <= 'F')
        return b - 'A' + 10;
    return -1;
}

/* Visible ASCII, SP, HTAB: what an extension or trailer line may hold. */
static bool s_text(unsigned char b) { return b == '\t' || (b >= 0x20 && b < 0x7f); }

/* One byte outside chunk data. Returns the next state. */
static int s_step(egress_chunked_t *c, unsigned char b)
{
    switch (c->state) {
    case CH_SIZE0:
    case CH_SIZE: {
        int v = s_hex(b);
        if (v >= 0) {
            if (++c->digits > 16 || (c->size >> 58) != 0) /* sizes stay below 2^62 */
                return CH_ERROR;
            c->size = c->size << 4 | (uint64_t)v;
            return CH_SIZE;
        }
        if (c->state == CH_SIZE0)
            return CH_ERROR;
        return b == '\r' ? CH_SIZE_LF : (b == ';' || b == ' ' || b == '\t') ? CH_EXT : CH_ERROR;
    }
    case CH_EXT:
        if (++c->line > EGRESS_CHUNK_LINE_MAX)
            return CH_ERROR;
        return b == '\r' ? CH_SIZE_LF : s_text(b) ? CH_EXT : CH_ERROR;
    case CH_SIZE_LF:
        if (b != '\n')
            return CH_ERROR;
        c->left = c->size;
        c->line = 0;
        return c->size == 0 ? CH_TR_START : CH_DATA;
    case CH_DATA_CR: return b == '\r' ? CH_DATA_LF : CH_ERROR;
    case CH_DATA_LF:
        if (b != '\n')
            return CH_ERROR;
        c->size = 0;
        c->digits = 0;
        return CH_SIZE0;
    case CH_TR_START:
        if (b == '\r')
            return CH_END_LF;
        if (b == ' ' || b == '\t')
            return CH_ERROR; /* obs-fold */
        c->state = CH_TR;  /* the first byte of a trailer field line */
        return s_step(c, b);
    case CH_TR:
        if (++c->trailer > EGRESS_CHUNK_TRAILER_MAX || ++c->line > EGRESS_CHUNK_LINE_MAX)
            return CH_ERROR;
        return b == '\r' ? CH_TR_LF : s_text(b) ? CH_TR : CH_ERROR;
    case CH_TR_LF:
        c->line = 0;
        return b == '\n' ? CH_TR_START : CH_ERROR;
    case CH_END_LF: return b == '\n' ? CH_DONE : CH_ERROR;
    }
    return CH_ERROR;
}

long long egress_chunked_feed(egress_chunked_t *c, const char *buf, size_t n)
{
    size_t i = 0;
    while (i < n && c->state != CH_DONE) {
        if (c->state == CH_ERROR)
            return -1;
        if (c->state == CH_DATA) {
            size_t take = c->left < (uint64_t)(n - i) ? (size_t)c->left : n - i;
            c->left -= take;
            i += take;
            if (c->left == 0)
                c->state = CH_DATA_CR;
            continue;
        }
        c->state = s_step(c, (unsigned char)buf[i++]);
    }
    return c->state == CH_ERROR ? -1 : (long long)i;
}

bool egress_chunked_done(const egress_chunked_t *c) { return c->state == CH_DONE; }
