/*
 * sandbox.c: dispatch from the public sandbox API to the driver named in the
 * spec, and what each driver gives on this machine (isolation, acceleration).
 */
#include "worker/sandbox/sandbox_driver.h"
#include "worker/sandbox/sandbox_knobs.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

static const sandbox_ops_t *s_find(const char *name)
{
    const sandbox_ops_t *drivers[] = { &sandbox_ns_ops, &sandbox_microvm_ops, &sandbox_gvisor_ops,
                                       &sandbox_host_ops };
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
        if (name && strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    }
    return NULL;
}

int sandbox_driver_available(const char *driver)
{
    const sandbox_ops_t *ops = s_find(driver);
    if (!ops) {
        al_err_set(AL_EINVAL, "unknown sandbox driver '%s' (known: ns, microvm, gvisor, host)", driver ? driver : "");
        return 0;
    }
    return ops->available();
}

const char *sandbox_driver_isolation(const char *driver)
{
    const sandbox_ops_t *ops = s_find(driver);
    return !ops ? NULL : ops->isolation ? ops->isolation() : "none";
}

const char *sandbox_driver_accel(const char *driver)
{
    const sandbox_ops_t *ops = s_find(driver);
    return !ops ? NULL : ops->accel ? ops->accel() : "none";
}

int sandbox_create(sandbox_t **out, const sandbox_spec_t *spec)
{
    *out = NULL;
    if (!spec || spec->version != SANDBOX_SPEC_VERSION)
        return al_err_set(AL_EINVAL, "sandbox spec version %d, expected %d",
                          spec ? spec->version : -1, SANDBOX_SPEC_VERSION);
    const sandbox_ops_t *ops = s_find(spec->driver);
    if (!ops)
        return al_err_set(AL_EINVAL, "unknown sandbox driver '%s' (known: ns, microvm, gvisor, host)",
                          spec->driver ? spec->driver : "");
    if (spec->env && !ops->environments)
        return al_err_set(AL_EINVAL, "the %s driver cannot run environment %s", ops->name,
                          spec->env->digest ? spec->env->digest : "(unnamed)");
    int rc = ops->create(out, spec);
    if (rc == 0 && !(*out)->info.environment)
        (*out)->info.environment = SANDBOX_ENV_DEFAULT;
    return rc;
}

int sandbox_workspace_in(sandbox_t *sb, const char *host_dir)
{
    return sb->ops->workspace_in(sb, host_dir);
}

int sandbox_exec(sandbox_t *sb, const sandbox_exec_req_t *req, sandbox_exec_result_t *res)
{
    memset(res, 0, sizeof *res);
    if (!req || !req->argv || !req->argv[0])
        return al_err_set(AL_EINVAL, "sandbox_exec: empty argv");
    return sb->ops->exec(sb, req, res);
}

int sandbox_workspace_out(sandbox_t *sb, const char *host_dir)
{
    return sb->ops->workspace_out(sb, host_dir);
}

const sandbox_info_t *sandbox_info(const sandbox_t *sb) { return &sb->info; }

int sandbox_workspace_shared(const sandbox_t *sb) { return sb->ops->shares_workspace; }

int sandbox_workspace_attach(sandbox_t *sb, const char *host_dir)
{
    if (!sb->ops->workspace_attach)
        return al_err_set(AL_ESTATE, "the %s driver cannot attach a workspace", sb->ops->name);
    return sb->ops->workspace_attach(sb, host_dir);
}

int sandbox_driver_attach_owner(const char *driver, unsigned *uid, unsigned *gid)
{
    const sandbox_ops_t *ops = s_find(driver);
    if (!ops || !ops->workspace_attach)
        return 0;
    *uid = *gid = ops->attach_uid;
    return 1;
}

void sandbox_interrupt(sandbox_t *sb)
{
    if (sb && sb->ops->interrupt)
        sb->ops->interrupt(sb);
}

int sandbox_egress_bind(sandbox_t *sb, const char *egress_socket, const char *egress_token, const char *task_id)
{
    if (!sb->ops->egress_bind)
        return al_err_set(AL_EINVAL, "%s sandboxes get egress only when created", sb->ops->name);
    if (!egress_socket)
        return al_err_set(AL_EINVAL, "sandbox_egress_bind: no egress socket");
    return sb->ops->egress_bind(sb, egress_socket, egress_token, task_id);
}

int sandbox_egress_bindable(const char *driver)
{
    const sandbox_ops_t *ops = s_find(driver);
    return ops && ops->egress_bind;
}

int sandbox_foreground(sandbox_t *sb)
{
    return sb->ops->foreground ? sb->ops->foreground(sb) : 0;
}

void sandbox_destroy(sandbox_t **sb)
{
    if (!sb || !*sb)
        return;
    sandbox_t *s = *sb;
    *sb = NULL;
    s->ops->destroy(s);
}

int sandbox_procev_rcvbuf(void)
{
    const char *v = sandbox_knob("procev_rcvbuf");
    char *end = NULL;
    long n = v && *v ? strtol(v, &end, 10) : 0;
    return end && *end == '\0' && n > 0 && n <= SANDBOX_PROCEV_RCVBUF ? (int)n : SANDBOX_PROCEV_RCVBUF;
}
