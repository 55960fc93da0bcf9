/*
 * agent_proto.c: codec for the host <-> guest agent frames (see agent_proto.h).
 *
 * The field table s_fields below is the single definition of which keys each
 * message type carries; encoder and decoder are both driven by it. Linked into
 * the static airlock-init (guest) and into airlock_sandbox (host).
 */
#include "worker/guest/agent_proto.h"
#include "common/msgpack_scan.h"
#include "common/error.h"

#include <errno.h>
#include <msgpack.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AGENT_FRAME_MAX_DEPTH 8u   /* a frame is a map of scalars, strings and string lists */

#define B(t) (1u << (t))
#define MAX_VEC 4096

typedef enum { K_U64, K_I64, K_STR, K_BIN, K_STRV } kind_t;

typedef struct {
    const char *key;
    kind_t kind;
    size_t off;      /* field offset */
    size_t len_off;  /* K_BIN: data_len, K_STRV: count */
    uint32_t types;  /* bit mask of agent_msg_type_t carrying it */
} field_t;

#define F(k, kind, m, types) { k, kind, offsetof(agent_msg_t, m), 0, types }
#define FL(k, kind, m, l, types) { k, kind, offsetof(agent_msg_t, m), offsetof(agent_msg_t, l), types }
#define ALL_REQ (B(AGENT_MSG_PING) | B(AGENT_MSG_EXEC) | B(AGENT_MSG_SET_TIME) | B(AGENT_MSG_ENTROPY) | \
                 B(AGENT_MSG_MOUNT) | B(AGENT_MSG_UMOUNT) | B(AGENT_MSG_SYNC) | B(AGENT_MSG_SHUTDOWN) | \
                 B(AGENT_MSG_MOUNT_USR) | B(AGENT_MSG_ENV_ROOT) | B(AGENT_MSG_TREE_OUT) | B(AGENT_MSG_EGRESS))
#define ALL_REP (B(AGENT_MSG_OK) | B(AGENT_MSG_ERROR) | B(AGENT_MSG_OUTPUT) | B(AGENT_MSG_EXEC_EVENT) | \
                 B(AGENT_MSG_EXIT) | B(AGENT_MSG_TREE) | B(AGENT_MSG_EXEC_LOST))
#define EXIT B(AGENT_MSG_EXIT)

static const field_t s_fields[] = {
    F("id", K_U64, id, ALL_REQ | ALL_REP),
    F("version", K_U64, version, B(AGENT_MSG_READY)),
    FL("argv", K_STRV, argv, argc, B(AGENT_MSG_EXEC)),
    FL("env", K_STRV, env, envc, B(AGENT_MSG_EXEC)),
    F("cwd", K_STR, cwd, B(AGENT_MSG_EXEC)),
    F("timeout_ms", K_U64, timeout_ms, B(AGENT_MSG_EXEC)),
    F("max_output", K_U64, max_output, B(AGENT_MSG_EXEC)),
    F("max_procs", K_U64, max_procs, B(AGENT_MSG_EXEC)),
    F("memory_max", K_U64, memory_max, B(AGENT_MSG_EXEC)),
    F("uid", K_I64, uid, B(AGENT_MSG_EXEC) | B(AGENT_MSG_EXEC_EVENT)),
    F("sec", K_I64, sec, B(AGENT_MSG_SET_TIME)),
    F("nsec", K_U64, nsec, B(AGENT_MSG_SET_TIME)),
    FL("data", K_BIN, data, data_len, B(AGENT_MSG_ENTROPY) | B(AGENT_MSG_OUTPUT) | B(AGENT_MSG_TREE)),
    F("stream", K_U64, stream, B(AGENT_MSG_OUTPUT)),
    F("text", K_STR, text, B(AGENT_MSG_READY) | B(AGENT_MSG_ERROR) | B(AGENT_MSG_EXEC_EVENT) | B(AGENT_MSG_MOUNT_USR)),
    F("args", K_STR, args, B(AGENT_MSG_EXEC_EVENT)),
    F("pid", K_I64, pid, B(AGENT_MSG_EXEC_EVENT)),
    F("ppid", K_I64, ppid, B(AGENT_MSG_EXEC_EVENT)),
    F("ts_us", K_U64, ts_us, B(AGENT_MSG_EXEC_EVENT)),
    F("lost", K_U64, lost, B(AGENT_MSG_EXEC_LOST)),
    F("exited", K_I64, exited, EXIT),
    F("exit_code", K_I64, exit_code, EXIT),
    F("signal", K_I64, signal, EXIT),
    F("timed_out", K_I64, timed_out, EXIT),
    F("truncated", K_I64, truncated, EXIT),
    F("oom", K_I64, oom, EXIT),
    F("stdout_bytes", K_U64, stdout_bytes, EXIT),
    F("stderr_bytes", K_U64, stderr_bytes, EXIT),
    F("wall_us", K_U64, wall_us, EXIT),
    F("user_us", K_U64, user_us, EXIT),
    F("sys_us", K_U64, sys_us, EXIT),
    F("max_rss_kb", K_U64, max_rss_kb, EXIT),
    F("disk_bytes", K_U64, disk_bytes, B(AGENT_MSG_MOUNT)),
    F("kind", K_U64, kind, B(AGENT_MSG_TREE)),
    F("path", K_STR, path, B(AGENT_MSG_TREE)),
    F("mode", K_U64, mode, B(AGENT_MSG_TREE)),
};
#define NFIELDS (sizeof s_fields / sizeof s_fields[0])
_Static_assert(NFIELDS <= 64, "the decoder tracks fields in a 64-bit mask");

