/*
 * queue_util.h: small helpers shared by the queue_*.c files (internal).
 */
#ifndef AIRLOCK_STORE_QUEUE_UTIL_H
#define AIRLOCK_STORE_QUEUE_UTIL_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/pg_array.h"

/* Copies field (row, col) into dst (truncating); "" for NULL. */
void queue_copy(char *dst, size_t size, const PGresult *res, int row, int col);
/* strdup of the field; "" for NULL; NULL only when out of memory. */
char *queue_dup(const PGresult *res, int row, int col);
int queue_int(const PGresult *res, int row, int col);
uint64_t queue_u64(const PGresult *res, int row, int col);
/* 1 for 't'. */
int queue_bool(const PGresult *res, int row, int col);

/* Array parameters: common/pg_array.h (al_pg_array_t). */

#endif
