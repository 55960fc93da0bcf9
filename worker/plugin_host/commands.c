/*
 * commands.c: the job's commands in the airlock_input_t view. Checks the
 * caller's plugin_command_t list against the host's bounds (count, argc,
 * bytes, stage names), copies each command into one block (argv pointers,
 * argv strings, stage, the text the shell sees) and owns those blocks until
 * plugin_input_free. The text of a shell command (sh/bash/dash/zsh/ksh/ash
 * -c SCRIPT) is the script; any other argv is joined with single-quoting of
 * words that are not plain, as a shell would need them written.
 */
#include "worker/plugin_host/plugin_host_internal.h"

#include "common/error.h"

#include <stdlib.h>
#include <string.h>

static int stage_ok(const char *s)
{
    size_t n = s ? strnlen(s, 17) : 0;
    return n >= 1 && n <= 16 && strspn(s, "abcdefghijklmnopqrstuvwxyz") == n;
}

/* Index of the script when argv is `<shell> -[flags]c SCRIPT ...`, else 0. */
static size_t shell_script_arg(const plugin_command_t *c)
{
    static const char *const shells[] = { "sh", "bash", "dash", "zsh", "ksh", "ash", "mksh" };
    const char *base = strrchr(c->argv[0], '/');
    const char *fl = c->argc >= 3 ? c->argv[1] : "";
    base = base ? base + 1 : c->argv[0];
    if (fl[0] != '-' || fl[1] == '-' || !strchr(fl, 'c')
        || strspn(fl + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(fl + 1))
        return 0;
    for (size_t i = 0; i < sizeof shells / sizeof shells[0]; i++)
        if (strcmp(base, shells[i]) == 0)
            return 2;
    return 0;
}

static int word_plain(const char *w)
{
    size_t n = strlen(w);
    return n > 0
           && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == n;
}

/* Writes argv as a shell would need it written; returns the bytes written
 * (dst NULL: only counts). */
static size_t text_join(const plugin_command_t *c, char *dst)
{
    size_t n = 0;
    for (size_t k = 0; k < c->argc; k++) {
        const char *w = c->argv[k];
        int plain = word_plain(w);
        if (k && ++n && dst)
            dst[n - 1] = ' ';
        if (!plain && ++n && dst)
            dst[n - 1] = '\'';
        for (; *w; w++) {
            const char *piece = (*w == '\'' && !plain) ? "'\\''" : NULL;
            size_t m = piece ? 4 : 1;
            if (dst)
                memcpy(dst + n, piece ? piece : w, m);
            n += m;
        }
        if (!plain && ++n && dst)
            dst[n - 1] = '\'';
    }
    return n;
}

/* Bytes of a command's block after its pointer array: argv strings, stage
 * and text, NULs included; *text_len (may be NULL) gets the text length.
 * Each argv string is at most PLUGIN_MAX_COMMAND_BYTES for the sum to count,
 * so no addition can overflow. */
static size_t command_bytes(const plugin_command_t *c, size_t *text_len)
{
    size_t script = shell_script_arg(c), n = strlen(c->stage) + 1;
    for (size_t k = 0; k < c->argc; k++) {
        size_t w = strnlen(c->argv[k], PLUGIN_MAX_COMMAND_BYTES + 1);
        if (w > PLUGIN_MAX_COMMAND_BYTES)
            return (size_t)PLUGIN_MAX_COMMAND_BYTES + 1;
        n += w + 1;
    }
    size_t t = script ? strlen(c->argv[script]) : text_join(c, NULL);
    if (text_len)
        *text_len = t;
    return n + t + 1;
}

int plugin_commands_check(const plugin_command_t *cmds, size_t n)
{
    size_t bytes = 0;
    if (n > PLUGIN_MAX_COMMANDS)
        return al_err_set(AL_ELIMIT, "commands: %zu given, limit %u", n, PLUGIN_MAX_COMMANDS);
    if (n && !cmds)
        return al_err_set(AL_EINVAL, "commands: %zu given but the list is NULL", n);
    for (size_t i = 0; i < n; i++) {
        const plugin_command_t *c = &cmds[i];
        if (!stage_ok(c->stage))
            return al_err_set(AL_EINVAL, "command %zu: stage must match [a-z]{1,16}", i);
        if (c->index >= PLUGIN_MAX_COMMANDS)
            return al_err_set(AL_EINVAL, "command %zu (%s): index %zu, limit %u", i, c->stage, c->index,
                              PLUGIN_MAX_COMMANDS);
        if (!c->argv || c->argc < 1 || c->argc > PLUGIN_MAX_ARGV)
            return al_err_set(AL_EINVAL, "command %zu (%s[%zu]): argc is %zu, must be 1..%u with an argv", i,
                              c->stage, c->index, c->argc, PLUGIN_MAX_ARGV);
        for (size_t k = 0; k < c->argc; k++)
            if (!c->argv[k])
                return al_err_set(AL_EINVAL, "command %zu (%s[%zu]): argv[%zu] is NULL", i, c->stage,
                                  c->index, k);
        if ((bytes += command_bytes(c, NULL)) > PLUGIN_MAX_COMMAND_BYTES)
            return al_err_set(AL_ELIMIT, "commands: more than %u bytes (at command %zu, %s[%zu])",
                              PLUGIN_MAX_COMMAND_BYTES, i, c->stage, c->index);
    }
    return 0;
}

/* One block: argc + 1 pointers, the argv strings, the stage, the text. */
static int command_copy(const plugin_command_t *c, airlock_command_t *out)
{
    size_t script = shell_script_arg(c), tlen = 0;
    size_t head = (c->argc + 1) * sizeof(char *);
    char **argv = malloc(head + command_bytes(c, &tlen));
    if (!argv)
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    char *p = (char *)argv + head;
    for (size_t k = 0; k < c->argc; k++) {
        size_t w = strlen(c->argv[k]) + 1;
        argv[k] = memcpy(p, c->argv[k], w);
        p += w;
    }
    argv[c->argc] = NULL;
    out->stage = memcpy(p, c->stage, strlen(c->stage) + 1);
    p += strlen(c->stage) + 1;
    if (script)
        memcpy(p, c->argv[script], tlen);
    else
        text_join(c, p);
    p[tlen] = '\0';
    out->struct_size = sizeof *out;
    out->index = (uint32_t)c->index;
    out->text = p;
    out->text_len = tlen;
    out->argc = (uint32_t)c->argc;
    out->argv = (const char *const *)argv;
    return 0;
}

int plugin_commands_build(plugin_input_t *pi, const plugin_command_t *cmds, size_t n)
{
    int rc = 0;
    if (n == 0)
        return 0;
    if (!(pi->cmds = calloc(n, sizeof *pi->cmds)))
        return al_err_set(AL_ENOMEM, "plugin host: out of memory");
    pi->in.commands = pi->cmds;
    for (size_t i = 0; i < n && rc == 0; i++) {
        pi->in.n_commands = (uint32_t)(i + 1);
        rc = command_copy(&cmds[i], &pi->cmds[i]);
    }
    if (rc != 0)
        plugin_commands_free(pi);
    return rc;
}

void plugin_commands_free(plugin_input_t *pi)
{
    for (size_t i = 0; pi->cmds && i < pi->in.n_commands; i++)
        free((void *)pi->cmds[i].argv);
    free(pi->cmds);
    pi->cmds = NULL;
    pi->in.commands = NULL;
    pi->in.n_commands = 0;
}