static const char *const s_names[] = {
    [AGENT_MSG_PING] = "ping", [AGENT_MSG_EXEC] = "exec", [AGENT_MSG_SET_TIME] = "set_time",
    [AGENT_MSG_ENTROPY] = "entropy", [AGENT_MSG_MOUNT] = "mount", [AGENT_MSG_UMOUNT] = "umount",
    [AGENT_MSG_SYNC] = "sync", [AGENT_MSG_SHUTDOWN] = "shutdown", [AGENT_MSG_MOUNT_USR] = "mount_usr",
    [AGENT_MSG_ENV_ROOT] = "env_root", [AGENT_MSG_TREE_OUT] = "tree_out", [AGENT_MSG_EGRESS] = "egress", [AGENT_MSG_READY] = "ready",
    [AGENT_MSG_OK] = "ok", [AGENT_MSG_ERROR] = "error", [AGENT_MSG_OUTPUT] = "output",
    [AGENT_MSG_EXEC_EVENT] = "exec_event", [AGENT_MSG_EXIT] = "exit", [AGENT_MSG_TREE] = "tree",
    [AGENT_MSG_EXEC_LOST] = "exec_lost",
};

const char *agent_msg_type_name(agent_msg_type_t type)
{
    if ((unsigned)type < sizeof s_names / sizeof s_names[0] && s_names[type])
        return s_names[type];
    return "?";
}

static int s_type_known(uint64_t t)
{
    return t < sizeof s_names / sizeof s_names[0] && s_names[t] != NULL;
}

static void *s_at(const void *msg, size_t off) { return (char *)msg + off; }

static void s_pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s ? s : "", n);
}

static void s_pack_field(msgpack_packer *pk, const agent_msg_t *m, const field_t *f)
{
    s_pack_str(pk, f->key);
    switch (f->kind) {
    case K_U64: msgpack_pack_uint64(pk, *(const uint64_t *)s_at(m, f->off)); break;
    case K_I64: msgpack_pack_int64(pk, *(const int64_t *)s_at(m, f->off)); break;
    case K_STR: s_pack_str(pk, *(char *const *)s_at(m, f->off)); break;
    case K_BIN: {
        size_t n = *(const size_t *)s_at(m, f->len_off);
        msgpack_pack_bin(pk, n);
        msgpack_pack_bin_body(pk, *(unsigned char *const *)s_at(m, f->off), n);
        break;
    }
    case K_STRV: {
        size_t n = *(const size_t *)s_at(m, f->len_off);
        char *const *v = *(char **const *)s_at(m, f->off);
        msgpack_pack_array(pk, n);
        for (size_t i = 0; i < n; i++)
            s_pack_str(pk, v[i]);
        break;
    }
    }
}

