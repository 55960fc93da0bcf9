/*
 * test_export_stream.c: crafted workspace streams against the real export
 * path (worker/sandbox/tree_writer.c -> airlock-tree-writer as a leased uid
 * -> tree_sink). What a compromised guest could send: "..", absolute paths,
 * a write through a symlink it just made, a symlink and a directory under
 * one name, setuid/setgid modes, data without a file, more bytes than the
 * disk. Each is refused with a clear error and nothing appears outside the
 * target; an honest stream is written with its modes, as an unprivileged uid.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "worker/sandbox/tree_writer.h"
#include "worker/sandbox/uid_lease.h"
#include "common/error.h"
#include "common/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    char parent[64];     /* holds target/ and a canary/ the stream must never reach */
    char target[96];
    uid_lease_t lease;
} fx_t;

static int s_setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->parent, sizeof f->parent, "/tmp/airlock-export-XXXXXX");
    assert_non_null(mkdtemp(f->parent));
    snprintf(f->target, sizeof f->target, "%s/target", f->parent);
    assert_int_equal(mkdir(f->target, 0755), 0);
    char canary[128];
    snprintf(canary, sizeof canary, "%s/canary", f->parent);
    assert_int_equal(mkdir(canary, 0755), 0);
    f->lease = (uid_lease_t)UID_LEASE_INIT;
    assert_int_equal(uid_lease_take(&f->lease), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx_t *f = *state;
    /* only target/ and canary/ exist, and canary/ is empty */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = \"$(printf 'canary\\ntarget')\" && "
             "test -z \"$(ls -A '%s/canary')\"", f->parent, f->parent);
    int outside = system(cmd);
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", f->parent, f->parent);
    assert_int_equal(system(cmd), 0);
    uid_lease_release(&f->lease);
    free(f);
    assert_int_equal(outside, 0);
    assert_int_equal(access("/tmp/escape", F_OK), -1);
    return 0;
}

#define E(k, p, m, d) { k, p, m, (const unsigned char *)(d), sizeof(d) - 1 }

/* Feeds entries; returns the first error (put or finish), 0 when all went through. */
static int s_stream(fx_t *f, const tree_entry_t *e, size_t n, const tree_limits_t *lim)
{
    tree_limits_t dflt = { 1u << 20, 1000 };
    tree_writer_t *w = NULL;
    int rc = tree_writer_new(&w, f->target, f->lease.uid, lim ? lim : &dflt), fin = 0;
    assert_int_equal(rc, 0);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = tree_writer_put(w, &e[i]);
    if (rc == 0)   /* as the drivers do: finish after a whole stream, else abort */
        fin = tree_writer_finish(&w);
    tree_writer_abort(&w);
    return rc ? rc : fin;
}

/* entries[0, k) and then `more` files of 4 KiB: the writer refuses early, the
 * stream goes on (the drivers send what the sandbox wrote, as fast as they
 * can): the refusal's reason must reach the caller, not "stopped reading". */
static int s_stream_on(fx_t *f, const tree_entry_t *e, size_t k, size_t more, const tree_limits_t *lim)
{
    static unsigned char body[4096];
    static char names[4000][16];
    tree_entry_t all[4100];
    memset(body, 'x', sizeof body);
    for (size_t i = 0; i < k; i++)
        all[i] = e[i];
    for (size_t i = 0; i < more; i++) {
        snprintf(names[i], sizeof names[i], "f%zu", i);
        all[k + i] = (tree_entry_t){ TREE_FILE, names[i], 0644, body, sizeof body };
    }
    return s_stream(f, all, k + more, lim);
}

