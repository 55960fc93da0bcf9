/* fresh.c: a test plugin that shows what process it runs in. init takes
 * and releases a mutex of this library; pht_fresh_hold(), called by a test
 * that loaded the library itself, holds that mutex from another thread, so
 * a child that is a fork of the test (the library already mapped, the mutex
 * copied locked) blocks in init, while a freshly exec'd child does not.
 * analyze reports the child's executable as "test.exe", the size of its
 * environment as "test.env" and its credentials as "test.cred"
 * ("uid=U gid=G groups=N capeff=HEX" as read in init). */
#include "airlock_plugin.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

typedef struct {
    const airlock_host_t *host;
    char exe[512];
    char cred[128];
    unsigned env;
} state_t;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

/* For the test: locks g_mu, calls ready(arg), then wait(arg) (which returns
 * when the test releases it), unlocks. */
AIRLOCK_PLUGIN_EXPORT void pht_fresh_hold(void (*ready)(void *), void (*wait)(void *), void *arg)
{
    pthread_mutex_lock(&g_mu);
    ready(arg);
    wait(arg);
    pthread_mutex_unlock(&g_mu);
}

static int f_init(const airlock_host_t *host, void **state)
{
    state_t *s = host->alloc(host->ctx, sizeof *s);
    if (!s)
        return 1;
    memset(s, 0, sizeof *s);
    s->host = host;
    ssize_t n = readlink("/proc/self/exe", s->exe, sizeof s->exe - 1);
    s->exe[n > 0 ? n : 0] = '\0';
    for (char **e = environ; e && *e; e++)
        s->env++;
    char line[256], capeff[32] = "?";
    FILE *st = fopen("/proc/self/status", "r");
    while (st && fgets(line, sizeof line, st))
        if (sscanf(line, "CapEff: %31s", capeff) == 1)
            break;
    if (st)
        fclose(st);
    snprintf(s->cred, sizeof s->cred, "uid=%u gid=%u groups=%d capeff=%s", (unsigned)getuid(), (unsigned)getgid(),
             getgroups(0, NULL), capeff);
    pthread_mutex_lock(&g_mu);
    pthread_mutex_unlock(&g_mu);
    *state = s;
    return 0;
}

static int f_analyze(void *state, const airlock_input_t *in)
{
    state_t *s = state;
    char env[32];
    airlock_finding_t exe = { sizeof exe, "test.exe", AIRLOCK_SEV_INFO, NULL, 0, s->exe, NULL };
    s->host->emit_finding(s->host->ctx, &exe);
    snprintf(env, sizeof env, "%u", s->env);
    airlock_finding_t ev = { sizeof ev, "test.env", AIRLOCK_SEV_INFO, NULL, 0, env, NULL };
    s->host->emit_finding(s->host->ctx, &ev);
    airlock_finding_t cr = { sizeof cr, "test.cred", AIRLOCK_SEV_INFO, NULL, 0, s->cred, NULL };
    s->host->emit_finding(s->host->ctx, &cr);
    (void)in;
    return 0;
}

static void f_fini(void *state)
{
    state_t *s = state;
    s->host->free(s->host->ctx, s);
}

static const airlock_plugin_t desc = AIRLOCK_PLUGIN_INIT("fresh", "1.0.0", AIRLOCK_CAP_PATCH, f_init, f_analyze,
                                                         f_fini);

AIRLOCK_PLUGIN_EXPORT const airlock_plugin_t *airlock_plugin_descriptor(void) { return &desc; }