int agent_frame_encode(const agent_msg_t *msg, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!s_type_known(msg->type))
        return al_err_set(AL_EINVAL, "agent frame: unknown type %d", (int)msg->type);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_sbuffer_write(&sb, "\0\0\0\0", 4);
    uint32_t n = 1;
    for (size_t i = 0; i < NFIELDS; i++)
        n += (s_fields[i].types & B(msg->type)) ? 1 : 0;
    msgpack_pack_map(&pk, n);
    s_pack_str(&pk, "t");
    msgpack_pack_uint32(&pk, (uint32_t)msg->type);
    for (size_t i = 0; i < NFIELDS; i++)
        if (s_fields[i].types & B(msg->type))
            s_pack_field(&pk, msg, &s_fields[i]);
    if (!sb.data) {
        msgpack_sbuffer_destroy(&sb);
        return al_err_set(AL_ENOMEM, "agent frame: out of memory");
    }
    size_t plen = sb.size - 4;
    if (plen > AGENT_FRAME_MAX) {
        msgpack_sbuffer_destroy(&sb);
        return al_err_set(AL_ELIMIT, "agent frame: %zu bytes exceeds %u", plen, AGENT_FRAME_MAX);
    }
    unsigned char *h = (unsigned char *)sb.data;
    h[0] = (unsigned char)(plen >> 24);
    h[1] = (unsigned char)(plen >> 16);
    h[2] = (unsigned char)(plen >> 8);
    h[3] = (unsigned char)plen;
    *out_len = sb.size;
    *out = msgpack_sbuffer_release(&sb);
    return 0;
}

static int s_dup_str(const msgpack_object *o, char **dst, const char *key)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return al_err_set(AL_EPROTO, "agent frame: field %s must be a string", key);
    if (memchr(o->via.str.ptr, '\0', o->via.str.size))
        return al_err_set(AL_EPROTO, "agent frame: field %s holds a NUL byte", key);
    *dst = strndup(o->via.str.ptr, o->via.str.size);
    return *dst ? 0 : al_err_set(AL_ENOMEM, "agent frame: out of memory");
}

static int s_get_strv(const msgpack_object *o, agent_msg_t *m, const field_t *f)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return al_err_set(AL_EPROTO, "agent frame: field %s must be an array", f->key);
    size_t n = o->via.array.size;
    if (n > MAX_VEC)
        return al_err_set(AL_ELIMIT, "agent frame: field %s has %zu entries (max %d)", f->key, n, MAX_VEC);
    char **v = calloc(n + 1, sizeof *v);
    if (!v)
        return al_err_set(AL_ENOMEM, "agent frame: out of memory");
    *(char ***)s_at(m, f->off) = v;
    for (size_t i = 0; i < n; i++) {
        int rc = s_dup_str(&o->via.array.ptr[i], &v[i], f->key);
        if (rc < 0)
            return rc;
        *(size_t *)s_at(m, f->len_off) = i + 1;
    }
    return 0;
}

