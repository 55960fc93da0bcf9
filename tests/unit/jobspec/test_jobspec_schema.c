/*
 * test_jobspec_schema.c: schemas/job.schema.json and the C field table
 * (common/jobspec/jobspec_fields.c) say the same thing: the same fields,
 * nothing else (additionalProperties false everywhere), the same types,
 * bounds, enum values, required members and defaults.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/jobspec/jobspec.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA AIRLOCK_SOURCE_DIR "/schemas/job.schema.json"

static json_t *s_schema;
static json_t *s_defaults; /* canonical JSON of the minimal job */

static int setup(void **state)
{
    json_error_t e;
    s_schema = json_load_file(SCHEMA, JSON_REJECT_DUPLICATES, &e);
    if (!s_schema)
        fail_msg("%s: %s (line %d)", SCHEMA, e.text, e.line);
    jobspec_t *j = NULL;
    const char *min = "{\"repo\":\"/r\",\"base\":\"main\",\"test\":\"t\"}";
    assert_int_equal(jobspec_parse(min, strlen(min), &j), 0);
    char *s = jobspec_to_json(j);
    s_defaults = json_loads(s, 0, NULL);
    free(s);
    jobspec_destroy(&j);
    return 0;
}

static int teardown(void **state)
{
    json_decref(s_schema);
    json_decref(s_defaults);
    return 0;
}

/* Follows "#/$defs/x" references. */
static json_t *deref(json_t *node)
{
    json_t *ref = json_object_get(node, "$ref");
    if (!json_is_string(ref))
        return node;
    const char *r = json_string_value(ref);
    assert_true(strncmp(r, "#/$defs/", 8) == 0);
    json_t *d = json_object_get(json_object_get(s_schema, "$defs"), r + 8);
    assert_non_null(d);
    return d;
}

/* The schema node of a dotted path and the object holding it. */
static json_t *lookup(const char *path, json_t **parent, const char **leaf)
{
    json_t *node = s_schema;
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        *parent = node;
        *leaf = path + (tok - buf);
        node = json_object_get(json_object_get(node, "properties"), tok);
        if (!node)
            return NULL;
    }
    return node;
}

static int64_t num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v))
        fail_msg("schema: '%s' missing or not an integer", k);
    return json_integer_value(v);
}

static const char *type_of(json_t *n)
{
    json_t *t = json_object_get(n, "type");
    return json_is_string(t) ? json_string_value(t) : "";
}

static void check_bounds(const jobspec_field_info_t *f, json_t *n)
{
    switch (f->type) {
    case JOBSPEC_T_STRING:
        assert_string_equal(type_of(n), "string");
        assert_int_equal(num(n, "minLength"), f->min);
        assert_int_equal(num(n, "maxLength"), f->max);
        break;
    case JOBSPEC_T_INTEGER:
        assert_string_equal(type_of(n), "integer");
        assert_int_equal(num(n, "minimum"), f->min);
        assert_int_equal(num(n, "maximum"), f->max);
        break;
    case JOBSPEC_T_STRING_ARRAY:
        assert_string_equal(type_of(n), "array");
        assert_int_equal(num(n, "maxItems"), f->max);
        assert_true(json_is_true(json_object_get(n, "uniqueItems")));
        assert_int_equal(num(deref(json_object_get(n, "items")), "maxLength"), f->item_max);
        break;
    case JOBSPEC_T_COMMAND_ARRAY:
        assert_string_equal(type_of(n), "array");
        assert_int_equal(num(n, "maxItems"), f->max);
        assert_ptr_equal(deref(json_object_get(n, "items")),
                         json_object_get(json_object_get(s_schema, "$defs"), "command"));
        break;
    case JOBSPEC_T_COMMAND:
        assert_ptr_equal(deref(n), json_object_get(json_object_get(s_schema, "$defs"), "command"));
        break;
    case JOBSPEC_T_STRING_MAP:
        assert_string_equal(type_of(n), "object");
        assert_int_equal(num(n, "maxProperties"), f->max);
        assert_int_equal(num(json_object_get(n, "additionalProperties"), "maxLength"), f->item_max);
        assert_int_equal(num(json_object_get(n, "propertyNames"), "maxLength"), 64);
        break;
    case JOBSPEC_T_OBJECT:
        assert_string_equal(type_of(n), "object");
        assert_true(json_is_false(json_object_get(n, "additionalProperties")));
        break;
    case JOBSPEC_T_ENUM: {
        json_t *e = json_object_get(n, "enum");
        size_t k = 0;
        assert_true(json_is_array(e));
        for (; f->enum_values[k]; k++)
            assert_string_equal(json_string_value(json_array_get(e, k)), f->enum_values[k]);
        assert_int_equal(json_array_size(e), k);
        break;
    }
    }
}

static int is_required(json_t *parent, const char *leaf)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(parent, "required"), i, v)
        if (strcmp(json_string_value(v), leaf) == 0)
            return 1;
    return 0;
}

static void test_table_matches_schema(void **state)
{
    assert_true(json_is_false(json_object_get(s_schema, "additionalProperties")));
    assert_true(jobspec_field_count() > 10);
    assert_null(jobspec_field_at(jobspec_field_count()));
    for (size_t i = 0; i < jobspec_field_count(); i++) {
        const jobspec_field_info_t *f = jobspec_field_at(i);
        json_t *parent = NULL;
        const char *leaf = NULL;
        json_t *n = lookup(f->path, &parent, &leaf);
        if (!n)
            fail_msg("field %s is not in the schema", f->path);
        check_bounds(f, n);
        if (is_required(parent, leaf) != f->required)
            fail_msg("field %s: required differs", f->path);
        /* defaults: the schema's "default" equals the C default */
        json_t *def = json_object_get(n, "default");
        if (def) {
            json_t *got = s_defaults;
            char buf[128];
            snprintf(buf, sizeof buf, "%s", f->path);
            for (char *save = NULL, *t = strtok_r(buf, ".", &save); t; t = strtok_r(NULL, ".", &save))
                got = json_object_get(got, t);
            if (!json_equal(def, got))
                fail_msg("field %s: schema default differs from the C default", f->path);
        }
    }
}

static size_t count_props(json_t *node)
{
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(node, "properties"), k, v)
        n += 1 + count_props(v);
    return n;
}

static void test_schema_has_nothing_else(void **state)
{
    assert_int_equal(count_props(s_schema), jobspec_field_count());
    json_t *cmd = json_object_get(json_object_get(s_schema, "$defs"), "command");
    json_t *alts = json_object_get(cmd, "oneOf");
    assert_int_equal(json_array_size(alts), 2);
    assert_int_equal(num(json_array_get(alts, 0), "maxLength"), JOBSPEC_MAX_CMD_LEN);
    assert_int_equal(num(json_array_get(alts, 1), "maxItems"), JOBSPEC_MAX_ARGV);
    assert_int_equal(num(json_object_get(json_array_get(alts, 1), "items"), "maxLength"),
                     JOBSPEC_MAX_CMD_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_schema),
        cmocka_unit_test(test_schema_has_nothing_else),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
