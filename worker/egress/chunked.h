/*
 * chunked.h: a strict scanner of HTTP/1.1 chunked request bodies (RFC 9112
 * section 7.1) for the egress proxy. It does not decode: it tells how many
 * of the bytes a client sent belong to the body, so the proxy forwards the
 * body and nothing after it. A second request pipelined behind the last
 * chunk is never forwarded (a smuggling route past the Host rewrite).
 *
 * Strict: CRLF line ends only (a bare LF or CR is malformed), 1..16 hex
 * digits per size and a size below 2^62, chunk extensions and trailer lines of visible ASCII,
 * SP and HTAB only, bounded in length. Pure: no allocation, no I/O; the
 * state is a plain struct the caller owns (zero it, or egress_chunked_init).
 */
#ifndef AIRLOCK_EGRESS_CHUNKED_H
#define AIRLOCK_EGRESS_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EGRESS_CHUNK_LINE_MAX 4096    /* one size line (with extensions) or trailer line */
#define EGRESS_CHUNK_TRAILER_MAX 16384 /* all trailer lines together */

typedef struct {
    int state;
    uint64_t size;      /* size of the chunk being read */
    uint64_t left;      /* data bytes of it still to come */
    unsigned digits;
    size_t line;        /* bytes of the current size/extension/trailer line */
    size_t trailer;     /* bytes of all trailer lines */
} egress_chunked_t;

void egress_chunked_init(egress_chunked_t *c);

/* Scans n more bytes of the body. Returns how many of them belong to the
 * body: n, or fewer when the body ends inside buf (egress_chunked_done is
 * then true and the rest is not body). -1 when the bytes are not a valid
 * chunked body (the state is then stuck in error). */
long long egress_chunked_feed(egress_chunked_t *c, const char *buf, size_t n);

/* True once the last chunk and the trailer section ended. */
bool egress_chunked_done(const egress_chunked_t *c);

#endif
