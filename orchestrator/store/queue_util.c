/*
 * queue_util.c: reading PGresult fields into C values.
 */
#include "orchestrator/store/queue_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void queue_copy(char *dst, size_t size, const PGresult *res, int row, int col)
{
    const char *v = PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);
    snprintf(dst, size, "%s", v);
}

char *queue_dup(const PGresult *res, int row, int col)
{
    return strdup(PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

int queue_int(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : atoi(PQgetvalue(res, row, col));
}

uint64_t queue_u64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoull(PQgetvalue(res, row, col), NULL, 10);
}

int queue_bool(const PGresult *res, int row, int col)
{
    return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}
