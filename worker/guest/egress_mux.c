/*
 * egress_mux.c: the connection multiplexer of a microVM's egress port (see
 * egress_mux.h for the wire and its rules). One poll loop: the stream, the
 * guest's listening socket, and each live connection's fd. Owns the
 * connection table, each connection's inbound buffer (<= EMUX_WINDOW) and the
 * outbound frame buffer (EMUX_OUT_CAP).
 */
#include "worker/guest/egress_mux.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ANSWER_MAX 16u   /* the largest frame sent in answer to one received */

typedef struct {
    uint32_t id;             /* 0: free slot */
    int fd;
    uint8_t *buf;            /* from the peer, not yet written to fd */
    size_t len;
    uint32_t credit;         /* bytes we may still send the peer */
    uint32_t ack;            /* bytes written to fd, not yet acknowledged */
    int rd_done;             /* our EOF is sent: we read no more */
    int peer_eof;            /* the peer sent EOF: shut our write side once buf is empty */
    int wr_shut;
    int dead;                /* send CLOSE, then forget */
} conn_t;

struct emux {
    emux_config_t cfg;
    conn_t conns[EMUX_MAX_CONNS];
    uint32_t next_id;
    uint8_t in[EMUX_HDR + EMUX_DATA_MAX];
    size_t in_len;
    uint8_t out[EMUX_OUT_CAP];
    size_t out_len;
    emux_stats_t st;
};

int emux_hdr_parse(const uint8_t b[EMUX_HDR], emux_hdr_t *h)
{
    h->type = b[0];
    h->len = (uint16_t)(b[2] << 8 | b[3]);
    h->conn = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
    int len_ok = h->type == EMUX_DATA  ? h->len >= 1 && h->len <= EMUX_DATA_MAX
                 : h->type == EMUX_ACK ? h->len == 4
                                       : h->len == 0;
    if (h->type < EMUX_OPEN || h->type > EMUX_ACK || b[1] != 0 || h->conn == 0 || !len_ok)
        return al_err_set(AL_EPROTO, "egress mux: bad frame header (type %u flags %u len %u conn %u)", b[0], b[1],
                          h->len, h->conn);
    return 0;
}

static size_t s_room(const emux_t *m) { return EMUX_OUT_CAP - m->out_len; }

/* Appends a frame; the caller checked the room. */
static void s_put(emux_t *m, uint8_t type, uint32_t conn, const void *payload, uint16_t len)
{
    uint8_t *b = m->out + m->out_len;
    b[0] = type, b[1] = 0, b[2] = (uint8_t)(len >> 8), b[3] = (uint8_t)len;
    b[4] = (uint8_t)(conn >> 24), b[5] = (uint8_t)(conn >> 16), b[6] = (uint8_t)(conn >> 8), b[7] = (uint8_t)conn;
    if (len && payload != b + EMUX_HDR)
        memcpy(b + EMUX_HDR, payload, len);
    m->out_len += EMUX_HDR + len;
}

