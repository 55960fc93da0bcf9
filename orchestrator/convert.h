/*
 * convert.h: between the protocol's string maps/lists, JSON text (jsonb in
 * PostgreSQL), PostgreSQL array literals, and store rows.
 *
 * Ownership: returned strings are malloc'd and owned by the caller (free);
 * proto values are filled with the proto_* setters (owned by their message).
 * Errors: NULL / AL_ENOMEM / AL_EINVAL with al_err_msg set.
 */
#ifndef AIRLOCK_ORCH_CONVERT_H
#define AIRLOCK_ORCH_CONVERT_H

#include "common/proto/proto.h"
#include "orchestrator/store/queue.h"

/* {"k": "v", ...} */
char *convert_map_to_json(const proto_strmap_t *map);
/* Same, plus the pairs of `extra` (key, value, key, value, ..., NULL), which
 * replace members of the same name. */
char *convert_map_to_json_with(const proto_strmap_t *map, const char *const *extra);
/* Every member of a JSON object: strings as they are, other values as JSON text. */
int convert_json_to_map(const char *json, proto_strmap_t *map);
/* {"a","b"} with quotes and backslashes escaped. */
char *convert_list_to_pg(const proto_strlist_t *list);
/* Parses a PostgreSQL text[] output literal ({a,"b c"}). */
int convert_pg_to_list(const char *pg, proto_strlist_t *list);

int convert_job_info(const store_job_row_t *row, proto_job_info_t *info);
int convert_worker_info(const store_worker_row_t *row, unsigned free_slots, int connected,
                        proto_worker_info_t *info);

#endif
