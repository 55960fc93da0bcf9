/*
 * head.h: the HTTP/1.x request head as the egress proxy reads it, and the
 * rewrite of a plain-HTTP request into what is sent upstream. Internal to
 * worker/egress (tests include it). Pure functions over caller buffers.
 *
 * Strict: CRLF line ends only, no obs-fold, no NUL/CR/LF in values, one
 * Content-Length (digits), Transfer-Encoding only "chunked" and never with
 * Content-Length, at most one Proxy-Authorization, absolute-form "http://"
 * targets without userinfo for plain requests, "host:port" for CONNECT.
 */
#ifndef AIRLOCK_EGRESS_HEAD_H
#define AIRLOCK_EGRESS_HEAD_H

#include "worker/egress/egress.h"
#include "worker/egress/host.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char method[16];
    bool is_connect;
    char host[EGRESS_HOST_MAX];  /* normalized */
    egress_host_kind_t kind;
    uint16_t port;
    const char *path;            /* origin-form target inside the buffer (plain requests) */
    size_t path_len;
    bool has_auth;               /* a Basic Proxy-Authorization was present */
    char token[EGRESS_TOKEN_MAX];/* its password part; "" when absent or over-long */
    int64_t content_length;      /* -1 when absent */
    bool chunked;
    size_t head_len;             /* bytes up to and including the blank line */
} egress_head_t;

/* Looks for the end of the head in buf[0..len). Returns true and sets
 * *head_len when "\r\n\r\n" is present. */
bool egress_head_complete(const char *buf, size_t len, size_t *head_len);

/* Parses buf[0..head_len). AL_EPROTO with a message naming what is wrong. */
int egress_head_parse(const char *buf, size_t head_len, egress_head_t *h);

/* Writes the origin-form head for a plain request: request line with
 * h->path, the client's headers minus hop-by-hop and Proxy-* ones and Host,
 * then "Host: <host[:port]>" and "Connection: close". AL_ELIMIT when out is
 * too small. */
int egress_head_rewrite(const char *buf, const egress_head_t *h, char *out, size_t outsz,
                        size_t *outlen);

#endif
