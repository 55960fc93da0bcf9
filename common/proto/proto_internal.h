/*
 * proto_internal.h: helpers shared by the files of common/proto and the
 * generated proto_gen.c. Not for other modules.
 */
#ifndef AIRLOCK_PROTO_INTERNAL_H
#define AIRLOCK_PROTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/proto/proto.h"

/* Grows the array whose pointer is stored at items_addr (a T **) by one
 * zeroed element, increments *count and returns the new element. NULL with
 * AL_ENOMEM/AL_EINVAL set on failure (array unchanged). */
void *proto_list_grow(void *items_addr, size_t *count, size_t elem_size);

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)
 * and holds no NUL byte. */
bool proto_utf8_valid(const char *s, size_t len);

/* Frees everything a body of descriptor d owns (not the body itself) and
 * zeroes it. */
void proto_body_clear(const proto_struct_desc_t *d, void *body);

/* Lends the items pointer of a STRUCTLIST field and its count. */
void *proto_structlist_items(const proto_field_desc_t *f, const void *body, size_t *count);

/* Where a value sits in a message ("LIST_REPLY.jobs[3].labels"), as a chain of
 * stack frames from the leaf up: built for free while walking, rendered
 * only when an error message needs it. name NULL means an index step. */
typedef struct proto_path {
    const struct proto_path *up;
    const char *name;
    size_t index;
} proto_path_t;

/* Writes the path into dst (cut if too long; only for error messages). */
void proto_path_render(const proto_path_t *p, char *dst, size_t size);

#define PROTO_AT(body, off, type) ((type *)((char *)(body) + (off)))
#define PROTO_CAT(body, off, type) ((const type *)((const char *)(body) + (off)))

#endif