static void s_put_ack(emux_t *m, uint32_t conn, uint32_t n)
{
    uint8_t p[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
    s_put(m, EMUX_ACK, conn, p, 4);
}

static conn_t *s_find(emux_t *m, uint32_t id)
{
    for (unsigned i = 0; i < EMUX_MAX_CONNS; i++)
        if (m->conns[i].id == id)
            return &m->conns[i];
    return NULL;
}

static void s_forget(emux_t *m, conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
    m->st.live--;
}

/* A new live connection on fd (owned from now on), or -1 when the table is full. */
static int s_adopt(emux_t *m, uint32_t id, int fd)
{
    if (m->st.live >= m->cfg.max_conns)
        return -1;
    conn_t *c = s_find(m, 0);
    if (!c)
        return -1;
    *c = (conn_t){ .id = id, .fd = fd, .credit = EMUX_WINDOW };
    m->st.opened++;
    if (++m->st.live > m->st.peak)
        m->st.peak = m->st.live;
    return 0;
}

static int s_on_open(emux_t *m, uint32_t id)
{
    if (m->cfg.role != EMUX_HOST)
        return al_err_set(AL_EPROTO, "egress mux: OPEN sent to the guest");
    if (s_find(m, id))
        return al_err_set(AL_EPROTO, "egress mux: OPEN of live connection %u", id);
    int fd = m->st.live < m->cfg.max_conns ? m->cfg.dial(m->cfg.dial_ctx) : -1;
    if (fd < 0 || s_adopt(m, id, fd) < 0) {
        if (fd >= 0)
            close(fd);
        m->st.refused++;
        s_put(m, EMUX_CLOSE, id, NULL, 0);
    }
    return 0;
}

/* One whole frame; the answer room is guaranteed. */
static int s_frame(emux_t *m, const emux_hdr_t *h, const uint8_t *payload)
{
    if (h->type == EMUX_OPEN)
        return s_on_open(m, h->conn);
    conn_t *c = s_find(m, h->conn);
    if (!c || c->dead)
        return 0;   /* closed here, crossing in flight */
    switch (h->type) {
    case EMUX_DATA:
        if (c->peer_eof || c->len + h->len > EMUX_WINDOW)
            return al_err_set(AL_EPROTO, "egress mux: DATA beyond the window or after EOF on %u", h->conn);
        if (!c->buf && !(c->buf = malloc(EMUX_WINDOW)))
            return al_err_set(AL_ENOMEM, "egress mux: out of memory");
        memcpy(c->buf + c->len, payload, h->len);
        c->len += h->len;
        return 0;
    case EMUX_EOF:
        c->peer_eof = 1;
        return 0;
    case EMUX_CLOSE:
        s_forget(m, c);
        return 0;
    default: { /* EMUX_ACK */
        uint32_t n = (uint32_t)payload[0] << 24 | (uint32_t)payload[1] << 16 | (uint32_t)payload[2] << 8 | payload[3];
        if (n > EMUX_WINDOW - c->credit)
            return al_err_set(AL_EPROTO, "egress mux: ACK beyond the window on %u", h->conn);
        c->credit += n;
        return 0;
    }
    }
}

/* Processes whole frames from m->in while their answer fits. */
static int s_consume(emux_t *m)
{
    size_t off = 0;
    int rc = 0;
    while (m->in_len - off >= EMUX_HDR && s_room(m) >= ANSWER_MAX) {
        emux_hdr_t h;
        if ((rc = emux_hdr_parse(m->in + off, &h)) < 0)
            break;
        if (m->in_len - off < EMUX_HDR + h.len)
            break;
        if ((rc = s_frame(m, &h, m->in + off + EMUX_HDR)) < 0)
            break;
        off += EMUX_HDR + h.len;
    }
    memmove(m->in, m->in + off, m->in_len - off);
    m->in_len -= off;
    return rc;
}

int emux_input(emux_t *m, const uint8_t *data, size_t len)
{
    size_t take = sizeof m->in - m->in_len < len ? sizeof m->in - m->in_len : len;
    memcpy(m->in + m->in_len, data, take);
    m->in_len += take;
    int rc = s_consume(m);
    return rc < 0 ? rc : (int)take;
}

void emux_out_discard(emux_t *m) { m->out_len = 0; }

emux_t *emux_new(const emux_config_t *cfg)
{
    if (cfg->max_conns > EMUX_MAX_CONNS || (cfg->role == EMUX_HOST && !cfg->dial) ||
        (cfg->role == EMUX_GUEST && cfg->listen_fd < 0)) {
        al_err_set(AL_EINVAL, "egress mux: bad configuration");
        return NULL;
    }
    emux_t *m = calloc(1, sizeof *m);
    if (!m) {
        al_err_set(AL_ENOMEM, "egress mux: out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    if (!m->cfg.max_conns)
        m->cfg.max_conns = EMUX_MAX_CONNS;
    for (unsigned i = 0; i < EMUX_MAX_CONNS; i++)
        m->conns[i].fd = -1;
    m->next_id = 1;
    return m;
}

/* Pending ACKs and CLOSEs, ended connections forgotten. */
static void s_housekeep(emux_t *m)
{
    for (unsigned i = 0; i < EMUX_MAX_CONNS; i++) {
        conn_t *c = &m->conns[i];
        if (!c->id)
            continue;
        if (c->dead) {
            if (s_room(m) >= EMUX_HDR) {
                s_put(m, EMUX_CLOSE, c->id, NULL, 0);
                s_forget(m, c);
            }
            continue;
        }
        if (c->peer_eof)
            c->ack = 0;   /* the peer sends no more: it needs no credit */
        else if (c->ack && s_room(m) >= EMUX_HDR + 4)
            s_put_ack(m, c->id, c->ack), c->ack = 0;
        if (c->peer_eof && !c->len && !c->wr_shut) {
            shutdown(c->fd, SHUT_WR);
            c->wr_shut = 1;
        }
        if (c->rd_done && c->wr_shut)
            s_forget(m, c);
    }
}

/* The connection's fd is readable: DATA within the credit, or EOF. */
static void s_conn_read(emux_t *m, conn_t *c)
{
    size_t n = c->credit < EMUX_DATA_MAX ? c->credit : EMUX_DATA_MAX;
    if (s_room(m) - EMUX_HDR < n)
        n = s_room(m) - EMUX_HDR;
    if (n == 0)
        return;   /* no credit: a hang-up is seen once there is */
    ssize_t r = read(c->fd, m->out + m->out_len + EMUX_HDR, n);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r < 0) {
        c->dead = 1;
    } else if (r == 0) {
        s_put(m, EMUX_EOF, c->id, NULL, 0);
        c->rd_done = 1;
    } else {
        s_put(m, EMUX_DATA, c->id, m->out + m->out_len + EMUX_HDR, (uint16_t)r);
        c->credit -= (uint32_t)r;
    }
}

static void s_conn_write(conn_t *c)
{
    ssize_t w = write(c->fd, c->buf, c->len);
    if (w < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (w <= 0) {
        c->dead = 1;
        return;
    }
    memmove(c->buf, c->buf + w, c->len - (size_t)w);
    c->len -= (size_t)w;
    c->ack += (uint32_t)w;
}

static void s_accept(emux_t *m)
{
    int fd = accept4(m->cfg.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;
    uint32_t id = m->next_id++;
    if (!m->next_id)
        m->next_id = 1;
    if (s_adopt(m, id, fd) < 0) {
        close(fd);
        return;
    }
    s_put(m, EMUX_OPEN, id, NULL, 0);
}

/* The stream: write what is queued, read and process what came. 1 at EOF. */
static int s_chan_io(emux_t *m, short rev)
{
    if ((rev & POLLOUT) && m->out_len) {
        ssize_t w = write(m->cfg.chan, m->out, m->out_len);
        if (w < 0 && errno != EINTR && errno != EAGAIN)
            return al_err_set_errno(AL_EIO, "egress mux: write");
        if (w > 0) {
            memmove(m->out, m->out + w, m->out_len - (size_t)w);
            m->out_len -= (size_t)w;
        }
    }
    if (!(rev & (POLLIN | POLLHUP | POLLERR)))
        return 0;
    if (!(rev & POLLIN) || s_room(m) < ANSWER_MAX)
        return (rev & POLLIN) ? 0 : 1;   /* hang-up without data */
    ssize_t r = read(m->cfg.chan, m->in + m->in_len, sizeof m->in - m->in_len);
    if (r == 0)
        return 1;
    if (r < 0)
        return errno == EINTR || errno == EAGAIN ? 0 : al_err_set_errno(AL_EIO, "egress mux: read");
    m->in_len += (size_t)r;
    return s_consume(m);
}

int emux_run(emux_t *m, int stop_fd)
{
    int fl = fcntl(m->cfg.chan, F_GETFL);
    if (fl < 0 || fcntl(m->cfg.chan, F_SETFL, fl | O_NONBLOCK) < 0)
        return al_err_set_errno(AL_EIO, "egress mux: non-blocking stream");
    struct pollfd p[3 + EMUX_MAX_CONNS];
    conn_t *who[3 + EMUX_MAX_CONNS];
    for (;;) {
        s_housekeep(m);
        int room = s_room(m) >= ANSWER_MAX + EMUX_HDR;
        nfds_t n = 0;
        p[n++] = (struct pollfd){ m->cfg.chan, (short)((room ? POLLIN : 0) | (m->out_len ? POLLOUT : 0)), 0 };
        p[n++] = (struct pollfd){ stop_fd, POLLIN, 0 };
        int can_accept = m->cfg.role == EMUX_GUEST && room && m->st.live < m->cfg.max_conns;
        p[n++] = (struct pollfd){ can_accept ? m->cfg.listen_fd : -1, POLLIN, 0 };
        for (unsigned i = 0; i < EMUX_MAX_CONNS; i++) {
            conn_t *c = &m->conns[i];
            if (!c->id || c->dead)
                continue;
            short ev = (short)((!c->rd_done && c->credit && room ? POLLIN : 0) | (c->len ? POLLOUT : 0));
            who[n] = c;
            p[n++] = (struct pollfd){ ev ? c->fd : -1, ev, 0 };
        }
        if (poll(p, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            return al_err_set_errno(AL_EIO, "egress mux: poll");
        }
        if (p[1].revents)
            return 0;
        for (nfds_t i = 3; i < n; i++) {
            if ((p[i].revents & POLLOUT) || (p[i].revents & (POLLERR | POLLHUP) && who[i]->len))
                s_conn_write(who[i]);
            if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) && !who[i]->rd_done && !who[i]->dead &&
                s_room(m) >= ANSWER_MAX + EMUX_HDR)
                s_conn_read(m, who[i]);
        }
        if (p[2].revents & POLLIN)
            s_accept(m);
        int rc = s_chan_io(m, p[0].revents);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
}

void emux_stats(const emux_t *m, emux_stats_t *out) { *out = m->st; }

void emux_destroy(emux_t **mp)
{
    if (!mp || !*mp)
        return;
    emux_t *m = *mp;
    *mp = NULL;
    for (unsigned i = 0; i < EMUX_MAX_CONNS; i++)
        if (m->conns[i].id)
            s_forget(m, &m->conns[i]);
    free(m);
}
