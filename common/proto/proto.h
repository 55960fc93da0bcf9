/*
 * proto.h: Airlock's wire protocol, the one API both sides use.
 *
 * Every message is a msgpack array [PROTO_VERSION, type, body] where body is a
 * map from field name (str) to value. The message set, type codes, fields and
 * limits are defined once in schemas/protocol.json; proto_gen.h (generated)
 * holds the proto_type_t enum (PROTO_W_* on the worker channel, PROTO_C_* on
 * the client channel), one struct per body and the tagged proto_msg_t.
 *
 * Ownership: a proto_msg_t owns every string, list, map and bin inside it.
 * Fill them with the helpers below (they copy) or leave them zeroed (empty).
 * proto_msg_destroy() frees all of it. proto_encode() returns a malloc'd
 * buffer the caller free()s. proto_decode() gives the caller a new message.
 *
 * Errors: 0 or a negative AL_E* code with al_err_msg() set. Decoding failures
 * are AL_EPROTO with a message "PROTO_ERR_<CLASS>: <MSG>.<field>: detail" and
 * the class in proto_last_error() (per thread). Encoding refuses a message the
 * decoder would refuse (missing required string, oversize, invalid UTF-8)
 * with AL_EINVAL, so a sender learns of its bug, not the receiver.
 * All functions are thread-safe (no shared mutable state).
 */
#ifndef AIRLOCK_PROTO_H
#define AIRLOCK_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/proto/proto_types.h"
#include "proto_gen.h"

/* Classes of decoding failure (stable; names via proto_err_name()). */
typedef enum {
    PROTO_ERR_NONE = 0,
    PROTO_ERR_NOT_ENVELOPE,     /* not [uint, uint, map] */
    PROTO_ERR_BAD_VERSION,      /* proto_version != PROTO_VERSION */
    PROTO_ERR_UNKNOWN_TYPE,     /* type code defined on no channel */
    PROTO_ERR_WRONG_CHANNEL,    /* type of the other channel */
    PROTO_ERR_MISSING_FIELD,    /* required field absent */
    PROTO_ERR_EXTRA_FIELD,      /* field not in the definition */
    PROTO_ERR_DUPLICATE_FIELD,  /* field (or map key) given twice */
    PROTO_ERR_WRONG_TYPE,       /* value of the wrong msgpack type */
    PROTO_ERR_OVERSIZE,         /* message, string, bin, list or map over its limit */
    PROTO_ERR_TRAILING_BYTES,   /* bytes after the envelope */
    PROTO_ERR_TRUNCATED,        /* input ends inside the envelope */
    PROTO_ERR_BAD_UTF8,         /* str not valid UTF-8 or holding NUL */
    PROTO_ERR_MALFORMED,        /* not msgpack at all (reserved byte, nesting too deep) */
} proto_err_t;

/* One row of the message table (generated from the definition). */
typedef struct {
    proto_type_t type;
    const char *name;               /* "HELLO" */
    const char *symbol;             /* "PROTO_W_HELLO" */
    proto_channel_t channel;
    proto_dir_t dir;
    const proto_struct_desc_t *body;
} proto_msg_desc_t;

/* The whole table, PROTO_TYPE_COUNT rows, worker channel first. */
extern const proto_msg_desc_t proto_msg_table[PROTO_TYPE_COUNT];

/* Row of a type, or NULL when the code is not defined. */
const proto_msg_desc_t *proto_type_desc(proto_type_t type);

/* "HELLO", "SUBMIT", ...; "?" for an undefined code. Static string. */
const char *proto_type_name(proto_type_t type);

/* Channel of a type (0 when undefined). */
proto_channel_t proto_type_channel(proto_type_t type);

/* Direction of a type (0 when undefined). proto_decode() accepts both
 * directions of its channel; a receiver that must refuse messages only it
 * may send (e.g. airlockd getting ASSIGN) checks this. */
proto_dir_t proto_type_dir(proto_type_t type);

/* "worker", "client", "?". */
const char *proto_channel_name(proto_channel_t ch);

/* New zeroed message of that type; NULL (AL_EINVAL/AL_ENOMEM set) on failure. */
proto_msg_t *proto_msg_new(proto_type_t type);

/* Frees the message and all it owns; NULL-safe; sets *msg to NULL. */
void proto_msg_destroy(proto_msg_t **msg);

/* Deep equality (type and every field; has_ flags; absent optional fields
 * are equal whatever their value). */
bool proto_msg_equal(const proto_msg_t *a, const proto_msg_t *b);

/* Setters copy their input. Replace any previous value. 0 or AL_ENOMEM/AL_EINVAL. */
int proto_str_set(char **dst, const char *s);
int proto_bin_set(proto_bin_t *dst, const void *data, size_t len);
int proto_strlist_add(proto_strlist_t *list, const char *s);
/* Inserts key -> value, replacing the value of an existing key. */
int proto_strmap_put(proto_strmap_t *map, const char *key, const char *value);
/* Value of key, or NULL. Lent. */
const char *proto_strmap_get(const proto_strmap_t *map, const char *key);

/* Validates msg against the definition and encodes it. *buf is malloc'd and
 * owned by the caller (free()). 0, AL_EINVAL (invalid message, named field),
 * AL_ENOMEM. */
int proto_encode(const proto_msg_t *msg, char **buf, size_t *len);

/* Decodes exactly one message of channel ch from buf[0..len). On success
 * *out is a new message owned by the caller. On failure returns AL_EPROTO
 * (or AL_ENOMEM / AL_EINVAL for bad arguments), *out is NULL, nothing leaks,
 * and proto_last_error() tells the class. */
int proto_decode(proto_channel_t ch, const void *buf, size_t len, proto_msg_t **out);

/* Class of the last proto_decode() failure on this thread (NONE after a success). */
proto_err_t proto_last_error(void);

/* "PROTO_ERR_MISSING_FIELD", ...; "PROTO_ERR_?" for unknown values. */
const char *proto_err_name(proto_err_t err);

#endif
