/*
 * test_store_checkpoint.c: signed checkpoints of the audit chain head against
 * a real private PostgreSQL: they verify with the public key only, a chain
 * rewritten by a superuser (every hash recomputed, so the chain itself still
 * verifies) is caught by the checkpoint, forged or foreign checkpoints are
 * refused, and checkpoints are append-only.
 */
#include "store_test.h"

#include "orchestrator/store/audit.h"
#include "orchestrator/store/audit_checkpoint.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void s_append(store_db_t *db, int n)
{
    for (int i = 0; i < n; i++)
        if (store_audit_append(db, "airlockd", "test.ckpt", "job-1", NULL, NULL, "{\"i\": 1}") != 0)
            fail_msg("append: %s", al_err_msg());
}

static void s_expect_checkpoints_ok(store_db_t *db, EVP_PKEY *pub, int64_t rows)
{
    int64_t bad = -1, n = -1;
    if (store_audit_checkpoints_verify(db, pub, &bad, &n) != 0)
        fail_msg("checkpoints: %s", al_err_msg());
    assert_int_equal(bad, 0);
    assert_int_equal(n, rows);
}

static void test_checkpoints_verify(void **state)
{
    store_fixture_t *f = *state;
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(key);
    EVP_PKEY *pub = s_public_of(key);
    int64_t id = 0;
    assert_int_equal(store_audit_checkpoint(f->db, key, &id), 0);   /* empty chain */
    assert_true(id > 0);
    s_append(f->db, 20);
    assert_int_equal(store_db_set_role(f->db, "airlock_app"), 0);  /* the app may checkpoint */
    assert_int_equal(store_audit_checkpoint(f->db, key, NULL), 0);
    s_append(f->db, 5);
    assert_int_equal(store_audit_checkpoint(f->db, key, NULL), 0);
    assert_int_equal(store_db_set_role(f->db, NULL), 0);
    s_expect_checkpoints_ok(f->db, pub, 3);
    assert_int_equal(store_test_int(f->db, "SELECT count(*) FROM audit_checkpoints c JOIN "
                                    "audit_head h ON c.head_id = h.last_id"), 1);
    /* a public key cannot sign */
    assert_int_equal(store_audit_checkpoint(f->db, pub, NULL), AL_ECRYPTO);
    /* another key: the first checkpoint is reported */
    EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    int64_t bad = 0;
    assert_int_equal(store_audit_checkpoints_verify(f->db, other, &bad, NULL), AL_ESTATE);
    assert_int_equal(bad, id);
    assert_int_equal(store_audit_checkpoints_verify(f->db, NULL, &bad, NULL), AL_EINVAL);
    EVP_PKEY_free(other);
    EVP_PKEY_free(pub);
    EVP_PKEY_free(key);
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
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ckpt_rewrite");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");   /* the SHA-256 path */
    assert_non_null(key);
    s_append(db, 10);
    int64_t ckpt = 0, bad = 0;
    assert_int_equal(store_audit_checkpoint(db, key, &ckpt), 0);
    s_expect_checkpoints_ok(db, key, 1);
    store_test_ok(db,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;"
        "ALTER TABLE audit_head DISABLE TRIGGER audit_head_guard;"
        "UPDATE audit_log SET detail = '{\"forged\": true}' WHERE id = 5;"
        "DO $$ DECLARE r record; prev bytea; BEGIN"
        "  SELECT hash INTO prev FROM audit_log WHERE id = 4;"
        "  FOR r IN SELECT * FROM audit_log WHERE id >= 5 ORDER BY id LOOP"
        "    UPDATE audit_log SET prev_hash = prev, hash = sha256(audit_canonical(r.id, r.ts,"
        "      r.actor, r.action, r.job_id, r.task_id, r.labels, r.detail) || prev)"
        "      WHERE id = r.id RETURNING hash INTO prev;"
        "  END LOOP;"
        "  UPDATE audit_head SET last_hash = prev;"
        "END $$;"
        "ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update_delete;"
        "ALTER TABLE audit_head ENABLE ALWAYS TRIGGER audit_head_guard;");
    /* the chain itself is consistent again ... */
    assert_int_equal(store_audit_verify(db, &bad), 0);
    assert_int_equal(store_audit_verify_sql(db, &bad), 0);
    /* ... but the signed head no longer matches */
    assert_int_equal(store_audit_checkpoints_verify(db, key, &bad, NULL), AL_ESTATE);
    assert_int_equal(bad, ckpt);
    assert_non_null(strstr(al_err_msg(), "does not verify"));
    EVP_PKEY_free(key);
    store_db_destroy(&db);
}

/* A checkpoint inserted by hand (right key id, made-up signature) fails. */
static void test_forged_checkpoint_refused(void **state)
{
    store_fixture_t *f = *state;
    store_db_t *db = store_test_db_fresh(f, "ckpt_forge");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    s_append(db, 3);
    assert_int_equal(store_audit_checkpoint(db, key, NULL), 0);
    char key_id[65], sql[512];
    assert_int_equal(store_audit_key_id(key, key_id), 0);
    snprintf(sql, sizeof sql, "INSERT INTO audit_checkpoints (head_id, head_hash, signed_at_us, "
             "key_id, signature) SELECT last_id, last_hash, 1, '%s', decode(repeat('ab', 64), 'hex') "
             "FROM audit_head", key_id);
    store_test_ok(db, sql);
    int64_t bad = 0, rows = 0;
    assert_int_equal(store_audit_checkpoints_verify(db, key, &bad, &rows), AL_ESTATE);
    assert_int_equal(bad, store_test_int(db, "SELECT max(id) FROM audit_checkpoints"));
    assert_int_equal(rows, 1);
    EVP_PKEY_free(key);
    store_db_destroy(&db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoints_verify),
        cmocka_unit_test(test_checkpoints_append_only),
        cmocka_unit_test(test_rewritten_chain_caught_by_checkpoint),
        cmocka_unit_test(test_forged_checkpoint_refused),
    };
    return cmocka_run_group_tests(tests, store_fixture_setup, store_fixture_teardown);
}
