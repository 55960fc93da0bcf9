/*
 * queue_util.h: small helpers shared by the queue_*.c files (internal).
 */
#ifndef AIRLOCK_STORE_QUEUE_UTIL_H
#define AIRLOCK_STORE_QUEUE_UTIL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Copies field (row, col) into dst (truncating); "" for NULL. */
void queue_copy(char *dst, size_t size, const PGresult *res, int row, int col);
/* strdup of the field; "" for NULL; NULL only when out of memory. */
char *queue_dup(const PGresult *res, int row, int col);
int queue_int(const PGresult *res, int row, int col);
uint64_t queue_u64(const PGresult *res, int row, int col);
/* 1 for 't'. */
int queue_bool(const PGresult *res, int row, int col);

/* A PostgreSQL array literal built element by element ("{\"a\",NULL}"):
 * every element is quoted and escaped, NULL gives SQL NULL. Out of memory is
 * sticky and reported by queue_array_end. The buffer is owned by the builder. */
typedef struct {
    char *buf;
    size_t len, cap;
    int oom;
} queue_array_t;

void queue_array_add(queue_array_t *a, const char *value);
/* Appends a formatted integer. */
void queue_array_add_i64(queue_array_t *a, long long value);
/* Closes the literal; NULL when out of memory. Lent until queue_array_free. */
const char *queue_array_end(queue_array_t *a);
void queue_array_free(queue_array_t *a);

#endif
