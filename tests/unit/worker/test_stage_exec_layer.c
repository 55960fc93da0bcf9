/*
 * test_stage_exec_layer.c: stage_exec_commands over a layered workspace (an
 * overlay attached to a real ns sandbox as /workspace) when the stage is
 * cancelled and removing the sandbox's `.git` afterwards fails: the stage
 * stays CANCELLED (it is not turned into a sandbox error) and the verdict is
 * `cancelled`. The removal fails for real: once the stage has started (its
 * stage.start event, read from the task's own event socket), a tmpfs is
 * mounted inside the workspace's `.git`, which gitops_dir_remove refuses to
 * cross; then the task is cancelled as airlockd's CANCEL would.
 * Runs as root with the ns driver and overlayfs; skips with a message otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "layer_fixture.h"
#include "worker/pipeline_verdict.h"
#include "worker/stage_exec.h"
#include "common/error.h"
#include "common/proto/proto.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_root[] = "/tmp/airlock-stage-exec-XXXXXX";

#define RETURNED "stage_exec_commands returned"

typedef struct {
    const stage_ctx_t *c;
    const jobspec_cmd_t *cmd;
    stage_status_t status;
    stage_outcome_t out;
} stage_arg_t;

static void *s_stage(void *arg)
{
    stage_arg_t *a = arg;
    stage_req_t req = { "run", a->cmd, 1, gitops_workspace_workdir(a->c->ws), gitops_workspace_tracked_tree(a->c->ws),
                        NULL, 1 };
    a->status = stage_exec_commands(a->c, &req, &a->out);
    zsock_t *done = zsock_new_push(">inproc://stage-exec-events");   /* wakes a waiter that missed its event */
    zstr_send(done, RETURNED);
    zsock_destroy(&done);
    return NULL;
}

/* Blocks on the task's event socket until `kind` arrives. */
static void s_wait_event(zsock_t *pull, const char *kind)
{
    for (;;) {
        zframe_t *f = zframe_recv(pull);
        if (!f)
            fail_msg("event socket closed before %s", kind);
        if (zframe_streq(f, RETURNED))
            fail_msg("the stage ended before its %s event (its log is above)", kind);
        proto_msg_t *m = NULL;
        int rc = proto_decode(PROTO_CH_WORKER, zframe_data(f), zframe_size(f), &m);
        zframe_destroy(&f);
        if (rc != AL_OK)
            fail_msg("undecodable event: %s", al_err_msg());
        int hit = m->type == PROTO_W_EVENT && strcmp(m->body.w_event.kind, kind) == 0;
        proto_msg_destroy(&m);
        if (hit)
            return;
    }
}

typedef struct {
    task_t t;
    zsock_t *pull;
    jobspec_t *job;
    gitops_workspace_t *ws;
    stage_ctx_t c;
    char mnt[PATH_MAX];
} fixture_t;

static int s_setup(void **state)
{
    static const char job_json[] = "{\"repo\":\"/src\",\"base\":\"HEAD\",\"run\":[\"sleep 600\"],\"test\":\"true\","
                                   "\"policy\":{\"limits\":{\"memory_mb\":128,\"disk_mb\":16,\"timeout_s\":600}}}";
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    *state = f;
    snprintf(f->t.task_id, sizeof f->t.task_id, "stage-exec-layer");
    snprintf(f->t.job_id, sizeof f->t.job_id, "job");
    f->t.attempt = 1;
    pthread_mutex_init(&f->t.emit_lock, NULL);
    f->pull = zsock_new_pull("inproc://stage-exec-events");
    f->t.out = zsock_new_push(">inproc://stage-exec-events");
    assert_non_null(f->pull);
    assert_non_null(f->t.out);
    if (jobspec_parse(job_json, sizeof job_json - 1, &f->job) != AL_OK)
        fail_msg("job: %s", al_err_msg());
    f->ws = layer_fixture_ws("ns", s_root, "ws", 16);
    if (!f->ws)
        fail_msg("layered workspace: %s", al_err_msg());
    assert_true(gitops_workspace_layered(f->ws));
    f->c = (stage_ctx_t){ .t = &f->t, .limits = &f->job->policy.limits, .driver = "ns", .dir = s_root,
                          .ws = f->ws, .environment = "", .token = "" };
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    if (f->mnt[0])
        umount2(f->mnt, MNT_DETACH);
    gitops_workspace_destroy(&f->ws);
    jobspec_destroy(&f->job);
    zsock_destroy(&f->t.out);
    zsock_destroy(&f->pull);
    pthread_mutex_destroy(&f->t.emit_lock);
    free(f);
    return 0;
}

static void test_cancelled_stage_stays_cancelled_when_dotgit_stays(void **state)
{
    fixture_t *f = *state;
    stage_arg_t a = { .c = &f->c, .cmd = &f->job->run.items[0], .status = STAGE_OK };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, s_stage, &a), 0);
    s_wait_event(f->pull, "stage.start");   /* the sandbox has the workspace and its .git */
    snprintf(f->mnt, sizeof f->mnt, "%s/.git/stuck", gitops_workspace_workdir(f->ws));
    int made = mkdir(f->mnt, 0700) == 0 && mount("tmpfs", f->mnt, "tmpfs", 0, "size=64k") == 0;
    int err = errno;
    task_cancel(&f->t);
    assert_int_equal(pthread_join(th, NULL), 0);
    if (!made)
        fail_msg("mount tmpfs on %s: %s", f->mnt, strerror(err));

    assert_int_equal(a.status, STAGE_CANCELLED);
    assert_int_equal(a.out.status, STAGE_CANCELLED);
    pipeline_verdict_t v = { 0 };
    pipeline_verdict_stage(&v, "run", &a.out);
    assert_true(v.decided);
    assert_int_equal(v.verdict, AL_VERDICT_CANCELLED);
    assert_non_null(strstr(v.reason, "cancelled"));
}

int main(void)
{
    if (geteuid() != 0 || !sandbox_driver_available("ns")) {
        fprintf(stderr, "SKIP: needs root and the ns driver (%s)\n", al_err_msg());
        return 77;
    }
    if (layer_fixture_init(s_root, "printf 'one\\n' > a.txt") != 0) {
        fprintf(stderr, "test_stage_exec_layer: %s\n", al_err_msg());
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cancelled_stage_stays_cancelled_when_dotgit_stays, s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    return layer_fixture_remove(s_root) == 0 ? rc : 1;
}
