/*
 * test_store_checkpoint.c: signed checkpoints of the audit chain head against
 * a real private PostgreSQL, made by the signer's own code
 * (orchestrator/signer) as a member of airlock_signer and checked with the
 * public key only: an untouched log verifies; a chain rewritten by a
 * superuser (every hash recomputed) is caught; forged or foreign checkpoints
 * are refused; and REMOVAL shows (issue 12): a deleted checkpoint is a gap,
 * deleting every checkpoint leaves rows no checkpoint covers although one was
 * due, a rollback is caught by an exported head, by the signer's next
 * checkpoint and by staleness, and a tail truncated beyond the grace window
 * is caught. Verification takes the time it runs at as a parameter, so "later"
 * needs no sleeping.
 */
#include "store_test.h"

#include "orchestrator/signer/signer.h"
#include "orchestrator/store/audit.h"
#include "orchestrator/store/audit_checkpoint.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INTERVAL_S 5
#define GRACE_US 2000000
#define LATER_US (3600 * INT64_C(1000000))

/* A database of its own, a connection as the signer, a key, a state file. */
typedef struct {
    store_db_t *db;           /* superuser: the tamperer */
    store_db_t *sdb;          /* SET ROLE airlock_signer */
    EVP_PKEY *key;
    EVP_PKEY *pub;
    char state[128];
    signer_t signer;
} ck_t;

/* A public-only copy of key, as a verifier holding no secret has. */
static EVP_PKEY *s_public_of(EVP_PKEY *key)
{
    unsigned char *der = NULL;
    int len = i2d_PUBKEY(key, &der);
    assert_true(len > 0);
    const unsigned char *p = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, len);
    OPENSSL_free(der);
    assert_non_null(pub);
    return pub;
}

static void s_open(store_fixture_t *f, ck_t *c, const char *name, EVP_PKEY *key)
{
    char conninfo[512];
    memset(c, 0, sizeof *c);
    c->db = store_test_db_fresh(f, name);
    snprintf(conninfo, sizeof conninfo, "host=%s port=5432 user=postgres dbname=%s", pg_harness_dir(f->pg), name);
    assert_int_equal(store_db_connect(&c->sdb, conninfo), 0);
    assert_int_equal(store_db_set_role(c->sdb, "airlock_signer"), 0);
    c->key = key ? key : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(c->key);
    c->pub = s_public_of(c->key);
    snprintf(c->state, sizeof c->state, "/tmp/airlock-signer-state-%s-XXXXXX", name);
    int fd = mkstemp(c->state);
    assert_true(fd >= 0);
    close(fd);
    unlink(c->state);   /* no state yet: a first start */
    c->signer = (signer_t){ c->sdb, c->key, c->state, INTERVAL_S };
}

static void s_close(ck_t *c)
{
    unlink(c->state);
    EVP_PKEY_free(c->pub);
    EVP_PKEY_free(c->key);
    store_db_destroy(&c->sdb);
    store_db_destroy(&c->db);
}

static void s_append(store_db_t *db, int n)
{
    for (int i = 0; i < n; i++)
        if (store_audit_append(db, "airlockd", "test.ckpt", "job-1", NULL, NULL, "{\"i\": 1}") != 0)
            fail_msg("append: %s", al_err_msg());
}

static store_checkpoint_t s_sign(ck_t *c)
{
    store_checkpoint_t out;
    if (signer_checkpoint(&c->signer, 0, &out) != 0)
        fail_msg("signer: %s", al_err_msg());
    return out;
}

/* Verifies at `now` (0 = the clock), with an optional exported head. */
static int s_check(ck_t *c, int64_t now, const store_checkpoint_t *expect, store_checkpoints_report_t *rep)
{
    store_checkpoints_opts_t o = { now, GRACE_US, expect };
    store_checkpoints_report_t r;
    return store_audit_checkpoints_check(c->db, c->pub, &o, rep ? rep : &r);
}

/* Runs sql as the superuser with the guard triggers off, as an attacker
 * holding the owner's or a superuser's login would. */
static void s_tamper(ck_t *c, const char *sql)
{
    char all[4096];
    snprintf(all, sizeof all,
             "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;"
             "ALTER TABLE audit_head DISABLE TRIGGER audit_head_guard;"
             "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_update_delete;"
             "ALTER TABLE audit_links DISABLE TRIGGER audit_links_no_update_delete;"
             "%s;"
             "ALTER TABLE audit_links ENABLE ALWAYS TRIGGER audit_links_no_update_delete;"
             "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete;"
             "ALTER TABLE audit_head ENABLE ALWAYS TRIGGER audit_head_guard;"
             "ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update_delete", sql);
    store_test_ok(c->db, all);
}

