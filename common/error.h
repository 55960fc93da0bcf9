/*
 * error.h: Airlock's error codes and the per-thread error message.
 *
 * Convention (libgit2 style): a function returns 0 on success or one of the
 * negative AL_E* codes below for an expected failure, and records a human
 * readable reason with al_err_set(). The reason lives in a per-thread buffer
 * owned by this module; al_err_msg() lends it until the next al_err_set() on
 * the same thread. Library errors (errno, PQerrorMessage, git_error_last,
 * ERR_get_error) are translated into this form at the boundary.
 */
#ifndef AIRLOCK_ERROR_H
#define AIRLOCK_ERROR_H

#include <stdarg.h>

typedef enum {
    AL_OK = 0,
    AL_EINVAL = -1,     /* bad argument or input that breaks a rule */
    AL_ENOMEM = -2,     /* allocation failed */
    AL_EIO = -3,        /* system call or file failed */
    AL_EPROTO = -4,     /* malformed or unexpected wire message */
    AL_ENOTFOUND = -5,  /* no such object */
    AL_EEXISTS = -6,    /* object already exists */
    AL_ETIMEOUT = -7,   /* deadline passed */
    AL_EDB = -8,        /* PostgreSQL error */
    AL_EGIT = -9,       /* libgit2 error */
    AL_ESANDBOX = -10,  /* sandbox could not be created or driven */
    AL_EPOLICY = -11,   /* refused by policy */
    AL_ECRYPTO = -12,   /* OpenSSL or CurveZMQ error */
    AL_EPLUGIN = -13,   /* plugin failed to load or run */
    AL_ECONFIG = -14,   /* invalid configuration */
    AL_ELIMIT = -15,    /* a size or rate limit was exceeded */
    AL_ECANCELLED = -16,/* operation cancelled */
    AL_EAGAIN = -17,    /* try again later (transient) */
    AL_ESTATE = -18,    /* operation not valid in the current state */
} al_err_t;

/* Records the message for this thread and returns `code` so callers can write
 * `return al_err_set(AL_EINVAL, "field %s", name);`. */
int al_err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int al_err_vset(int code, const char *fmt, va_list ap);

/* Same, with ": strerror(errno)" appended (errno read at entry). */
int al_err_set_errno(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with "context: " (keeps the code). Returns code. */
int al_err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last message recorded on this thread ("" when none). Lent, not owned. */
const char *al_err_msg(void);

/* The last code recorded on this thread (AL_OK when none). */
int al_err_code(void);

/* Stable name of a code, e.g. "AL_EPROTO"; "AL_E?" for unknown codes. */
const char *al_err_name(int code);

void al_err_clear(void);

#endif