static int s_get_field(const msgpack_object *o, agent_msg_t *m, const field_t *f)
{
    switch (f->kind) {
    case K_U64:
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return al_err_set(AL_EPROTO, "agent frame: field %s must be an unsigned integer", f->key);
        *(uint64_t *)s_at(m, f->off) = o->via.u64;
        return 0;
    case K_I64:
        if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
            *(int64_t *)s_at(m, f->off) = (int64_t)o->via.u64;
        else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            *(int64_t *)s_at(m, f->off) = o->via.i64;
        else
            return al_err_set(AL_EPROTO, "agent frame: field %s must be an integer", f->key);
        return 0;
    case K_STR:
        return s_dup_str(o, (char **)s_at(m, f->off), f->key);
    case K_BIN: {
        if (o->type != MSGPACK_OBJECT_BIN)
            return al_err_set(AL_EPROTO, "agent frame: field %s must be binary", f->key);
        unsigned char *d = malloc(o->via.bin.size ? o->via.bin.size : 1);
        if (!d)
            return al_err_set(AL_ENOMEM, "agent frame: out of memory");
        memcpy(d, o->via.bin.ptr, o->via.bin.size);
        *(unsigned char **)s_at(m, f->off) = d;
        *(size_t *)s_at(m, f->len_off) = o->via.bin.size;
        return 0;
    }
    case K_STRV:
        return s_get_strv(o, m, f);
    }
    return al_err_set(AL_EPROTO, "agent frame: bad field kind");
}

static int s_key_is(const msgpack_object *k, const char *name)
{
    size_t n = strlen(name);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && memcmp(k->via.str.ptr, name, n) == 0;
}

static int s_decode_map(const msgpack_object *root, agent_msg_t *m)
{
    if (root->type != MSGPACK_OBJECT_MAP || root->via.map.size == 0)
        return al_err_set(AL_EPROTO, "agent frame: payload is not a non-empty map");
    const msgpack_object_kv *kv = root->via.map.ptr;
    if (!s_key_is(&kv[0].key, "t") || kv[0].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        !s_type_known(kv[0].val.via.u64))
        return al_err_set(AL_EPROTO, "agent frame: first key must be a known type \"t\"");
    m->type = (agent_msg_type_t)kv[0].val.via.u64;
    uint64_t seen = 0, want = 0;
    for (size_t i = 0; i < NFIELDS; i++)
        if (s_fields[i].types & B(m->type))
            want |= 1ull << i;
    for (uint32_t k = 1; k < root->via.map.size; k++) {
        size_t i = 0;
        while (i < NFIELDS && !s_key_is(&kv[k].key, s_fields[i].key))
            i++;
        if (i == NFIELDS || !(want & (1ull << i)))
            return al_err_set(AL_EPROTO, "agent frame: unexpected key in %s message", agent_msg_type_name(m->type));
        if (seen & (1ull << i))
            return al_err_set(AL_EPROTO, "agent frame: duplicate key %s", s_fields[i].key);
        seen |= 1ull << i;
        int rc = s_get_field(&kv[k].val, m, &s_fields[i]);
        if (rc < 0)
            return rc;
    }
    if (seen != want)
        return al_err_set(AL_EPROTO, "agent frame: %s message misses fields", agent_msg_type_name(m->type));
    return 0;
}

int agent_frame_decode(const char *payload, size_t len, agent_msg_t *msg)
{
    memset(msg, 0, sizeof *msg);
    if (len > AGENT_FRAME_MAX)
        return al_err_set(AL_ELIMIT, "agent frame: %zu bytes exceeds %u", len, AGENT_FRAME_MAX);
    /* counts a hostile header claims are checked against the bytes first:
     * msgpack-c would allocate for them before reading a single element */
    size_t end = 0, at = 0;
    if (msgpack_scan((const uint8_t *)payload, len, AGENT_FRAME_MAX_DEPTH, len, &end, &at) != MSGPACK_SCAN_OK)
        return al_err_set(AL_EPROTO, "agent frame: malformed msgpack at offset %zu", at);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    int rc;
    msgpack_unpack_return ur = msgpack_unpack_next(&up, payload, len, &off);
    if (ur != MSGPACK_UNPACK_SUCCESS) {
        rc = al_err_set(AL_EPROTO, "agent frame: payload is not one msgpack object");
        goto done;
    }
    if (off != len) {
        rc = al_err_set(AL_EPROTO, "agent frame: %zu trailing bytes", len - off);
        goto done;
    }
    rc = s_decode_map(&up.data, msg);
done:
    msgpack_unpacked_destroy(&up);
    if (rc < 0)
        agent_msg_clear(msg);
    return rc;
}

