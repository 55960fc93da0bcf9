/*
 * pg_array.h: a PostgreSQL array literal built element by element
 * ("{\"a\",NULL}"), the one way Airlock passes lists as text[] / bigint[]
 * parameters: every element is quoted and escaped, NULL gives SQL NULL. Out
 * of memory is sticky and reported by al_pg_array_end. The buffer is owned
 * by the builder; start from a zeroed al_pg_array_t.
 */
#ifndef AIRLOCK_PG_ARRAY_H
#define AIRLOCK_PG_ARRAY_H

#include <stddef.h>

typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} al_pg_array_t;

void al_pg_array_add(al_pg_array_t *a, const char *value);
/* Appends a formatted integer. */
void al_pg_array_add_i64(al_pg_array_t *a, long long value);
/* Closes the literal ("{}" when empty); NULL when out of memory. Lent until al_pg_array_free. */
const char *al_pg_array_end(al_pg_array_t *a);
void al_pg_array_free(al_pg_array_t *a);

#endif