/* Delete the rows above `keep` and point the head at row `keep`. */
static void s_truncate_to(ck_t *c, long long keep)
{
    char sql[512];
    snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE id > %lld; DELETE FROM audit_links WHERE last_id > %lld;"
             "UPDATE audit_head SET last_id = %lld, last_hash = (SELECT COALESCE(l.hash, a.hash) FROM audit_log a "
             "LEFT JOIN audit_links l ON l.last_id = a.id WHERE a.id = %lld)", keep, keep, keep, keep);
    s_tamper(c, sql);
}

static void test_untouched_log_verifies(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_ok", NULL);
    store_checkpoint_t first = s_sign(&c);   /* empty chain */
    assert_int_equal(first.seq, 1);
    assert_int_equal(first.head_id, 0);
    s_append(c.db, 20);
    s_sign(&c);
    s_append(c.db, 5);
    store_checkpoint_t last = s_sign(&c);
    assert_int_equal(last.seq, 3);
    assert_int_equal(last.head_id, 25);
    store_checkpoints_report_t rep;
    if (s_check(&c, last.signed_at_us, &last, &rep) != 0)
        fail_msg("untouched: %s", al_err_msg());
    assert_int_equal(rep.checkpoints, 3);
    assert_int_equal(rep.v2, 3);
    assert_int_equal(rep.covered_id, 25);
    /* an exported head survives its own JSON */
    char *json = store_checkpoint_to_json(&last);
    store_checkpoint_t back;
    assert_int_equal(store_checkpoint_from_json(json, &back), 0);
    assert_int_equal(s_check(&c, last.signed_at_us, &back, NULL), 0);
    free(json);
    assert_int_equal(store_checkpoint_from_json("{\"seq\": 1}", &back), AL_EINVAL);
    /* a final checkpoint: nothing is due after it, however much later */
    store_checkpoint_t fin;
    assert_int_equal(signer_checkpoint(&c.signer, 1, &fin), 0);
    assert_int_equal(s_check(&c, fin.signed_at_us + LATER_US, NULL, NULL), 0);
    /* another key: the first checkpoint is reported */
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    store_checkpoints_opts_t o = { fin.signed_at_us, GRACE_US, NULL };
    assert_int_equal(store_audit_checkpoints_check(c.db, other, &o, &rep), AL_ESTATE);
    assert_int_equal(rep.first_bad_id, store_test_int(c.db, "SELECT min(id) FROM audit_checkpoints"));
    EVP_PKEY_free(other);
    /* the signer's role may sign; airlockd's may not */
    char st[6];
    assert_int_equal(store_db_set_role(c.db, "airlock_app"), 0);
    store_test_fails(c.db, "INSERT INTO audit_checkpoints (head_id, head_hash, signed_at_us, key_id, signature) "
                     "SELECT 0, last_hash, 1, repeat('a', 64), '\\x01' FROM audit_head", st);
    assert_string_equal(st, "42501");
    assert_int_equal(store_db_set_role(c.db, NULL), 0);
    s_close(&c);
}

static void test_checkpoints_append_only(void **state)
{
    store_fixture_t *f = *state;
    char st[6];
    store_test_fails(f->db, "UPDATE audit_checkpoints SET head_id = 1", st);
    assert_string_equal(st, "42501");
    store_test_fails(f->db, "DELETE FROM audit_checkpoints", st);
    assert_string_equal(st, "42501");
    store_test_ok(f->db, "SET session_replication_role = replica");
    store_test_fails(f->db, "TRUNCATE audit_checkpoints", st);
    assert_string_equal(st, "42501");
    store_test_ok(f->db, "RESET session_replication_role");
}

/* The attack the chain alone cannot show: a superuser edits row 5 and
 * recomputes every later hash and the head. */
