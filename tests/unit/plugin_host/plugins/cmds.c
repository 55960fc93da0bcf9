/* cmds.c: a test plugin asking for the job's commands (AIRLOCK_CAP_COMMANDS).
 * One "test.cmds" finding describing what it was handed (struct size gate,
 * count, whether the list is NULL), then per command one "test.cmd" finding:
 * file "job:<stage>[<index>]", message "argc=N len=L argv_ok=B text=<text>"
 * (argv_ok: argc entries, non-NULL, then NULL; text_len matches strlen).
 * cmds_blind.c builds the same code without the capability. */
#include "airlock_plugin.h"

#include <stdio.h>
#include <string.h>

#ifndef CMDS_NAME
#define CMDS_NAME "cmds"
#define CMDS_CAPS (AIRLOCK_CAP_PATCH | AIRLOCK_CAP_COMMANDS)
#endif

static const airlock_host_t *g_host;

static int c_init(const airlock_host_t *host, void **state)
{
    g_host = host;
    *state = NULL;
    return 0;
}

static void one(const airlock_command_t *c)
{
    char file[64], msg[AIRLOCK_MAX_MESSAGE];
    int ok = c->struct_size >= sizeof *c && c->argv && c->argc >= 1 && !c->argv[c->argc]
             && strlen(c->text) == c->text_len;
    for (uint32_t k = 0; ok && k < c->argc; k++)
        ok = c->argv[k] != NULL;
    snprintf(file, sizeof file, "job:%s[%u]", c->stage, c->index);
    snprintf(msg, sizeof msg, "argc=%u len=%zu argv_ok=%d text=%s", c->argc, c->text_len, ok, c->text);
    airlock_finding_t f = { sizeof f, "test.cmd", AIRLOCK_SEV_LOW, file, 0, msg, c->argv[c->argc - 1] };
    g_host->emit_finding(g_host->ctx, &f);
}

static int c_analyze(void *state, const airlock_input_t *in)
{
    char msg[128];
    int has = in->struct_size >= sizeof *in; /* ABI 2: every input carries the fields */
    (void)state;
    snprintf(msg, sizeof msg, "has=%d n=%u null=%d", has, has ? in->n_commands : 0,
             has ? in->commands == NULL : 1);
    airlock_finding_t f = { sizeof f, "test.cmds", AIRLOCK_SEV_INFO, NULL, 0, msg, NULL };
    g_host->emit_finding(g_host->ctx, &f);
    for (uint32_t i = 0; has && in->commands && i < in->n_commands; i++)
        one(&in->commands[i]);
    return 0;
}

static void c_fini(void *state) { (void)state; }

static const airlock_plugin_t desc = AIRLOCK_PLUGIN_INIT(CMDS_NAME, "1.0.0", CMDS_CAPS, c_init, c_analyze,
                                                         c_fini);

AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *airlock_plugin_descriptor(void) { return &desc; }
