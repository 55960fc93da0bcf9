/*
 * egress_fixture.h: what the egress integration tests share: a real HTTP
 * server on the host's loopback (ephemeral port, one thread per connection),
 * a proxy started on a unix socket in a fresh temporary directory, an event
 * recorder, and the sandbox side (a client on the proxy's unix socket).
 */
#ifndef AIRLOCK_TEST_EGRESS_FIXTURE_H
#define AIRLOCK_TEST_EGRESS_FIXTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/egress/egress.h"

#define FX_MAX_CONNS 512
#define FX_MAX_EVENTS 256

/* Paths: /hello (5 bytes), /big/<n> (n bytes of 'x'), /echo (the request
 * body back), /hold (answers nothing until the client closes), /sink (keeps
 * every byte after the head in last_body until EOF or an empty line, which
 * ends the tests' chunked bodies, then answers 200). A first byte
 * 0x16 switches the connection to echo mode and counts a TLS record. With
 * `banner` set the server speaks first ("220 airlock-test\r\n") and then
 * echoes whatever it gets (a server-first protocol such as SMTP). */
typedef struct {
    bool banner;
    int lfd;
    int stop_pipe[2];
    uint16_t port;
    pthread_t tid;
    pthread_mutex_t mu;
    char last_head[4096];
    char last_body[4096];
    size_t last_body_len;
    int sinks;                   /* /sink requests answered */
    pthread_cond_t cv;           /* signalled when requests or sinks move */
    int requests;
    int tls_records;
    int nconns;
    pthread_t conn_tid[FX_MAX_CONNS];
    int conn_fd[FX_MAX_CONNS];
} fx_server_t;

typedef struct {
    char method[16];
    char host[256];
    char reason[32];
    uint16_t port;
    bool allowed;
    int status;
    uint64_t up, down;
} fx_event_t;

typedef struct {
    fx_server_t srv;
    fx_server_t banner_srv;
    egress_proxy_t *px;
    char dir[64];
    char path[100];
    char auth[320]; /* "Proxy-Authorization: Basic ...\r\n" with a valid token */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    fx_event_t ev[FX_MAX_EVENTS];
    int nev;
} fx_t;

extern const unsigned char FX_KEY[32];
#define FX_TASK "task-egress-1"

int fx_server_start(fx_server_t *s, bool banner);
/* Waits (up to 60 s) until the server counted at least n requests heads /
 * answered n /sink requests; returns the count. */
int fx_server_wait_requests(fx_server_t *s, int n);
int fx_server_wait_sinks(fx_server_t *s, int n);
void fx_server_stop(fx_server_t *s);

/* Starts servers and proxy. lim may be NULL (defaults). Allowlist: allowed.test,
 * *.wild.test, dead.test, banner.test, localhost, 127.0.0.1; allowed.test and
 * x.wild.test resolve to the HTTP server (any port), banner.test to the
 * banner server, dead.test to a closed loopback port. */
/* A zeroed fixture on the heap: a test that fails midway leaves its proxy
 * running, and its events must not land in the next test's memory. */
fx_t *fx_alloc(void);
void fx_start(fx_t *f, const egress_limits_t *lim);
/* Stops proxy and servers and frees f. */
void fx_stop(fx_t *f);

/* "Proxy-Authorization: Basic base64(airlock:token)\r\n" into out. */
void fx_auth_header(const char *token, char *out, size_t cap);

/* Connects to the proxy's socket; -1 on failure. Reads time out after 60 s. */
int fx_connect(const fx_t *f);
void fx_send(int fd, const void *buf, size_t len);
/* Reads until EOF (or cap-1 bytes); NUL-terminates; returns bytes read. */
size_t fx_read_all(int fd, char *buf, size_t cap);
/* Reads until "\r\n\r\n" (the proxy's answer to CONNECT); returns the status. */
int fx_read_head(int fd, char *buf, size_t cap);
/* One request on a fresh connection, whole answer into resp. */
size_t fx_request(const fx_t *f, const char *req, char *resp, size_t cap);

/* Waits (up to 60 s) until n events were recorded; returns the count. */
int fx_wait_events(fx_t *f, int n);

int fx_count_fds(void);

#endif