static void test_honest_stream(void **state)
{
    fx_t *f = *state;
    const tree_entry_t e[] = {
        E(TREE_DIR, "src", 0755, ""), E(TREE_FILE, "src/a.c", 0640, "int x;\n"),
        E(TREE_DATA, "", 0, "int y;\n"), E(TREE_SYMLINK, "src/l", 0, "../../../etc/passwd"),
        E(TREE_DIR, "ro", 0555, ""), E(TREE_FILE, "ro/f", 0444, "r"), E(TREE_FILE, "empty", 0600, ""),
    };
    assert_int_equal(s_stream(f, e, sizeof e / sizeof *e, NULL), 0);
    char p[256], buf[64] = "";
    struct stat st;
    snprintf(p, sizeof p, "%s/src/a.c", f->target);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_uid, f->lease.uid);
    int fd = open(p, O_RDONLY);
    assert_int_equal(read(fd, buf, sizeof buf), 14);
    close(fd);
    assert_memory_equal(buf, "int x;\nint y;\n", 14);
    snprintf(p, sizeof p, "%s/src/l", f->target);
    assert_int_equal(readlink(p, buf, sizeof buf), 19);
    snprintf(p, sizeof p, "%s/ro", f->target);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0555);
}

/* Expects the stream refused with `code` and `why`; then empties the target. */
static void s_refused(fx_t *f, const tree_entry_t *e, size_t n, int code, const char *why)
{
    int rc = s_stream(f, e, n, NULL);
    if (rc != code || !strstr(al_err_msg(), why))
        fail_msg("expected %s '%s', got %s '%s'", al_err_name(code), why, al_err_name(rc), al_err_msg());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s'", f->target, f->target);
    assert_int_equal(system(cmd), 0);
}

static void test_dotdot_and_absolute(void **state)
{
    fx_t *f = *state;
    const tree_entry_t a[] = { E(TREE_FILE, "../canary/x", 0644, "x") };
    s_refused(f, a, 1, AL_EPROTO, "'.' or '..'");
    const tree_entry_t b[] = { E(TREE_FILE, "/tmp/escape", 0644, "x") };
    s_refused(f, b, 1, AL_EPROTO, "absolute");
    const tree_entry_t c[] = { E(TREE_DIR, "a", 0755, ""), E(TREE_FILE, "a/../../canary/x", 0644, "x") };
    s_refused(f, c, 2, AL_EPROTO, "'.' or '..'");
    const tree_entry_t d[] = { E(TREE_FILE, "a//b", 0644, "x") };
    s_refused(f, d, 1, AL_EPROTO, "empty path component");
}

static void test_through_symlinks(void **state)
{
    fx_t *f = *state;
    /* a symlink to the canary, then a file "through" it */
    char target[128];
    snprintf(target, sizeof target, "%s/..", f->target);
    const tree_entry_t a[] = { { TREE_SYMLINK, "up", 0, (const unsigned char *)target, strlen(target) },
                               E(TREE_FILE, "up/canary/x", 0644, "x") };
    s_refused(f, a, 2, AL_EPROTO, "parent of an entry is not a directory below the target");
}

static void test_same_name_twice(void **state)
{
    fx_t *f = *state;
    /* the debugfs trick: a symlink and a directory under one name */
    const tree_entry_t a[] = { E(TREE_SYMLINK, "d", 0, "/"), E(TREE_DIR, "d", 0755, ""), E(TREE_FILE, "d/x", 0644, "x") };
    s_refused(f, a, 3, AL_EPROTO, "mkdir");
}

static void test_setuid_and_strange_modes(void **state)
{
    fx_t *f = *state;
    const tree_entry_t a[] = { E(TREE_FILE, "su", 04755, "#!/bin/sh\n") };
    s_refused(f, a, 1, AL_EPROTO, "setuid/setgid");
    const tree_entry_t b[] = { E(TREE_DIR, "sg", 02775, "") };
    s_refused(f, b, 1, AL_EPROTO, "setuid/setgid");
    const tree_entry_t c[] = { E(TREE_FILE, "dev", 0020644, "") }; /* S_IFCHR bits */
    s_refused(f, c, 1, AL_EPROTO, "beyond 0777");
    const tree_entry_t d[] = { E(TREE_DATA, "", 0, "orphan") };
    s_refused(f, d, 1, AL_EPROTO, "data without a file");
    const tree_entry_t e[] = { { 9, "x", 0, NULL, 0 } };
    s_refused(f, e, 1, AL_EPROTO, "unknown kind");
}

