/*
 * gvisor_trace.c: exec events of a gvisor sandbox from gVisor's runtime
 * monitoring ("seccheck"), the remote sink.
 *
 * `runsc run --pod-init-config FILE` starts a trace session whose points are
 * sentry/execve (every successful execve of every task: binary path, argv,
 * context: time, thread group id, credentials) and sentry/clone (to know
 * each new process's parent). runsc connects to the driver's SOCK_SEQPACKET
 * socket (gvisor_exec.c), sends a Handshake message and waits for the
 * driver's; then each message is one point: an 8-byte header (header size,
 * message type, dropped count; little endian) and a protobuf payload
 * (pkg/sentry/seccheck/points/{common,sentry}.proto, wire version 1).
 * The Sentry reports these, not the workload: a process cannot exec without
 * the Sentry seeing it. The Sentry is the very thing a sandbox escape would
 * control, though, so this decoder trusts nothing: sizes are checked before
 * every read, strings are bounded, unknown fields and message types are
 * skipped, groups and overlong varints are refused, nothing is allocated
 * from input sizes.
 *
 * Points the Sentry could not send (our socket full) are counted in the
 * header's dropped count; the driver logs it.
 */
#include "worker/sandbox/gvisor.h"
#include "common/error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GV_TRACE_VERSION 1
#define GV_MSG_CLONE 2
#define GV_MSG_EXEC 3
#define GV_PATH_MAX 4096
#define GV_ARGV_MAX 1024
#define GV_PPID_SLOTS 4096

typedef struct {
    const uint8_t *p, *end;
} pb_t;

typedef struct {
    int32_t pid, ppid;
} ppid_slot_t;

struct gv_trace {
    int handshaken;
    uint64_t dropped;
    ppid_slot_t ppid[GV_PPID_SLOTS];
    char path[GV_PATH_MAX + 1];
    char argv[GV_ARGV_MAX + 1];
};

/* ---- protobuf wire format, the subset points use ---- */

