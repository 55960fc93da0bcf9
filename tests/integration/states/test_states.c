/*
 * test_states.c: verdicts, states and event kinds agree everywhere they are
 * written down. The definition is schemas/states.json; the C tables
 * (common/states.c) are generated from it (ctest states_current proves they
 * are current). This test holds the C tables against:
 *   - the CHECK lists of jobs.state, jobs.verdict, results.verdict,
 *     tasks.state and workers.state in a private PostgreSQL after every
 *     migration (read back from pg_constraint, so later migrations count);
 *   - the event projection (airlock_project_event): every kind it projects is
 *     defined, every payload key it reads is a field of that kind and its cast
 *     matches the field's type; every kind the event functions name is defined;
 *   - the "States and verdicts" table of docs/DATA-MODEL.md;
 *   - the lists in the docs of schemas/protocol.json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/states.h"
#include "pg_harness.h"

typedef struct {
    pg_harness_t *pg;
    PGconn *conn;
} fixture_t;

typedef struct {
    const char *what;
    const al_state_t *table;
    size_t n;
} list_t;

static const list_t s_lists[] = {
    { "verdicts", al_verdicts, AL_VERDICT_COUNT },
    { "job_states", al_job_states, AL_JOB_STATE_COUNT },
    { "task_states", al_task_states, AL_TASK_STATE_COUNT },
    { "worker_states", al_worker_states, AL_WORKER_STATE_COUNT },
};

/* "a, b, c" of a list, into buf. */
static const char *s_joined(const list_t *l, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? ", " : "", l->table[i].name);
    return buf;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    if (pg_harness_start(&f->pg) != 0 || pg_harness_migrate(f->pg) != 0) {
        print_error("test_states: private PostgreSQL: %s\n", al_err_msg());
        pg_harness_stop(&f->pg);
        free(f);
        return -1;
    }
    f->conn = PQconnectdb(pg_harness_conninfo(f->pg));
    if (PQstatus(f->conn) != CONNECTION_OK) {
        print_error("test_states: connect: %s\n", PQerrorMessage(f->conn));
        PQfinish(f->conn);
        pg_harness_stop(&f->pg);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    PQfinish(f->conn);
    pg_harness_stop(&f->pg);
    free(f);
    return 0;
}

/* The quoted values of "(COLUMN = ANY (ARRAY['a'::text, 'b'::text]))" in a
 * constraint definition, joined as "a, b"; "" when the column has none. */
static void s_check_list(const char *def, const char *column, char *out, size_t cap)
{
    char head[96];
    snprintf(head, sizeof head, "(%s = ANY (ARRAY[", column);
    out[0] = '\0';
    const char *p = strstr(def, head);
    if (!p)
        return;
    p += strlen(head);
    size_t at = 0;
    while (*p && *p != ']') {
        const char *q = strchr(p, '\'');
        if (!q)
            break;
        const char *e = strchr(q + 1, '\'');
        if (!e)
            break;
        at += (size_t)snprintf(out + at, cap > at ? cap - at : 0, "%s%.*s", at ? ", " : "", (int)(e - q - 1), q + 1);
        p = e + 1;
        while (*p && *p != '\'' && *p != ']')
            p++;
    }
}

/* Every value other constraints of the table compare column with, as
 * "(column = 'v'::text)", must be one of `want` ("a, b, c"). */
static void s_check_literals(const char *table, const char *column, const char *def, const char *want)
{
    char head[96];
    int n = snprintf(head, sizeof head, "(%s = '", column);
    for (const char *p = strstr(def, head); p; p = strstr(p + 1, head)) {
        const char *v = p + n, *e = strchr(v, '\'');
        assert_non_null(e);
        char val[64], padded[1100], list[1100];
        snprintf(val, sizeof val, ", %.*s, ", (int)(e - v), v);
        snprintf(list, sizeof list, ", %s, ", want);
        snprintf(padded, sizeof padded, "%s", val);
        if (!strstr(list, padded))
            fail_msg("%s: a constraint compares %s with '%.*s', not one of {%s}: %s", table, column,
                     (int)(e - v), v, want, def);
    }
}

/* The CHECK list of table.column after all migrations: the one constraint
 * that is exactly "CHECK ((column = ANY (ARRAY[...])))"; the values every
 * other constraint of the table names for that column must be in it. */
