/*
 * msgpack_scan.h: a structural pre-scan of untrusted msgpack bytes before
 * msgpack-c unpacks them. msgpack-c allocates for every array and map the
 * count its header claims; a hostile header claiming billions of elements in a
 * few bytes would make it allocate gigabytes. The scan walks the raw bytes
 * without building anything and refuses any length or element count that
 * cannot fit in the bytes left, nesting deeper than max_depth and more than
 * max_objects objects. Used by the wire protocol (common/proto) and the agent
 * protocol (worker/guest), on both sides of the guest boundary.
 */
#ifndef AIRLOCK_COMMON_MSGPACK_SCAN_H
#define AIRLOCK_COMMON_MSGPACK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define MSGPACK_SCAN_MAX_DEPTH 64u

enum {
    MSGPACK_SCAN_OK = 0,
    MSGPACK_SCAN_TRUNCATED = -1,   /* a length, count or the object itself runs past len */
    MSGPACK_SCAN_RESERVED = -2,    /* the reserved byte 0xc1 */
    MSGPACK_SCAN_TOO_DEEP = -3,    /* containers nested deeper than max_depth */
    MSGPACK_SCAN_TOO_MANY = -4     /* more than max_objects objects */
};

/* Scans the one msgpack object at buf: MSGPACK_SCAN_OK with its size in *end,
 * or a negative MSGPACK_SCAN_* with the offset of the offending object in *at. */
int msgpack_scan(const uint8_t *buf, size_t len, unsigned max_depth, size_t max_objects, size_t *end, size_t *at);

#endif
