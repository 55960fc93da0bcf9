/*
 * convert.c: JSON (jansson), PostgreSQL array literals and protocol values.
 */
#include "orchestrator/convert.h"
#include "common/error.h"
#include "common/pg_array.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

char *convert_map_to_json(const proto_strmap_t *map)
{
    return convert_map_to_json_with(map, NULL);
}

char *convert_map_to_json_with(const proto_strmap_t *map, const char *const *extra)
{
    json_t *obj = json_object();
    for (size_t i = 0; obj && i < map->count; i++) {
        if (json_object_set_new(obj, map->keys[i], json_string(map->values[i])) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    for (size_t i = 0; obj && extra && extra[i] && extra[i + 1]; i += 2) {
        if (json_object_set_new(obj, extra[i], json_string(extra[i + 1])) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    char *text = obj ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(obj);
    if (!text)
        al_err_set(AL_EINVAL, "map is not representable as JSON (invalid UTF-8?)");
    return text;
}

int convert_json_to_map(const char *json, proto_strmap_t *map)
{
    json_error_t err;
    json_t *obj = json_loads(json ? json : "{}", 0, &err);
    if (!obj || !json_is_object(obj)) {
        json_decref(obj);
        return al_err_set(AL_EINVAL, "expected a JSON object: %s", err.text);
    }
    const char *key;
    json_t *value;
    int rc = AL_OK;
    json_object_foreach(obj, key, value) {
        char *text = json_is_string(value) ? strdup(json_string_value(value))
                                           : json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        rc = text ? proto_strmap_put(map, key, text) : al_err_set(AL_ENOMEM, "out of memory");
        free(text);
        if (rc != AL_OK)
            break;
    }
    json_decref(obj);
    return rc;
}

char *convert_list_to_pg(const proto_strlist_t *list)
{
    al_pg_array_t a = { 0 };
    for (size_t i = 0; i < list->count; i++)
        al_pg_array_add(&a, list->items[i]);
    const char *lit = al_pg_array_end(&a);
    char *out = lit ? strdup(lit) : NULL;
    al_pg_array_free(&a);
    if (!out)
        al_err_set(AL_ENOMEM, "out of memory");
    return out;
}

int convert_pg_to_list(const char *pg, proto_strlist_t *list)
{
    size_t len = pg ? strlen(pg) : 0;
    if (len < 2 || pg[0] != '{' || pg[len - 1] != '}')
        return al_err_set(AL_EINVAL, "not an array literal: %s", pg ? pg : "(null)");
    char *item = malloc(len + 1);
    if (!item)
        return al_err_set(AL_ENOMEM, "out of memory");
    const char *p = pg + 1, *end = pg + len - 1;
    int rc = AL_OK;
    while (p < end && rc == AL_OK) {
        size_t n = 0;
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                item[n++] = *p;
            }
            p++;
        } else {
            for (; p < end && *p != ','; p++)
                item[n++] = *p;
        }
        item[n] = '\0';
        rc = proto_strlist_add(list, item);
        if (p < end && *p == ',')
            p++;
    }
    free(item);
    return rc;
}

int convert_job_info(const store_job_row_t *row, proto_job_info_t *info)
{
    int rc = proto_str_set(&info->job_id, row->job_id);
    if (rc == AL_OK)
        rc = proto_str_set(&info->state, row->state);
    if (rc == AL_OK && row->verdict[0]) {
        rc = proto_str_set(&info->verdict, row->verdict);
        info->has_verdict = true;
    }
    info->attempt = (uint64_t)row->attempt;
    info->created_us = row->created_us;
    if (row->finished_us) {
        info->finished_us = row->finished_us;
        info->has_finished_us = true;
    }
    if (rc == AL_OK && row->worker_name[0]) {
        rc = proto_str_set(&info->worker, row->worker_name);
        info->has_worker = true;
    }
    if (rc == AL_OK && row->waiting_reason[0]) {
        rc = proto_str_set(&info->waiting_reason, row->waiting_reason);
        info->has_waiting_reason = true;
    }
    if (rc == AL_OK)
        rc = convert_json_to_map(row->labels_json, &info->labels);
    return rc;
}

int convert_worker_info(const store_worker_row_t *row, unsigned free_slots, int connected,
                        proto_worker_info_t *info)
{
    int rc = proto_str_set(&info->worker_id, row->worker_id);
    if (rc == AL_OK)
        rc = proto_str_set(&info->name, row->name);
    if (rc == AL_OK)
        rc = proto_str_set(&info->state, connected ? (free_slots ? "ready" : "busy")
                                                   : row->state);
    info->slots = (uint64_t)row->slots;
    info->free_slots = connected ? free_slots : 0;
    if (rc == AL_OK)
        rc = proto_str_set(&info->accel, row->accel);
    if (rc == AL_OK)
        rc = convert_pg_to_list(row->drivers_pg, &info->drivers);
    if (rc == AL_OK)
        rc = convert_json_to_map(row->labels_json, &info->labels);
    info->last_seen_us = row->last_seen_us;
    return rc;
}