static int s_varint(pb_t *b, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (b->p >= b->end)
            return -1;
        uint8_t c = *b->p++;
        if (shift == 63 && c > 1)
            return -1;   /* more than 64 bits */
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Next field: its number, wire type and, for length-delimited ones, the bytes. */
static int s_field(pb_t *b, uint32_t *num, int *wt, uint64_t *val, pb_t *sub)
{
    uint64_t key;
    if (s_varint(b, &key) < 0 || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
        return -1;
    *num = (uint32_t)(key >> 3);
    *wt = (int)(key & 7);
    switch (*wt) {
    case 0:
        return s_varint(b, val);
    case 1:
    case 5: {
        size_t n = *wt == 1 ? 8 : 4;
        if ((size_t)(b->end - b->p) < n)
            return -1;
        b->p += n;
        return 0;
    }
    case 2: {
        uint64_t len;
        if (s_varint(b, &len) < 0 || len > (uint64_t)(b->end - b->p))
            return -1;
        sub->p = b->p;
        sub->end = b->p + len;
        b->p += len;
        return 0;
    }
    default:
        return -1;   /* groups (3, 4) and reserved types */
    }
}

/* Calls fn for every field of message b; -1 on malformed input or when fn fails. */
typedef int (*pb_fn)(void *ctx, uint32_t num, int wt, uint64_t v, pb_t sub);

static int s_each(pb_t b, pb_fn fn, void *ctx)
{
    while (b.p < b.end) {
        uint32_t num;
        int wt;
        uint64_t v = 0;
        pb_t sub = { NULL, NULL };
        if (s_field(&b, &num, &wt, &v, &sub) < 0 || fn(ctx, num, wt, v, sub) < 0)
            return -1;
    }
    return 0;
}

/* ---- points ---- */

typedef struct {
    int64_t time_ns;
    int32_t tgid;
    uint32_t uid;
    int32_t child;              /* clone: created_thread_group_id */
    gv_trace_t *t;              /* exec: where path and argv go */
    uint64_t version;           /* handshake */
} point_t;

static int s_on_credentials(void *ctx, uint32_t num, int wt, uint64_t v, pb_t sub)
{
    (void)sub;
    if (num == 1 && wt == 0)
        ((point_t *)ctx)->uid = (uint32_t)v;   /* real uid */
    return 0;
}

static int s_on_context(void *ctx, uint32_t num, int wt, uint64_t v, pb_t sub)
{
    point_t *c = ctx;
    if (num == 1 && wt == 0)
        c->time_ns = (int64_t)v;
    else if (num == 4 && wt == 0)
        c->tgid = (int32_t)v;
    else if (num == 7 && wt == 2)
        return s_each(sub, s_on_credentials, c);
    return 0;
}

static int s_on_clone(void *ctx, uint32_t num, int wt, uint64_t v, pb_t sub)
{
    point_t *c = ctx;
    if (num == 1 && wt == 2)
        return s_each(sub, s_on_context, c);
    if (num == 4 && wt == 0)
        c->child = (int32_t)v;
    return 0;
}

/* Appends a string field to dst (bounded; control bytes shown as '?'). */
static void s_append(char *dst, size_t cap, pb_t s, int space)
{
    size_t len = strlen(dst);
    if (space && len && len < cap)
        dst[len++] = ' ';
    for (const uint8_t *q = s.p; q < s.end && len < cap; q++)
        dst[len++] = *q < 0x20 || *q == 0x7f ? '?' : (char)*q;
    dst[len] = '\0';
}

static int s_on_exec(void *ctx, uint32_t num, int wt, uint64_t v, pb_t sub)
{
    point_t *c = ctx;
    (void)v;
    if (num == 1 && wt == 2)
        return s_each(sub, s_on_context, c);
    if (num == 2 && wt == 2) {
        c->t->path[0] = '\0';
        s_append(c->t->path, GV_PATH_MAX, sub, 0);
    }
    if (num == 3 && wt == 2)
        s_append(c->t->argv, GV_ARGV_MAX, sub, 1);
    /* 4 (env) is never read: it may hold the task's proxy credentials */
    return 0;
}

static int s_on_handshake(void *ctx, uint32_t num, int wt, uint64_t v, pb_t sub)
{
    (void)sub;
    if (num == 1 && wt == 0)
        ((point_t *)ctx)->version = v;
    return 0;
}

static ppid_slot_t *s_slot(gv_trace_t *t, int32_t pid)
{
    return &t->ppid[(uint32_t)pid % GV_PPID_SLOTS];
}

static int s_clone(gv_trace_t *t, pb_t b)
{
    point_t c = { 0 };
    if (s_each(b, s_on_clone, &c) < 0)
        return -1;
    if (c.child > 0 && c.tgid > 0 && c.child != c.tgid)   /* a process, not a thread */
        *s_slot(t, c.child) = (ppid_slot_t){ c.child, c.tgid };
    return 0;
}

static int s_exec(gv_trace_t *t, pb_t b, sandbox_exec_event_fn fn, void *ctx)
{
    point_t c = { .t = t };
    t->path[0] = t->argv[0] = '\0';
    if (s_each(b, s_on_exec, &c) < 0)
        return -1;
    const ppid_slot_t *s = s_slot(t, c.tgid);
    sandbox_exec_event_t ev = { .pid = c.tgid, .ppid = s->pid == c.tgid ? s->ppid : 0,
                                .uid = (int)c.uid, .ts_us = c.time_ns > 0 ? (uint64_t)c.time_ns / 1000u : 0,
                                .path = t->path, .argv = t->argv };
    if (fn)
        fn(ctx, &ev);
    return 0;
}

static int s_handshake(gv_trace_t *t, pb_t b, uint8_t *reply, size_t *reply_len)
{
    point_t c = { 0 };
    if (s_each(b, s_on_handshake, &c) < 0)
        return al_err_set(AL_EPROTO, "gvisor trace: malformed handshake");
    if (c.version < GV_TRACE_VERSION)
        return al_err_set(AL_EPROTO, "gvisor trace: sentry protocol version %llu", (unsigned long long)c.version);
    reply[0] = 0x08;   /* field 1, varint: our version */
    reply[1] = GV_TRACE_VERSION;
    *reply_len = 2;
    t->handshaken = 1;
    return 1;
}

int gv_trace_feed(gv_trace_t *t, const uint8_t *msg, size_t len, sandbox_exec_event_fn fn, void *ctx,
                  uint8_t *reply, size_t *reply_len)
{
    *reply_len = 0;
    if (!t->handshaken)
        return s_handshake(t, (pb_t){ msg, msg + len }, reply, reply_len);
    if (len < 8)
        return al_err_set(AL_EPROTO, "gvisor trace: message of %zu bytes", len);
    unsigned hsize = (unsigned)msg[0] | (unsigned)msg[1] << 8;
    unsigned type = (unsigned)msg[2] | (unsigned)msg[3] << 8;
    uint32_t dropped = (uint32_t)msg[4] | (uint32_t)msg[5] << 8 | (uint32_t)msg[6] << 16 |
                       (uint32_t)msg[7] << 24;
    if (hsize < 8 || hsize > len)
        return al_err_set(AL_EPROTO, "gvisor trace: header size %u of a %zu-byte message", hsize, len);
    if (dropped > t->dropped)
        t->dropped = dropped;
    pb_t b = { msg + hsize, msg + len };
    int rc = 0;
    if (type == GV_MSG_EXEC)
        rc = s_exec(t, b, fn, ctx);
    else if (type == GV_MSG_CLONE)
        rc = s_clone(t, b);
    return rc < 0 ? al_err_set(AL_EPROTO, "gvisor trace: malformed message of type %u", type) : 0;
}

gv_trace_t *gv_trace_new(void)
{
    gv_trace_t *t = calloc(1, sizeof *t);
    if (!t)
        al_err_set(AL_ENOMEM, "gvisor trace: out of memory");
    return t;
}

void gv_trace_destroy(gv_trace_t **t)
{
    if (!t || !*t)
        return;
    free(*t);
    *t = NULL;
}

uint64_t gv_trace_dropped(const gv_trace_t *t) { return t->dropped; }

int gv_trace_config_write(const char *path, const char *socket_path)
{
    json_t *cfg = json_pack("{s:{s:s, s:[{s:s, s:[s,s,s]}, {s:s, s:[s]}], s:[{s:s, s:{s:s, s:i, s:s}}]}}",
                            "trace_session", "name", "Default", "points",
                            "name", "sentry/execve", "context_fields", "time", "group_id", "credentials",
                            "name", "sentry/clone", "context_fields", "group_id",
                            "sinks", "name", "remote", "config", "endpoint", socket_path,
                            "retries", 200, "backoff_max", "10ms");
    if (!cfg)
        return al_err_set(AL_ENOMEM, "gvisor trace config: out of memory");
    int rc = json_dump_file(cfg, path, JSON_COMPACT) == 0 ? 0
                                                          : al_err_set_errno(AL_EIO, "gvisor: write %s", path);
    json_decref(cfg);
    return rc;
}
