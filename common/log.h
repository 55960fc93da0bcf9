/*
 * log.h: one-line key=value logging.
 *
 * Every line is `ts=<UTC ISO-8601 ms> level=<lvl> prog=<name> event=<event> <fields>`
 * (or the same as one JSON object, al_log_set_format / setting log_format=json)
 * written to stderr (or the stream given to al_log_init) in one write, so lines
 * from several threads never interleave. Fields are a printf-style tail supplied
 * by the caller: put `task=` and `worker=` on every line that has them. Never
 * log secrets or patch bodies above debug. Values that may hold spaces or quotes
 * must go through al_log_quote().
 *
 * al_log_init() is called once at process start, before threads exist.
 */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    AL_LOG_DEBUG = 0,
    AL_LOG_INFO = 1,
    AL_LOG_WARN = 2,
    AL_LOG_ERROR = 3,
} al_log_level_t;

typedef enum {
    AL_LOG_TEXT = 0,   /* ts=... level=... prog=... event=... k=v ... */
    AL_LOG_JSON = 1,   /* the same line as one JSON object, every value a string */
} al_log_format_t;

/* prog is copied. out may be NULL for stderr. */
void al_log_init(const char *prog, al_log_level_t min_level, FILE *out);

/* Parses "debug", "info", "warn", "error". Returns 0 or AL_EINVAL. */
int al_log_level_parse(const char *text, al_log_level_t *out);

const char *al_log_level_name(al_log_level_t level);
/* Parses "text" or "json" (NULL or "" = text). Returns 0 or AL_EINVAL. */
int al_log_format_parse(const char *text, al_log_format_t *out);
/* From now on (call at start, before threads). JSON lines are
 * {"ts":..,"level":..,"prog":..,"event":..,"<key>":"<value>",...}: each
 * key=value of the text line becomes a member (quoted values unescaped),
 * anything else goes to "msg"; invalid UTF-8 becomes U+FFFD. */
void al_log_set_format(al_log_format_t format);

int al_log_enabled(al_log_level_t level);

void al_log(al_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like al_log at AL_LOG_WARN/ERROR with ` errno="<strerror(errno)>"` appended. */
void al_log_errno(al_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes `s` into dst as a log value: unchanged when it is a plain token,
 * otherwise double-quoted with \" \\ \n \t and \xNN escapes. Truncates to fit
 * (keeping the closing quote). Returns dst. */
char *al_log_quote(char *dst, size_t dst_size, const char *s);

#define al_debug(event, ...) al_log(AL_LOG_DEBUG, event, __VA_ARGS__)
#define al_info(event, ...) al_log(AL_LOG_INFO, event, __VA_ARGS__)
#define al_warn(event, ...) al_log(AL_LOG_WARN, event, __VA_ARGS__)
#define al_error(event, ...) al_log(AL_LOG_ERROR, event, __VA_ARGS__)

#endif