static void s_free_vec(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void agent_msg_clear(agent_msg_t *msg)
{
    if (!msg)
        return;
    s_free_vec(msg->argv, msg->argc);
    s_free_vec(msg->env, msg->envc);
    free(msg->cwd);
    free(msg->data);
    free(msg->text);
    free(msg->args);
    free(msg->path);
    memset(msg, 0, sizeof *msg);
}

uint64_t agent_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int agent_frame_send(int fd, const agent_msg_t *msg)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = agent_frame_encode(msg, &buf, &len);
    if (rc < 0)
        return rc;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w > 0) {
            done += (size_t)w;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            (void)poll(&p, 1, 1000);
        } else if (w < 0 && errno != EINTR) {
            rc = al_err_set_errno(AL_EIO, "agent frame: write");
            break;
        }
    }
    free(buf);
    return rc;
}

struct agent_reader {
    char *buf;
    size_t len, cap;
};

agent_reader_t *agent_reader_new(void)
{
    agent_reader_t *r = calloc(1, sizeof *r);
    if (!r) {
        al_err_set(AL_ENOMEM, "agent reader: out of memory");
        return NULL;
    }
    r->cap = 64 * 1024;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        free(r);
        al_err_set(AL_ENOMEM, "agent reader: out of memory");
        return NULL;
    }
    return r;
}

void agent_reader_destroy(agent_reader_t **r)
{
    if (!r || !*r)
        return;
    free((*r)->buf);
    free(*r);
    *r = NULL;
}

int agent_reader_fill(agent_reader_t *r, int fd)
{
    if (r->cap - r->len < 4096) {
        size_t ncap = r->cap * 2;
        if (ncap > AGENT_FRAME_MAX + 4 + 65536)
            return al_err_set(AL_ELIMIT, "agent reader: buffer full");
        char *nb = realloc(r->buf, ncap);
        if (!nb)
            return al_err_set(AL_ENOMEM, "agent reader: out of memory");
        r->buf = nb;
        r->cap = ncap;
    }
    ssize_t n = read(fd, r->buf + r->len, r->cap - r->len);
    if (n > 0) {
        r->len += (size_t)n;
        return 0;
    }
    if (n == 0)
        return al_err_set(AL_EPROTO, "agent channel closed");
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return AL_EAGAIN;
    return al_err_set_errno(AL_EIO, "agent channel read");
}

size_t agent_reader_buffered(const agent_reader_t *r) { return r->len; }

int agent_reader_next(agent_reader_t *r, agent_msg_t *msg)
{
    if (r->len < 4)
        return 0;
    const unsigned char *h = (const unsigned char *)r->buf;
    size_t plen = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
    if (plen > AGENT_FRAME_MAX)
        return al_err_set(AL_ELIMIT, "agent frame: %zu bytes exceeds %u", plen, AGENT_FRAME_MAX);
    if (r->len < 4 + plen)
        return 0;
    int rc = agent_frame_decode(r->buf + 4, plen, msg);
    memmove(r->buf, r->buf + 4 + plen, r->len - 4 - plen);
    r->len -= 4 + plen;
    return rc < 0 ? rc : 1;
}

int agent_frame_recv(agent_reader_t *r, int fd, agent_msg_t *msg, uint64_t deadline_ms)
{
    for (;;) {
        /* The deadline first, even with frames buffered: a peer that floods
         * frames must not keep its reader from ever seeing the time. */
        int wait = -1;
        if (deadline_ms) {
            uint64_t now = agent_now_ms();
            if (now >= deadline_ms)
                return al_err_set(AL_ETIMEOUT, "agent: no answer before the deadline");
            wait = (int)(deadline_ms - now);
        }
        int rc = agent_reader_next(r, msg);
        if (rc != 0)
            return rc < 0 ? rc : 0;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, wait);
        if (pr < 0 && errno != EINTR)
            return al_err_set_errno(AL_EIO, "agent: poll");
        if (pr > 0) {
            rc = agent_reader_fill(r, fd);
            if (rc < 0 && rc != AL_EAGAIN)
                return rc;
        }
    }
}
