/*
 * agent_proto.h: the host <-> guest agent protocol (airlock-init <-> microvm driver).
 *
 * Wire: every frame is a 4-byte big-endian payload length followed by exactly
 * that many bytes of one msgpack map. The map's key "t" holds the message type
 * (an unsigned integer, agent_msg_type_t); every other key is a field of that
 * type. Which fields each type carries is defined ONCE, in the field table of
 * agent_proto.c, and documented in docs/SANDBOX.md ("Agent protocol"). Every
 * field of a type is required, no other key is allowed, duplicates and
 * trailing bytes are refused: the decoder is strict because the guest is
 * untrusted (a compromised guest may send anything).
 *
 * Ownership: a decoded agent_msg_t owns its strings, vectors and data
 * (malloc'd); agent_msg_clear() frees them and zeroes the message. For
 * encoding the caller fills a message with borrowed pointers and must NOT call
 * agent_msg_clear() on it. A NULL string encodes as "".
 *
 * Errors: 0 or a negative AL_E* code with the reason in al_err_msg():
 * AL_EPROTO for malformed frames, AL_ELIMIT for oversize frames, AL_EIO for
 * failed reads/writes (AL_EPROTO "closed" on EOF), AL_ENOMEM.
 */
#ifndef AIRLOCK_AGENT_PROTO_H
#define AIRLOCK_AGENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_PROTO_VERSION 5
#define AGENT_FRAME_MAX (1u << 20)      /* payload bytes */
#define AGENT_OUTPUT_CHUNK (32u * 1024) /* max data bytes in one OUTPUT frame */

typedef enum {
    AGENT_MSG_NONE = 0,
    /* host -> guest */
    AGENT_MSG_PING = 1,       /* id                      -> OK */
    AGENT_MSG_EXEC = 2,       /* id argv env cwd ...     -> OUTPUT*, EXIT (EXEC_EVENTs any time) */
    AGENT_MSG_SET_TIME = 3,   /* id sec nsec             -> OK */
    AGENT_MSG_ENTROPY = 4,    /* id data                 -> OK */
    AGENT_MSG_MOUNT = 5,      /* id, disk_bytes: mount /workspace once the disk has that size -> OK */
    AGENT_MSG_UMOUNT = 6,     /* id: sync, unmount       -> OK */
    AGENT_MSG_SYNC = 7,       /* id                      -> OK */
    AGENT_MSG_SHUTDOWN = 8,   /* id: sync, reboot -f     -> OK, then the VM ends */
    AGENT_MSG_MOUNT_USR = 9,  /* id: mount the host's /usr (9p, read-only) -> OK;
                                 restored clones, whose base never mounted it */
    AGENT_MSG_ENV_ROOT = 10,  /* id: mount the environment disk (erofs, read-only) and
                                 run every later command chrooted into it -> OK;
                                 before MOUNT (the workspace then appears inside it) */
    AGENT_MSG_TREE_OUT = 11,  /* id: stream the workspace  -> TREE*, then OK or ERROR */
    AGENT_MSG_EGRESS = 12,    /* id: serve 10.0.2.100:3128 over the "egress" port
                                 (egress_fwd.c, egress_mux.h) -> OK; since version 4 */
    /* guest -> host */
    AGENT_MSG_READY = 16,     /* version text(kernel release): sent once at boot */
    AGENT_MSG_OK = 17,        /* id */
    AGENT_MSG_ERROR = 18,     /* id text */
    AGENT_MSG_OUTPUT = 19,    /* id stream data */
    AGENT_MSG_EXEC_EVENT = 20,/* id pid ppid uid ts_us text(exe) args */
    AGENT_MSG_EXIT = 21,      /* id exited exit_code signal flags, counters */
    AGENT_MSG_TREE = 22,      /* id kind path mode data: one entry of a tree stream (tree.h) */
    AGENT_MSG_EXEC_LOST = 23, /* id lost: the proc connector overflowed `lost` times, exec
                                 events are missing (sent once per EXEC, before its EXIT) */
} agent_msg_type_t;

typedef struct {
    agent_msg_type_t type;
    uint64_t id;              /* request id; replies echo it */
    uint64_t version;         /* READY: AGENT_PROTO_VERSION of the guest */
    /* EXEC */
    char **argv;              /* argc entries (no NULL terminator needed when encoding) */
    size_t argc;
    char **env;               /* KEY=VALUE */
    size_t envc;
    char *cwd;
    uint64_t timeout_ms, max_output, max_procs, memory_max;
    int64_t uid;              /* EXEC: run as; EXEC_EVENT: real uid of the process */
    /* SET_TIME */
    int64_t sec;
    uint64_t nsec;
    /* ENTROPY, OUTPUT */
    unsigned char *data;
    size_t data_len;
    uint64_t stream;          /* OUTPUT: 1 stdout, 2 stderr */
    /* READY (kernel release), ERROR (message), EXEC_EVENT (executable) */
    char *text;
    /* EXEC_EVENT */
    char *args;               /* argv joined by spaces, bounded */
    int64_t pid, ppid;
    uint64_t ts_us;
    /* EXEC_LOST: overflows of the guest's proc connector socket */
    uint64_t lost;
    /* MOUNT: the workspace disk's size after a resize; 0 = as it is */
    uint64_t disk_bytes;
    /* TREE (worker/guest/tree.h) */
    uint64_t kind, mode;
    char *path;
    /* EXIT */
    int64_t exited, exit_code, signal, timed_out, truncated, oom;
    uint64_t stdout_bytes, stderr_bytes, wall_us, user_us, sys_us, max_rss_kb;
} agent_msg_t;

/* Stable lower-case name of a type ("exec", "exit", ...); "?" when unknown. */
const char *agent_msg_type_name(agent_msg_type_t type);

/* Encodes header + payload into a malloc'd buffer the caller frees. */
int agent_frame_encode(const agent_msg_t *msg, char **out, size_t *out_len);

/* Decodes one payload (without the 4-byte header) into *msg (owned; clear it). */
int agent_frame_decode(const char *payload, size_t len, agent_msg_t *msg);

/* Frees what a decoded message owns and zeroes it. NULL-safe. */
void agent_msg_clear(agent_msg_t *msg);

/* Writes one whole frame to a blocking or non-blocking fd (waits with poll). */
int agent_frame_send(int fd, const agent_msg_t *msg);

/* Incremental frame reader over a byte stream. */
typedef struct agent_reader agent_reader_t;
agent_reader_t *agent_reader_new(void);
void agent_reader_destroy(agent_reader_t **r);
/* One read(2) from fd into the buffer. 0 on data, AL_EPROTO "closed" on EOF,
 * AL_EAGAIN when the fd is non-blocking and empty, AL_EIO otherwise. */
int agent_reader_fill(agent_reader_t *r, int fd);
/* Bytes read but not yet returned as frames (a partial frame at EOF is a
 * truncated stream). */
size_t agent_reader_buffered(const agent_reader_t *r);
/* 1 and *msg filled when a whole frame is buffered, 0 when more bytes are
 * needed, negative on a malformed or oversize frame (the stream is then lost). */
int agent_reader_next(agent_reader_t *r, agent_msg_t *msg);

/* Reads frames from fd until one arrives or deadline_ms (CLOCK_MONOTONIC ms;
 * 0 = none) passes: 0 and *msg, AL_ETIMEOUT, or another error. The deadline
 * is checked before every frame, buffered or not. */
int agent_frame_recv(agent_reader_t *r, int fd, agent_msg_t *msg, uint64_t deadline_ms);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t agent_now_ms(void);

#endif
