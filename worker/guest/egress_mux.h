/*
 * egress_mux.h: many TCP connections over one byte stream (a microVM's
 * virtio-serial port "egress"), the same engine on both ends.
 *
 * Guest end (airlock-init's egress forwarder, egress_fwd.c): accepts the
 * workload's connections to the proxy address and announces each with OPEN.
 * Host end (the worker's relay, worker/sandbox/microvm_egress.c): for each
 * OPEN dials a fresh connection to the task's egress proxy socket. One thread
 * per VM on the host, whatever the number of connections; at most max_conns
 * (<= EMUX_MAX_CONNS) live at once: beyond that the guest stops accepting and
 * the host answers an OPEN with CLOSE.
 *
 * Wire: frames of an 8-byte header, type:u8 zero:u8 len:u16be conn:u32be, and
 * len payload bytes. OPEN (guest->host), EOF and CLOSE carry nothing, ACK
 * carries a u32be byte count, DATA 1..EMUX_DATA_MAX bytes. Flow control per
 * connection and direction: a sender has EMUX_WINDOW bytes of credit, spends
 * it on DATA and gets it back with the receiver's ACKs once the bytes were
 * written on. So every buffer is bounded: EMUX_WINDOW per connection in, and
 * EMUX_OUT_CAP of frames out; a frame is only taken in when its answer fits.
 * EOF half-closes (shutdown(SHUT_WR) at the receiver once its data is
 * written); CLOSE ends a connection at once; a side forgets a connection when
 * both directions ended. Frames for a connection the receiver does not know
 * are dropped (it closed it, crossing in flight); anything else out of the
 * rules (bad header, OPEN to the guest, OPEN of a live id, DATA beyond the
 * window or after EOF, an ACK beyond it) ends the whole stream: the guest is
 * untrusted and the host end runs as root.
 *
 * Ownership: emux_t owns its connections' fds and buffers; chan, listen_fd and
 * stop_fd are lent. Errors: negative AL_E* with al_err_msg().
 */
#ifndef AIRLOCK_GUEST_EGRESS_MUX_H
#define AIRLOCK_GUEST_EGRESS_MUX_H

#include <stddef.h>
#include <stdint.h>

#define EMUX_HDR 8u
#define EMUX_DATA_MAX 16384u
#define EMUX_WINDOW 262144u
#define EMUX_MAX_CONNS 32u
#define EMUX_OUT_CAP (256u * 1024u)

enum { EMUX_OPEN = 1, EMUX_DATA = 2, EMUX_EOF = 3, EMUX_CLOSE = 4, EMUX_ACK = 5 };

typedef struct {
    uint8_t type;
    uint16_t len;
    uint32_t conn;
} emux_hdr_t;

/* Strict header check: known type, zero flags byte, conn != 0 and the length
 * its type demands. 0 or AL_EPROTO. */
int emux_hdr_parse(const uint8_t b[EMUX_HDR], emux_hdr_t *h);

typedef enum { EMUX_GUEST, EMUX_HOST } emux_role_t;

/* Host: a new connected fd to the upstream (the proxy), or -1 (refused). */
typedef int (*emux_dial_fn)(void *ctx);

typedef struct {
    emux_role_t role;
    int chan;               /* the multiplexed stream (lent; set non-blocking) */
    int listen_fd;          /* guest: listening socket (lent); -1 on the host */
    emux_dial_fn dial;      /* host */
    void *dial_ctx;
    unsigned max_conns;     /* 1..EMUX_MAX_CONNS; 0 means EMUX_MAX_CONNS */
} emux_config_t;

typedef struct {
    unsigned long opened;   /* connections that went live */
    unsigned long refused;  /* OPENs answered with CLOSE (cap, dial failed) */
    unsigned live, peak;    /* live now, most at once */
} emux_stats_t;

typedef struct emux emux_t;

emux_t *emux_new(const emux_config_t *cfg);

/* Serves until the peer closes chan (0), stop_fd becomes readable (0), or the
 * peer breaks the rules / I/O fails (AL_EPROTO / AL_EIO). */
int emux_run(emux_t *m, int stop_fd);

/* Takes bytes as if read from chan and processes every whole frame whose
 * answer fits; returns how many bytes were taken (fewer when the output is
 * full: emux_out_discard makes room) or AL_EPROTO. For the fuzz target. */
int emux_input(emux_t *m, const uint8_t *data, size_t len);
void emux_out_discard(emux_t *m);

void emux_stats(const emux_t *m, emux_stats_t *out);

/* Closes every connection; NULL-safe, NULLs *m. */
void emux_destroy(emux_t **m);

#endif