static void s_effective_list(PGconn *conn, const char *table, const char *column, const char *want, char *out,
                             size_t cap)
{
    const char *params[] = { table };
    PGresult *r = PQexecParams(conn,
                               "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
                               "JOIN pg_class t ON t.oid = c.conrelid "
                               "WHERE t.relname = $1 AND c.contype = 'c' ORDER BY c.conname",
                               1, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char head[96];
    snprintf(head, sizeof head, "CHECK ((%s = ANY (ARRAY[", column);
    int found = 0;
    out[0] = '\0';
    for (int i = 0; i < PQntuples(r); i++) {
        const char *def = PQgetvalue(r, i, 0);
        size_t len = strlen(def);
        if (strncmp(def, head, strlen(head)) == 0 && len > 4 && strcmp(def + len - 4, "])))") == 0) {
            s_check_list(def, column, out, cap);
            found++;
            continue;
        }
        char subset[1024];
        s_check_list(def, column, subset, sizeof subset);
        for (char *tok = subset; *tok;) {   /* each value of a partial list */
            size_t n = strcspn(tok, ",");
            char lit[96];
            snprintf(lit, sizeof lit, "(%s = '%.*s'", column, (int)n, tok);
            s_check_literals(table, column, lit, want);
            tok += n;
            while (*tok == ',' || *tok == ' ')
                tok++;
        }
        s_check_literals(table, column, def, want);
    }
    PQclear(r);
    if (found != 1)
        fail_msg("%s.%s: %d CHECK lists (want exactly 1)", table, column, found);
}

static void test_sql_check_lists(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *table, *column;
        size_t list;
    } cols[] = {
        { "jobs", "verdict", 0 },  { "results", "verdict", 0 }, { "jobs", "state", 1 },
        { "tasks", "state", 2 },   { "workers", "state", 3 },
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        char sql[1024], want[1024];
        s_joined(&s_lists[cols[i].list], want, sizeof want);
        s_effective_list(f->conn, cols[i].table, cols[i].column, want, sql, sizeof sql);
        if (strcmp(sql, want) != 0)
            fail_msg("%s.%s CHECK (after all migrations) is {%s}; schemas/states.json %s is {%s}",
                     cols[i].table, cols[i].column, sql, s_lists[cols[i].list].what, want);
    }
}

static char *s_function_def(PGconn *conn, const char *name)
{
    const char *params[] = { name };
    PGresult *r = PQexecParams(conn, "SELECT pg_get_functiondef($1::regproc)", 1, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    char *def = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    assert_non_null(def);
    return def;
}

/* What a SQL cast reads a payload string as. */
static int s_cast_type(const char *cast, al_field_type_t *out)
{
    if (strncmp(cast, "int", 3) == 0 || strncmp(cast, "bigint", 6) == 0 || strncmp(cast, "double precision", 16) == 0)
        *out = AL_FIELD_INT;
    else if (strncmp(cast, "boolean", 7) == 0)
        *out = AL_FIELD_BOOL;
    else
        return -1;
    return 0;
}

/* Checks every d->>'key' of one WHEN branch [p, end) against kind k. */
static void s_check_branch(const al_event_kind_t *k, const char *p, const char *end)
{
    static const char *const type_names[] = { "str", "int", "bool" };
    for (const char *q = strstr(p, "d->>'"); q && q < end; q = strstr(q + 1, "d->>'")) {
        const char *key = q + 5, *ke = strchr(key, '\'');
        assert_non_null(ke);
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(ke - key), key);
        const al_event_field_t *fd = al_event_field_find(k, name);
        if (!fd)
            fail_msg("airlock_project_event reads '%s' of a %s event; schemas/states.json has no such field",
                     name, k->name);
        al_field_type_t t = AL_FIELD_STR;
        if (q > p && q[-1] == '(' && strncmp(ke + 1, ")::", 3) == 0 && s_cast_type(ke + 4, &t) != 0)
            fail_msg("%s.%s: unknown cast '%.16s'", k->name, name, ke + 4);
        if (t != fd->type)
            fail_msg("airlock_project_event reads %s.%s as %s; schemas/states.json says %s", k->name, name,
                     type_names[t], type_names[fd->type]);
    }
}

static void test_event_projection(void **state)
{
    fixture_t *f = *state;
    char *def = s_function_def(f->conn, "airlock_project_event");
    int branches = 0;
    for (char *w = strstr(def, "WHEN '"); w; w = strstr(w + 1, "WHEN '")) {
        char kind[64];
        char *ks = w + 6, *ke = strchr(ks, '\'');
        assert_non_null(ke);
        snprintf(kind, sizeof kind, "%.*s", (int)(ke - ks), ks);
        int k = al_event_kind_find(kind);
        if (k < 0)
            fail_msg("airlock_project_event projects kind '%s'; schemas/states.json does not define it", kind);
        char *end = strstr(ke, "WHEN '");
        if (!end)
            end = strstr(ke, "ELSE");
        assert_non_null(end);
        s_check_branch(&al_event_kinds[k], ke, end);
        branches++;
    }
    free(def);
    assert_true(branches >= 6); /* stage.end, finding, file_change, exec, egress, artifact */
}

/* Every quoted name in each "p_kind IN (...)" of the event functions is a kind. */
static void test_event_kind_lists(void **state)
{
    fixture_t *f = *state;
    static const char *const fns[] = { "airlock_store_event", "airlock_event_admit" };
    int lists = 0;
    for (size_t i = 0; i < 2; i++) {
        char *def = s_function_def(f->conn, fns[i]);
        for (char *p = strstr(def, "p_kind IN ("); p; p = strstr(p + 1, "p_kind IN (")) {
            char *end = strchr(p, ')');
            assert_non_null(end);
            for (char *q = strchr(p, '\''); q && q < end; q = strchr(q + 1, '\'')) {
                char *e = strchr(q + 1, '\'');
                char kind[64];
                snprintf(kind, sizeof kind, "%.*s", (int)(e - q - 1), q + 1);
                if (al_event_kind_find(kind) < 0)
                    fail_msg("%s names event kind '%s'; schemas/states.json does not define it", fns[i], kind);
                q = e;
            }
            lists++;
        }
        free(def);
    }
    assert_true(lists >= 2);
    assert_true(al_event_kind_find("events.capped") >= 0);
}

