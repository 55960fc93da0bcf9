/*
 * bindecode.c: the post-image of a `GIT binary patch` hunk without a
 * repository: libgit2 has already base85-decoded the hunk (git_diff_binary);
 * what is left is zlib's inflate and, for a "delta" hunk, git's delta
 * instructions applied to the pre-image. Used for files a patch adds (the
 * pre-image is empty) when the host has no base tree to apply the patch to.
 *
 * Strict and bounded: the declared inflated size must match what inflate
 * produces and is checked against the caller's bound before anything is
 * allocated; every delta instruction is checked against the base and the
 * declared result size; trailing bytes are an error. Owns nothing but the
 * buffer it hands to the caller. Fuzzed by tests/unit/plugin_host/fuzz_bindecode.c.
 */
#include "worker/plugin_host/bindecode.h"

#include "common/error.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int inflate_exact(const unsigned char *data, size_t len, size_t want, unsigned char **out)
{
    z_stream z;
    unsigned char *buf = malloc(want ? want : 1);
    int zrc;
    if (!buf)
        return al_err_set(AL_ENOMEM, "binary hunk: out of memory");
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) {
        free(buf);
        return al_err_set(AL_ENOMEM, "binary hunk: inflateInit failed");
    }
    z.next_in = (unsigned char *)data;
    z.next_out = buf;
    zrc = Z_OK;
    /* zlib counts in uInt: feed and drain in chunks a uInt can hold */
    while (zrc == Z_OK) {
        size_t in_left = len - (size_t)(z.next_in - data), out_left = want - (size_t)(z.next_out - buf);
        z.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
        z.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
        if (z.avail_out == 0) {
            /* full: the stream must end here, with no byte more */
            unsigned char probe;
            z.next_out = &probe;
            z.avail_out = 1;
            zrc = inflate(&z, Z_FINISH);
            z.next_out = buf + want;
            if (z.avail_out == 0)
                zrc = Z_DATA_ERROR;
            break;
        }
        zrc = inflate(&z, Z_NO_FLUSH);
        if (zrc == Z_BUF_ERROR && z.avail_in == 0)
            break;
    }
    size_t got = (size_t)(z.next_out - buf), used = (size_t)(z.next_in - data);
    inflateEnd(&z);
    if (zrc != Z_STREAM_END || got != want || used != len) {
        free(buf);
        return al_err_set(AL_EPROTO, "binary hunk: deflate stream does not give the declared %zu bytes",
                          want);
    }
    *out = buf;
    return 0;
}

/* git's varint of a delta header: 7 bits per byte, least significant first. */
static int delta_varint(const unsigned char **p, const unsigned char *end, size_t *out)
{
    size_t v = 0;
    unsigned shift = 0;
    for (;;) {
        if (*p >= end || shift > 56)
            return -1;
        unsigned char c = *(*p)++;
        v |= (size_t)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80))
            break;
    }
    *out = v;
    return 0;
}

/* One copy instruction (cmd has the high bit): offset and size bytes as
 * flagged by cmd's low 7 bits. */
static int delta_copy(const unsigned char **p, const unsigned char *end, unsigned cmd, size_t *off,
                      size_t *size)
{
    size_t o = 0, s = 0;
    for (unsigned i = 0; i < 4; i++)
        if (cmd & (1u << i)) {
            if (*p >= end)
                return -1;
            o |= (size_t)*(*p)++ << (8 * i);
        }
    for (unsigned i = 0; i < 3; i++)
        if (cmd & (0x10u << i)) {
            if (*p >= end)
                return -1;
            s |= (size_t)*(*p)++ << (8 * i);
        }
    *off = o;
    *size = s ? s : 0x10000;
    return 0;
}

int plugin_delta_apply(const unsigned char *base, size_t base_len, const unsigned char *delta,
                       size_t delta_len, size_t max, unsigned char **out, size_t *out_len)
{
    const unsigned char *p = delta, *end = delta + delta_len;
    size_t want_base, res_len, o = 0;
    *out = NULL;
    *out_len = 0;
    if (delta_varint(&p, end, &want_base) != 0 || delta_varint(&p, end, &res_len) != 0)
        return al_err_set(AL_EPROTO, "binary delta: truncated header");
    if (want_base != base_len)
        return al_err_set(AL_EPROTO, "binary delta: base is %zu bytes, delta wants %zu", base_len,
                          want_base);
    if (res_len > max)
        return al_err_set(AL_ELIMIT, "binary delta: result of %zu bytes over the bound %zu", res_len, max);
    unsigned char *buf = malloc(res_len ? res_len : 1);
    if (!buf)
        return al_err_set(AL_ENOMEM, "binary delta: out of memory");
    while (p < end) {
        unsigned cmd = *p++;
        size_t off, size;
        if (cmd & 0x80) {
            if (delta_copy(&p, end, cmd, &off, &size) != 0 || off > base_len || size > base_len - off ||
                size > res_len - o)
                goto bad;
            memcpy(buf + o, base + off, size);
        } else if (cmd) {
            size = cmd;
            if (size > (size_t)(end - p) || size > res_len - o)
                goto bad;
            memcpy(buf + o, p, size);
            p += size;
        } else {
            goto bad; /* opcode 0 is reserved */
        }
        o += size;
    }
    if (o != res_len)
        goto bad;
    *out = buf;
    *out_len = res_len;
    return 0;
bad:
    free(buf);
    return al_err_set(AL_EPROTO, "binary delta: malformed instruction stream");
}

int plugin_binary_decode(const plugin_binhunk_t *h, const unsigned char *base, size_t base_len, size_t max,
                         unsigned char **out, size_t *out_len)
{
    unsigned char *raw = NULL;
    int rc;
    *out = NULL;
    *out_len = 0;
    if (!h || (!h->data && h->data_len) || (h->type != PLUGIN_BIN_LITERAL && h->type != PLUGIN_BIN_DELTA))
        return al_err_set(AL_EINVAL, "binary hunk: no data or unknown type");
    if (h->inflated_len > max && h->type == PLUGIN_BIN_LITERAL)
        return al_err_set(AL_ELIMIT, "binary hunk: %zu bytes over the bound %zu", h->inflated_len, max);
    /* a delta is at most a few bytes per output byte plus headers: bound it too */
    if (h->inflated_len > max + 64 || h->inflated_len > SIZE_MAX / 2)
        return al_err_set(AL_ELIMIT, "binary hunk: %zu bytes over the bound %zu", h->inflated_len, max);
    if ((rc = inflate_exact((const unsigned char *)h->data, h->data_len, h->inflated_len, &raw)) != 0)
        return rc;
    if (h->type == PLUGIN_BIN_LITERAL) {
        *out = raw;
        *out_len = h->inflated_len;
        return 0;
    }
    rc = plugin_delta_apply(base ? base : (const unsigned char *)"", base ? base_len : 0, raw,
                            h->inflated_len, max, out, out_len);
    free(raw);
    return rc;
}