static void test_rewritten_chain_caught_by_checkpoint(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_rewrite", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));   /* the SHA-256 path */
    s_append(c.db, 10);
    store_checkpoint_t k = s_sign(&c);
    int64_t bad = 0;
    assert_int_equal(s_check(&c, k.signed_at_us, NULL, NULL), 0);
    s_tamper(&c,
        "UPDATE audit_log SET detail = '{\"forged\": true}' WHERE id = 5;"
        "DO $$ DECLARE r record; prev bytea; BEGIN"
        "  SELECT COALESCE(l.hash, a.hash) INTO prev FROM audit_log a LEFT JOIN audit_links l ON l.last_id = a.id"
        "   WHERE a.id = 4;"
        "  DELETE FROM audit_links WHERE last_id >= 5;"
        "  FOR r IN SELECT * FROM audit_log WHERE id >= 5 ORDER BY id LOOP"
        "    UPDATE audit_log SET prev_hash = prev, hash = sha256(audit_canonical(r.id, r.ts,"
        "      r.actor, r.action, r.job_id, r.task_id, r.labels, r.detail) || prev)"
        "      WHERE id = r.id RETURNING hash INTO prev;"
        "  END LOOP;"
        "  UPDATE audit_head SET last_hash = prev;"
        "END $$");
    /* the chain itself is consistent again ... */
    assert_int_equal(store_audit_verify(c.db, &bad), 0);
    assert_int_equal(store_audit_verify_sql(c.db, &bad), 0);
    /* ... but the signed head no longer matches */
    store_checkpoints_report_t rep;
    assert_int_equal(s_check(&c, k.signed_at_us, NULL, &rep), AL_ESTATE);
    assert_int_equal(rep.first_bad_id, store_test_int(c.db, "SELECT max(id) FROM audit_checkpoints"));
    assert_non_null(strstr(al_err_msg(), "gone or was rewritten"));
    s_close(&c);
}

/* A checkpoint inserted by hand (right key id, next number, made-up
 * signature) fails. */
static void test_forged_checkpoint_refused(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_forge", NULL);
    s_append(c.db, 3);
    store_checkpoint_t k = s_sign(&c);
    char sql[1024], prev[65];
    uint8_t chain[32];
    assert_int_equal(store_checkpoint_chain_hash(&k, chain), 0);
    store_hex(chain, 32, prev);
    snprintf(sql, sizeof sql, "INSERT INTO audit_checkpoints (version, seq, head_id, head_hash, signed_at_us, "
             "interval_s, final, prev_hash, key_id, signature) SELECT 2, 2, last_id, last_hash, %lld, 5, false, "
             "decode('%s', 'hex'), '%s', decode(repeat('ab', 64), 'hex') FROM audit_head",
             (long long)k.signed_at_us + 1, prev, k.key_id);
    store_test_ok(c.db, sql);
    store_checkpoints_report_t rep;
    assert_int_equal(s_check(&c, k.signed_at_us, NULL, &rep), AL_ESTATE);
    assert_int_equal(rep.first_bad_id, store_test_int(c.db, "SELECT max(id) FROM audit_checkpoints"));
    assert_non_null(strstr(al_err_msg(), "not signed by key"));
    s_close(&c);
}

/* One checkpoint in the middle deleted: a gap. */
static void test_deleted_checkpoint_is_a_gap(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_gap", NULL);
    for (int i = 0; i < 3; i++) {
        s_append(c.db, 2);
        s_sign(&c);
    }
    store_checkpoint_t last = s_sign(&c);
    assert_int_equal(s_check(&c, last.signed_at_us, NULL, NULL), 0);
    s_tamper(&c, "DELETE FROM audit_checkpoints WHERE seq = 2");
    assert_int_equal(s_check(&c, last.signed_at_us, NULL, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "seq 2 is missing"));
    s_close(&c);
}

/* The report of issue 12: every checkpoint deleted, the last 20 rows deleted
 * and the head rewritten. Before 0071 this verified as "0 checkpoints, no
 * break". */
static void test_every_checkpoint_deleted(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_all", NULL);
    s_append(c.db, 30);
    s_sign(&c);
    s_append(c.db, 30);
    store_checkpoint_t last = s_sign(&c);
    s_tamper(&c, "DELETE FROM audit_checkpoints");
    s_truncate_to(&c, 40);
    int64_t bad = 0;
    assert_int_equal(store_audit_verify(c.db, &bad), 0);   /* the chain alone cannot tell */
    /* once a checkpoint was due, the uncovered rows say so */
    assert_int_equal(s_check(&c, last.signed_at_us + LATER_US, NULL, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "covered by no checkpoint"));
    /* the exported head is gone (checked at a time no checkpoint was due yet) */
    int64_t first = store_test_int(c.db, "SELECT (extract(epoch FROM min(ts)) * 1000000)::bigint FROM audit_log");
    assert_int_equal(s_check(&c, first, &last, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "not in the database"));
    /* and the signer, which remembers seq 2 outside the database, leaves a gap */
    s_sign(&c);
    assert_int_equal(s_check(&c, 0, NULL, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "seq 1 is missing"));
    s_close(&c);
}