static char *s_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* docs/DATA-MODEL.md has the row "| `WHAT` | `a`, `b`, ... |" for each list. */
static void test_data_model_table(void **state)
{
    (void)state;
    char *doc = s_slurp(AIRLOCK_SOURCE_DIR "/docs/DATA-MODEL.md");
    for (size_t i = 0; i < sizeof s_lists / sizeof s_lists[0]; i++) {
        char head[64], want[1024], got[1024] = "";
        snprintf(head, sizeof head, "| `%s` | ", s_lists[i].what);
        const char *row = strstr(doc, head);
        if (!row)
            fail_msg("docs/DATA-MODEL.md: no row '%s' in the table \"States and verdicts\"", head);
        row += strlen(head);
        size_t at = 0;
        for (; *row && *row != '|' && *row != '\n'; row++)
            if (*row != '`' && at + 1 < sizeof got)
                got[at++] = *row;
        while (at && got[at - 1] == ' ')
            at--;
        got[at] = '\0';
        s_joined(&s_lists[i], want, sizeof want);
        if (strcmp(got, want) != 0)
            fail_msg("docs/DATA-MODEL.md %s: {%s}; schemas/states.json: {%s}", s_lists[i].what, got, want);
    }
    free(doc);
}

/* The value list a protocol.json doc starts with: "a, b, c (jobs.state)." or
 * "a, b, c." -> "a, b, c". */
static void s_doc_list(const char *doc, char *out, size_t cap)
{
    size_t n = strcspn(doc, "(.");
    while (n && doc[n - 1] == ' ')
        n--;
    snprintf(out, cap, "%.*s", (int)n, doc);
}

/* Walks every field of protocol.json; counts the docs that list states or verdicts. */
static void s_protocol_walk(json_t *v, int *checked)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) s_protocol_walk(x, checked);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *name = json_string_value(json_object_get(v, "name"));
    const char *doc = json_string_value(json_object_get(v, "doc"));
    const list_t *l = NULL;
    if (doc && strstr(doc, "(jobs.state)"))
        l = &s_lists[1];
    else if (doc && strstr(doc, "(workers.state)"))
        l = &s_lists[3];
    else if (doc && name && strcmp(name, "verdict") == 0 && strncmp(doc, "accepted,", 9) == 0)
        l = &s_lists[0];
    if (l) {
        char got[1024], want[1024];
        s_doc_list(doc, got, sizeof got);
        s_joined(l, want, sizeof want);
        if (strcmp(got, want) != 0)
            fail_msg("schemas/protocol.json field %s: {%s}; schemas/states.json %s: {%s}", name, got, l->what, want);
        (*checked)++;
    }
    const char *key;
    json_t *x;
    json_object_foreach(v, key, x) s_protocol_walk(x, checked);
}

static void test_protocol_docs(void **state)
{
    (void)state;
    json_error_t err;
    json_t *root = json_load_file(AIRLOCK_SOURCE_DIR "/schemas/protocol.json", 0, &err);
    if (!root)
        fail_msg("schemas/protocol.json: %s", err.text);
    int checked = 0;
    s_protocol_walk(root, &checked);
    json_decref(root);
    assert_true(checked >= 3); /* STATUS state, WORKERS state, RESULT verdict */
}

/* The CLI's exit codes follow the verdict order (README "Verdicts"). */
static void test_verdict_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(al_verdicts[AL_VERDICT_ACCEPTED].exit_code, 0);
    for (size_t i = 1; i < AL_VERDICT_COUNT; i++)
        assert_int_equal(al_verdicts[i].exit_code, 9 + (int)i);
    assert_int_equal(al_state_find(al_verdicts, AL_VERDICT_COUNT, "sandbox_error"), AL_VERDICT_SANDBOX_ERROR);
    assert_int_equal(al_state_find(al_verdicts, AL_VERDICT_COUNT, "done"), -1);
    assert_int_equal(al_state_find(al_job_states, AL_JOB_STATE_COUNT, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest db[] = {
        cmocka_unit_test(test_sql_check_lists),
        cmocka_unit_test(test_event_projection),
        cmocka_unit_test(test_event_kind_lists),
    };
    const struct CMUnitTest files[] = {
        cmocka_unit_test(test_data_model_table),
        cmocka_unit_test(test_protocol_docs),
        cmocka_unit_test(test_verdict_exit_codes),
    };
    int rc = cmocka_run_group_tests_name("states_files", files, NULL, NULL);
    return rc | cmocka_run_group_tests_name("states_db", db, setup, teardown);
}
