/*
 * proto_testlib.h: helpers for the protocol codec tests and the fuzzer seeds.
 *
 * ptest_fill(): fills every field of any message from its descriptor, so a
 * message added to schemas/protocol.json is covered without new test code.
 * ptest_cases[]: hand-built msgpack inputs (packed with msgpack_pack_*,
 * independently of proto_encode) for every decoder rejection class; the same
 * table is written to tests/corpus/proto/ by `test_proto_reject --write-corpus`.
 */
#ifndef AIRLOCK_PROTO_TESTLIB_H
#define AIRLOCK_PROTO_TESTLIB_H

#include <stddef.h>

#include <msgpack.h>

#include "common/proto/proto.h"

/* Sets every field (and has_ flag) of m; variant changes the values. 0 or AL_E*. */
int ptest_fill(proto_msg_t *m, unsigned variant);

typedef struct {
    const char *name;          /* corpus file stem */
    proto_channel_t ch;        /* channel to decode on */
    proto_err_t expect;        /* PROTO_ERR_NONE for a valid input */
    const char *msg;           /* exact al_err_msg() expected, or NULL */
    void (*build)(msgpack_packer *pk);
} ptest_case_t;

extern const ptest_case_t ptest_cases[];
extern const size_t ptest_ncases;

/* Packs a case into a malloc'd buffer (free()). 0 or -1. */
int ptest_case_bytes(const ptest_case_t *c, char **buf, size_t *len);

/* Corpus file name of a case: "<w|c>-<class>-<name>.msgpack", class being
 * the proto_err_t name lower-cased without PROTO_ERR_ ("none" for valid). */
void ptest_corpus_name(char *dst, size_t size, proto_channel_t ch, proto_err_t expect, const char *name);

/* Parses a corpus file name back; 0 or -1 when it does not follow the scheme. */
int ptest_corpus_parse(const char *file, proto_channel_t *ch, proto_err_t *expect);

/* Reads a whole file into a malloc'd, NUL-terminated buffer; NULL on error. */
char *ptest_read_file(const char *path, size_t *len);

#endif
