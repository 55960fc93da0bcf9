/*
 * log_internal.h: what log.c and log_json.c share (internal).
 */
#ifndef AIRLOCK_LOG_INTERNAL_H
#define AIRLOCK_LOG_INTERNAL_H

#include <stddef.h>

#define LOG_LINE_MAX 4096           /* a text line */
#define LOG_JSON_MAX (4 * 4096)     /* the same as JSON (escapes grow it) */

/* Writes the JSON object of a text log line (len bytes, no newline) into
 * buf with a newline and a NUL; returns its length (without the NUL). */
size_t al_log_line_to_json(const char *line, size_t len, char *buf, size_t cap);

#endif