static void test_limits(void **state)
{
    fx_t *f = *state;
    /* a path over TREE_PATH_MAX: what a workload can make (mkdir -p), a limit
     * like the layered diff's, not a protocol error (sandbox_error) */
    static char deep[TREE_PATH_MAX + 24];
    for (size_t len = 0; len <= TREE_PATH_MAX;)
        len += (size_t)snprintf(deep + len, sizeof deep - len, "%sdddddddddddddddd", len ? "/" : "");
    const tree_entry_t b[] = { { TREE_DIR, deep, 0755, NULL, 0 } };
    s_refused(f, b, 1, AL_ELIMIT, "path of");
    tree_limits_t lim = { 10, 1000 };
    const tree_entry_t a[] = { E(TREE_FILE, "big", 0644, "0123456789ab") };
    assert_int_equal(s_stream(f, a, 1, &lim), AL_ELIMIT);
}

/* A refusal while the stream is still coming keeps its reason: a workspace
 * over its limits is resource_exceeded, a hostile tree a protocol error -
 * not "the writer stopped reading" (an I/O error, sandbox_error). */
static void test_refusal_reason_survives_the_stream(void **state)
{
    fx_t *f = *state;
    const tree_entry_t a[] = { E(TREE_SYMLINK, "d", 0, "/"), E(TREE_DIR, "d", 0755, "") };
    int rc = s_stream_on(f, a, 2, 3000, NULL);
    if (rc != AL_EPROTO || !strstr(al_err_msg(), "mkdir"))
        fail_msg("expected AL_EPROTO 'mkdir', got %s '%s'", al_err_name(rc), al_err_msg());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s'", f->target, f->target);
    assert_int_equal(system(cmd), 0);
    tree_limits_t lim = { 1u << 20, 100 };   /* 100 entries at most */
    rc = s_stream_on(f, NULL, 0, 3000, &lim);
    if (rc != AL_ELIMIT)
        fail_msg("expected AL_ELIMIT, got %s '%s'", al_err_name(rc), al_err_msg());
}

/* A writer that stops reading and never reports (it closes the stream and
 * hangs): the sender gives up on the report after a short wait and says the
 * writer stopped reading - it does not wait for a report that never comes. */
static void test_silent_writer_does_not_hang_the_sender(void **state)
{
    fx_t *f = *state;
    char script[128];
    snprintf(script, sizeof script, "%s/silent-writer", f->parent);
    FILE *sf = fopen(script, "w");
    assert_non_null(sf);
    fputs("#!/bin/sh\nexec 0<&-\nexec /bin/sleep 3600\n", sf);
    fclose(sf);
    assert_int_equal(chmod(script, 0755), 0);
    assert_int_equal(chmod(f->parent, 0755), 0);
    assert_int_equal(setenv("AIRLOCK_TREE_WRITER", script, 1), 0);
    int rc = s_stream_on(f, NULL, 0, 3000, NULL);
    unsetenv("AIRLOCK_TREE_WRITER");
    assert_int_equal(unlink(script), 0);
    if (rc != AL_EIO || !strstr(al_err_msg(), "stopped reading"))
        fail_msg("expected AL_EIO 'stopped reading', got %s '%s'", al_err_name(rc), al_err_msg());
}

int main(void)
{
    al_log_init("test_export_stream", AL_LOG_WARN, NULL);
    if (geteuid() != 0) {
        printf("SKIP: the export writer runs as a leased uid, which needs root\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_honest_stream, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_dotdot_and_absolute, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_through_symlinks, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_same_name_twice, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_setuid_and_strange_modes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_limits, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_refusal_reason_survives_the_stream, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_silent_writer_does_not_hang_the_sender, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
