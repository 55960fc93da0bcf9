/*
 * proto_types.h: the value types of Airlock's wire protocol and the tables
 * that describe every message (introspection).
 *
 * The message structs themselves (proto_w_hello_t, ...), the proto_type_t
 * enum and the tables are generated from schemas/protocol.json by
 * tools/protogen into the build directory (proto_gen.h, proto_gen.c). The
 * codec in this folder is generic: it walks these tables. Include
 * "common/proto/proto.h", not this file.
 *
 * Ownership: every pointer inside a message value (strings, list items, map
 * keys and values, bin data) is owned by the message that holds it and freed
 * by proto_msg_destroy(). Set them with the proto_*_set / _add / _put helpers
 * of proto.h, which copy.
 */
#ifndef AIRLOCK_PROTO_TYPES_H
#define AIRLOCK_PROTO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    PROTO_CH_WORKER = 1, /* airlock-worker <-> airlockd */
    PROTO_CH_CLIENT = 2, /* airlock CLI / API client <-> airlockd */
} proto_channel_t;

/* Who sends a message: to_server = toward airlockd, to_peer = from airlockd. */
typedef enum {
    PROTO_DIR_TO_SERVER = 1,
    PROTO_DIR_TO_PEER = 2,
    PROTO_DIR_BOTH = 3,
} proto_dir_t;

/* bin: raw bytes. data may be NULL when len is 0. */
typedef struct {
    uint8_t *data;
    size_t len;
} proto_bin_t;

/* list<str>: count NUL-terminated UTF-8 strings. */
typedef struct {
    char **items;
    size_t count;
} proto_strlist_t;

/* map<str,str>: count pairs keys[i] -> values[i], keys unique. */
typedef struct {
    char **keys;
    char **values;
    size_t count;
} proto_strmap_t;

/* Field kinds of the definition ("type" in schemas/protocol.json). */
typedef enum {
    PROTO_F_STR = 1,     /* char * ("str", max = bytes) */
    PROTO_F_BIN,         /* proto_bin_t ("bin", max = bytes) */
    PROTO_F_UINT,        /* uint64_t ("uint") */
    PROTO_F_INT,         /* int64_t ("int") */
    PROTO_F_BOOL,        /* bool ("bool") */
    PROTO_F_STRLIST,     /* proto_strlist_t ("list<str>", max = items, item_max = bytes) */
    PROTO_F_STRMAP,      /* proto_strmap_t ("map<str,str>", max = entries, key_max, value_max) */
    PROTO_F_STRUCT,      /* a named struct embedded by value ("<name>") */
    PROTO_F_STRUCTLIST,  /* { T *items; size_t count; } ("list<name>", max = items) */
} proto_field_kind_t;

typedef struct proto_struct_desc proto_struct_desc_t;

/* One field of a message body or struct. Offsets are into the C struct. */
typedef struct {
    const char *name;
    proto_field_kind_t kind;
    bool optional;             /* has has_<name> flag at has_offset */
    uint64_t max;              /* bytes (str, bin), items (lists), entries (map) */
    uint64_t item_max;         /* list<str>: bytes per item; map: bytes per value */
    uint64_t key_max;          /* map: bytes per key */
    size_t offset;             /* of the value; for STRUCTLIST of the items pointer */
    size_t count_offset;       /* STRUCTLIST: of the count */
    size_t has_offset;         /* optional fields: of the bool has_<name> */
    const proto_struct_desc_t *elem; /* STRUCT, STRUCTLIST: element type */
} proto_field_desc_t;

struct proto_struct_desc {
    const char *name;          /* "HELLO", "job_info" */
    size_t size;               /* sizeof the C struct */
    size_t nfields;
    const proto_field_desc_t *fields;
};

#endif