/* A rollback to an older state: rows and the checkpoints after it removed. */
static void test_rollback_caught(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_rollback", NULL);
    s_append(c.db, 10);
    store_checkpoint_t k1 = s_sign(&c);
    s_append(c.db, 10);
    s_sign(&c);
    s_append(c.db, 10);
    store_checkpoint_t k3 = s_sign(&c);
    char *exported = store_checkpoint_to_json(&k3);   /* kept outside the database */
    s_tamper(&c, "DELETE FROM audit_checkpoints WHERE seq > 1");
    s_truncate_to(&c, k1.head_id);
    store_checkpoint_t expect;
    assert_int_equal(store_checkpoint_from_json(exported, &expect), 0);
    free(exported);
    /* what is left is consistent in itself; the exported head is not in it */
    assert_int_equal(s_check(&c, k1.signed_at_us, NULL, NULL), 0);
    assert_int_equal(s_check(&c, k1.signed_at_us, &expect, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "rolled back"));
    /* without the export: with the signer stopped, checkpoints go stale */
    assert_int_equal(s_check(&c, k3.signed_at_us + INTERVAL_S * INT64_C(1000000) + GRACE_US + 1, NULL, NULL),
                     AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "no audit checkpoint since seq 1"));
    /* with the signer running, its next checkpoint (seq 4, chained to 3) is a gap */
    store_checkpoint_t k4 = s_sign(&c);
    assert_int_equal(k4.seq, 4);
    assert_int_equal(s_check(&c, k4.signed_at_us, NULL, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "seq 2 is missing"));
    s_close(&c);
}

/* Rows cut from the tail: within the grace window of the last checkpoint it
 * cannot be seen (documented); beyond it, it is. */
static void test_tail_truncation(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_tail", NULL);
    s_append(c.db, 10);
    store_checkpoint_t k1 = s_sign(&c);
    s_append(c.db, 10);           /* rows 11..20, not yet covered */
    s_truncate_to(&c, 15);
    assert_int_equal(s_check(&c, k1.signed_at_us, NULL, NULL), 0);   /* the grace window */
    /* covered rows cut (the checkpoint that covered them removed too) and the
     * signer stopped: beyond the window, staleness shows it */
    store_checkpoint_t k2 = s_sign(&c);
    s_append(c.db, 5);
    store_checkpoint_t k3 = s_sign(&c);
    s_tamper(&c, "DELETE FROM audit_checkpoints WHERE seq = 3");
    s_truncate_to(&c, k2.head_id);
    int64_t later = k3.signed_at_us + INTERVAL_S * INT64_C(1000000) + GRACE_US + 1;
    assert_int_equal(s_check(&c, later, NULL, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "no audit checkpoint since seq 2"));
    /* covered rows cut, checkpoint kept: the row it names is gone */
    s_sign(&c);   /* seq 4, chained to 3: also a gap */
    s_tamper(&c, "DELETE FROM audit_checkpoints WHERE seq = 4");
    s_truncate_to(&c, k2.head_id - 3);
    assert_int_equal(s_check(&c, k3.signed_at_us, NULL, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "gone or was rewritten"));
    s_close(&c);
}

/* The signer without its state file continues its own chain, and refuses a
 * chain it did not sign. */
static void test_signer_state(void **state)
{
    ck_t c;
    s_open(*state, &c, "ck_state", NULL);
    s_append(c.db, 3);
    s_sign(&c);
    unlink(c.state);
    store_checkpoint_t k = s_sign(&c);
    assert_int_equal(k.seq, 2);
    assert_int_equal(s_check(&c, k.signed_at_us, NULL, NULL), 0);
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    signer_t foreign = { c.sdb, other, "/tmp/airlock-signer-state-foreign-none", INTERVAL_S };
    unlink(foreign.state_file);
    assert_int_equal(signer_checkpoint(&foreign, 0, NULL), AL_ESTATE);
    assert_non_null(strstr(al_err_msg(), "not signed by this key"));
    EVP_PKEY_free(other);
    s_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_untouched_log_verifies),
        cmocka_unit_test(test_checkpoints_append_only),
        cmocka_unit_test(test_rewritten_chain_caught_by_checkpoint),
        cmocka_unit_test(test_forged_checkpoint_refused),
        cmocka_unit_test(test_deleted_checkpoint_is_a_gap),
        cmocka_unit_test(test_every_checkpoint_deleted),
        cmocka_unit_test(test_rollback_caught),
        cmocka_unit_test(test_tail_truncation),
        cmocka_unit_test(test_signer_state),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
