/*
 * log.c: key=value log lines, one write per line.
 */
#include "common/log.h"
#include "common/error.h"
#include "common/log_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES LOG_LINE_MAX

static char s_prog[32] = "airlock";
static al_log_level_t s_min = AL_LOG_INFO;
static FILE *s_out;
static al_log_format_t s_format = AL_LOG_TEXT;

static const char *const s_names[] = { "debug", "info", "warn", "error" };

void al_log_init(const char *prog, al_log_level_t min_level, FILE *out)
{
    snprintf(s_prog, sizeof s_prog, "%s", prog ? prog : "airlock");
    s_min = min_level;
    s_out = out;
}

int al_log_level_parse(const char *text, al_log_level_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (text && strcmp(text, s_names[i]) == 0) {
            *out = (al_log_level_t)i;
            return AL_OK;
        }
    }
    return al_err_set(AL_EINVAL, "log level '%s' is not one of debug, info, warn, error",
                      text ? text : "(null)");
}

const char *al_log_level_name(al_log_level_t level)
{
    return (level >= AL_LOG_DEBUG && level <= AL_LOG_ERROR) ? s_names[level] : "?";
}

int al_log_enabled(al_log_level_t level) { return level >= s_min; }

int al_log_format_parse(const char *text, al_log_format_t *out)
{
    if (!text || !*text || strcmp(text, "text") == 0)
        *out = AL_LOG_TEXT;
    else if (strcmp(text, "json") == 0)
        *out = AL_LOG_JSON;
    else
        return al_err_set(AL_EINVAL, "log format '%s' is not one of text, json", text);
    return AL_OK;
}

void al_log_set_format(al_log_format_t format) { s_format = format; }

static void s_emit(al_log_level_t level, const char *event, const char *suffix,
                   const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s prog=%s event=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (long)(tv.tv_usec / 1000), s_names[level], s_prog, event);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (fmt && *fmt && len < sizeof line - 2) {
        line[len++] = ' ';
        int m = vsnprintf(line + len, sizeof line - len, fmt, ap);
        if (m > 0)
            len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
    }
    if (suffix && len < sizeof line - 1) {
        int m = snprintf(line + len, sizeof line - len, "%s", suffix);
        if (m > 0)
            len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
    }
    if (len >= sizeof line - 1)
        len = sizeof line - 2;
    line[len++] = '\n';
    char json[LOG_JSON_MAX];
    const char *text = line;
    if (s_format == AL_LOG_JSON) {
        len = al_log_line_to_json(line, len - 1, json, sizeof json);
        text = json;
    }
    FILE *out = s_out ? s_out : stderr;
    flockfile(out);
    fwrite(text, 1, len, out);
    fflush(out);
    funlockfile(out);
}

void al_log(al_log_level_t level, const char *event, const char *fmt, ...)
{
    if (level < s_min || level > AL_LOG_ERROR)
        return;
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    s_emit(level, event, NULL, fmt, ap);
    va_end(ap);
    errno = saved;
}

void al_log_errno(al_log_level_t level, const char *event, const char *fmt, ...)
{
    int saved = errno;
    if (level < s_min || level > AL_LOG_ERROR)
        return;
    char suffix[300];
    char quoted[280];
    snprintf(suffix, sizeof suffix, " errno=%s", al_log_quote(quoted, sizeof quoted, strerror(saved)));
    va_list ap;
    va_start(ap, fmt);
    s_emit(level, event, suffix, fmt, ap);
    va_end(ap);
    errno = saved;
}

static int s_is_plain(const char *s)
{
    if (!*s)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p >= 0x7f)
            return 0;
    }
    return 1;
}

char *al_log_quote(char *dst, size_t dst_size, const char *s)
{
    if (dst_size == 0)
        return dst;
    if (!s)
        s = "";
    if (s_is_plain(s)) {
        snprintf(dst, dst_size, "%s", s);
        return dst;
    }
    if (dst_size < 3) {
        dst[0] = '\0';
        return dst;
    }
    size_t o = 0;
    dst[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[5];
        size_t n;
        if (*p == '"' || *p == '\\') { esc[0] = '\\'; esc[1] = (char)*p; n = 2; }
        else if (*p == '\n') { memcpy(esc, "\\n", 2); n = 2; }
        else if (*p == '\t') { memcpy(esc, "\\t", 2); n = 2; }
        else if (*p < ' ' || *p == 0x7f) { snprintf(esc, sizeof esc, "\\x%02x", *p); n = 4; }
        else { esc[0] = (char)*p; n = 1; }
        if (o + n + 2 > dst_size)
            break;
        memcpy(dst + o, esc, n);
        o += n;
    }
    dst[o++] = '"';
    dst[o] = '\0';
    return dst;
}
