/*
 * msgpack_scan.c: the structural pre-scan of untrusted msgpack (see
 * msgpack_scan.h). Pure: no allocation, no state.
 */
#include "common/msgpack_scan.h"

static uint64_t s_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Size of the head of the object at p (type byte + fixed payload), the bytes
 * of variable payload (*payload) and the number of child objects (*children).
 * Returns 0 for the reserved byte 0xc1. */
static size_t s_head(const uint8_t *p, size_t avail, uint64_t *payload, uint64_t *children)
{
    static const uint8_t fixed[32] = {
        /* c0..df: bytes after the type byte that are not a length */
        0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 2, 3, 5, 9, 17, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t lenw[32] = {
        /* c0..df: width of the length field */
        0, 0, 0, 0, 1, 2, 4, 1, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 2, 4, 2, 4};
    uint8_t b = p[0];
    *payload = *children = 0;
    if (b <= 0x7f || b >= 0xe0) return 1;
    if (b <= 0x8f) { *children = 2u * (b & 0x0f); return 1; }
    if (b <= 0x9f) { *children = b & 0x0f; return 1; }
    if (b <= 0xbf) { *payload = b & 0x1f; return 1; }
    if (b == 0xc1) return 0;
    size_t w = lenw[b - 0xc0], head = 1 + w + fixed[b - 0xc0];
    if (avail < head) return head; /* caller sees head > avail: truncated */
    uint64_t n = s_be(p + 1, w);
    if (b == 0xdc || b == 0xdd) *children = n;
    else if (b == 0xde || b == 0xdf) *children = 2 * n;
    else *payload = n;
    return head;
}

int msgpack_scan(const uint8_t *buf, size_t len, unsigned max_depth, size_t max_objects, size_t *end, size_t *at)
{
    uint64_t left[MSGPACK_SCAN_MAX_DEPTH + 1]; /* children still to read per open container */
    size_t depth = 0, pos = 0, objects = 0;
    if (max_depth > MSGPACK_SCAN_MAX_DEPTH)
        max_depth = MSGPACK_SCAN_MAX_DEPTH;
    left[0] = 1;
    *at = 0;
    while (depth > 0 || left[0] > 0) {
        if (left[depth] == 0) {
            depth--;
            continue;
        }
        left[depth]--;
        *at = pos;
        if (pos >= len)
            return MSGPACK_SCAN_TRUNCATED;
        uint64_t payload, children;
        size_t head = s_head(buf + pos, len - pos, &payload, &children);
        if (head == 0)
            return MSGPACK_SCAN_RESERVED;
        if (head > len - pos || payload > len - pos - head || children > len - pos - head)
            return MSGPACK_SCAN_TRUNCATED;
        if (++objects > max_objects)
            return MSGPACK_SCAN_TOO_MANY;
        pos += head + (size_t)payload;
        if (children > 0) {
            if (depth + 1 > max_depth)
                return MSGPACK_SCAN_TOO_DEEP;
            left[++depth] = children;
        }
    }
    *end = pos;
    return MSGPACK_SCAN_OK;
}
