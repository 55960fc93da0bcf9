/*
 * error.c: per-thread error message buffer and code names.
 */
#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define AL_ERR_MSG_MAX 1024

static _Thread_local char s_msg[AL_ERR_MSG_MAX];
static _Thread_local int s_code;

int al_err_vset(int code, const char *fmt, va_list ap)
{
    vsnprintf(s_msg, sizeof s_msg, fmt, ap);
    s_code = code;
    return code;
}

int al_err_set(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    al_err_vset(code, fmt, ap);
    va_end(ap);
    return code;
}

int al_err_set_errno(int code, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    al_err_vset(code, fmt, ap);
    va_end(ap);
    size_t len = strlen(s_msg);
    snprintf(s_msg + len, sizeof s_msg - len, ": %s", strerror(saved));
    errno = saved;
    return code;
}

int al_err_wrap(int code, const char *fmt, ...)
{
    char prefix[AL_ERR_MSG_MAX];
    char old[AL_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, s_msg, sizeof old);
    size_t plen = strnlen(prefix, sizeof s_msg - 3);
    memcpy(s_msg, prefix, plen);
    memcpy(s_msg + plen, ": ", 2);
    size_t room = sizeof s_msg - plen - 3;
    size_t olen = strnlen(old, room);
    memcpy(s_msg + plen + 2, old, olen);
    s_msg[plen + 2 + olen] = '\0';
    s_code = code;
    return code;
}

const char *al_err_msg(void) { return s_msg; }

int al_err_code(void) { return s_code; }

void al_err_clear(void)
{
    s_msg[0] = '\0';
    s_code = AL_OK;
}

const char *al_err_name(int code)
{
    static const char *const names[] = {
        "AL_OK", "AL_EINVAL", "AL_ENOMEM", "AL_EIO", "AL_EPROTO",
        "AL_ENOTFOUND", "AL_EEXISTS", "AL_ETIMEOUT", "AL_EDB", "AL_EGIT",
        "AL_ESANDBOX", "AL_EPOLICY", "AL_ECRYPTO", "AL_EPLUGIN", "AL_ECONFIG",
        "AL_ELIMIT", "AL_ECANCELLED", "AL_EAGAIN", "AL_ESTATE",
    };
    int idx = -code;
    if (idx < 0 || idx >= (int)(sizeof names / sizeof names[0]))
        return "AL_E?";
    return names[idx];
}
