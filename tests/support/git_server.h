/*
 * git_server.h: a real git server on loopback for tests: git_http_server.py
 * (`git http-backend` behind a small threaded HTTP or HTTPS server) started
 * as a child process. Its port is read from the line it prints once it
 * listens (no sleeping). Every request is logged to <log>, with the client's address.
 *
 * Ownership: git_server_start() returns a server the caller stops with
 * git_server_stop() (SIGKILL, reaped; NULL-safe, nulls *p).
 */
#ifndef AIRLOCK_TEST_GIT_SERVER_H
#define AIRLOCK_TEST_GIT_SERVER_H

typedef struct git_server git_server_t;

typedef struct {
    const char *root;                 /* GIT_PROJECT_ROOT: repositories below it */
    const char *const *auth;          /* "PATH_PREFIX:USER:PASSWORD_FILE", NULL-terminated; may be NULL */
    const char *log;                  /* request log file; may be NULL */
    const char *tls_cert, *tls_key;   /* PEM files: serve HTTPS; NULL = plain HTTP */
    const char *bind;                 /* listen address; NULL = 127.0.0.1 */
} git_server_opts_t;

/* 0 or -1 (the reason on stderr). */
int git_server_start(git_server_t **out, const git_server_opts_t *o);
int git_server_port(const git_server_t *s);
void git_server_stop(git_server_t **p);

/* A loopback TCP port that was just bound and closed without listening:
 * connecting to it is refused (the "unreachable host" of the tests). */
int git_server_unused_port(void);

#endif
